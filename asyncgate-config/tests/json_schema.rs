//! The JSON Schema of the file form: its shape for each kind of setting,
//! and, checked with a real validator, wrong files rejected by the schema
//! as by the loader, both naming the same key.

use std::time::Duration;

use asyncgate_config::{Environment, GateConfig, InstanceId, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Level {
    Debug,
    Info,
}

/// The database.
#[derive(Debug, GateConfig)]
#[allow(dead_code)]
#[gate(section)]
struct Database {
    /// Connections at most.
    #[gate(default = 5)]
    pool: u32,
    #[gate(secret)]
    password: Option<SecretString>,
}

/// A backend chosen by name.
#[derive(Debug, GateConfig)]
#[allow(dead_code)]
#[gate(section, default = "memory")]
enum Store {
    Memory,
    Postgres(Database),
}

/// One upstream.
#[derive(Debug, GateConfig)]
#[allow(dead_code)]
#[gate(section)]
struct Upstream {
    #[gate(default = "http://localhost")]
    url: String,
    #[gate(default = 1)]
    weight: u32,
}

/// The orders service.
#[derive(Debug, GateConfig)]
#[allow(dead_code)] // The tests read the schema and the reports.
#[gate(prefix = "ORDERS", deny_unknown)]
struct Settings {
    #[gate(environment, default = "development", names(qa = "staging"))]
    env: Environment,
    #[gate(instance_id, default = "orders-1")]
    instance_id: InstanceId,
    #[gate(default = 8080)]
    port: u16,
    #[gate(default = "30s")]
    timeout: Duration,
    #[gate(default = "info")]
    level: Level,
    #[gate(default = "a,b")]
    hosts: Vec<String>,
    #[gate(default = 0.5)]
    ratio: f64,
    #[gate(default = false)]
    debug: bool,
    #[gate(nested)]
    database: Database,
    #[gate(nested)]
    store: Store,
    #[gate(nested)]
    upstreams: Vec<Upstream>,
    #[gate(nested)]
    tenants: std::collections::BTreeMap<String, Upstream>,
}

/// A property's own schema (the first of its `anyOf`; the second is "unset").
fn own(property: &Value) -> &Value {
    &property["anyOf"][0]
}

#[test]
fn each_setting_has_its_type_default_description_and_variable() {
    let schema = Settings::schema().json_schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["title"], "Settings");
    assert_eq!(schema["description"], "The orders service.");
    assert_eq!(schema["additionalProperties"], false);
    let p = &schema["properties"];
    assert_eq!(
        own(&p["port"]),
        &json!({"type": "integer", "minimum": 0, "maximum": 65535})
    );
    assert_eq!(p["port"]["default"], 8080);
    assert_eq!(p["port"]["x-asyncgate-env"], "ORDERS_PORT");
    assert_eq!(own(&p["timeout"])["type"], "string");
    assert!(own(&p["timeout"])["pattern"].is_string());
    assert_eq!(p["timeout"]["default"], "30s");
    assert_eq!(own(&p["level"])["enum"], json!(["debug", "info"]));
    assert_eq!(
        own(&p["hosts"]),
        &json!({"type": "array", "items": {"type": "string"}})
    );
    assert_eq!(p["hosts"]["default"], json!(["a", "b"]));
    assert_eq!(p["ratio"]["default"], 0.5);
    assert_eq!(p["debug"]["default"], false);
    assert_eq!(
        own(&p["env"])["enum"],
        json!(["development", "staging", "production", "qa"])
    );
    let database = &p["database"];
    assert_eq!(database["type"], "object");
    assert_eq!(database["additionalProperties"], false);
    assert_eq!(
        database["properties"]["pool"]["description"],
        "Connections at most."
    );
    assert_eq!(
        database["properties"]["pool"]["x-asyncgate-env"],
        "ORDERS_DATABASE_POOL"
    );
    assert_eq!(database["properties"]["password"]["writeOnly"], true);
    assert!(
        schema.get("required").is_none(),
        "any setting may come from the environment"
    );
}

