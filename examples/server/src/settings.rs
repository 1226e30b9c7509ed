//! The reference `Settings` of the AsyncGate service, written with the
//! derive, with the original service's defaults.

use std::path::PathBuf;

use asyncgate_config::{ConnectionUrl, Environment, GateConfig, InstanceId, SecretString};
use serde::Deserialize;

mod rules;

pub use rules::{auth_rules, claim_dir_reach, claim_rules, cors_rules, rules, service_rules};

/// Where task receipts are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptMode {
    /// In AsyncGate's own database.
    Standalone,
    /// Emitted to ReceiptGate.
    ReceiptgateIntegrated,
}

/// Where rate-limit counters are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitBackend {
    /// In this process (per replica).
    Memory,
    /// In Redis (`ASYNCGATE_REDIS_URL`), shared by every replica.
    Redis,
}

/// Who is told when a task of a class escalates.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationTarget {
    /// The escalation class it applies to.
    pub class: i32,
    /// The kind of principal (default `agent`).
    #[serde(default = "default_to_kind")]
    pub to_kind: String,
    /// The principal's id.
    pub to_id: String,
    /// The tenant, when it is not the task's.
    #[serde(default)]
    pub tenant_id: Option<String>,
}

fn default_to_kind() -> String {
    "agent".to_owned()
}

/// Where instance claims are kept: file (one host), postgres (ASYNCGATE_DATABASE_URL) or none (development only).
#[derive(Clone, Debug, PartialEq, Eq, GateConfig)]
#[gate(section, default = "file")]
pub enum ClaimBackend {
    /// Lock files on this host.
    File(FileClaims),
    /// A lease table in PostgreSQL (`ASYNCGATE_DATABASE_URL`).
    Postgres(PgClaims),
    /// No claims: development only.
    None,
}

/// The file claim store's settings.
#[derive(Clone, Debug, PartialEq, Eq, GateConfig)]
#[gate(section)]
pub struct FileClaims {
    /// Directory of the file claim store: private to this user (default: `/tmp/asyncgate-claims-<uid>`, the same for every process of the user on this host).
    #[gate(env = "ASYNCGATE_CLAIM_DIR")]
    pub dir: Option<PathBuf>,
}

/// The PostgreSQL claim store's settings.
#[derive(Clone, Debug, PartialEq, Eq, GateConfig)]
#[gate(section)]
pub struct PgClaims {
    /// Lease ttl of the PostgreSQL claim store in milliseconds (1000 to 600000); renewed every third of it.
    #[gate(env = "ASYNCGATE_CLAIM_TTL_MS", default = 15000)]
    pub ttl_ms: u64,
}

/// Log verbosity: Python's level names, in any case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    /// Everything.
    Debug,
    /// Normal operation.
    Info,
    /// Problems only.
    Warning,
    /// Failures only.
    Error,
    /// Failures that stop the service.
    Critical,
}

impl std::str::FromStr for LogLevel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "DEBUG" => Ok(LogLevel::Debug),
            "INFO" => Ok(LogLevel::Info),
            "WARNING" | "WARN" => Ok(LogLevel::Warning),
            "ERROR" => Ok(LogLevel::Error),
            "CRITICAL" => Ok(LogLevel::Critical),
            _ => Err("expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL (any case)".to_owned()),
        }
    }
}

impl<'de> Deserialize<'de> for LogLevel {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl LogLevel {
    /// The matching `tracing` level.
    pub fn level(self) -> tracing::level_filters::LevelFilter {
        use tracing::level_filters::LevelFilter;
        match self {
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Warning => LevelFilter::WARN,
            LogLevel::Error | LogLevel::Critical => LevelFilter::ERROR,
        }
    }
}

/// ReceiptGate: where receipts go in `receiptgate_integrated` mode (`ASYNCGATE_RECEIPTGATE_*`).
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct ReceiptGate {
    /// ReceiptGate's URL (http, https, redis or rediss).
    #[gate(
        alias = "ASYNCGATE_RECEIPTGATE_URL",
        alias = "RECEIPTGATE_ENDPOINT",
        alias = "RECEIPTGATE_URL"
    )]
    pub endpoint: Option<String>,

    /// Token for ReceiptGate.
    #[gate(
        secret,
        alias = "ASYNCGATE_RECEIPTGATE_API_KEY",
        alias = "RECEIPTGATE_AUTH_TOKEN",
        alias = "RECEIPTGATE_API_KEY"
    )]
    pub auth_token: Option<SecretString>,

    /// Tenant of the receipts sent to ReceiptGate.
    pub tenant_id: Option<String>,

    /// Milliseconds an emission to ReceiptGate may take.
    #[gate(default = 500)]
    pub emission_timeout_ms: u32,

    /// Receipts buffered while ReceiptGate is unreachable.
    #[gate(default = 10000)]
    pub emission_buffer_size: u32,

    /// Seconds between retries of a failed emission.
    #[gate(default = 30)]
    pub emission_retry_interval_seconds: u32,

    /// Retries of one emission.
    #[gate(default = 10)]
    pub emission_max_retries: u32,

    /// Whether a circuit breaker guards ReceiptGate.
    #[gate(default = true)]
    pub circuit_breaker_enabled: bool,

    /// Failures that open the circuit.
    #[gate(default = 5)]
    pub circuit_breaker_failure_threshold: u32,

    /// Seconds the circuit stays open.
    #[gate(default = 60)]
    pub circuit_breaker_timeout_seconds: u32,

    /// Calls allowed while half open.
    #[gate(default = 3)]
    pub circuit_breaker_half_open_max_calls: u32,

    /// Successes that close the circuit.
    #[gate(default = 2)]
    pub circuit_breaker_success_threshold: u32,
}

