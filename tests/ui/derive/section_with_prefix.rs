use asyncgate_config::GateConfig;

#[derive(GateConfig)]
#[gate(section, prefix = "HTTP", deny_unknown)]
struct Http {
    #[gate(default = 8080)]
    port: u16,
}

fn main() {}
