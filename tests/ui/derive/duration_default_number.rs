use std::time::Duration;

use asyncgate_config::{Environment, GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(prefix = "APP")]
pub struct Settings {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "app-1")]
    pub instance_id: InstanceId,
    #[gate(default = 30)]
    pub timeout: Duration,
}

fn main() {}
