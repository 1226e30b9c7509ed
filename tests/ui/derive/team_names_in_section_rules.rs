use asyncgate_config::{Environment, GateConfig, InstanceId};

// A section cannot see the names of the struct that nests it: the loaded
// struct checks them when it compiles.
#[derive(GateConfig)]
#[gate(section)]
struct Database {
    #[gate(required_in(prd))]
    url: Option<String>,
}

#[derive(GateConfig)]
#[gate(prefix = "ORDERS")]
struct Orders {
    #[gate(environment, default = "dev", names(dev = "development", prod = "production"))]
    env: Environment,
    #[gate(instance_id, default = "orders-1")]
    instance_id: InstanceId,
    #[gate(nested)]
    database: Database,
}

fn main() {}
