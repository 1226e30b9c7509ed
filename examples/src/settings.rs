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

    /// Directory of the file claim store: private to this user (default: /tmp/asyncgate-claims-<uid>, the same for every process of the user on this host).
    pub claim_dir: Option<PathBuf>,

    /// Lease ttl of the PostgreSQL claim store in milliseconds (1000 to 600000); renewed every third of it.
    #[gate(default = 15000)]
    pub claim_ttl_ms: u64,

    /// Milliseconds a client has to send a request's headers, and the most a keep-alive connection may stay idle (100 to 300000).
    #[gate(default = 10000)]
    pub http_header_timeout_ms: u64,

    /// Most HTTP connections served at once; more are closed at once (1 to 65536).
    #[gate(default = 1024)]
    pub http_max_connections: u32,

    /// Milliseconds a graceful shutdown waits for open requests before it closes them (0 to 300000).
    #[gate(default = 10000)]
    pub shutdown_timeout_ms: u64,
}

/// Every struct-level rule: [`auth_rules`] and [`claim_rules`].
pub fn rules(settings: &Settings, checks: &mut Checks<'_>) {
    auth_rules(settings, checks);
    claim_rules(settings, checks);
}

/// A number setting must lie in `range`: the error names the variable,
/// the value and what is accepted.
fn in_range(checks: &mut Checks<'_>, name: &str, value: u64, range: std::ops::RangeInclusive<u64>) {
    if !range.contains(&value) {
        checks.push(
            Finding::error(name, format!("{name}={value} is out of range")).with_remedy(format!(
                "set ASYNCGATE_{} to a value from {} to {}",
                name.to_ascii_uppercase(),
                range.start(),
                range.end()
            )),
        );
    }
}

/// What `start` would refuse after validation, caught by validation (so
/// `check` says it too): claims off outside development, out-of-range
/// durations and limits, a host that cannot be bound, an unusable claim
/// directory.
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
    in_range(
        checks,
        "claim_ttl_ms",
        settings.claim_ttl_ms,
        1000..=600_000,
    );
    in_range(
        checks,
        "http_header_timeout_ms",
        settings.http_header_timeout_ms,
        100..=300_000,
    );
    in_range(
        checks,
        "http_max_connections",
        u64::from(settings.http_max_connections),
        1..=65_536,
    );
    in_range(
        checks,
        "shutdown_timeout_ms",
        settings.shutdown_timeout_ms,
        0..=300_000,
    );
    if !is_bindable_host(&settings.host) {
        checks.push(
            Finding::error("host", "host is neither an IP address nor a host name").with_remedy(
                "set ASYNCGATE_HOST to an address such as 0.0.0.0, 127.0.0.1 or ::, or a host name",
            ),
        );
    }
    if settings.claim_store == ClaimStoreKind::File {
        let dir = settings
            .claim_dir
            .clone()
            .unwrap_or_else(asyncgate_config::claim::FileStore::default_dir);
        if let Err(e) = asyncgate_config::claim::FileStore::check(&dir) {
            checks.push(
                Finding::error(
                    "claim_dir",
                    format!("the claim directory cannot be used: {e}"),
                )
                .with_remedy(
                    "set ASYNCGATE_CLAIM_DIR to a private directory of this user (mode 700)",
                ),
            );
        }
    }
}

/// An IP address, or a DNS name (letters, digits, `-` and `.`).
fn is_bindable_host(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
        || (!host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            }))
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
