//! Sources and precedence: defaults, TOML file, `.env`, environment; the
//! source of every value; secrets from `NAME_FILE`; lists; unknown names.

mod common;

use std::fs;

use asyncgate_config::ExposeSecret;
use asyncgate_config::provenance::Source;
use common::{LogLevel, Settings, loader, loader_in};

fn source_of(loaded: &asyncgate_config::Loaded<Settings>, name: &str) -> Option<Source> {
    loaded
        .resolution()
        .settings()
        .find(|(f, _)| f.name() == name)
        .and_then(|(_, r)| r.source().cloned())
}

#[test]
fn defaults_fill_every_unset_setting() {
    let loaded = loader::<Settings>(&[]).load().unwrap();
    assert_eq!(loaded.port, 8080);
    assert_eq!(loaded.ratio, 0.5);
    assert_eq!(loaded.log_level, LogLevel::Info);
    assert_eq!(loaded.timeout_secs, 30);
    assert_eq!(loaded.offset, -5);
    assert!(loaded.cors_origins.is_empty());
    assert!(loaded.database_url.is_none() && loaded.api_key.is_none());
    assert_eq!(source_of(&loaded, "port"), Some(Source::Default));
    assert_eq!(source_of(&loaded, "database_url"), None);
}

#[test]
fn precedence_is_env_then_dotenv_then_file_then_default() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("app.toml"), "port = 1001\nratio = 0.25\nlog_level = \"debug\"\ncors_origins = [\"https://a.example\"]\n").unwrap();
    fs::write(
        dir.path().join(".env"),
        "ASYNCGATE_PORT=1002\nASYNCGATE_RATIO=0.75\n",
    )
    .unwrap();
    let env = [
        ("ASYNCGATE_CONFIG_FILE", "app.toml"),
        ("ASYNCGATE_PORT", "1003"),
    ];
    let loaded = loader_in::<Settings>(dir.path(), &env).load().unwrap();
    assert_eq!(loaded.port, 1003, "environment wins over .env");
    assert_eq!(loaded.ratio, 0.75, ".env wins over the file");
    assert_eq!(
        loaded.log_level,
        LogLevel::Debug,
        "file wins over the default"
    );
    assert_eq!(loaded.cors_origins, ["https://a.example"]);
    assert_eq!(loaded.timeout_secs, 30);

    assert_eq!(
        source_of(&loaded, "port"),
        Some(Source::Env {
            var: "ASYNCGATE_PORT".into()
        })
    );
    assert!(matches!(
        source_of(&loaded, "ratio"),
        Some(Source::DotEnv { var, .. }) if var == "ASYNCGATE_RATIO"
    ));
    let Some(Source::File { key, path }) = source_of(&loaded, "log_level") else {
        panic!()
    };
    assert_eq!(key, "log_level");
    assert!(path.ends_with("app.toml"));
    assert_eq!(source_of(&loaded, "timeout_secs"), Some(Source::Default));
}

#[test]
fn dotenv_never_overrides_the_real_environment_and_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(".env"),
        "ASYNCGATE_PORT=2000\nASYNCGATE_LOG_LEVEL=warn\n",
    )
    .unwrap();
    let loaded = loader_in::<Settings>(dir.path(), &[("ASYNCGATE_PORT", "3000")])
        .load()
        .unwrap();
    assert_eq!((loaded.port, loaded.log_level), (3000, LogLevel::Warn));
    let loaded = loader_in::<Settings>(dir.path(), &[])
        .dotenv(false)
        .load()
        .unwrap();
    assert_eq!((loaded.port, loaded.log_level), (8080, LogLevel::Info));
}

#[test]
fn the_config_file_can_be_named_by_the_loader_or_in_dotenv() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.toml"), "port = 4001").unwrap();
    fs::write(dir.path().join("b.toml"), "port = 4002").unwrap();
    fs::write(dir.path().join(".env"), "ASYNCGATE_CONFIG_FILE=b.toml\n").unwrap();
    assert_eq!(
        loader_in::<Settings>(dir.path(), &[]).load().unwrap().port,
        4002
    );
    let explicit = loader_in::<Settings>(dir.path(), &[]).config_file(dir.path().join("a.toml"));
    assert_eq!(explicit.load().unwrap().port, 4001);
}

