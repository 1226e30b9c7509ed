//! The reference `Settings` of the AsyncGate service, written with the
//! derive, with the original service's defaults.

use std::path::PathBuf;

use asyncgate_config::validate::Checks;
use asyncgate_config::{Environment, Finding, GateConfig, InstanceId, SecretString};
use serde::Deserialize;

/// Where task receipts are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptMode {
    /// In AsyncGate's own database.
    Standalone,
    /// Emitted to MemoryGate.
    MemorygateIntegrated,
}

/// Where instance claims are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStoreKind {
    /// Lock files on this host (`ASYNCGATE_CLAIM_DIR`).
    File,
    /// A lease table in PostgreSQL (`ASYNCGATE_DATABASE_URL`).
    Postgres,
    /// No claims: development only.
    None,
}

/// Log verbosity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum LogLevel {
    /// Everything.
    #[serde(alias = "debug", alias = "DEBUG")]
    Debug,
    /// Normal operation.
    #[serde(alias = "info", alias = "INFO")]
    Info,
    /// Problems only.
    #[serde(alias = "warning", alias = "WARNING", alias = "warn", alias = "WARN")]
    Warning,
    /// Failures only.
    #[serde(alias = "error", alias = "ERROR")]
    Error,
}

impl LogLevel {
    /// The matching `tracing` level.
    pub fn level(self) -> tracing::level_filters::LevelFilter {
        use tracing::level_filters::LevelFilter;
        match self {
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Warning => LevelFilter::WARN,
            LogLevel::Error => LevelFilter::ERROR,
        }
    }
}

/// AsyncGate server settings.
#[derive(Debug, GateConfig)]
#[gate(prefix = "ASYNCGATE", check = rules)]
pub struct Settings {
    /// Deployment environment: development, staging or production.
    #[gate(environment, default = "development")]
    pub env: Environment,

    /// Unique per replica; left at the default it is auto-detected.
    #[gate(
        instance_id,
        default = "asyncgate-1",
        detect(
            fly,
            kubernetes,
            ecs,
            cloud_run,
            nomad,
            azure_container_apps,
            railway,
            render
        )
    )]
    pub instance_id: InstanceId,

    /// Log verbosity: DEBUG, INFO, WARNING or ERROR.
    #[gate(default = "INFO")]
    pub log_level: LogLevel,

    /// Debug mode (verbose errors).
    #[gate(default = false)]
    pub debug: bool,

    /// PostgreSQL connection URL.
    #[gate(default = "postgresql+asyncpg://asyncgate:asyncgate@localhost:5432/asyncgate")]
    pub database_url: String,

    /// Redis URL for rate limiting; unset uses in-memory limits.
    pub redis_url: Option<String>,

    /// Receipt storage: standalone or memorygate_integrated.
    #[gate(default = "standalone")]
    pub receipt_mode: ReceiptMode,

    /// Default lease TTL in seconds.
    #[gate(default = 120)]
    pub default_lease_ttl_seconds: u32,

    /// Longest lease TTL a worker may ask for, in seconds.
    #[gate(default = 1800)]
    pub max_lease_ttl_seconds: u32,

    /// How often expired leases are swept, in seconds.
    #[gate(default = 5)]
    pub lease_sweep_interval_seconds: u32,

    /// Default number of attempts per task.
    #[gate(default = 2)]
    pub default_max_attempts: u32,

    /// Default delay before a retry, in seconds.
    #[gate(default = 15)]
    pub default_retry_backoff_seconds: u32,

    /// Longest delay before a retry, in seconds.
    #[gate(default = 900)]
    pub max_retry_backoff_seconds: u32,

    /// Default page size of list endpoints.
    #[gate(default = 50)]
    pub default_list_limit: u32,

    /// Largest page size of list endpoints.
    #[gate(default = 200)]
    pub max_list_limit: u32,

    /// Days active receipts are kept.
    #[gate(default = 30)]
    pub receipt_retention_days: u32,

    /// Days terminal tasks are kept.
    #[gate(default = 7)]
    pub task_retention_days: u32,

    /// Shared API token for `Authorization: Bearer <token>`.
    #[gate(secret, required_in(staging, production))]
    pub api_key: Option<SecretString>,

    /// Accept unauthenticated requests (local development only).
    #[gate(default = false)]
    pub allow_insecure_dev: bool,

    /// Allowed CORS origins (explicit allowlist).
    #[gate(default = "http://localhost:3000,http://localhost:8080")]
    pub cors_allowed_origins: Vec<String>,

    /// Allowed CORS methods.
    #[gate(default = "GET,POST,PUT,DELETE,OPTIONS")]
    pub cors_allowed_methods: Vec<String>,

    /// Allowed CORS request headers.
    #[gate(default = "Authorization,Content-Type,X-Tenant-ID")]
    pub cors_allowed_headers: Vec<String>,

    /// Address to listen on.
    #[gate(default = "0.0.0.0")]
    pub host: String,

    /// Port to listen on (0 picks a free one).
    #[gate(default = 8080)]
    pub port: u16,

    /// Where instance claims are kept: file (one host), postgres (ASYNCGATE_DATABASE_URL) or none (development only).
    #[gate(default = "file")]
    pub claim_store: ClaimStoreKind,

    /// Directory of the file claim store (default: $XDG_RUNTIME_DIR/asyncgate-claims, else the temp dir + /asyncgate-claims).
    pub claim_dir: Option<PathBuf>,

    /// Lease ttl of the PostgreSQL claim store in milliseconds; renewed every third of it.
    #[gate(default = 15000)]
    pub claim_ttl_ms: u64,
}

