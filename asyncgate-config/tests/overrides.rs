//! `Loader::set` / `set_from`: the program's own values, above every
//! source, with honest provenance.

mod common;

use common::{Settings, loader, loader_in};

#[test]
fn an_override_wins_over_every_source_and_says_where_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "ASYNCGATE_PORT=7001\n").unwrap();
    std::fs::write(dir.path().join("c.toml"), "port = 7002\n").unwrap();
    let env = [
        ("ASYNCGATE_PORT", "7003"),
        ("ASYNCGATE_CONFIG_FILE", "c.toml"),
    ];
    let loaded = loader_in::<Settings>(dir.path(), &env)
        .set_from("port", "7004", "--port")
        .load()
        .unwrap();
    assert_eq!(loaded.port, 7004);
    let (_, record) = loaded
        .resolution()
        .settings()
        .find(|(f, _)| f.name() == "port")
        .unwrap();
    assert_eq!(
        record.source().unwrap().to_string(),
        "set by the program from --port"
    );
    assert_eq!(record.source().unwrap().kind(), "override");
    // Without an origin; the last `set` of a path wins.
    let loaded = loader::<Settings>(&[])
        .set("port", "1")
        .set("port", "2")
        .load()
        .unwrap();
    assert_eq!(loaded.port, 2);
    let (_, record) = loaded
        .resolution()
        .settings()
        .find(|(f, _)| f.name() == "port")
        .unwrap();
    assert_eq!(record.source().unwrap().to_string(), "set by the program");
}

#[test]
fn an_override_can_set_the_instance_id_and_secrets() {
    let loaded = loader::<Settings>(&[("ASYNCGATE_ENV", "production")])
        .set_from("instance_id", "node-7f3c9e21", "--instance-id")
        .set("api_key", "k-0123456789")
        .load()
        .and_then(asyncgate_config::Loaded::validate)
        .unwrap();
    assert_eq!(loaded.resolution().instance_id().as_str(), "node-7f3c9e21");
    assert_eq!(
        loaded.resolution().instance_id_origin(),
        asyncgate_config::provenance::InstanceIdOrigin::Configured
    );
}

#[test]
fn an_unknown_path_is_an_error_with_a_suggestion() {
    let report = loader::<Settings>(&[])
        .set_from("prot", "1", "--prot")
        .load()
        .unwrap_err();
    assert_eq!(
        report.errors().next().unwrap().message(),
        "the program set `prot` from --prot, which names no setting (did you mean `port`?)"
    );
}

#[test]
fn a_bad_override_value_names_its_origin() {
    let report = loader::<Settings>(&[])
        .set_from("port", "eighty", "--port")
        .load()
        .unwrap_err();
    let error = report.errors().next().unwrap();
    assert!(
        error.message().contains("invalid value for `port` (u16)"),
        "{error}"
    );
    assert_eq!(error.remedy(), Some("give --port a valid u16"));
    assert_eq!(
        error.source().unwrap().to_string(),
        "set by the program from --port"
    );
}
