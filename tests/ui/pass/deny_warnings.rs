//! Generated code is clean under strict lints in the user's crate.
#![deny(warnings, missing_docs, unused, rust_2018_idioms, unreachable_pub, missing_debug_implementations)]
#![forbid(unsafe_code)]

use asyncgate_config::{Environment, GateConfig, InstanceId, SecretString, Validated};

/// Settings.
#[derive(Debug, GateConfig)]
#[gate(prefix = "STRICT")]
pub struct Settings {
    /// Environment.
    #[gate(environment, default = "development")]
    pub env: Environment,
    /// Instance id.
    #[gate(instance_id, default = "strict-1")]
    pub instance_id: InstanceId,
    /// Key.
    #[gate(secret, required_in(production))]
    pub api_key: Option<SecretString>,
}

fn serve(settings: &Validated<Settings>) -> &str {
    settings.instance_id.as_str()
}

fn main() {
    let settings = Settings::loader().env([("STRICT_ENV", "development")]).dotenv(false).load().unwrap().validate().unwrap();
    assert_eq!(serve(&settings), "strict-1");
}
