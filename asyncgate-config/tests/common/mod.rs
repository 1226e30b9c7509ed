//! A settings struct shaped like a real service's, and loaders whose every
//! source is injected: no test reads or changes the process environment.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;

use asyncgate_config::load::Loader;
use asyncgate_config::validate::Checks;
use asyncgate_config::{
    Environment, Finding, GateConfig, InstanceId, Report, SecretString, Severity,
};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
}

/// Test service settings.
#[derive(Debug, GateConfig)]
#[gate(prefix = "ASYNCGATE", check = wildcard_cors_outside_development)]
pub struct Settings {
    /// Deployment environment.
    #[gate(environment, default = "development")]
    pub env: Environment,
    /// Unique per replica.
    #[gate(instance_id, default = "asyncgate-1")]
    pub instance_id: InstanceId,
    /// Shared API token.
    #[gate(secret, required_in(staging, production))]
    pub api_key: Option<SecretString>,
    /// Local development only.
    #[gate(default = false, forbidden_in(staging, production))]
    pub allow_insecure_dev: bool,
    #[gate(default = 8080)]
    pub port: u16,
    #[gate(default = 0.5)]
    pub ratio: f64,
    #[gate(default = "info")]
    pub log_level: LogLevel,
    pub cors_origins: Vec<String>,
    pub database_url: Option<String>,
    #[gate(env = "CUSTOM_TIMEOUT", default = 30)]
    pub timeout_secs: u32,
    #[gate(default = -5)]
    pub offset: i32,
}

fn wildcard_cors_outside_development(settings: &Settings, checks: &mut Checks<'_>) {
    if !checks.environment().is_development() && settings.cors_origins.iter().any(|o| o == "*") {
        checks.push(
            Finding::error(
                "cors_origins",
                "a wildcard CORS origin is not allowed outside development",
            )
            .with_remedy("list the allowed origins"),
        );
    }
}

/// A struct with one required setting and a restricted, reordered detection list.
#[derive(Debug, GateConfig)]
#[gate(prefix = "MINI")]
pub struct Mini {
    #[gate(environment, default = "production")]
    pub env: Environment,
    #[gate(instance_id, default = "mini-1", detect(ecs, fly), strict)]
    pub instance_id: InstanceId,
    pub region: String,
}

/// A directory with no `.env`: loaders never read the working directory.
pub const NO_DIR: &str = "/nonexistent/asyncgate-config-tests";

pub fn loader<T: GateConfig>(env: &[(&str, &str)]) -> Loader<T> {
    T::loader()
        .env(env.iter().copied())
        .current_dir(NO_DIR)
        .hostname("build-host")
        .seed(42)
}

pub fn loader_in<T: GateConfig>(dir: &Path, env: &[(&str, &str)]) -> Loader<T> {
    loader::<T>(env).current_dir(dir)
}

/// Production with an API key: the baseline that validates when the id is good.
pub const PROD: [(&str, &str); 2] = [
    ("ASYNCGATE_ENV", "production"),
    ("ASYNCGATE_API_KEY", "k-test-0123456789"),
];

pub fn with(
    base: &[(&'static str, &'static str)],
    extra: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    base.iter().chain(extra).copied().collect()
}

pub fn errors(report: &Report) -> Vec<String> {
    report.errors().map(|f| f.message().to_owned()).collect()
}

pub fn messages(findings: &[Finding], severity: Severity) -> Vec<&str> {
    findings
        .iter()
        .filter(|f| f.severity() == severity)
        .map(Finding::message)
        .collect()
}

/// What `f` logs through `tracing` (INFO and above), without colours.
pub fn capture_logs(f: impl FnOnce()) -> String {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // Log assertions live in `tests/logs.rs`, where every test captures:
    // `tracing` caches a callsite's interest when it is first hit, so a
    // test thread without a subscriber could hide an event from this one.
    tracing::subscriber::with_default(subscriber, f);
    String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap()
}

/// The template with the `#` before every setting removed (`#key = value`
/// in TOML, `#key: value` wherever YAML's indentation puts it);
/// documentation lines (`# ...`) stay comments.
pub fn uncommented(template: &str) -> String {
    template
        .lines()
        .map(|line| {
            let indent = line.len() - line.trim_start().len();
            match line[indent..].strip_prefix('#') {
                // `#:schema` is taplo's hint, not a setting.
                Some(rest) if !rest.starts_with([' ', '#', ':']) && !rest.is_empty() => {
                    format!("{}{rest}", &line[..indent])
                }
                _ => line.to_owned(),
            }
        })
        .map(|line| line + "\n")
        .collect()
}
