//! `#[gate(section)]` and `#[gate(nested)]`: composed variable names, TOML
//! tables, one setting (and one provenance) per leaf, dotted paths in
//! every message and template.

use std::time::Duration;

use asyncgate_config::{
    Environment, ExposeSecret, GateConfig, InstanceId, Report, Secret, SecretString,
};

/// Connection pool limits.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct Pool {
    /// Most connections.
    #[gate(default = 10)]
    pub max: u32,
    #[gate(default = "5s")]
    pub acquire_timeout: Duration,
}

/// The database.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct Database {
    /// Where the orders live.
    #[gate(required_in(staging, production))]
    pub url: Option<Secret<String>>,
    #[gate(secret)]
    pub password: Option<SecretString>,
    #[gate(nested)]
    pub pool: Pool,
    /// Read from an exact name, shared with other tools.
    #[gate(env = "PGAPPNAME", default = "orders")]
    pub application_name: String,
}

/// The HTTP listener.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct Http {
    #[gate(default = 8080, alias = "ORDERS_PORT")]
    pub port: u16,
    #[gate(default = "30s")]
    pub request_timeout: Duration,
    #[gate(default = false, forbidden_in(production))]
    pub debug_routes: bool,
}

/// The orders service.
#[derive(Debug, GateConfig)]
#[gate(prefix = "ORDERS")]
pub struct Orders {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "orders-1")]
    pub instance_id: InstanceId,
    #[gate(nested)]
    pub http: Http,
    /// After a section: flat indexes must still line up.
    #[gate(default = "info")]
    pub log_level: String,
    #[gate(nested, env = "ORDERS_DB")]
    pub database: Database,
}

fn loader(env: &[(&str, &str)]) -> asyncgate_config::load::Loader<Orders> {
    Orders::loader()
        .env(env.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())))
        .dotenv(false)
        .hostname("test-host")
        .seed(7)
}

fn source_of(loaded: &asyncgate_config::Loaded<Orders>, path: &str) -> String {
    loaded
        .resolution()
        .settings()
        .find(|(f, _)| f.name() == path)
        .and_then(|(_, r)| r.source().map(ToString::to_string))
        .unwrap_or_else(|| panic!("no record for {path}"))
}

#[test]
fn leaves_read_composed_variable_names_at_any_depth() {
    let loaded = loader(&[
        ("ORDERS_HTTP_PORT", "9090"),
        ("ORDERS_HTTP_REQUEST_TIMEOUT", "1m30s"),
        ("ORDERS_DB_URL", "postgres://db/orders"),
        ("ORDERS_DB_POOL_MAX", "25"),
        ("ORDERS_DB_POOL_ACQUIRE_TIMEOUT", "250ms"),
        ("ORDERS_LOG_LEVEL", "debug"),
        ("PGAPPNAME", "orders-api"),
    ])
    .load()
    .unwrap();
    assert_eq!(loaded.http.port, 9090);
    assert_eq!(loaded.http.request_timeout, Duration::from_secs(90));
    assert_eq!(
        loaded.database.url.as_ref().unwrap().expose_secret(),
        "postgres://db/orders"
    );
    assert_eq!(loaded.database.pool.max, 25);
    assert_eq!(
        loaded.database.pool.acquire_timeout,
        Duration::from_millis(250)
    );
    assert_eq!(loaded.database.application_name, "orders-api");
    assert_eq!(loaded.log_level, "debug");
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());

    let schema = Orders::schema();
    let names: Vec<(&str, &str)> = schema
        .fields()
        .iter()
        .map(|f| (f.name(), f.env()))
        .collect();
    assert_eq!(
        names,
        [
            ("env", "ORDERS_ENV"),
            ("instance_id", "ORDERS_INSTANCE_ID"),
            ("http.port", "ORDERS_HTTP_PORT"),
            ("http.request_timeout", "ORDERS_HTTP_REQUEST_TIMEOUT"),
            ("http.debug_routes", "ORDERS_HTTP_DEBUG_ROUTES"),
            ("log_level", "ORDERS_LOG_LEVEL"),
            ("database.url", "ORDERS_DB_URL"),
            ("database.password", "ORDERS_DB_PASSWORD"),
            ("database.pool.max", "ORDERS_DB_POOL_MAX"),
            (
                "database.pool.acquire_timeout",
                "ORDERS_DB_POOL_ACQUIRE_TIMEOUT"
            ),
            ("database.application_name", "PGAPPNAME"),
        ]
    );
    assert_eq!(
        schema.field("database.password").unwrap().file_env(),
        Some("ORDERS_DB_PASSWORD_FILE")
    );
    assert_eq!(
        source_of(&loaded, "database.pool.max"),
        "environment variable ORDERS_DB_POOL_MAX"
    );
    assert_eq!(source_of(&loaded, "http.debug_routes"), "default");
}

