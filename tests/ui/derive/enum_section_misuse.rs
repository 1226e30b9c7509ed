use asyncgate_config::{Environment, GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(section)]
struct Pg {
    url: Option<String>,
}

// Every misuse of an enum section, reported together.
#[derive(GateConfig)]
#[gate(section, tag = "pg", default = "sqlite", prefix = "APP")]
#[allow(non_camel_case_types)]
enum Store {
    Pg(Pg),
    Two(Pg, Pg),
    Named { url: String },
    HttpApi,
    Http_api,
}

// An enum is a section only.
#[derive(GateConfig)]
enum Backend {
    File,
}

// `tag` belongs on an enum section.
#[derive(GateConfig)]
#[gate(prefix = "APP", tag = "kind")]
struct Settings {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "app-1")]
    instance_id: InstanceId,
}

fn main() {}
