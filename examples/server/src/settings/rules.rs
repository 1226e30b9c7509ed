//! The settings' rules: what `validate` refuses or warns about beyond
//! each setting's own type and attributes (authentication, the service's
//! limits, the claim store), each finding naming the variable to change.

use asyncgate_config::validate::Checks;
use asyncgate_config::{ConnectionUrl, Finding, GateConfig};

use super::{ClaimBackend, Cors, RateLimitBackend, Settings};

/// Every struct-level rule: [`auth_rules`], [`service_rules`] and [`claim_rules`].
pub fn rules(settings: &Settings, checks: &mut Checks<'_>) {
    auth_rules(settings, checks);
    service_rules(settings, checks);
    claim_rules(settings, checks);
}

/// The variable that sets the setting at `path` (`cors.allowed_origins`).
fn var(path: &str) -> &'static str {
    Settings::schema().field(path).map_or("", |f| f.env())
}

/// A URL setting must use one of `schemes`.
fn url_scheme(checks: &mut Checks<'_>, name: &str, value: Option<&str>, schemes: &[&str]) {
    let Some(value) = value else { return };
    if !schemes.iter().any(|s| value.starts_with(s)) {
        checks.push(
            Finding::error(
                name,
                format!("{name} must start with {}", schemes.join(", ")),
            )
            .with_remedy(format!("set {} to such a URL", var(name))),
        );
    }
}

/// A default must not exceed its maximum.
fn not_above(checks: &mut Checks<'_>, (default, dv): (&str, u64), (max, mv): (&str, u64)) {
    if dv > mv {
        checks.push(
            Finding::error(default, format!("{default}={dv} exceeds {max}={mv}"))
                .with_remedy(format!("lower {} or raise {}", var(default), var(max))),
        );
    }
}

/// The CORS section's own rule: `*` with credentials would let any site
/// make credentialed requests. It names the section's fields; the report
/// says `cors.allowed_origins` and `ASYNCGATE_CORS_ALLOWED_ORIGINS`.
pub fn cors_rules(cors: &Cors, checks: &mut Checks<'_>) {
    if cors.allow_credentials && cors.allowed_origins.iter().any(|o| o.trim() == "*") {
        checks.push(
            Finding::error("allowed_origins", "cors.allowed_origins contains `*` while cors.allow_credentials is on: any site could make credentialed requests")
                .with_remedy("list the allowed origins in ASYNCGATE_CORS_ALLOWED_ORIGINS, or set ASYNCGATE_CORS_ALLOW_CREDENTIALS=false"),
        );
    }
}