#[test]
fn toml_tables_set_a_section_and_env_overrides_one_leaf() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("orders.toml"),
        "log_level = \"warn\"\n\n[http]\nport = 9090\nrequest_timeout = \"45s\"\n\n[database]\nurl = \"postgres://file/orders\"\n\n[database.pool]\nmax = 40\n",
    )
    .unwrap();
    let loaded = loader(&[
        ("ORDERS_CONFIG_FILE", "orders.toml"),
        ("ORDERS_DB_POOL_MAX", "12"),
    ])
    .current_dir(dir.path())
    .load()
    .unwrap();
    assert_eq!(loaded.http.port, 9090);
    assert_eq!(loaded.http.request_timeout, Duration::from_secs(45));
    assert_eq!(loaded.log_level, "warn");
    assert_eq!(loaded.database.pool.max, 12);
    assert_eq!(
        loaded.database.url.as_ref().unwrap().expose_secret(),
        "postgres://file/orders"
    );
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
    // Each leaf has its own provenance.
    assert!(source_of(&loaded, "http.port").starts_with("key `http.port` in "));
    assert_eq!(
        source_of(&loaded, "database.pool.max"),
        "environment variable ORDERS_DB_POOL_MAX"
    );
    assert_eq!(
        source_of(&loaded, "database.pool.acquire_timeout"),
        "default"
    );
    // The check report lists every leaf by its dotted path, never a secret.
    let report = loaded.validate().unwrap().report().detailed().to_string();
    assert!(
        report.contains("database.pool.max              ORDERS_DB_POOL_MAX              12  [environment variable ORDERS_DB_POOL_MAX]"),
        "{report}"
    );
    assert!(!report.contains("postgres://file/orders"), "{report}");
}

#[test]
fn unknown_keys_inside_a_section_and_a_section_given_as_a_value_are_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("orders.toml"),
        "database = \"postgres://x\"\n\n[http]\nprot = 9090\n",
    )
    .unwrap();
    let loaded = loader(&[("ORDERS_CONFIG_FILE", "orders.toml")])
        .current_dir(dir.path())
        .load()
        .unwrap();
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("unknown key `http.prot`")
                && w.contains("did you mean `http.port`?")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("`database` is a section, not a value")),
        "{warnings:?}"
    );
    // With deny_unknown both are errors.
    let report = loader(&[("ORDERS_CONFIG_FILE", "orders.toml")])
        .current_dir(dir.path())
        .deny_unknown(true)
        .load()
        .unwrap_err();
    assert_eq!(report.errors().count(), 2, "{report}");
}

#[test]
fn errors_name_the_dotted_path_and_the_variable() {
    let report: Report = loader(&[
        ("ORDERS_HTTP_PORT", "ninety"),
        ("ORDERS_DB_POOL_ACQUIRE_TIMEOUT", "5"),
    ])
    .load()
    .unwrap_err();
    let text = report.to_string();
    assert!(
        text.contains("invalid value for `http.port` (u16)"),
        "{text}"
    );
    assert!(text.contains("ORDERS_HTTP_PORT"), "{text}");
    assert!(
        text.contains("`database.pool.acquire_timeout` (duration (e.g. 30s))"),
        "{text}"
    );
    assert!(text.contains("needs a unit"), "{text}");
}

#[test]
fn rules_of_leaves_run_in_their_environments() {
    let report = loader(&[
        ("ORDERS_ENV", "production"),
        ("ORDERS_INSTANCE_ID", "orders-7f3c9e21"),
        ("ORDERS_HTTP_DEBUG_ROUTES", "true"),
    ])
    .load()
    .unwrap()
    .validate()
    .unwrap_err();
    let text = report.to_string();
    assert!(text.contains("database.url"), "{text}");
    assert!(text.contains("ORDERS_DB_URL"), "{text}");
    assert!(text.contains("http.debug_routes"), "{text}");
    assert_eq!(report.errors().count(), 2, "{text}");
}

