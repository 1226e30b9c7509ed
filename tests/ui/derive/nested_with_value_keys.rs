use asyncgate_config::{Environment, GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(section)]
struct Http {
    #[gate(default = 8080)]
    port: u16,
}

#[derive(GateConfig)]
#[gate(prefix = "APP")]
struct Settings {
    #[gate(environment)]
    env: Environment,
    #[gate(instance_id)]
    instance_id: InstanceId,
    #[gate(nested, default = "8080", secret, alias = "APP_WEB")]
    http: Http,
}

fn main() {}
