//! The `cli` feature's operator commands, run in-process with injected
//! sources: exit codes, output formats, and writers that fail.
#![cfg(feature = "cli")]

mod common;

use std::io::{self, Write};

use asyncgate_config::GateConfig;
use asyncgate_config::cli::{CheckFormat, EnvFormat, GateCommand};
use clap::{Parser, Subcommand};
use common::{PROD, Settings, loader, with};

fn run(command: &GateCommand, env: &[(&str, &str)]) -> (u8, String) {
    let mut out = Vec::new();
    let code = command.execute(loader::<Settings>(env), &mut out).code();
    (code, String::from_utf8(out).unwrap())
}

#[test]
fn check_exits_0_when_valid_and_1_when_invalid() {
    let check = GateCommand::Check {
        format: CheckFormat::Text,
    };
    let (code, text) = run(&check, &with(&PROD, &[("ASYNCGATE_INSTANCE_ID", "w-1")]));
    assert_eq!(code, 0, "{text}");
    assert!(
        text.starts_with("configuration valid: 0 error(s), 1 warning(s)"),
        "{text}"
    );
    assert!(text.contains(
        "Warnings:\n  warning[instance_id]: instance_id='w-1' is only 3 characters long"
    ));
    assert!(text.contains("[redacted]") && !text.contains("k-test-0123456789"));

    let (code, text) = run(
        &check,
        &with(&PROD, &[("ASYNCGATE_INSTANCE_ID", "localhost")]),
    );
    assert_eq!(code, 1);
    assert!(
        text.starts_with("configuration INVALID: 1 error(s)"),
        "{text}"
    );
}

#[test]
fn check_json_is_the_reports_serialization() {
    let check = GateCommand::Check {
        format: CheckFormat::Json,
    };
    let (code, text) = run(&check, &[("ASYNCGATE_PORT", "http")]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["findings"][0]["env_var"], "ASYNCGATE_PORT");
    assert_eq!(json["settings"]["port"]["value"], serde_json::Value::Null);
}

#[test]
fn env_prints_every_format_from_the_schema() {
    let schema = Settings::schema();
    for (format, expected) in [
        (EnvFormat::Table, schema.table()),
        (EnvFormat::Dotenv, schema.env_example()),
        (EnvFormat::Markdown, schema.markdown()),
        (EnvFormat::Toml, schema.toml_template()),
        (EnvFormat::Yaml, schema.yaml_template()),
        (EnvFormat::Json, schema.json_example()),
    ] {
        let (code, text) = run(&GateCommand::Env { format }, &[]);
        assert_eq!((code, &text), (0, &expected), "{format:?}");
    }
    let toml = schema.toml_template();
    assert!(toml.contains("#port = 8080\n"), "{toml}");
    assert!(toml.contains("#ratio = 0.5\n"), "{toml}");
    assert!(toml.contains("#log_level = \"info\"\n"), "{toml}");
    assert!(toml.contains("#offset = -5\n"), "{toml}");
    assert!(
        toml.contains("# (a secret: set ASYNCGATE_API_KEY or ASYNCGATE_API_KEY_FILE rather than writing it here)\n"),
        "{toml}"
    );
}

/// The TOML template, uncommented, loads as a config file with the same values.
#[test]
fn the_toml_template_loads_back_to_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let uncommented: String = Settings::schema()
        .toml_template()
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .filter(|l| l.contains(" = ") && !l.trim_end().ends_with('='))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.path().join("c.toml"), &uncommented).unwrap();
    let loaded = loader::<Settings>(&[("ASYNCGATE_CONFIG_FILE", "c.toml")])
        .current_dir(dir.path())
        .load()
        .unwrap();
    assert_eq!((loaded.port, loaded.ratio, loaded.offset), (8080, 0.5, -5));
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
}

struct Failing(io::ErrorKind);

impl Write for Failing {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::from(self.0))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_closed_pipe_ends_quietly_and_a_full_disk_fails() {
    let env_cmd = GateCommand::Env {
        format: EnvFormat::Table,
    };
    let code = env_cmd
        .execute(
            loader::<Settings>(&[]),
            &mut Failing(io::ErrorKind::BrokenPipe),
        )
        .code();
    assert_eq!(code, 0, "`env | head -1` is not an error");
    let code = env_cmd
        .execute(
            loader::<Settings>(&[]),
            &mut Failing(io::ErrorKind::StorageFull),
        )
        .code();
    assert_eq!(code, 1, "a full disk is");
}

/// Three lines in a service's own clap command, as the module docs show.
#[test]
fn flattens_into_a_services_subcommands() {
    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }
    #[derive(Subcommand)]
    enum Command {
        Start,
        #[command(flatten)]
        Gate(GateCommand),
    }
    let parsed = Cli::try_parse_from(["svc", "check", "--format", "json"]).unwrap();
    assert!(matches!(
        parsed.command,
        Command::Gate(GateCommand::Check {
            format: CheckFormat::Json
        })
    ));
    assert!(matches!(
        Cli::try_parse_from(["svc", "start"]).unwrap().command,
        Command::Start
    ));
    let err = Cli::try_parse_from(["svc", "env", "--format", "ini"])
        .err()
        .unwrap();
    assert_eq!(err.exit_code(), 2);
}

/// `env --format json-schema` prints the schema's JSON Schema, ready to
/// save beside the config file under the name the templates' hint names.
#[test]
fn env_prints_the_json_schema() {
    let mut out = Vec::new();
    let code = GateCommand::Env {
        format: EnvFormat::JsonSchema,
    }
    .execute(loader::<Settings>(&[]), &mut out)
    .code();
    assert_eq!(code, 0);
    let printed: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(printed, Settings::schema().json_schema());
    assert_eq!(
        printed["properties"]["port"]["x-asyncgate-env"],
        "ASYNCGATE_PORT"
    );
    assert!(out.ends_with(b"}\n"));
}
