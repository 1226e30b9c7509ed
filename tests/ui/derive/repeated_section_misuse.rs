use std::collections::{BTreeMap, HashMap};

use asyncgate_config::{Environment, GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(section)]
struct Tenant {
    database: String,
}

#[derive(GateConfig)]
#[gate(prefix = "APP")]
struct Settings {
    #[gate(environment)]
    env: Environment,
    #[gate(instance_id)]
    instance_id: InstanceId,
    // A list of plain values needs no `nested`.
    #[gate(nested)]
    hosts: Vec<String>,
    // A map of sections is keyed by name.
    #[gate(nested)]
    shards: BTreeMap<u32, Tenant>,
    #[gate(nested)]
    regions: HashMap<char, Tenant>,
}

fn main() {}
