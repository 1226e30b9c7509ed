//! The operator subcommands for any service (feature `cli`): `check`,
//! `env` and, with `claims`, `claims`.
//!
//! A service adds them to its own `clap` command in three lines:
//!
//! ```
//! use asyncgate_config::cli::GateCommand;
//! use asyncgate_config::{Environment, GateConfig, InstanceId};
//! use clap::{Parser, Subcommand};
//!
//! #[derive(GateConfig)]
//! #[gate(prefix = "MYSVC")]
//! struct Settings {
//!     #[gate(environment, default = "development")]
//!     env: Environment,
//!     #[gate(instance_id, default = "mysvc-1")]
//!     instance_id: InstanceId,
//! }
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(subcommand)]
//!     command: Command,
//! }
//!
//! #[derive(Subcommand)]
//! enum Command {
//!     /// Serve.
//!     Start,
//!     #[command(flatten)]                                    // 1
//!     Gate(GateCommand),                                     // 2
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     # let cli = Cli::parse_from(["mysvc", "env", "--format", "markdown"]);
//!     # let _ = || Cli::parse();
//!     match cli.command {
//!         Command::Start => std::process::ExitCode::SUCCESS, // serve(...)
//!         Command::Gate(command) => command.run::<Settings>(), // 3
//!     }
//! }
//! ```
//!
//! Exit codes: 0 valid (or listed), 1 invalid (or the store failed), 2
//! usage (clap's own). Output to a closed pipe (`mysvc env | head -1`)
//! ends quietly.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::GateConfig;
use crate::load::Loader;
use crate::report::Report;
use crate::typestate::Loaded;

/// `check`, `env` and `claims`: flatten into a service's own subcommands.
#[derive(Clone, Debug, clap::Subcommand)]
#[non_exhaustive]
pub enum GateCommand {
    /// Resolve and validate the configuration without serving: every
    /// setting with its source (secrets redacted), the detection trace and
    /// all findings. Exit 0 valid, 1 invalid.
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// Every setting: env var, type, default, where it is required, doc.
    Env {
        /// Output format (`dotenv` writes a commented .env.example, `toml`
        /// a commented config file).
        #[arg(long, value_enum, default_value_t = EnvFormat::Table)]
        format: EnvFormat,
    },
    /// The instance claims of the configured store: holder, epoch, live.
    #[cfg(feature = "claims")]
    Claims,
}

/// Output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum CheckFormat {
    /// [`Report::detailed`].
    Text,
    /// The report's JSON (see [`Report`]).
    Json,
}

/// Output formats of `env`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum EnvFormat {
    /// [`Schema::table`](crate::Schema::table).
    Table,
    /// [`Schema::env_example`](crate::Schema::env_example).
    Dotenv,
    /// [`Schema::markdown`](crate::Schema::markdown).
    Markdown,
    /// [`Schema::toml_template`](crate::Schema::toml_template).
    Toml,
}

impl GateCommand {
    /// Runs the command for settings `S`, reading the process's sources and
    /// writing to stdout. `claims` lists the file store in
    /// [`FileStore::default_dir`](crate::claim::FileStore::default_dir);
    /// a service with its own store uses
    /// [`run_with_claims`](GateCommand::run_with_claims).
    pub fn run<S: GateConfig>(&self) -> ExitCode {
        Self::exit(self.execute(S::loader(), &mut io::stdout().lock()))
    }

    /// Like [`run`](GateCommand::run), with `claims` listing the store
    /// that `S` configures.
    #[cfg(feature = "claims")]
    pub fn run_with_claims<S: GateConfig + crate::claim::ClaimConfig>(&self) -> ExitCode {
        let mut out = io::stdout().lock();
        let outcome = match self {
            GateCommand::Claims => list_claims(S::loader(), &mut out, Some(S::claim_store)),
            _ => self.execute(S::loader(), &mut out),
        };
        Self::exit(outcome)
    }

