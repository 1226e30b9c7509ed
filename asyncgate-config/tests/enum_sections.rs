//! Enum sections: a backend chosen by name. The tag (`ORDERS_STORE`,
//! `store.kind`) selects the variant; only its settings are read, defaulted,
//! required and checked; another variant's settings that are set are
//! reported; an unknown name is an error listing the variants.

mod common;

use asyncgate_config::validate::Checks;
use asyncgate_config::{
    Environment, Finding, GateConfig, InstanceId, Loaded, Report, SecretString,
};

/// The file store.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct FileStore {
    #[gate(default = "/var/lib/orders")]
    pub dir: String,
}

/// The PostgreSQL store.
#[derive(Debug, GateConfig)]
#[gate(section, check = pg_rules)]
pub struct PgStore {
    pub url: String,
    #[gate(default = 10)]
    pub pool: u32,
    #[gate(secret, required_in(production))]
    pub password: Option<SecretString>,
}

fn pg_rules(pg: &PgStore, checks: &mut Checks<'_>) {
    if pg.pool == 0 {
        checks.push(Finding::error(
            "pool",
            "a pool of 0 connections serves nothing",
        ));
    }
}

/// Where claims are kept.
#[derive(Debug, GateConfig)]
#[gate(section, default = "file")]
pub enum Store {
    File(FileStore),
    Postgres(PgStore),
    Memory,
}

#[derive(Debug, GateConfig)]
#[gate(section, tag = "backend")]
pub enum Cache {
    Memory,
    Redis(FileStore),
}

#[derive(Debug, GateConfig)]
#[allow(dead_code)] // The tests read the sections.
#[gate(prefix = "ORDERS")]
pub struct Settings {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "orders-1")]
    pub instance_id: InstanceId,
    #[gate(nested)]
    pub store: Store,
    #[gate(nested)]
    pub cache: Option<Cache>,
}

fn load(env: &[(&str, &str)]) -> Result<Loaded<Settings>, Report> {
    Settings::loader()
        .env(env.iter().copied())
        .dotenv(false)
        .load()
}

fn load_file(text: &str, env: &[(&str, &str)], deny: bool) -> Result<Loaded<Settings>, Report> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orders.toml"), text).unwrap();
    let mut env = env.to_vec();
    env.push(("ORDERS_CONFIG_FILE", "orders.toml"));
    Settings::loader()
        .env(env)
        .current_dir(dir.path())
        .dotenv(false)
        .deny_unknown(deny)
        .load()
}

#[test]
fn the_default_variant_with_its_defaults() {
    let loaded = load(&[]).unwrap();
    match &loaded.store {
        Store::File(file) => assert_eq!(file.dir, "/var/lib/orders"),
        other => panic!("{other:?}"),
    }
    assert!(
        loaded.cache.is_none(),
        "an optional enum section nothing sets"
    );
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
}

#[test]
fn the_tag_selects_from_the_environment_or_the_file() {
    let from_env = load(&[
        ("ORDERS_STORE", "postgres"),
        ("ORDERS_STORE_POSTGRES_URL", "postgres://db/orders"),
    ])
    .unwrap();
    let Store::Postgres(pg) = &from_env.store else {
        panic!("{:?}", from_env.store)
    };
    assert_eq!((pg.url.as_str(), pg.pool), ("postgres://db/orders", 10));

    for text in [
        "[store]\nkind = \"Postgres\"\n[store.postgres]\nurl = \"u\"\n",
        "store.kind = \"postgres\"\nstore.postgres.url = \"u\"\n",
    ] {
        let loaded = load_file(text, &[], false).unwrap_or_else(|r| panic!("{r}"));
        assert!(matches!(loaded.store, Store::Postgres(_)), "{text}");
    }
    let unit = load(&[("ORDERS_STORE", "memory")]).unwrap();
    assert!(matches!(unit.store, Store::Memory));
    let tagged = load(&[("ORDERS_CACHE", "redis"), ("ORDERS_CACHE_REDIS_DIR", "/r")]).unwrap();
    assert!(
        matches!(tagged.cache, Some(Cache::Redis(_))),
        "{:?}",
        tagged.cache
    );
    let by_key = load_file("[cache]\nbackend = \"memory\"\n", &[], true).unwrap();
    assert!(matches!(by_key.cache, Some(Cache::Memory)));
}

#[test]
fn an_unknown_variant_is_an_error_listing_the_variants() {
    let report = load(&[("ORDERS_STORE", "postgress")]).unwrap_err();
    let error = report.errors().next().unwrap();
    assert_eq!(error.setting(), Some("store.kind"));
    assert_eq!(error.env_var(), Some("ORDERS_STORE"));
    assert!(
        error.message().contains("unknown variant `postgress`: expected one of `file`, `postgres`, `memory` (did you mean `postgres`?)"),
        "{report}"
    );
}

