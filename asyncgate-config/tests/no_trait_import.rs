//! A struct derived as `#[derive(asyncgate_config::GateConfig)]`, in a
//! file that does not import the trait: `Settings::load()` and
//! `Settings::loader()` are callable all the same.

/// Settings derived by path.
#[derive(Debug, asyncgate_config::GateConfig)]
#[gate(prefix = "PLAIN")]
struct Settings {
    #[gate(environment, default = "development")]
    env: asyncgate_config::Environment,
    #[gate(instance_id, default = "plain-1")]
    instance_id: asyncgate_config::InstanceId,
    #[gate(default = 8080)]
    port: u16,
}

#[test]
fn load_and_loader_need_no_trait_in_scope() {
    let settings = Settings::loader()
        .env([("PLAIN_PORT", "9000")])
        .load()
        .unwrap()
        .validate()
        .unwrap();
    assert_eq!(settings.port, 9000);
    assert!(settings.env.is_development());
    assert_eq!(settings.instance_id.as_str(), "plain-1");
    // The process's own sources: this test sets no PLAIN_* variable.
    let _: fn() -> Result<asyncgate_config::Loaded<Settings>, asyncgate_config::Report> =
        Settings::load;
}
