//! Loading the 22-field struct from a YAML file and from a JSON file,
//! against the same settings in a TOML file, in the same run (load +
//! detect + validate; the file is read from disk each time, as a service
//! reads it once at start-up).
//!
//! Run: `cargo bench -p asyncgate-config --features yaml --bench file_formats`

use std::hint::black_box;
use std::path::Path;

#[expect(
    dead_code,
    reason = "the `config` crate's loader serves the other benches"
)]
mod common;

use common::Settings;
use criterion::{Criterion, criterion_group, criterion_main};

const TOML: &str = r#"
api_key = "k-0123456789abcdef"
allow_insecure_dev = false
host = "0.0.0.0"
port = 8080
log_level = "info"
debug = false
database_url = "postgres://app@db:5432/app"
redis_url = "redis://cache:6379/0"
receipt_mode = "strict"
lease_ttl_secs = 30
sweep_interval_secs = 5
max_retries = 5
retry_backoff_ms = 250
page_size_default = 50
page_size_max = 500
retention_days = 30
cors_origins = ["https://a.example", "https://b.example"]
cors_methods = ["GET", "POST", "DELETE"]
workers = 8
timeout_ms = 1500
"#;

const YAML: &str = "
api_key: k-0123456789abcdef
allow_insecure_dev: false
host: 0.0.0.0
port: 8080
log_level: info
debug: false
database_url: postgres://app@db:5432/app
redis_url: redis://cache:6379/0
receipt_mode: strict
lease_ttl_secs: 30
sweep_interval_secs: 5
max_retries: 5
retry_backoff_ms: 250
page_size_default: 50
page_size_max: 500
retention_days: 30
cors_origins: [https://a.example, https://b.example]
cors_methods: [GET, POST, DELETE]
workers: 8
timeout_ms: 1500
";

const JSON: &str = r#"{
  "api_key": "k-0123456789abcdef", "allow_insecure_dev": false, "host": "0.0.0.0",
  "port": 8080, "log_level": "info", "debug": false,
  "database_url": "postgres://app@db:5432/app", "redis_url": "redis://cache:6379/0",
  "receipt_mode": "strict", "lease_ttl_secs": 30, "sweep_interval_secs": 5,
  "max_retries": 5, "retry_backoff_ms": 250, "page_size_default": 50,
  "page_size_max": 500, "retention_days": 30,
  "cors_origins": ["https://a.example", "https://b.example"],
  "cors_methods": ["GET", "POST", "DELETE"], "workers": 8, "timeout_ms": 1500
}"#;

fn load(dir: &Path, file: &str) -> Settings {
    Settings::loader()
        .env([
            ("BENCH_ENV", "production"),
            ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
            ("HOSTNAME", "bench-7d9f8b6c5d-x2x9k"),
        ])
        .dotenv(false)
        .current_dir(dir)
        .config_file(file)
        .hostname("bench-host")
        .seed(1)
        .load()
        .and_then(|l| l.validate())
        .expect("valid")
        .into_inner()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [("c.toml", TOML), ("c.yaml", YAML), ("c.json", JSON)] {
        std::fs::write(dir.path().join(name), text).unwrap();
        // Every format loads the same settings, without a warning.
        let loaded = Settings::loader()
            .env([
                ("BENCH_ENV", "production"),
                ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
                ("HOSTNAME", "bench-x"),
            ])
            .dotenv(false)
            .current_dir(dir.path())
            .config_file(name)
            .load()
            .unwrap();
        assert!(
            loaded.warnings().is_empty(),
            "{name}: {:?}",
            loaded.warnings()
        );
    }
    let mut group = c.benchmark_group("load_22_fields_from_a_file");
    for (label, file) in [("toml", "c.toml"), ("yaml", "c.yaml"), ("json", "c.json")] {
        group.bench_function(label, |b| b.iter(|| black_box(load(dir.path(), file))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
