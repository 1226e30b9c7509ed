use asyncgate_config::{Environment, GateConfig, InstanceId, SecretString};

#[derive(GateConfig)]
#[gate(prefix = "APP")]
struct Settings {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "app-1")]
    instance_id: InstanceId,
    #[gate(min_len = 16)]
    name: Option<String>,
    #[gate(secret, min_len = 0)]
    api_key: Option<SecretString>,
    #[gate(secret, min_len = 100000)]
    token: Option<SecretString>,
}

fn main() {}
