use asyncgate_config::{Environment, GateConfig, InstanceId, Validated};

#[derive(GateConfig)]
#[gate(prefix = "APP")]
pub struct Settings {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "app-1")]
    pub instance_id: InstanceId,
    #[gate(default = 8080)]
    pub port: u16,
}

fn serve(settings: Validated<Settings>) -> u16 {
    settings.port
}

fn settings() -> Settings {
    loop {}
}

fn main() {
    serve(Validated { value: settings(), resolution: todo() });
}

fn todo<T>() -> T {
    loop {}
}
