use asyncgate_config::{Environment, GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(section)]
struct Cluster {
    // `ORDERS_STORE_PG_MAIN_URL` ...
    main_url: Option<String>,
}

#[derive(GateConfig)]
#[gate(section)]
struct Replica {
    // ... and `ORDERS_STORE_PG_MAIN_URL` again, through another variant.
    url: Option<String>,
}

#[derive(GateConfig)]
#[gate(section)]
enum Store {
    Pg(Cluster),
    PgMain(Replica),
}

#[derive(GateConfig)]
#[gate(prefix = "ORDERS")]
struct Settings {
    #[gate(environment)]
    env: Environment,
    #[gate(instance_id)]
    instance_id: InstanceId,
    #[gate(nested)]
    store: Store,
}

fn main() {}