    /// Runs the command with the sources of `loader`, writing to `out`;
    /// returns the exit code. For tests and embedding.
    pub fn execute<S: GateConfig>(&self, loader: Loader<S>, out: &mut dyn Write) -> Outcome {
        match self {
            GateCommand::Check { format } => {
                let report = check_report(loader);
                let written = match format {
                    CheckFormat::Text => write!(out, "{}", report.detailed()),
                    CheckFormat::Json => serde_json::to_string(&report)
                        .map_err(io::Error::other)
                        .and_then(|json| writeln!(out, "{json}")),
                };
                let verdict = if report.is_ok() {
                    Outcome::Success
                } else {
                    Outcome::Invalid
                };
                written_or(written, verdict)
            }
            GateCommand::Env { format } => {
                let schema = S::schema();
                let text = match format {
                    EnvFormat::Table => schema.table(),
                    EnvFormat::Dotenv => schema.env_example(),
                    EnvFormat::Markdown => schema.markdown(),
                    EnvFormat::Toml => schema.toml_template(),
                };
                written_or(out.write_all(text.as_bytes()), Outcome::Success)
            }
            #[cfg(feature = "claims")]
            GateCommand::Claims => list_claims(loader, out, None),
        }
    }

    fn exit(outcome: Outcome) -> ExitCode {
        if let Outcome::WriteFailed(e) = &outcome {
            eprintln!("cannot write the output: {e}");
        }
        ExitCode::from(outcome.code())
    }
}

/// How a command ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Valid, or listed: exit 0.
    Success,
    /// The configuration is invalid: exit 1.
    Invalid,
    /// The claim store could not be opened or read: exit 1.
    StoreFailed(String),
    /// The output could not be written (not a closed pipe): exit 1.
    WriteFailed(io::Error),
}

impl Outcome {
    /// The process exit code.
    pub fn code(&self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::Invalid | Outcome::StoreFailed(_) | Outcome::WriteFailed(_) => 1,
        }
    }
}

/// A closed pipe (`| head -1`) is not a failure: the reader has what it wanted.
fn written_or(written: io::Result<()>, outcome: Outcome) -> Outcome {
    match written {
        Ok(()) => outcome,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => outcome,
        Err(e) => Outcome::WriteFailed(e),
    }
}

/// The claim store `S` configures (`None`: the default file store).
#[cfg(feature = "claims")]
type OpenStore<S> = Option<
    for<'a> fn(
        &'a S,
    ) -> crate::claim::BoxFuture<
        'a,
        Result<Box<dyn crate::claim::ClaimStore>, crate::claim::ClaimError>,
    >,
>;

#[cfg(feature = "claims")]
fn list_claims<S: GateConfig>(
    loader: Loader<S>,
    out: &mut dyn Write,
    open: OpenStore<S>,
) -> Outcome {
    use crate::claim::{ClaimStore, FileStore};
    let loaded = match loader.load() {
        Ok(loaded) => loaded,
        Err(report) => {
            let _ = writeln!(io::stderr(), "{report}");
            return Outcome::Invalid;
        }
    };
    let listed = crate::claim::block_on(async {
        match open {
            Some(open) => open(&loaded).await?.list().await,
            None => {
                let dir = FileStore::default_dir();
                FileStore::new(&dir)
                    .map_err(|e| crate::claim::ClaimError::Store {
                        store: format!("file store {}", dir.display()),
                        reason: e.to_string(),
                    })?
                    .list()
                    .await
            }
        }
    });
    match listed {
        Ok(Ok(claims)) => written_or(
            out.write_all(crate::claim::table(&claims).as_bytes()),
            Outcome::Success,
        ),
        Ok(Err(e)) => {
            let _ = writeln!(io::stderr(), "{e}");
            Outcome::StoreFailed(e.to_string())
        }
        Err(e) => {
            let _ = writeln!(io::stderr(), "cannot start the async runtime: {e}");
            Outcome::StoreFailed(e.to_string())
        }
    }
}

/// What `check` reports: the validated configuration's report, or the
/// report of why it is invalid.
fn check_report<S: GateConfig>(loader: Loader<S>) -> Report {
    match loader.load().and_then(Loaded::validate) {
        Ok(validated) => validated.report(),
        Err(report) => report,
    }
}