#[test]
fn only_the_selected_variant_is_required_ruled_and_checked() {
    // File selected: the PostgreSQL store's url and production password are not required.
    let prod = [
        ("ORDERS_ENV", "production"),
        ("ORDERS_INSTANCE_ID", "orders-7"),
    ];
    let validated = load(&prod)
        .unwrap()
        .validate()
        .unwrap_or_else(|r| panic!("{r}"));
    assert!(matches!(validated.store, Store::File(_)));
    // Postgres selected: its url is required, its password in production, its check runs.
    let mut env = prod.to_vec();
    env.extend([
        ("ORDERS_STORE", "postgres"),
        ("ORDERS_STORE_POSTGRES_POOL", "0"),
    ]);
    let report = load(&env).unwrap_err();
    let settings: Vec<&str> = report.errors().filter_map(|e| e.setting()).collect();
    assert!(settings.contains(&"store.postgres.url"), "{report}");
    env.push(("ORDERS_STORE_POSTGRES_URL", "postgres://db/orders"));
    let report = load(&env).unwrap().validate().unwrap_err();
    let settings: Vec<&str> = report.errors().filter_map(|e| e.setting()).collect();
    assert!(settings.contains(&"store.postgres.password"), "{report}");
    assert!(
        settings.contains(&"store.postgres.pool"),
        "the section's check: {report}"
    );
}

#[test]
fn another_variants_settings_are_reported_and_refused_under_deny_unknown() {
    let env = [("ORDERS_STORE_POSTGRES_URL", "postgres://db/orders")];
    let loaded = load(&env).unwrap();
    let warning = loaded.warnings().first().expect("a warning");
    assert_eq!(
        warning.message(),
        "settings of `store.postgres` are set, but `store.kind` selects `file`: they are ignored"
    );
    let report = load_file("[store.postgres]\nurl = \"u\"\n", &[], true).unwrap_err();
    assert!(
        report
            .errors()
            .any(|e| e.setting() == Some("store.postgres")),
        "{report}"
    );
    // An empty table (as in the template) sets nothing.
    let loaded = load_file("[store.postgres]\n", &[], true).unwrap_or_else(|r| panic!("{r}"));
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
}

#[test]
fn names_variables_templates_and_schema_show_every_variant() {
    let schema = Settings::schema();
    let env = |name: &str| schema.field(name).unwrap().env();
    assert_eq!(env("store.kind"), "ORDERS_STORE");
    assert_eq!(env("store.postgres.url"), "ORDERS_STORE_POSTGRES_URL");
    assert_eq!(env("store.file.dir"), "ORDERS_STORE_FILE_DIR");
    assert_eq!(env("cache.backend"), "ORDERS_CACHE");
    let toml = schema.toml_template();
    for line in [
        "#kind = \"file\"",
        "[store.postgres]",
        "[store.file]",
        "#url = ",
    ] {
        assert!(toml.contains(line), "{line}:\n{toml}");
    }
    let json = schema.json_schema();
    let kind = &json["properties"]["store"]["properties"]["kind"]["anyOf"][0];
    assert_eq!(
        kind["enum"],
        serde_json::json!(["file", "postgres", "memory"])
    );
    let url = &json["properties"]["store"]["properties"]["postgres"]["properties"]["url"];
    assert_eq!(url["x-asyncgate-env"], "ORDERS_STORE_POSTGRES_URL");
    // `oneOf` on the tag: a branch per variant, and one for the tag left
    // to ORDERS_STORE or its default.
    let branches = json["properties"]["store"]["oneOf"].as_array().unwrap();
    let titles: Vec<&str> = branches
        .iter()
        .map(|b| b["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "file",
            "postgres",
            "memory",
            "kind from ORDERS_STORE or its default"
        ]
    );
    assert_eq!(branches[1]["properties"]["kind"]["const"], "postgres");
    let validator = jsonschema::validator_for(&json).unwrap();
    for good in [
        serde_json::json!({"store": {"kind": "postgres"}}),
        serde_json::json!({"store": {}}),
        serde_json::json!({"store": {"kind": ""}}),
    ] {
        assert!(validator.is_valid(&good), "{good}");
    }
    for bad in [
        serde_json::json!({"store": {"kind": "tikv"}}),
        serde_json::json!({"store": {"kind": 3}}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }
}

#[test]
fn the_uncommented_template_loads_the_default_variant_without_a_warning() {
    let text = common::uncommented(&Settings::schema().toml_template());
    let loaded = load_file(&text, &[], true).unwrap_or_else(|r| panic!("{r}\n---\n{text}"));
    assert!(matches!(loaded.store, Store::File(_)), "{text}");
    assert!(
        loaded.warnings().is_empty(),
        "{:?}\n---\n{text}",
        loaded.warnings()
    );
}

/// Every template loads as written (uncommented) with the default variant
/// and no warning; the other variants are there, off.
#[cfg(feature = "yaml")]
#[test]
fn every_template_leaves_the_other_variants_off() {
    let schema = Settings::schema();
    let toml = schema.toml_template();
    assert!(toml.contains("\n##[store.postgres]\n"), "{toml}");
    assert!(toml.contains("\n[store.file]\n"), "{toml}");
    for (name, text) in [
        ("orders.toml", common::uncommented(&toml)),
        ("orders.yaml", common::uncommented(&schema.yaml_template())),
        ("orders.json", schema.json_example()),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), &text).unwrap();
        let loaded = Settings::loader()
            .env([("ORDERS_CONFIG_FILE", name)])
            .current_dir(dir.path())
            .dotenv(false)
            .deny_unknown(true)
            .load()
            .unwrap_or_else(|r| panic!("{name}: {r}\n---\n{text}"));
        assert!(matches!(loaded.store, Store::File(_)), "{name}");
        assert!(
            loaded.cache.is_none(),
            "{name}: the optional cache stays off"
        );
        assert!(
            loaded.warnings().is_empty(),
            "{name}: {:?}",
            loaded.warnings()
        );
    }
}
