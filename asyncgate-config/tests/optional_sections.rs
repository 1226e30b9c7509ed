//! Optional sections: `#[gate(nested)] tls: Option<Tls>` is present when a
//! source sets one of its settings or a file has its table, absent
//! otherwise; an absent section requires nothing and runs no rule.

mod common;

use asyncgate_config::validate::Checks;
use asyncgate_config::{Environment, Finding, GateConfig, InstanceId, Loaded, Report};

/// TLS for the listener.
#[derive(Debug, GateConfig)]
#[gate(section, check = tls_rules)]
pub struct Tls {
    /// The certificate chain.
    pub cert: String,
    #[gate(default = "TLSv1.3")]
    pub min_version: String,
    /// The client CA: required in production when TLS is on.
    #[gate(required_in(production))]
    pub client_ca: Option<String>,
}

fn tls_rules(tls: &Tls, checks: &mut Checks<'_>) {
    if tls.min_version == "TLSv1.0" {
        checks.push(Finding::error("min_version", "TLSv1.0 is broken"));
    }
}

#[derive(Debug, GateConfig)]
#[allow(dead_code)] // The tests read the sections.
#[gate(prefix = "ORDERS", deny_unknown)]
pub struct Settings {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "orders-1")]
    pub instance_id: InstanceId,
    #[gate(default = 8080)]
    pub port: u16,
    #[gate(nested)]
    pub tls: Option<Tls>,
}

fn load(env: &[(&str, &str)]) -> Result<Loaded<Settings>, Report> {
    Settings::loader()
        .env(env.iter().copied())
        .dotenv(false)
        .load()
}

fn load_file(text: &str, env: &[(&str, &str)]) -> Result<Loaded<Settings>, Report> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orders.toml"), text).unwrap();
    let mut env = env.to_vec();
    env.push(("ORDERS_CONFIG_FILE", "orders.toml"));
    Settings::loader()
        .env(env)
        .current_dir(dir.path())
        .dotenv(false)
        .load()
}

#[test]
fn absent_when_nothing_sets_it_even_in_production() {
    let loaded = load(&[
        ("ORDERS_ENV", "production"),
        ("ORDERS_INSTANCE_ID", "orders-7"),
    ])
    .unwrap();
    assert!(loaded.tls.is_none());
    // Neither `cert` (required) nor `client_ca` (required in production) is missing.
    let validated = loaded.validate().unwrap_or_else(|r| panic!("{r}"));
    assert!(validated.tls.is_none());
    let report = validated.report().to_string();
    assert!(
        !report.contains("tls.cert` (String) is required"),
        "{report}"
    );
}

#[test]
fn present_when_one_variable_sets_it_with_defaults_for_the_rest() {
    let loaded = load(&[("ORDERS_TLS_CERT", "/etc/tls/chain.pem")]).unwrap();
    let tls = loaded.tls.as_ref().expect("present");
    assert_eq!(tls.cert, "/etc/tls/chain.pem");
    assert_eq!(tls.min_version, "TLSv1.3");
}

#[test]
fn present_when_a_file_has_its_table_even_empty_and_then_its_settings_are_required() {
    let report = load_file("[tls]\n", &[]).unwrap_err();
    assert!(
        report.errors().any(|e| e.setting() == Some("tls.cert")),
        "an empty [tls] turns TLS on, and then its certificate is required: {report}"
    );
    let loaded = load_file("[tls]\ncert = \"c.pem\"\n", &[]).unwrap();
    assert_eq!(loaded.tls.as_ref().unwrap().cert, "c.pem");
    // A default alone does not make it present.
    let loaded = load_file("port = 1\n", &[]).unwrap();
    assert!(loaded.tls.is_none());
}

#[test]
fn a_present_sections_rules_and_check_run_under_its_path() {
    let report = load(&[
        ("ORDERS_ENV", "production"),
        ("ORDERS_INSTANCE_ID", "orders-7"),
        ("ORDERS_TLS_CERT", "c.pem"),
        ("ORDERS_TLS_MIN_VERSION", "TLSv1.0"),
    ])
    .unwrap()
    .validate()
    .unwrap_err();
    let settings: Vec<&str> = report.errors().filter_map(|e| e.setting()).collect();
    assert!(
        settings.contains(&"tls.client_ca"),
        "required in production: {report}"
    );
    assert!(
        settings.contains(&"tls.min_version"),
        "the section's check: {report}"
    );
}

#[test]
fn an_optional_section_is_in_the_templates_and_the_schema() {
    let schema = Settings::schema();
    // Written off (`##`): uncommenting the template leaves TLS off.
    let toml = schema.toml_template();
    assert!(toml.contains("\n##[tls]\n"), "{toml}");
    assert!(toml.contains("\n##cert = \"\"\n"), "{toml}");
    let loaded = load_file(&common::uncommented(&toml), &[]).unwrap_or_else(|r| panic!("{r}"));
    assert!(loaded.tls.is_none());
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
    assert!(
        !schema.json_example().contains("tls"),
        "{}",
        schema.json_example()
    );
    let json = schema.json_schema();
    assert_eq!(json["properties"]["tls"]["type"], "object");
    assert_eq!(
        json["properties"]["tls"]["properties"]["cert"]["x-asyncgate-env"],
        "ORDERS_TLS_CERT"
    );
    assert_eq!(schema.field("tls.cert").unwrap().env(), "ORDERS_TLS_CERT");
}
