//! The process-environment load benchmarks' shared set-up: the variables
//! (each loader with its own prefix over one environment), the loaders, and
//! the re-execution that puts the variables in the real environment
//! without `set_var`. Used by `process_env` (criterion, time) and
//! `instructions` (callgrind, instructions per load).

use std::process::Command;

use asyncgate_config::{Environment, InstanceId, SecretString};

use crate::common::Settings;

pub(crate) const VALUES: [(&str, &str); 21] = [
    ("ENV", "production"),
    ("API_KEY", "k-0123456789abcdef"),
    ("ALLOW_INSECURE_DEV", "false"),
    ("HOST", "0.0.0.0"),
    ("PORT", "8080"),
    ("LOG_LEVEL", "info"),
    ("DEBUG", "false"),
    ("DATABASE_URL", "postgres://app@db:5432/app"),
    ("REDIS_URL", "redis://cache:6379/0"),
    ("RECEIPT_MODE", "strict"),
    ("LEASE_TTL_SECS", "30"),
    ("SWEEP_INTERVAL_SECS", "5"),
    ("MAX_RETRIES", "5"),
    ("RETRY_BACKOFF_MS", "250"),
    ("PAGE_SIZE_DEFAULT", "50"),
    ("PAGE_SIZE_MAX", "500"),
    ("RETENTION_DAYS", "30"),
    ("CORS_ORIGINS", "https://a.example,https://b.example"),
    ("CORS_METHODS", "GET,POST,DELETE"),
    ("WORKERS", "8"),
    ("TIMEOUT_MS", "1500"),
];

pub(crate) const POD: &str = "bench-7d9f8b6c5d-x2x9k";
pub(crate) const CHILD: &str = "ASYNCGATE_BENCH_CHILD";

pub(crate) fn variables() -> Vec<(String, String)> {
    let mut vars = vec![
        ("KUBERNETES_SERVICE_HOST".to_owned(), "10.96.0.1".to_owned()),
        ("HOSTNAME".to_owned(), POD.to_owned()),
        ("BASE_INSTANCE_ID".to_owned(), POD.to_owned()),
        ("FIG_INSTANCE_ID".to_owned(), POD.to_owned()),
    ];
    for (name, value) in VALUES {
        vars.push((format!("BENCH_{name}"), value.to_owned()));
        vars.push((format!("BASE_{name}"), value.to_owned()));
        let fig = if value.contains(',') {
            format!("[{value}]")
        } else {
            value.to_owned()
        };
        vars.push((format!("FIG_{name}"), fig));
    }
    vars
}

/// A hand-written loader: what a team writes without a library.
pub(crate) fn hand_written() -> Option<(u16, u64, Vec<String>, String)> {
    let var = |name: &str| std::env::var(format!("BASE_{name}")).ok();
    let mut n = 0u64;
    for name in [
        "LEASE_TTL_SECS",
        "SWEEP_INTERVAL_SECS",
        "RETRY_BACKOFF_MS",
        "TIMEOUT_MS",
        "MAX_RETRIES",
        "PAGE_SIZE_DEFAULT",
        "PAGE_SIZE_MAX",
        "RETENTION_DAYS",
        "WORKERS",
    ] {
        n += var(name)?.parse::<u64>().ok()?;
    }
    let port = var("PORT")?.parse().ok()?;
    let _: bool = var("DEBUG")?.parse().ok()?;
    let _: bool = var("ALLOW_INSECURE_DEV")?.parse().ok()?;
    let _: Environment = var("ENV")?.parse().ok()?;
    let _: InstanceId = var("INSTANCE_ID")?.parse().ok()?;
    let origins = var("CORS_ORIGINS")?.split(',').map(str::to_owned).collect();
    let _: Vec<String> = var("CORS_METHODS")?.split(',').map(str::to_owned).collect();
    let _ = (
        var("HOST")?,
        var("LOG_LEVEL")?,
        var("DATABASE_URL")?,
        var("REDIS_URL"),
    );
    let _ = (var("RECEIPT_MODE")?, var("API_KEY").map(SecretString::from));
    Some((port, n, origins, var("HOST")?))
}

/// Runs a thread to its end, as a process that has started its runtime
/// has: a load reads the environment the same way either side of it.
#[allow(dead_code)] // `process_env` uses it; `instructions`, which shares this module, does not.
pub(crate) fn start_a_thread() {
    std::thread::spawn(|| {}).join().expect("a thread");
}

/// asyncgate-config: load, detect, validate.
pub(crate) fn ours() -> impl Sized {
    Settings::load().and_then(|l| l.validate()).expect("valid")
}

pub(crate) fn envy() -> Settings {
    envy::prefixed("BASE_").from_env().expect("valid")
}

pub(crate) fn figment() -> Settings {
    figment::Figment::from(figment::providers::Env::prefixed("FIG_"))
        .extract()
        .expect("valid")
}

pub(crate) fn config() -> Settings {
    crate::common::with_config(config::Environment::with_prefix("BASE"))
}

/// Not a loader: the copy of the whole environment that std makes for
/// `vars_os()`/`vars()`, which envy, config, figment and we all pay (std
/// has no borrowing iterator). What a loader spends beyond it is its own.
pub(crate) fn floor() -> usize {
    std::env::vars_os().count()
}

/// The variables of the unknown-variable comparison, injected: the same
/// environment plus one more variable, unrelated (`OTHER_*`) or an unknown
/// `BENCH_*` setting of the same length, so that the two loads differ only
/// in the unknown name.
pub(crate) fn injected(unknown: bool) -> std::collections::HashMap<String, String> {
    let mut env: std::collections::HashMap<String, String> = variables().into_iter().collect();
    let name = if unknown {
        "BENCH_RATE_LIMIT_REQUESTS_PER_MINUTE"
    } else {
        "OTHER_RATE_LIMIT_REQUESTS_PER_MINUTE"
    };
    env.insert(name.to_owned(), "100".to_owned());
    env
}

/// Loads from an injected map (no process environment).
pub(crate) fn ours_injected(env: &std::collections::HashMap<String, String>) -> usize {
    Settings::loader()
        .env(env.clone())
        .dotenv(false)
        .load()
        .and_then(|l| l.validate())
        .expect("valid")
        .warnings()
        .len()
}

/// In the parent process: runs this bench again with the variables in its
/// real environment and exits with its status. In the child: returns.
pub(crate) fn in_child_with_variables() {
    if std::env::var_os(CHILD).is_some() {
        assert!(hand_written().is_some() && Settings::load().is_ok());
        return;
    }
    let status = Command::new(std::env::current_exe().expect("the bench binary"))
        .args(std::env::args_os().skip(1))
        .envs(variables())
        .env(CHILD, "1")
        .status()
        .expect("re-run the bench");
    std::process::exit(status.code().unwrap_or(1));
}
