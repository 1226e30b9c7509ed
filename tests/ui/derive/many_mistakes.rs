use asyncgate_config::{GateConfig, InstanceId, SecretString};

// Every mistake below is reported in one compile.
#[derive(GateConfig)]
#[gate(prefix = "app")]
struct Settings {
    #[gate(instance_id, detect(fly, herok))]
    instance_id: InstanceId,
    #[gate(secret, default = "x")]
    api_key: Option<SecretString>,
    #[gate(required_in(production))]
    port: u16,
    #[gate(colour = "blue")]
    theme: String,
}

fn main() {}