#[test]
fn secrets_in_a_section_read_their_file_and_never_show() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pw"), "hunter2-long-password\n").unwrap();
    let pw = dir.path().join("pw");
    let loaded = loader(&[("ORDERS_DB_PASSWORD_FILE", pw.to_str().unwrap())])
        .load()
        .unwrap();
    assert_eq!(
        loaded.database.password.as_ref().unwrap().expose_secret(),
        "hunter2-long-password"
    );
    let shown = format!(
        "{:?}\n{}",
        *loaded,
        loaded
            .resolution()
            .settings()
            .map(|(f, r)| format!("{} {:?}\n", f.name(), r.value()))
            .collect::<String>()
    );
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn aliases_and_overrides_reach_leaves() {
    let loaded = loader(&[("ORDERS_PORT", "7000")]).load().unwrap();
    assert_eq!(loaded.http.port, 7000);
    assert!(
        loaded
            .warnings()
            .iter()
            .any(|w| w.to_string().contains("ORDERS_HTTP_PORT")),
        "{:?}",
        loaded.warnings()
    );
    let loaded = loader(&[("ORDERS_HTTP_PORT", "7000")])
        .set_from("http.port", "7100", "--port")
        .load()
        .unwrap();
    assert_eq!(loaded.http.port, 7100);
    assert_eq!(
        source_of(&loaded, "http.port"),
        "set by the program from --port"
    );
    // A section is not a setting: setting it is an unknown path.
    let report = loader(&[]).set("http", "1").load().unwrap_err();
    assert!(report.to_string().contains("`http`"), "{report}");
}

#[test]
fn templates_show_paths_variables_and_tables() {
    let schema = Orders::schema();
    let env = schema.env_example();
    assert!(env.contains("#ORDERS_DB_POOL_MAX=10\n"), "{env}");
    assert!(env.contains("# Most connections.\n"), "{env}");
    let markdown = schema.markdown();
    assert!(markdown.contains("| `ORDERS_HTTP_REQUEST_TIMEOUT` (http.request_timeout) | `duration (e.g. 30s)` | `30s` |"), "{markdown}");
    assert!(
        env.contains("# setting: database.pool.max; type: u32; default: 10\n"),
        "{env}"
    );
    assert!(
        schema
            .table()
            .contains("ORDERS_DB_POOL_MAX (database.pool.max)")
    );
    let toml = schema.toml_template();
    // Top-level keys first, then one table per section.
    let log = toml.find("#log_level = \"info\"").unwrap();
    let http = toml.find("\n[http]\n").unwrap();
    let pool = toml.find("\n[database.pool]\n").unwrap();
    assert!(log < http && http < pool, "{toml}");
    assert!(toml.contains("#port = 8080\n"), "{toml}");
    // Uncommented, the template is a config file that loads without a warning.
    let uncommented: String = toml
        .lines()
        .map(|l| match l.strip_prefix('#') {
            Some(rest) if rest.contains(" = ") && !rest.trim_end().ends_with('=') => {
                format!("{rest}\n")
            }
            _ if l.starts_with('[') => format!("{l}\n"),
            _ => String::new(),
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.toml"), &uncommented).unwrap();
    let loaded = loader(&[("ORDERS_CONFIG_FILE", "t.toml")])
        .current_dir(dir.path())
        .load()
        .unwrap();
    assert!(
        loaded.warnings().is_empty(),
        "{uncommented}\n{:?}",
        loaded.warnings()
    );
    assert_eq!(loaded.database.pool.max, 10);
    assert!(source_of(&loaded, "database.pool.max").starts_with("key `database.pool.max`"));
}

#[test]
fn a_table_typo_in_the_config_file_gets_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("orders.toml"),
        "[databse]\nurl = \"postgres://db/orders\"\n\n[database.pol]\nmax = 3\n",
    )
    .unwrap();
    let loaded = loader(&[("ORDERS_CONFIG_FILE", "orders.toml")])
        .current_dir(dir.path())
        .load()
        .unwrap();
    let warnings: Vec<&str> = loaded.warnings().iter().map(|f| f.message()).collect();
    assert!(
        warnings.iter().any(
            |w| w.starts_with("unknown table `[databse]` in config file")
                && w.ends_with("is ignored (did you mean `[database]`?)")
        ),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("unknown table `[database.pol]`")
                && w.ends_with("(did you mean `[database.pool]`?)")),
        "{warnings:?}"
    );
}
