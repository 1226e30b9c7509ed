//! The `cli` commands in the program shapes services have: called from
//! inside `#[tokio::main]` (both runtime flavours), with the service's own
//! loader and claim store, flattened into a service's own `clap` command.
#![cfg(all(feature = "cli", feature = "claims"))]

use std::path::PathBuf;

use asyncgate_config::claim::{BoxFuture, ClaimConfig, ClaimError, ClaimStore, FileStore};
use asyncgate_config::cli::{CheckFormat, EnvFormat, GateCommand, Invocation};
use asyncgate_config::load::Loader;
use asyncgate_config::{Environment, GateConfig, InstanceId};
use clap::{CommandFactory, Parser, Subcommand};

/// A service whose settings choose their own claim directory.
#[derive(Debug, GateConfig)]
#[gate(prefix = "SWEEPER")]
pub struct Sweeper {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "sweeper-1")]
    pub instance_id: InstanceId,
    #[gate(default = 8080)]
    pub port: u16,
    pub claim_dir: Option<PathBuf>,
}

impl ClaimConfig for Sweeper {
    fn claim_store(&self) -> BoxFuture<'_, Result<Box<dyn ClaimStore>, ClaimError>> {
        Box::pin(async move {
            let dir = self
                .claim_dir
                .clone()
                .expect("the tests set SWEEPER_CLAIM_DIR");
            let store = FileStore::new(&dir).map_err(|e| {
                ClaimError::store_caused_by(
                    format!("file store {}", dir.display()),
                    e.to_string(),
                    e,
                )
            })?;
            Ok(Box::new(store) as Box<dyn ClaimStore>)
        })
    }
}

/// A private claim directory holding a live claim of `sweeper-a1b2c3d4`,
/// and the claim that keeps it live.
async fn claimed_dir() -> (tempfile::TempDir, impl Sized) {
    let dir = tempfile::tempdir().unwrap();
    let claims = dir.path().join("claims");
    let store = FileStore::new(&claims).unwrap();
    let validated = loader([("SWEEPER_INSTANCE_ID", "sweeper-a1b2c3d4")])
        .load()
        .unwrap()
        .validate()
        .unwrap();
    let claimed = validated.claim(&store).await.unwrap();
    (dir, claimed)
}

fn loader<const N: usize>(env: [(&str, &str); N]) -> Loader<Sweeper> {
    Sweeper::loader().env(env).hostname("build-host").seed(7)
}

fn claims_loader(dir: &tempfile::TempDir) -> Loader<Sweeper> {
    let claims = dir.path().join("claims");
    Sweeper::loader()
        .env([("SWEEPER_CLAIM_DIR", claims.to_str().unwrap())])
        .hostname("build-host")
}

fn assert_lists_the_claim(outcome: &asyncgate_config::cli::Outcome, out: &[u8]) {
    let text = String::from_utf8_lossy(out);
    assert_eq!(outcome.code(), 0, "{outcome:?}: {text}");
    assert!(text.starts_with("INSTANCE ID"), "{text}");
    assert!(text.contains("sweeper-a1b2c3d4"), "{text}");
}

#[test]
fn claims_works_from_sync_code_inside_a_current_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (dir, _claim) = claimed_dir().await;
        // The synchronous entry point, called from async code: no nested runtime, no panic.
        let mut out = Vec::new();
        let outcome = GateCommand::Claims.execute(
            Invocation::new(claims_loader(&dir)).claims_from_settings(),
            &mut out,
        );
        assert_lists_the_claim(&outcome, &out);
    });
}

#[test]
fn claims_works_from_sync_code_inside_a_multi_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (dir, _claim) = claimed_dir().await;
        let mut out = Vec::new();
        let outcome = GateCommand::Claims.execute(
            Invocation::new(claims_loader(&dir)).claims_from_settings(),
            &mut out,
        );
        assert_lists_the_claim(&outcome, &out);
        // And from a task on a worker thread.
        let handle = tokio::spawn(async move {
            let mut out = Vec::new();
            let outcome = GateCommand::Claims.execute(
                Invocation::new(claims_loader(&dir)).claims_from_settings(),
                &mut out,
            );
            (outcome.code(), String::from_utf8(out).unwrap())
        });
        let (code, text) = handle.await.unwrap();
        assert_eq!(code, 0, "{text}");
        assert!(text.contains("sweeper-a1b2c3d4"), "{text}");
    });
}

