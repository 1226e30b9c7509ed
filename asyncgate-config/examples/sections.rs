//! The configuration of an `orders` service with sections: an HTTP
//! listener, a database (with a `check` of its own) and a Redis cache,
//! each a `#[gate(section)]`, and a list of payment gateways (`Vec` of a
//! section: `[[payment_gateways]]` in the file, one element's setting
//! overridden by `ORDERS_PAYMENT_GATEWAYS_1_WEIGHT`);
//! three replicas on Kubernetes that share one TOML file and differ in
//! their environment; a command-line flag that overrides one setting with
//! honest provenance.
//!
//! ```sh
//! cargo run -p asyncgate-config --example sections               # the three replicas
//! cargo run -p asyncgate-config --example sections -- --port 9443 # the flag wins everywhere
//! ORDERS_HTTP_PORT=9000 cargo run -p asyncgate-config --example sections -- --process
//! ```
//!
//! `asyncgate-config/tests/sections_example.rs` runs [`replicas`] in CI.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use asyncgate_config::load::Loader;
use asyncgate_config::validate::Checks;
use asyncgate_config::{Environment, Finding, GateConfig, InstanceId, Report, Secret, Validated};
use clap::Parser;

/// The HTTP listener.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct Http {
    /// Port to listen on.
    #[gate(default = 8080)]
    pub port: u16,
    /// How long a request may take.
    #[gate(default = "30s")]
    pub request_timeout: Duration,
    /// Debug routes (`/debug/*`): never in production.
    #[gate(default = false, forbidden_in(production))]
    pub debug_routes: bool,
}

/// The orders database.
#[derive(Debug, GateConfig)]
#[gate(section, check = database_rules)]
pub struct Database {
    /// Connection URL; its password never shows.
    #[gate(required_in(staging, production), alias = "DATABASE_URL")]
    pub url: Option<Secret<String>>,
    /// Connections per replica.
    #[gate(default = 10)]
    pub pool_size: u32,
    /// Per-statement limit.
    #[gate(default = "5s")]
    pub statement_timeout: Duration,
}

/// The database section's own rule. It names its field (`pool_size`); the
/// report says `database.pool_size` and `ORDERS_DB_POOL_SIZE`, wherever the
/// section is nested and however its variables are renamed.
fn database_rules(database: &Database, checks: &mut Checks<'_>) {
    if database.pool_size == 0 {
        checks.push(
            Finding::error("pool_size", "a pool of 0 connections cannot serve a query")
                .with_remedy("set a pool size of at least 1"),
        );
    }
}

/// The Redis cache.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct Redis {
    /// Cache URL; without it the service runs uncached.
    pub url: Option<String>,
    /// How long a cached order lives.
    #[gate(default = "10m")]
    pub ttl: Duration,
}

/// One payment gateway; orders are spread by weight.
#[derive(Debug, GateConfig)]
#[gate(section, check = gateway_rules)]
pub struct Gateway {
    /// Its API endpoint.
    pub url: String,
    /// Its share of the orders.
    #[gate(default = 1)]
    pub weight: u32,
}

/// A gateway's own rule, reported under its element's path
/// (`payment_gateways[1].weight`, `ORDERS_PAYMENT_GATEWAYS_1_WEIGHT`).
fn gateway_rules(gateway: &Gateway, checks: &mut Checks<'_>) {
    if gateway.weight > 100 {
        checks.push(
            Finding::error("weight", "a weight over 100 starves the other gateways")
                .with_remedy("give each gateway a weight from 0 to 100"),
        );
    }
}

/// The orders service.
#[derive(Debug, GateConfig)]
#[gate(prefix = "ORDERS", deny_unknown)]
pub struct Orders {
    /// development, staging or production (or `qa`, with staging's rules).
    #[gate(environment, default = "development", names(qa = "staging"))]
    pub env: Environment,
    /// Unique per replica: the pod name on Kubernetes.
    #[gate(instance_id, default = "orders-1")]
    pub instance_id: InstanceId,
    #[gate(nested)]
    pub http: Http,
    #[gate(nested, env = "ORDERS_DB")]
    pub database: Database,
    #[gate(nested)]
    pub redis: Redis,
    #[gate(nested)]
    pub payment_gateways: Vec<Gateway>,
}

