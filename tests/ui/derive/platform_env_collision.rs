use asyncgate_config::{Environment, GateConfig, InstanceId};

// `platform` would read APP_PLATFORM, the operator's override of detection.
#[derive(GateConfig)]
#[gate(prefix = "APP")]
struct Settings {
    #[gate(environment)]
    env: Environment,
    #[gate(instance_id)]
    instance_id: InstanceId,
    platform: Option<String>,
}

fn main() {}
