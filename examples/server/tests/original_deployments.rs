//! The original AsyncGate service's deployments (../shared/REFERENCE-SETTINGS.md)
//! run unchanged against the reference server's settings: its
//! `.env.example`, its Fly.io `[env]` and its Kubernetes Deployment (with
//! the ConfigMap, the Secret and the kubelet's service links). The only
//! unknown-variable warning is for the variable nothing reads anymore.

mod common;

use common::{API_KEY, check_json};

const STALE: &str = "ASYNCGATE_RATE_LIMIT_REQUESTS_PER_MINUTE";

fn unknown_variable_warnings(json: &serde_json::Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["message"].as_str())
        .filter(|m| m.starts_with("unknown variable"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_originals_dotenv_example_loads_without_warnings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "\
ASYNCGATE_ENV=development
ASYNCGATE_INSTANCE_ID=asyncgate-1
ASYNCGATE_LOG_LEVEL=INFO
ASYNCGATE_DEBUG=false
ASYNCGATE_DATABASE_URL=postgresql+asyncpg://asyncgate:asyncgate@localhost:5432/asyncgate
ASYNCGATE_CORS_ALLOWED_ORIGINS=http://localhost:3000,http://localhost:8080,http://localhost:5173
ASYNCGATE_CORS_ALLOW_CREDENTIALS=true
ASYNCGATE_CORS_ALLOWED_METHODS=GET,POST,PUT,DELETE,OPTIONS
ASYNCGATE_CORS_ALLOWED_HEADERS=Authorization,Content-Type,X-Tenant-ID,X-Trace-ID,X-Request-ID,X-API-Key
ASYNCGATE_ALLOW_INSECURE_DEV=true
ASYNCGATE_RATE_LIMIT_ENABLED=true
ASYNCGATE_RATE_LIMIT_BACKEND=memory
ASYNCGATE_RATE_LIMIT_DEFAULT_CALLS=100
ASYNCGATE_RATE_LIMIT_DEFAULT_WINDOW_SECONDS=60
ASYNCGATE_DEFAULT_LEASE_TTL_SECONDS=120
ASYNCGATE_MAX_LEASE_TTL_SECONDS=1800
ASYNCGATE_LEASE_SWEEP_INTERVAL_SECONDS=5
ASYNCGATE_DEFAULT_MAX_ATTEMPTS=2
ASYNCGATE_DEFAULT_RETRY_BACKOFF_SECONDS=15
ASYNCGATE_MAX_RETRY_BACKOFF_SECONDS=900
ASYNCGATE_RECEIPT_MODE=standalone
ASYNCGATE_ESCALATION_ENABLED=false
ASYNCGATE_ESCALATION_LEASE_EXPIRY_CLASS=1
ASYNCGATE_HOST=0.0.0.0
ASYNCGATE_PORT=8080
",
    )
    .unwrap();
    let (code, json) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["findings"], serde_json::json!([]), "{json:#}");
    assert_eq!(
        json["settings"]["cors.allowed_headers"]["source_kind"],
        "dotenv"
    );
}

/// The Fly.io `[env]` and the Kubernetes ConfigMap set the same variables.
const CONFIG_MAP: [(&str, &str); 6] = [
    ("ASYNCGATE_ENV", "production"),
    ("ASYNCGATE_LOG_LEVEL", "INFO"),
    ("ASYNCGATE_HOST", "0.0.0.0"),
    ("ASYNCGATE_PORT", "8080"),
    ("ASYNCGATE_RATE_LIMIT_ENABLED", "true"),
    (STALE, "100"),
];

#[test]
fn the_originals_fly_deployment_warns_only_about_the_stale_variable() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = CONFIG_MAP.to_vec();
    env.extend([
        ("FLY_ALLOC_ID", "6e82d4a7c1e3f8"),
        ("ASYNCGATE_API_KEY", API_KEY),
        (
            "ASYNCGATE_DATABASE_URL",
            "postgresql://asyncgate:pw@db.internal:5432/asyncgate",
        ),
    ]);
    let (code, json) = check_json(dir.path(), &env);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(
        unknown_variable_warnings(&json),
        [format!("unknown variable {STALE} is ignored")]
    );
}

#[test]
fn the_originals_kubernetes_deployment_with_service_links_warns_only_about_the_stale_variable() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = CONFIG_MAP.to_vec();
    env.extend([
        // The Deployment's Secret.
        ("ASYNCGATE_API_KEY", API_KEY),
        (
            "ASYNCGATE_DATABASE_URL",
            "postgresql://asyncgate:pw@postgres:5432/asyncgate",
        ),
        // The pod.
        ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
        ("HOSTNAME", "asyncgate-7d9f8b6c5d-x2x9k"),
        // The kubelet's links for the Service `asyncgate` (ports 80 and 9091).
        ("ASYNCGATE_SERVICE_HOST", "10.96.0.12"),
        ("ASYNCGATE_SERVICE_PORT", "80"),
        ("ASYNCGATE_SERVICE_PORT_HTTP", "80"),
        ("ASYNCGATE_SERVICE_PORT_METRICS", "9091"),
        ("ASYNCGATE_PORT_80_TCP", "tcp://10.96.0.12:80"),
        ("ASYNCGATE_PORT_80_TCP_PROTO", "tcp"),
        ("ASYNCGATE_PORT_80_TCP_PORT", "80"),
        ("ASYNCGATE_PORT_80_TCP_ADDR", "10.96.0.12"),
        ("ASYNCGATE_PORT_9091_TCP", "tcp://10.96.0.12:9091"),
        ("ASYNCGATE_PORT_9091_TCP_PROTO", "tcp"),
        ("ASYNCGATE_PORT_9091_TCP_PORT", "9091"),
        ("ASYNCGATE_PORT_9091_TCP_ADDR", "10.96.0.12"),
    ]);
    let (code, json) = check_json(dir.path(), &env);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["instance_id"], "asyncgate-7d9f8b6c5d-x2x9k");
    assert_eq!(
        unknown_variable_warnings(&json),
        [format!("unknown variable {STALE} is ignored")]
    );
}