#[test]
fn empty_values_count_as_unset() {
    let env = [
        ("ASYNCGATE_PORT", ""),
        ("ASYNCGATE_LOG_LEVEL", "   "),
        ("ASYNCGATE_DATABASE_URL", ""),
        ("ASYNCGATE_ENV", ""),
    ];
    let loaded = loader::<Settings>(&env).load().unwrap();
    assert_eq!(loaded.port, 8080);
    assert_eq!(loaded.log_level, LogLevel::Info);
    assert!(loaded.database_url.is_none());
}

#[test]
fn env_names_come_from_the_schema() {
    // `timeout_secs` reads CUSTOM_TIMEOUT, not ASYNCGATE_TIMEOUT_SECS.
    let loaded = loader::<Settings>(&[("CUSTOM_TIMEOUT", "90"), ("ASYNCGATE_TIMEOUT_SECS", "5")])
        .load()
        .unwrap();
    assert_eq!(loaded.timeout_secs, 90);
    // snake_case names map whole: ASYNCGATE_ALLOW_INSECURE_DEV is one setting.
    let loaded = loader::<Settings>(&[("ASYNCGATE_ALLOW_INSECURE_DEV", "yes")])
        .load()
        .unwrap();
    assert!(loaded.allow_insecure_dev);
    let schema = <Settings as asyncgate_config::GateConfig>::schema();
    let envs: Vec<&str> = schema.fields().iter().map(|f| f.env()).collect();
    assert_eq!(
        envs[..4],
        [
            "ASYNCGATE_ENV",
            "ASYNCGATE_INSTANCE_ID",
            "ASYNCGATE_API_KEY",
            "ASYNCGATE_ALLOW_INSECURE_DEV"
        ]
    );
    assert_eq!(
        schema.field("api_key").unwrap().file_env(),
        Some("ASYNCGATE_API_KEY_FILE")
    );
    assert_eq!(schema.field("api_key").unwrap().doc(), "Shared API token.");
    assert_eq!(schema.field("port").unwrap().default(), Some("8080"));
    assert_eq!(
        schema.field("api_key").unwrap().type_name(),
        "Option<SecretString>"
    );
}

#[test]
fn lists_take_commas_or_a_json_array() {
    let loaded = loader::<Settings>(&[(
        "ASYNCGATE_CORS_ORIGINS",
        "https://a.example, https://b.example",
    )])
    .load()
    .unwrap();
    assert_eq!(
        loaded.cors_origins,
        ["https://a.example", "https://b.example"]
    );
    let loaded = loader::<Settings>(&[(
        "ASYNCGATE_CORS_ORIGINS",
        r#"["https://a.example","https://b,example"]"#,
    )])
    .load()
    .unwrap();
    assert_eq!(
        loaded.cors_origins,
        ["https://a.example", "https://b,example"]
    );
}

#[test]
fn secrets_come_from_name_file_and_are_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("api_key"), "from-file-secret-123\n").unwrap();
    let loaded = loader_in::<Settings>(dir.path(), &[("ASYNCGATE_API_KEY_FILE", "api_key")])
        .load()
        .unwrap();
    assert_eq!(
        loaded.api_key.as_ref().unwrap().expose_secret(),
        "from-file-secret-123"
    );
    let (_, record) = loaded
        .resolution()
        .settings()
        .find(|(f, _)| f.name() == "api_key")
        .unwrap();
    assert_eq!(record.value(), Some("[redacted]"));
    assert!(matches!(
        record.source(),
        Some(Source::SecretFile { var, .. }) if var == "ASYNCGATE_API_KEY_FILE"
    ));
    assert!(!format!("{loaded:?}").contains("from-file-secret-123"));
}

#[test]
fn unknown_prefixed_variables_and_file_keys_warn_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("c.toml"), "prot = 1\n").unwrap();
    let env = [
        ("ASYNCGATE_PROT", "1"),
        ("ASYNCGATE_CONFIG_FILE", "c.toml"),
        ("OTHER_PORT", "1"),
        ("ASYNCGATE_API_KEY_FILE_X", ""),
    ];
    let loaded = loader_in::<Settings>(dir.path(), &env).load().unwrap();
    let warnings: Vec<&str> = loaded.warnings().iter().map(|w| w.message()).collect();
    assert!(
        warnings
            .contains(&"unknown variable ASYNCGATE_PROT is ignored (did you mean ASYNCGATE_PORT?)"),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("unknown key `prot` in config file")
                && w.ends_with("(did you mean `port`?)")),
        "{warnings:?}"
    );
    assert!(!warnings.iter().any(|w| w.contains("OTHER_PORT")));
    assert_eq!(warnings.len(), 3, "{warnings:?}");
}
