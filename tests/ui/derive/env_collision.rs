use asyncgate_config::{Environment, GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(prefix = "APP")]
struct Settings {
    #[gate(environment)]
    env: Environment,
    #[gate(instance_id)]
    instance_id: InstanceId,
    database_url: Option<String>,
    #[gate(env = "APP_DATABASE_URL")]
    db: Option<String>,
}

fn main() {}
