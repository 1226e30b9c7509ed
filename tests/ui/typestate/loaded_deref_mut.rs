#![allow(unused_mut)] // even a mutable binding cannot assign through it
use asyncgate_config::{Environment, GateConfig, InstanceId, Validated};

#[derive(GateConfig)]
#[gate(prefix = "APP")]
pub struct Settings {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "app-1")]
    pub instance_id: InstanceId,
    #[gate(default = 8080)]
    pub port: u16,
}

fn serve(settings: Validated<Settings>) -> u16 {
    settings.port
}

fn main() {
    let mut loaded = Settings::load().unwrap();
    loaded.port = 1;
    let _ = serve(loaded.validate().unwrap());
}
