//! Every key of the attribute grammar, in one struct that compiles and loads.
use asyncgate_config::validate::Checks;
use asyncgate_config::{Environment, Finding, GateConfig, InstanceId, SecretString};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Fast,
    Safe,
}

/// The struct doc becomes the schema's doc.
#[derive(Debug, GateConfig)]
#[gate(prefix = "FULL", check = rules)]
pub struct Settings {
    /// Deployment environment.
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "full-1", detect(kubernetes, fly, ecs, cloud_run, nomad, azure_container_apps, railway, render), strict)]
    pub instance_id: InstanceId,
    #[gate(secret, required_in(staging, production))]
    pub api_key: Option<SecretString>,
    #[gate(secret)]
    pub signing_key: Option<SecretString>,
    #[gate(default = false, forbidden_in(staging, production))]
    pub allow_insecure_dev: bool,
    #[gate(forbidden_in(production))]
    pub debug_tokens: Vec<String>,
    #[gate(default = 8080)]
    pub port: u16,
    #[gate(default = -3)]
    pub offset: i64,
    #[gate(default = 0.25)]
    pub ratio: f32,
    #[gate(default = 1e3)]
    pub scale: f64,
    #[gate(default = "safe")]
    pub mode: Mode,
    #[gate(default = "a,b")]
    pub tags: Vec<String>,
    #[gate(env = "DATABASE_URL")]
    pub database_url: Option<String>,
    #[gate(default = 5)]
    pub retries: Option<u8>,
    pub r#type: Option<String>,
    pub extra: std::collections::HashMap<String, u32>,
}

fn rules(settings: &Settings, checks: &mut Checks<'_>) {
    if settings.retries == Some(0) && !checks.environment().is_development() {
        checks.push(Finding::warning("retries", "retries = 0 gives up at the first error"));
    }
}

fn main() {
    let loaded = Settings::loader()
        .env([("DATABASE_URL", "postgres://x"), ("FULL_TYPE", "t"), ("FULL_EXTRA", r#"{"a": 1}"#)])
        .dotenv(false)
        .load()
        .unwrap();
    let settings = loaded.validate().unwrap();
    assert_eq!(settings.port, 8080);
    assert_eq!(settings.offset, -3);
    assert_eq!(settings.tags, ["a", "b"]);
    assert_eq!(settings.retries, Some(5));
    assert_eq!(settings.r#type.as_deref(), Some("t"));
    assert_eq!(settings.extra["a"], 1);
    let schema = Settings::schema();
    assert_eq!(schema.doc(), "The struct doc becomes the schema's doc.");
    assert_eq!(schema.field("type").unwrap().env(), "FULL_TYPE");
    assert_eq!(schema.field("database_url").unwrap().env(), "DATABASE_URL");
    assert_eq!(schema.field("offset").unwrap().default(), Some("-3"));
}
