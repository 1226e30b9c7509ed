use asyncgate_config::{Environment, GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(section)]
struct Database {
    url: Option<String>,
}

#[derive(GateConfig)]
#[gate(prefix = "APP")]
struct Settings {
    #[gate(environment)]
    env: Environment,
    #[gate(instance_id)]
    instance_id: InstanceId,
    database_url: Option<String>,
    #[gate(nested)]
    database: Database,
}

fn main() {}
