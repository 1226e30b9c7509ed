//! Templates load as written: the TOML template with every setting line
//! uncommented is a valid config file that loads without a warning, and
//! its header reads as a sentence.

mod common;

use common::uncommented;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use asyncgate_config::{Environment, GateConfig, InstanceId, SecretString};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Fast,
    Safe,
}

/// The HTTP listener.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct Http {
    #[gate(default = 8080)]
    pub port: u16,
    #[gate(default = "30s")]
    pub timeout: Duration,
    pub proxy: Option<String>,
}

/// Every supported field type, with and without defaults.
#[derive(Debug, GateConfig)]
#[gate(prefix = "EVERY", deny_unknown)]
pub struct Every {
    #[gate(environment, default = "dev", names(dev = "development"))]
    pub env: Environment,
    #[gate(instance_id, default = "every-1")]
    pub instance_id: InstanceId,
    #[gate(secret)]
    pub api_key: Option<SecretString>,
    #[gate(default = "orders")]
    pub name: String,
    #[gate(default = 8080)]
    pub port: u16,
    #[gate(default = -5)]
    pub offset: i32,
    #[gate(default = 0.5)]
    pub ratio: f64,
    #[gate(default = false)]
    pub debug: bool,
    #[gate(default = "safe")]
    pub mode: Mode,
    #[gate(default = "1m30s")]
    pub interval: Duration,
    #[gate(default = "/var/lib/every")]
    pub data_dir: PathBuf,
    #[gate(default = "a,b")]
    pub origins: Vec<String>,
    #[gate(default = "80,443")]
    pub ports: Vec<u16>,
    #[gate(default = r#"["x", "y,z"]"#)]
    pub tags: Vec<String>,
    pub hosts: Vec<String>,
    #[gate(default = r#"{"team": "ledger", "tier": "gold"}"#)]
    pub labels: HashMap<String, String>,
    #[gate(default = "{}")]
    pub weights: BTreeMap<String, u32>,
    pub url: Option<String>,
    pub retries: Option<u16>,
    pub grace: Option<Duration>,
    pub mode_override: Option<Mode>,
    #[gate(nested)]
    pub http: Http,
}

/// Loads `text` as the config file `name` of `Every` and validates it;
/// neither step may warn.
fn loads_without_a_warning(name: &str, text: &str) -> asyncgate_config::Validated<Every> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let loaded = Every::loader()
        .env([("EVERY_ENV", "dev")])
        .config_file(&path)
        .load()
        .unwrap_or_else(|report| panic!("{report}\n---\n{text}"));
    assert!(
        loaded.warnings().is_empty(),
        "{:?}\n---\n{text}",
        loaded.warnings()
    );
    let validated = loaded.validate().unwrap();
    assert!(
        validated.warnings().is_empty(),
        "{:?}",
        validated.warnings()
    );
    validated
}

#[test]
fn the_toml_template_uncommented_loads_without_a_warning() {
    let template = Every::schema().toml_template();
    let text = uncommented(&template);
    assert!(text.contains("\nurl = \"\"\n"), "{text}");
    assert!(text.contains("\nhosts = []\n"), "{text}");
    assert!(
        text.contains("\nlabels = { team = \"ledger\", tier = \"gold\" }\n"),
        "{text}"
    );
    assert!(text.contains("\nweights = {}\n"), "{text}");
    assert!(text.contains("\ntags = [\"x\", \"y,z\"]\n"), "{text}");
    assert!(text.contains("\nports = [80, 443]\n"), "{text}");
    assert!(text.contains("\n[http]\n"), "{text}");
    let validated = loads_without_a_warning("every.toml", &text);
    // Every setting came from the file, at its default's value.
    assert_eq!(
        validated.labels.get("team").map(String::as_str),
        Some("ledger")
    );
    assert_eq!(validated.tags, ["x", "y,z"]);
    assert_eq!(validated.interval, Duration::from_secs(90));
    assert_eq!(validated.http.timeout, Duration::from_secs(30));
    assert_eq!(validated.url, None);
    assert!(validated.hosts.is_empty() && validated.weights.is_empty());
    // Every setting but the environment (from the variable), the id and
    // the secret (never offered), and the five left unset by `""`.
    let kinds: Vec<(&str, Option<&str>)> = validated
        .resolution()
        .settings()
        .map(|(field, record)| (field.name(), record.source().map(|s| s.kind())))
        .collect();
    let from_file = kinds
        .iter()
        .filter(|(_, kind)| *kind == Some("file"))
        .count();
    assert_eq!(from_file, 16, "{kinds:?}");
    let unset: Vec<&str> = kinds
        .iter()
        .filter(|(_, kind)| kind.is_none())
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(
        unset,
        [
            "api_key",
            "url",
            "retries",
            "grace",
            "mode_override",
            "http.proxy"
        ]
    );
}

