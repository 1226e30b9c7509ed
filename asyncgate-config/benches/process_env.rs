//! Loading a 22-field settings struct from the **process environment**:
//! asyncgate-config (load + detect + validate) against `envy`, `figment`,
//! `config` and a hand-written `std::env` loader, in one run. And the cost
//! of one unknown `PREFIX_*` variable.
//!
//! The variables must be in the real environment, and nothing here calls
//! `set_var`: the bench re-executes itself with them added. Each loader has
//! its own prefix (ours `BENCH_`, the baselines `BASE_`, figment `FIG_`,
//! whose lists are written as `[a,b]`), so every loader scans the same
//! environment and reads the same 22 values. The baselines cannot detect a
//! platform: they get the id as one more variable.
//!
//! Run: `cargo bench -p asyncgate-config --bench process_env`

use std::collections::HashMap;
use std::hint::black_box;
use std::process::Command;

mod common;

use asyncgate_config::{Environment, GateConfig, InstanceId, SecretString};
use common::Settings;
use criterion::{Criterion, criterion_group};

const VALUES: [(&str, &str); 21] = [
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

const POD: &str = "bench-7d9f8b6c5d-x2x9k";
const CHILD: &str = "ASYNCGATE_BENCH_CHILD";

fn variables() -> Vec<(String, String)> {
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
fn hand_written() -> Option<(u16, u64, Vec<String>, String)> {
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

fn process_env(c: &mut Criterion) {
    let mut group = c.benchmark_group("process_env_22_fields");
    group.bench_function("asyncgate_config (Settings::load + validate)", |b| {
        b.iter(|| {
            let settings = Settings::load().and_then(|l| l.validate()).expect("valid");
            black_box(settings)
        })
    });
    group.bench_function("envy (prefixed + from_env)", |b| {
        b.iter(|| {
            let settings: Settings = envy::prefixed("BASE_").from_env().expect("valid");
            black_box(settings)
        })
    });
    group.bench_function("figment (Env::prefixed + extract)", |b| {
        b.iter(|| {
            let settings: Settings =
                figment::Figment::from(figment::providers::Env::prefixed("FIG_"))
                    .extract()
                    .expect("valid");
            black_box(settings)
        })
    });
    group.bench_function("config (Environment::with_prefix + try_deserialize)", |b| {
        b.iter(|| {
            let settings: Settings = config::Config::builder()
                .add_source(
                    config::Environment::with_prefix("BASE")
                        .try_parsing(true)
                        .list_separator(",")
                        .with_list_parse_key("cors_origins")
                        .with_list_parse_key("cors_methods"),
                )
                .build()
                .and_then(|c| c.try_deserialize())
                .expect("valid");
            black_box(settings)
        })
    });
    group.bench_function("hand-written std::env", |b| {
        b.iter(|| black_box(hand_written().expect("valid")))
    });
    // Not a loader: the copy of the whole environment that std makes for
    // `vars_os()`/`vars()`, which envy, config, figment and we all pay (std
    // has no borrowing iterator). What each loader spends on top of it is
    // its own work.
    group.bench_function("floor: std::env::vars_os() copied and dropped", |b| {
        b.iter(|| black_box(std::env::vars_os().count()))
    });
    group.finish();
}

/// One unknown `BENCH_*` variable, in an injected map of the same variables.
fn unknown_variable(c: &mut Criterion) {
    let env: HashMap<String, String> = variables().into_iter().collect();
    let mut with_unknown = env.clone();
    with_unknown.insert("BENCH_RATE_LIMIT_REQUESTS_PER_MINUTE".into(), "100".into());
    let load = |env: &HashMap<String, String>| {
        Settings::loader()
            .env(env.clone())
            .dotenv(false)
            .load()
            .and_then(|l| l.validate())
            .expect("valid")
    };
    assert_eq!(load(&with_unknown).warnings().len(), 1);
    let mut group = c.benchmark_group("unknown_variable");
    group.bench_function("no unknown variable", |b| b.iter(|| black_box(load(&env))));
    group.bench_function("one unknown variable", |b| {
        b.iter(|| black_box(load(&with_unknown)))
    });
    group.finish();
}

criterion_group!(benches, process_env, unknown_variable);

fn main() {
    if std::env::var_os(CHILD).is_none() {
        // Re-run this bench with the variables in its real environment.
        let status = Command::new(std::env::current_exe().expect("the bench binary"))
            .args(std::env::args_os().skip(1))
            .envs(variables())
            .env(CHILD, "1")
            .status()
            .expect("re-run the bench");
        std::process::exit(status.code().unwrap_or(1));
    }
    assert!(hand_written().is_some() && Settings::load().is_ok());
    benches();
    Criterion::default().configure_from_args().final_summary();
}