/// The original service's rules: URL schemes, rate limiting, limits that
/// must be consistent, and the port (CORS has its section's own check,
/// [`cors_rules`]).
pub fn service_rules(settings: &Settings, checks: &mut Checks<'_>) {
    let env = checks.environment();
    url_scheme(
        checks,
        "database_url",
        Some(settings.database_url.expose()),
        &["postgresql://", "postgresql+asyncpg://"],
    );
    let web = ["http://", "https://", "redis://", "rediss://"];
    url_scheme(
        checks,
        "redis_url",
        settings.redis_url.as_ref().map(ConnectionUrl::expose),
        &web,
    );
    url_scheme(
        checks,
        "receiptgate.endpoint",
        settings.receiptgate.endpoint.as_deref(),
        &web,
    );
    if settings.rate_limit.backend == RateLimitBackend::Redis && settings.redis_url.is_none() {
        checks.push(
            Finding::error(
                "rate_limit.backend",
                "rate_limit.backend=redis needs redis_url",
            )
            .with_remedy("set ASYNCGATE_REDIS_URL, or ASYNCGATE_RATE_LIMIT_BACKEND=memory"),
        );
    }
    if !settings.rate_limit.enabled && !env.is_development() {
        checks.push(Finding::warning(
            "rate_limit.enabled",
            format!("rate_limit.enabled=false has no effect in {env} environment: rate limiting is always on outside development"),
        ));
    }
    // Each default within its maximum.
    let s = settings;
    let limits = [
        (
            "default_lease_ttl_seconds",
            s.default_lease_ttl_seconds,
            "max_lease_ttl_seconds",
            s.max_lease_ttl_seconds,
        ),
        (
            "max_lease_ttl_seconds",
            s.max_lease_ttl_seconds,
            "max_lease_lifetime_seconds",
            s.max_lease_lifetime_seconds,
        ),
        (
            "default_retry_backoff_seconds",
            s.default_retry_backoff_seconds,
            "max_retry_backoff_seconds",
            s.max_retry_backoff_seconds,
        ),
        (
            "default_list_limit",
            s.default_list_limit,
            "max_list_limit",
            s.max_list_limit,
        ),
        (
            "default_bootstrap_max_items",
            s.default_bootstrap_max_items,
            "max_bootstrap_max_items",
            s.max_bootstrap_max_items,
        ),
    ];
    for (default, dv, max, mv) in limits {
        not_above(checks, (default, dv.into()), (max, mv.into()));
    }
    if settings.port == 0 && !env.is_development() {
        checks.push(
            Finding::warning(
                "port",
                format!("port=0 lets the system pick a free port in {env} environment: clients cannot find this replica at a fixed port"),
            )
            .with_remedy("set ASYNCGATE_PORT from 1 to 65535 (0 is meant for tests)"),
        );
    }
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
    if settings.claim_store == ClaimBackend::None && !env.is_development() {
        checks.push(
            Finding::error(
                "claim_store.kind",
                format!(
                    "claim_store=none is allowed in development only, not in {env} environment"
                ),
            )
            .with_remedy("set ASYNCGATE_CLAIM_STORE=file (one host) or postgres (several hosts)"),
        );
    }
    if let ClaimBackend::Postgres(pg) = &settings.claim_store
        && !(1000..=600_000).contains(&pg.ttl_ms)
    {
        checks.push(
            Finding::error(
                "claim_store.postgres.ttl_ms",
                format!("claim_ttl_ms={} is out of range", pg.ttl_ms),
            )
            .with_remedy("set ASYNCGATE_CLAIM_TTL_MS to a value from 1000 to 600000"),
        );
    }
    in_range(
        checks,
        "http_header_timeout_ms",
        settings.http_header_timeout_ms,
        100..=300_000,
    );
    in_range(
        checks,
        "http_body_timeout_ms",
        settings.http_body_timeout_ms,
        100..=300_000,
    );
    in_range(
        checks,
        "http_body_min_rate",
        settings.http_body_min_rate,
        0..=1_048_576,
    );
    in_range(
        checks,
        "http_write_timeout_ms",
        settings.http_write_timeout_ms,
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
        "max_adopted_partitions",
        u64::from(settings.max_adopted_partitions),
        1..=64,
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
    if let ClaimBackend::File(file) = &settings.claim_store {
        let dir = file
            .dir
            .clone()
            .unwrap_or_else(asyncgate_config::claim::FileStore::default_dir);
        if let Err(e) = asyncgate_config::claim::FileStore::check_dir(&dir) {
            checks.push(
                Finding::error(
                    "claim_store.file.dir",
                    format!("the claim directory cannot be used: {e}"),
                )
                .with_remedy(
                    "set ASYNCGATE_CLAIM_DIR to a private directory of this user (mode 700)",
                ),
            );
        }
        if let Some(finding) =
            claim_dir_reach(&dir, &asyncgate_config::claim::ContainerProbe::new())
        {
            checks.push(finding);
        }
    }
}

/// A warning when the file claim store's directory is private to this
/// container (its own layer, not a mounted volume): replicas in other
/// containers cannot see its claims.
pub fn claim_dir_reach(
    dir: &std::path::Path,
    probe: &asyncgate_config::claim::ContainerProbe,
) -> Option<Finding> {
    let private = probe.private_claim_dir(dir)?;
    Some(
        Finding::warning("claim_store.file.dir", private.to_string()).with_remedy(
            "mount a volume that every replica on this host shares at ASYNCGATE_CLAIM_DIR, or use the PostgreSQL store (ASYNCGATE_CLAIM_STORE=postgres) for replicas in several containers or hosts",
        ),
    )
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