#[test]
fn headers_read_as_sentences_for_the_structs_name() {
    let schema = Every::schema();
    let toml = schema.toml_template();
    assert!(toml.starts_with("#:schema ./every.schema.json\n# Config file for `Every`: every setting, commented out at its default.\n# Point EVERY_CONFIG_FILE at this file"), "{toml}");
    let dotenv = schema.env_example();
    assert!(
        dotenv.starts_with("# Every variable of `Every`, commented out at its default.\n"),
        "{dotenv}"
    );
    for text in [&toml, &dotenv] {
        assert!(!text.contains("Every settings"), "{text}");
    }
}

/// A default that carries a password.
#[derive(Debug, GateConfig)]
#[gate(prefix = "DEFAULTS")]
pub struct WithDefaultUrl {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "defaults-1")]
    pub instance_id: InstanceId,
    #[gate(default = "postgres://app:Default,Pw1@db:5432/app")]
    pub database_url: String,
}

#[test]
fn no_template_shows_a_password_in_a_default() {
    let schema = WithDefaultUrl::schema();
    for (name, text) in [
        ("dotenv", schema.env_example()),
        ("markdown", schema.markdown()),
        ("toml", schema.toml_template()),
        ("table", schema.table()),
    ] {
        assert!(
            !text.contains("Default,Pw1") && !text.contains("Pw1"),
            "{name}:\n{text}"
        );
        assert!(
            text.contains("postgres://app:[redacted]@db:5432/app"),
            "{name}:\n{text}"
        );
    }
    // `check` shows it masked too, with its source.
    let validated = WithDefaultUrl::loader()
        .env([("DEFAULTS_ENV", "development")])
        .load()
        .unwrap()
        .validate()
        .unwrap();
    let detailed = validated.report().detailed().to_string();
    assert!(
        !detailed.contains("Pw1") && detailed.contains("[redacted]"),
        "{detailed}"
    );
    assert!(!format!("{validated:?}").contains("Pw1"));
    // The value itself is the program's to use.
    assert_eq!(
        validated.database_url,
        "postgres://app:Default,Pw1@db:5432/app"
    );
}

/// What the YAML and JSON files of `Every` load as written.
#[cfg(feature = "yaml")]
fn loads_the_defaults(name: &str, text: &str) {
    let validated = loads_without_a_warning(name, text);
    assert_eq!(validated.name, "orders");
    assert_eq!(validated.ports, [80, 443]);
    assert_eq!(validated.http.port, 8080);
    assert_eq!(validated.labels["tier"], "gold");
    assert!(validated.url.is_none() && validated.hosts.is_empty());
}

#[cfg(feature = "yaml")]
#[test]
fn the_yaml_template_uncommented_loads_without_a_warning() {
    let template = Every::schema().yaml_template();
    assert!(
        template.starts_with(
            "# yaml-language-server: $schema=./every.schema.json\n# Config file for `Every`"
        ),
        "{template}"
    );
    assert!(template.contains("\n#http:\n"), "{template}");
    assert!(template.contains("\n  #port: 8080\n"), "{template}");
    assert!(
        template.contains("#labels: {\"team\":\"ledger\",\"tier\":\"gold\"}\n"),
        "{template}"
    );
    assert!(
        template.contains("(a secret: set EVERY_API_KEY"),
        "{template}"
    );
    loads_the_defaults("every.yaml", &uncommented(&template));
}

#[cfg(feature = "yaml")]
#[test]
fn the_json_example_loads_as_written() {
    let example = Every::schema().json_example();
    let json: serde_json::Value = serde_json::from_str(&example).unwrap();
    assert_eq!(json["http"]["port"], 8080);
    assert!(json.get("api_key").is_none() && json.get("instance_id").is_none());
    loads_the_defaults("every.json", &example);
}

/// Every template, as written (uncommented), validates against the JSON
/// Schema: what editors check a file with agrees with what loads.
#[cfg(all(feature = "yaml", feature = "__fuzz"))]
#[test]
fn every_template_validates_against_the_json_schema() {
    let schema = Every::schema();
    let validator = jsonschema::validator_for(&schema.json_schema()).expect("a valid JSON Schema");
    for (name, text) in [
        ("every.toml", uncommented(&schema.toml_template())),
        ("every.yaml", uncommented(&schema.yaml_template())),
        ("every.json", schema.json_example()),
    ] {
        let table = asyncgate_config::__fuzz::config_table(name, &text)
            .unwrap_or_else(|| panic!("{name} parses:\n{text}"));
        let value: serde_json::Value = serde_json::from_str(&table).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}\n{text}");
    }
    // The hint lines name the schema's file.
    assert!(
        schema
            .toml_template()
            .starts_with("#:schema ./every.schema.json\n")
    );
    assert!(
        schema
            .yaml_template()
            .starts_with("# yaml-language-server: $schema=./every.schema.json\n")
    );
}
