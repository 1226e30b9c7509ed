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
