//! `load + detect + validate` of a 22-field settings struct from an
//! environment of about 60 variables, against the `config` crate's own
//! `Config::builder().add_source(Environment::with_prefix(..)).build()?.try_deserialize()`
//! of the same struct, in the same run.
//!
//! Run: `cargo bench -p asyncgate-config --bench load`

use std::collections::HashMap;
use std::hint::black_box;

mod common;

use common::Settings;
use criterion::{Criterion, criterion_group, criterion_main};

fn environment() -> HashMap<String, String> {
    let ours = [
        ("BENCH_ENV", "production"),
        ("BENCH_API_KEY", "k-0123456789abcdef"),
        ("BENCH_ALLOW_INSECURE_DEV", "false"),
        ("BENCH_HOST", "0.0.0.0"),
        ("BENCH_PORT", "8080"),
        ("BENCH_LOG_LEVEL", "info"),
        ("BENCH_DEBUG", "false"),
        ("BENCH_DATABASE_URL", "postgres://app@db:5432/app"),
        ("BENCH_REDIS_URL", "redis://cache:6379/0"),
        ("BENCH_RECEIPT_MODE", "strict"),
        ("BENCH_LEASE_TTL_SECS", "30"),
        ("BENCH_SWEEP_INTERVAL_SECS", "5"),
        ("BENCH_MAX_RETRIES", "5"),
        ("BENCH_RETRY_BACKOFF_MS", "250"),
        ("BENCH_PAGE_SIZE_DEFAULT", "50"),
        ("BENCH_PAGE_SIZE_MAX", "500"),
        ("BENCH_RETENTION_DAYS", "30"),
        ("BENCH_CORS_ORIGINS", "https://a.example,https://b.example"),
        ("BENCH_CORS_METHODS", "GET,POST,DELETE"),
        ("BENCH_WORKERS", "8"),
        ("BENCH_TIMEOUT_MS", "1500"),
        ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
        ("HOSTNAME", "bench-7d9f8b6c5d-x2x9k"),
    ];
    let mut env: HashMap<String, String> = ours
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for i in 0..37 {
        env.insert(
            format!("UNRELATED_VAR_{i}"),
            format!("/usr/local/lib/value-{i}"),
        );
    }
    env
}

fn bench(c: &mut Criterion) {
    let env = environment();
    assert!(env.len() >= 60);
    // The config crate has no detection: it gets the id as one more variable.
    let mut baseline_env = env.clone();
    baseline_env.insert("BENCH_INSTANCE_ID".into(), "bench-7d9f8b6c5d-x2x9k".into());
    let mut group = c.benchmark_group("load_20_fields_60_vars");
    group.bench_function("asyncgate_config (load + detect + validate)", |b| {
        b.iter(|| {
            let settings = Settings::loader()
                .env(env.clone())
                .dotenv(false)
                .current_dir("/")
                .hostname("bench-host")
                .seed(1)
                .load()
                .and_then(|l| l.validate())
                .expect("valid");
            black_box(settings)
        })
    });
    group.bench_function(
        "config crate (Environment::with_prefix + try_deserialize)",
        |b| {
            b.iter(|| {
                black_box(common::with_config(
                    config::Environment::with_prefix("BENCH").source(Some(baseline_env.clone())),
                ))
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
