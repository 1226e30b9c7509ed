use asyncgate_config::GateConfig;

#[derive(GateConfig)]
#[gate(prefix = "APP")]
union Settings {
    a: u32,
    b: f32,
}

fn main() {}
