use asyncgate_config::{Environment, GateConfig};

#[derive(GateConfig)]
#[gate(prefix = "APP")]
struct Settings(Environment, u16);

fn main() {}