/// Rate limiting (`ASYNCGATE_RATE_LIMIT_*`): always on in staging and production.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct RateLimit {
    /// Rate limiting (always on in staging and production).
    #[gate(default = true)]
    pub enabled: bool,

    /// Where rate-limit counters live: memory or redis (needs ASYNCGATE_REDIS_URL).
    #[gate(default = "memory")]
    pub backend: RateLimitBackend,

    /// Calls per window and client.
    #[gate(default = 100)]
    pub default_calls: u32,

    /// The rate-limit window, in seconds.
    #[gate(default = 60)]
    pub default_window_seconds: u32,
}

/// Escalation of expired tasks (`ASYNCGATE_ESCALATION_*`).
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct Escalation {
    /// Whether expired tasks escalate.
    #[gate(default = false)]
    pub enabled: bool,

    /// Who is told per class: a JSON array such as `[{"class":1,"to_id":"ops"}]`.
    pub targets: Vec<EscalationTarget>,

    /// The class a lease expiry escalates as.
    #[gate(default = 1)]
    pub lease_expiry_class: i32,
}

/// CORS (`ASYNCGATE_CORS_*`).
#[derive(Debug, GateConfig)]
#[gate(section, check = cors_rules)]
pub struct Cors {
    /// Allowed CORS origins (explicit allowlist; `*` is refused with credentials).
    #[gate(default = "http://localhost:3000,http://localhost:8080")]
    pub allowed_origins: Vec<String>,

    /// Whether CORS requests may carry credentials.
    #[gate(default = true)]
    pub allow_credentials: bool,

    /// Allowed CORS methods.
    #[gate(default = "GET,POST,PUT,DELETE,OPTIONS")]
    pub allowed_methods: Vec<String>,

    /// Allowed CORS request headers.
    #[gate(default = "Authorization,Content-Type,X-Tenant-ID,X-Trace-ID,X-Request-ID")]
    pub allowed_headers: Vec<String>,
}

