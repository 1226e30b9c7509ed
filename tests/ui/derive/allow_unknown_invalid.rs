use asyncgate_config::{Environment, GateConfig, InstanceId};

#[derive(GateConfig)]
#[gate(
    prefix = "APP",
    allow_unknown = "app_legacy",
    allow_unknown = "OTHER_*",
    allow_unknown = "APP_*_MODE",
    allow_unknown = "APP_BUILD_SHA",
    allow_unknown = "APP_BUILD_SHA"
)]
struct Settings {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "app-1")]
    instance_id: InstanceId,
}

#[derive(GateConfig)]
#[gate(section, allow_unknown = "APP_X")]
struct Http {
    #[gate(default = 8080)]
    port: u16,
}

fn main() {}
