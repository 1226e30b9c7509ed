use asyncgate_config::claim::Claimed;
use asyncgate_config::{Environment, GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(prefix = "APP")]
pub struct Settings {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "app-1")]
    pub instance_id: InstanceId,
}

fn serve(settings: Claimed<Settings>) -> u64 {
    settings.epoch()
}

fn main() {
    let validated = Settings::load().unwrap().validate().unwrap();
    serve(Claimed { validated, held: anything() });
}

fn anything<T>() -> T {
    loop {}
}
