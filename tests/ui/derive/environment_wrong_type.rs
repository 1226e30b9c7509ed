use asyncgate_config::{GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(prefix = "APP")]
struct Settings {
    #[gate(environment)]
    env: String,
    #[gate(instance_id)]
    instance_id: InstanceId,
}

fn main() {}
