use asyncgate_config::{Environment, GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(prefix = "APP")]
struct Settings {
    #[gate(environment)]
    env: Environment,
    #[gate(instance_id)]
    instance_id: InstanceId,
    #[gate(nested)]
    proxy: Option<String>,
}

fn main() {}