/// Each wrong file, the key both the schema and the loader must name.
const WRONG: [(&str, &str, &str); 10] = [
    ("wrong type", "port = \"eighty\"\n", "port"),
    ("out of range", "port = 70000\n", "port"),
    ("unknown key", "prot = 8080\n", "prot"),
    ("bad enum name", "level = \"loud\"\n", "level"),
    ("bad duration", "timeout = \"30\"\n", "timeout"),
    ("bad variant", "[store]\nkind = \"tikv\"\n", "store"),
    (
        "element of a wrong type",
        "[[upstreams]]\nweight = \"heavy\"\n",
        "weight",
    ),
    (
        "unknown key in an element",
        "[[upstreams]]\nwieght = 1\n",
        "wieght",
    ),
    (
        "a list as a table",
        "[upstreams]\nurl = \"x\"\n",
        "upstreams",
    ),
    (
        "entry of a wrong type",
        "[tenants.acme]\nweight = -1\n",
        "weight",
    ),
];

#[test]
fn wrong_files_are_rejected_by_the_schema_and_the_loader_naming_the_same_key() {
    let validator = jsonschema::validator_for(&Settings::schema().json_schema()).unwrap();
    for (what, text, key) in WRONG {
        let table: toml::Table = text.parse().unwrap();
        let instance = serde_json::to_value(&table).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{} {e}", e.instance_path()))
            .collect();
        assert!(!errors.is_empty(), "{what}: the schema accepts {text}");
        assert!(
            errors.iter().any(|e| e.contains(key)),
            "{what}: the schema's errors do not name `{key}`: {errors:?}"
        );

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("orders.toml"), text).unwrap();
        let report = Settings::loader()
            .env([("ORDERS_CONFIG_FILE", "orders.toml")])
            .current_dir(dir.path())
            .dotenv(false)
            .load()
            .expect_err(what);
        let error = report.errors().next().unwrap();
        assert!(
            error.setting() == Some(key) || error.message().contains(key),
            "{what}: the loader's error does not name `{key}`: {report}"
        );
    }
}

#[test]
fn unset_values_and_a_valid_file_pass() {
    let validator = jsonschema::validator_for(&Settings::schema().json_schema()).unwrap();
    for text in [
        "",
        "port = \"\"\n",
        "port = 1\ntimeout = \"1m30s\"\nlevel = \"debug\"\nhosts = [\"x\"]\n[database]\npool = 3\npassword = \"s3cret\"\n",
        "timeout = \"1.5h\"\nratio = 2\n",
        "[store]\nkind = \"postgres\"\n[store.postgres]\npool = 2\n[[upstreams]]\nurl = \"http://a\"\n[[upstreams]]\nweight = 2\n[tenants.acme]\nweight = 3\n",
    ] {
        let table: toml::Table = text.parse().unwrap();
        let instance = serde_json::to_value(&table).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{text}: {errors:?}");
    }
    // null (JSON, YAML) leaves a setting unset too.
    assert!(validator.is_valid(&json!({"port": null, "database": {"pool": null}})));
}

#[test]
fn the_duration_pattern_agrees_with_the_loader() {
    let validator = jsonschema::validator_for(&Settings::schema().json_schema()).unwrap();
    for text in [
        "250ms", "30s", "1m30s", "2h", "1.5s", "1d", "10min", "30", "s", "1x", "-1s", "1 s",
        "1m 30s", "1.s", ".5s", ".s", "1mins", "1hm", " 2h ",
    ] {
        let in_schema = validator.is_valid(&json!({ "timeout": text }));
        let loaded = Settings::loader()
            .env([("ORDERS_TIMEOUT", text)])
            .dotenv(false)
            .load()
            .is_ok();
        assert_eq!(
            in_schema, loaded,
            "`{text}`: schema {in_schema}, loader {loaded}"
        );
    }
}