#[tokio::test(flavor = "current_thread")]
async fn the_async_entry_point_runs_every_command_on_the_callers_runtime() {
    let (dir, _claim) = claimed_dir().await;
    let mut out = Vec::new();
    let outcome = GateCommand::Claims
        .execute_async(
            Invocation::new(claims_loader(&dir)).claims_from_settings(),
            &mut out,
        )
        .await;
    assert_lists_the_claim(&outcome, &out);

    let mut out = Vec::new();
    let check = GateCommand::Check {
        format: CheckFormat::Text,
    };
    let outcome = check
        .execute_async(loader([]).set_from("port", "9000", "--port"), &mut out)
        .await;
    let text = String::from_utf8(out).unwrap();
    assert_eq!(outcome.code(), 0, "{text}");
    assert!(
        text.contains("SWEEPER_PORT         9000  [set by the program from --port]"),
        "{text}"
    );

    let mut out = Vec::new();
    let env = GateCommand::Env {
        format: EnvFormat::Dotenv,
    };
    assert_eq!(env.execute_async(loader([]), &mut out).await.code(), 0);
    assert!(
        String::from_utf8(out)
            .unwrap()
            .contains("#SWEEPER_PORT=8080")
    );
}

#[test]
fn check_runs_with_the_services_own_loader() {
    // The service's flag override and its injected sources, not the process's.
    let mut out = Vec::new();
    let check = GateCommand::Check {
        format: CheckFormat::Json,
    };
    let outcome = check.execute(
        loader([("SWEEPER_PORT", "8081")]).set_from("port", "7000", "--port"),
        &mut out,
    );
    assert_eq!(outcome.code(), 0);
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["settings"]["port"]["value"], "7000");
    assert_eq!(
        json["settings"]["port"]["source"],
        "set by the program from --port"
    );
}

#[test]
fn claims_without_a_store_of_the_settings_lists_the_services_own_default_directory() {
    // No claims of another service: the default directory is named by the prefix.
    let dir = FileStore::default_dir_for(Sweeper::schema().prefix());
    assert!(
        dir.to_str().unwrap().contains("/sweeper-claims-"),
        "{}",
        dir.display()
    );
    assert_ne!(dir, FileStore::default_dir_for("ASYNCGATE"));
    assert_eq!(
        FileStore::default_dir(),
        FileStore::default_dir_for("ASYNCGATE")
    );
}

// A service's own command, as a team writes it: no doc comment on the
// parser, `GateCommand` flattened beside `start`.
#[derive(Parser)]
#[command(name = "ledger-sweeper")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve.
    Start,
    #[command(flatten)]
    Gate(GateCommand),
}

#[test]
fn help_shows_operator_text_and_nothing_of_the_librarys_rustdoc() {
    let help = Cli::command().render_help().to_string();
    assert_eq!(
        help,
        "\
Usage: ledger-sweeper <COMMAND>

Commands:
  start   Serve
  check   Resolve and validate the configuration without serving: every setting with its source (secrets redacted), the detection trace and all findings. Exit 0 valid, 1 invalid
  env     List every setting: its variable, type, default, the environments that require it, and what it is for
  claims  List the instance claims of the configured store: holder, epoch and whether it is live
  help    Print this message or the help of the given subcommand(s)

Options:
  -h, --help  Print help
"
    );
    let mut command = Cli::command();
    let env_help = command
        .find_subcommand_mut("env")
        .unwrap()
        .render_long_help()
        .to_string();
    assert_eq!(
        env_help,
        "\
List every setting: its variable, type, default, the environments that require it, and what it is for

Usage: env [OPTIONS]

Options:
      --format <FORMAT>
          Output format

          Possible values:
          - table:       A table for a terminal
          - dotenv:      A commented .env.example file
          - markdown:    A Markdown table for a README
          - toml:        A commented TOML config file
          - yaml:        A commented YAML config file
          - json:        An example JSON config file
          - json-schema: The JSON Schema of the config file, for editors and pre-deploy checks
          \n          [default: table]

  -h, --help
          Print help (see a summary with '-h')
"
    );
    for text in [&help, &env_help] {
        assert!(!text.contains("flatten"), "{text}");
        assert!(!text.contains("crate::") && !text.contains("[`"), "{text}");
    }
}
