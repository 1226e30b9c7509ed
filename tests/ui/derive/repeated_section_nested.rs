//! A list or map of sections inside the elements of another: an element's
//! settings are named by one index or key, so the shape does not compile.

use std::collections::BTreeMap;

use asyncgate_config::{Environment, GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(section)]
struct Member {
    database: String,
}

#[derive(GateConfig)]
#[gate(section)]
struct Pool {
    #[gate(nested)]
    members: BTreeMap<String, Member>,
}

#[derive(GateConfig)]
#[gate(prefix = "APP")]
struct Settings {
    #[gate(environment)]
    env: Environment,
    #[gate(instance_id)]
    instance_id: InstanceId,
    #[gate(nested)]
    pools: Vec<Pool>,
}

fn main() {}
