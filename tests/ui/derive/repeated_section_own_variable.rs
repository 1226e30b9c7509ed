use asyncgate_config::{Environment, GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(section)]
struct Upstream {
    // Every element would read this one variable.
    #[gate(env = "UPSTREAM_URL")]
    url: String,
}

#[derive(GateConfig)]
#[gate(prefix = "APP")]
struct Settings {
    #[gate(environment)]
    env: Environment,
    #[gate(instance_id)]
    instance_id: InstanceId,
    #[gate(nested)]
    upstreams: Vec<Upstream>,
}

fn main() {}