/// JWT signing (`ASYNCGATE_JWT_*`).
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct Jwt {
    /// JWT signing algorithm.
    #[gate(default = "RS256")]
    pub algorithm: String,

    /// PEM file of the JWT signing key.
    pub private_key_path: Option<PathBuf>,

    /// PEM file of the JWT verification key.
    pub public_key_path: Option<PathBuf>,

    /// Days an access token is valid.
    #[gate(default = 30)]
    pub access_token_ttl_days: u32,

    /// Days a refresh token is valid.
    #[gate(default = 90)]
    pub refresh_token_ttl_days: u32,
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

    /// PostgreSQL connection URL (postgresql:// or postgresql+asyncpg://).
    #[gate(default = "postgresql+asyncpg://asyncgate:asyncgate@localhost:5432/asyncgate")]
    pub database_url: ConnectionUrl,

    /// Redis URL (http, https, redis or rediss) for shared rate limits.
    pub redis_url: Option<ConnectionUrl>,

    /// Receipt storage: standalone or receiptgate_integrated.
    #[gate(default = "standalone")]
    pub receipt_mode: ReceiptMode,

    /// ReceiptGate: where receipts go in `receiptgate_integrated` mode (`ASYNCGATE_RECEIPTGATE_*`).
    #[gate(nested)]
    pub receiptgate: ReceiptGate,

    /// Rate limiting (`ASYNCGATE_RATE_LIMIT_*`): always on in staging and production.
    #[gate(nested)]
    pub rate_limit: RateLimit,

    /// Default lease TTL in seconds.
    #[gate(default = 120)]
    pub default_lease_ttl_seconds: u32,

    /// Longest lease TTL a worker may ask for, in seconds.
    #[gate(default = 1800)]
    pub max_lease_ttl_seconds: u32,

    /// How often expired leases are swept, in seconds.
    #[gate(default = 5)]
    pub lease_sweep_interval_seconds: u32,

    /// Seconds past a lease's expiry before it is swept.
    #[gate(default = 0)]
    pub lease_grace_seconds: u32,

    /// Renewals one lease may have.
    #[gate(default = 10)]
    pub max_lease_renewals: u32,

    /// Longest a lease may last with its renewals, in seconds.
    #[gate(default = 7200)]
    pub max_lease_lifetime_seconds: u32,

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

    /// Default priority of a new task.
    #[gate(default = 0)]
    pub default_priority: i32,

    /// Default number of items a bootstrap returns.
    #[gate(default = 50)]
    pub default_bootstrap_max_items: u32,

    /// Most items a bootstrap may return.
    #[gate(default = 200)]
    pub max_bootstrap_max_items: u32,

    /// Days active receipts are kept.
    #[gate(default = 30)]
    pub receipt_retention_days: u32,

    /// Days terminal tasks are kept.
    #[gate(default = 7)]
    pub task_retention_days: u32,

    /// Escalation of expired tasks (`ASYNCGATE_ESCALATION_*`).
    #[gate(nested)]
    pub escalation: Escalation,

    /// Shared API token for `Authorization: Bearer <token>`.
    /// At least 16 characters, and no placeholder, outside development.
    #[gate(secret, min_len = 16, required_in(staging, production))]
    pub api_key: Option<SecretString>,

    /// Accept unauthenticated requests (local development only).
    #[gate(default = false)]
    pub allow_insecure_dev: bool,

    /// CORS (`ASYNCGATE_CORS_*`).
    #[gate(nested)]
    pub cors: Cors,

    /// JWT signing (`ASYNCGATE_JWT_*`).
    #[gate(nested)]
    pub jwt: Jwt,

    /// Address to listen on.
    #[gate(default = "0.0.0.0")]
    pub host: String,

    /// Port to listen on, 1 to 65535 (0 picks a free one: for tests; a warning outside development).
    #[gate(default = 8080)]
    pub port: u16,

    /// Where instance claims are kept (`ASYNCGATE_CLAIM_STORE`), with the
    /// chosen store's settings: `ASYNCGATE_CLAIM_DIR` for the file store,
    /// `ASYNCGATE_CLAIM_TTL_MS` for PostgreSQL.
    #[gate(nested)]
    pub claim_store: ClaimBackend,

    /// Milliseconds a client has to send a request's headers, and the most a keep-alive connection may stay idle (100 to 300000).
    #[gate(default = 10000)]
    pub http_header_timeout_ms: u64,

    /// Milliseconds a client has to send a request's whole body, once its headers are in (100 to 300000): a stalled or trickled body is answered 408 and its connection closed.
    #[gate(default = 10000)]
    pub http_body_timeout_ms: u64,

    /// Bytes per second a request's body must average once its first second is over (0 to 1048576; 0: no minimum): a body trickled slower is answered 408 and its connection closed before the body timeout.
    #[gate(default = 1024)]
    pub http_body_min_rate: u64,

    /// Milliseconds a response write may wait for the client to read (100 to 300000): a client that sends requests and never reads the answers loses its connection.
    #[gate(default = 10000)]
    pub http_write_timeout_ms: u64,

    /// Most HTTP connections served at once; more are closed at once (1 to 65536).
    #[gate(default = 1024)]
    pub http_max_connections: u32,

    /// Adopt the partitions of dead replicas (a pod replaced by one with a new id), so their expired leases are still requeued (file and postgres claim stores).
    #[gate(default = true)]
    pub partition_adoption: bool,

    /// Most dead replicas' partitions this replica holds at once (1 to 64): each adopted claim keeps one PostgreSQL connection, so a replica opens at most this many plus three (its own claim, the task store, one adoption attempt); more dead partitions are adopted as these are emptied.
    #[gate(default = 8)]
    pub max_adopted_partitions: u32,

    /// Milliseconds a graceful shutdown waits for open requests before it closes them (0 to 300000).
    #[gate(default = 10000)]
    pub shutdown_timeout_ms: u64,
}

impl Settings {
    /// Whether rate limiting is on: always, outside development.
    pub fn rate_limit_effective(&self) -> bool {
        self.rate_limit.enabled || !self.env.is_development()
    }
}
