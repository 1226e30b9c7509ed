use asyncgate_config::GateConfig;

#[derive(GateConfig)]
#[gate(prefix = "APP")]
enum Settings {
    A,
}

fn main() {}