/// `check` of `env` must pass; its JSON.
fn check_passes(dir: &std::path::Path, env: &[(&str, &str)]) -> serde_json::Value {
    let (code, json) = check_json(dir, env);
    assert_eq!(code, 0, "{env:?}: {json:#}");
    json
}

/// `base` and one more variable.
fn plus<'a>(base: &[(&'a str, &'a str)], name: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    base.iter().copied().chain([(name, value)]).collect()
}

/// The original's rules, in production.
#[test]
fn the_originals_rules_hold() {
    let dir = tempfile::tempdir().unwrap();
    let base = [
        ("ASYNCGATE_ENV", "production"),
        ("ASYNCGATE_INSTANCE_ID", "prod-node-7f3c9e21"),
        ("ASYNCGATE_API_KEY", API_KEY),
    ];
    let cases: [(&[(&str, &str)], &str); 7] = [
        (
            &[("ASYNCGATE_CORS_ALLOWED_ORIGINS", "*")],
            "cors.allowed_origins contains `*` while cors.allow_credentials is on",
        ),
        (
            &[("ASYNCGATE_RATE_LIMIT_BACKEND", "redis")],
            "rate_limit.backend=redis needs redis_url",
        ),
        (
            &[("ASYNCGATE_DATABASE_URL", "mysql://db/x")],
            "database_url must start with postgresql://, postgresql+asyncpg://",
        ),
        (
            &[("ASYNCGATE_REDIS_URL", "ftp://cache")],
            "redis_url must start with http://, https://, redis://, rediss://",
        ),
        (
            &[("RECEIPTGATE_URL", "file:///tmp/x")],
            "receiptgate.endpoint must start with",
        ),
        (
            &[("ASYNCGATE_DEFAULT_LIST_LIMIT", "500")],
            "default_list_limit=500 exceeds max_list_limit=200",
        ),
        (
            &[("ASYNCGATE_DEFAULT_BOOTSTRAP_MAX_ITEMS", "201")],
            "default_bootstrap_max_items=201 exceeds max_bootstrap_max_items=200",
        ),
    ];
    for (extra, expected) in cases {
        let env: Vec<(&str, &str)> = base.iter().chain(extra).copied().collect();
        let (code, json) = check_json(dir.path(), &env);
        assert_eq!(code, 1, "{extra:?}: {json:#}");
        let messages: Vec<&str> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["message"].as_str())
            .collect();
        assert!(
            messages.iter().any(|m| m.starts_with(expected)),
            "{extra:?}: {messages:?}"
        );
    }
    // The CORS rule is the `Cors` section's own check: it names the
    // section's field, and the report names the full path and variable.
    let env = plus(&base, "ASYNCGATE_CORS_ALLOWED_ORIGINS", "*");
    let (_, json) = check_json(dir.path(), &env);
    let cors = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("cors.allowed_origins contains"))
        })
        .expect("the CORS finding");
    assert_eq!(cors["setting"], "cors.allowed_origins", "{cors:#}");
    assert_eq!(
        cors["env_var"], "ASYNCGATE_CORS_ALLOWED_ORIGINS",
        "{cors:#}"
    );
    // Warnings, not errors, outside development: port 0 (tests use it;
    // clients cannot), and turning rate limiting off (it stays on).
    for (name, value, warning) in [
        (
            "ASYNCGATE_PORT",
            "0",
            "port=0 lets the system pick a free port",
        ),
        (
            "ASYNCGATE_RATE_LIMIT_ENABLED",
            "false",
            "rate_limit.enabled=false has no effect",
        ),
    ] {
        let json = check_passes(dir.path(), &plus(&base, name, value));
        let first = json["findings"][0]["message"].as_str().unwrap();
        assert!(first.starts_with(warning), "{first}");
    }
    // Escalation targets are a JSON array in the environment.
    let targets = r#"[{"class":1,"to_id":"ops"},{"class":2,"to_kind":"human","to_id":"oncall","tenant_id":"t1"}]"#;
    check_passes(
        dir.path(),
        &plus(&base, "ASYNCGATE_ESCALATION_TARGETS", targets),
    );
    // Log levels in any case, CRITICAL included.
    for level in ["critical", "Warning", "DEBUG"] {
        check_passes(dir.path(), &plus(&base, "ASYNCGATE_LOG_LEVEL", level));
    }
}
