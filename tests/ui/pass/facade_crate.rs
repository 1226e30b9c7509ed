// A third crate that knows only its platform's facade, which re-exports
// `asyncgate_config`.
use asyncgate_facade::asyncgate_config::{self as config, Environment, InstanceId};

#[derive(config::GateConfig)]
#[gate(crate = "asyncgate_facade::asyncgate_config", prefix = "APP")]
pub struct Settings {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "app-1", detect(kubernetes))]
    pub instance_id: InstanceId,
    #[gate(secret)]
    pub api_key: Option<config::SecretString>,
    #[gate(default = 8080)]
    pub port: u16,
}

fn main() {
    use config::GateConfig as _;
    let settings = Settings::loader()
        .env([("APP_PORT", "9090")])
        .dotenv(false)
        .load()
        .and_then(config::Loaded::validate)
        .unwrap();
    assert_eq!(settings.port, 9090);
}
