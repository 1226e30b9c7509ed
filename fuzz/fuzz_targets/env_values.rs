//! Any environment: every field type parses or fails with a report that
//! holds no part of the secret.
#![no_main]

use asyncgate_config::{Environment, GateConfig, InstanceId, Loaded, SecretString};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Mode {
    Fast,
    Safe,
}

#[derive(Debug, GateConfig)]
#[gate(prefix = "FZ")]
#[allow(dead_code)]
struct Settings {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "fz-1")]
    instance_id: InstanceId,
    #[gate(secret, required_in(production))]
    api_key: Option<SecretString>,
    #[gate(default = false, forbidden_in(production))]
    debug: bool,
    #[gate(default = 8080)]
    port: u16,
    #[gate(default = -1)]
    offset: i64,
    #[gate(default = 0.5)]
    ratio: f64,
    #[gate(default = "fast")]
    mode: Mode,
    origins: Vec<String>,
    ports: Vec<u16>,
    url: Option<String>,
    letter: Option<char>,
}

const NAMES: [&str; 16] = [
    "FZ_ENV", "FZ_INSTANCE_ID", "FZ_API_KEY", "FZ_DEBUG", "FZ_PORT", "FZ_OFFSET", "FZ_RATIO",
    "FZ_MODE", "FZ_ORIGINS", "FZ_PORTS", "FZ_URL", "FZ_LETTER", "FZ_UNKNOWN", "HOSTNAME",
    "KUBERNETES_SERVICE_HOST", "K_REVISION",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Lines of `index value`: the index picks the variable.
    let mut env = Vec::new();
    let mut secret = None;
    for line in text.lines().take(32) {
        let mut chars = line.chars();
        let index = chars.next().map_or(0, |c| c as usize);
        let value = chars.as_str();
        let name = NAMES[index % NAMES.len()];
        if name == "FZ_API_KEY" {
            secret = Some(value.to_owned());
        }
        env.push((name, value.to_owned()));
    }
    let render = |env: Vec<(&'static str, String)>| {
        let outcome = Settings::loader()
            .env(env)
            .dotenv(false)
            .hostname("fuzz-host")
            .seed(1)
            .load()
            .and_then(Loaded::validate);
        let report = match outcome {
            Ok(validated) => validated.report(),
            Err(report) => report,
        };
        format!("{report}\n{}", report.detailed())
    };
    let shown = render(env.clone());
    if let Some(secret) = secret.filter(|s| s.trim().len() >= 8) {
        // A leak: the secret shows with it, and not with a harmless key.
        let harmless: Vec<(&'static str, String)> = env
            .into_iter()
            .map(|(n, v)| if n == "FZ_API_KEY" { (n, "k".to_owned()) } else { (n, v) })
            .collect();
        let baseline = render(harmless);
        let secret = secret.trim();
        assert!(
            !shown.contains(secret) || baseline.contains(secret),
            "the secret leaked: {shown}"
        );
    }
});