/// Every struct-level rule: [`auth_rules`] and [`claim_rules`].
pub fn rules(settings: &Settings, checks: &mut Checks<'_>) {
    auth_rules(settings, checks);
    claim_rules(settings, checks);
}

/// Claims may be turned off in development only, and a lease needs time to be renewed.
pub fn claim_rules(settings: &Settings, checks: &mut Checks<'_>) {
    let env = checks.environment();
    if settings.claim_store == ClaimStoreKind::None && !env.is_development() {
        checks.push(
            Finding::error(
                "claim_store",
                format!(
                    "claim_store=none is allowed in development only, not in {env} environment"
                ),
            )
            .with_remedy("set ASYNCGATE_CLAIM_STORE=file (one host) or postgres (several hosts)"),
        );
    }
    if settings.claim_ttl_ms < 300 {
        checks.push(
            Finding::error(
                "claim_ttl_ms",
                format!(
                    "claim_ttl_ms={} is too short to renew a lease",
                    settings.claim_ttl_ms
                ),
            )
            .with_remedy("set ASYNCGATE_CLAIM_TTL_MS to 300 or more (default 15000)"),
        );
    }
}

/// The auth rules of the original service.
///
/// - `allow_insecure_dev=true` outside development is an error.
/// - No `api_key` outside insecure dev mode is an error.
pub fn auth_rules(settings: &Settings, checks: &mut Checks<'_>) {
    let env = checks.environment();
    if settings.allow_insecure_dev && !env.is_development() {
        checks.push(
            Finding::error(
                "allow_insecure_dev",
                format!("allow_insecure_dev=true is not allowed in {env} environment"),
            )
            .with_remedy(
                "unset ASYNCGATE_ALLOW_INSECURE_DEV; insecure mode is for local development only",
            ),
        );
    }
    let insecure_dev = settings.allow_insecure_dev && env.is_development();
    if settings.api_key.is_none() && !insecure_dev {
        checks.push(
            Finding::error("api_key", format!("api_key is required in {env} environment")).with_remedy(
                "set ASYNCGATE_API_KEY (or ASYNCGATE_API_KEY_FILE); for local development only, ASYNCGATE_ALLOW_INSECURE_DEV=true",
            ),
        );
    }
}
