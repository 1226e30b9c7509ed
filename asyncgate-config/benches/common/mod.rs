//! The 22-field settings struct every load benchmark reads: one struct for
//! every loader (serde's derive ignores the `gate` attributes).

use asyncgate_config::{Environment, GateConfig, InstanceId, SecretString};
use serde::Deserialize;

#[derive(GateConfig, Deserialize)]
#[gate(prefix = "BENCH")]
#[allow(dead_code)]
pub(crate) struct Settings {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "bench-1")]
    instance_id: InstanceId,
    #[gate(secret, required_in(staging, production))]
    api_key: Option<SecretString>,
    #[gate(default = false, forbidden_in(staging, production))]
    allow_insecure_dev: bool,
    host: String,
    port: u16,
    log_level: String,
    debug: bool,
    database_url: String,
    redis_url: Option<String>,
    receipt_mode: String,
    lease_ttl_secs: u64,
    sweep_interval_secs: u64,
    max_retries: u32,
    retry_backoff_ms: u64,
    page_size_default: u32,
    page_size_max: u32,
    retention_days: u32,
    cors_origins: Vec<String>,
    cors_methods: Vec<String>,
    workers: u16,
    timeout_ms: u64,
}

/// The `config` crate's loader of [`Settings`] from `source` (its prefix,
/// and a map instead of the process environment where one is given):
/// values parsed, lists split on commas.
pub(crate) fn with_config(source: config::Environment) -> Settings {
    config::Config::builder()
        .add_source(
            source
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("cors_origins")
                .with_list_parse_key("cors_methods"),
        )
        .build()
        .and_then(|c| c.try_deserialize())
        .expect("valid")
}
