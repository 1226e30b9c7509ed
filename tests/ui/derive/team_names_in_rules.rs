use asyncgate_config::{Environment, GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(prefix = "ORDERS")]
struct Orders {
    #[gate(environment, default = "dev", names(dev = "development", prod = "production"))]
    env: Environment,
    #[gate(instance_id, default = "orders-1")]
    instance_id: InstanceId,
    #[gate(required_in(prd, staging))]
    api_key: Option<String>,
    #[gate(default = false, forbidden_in(qa))]
    fixtures: bool,
}

fn main() {}
