//! `asyncgate env`: every setting of the schema, in three formats.

mod common;

use asyncgate_config::GateConfig;
use asyncgate_server::settings::Settings;
use common::run;

fn env_output(format: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &[], &["env", "--format", format]);
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn table_lists_every_setting_with_type_default_and_requirements() {
    let table = env_output("table");
    for field in Settings::schema().fields() {
        assert!(table.contains(field.env()), "{}", field.env());
    }
    let api_key = table
        .lines()
        .find(|l| l.starts_with("ASYNCGATE_API_KEY "))
        .unwrap();
    assert!(
        api_key.contains("Option<SecretString>") && api_key.contains("staging, production"),
        "{api_key}"
    );
    assert!(
        api_key.contains("yes (or ASYNCGATE_API_KEY_FILE)"),
        "{api_key}"
    );
    let port = table
        .lines()
        .find(|l| l.starts_with("ASYNCGATE_PORT "))
        .unwrap();
    assert!(port.contains("u16") && port.contains("8080"), "{port}");
}

#[test]
fn dotenv_is_a_commented_env_example_that_loads() {
    let dotenv = env_output("dotenv");
    assert!(dotenv.contains("# Shared API token for `Authorization: Bearer <token>`."));
    assert!(dotenv.contains("#ASYNCGATE_PORT=8080"));
    assert!(dotenv.contains(
        "required in: staging, production; secret; or ASYNCGATE_API_KEY_FILE=/path/to/file"
    ));
    // Uncommenting every assignment gives a .env that loads as the defaults.
    let dir = tempfile::tempdir().unwrap();
    let uncommented: String = dotenv
        .lines()
        .filter_map(|l| l.strip_prefix("#ASYNCGATE_"))
        .map(|l| format!("ASYNCGATE_{l}\n"))
        .collect();
    std::fs::write(dir.path().join(".env"), uncommented).unwrap();
    let loaded = Settings::loader()
        .env(Vec::<(String, String)>::new())
        .current_dir(dir.path())
        .load()
        .unwrap();
    assert_eq!(loaded.port, 8080);
    assert_eq!(loaded.max_list_limit, 200);
}

#[test]
fn markdown_is_a_table() {
    let md = env_output("markdown");
    assert!(md.starts_with("| Variable | Type | Default | Required in | Secret | Description |"));
    assert_eq!(md.lines().count(), Settings::schema().fields().len() + 2);
    assert!(md.contains("| `ASYNCGATE_PORT` | `u16` | `8080` |"));
}
