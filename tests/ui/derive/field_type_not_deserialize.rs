use asyncgate_config::{Environment, GateConfig, InstanceId};

struct Opaque;

#[derive(GateConfig)]
#[gate(prefix = "APP")]
struct Settings {
    #[gate(environment)]
    env: Environment,
    #[gate(instance_id)]
    instance_id: InstanceId,
    opaque: Opaque,
}

fn main() {}
