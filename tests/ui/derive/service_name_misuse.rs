use asyncgate_config::{Environment, GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(prefix = "APP", service_name = " orders ")]
struct Spaced {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "app-1")]
    instance_id: InstanceId,
}

#[derive(GateConfig)]
#[gate(prefix = "APP", service_name = "")]
struct Empty {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "app-1")]
    instance_id: InstanceId,
}

#[derive(GateConfig)]
#[gate(section, service_name = "db")]
struct Database {
    #[gate(default = 5)]
    pool_size: u32,
}

#[derive(GateConfig)]
#[gate(prefix = "APP", service_name = "a", service_name = "b")]
struct Twice {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "app-1")]
    instance_id: InstanceId,
}

fn main() {}
