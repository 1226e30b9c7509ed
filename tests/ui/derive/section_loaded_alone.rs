use asyncgate_config::GateConfig;

#[derive(GateConfig)]
#[gate(section)]
struct Http {
    #[gate(default = 8080)]
    port: u16,
}

fn main() {
    let _ = Http::load();
}
