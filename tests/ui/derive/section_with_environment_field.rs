use asyncgate_config::{Environment, GateConfig};

#[derive(GateConfig)]
#[gate(section)]
struct Http {
    #[gate(environment)]
    env: Environment,
    #[gate(default = 8080)]
    port: u16,
}

fn main() {}