/// The command line: the flag overrides `http.port` wherever it is set.
#[derive(Debug, Parser)]
#[command(about = "An orders service's settings, with sections")]
pub struct Flags {
    /// Listen on this port (overrides ORDERS_HTTP_PORT and `[http] port`).
    #[arg(long)]
    pub port: Option<u16>,
    /// Load the process's own environment instead of the three replicas.
    #[arg(long)]
    pub process: bool,
}

/// The file every replica mounts from one ConfigMap.
pub const SHARED_TOML: &str = r#"
[http]
request_timeout = "45s"

[database]
pool_size = 20

[redis]
url = "redis://cache.orders.svc:6379"

[[payment_gateways]]
url = "https://pay-a.example/v1"
weight = 3

[[payment_gateways]]
url = "https://pay-b.example/v1"
"#;

/// What the kubelet and the Deployment set in each of the three pods: the
/// same Deployment env, a pod name of its own, and one pod with an override.
pub fn pod_env(pod: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("ORDERS_ENV", "production"),
        ("ORDERS_CONFIG_FILE", "orders.toml"),
        (
            "ORDERS_DB_URL",
            "postgres://orders:pw-9f8e7d6c@db.orders.svc/orders",
        ),
        ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
        ("POD_NAME", pod),
    ]
    .iter()
    .chain(extra)
    .map(|&(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    env.sort();
    env
}

/// The loader a service's `main` builds: the flag on top of every source.
pub fn loader(flags: &Flags) -> Loader<Orders> {
    let loader = Orders::loader();
    match flags.port {
        Some(port) => loader.set_from("http.port", port.to_string(), "--port"),
        None => loader,
    }
}

/// Loads and validates the three replicas of the Deployment, with the
/// shared file ([`SHARED_TOML`]) at `dir/orders.toml`.
pub fn replicas(dir: &Path, flags: &Flags) -> Result<Vec<Validated<Orders>>, Report> {
    let pods = [
        pod_env("orders-7d9f8b6c5d-x2x9k", &[]),
        pod_env("orders-7d9f8b6c5d-q8w4n", &[]),
        // This pod is being tuned by hand: one key of the [database] table,
        // and the second gateway's weight.
        pod_env(
            "orders-7d9f8b6c5d-m3p7z",
            &[
                ("ORDERS_DB_POOL_SIZE", "40"),
                ("ORDERS_PAYMENT_GATEWAYS_1_WEIGHT", "2"),
            ],
        ),
    ];
    pods.into_iter()
        .map(|env| {
            loader(flags)
                .env(env)
                .current_dir(dir)
                .dotenv(false)
                .load()?
                .validate()
        })
        .collect()
}

fn print(settings: &Validated<Orders>) {
    println!(
        "{}: http.port={} http.request_timeout={:?} database.pool_size={} redis.ttl={:?}",
        settings.instance_id,
        settings.http.port,
        settings.http.request_timeout,
        settings.database.pool_size,
        settings.redis.ttl
    );
    let resolution = settings.resolution();
    let settings = resolution.settings().map(|(f, r)| (f.name(), r));
    let elements = resolution.elements().iter().map(|e| (e.path(), e.record()));
    for (path, record) in settings.chain(elements) {
        if let Some(source) = record.source() {
            println!("    {path:<28} {source}");
        }
    }
}

fn main() -> ExitCode {
    let flags = Flags::parse();
    let result = if flags.process {
        loader(&flags)
            .load()
            .and_then(asyncgate_config::Loaded::validate)
            .map(|settings| vec![settings])
    } else {
        match tempfile_dir().and_then(|dir| {
            std::fs::write(dir.join("orders.toml"), SHARED_TOML)?;
            Ok(dir)
        }) {
            Ok(dir) => {
                let result = replicas(&dir, &flags);
                let _ = std::fs::remove_dir_all(&dir);
                result
            }
            Err(e) => {
                eprintln!("cannot create a directory for the example's config file: {e}");
                return ExitCode::FAILURE;
            }
        }
    };
    match result {
        Ok(all) => {
            for settings in &all {
                for warning in settings.warnings() {
                    eprintln!("warning: {warning}");
                }
                print(settings);
            }
            ExitCode::SUCCESS
        }
        Err(report) => {
            eprintln!("{report}");
            ExitCode::FAILURE
        }
    }
}

/// A private directory for the shared file (the example has no tempfile
/// dependency of its own).
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("orders-sections-{}", std::process::id()));
    std::fs::create_dir(&dir)?;
    Ok(dir)
}
