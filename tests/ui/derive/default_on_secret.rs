use asyncgate_config::{Environment, GateConfig, InstanceId, SecretString};

#[derive(GateConfig)]
#[gate(prefix = "APP")]
struct Settings {
    #[gate(environment)]
    env: Environment,
    #[gate(instance_id)]
    instance_id: InstanceId,
    #[gate(secret, default = "changeme")]
    api_key: SecretString,
}

fn main() {}
