//! Generated code is quiet under a user's strictest lints: this crate
//! derives with every attribute under `deny(warnings, clippy::pedantic,
//! clippy::nursery, ...)`, and CI runs clippy over it with `-D warnings`.
#![deny(
    warnings,
    clippy::pedantic,
    clippy::nursery,
    missing_docs,
    unused_qualifications,
    unused_results,
    unreachable_pub
)]

use asyncgate_config::validate::Checks;
use asyncgate_config::{Environment, Finding, GateConfig, InstanceId, Loaded, SecretString};

/// Settings with every attribute.
#[derive(Debug, GateConfig)]
#[gate(prefix = "LINTS", check = rules, crate = "asyncgate_config")]
pub(crate) struct Settings {
    /// Deployment environment.
    #[gate(environment, default = "development")]
    pub env: Environment,
    /// Unique per replica.
    #[gate(instance_id, default = "lints-1", detect(kubernetes, fly), strict)]
    pub instance_id: InstanceId,
    /// A secret.
    #[gate(secret, required_in(staging, production))]
    pub api_key: Option<SecretString>,
    /// Off in production.
    #[gate(default = false, forbidden_in(production))]
    pub debug: bool,
    /// A typed default.
    #[gate(default = -3)]
    pub offset: i32,
    /// A string default.
    #[gate(default = "a,b")]
    pub origins: Vec<String>,
    /// Its own variable.
    #[gate(env = "LINTS_DATABASE")]
    pub database_url: Option<String>,
    /// An enum section.
    #[gate(nested)]
    pub store: Store,
    /// An optional section.
    #[gate(nested)]
    pub replica: Option<Pg>,
    /// A list of sections.
    #[gate(nested)]
    pub shards: Vec<Pg>,
    /// A map of sections.
    #[gate(nested)]
    pub tenants: std::collections::BTreeMap<String, Pg>,
}

/// A section.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub(crate) struct Pg {
    /// Where.
    #[gate(default = "postgres://db/app")]
    pub url: String,
}

/// A backend chosen by name.
#[derive(Debug, GateConfig)]
#[gate(
    section,
    tag = "backend",
    default = "memory",
    crate = "asyncgate_config"
)]
pub(crate) enum Store {
    /// In memory.
    Memory,
    /// In `PostgreSQL`.
    Postgres(Pg),
}

fn rules(settings: &Settings, checks: &mut Checks<'_>) {
    if settings.offset > 0 {
        checks.push(Finding::warning("offset", "positive offsets are unusual"));
    }
}

#[test]
fn loads_under_strict_lints() {
    let settings = Settings::loader()
        .env([("LINTS_OFFSET", "1")])
        .dotenv(false)
        .load()
        .and_then(Loaded::validate)
        .expect("valid");
    assert_eq!(settings.warnings().len(), 1);
    assert_eq!(settings.origins, ["a", "b"]);
    assert!(matches!(settings.store, Store::Memory));
    let with_replica = Settings::loader()
        .env([("LINTS_REPLICA_URL", "postgres://replica/app")])
        .dotenv(false)
        .load()
        .expect("valid");
    assert_eq!(
        with_replica.replica.as_ref().map(|pg| pg.url.as_str()),
        Some("postgres://replica/app")
    );
    assert!(settings.replica.is_none());
    assert!(settings.shards.is_empty() && settings.tenants.is_empty());
    let with_shards = Settings::loader()
        .env([("LINTS_SHARDS_1_URL", "postgres://b/app")])
        .dotenv(false)
        .load()
        .expect("valid");
    let urls: Vec<&str> = with_shards
        .shards
        .iter()
        .map(|pg| pg.url.as_str())
        .collect();
    assert_eq!(urls, ["postgres://db/app", "postgres://b/app"]);
    assert_eq!(settings.env, Environment::Development);
    assert_eq!(settings.instance_id.as_str(), "lints-1");
    assert!(settings.api_key.is_none() && !settings.debug && settings.database_url.is_none());
}
