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
//! # With the service's own sources, in a Tokio service
//!
//! The commands load the settings the way the service does when it is
//! given the service's [`Loader`] (its flag overrides, config file and
//! injected sources) in an [`Invocation`]; with the `claims` feature,
//! [`Invocation::claims_from_settings`] makes `claims` list the store the
//! settings configure ([`ClaimConfig`](crate::claim::ClaimConfig)) instead
//! of the service's default file store. Inside `#[tokio::main]`, await
//! [`run_async`](GateCommand::run_async); the synchronous
//! [`run_with`](GateCommand::run_with) is safe anywhere too (inside a
//! runtime it lists the claims on a thread of its own, never a nested
//! runtime):
//!
//! ```
//! # use asyncgate_config::cli::{GateCommand, Invocation};
//! # use asyncgate_config::{Environment, GateConfig, InstanceId};
//! # use clap::Parser;
//! # #[derive(GateConfig)]
//! # #[gate(prefix = "MYSVC")]
//! # struct Settings {
//! #     #[gate(environment, default = "development")]
//! #     env: Environment,
//! #     #[gate(instance_id, default = "mysvc-1")]
//! #     instance_id: InstanceId,
//! #     #[gate(default = 8080)]
//! #     port: u16,
//! # }
//! #[derive(Parser)]
//! struct Cli {
//!     /// Port to listen on (overrides MYSVC_PORT).
//!     #[arg(long, global = true)]
//!     port: Option<u16>,
//!     #[command(subcommand)]
//!     command: GateCommand,
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> std::process::ExitCode {
//!     # let cli = Cli::parse_from(["mysvc", "check", "--port", "9000"]);
//!     # let _ = || Cli::parse();
//!     let mut loader = Settings::loader();
//!     # loader = loader.env([("MYSVC_ENV", "development")]);
//!     if let Some(port) = cli.port {
//!         loader = loader.set_from("port", port.to_string(), "--port");
//!     }
//!     cli.command.run_async(Invocation::new(loader)).await
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

// The enum's rustdoc is a `concat!`, which clap's derive does not read: a
// literal doc comment would become the `about` of every service's own
// command that flattens it and has no doc comment of its own.
#[doc = concat!(
    "The operator subcommands `check`, `env` and (feature `claims`) `claims`: ",
    "flatten them into a service's own `clap` subcommands (see the [module docs](self)). ",
    "Their help text is written for operators."
)]
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
    /// List every setting: its variable, type, default, the environments
    /// that require it, and what it is for.
    Env {
        /// Output format.
        #[arg(long, value_enum, default_value_t = EnvFormat::Table)]
        format: EnvFormat,
    },
    /// List the instance claims of the configured store: holder, epoch and
    /// whether it is live.
    #[cfg(feature = "claims")]
    Claims,
}

/// Output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum CheckFormat {
    /// Every setting with its source, the detection trace and all findings.
    Text,
    /// The same as JSON, for tools.
    Json,
}

/// Output formats of `env`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum EnvFormat {
    /// A table for a terminal.
    Table,
    /// A commented .env.example file.
    Dotenv,
    /// A Markdown table for a README.
    Markdown,
    /// A commented TOML config file.
    Toml,
    /// A commented YAML config file.
    Yaml,
    /// An example JSON config file.
    Json,
    /// The JSON Schema of the config file, for editors and pre-deploy checks.
    JsonSchema,
}

/// What a command runs with: the service's [`Loader`] and, for `claims`,
/// the store to list.
///
/// Made from a loader (`Invocation::new(loader)`, or a `Loader` wherever an
/// `impl Into<Invocation<S>>` is taken); `claims` then lists the service's
/// default file store, [`FileStore::default_dir_for`] its prefix.
///
/// [`FileStore::default_dir_for`]: crate::claim::FileStore::default_dir_for
#[must_use]
pub struct Invocation<S> {
    loader: Loader<S>,
    #[cfg(feature = "claims")]
    store: OpenStore<S>,
}

impl<S> std::fmt::Debug for Invocation<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invocation")
            .field("loader", &self.loader)
            .finish_non_exhaustive()
    }
}

impl<S: GateConfig> Invocation<S> {
    /// The commands read the sources of `loader`.
    pub fn new(loader: Loader<S>) -> Self {
        Invocation {
            loader,
            #[cfg(feature = "claims")]
            store: None,
        }
    }

    /// `claims` lists the store that the loaded settings configure.
    #[cfg(feature = "claims")]
    pub fn claims_from_settings(mut self) -> Self
    where
        S: crate::claim::ClaimConfig,
    {
        self.store = Some(S::claim_store);
        self
    }
}

impl<S: GateConfig> From<Loader<S>> for Invocation<S> {
    fn from(loader: Loader<S>) -> Self {
        Invocation::new(loader)
    }
}

impl GateCommand {
    /// Runs the command for settings `S` with the process's sources,
    /// writing to stdout; `claims` lists the service's default file store.
    /// Safe to call anywhere, inside a Tokio runtime too.
    pub fn run<S: GateConfig>(&self) -> ExitCode {
        self.run_with(S::loader())
    }

    /// Like [`run`](GateCommand::run), with `claims` listing the store that
    /// `S` configures.
    #[cfg(feature = "claims")]
    pub fn run_with_claims<S: GateConfig + crate::claim::ClaimConfig>(&self) -> ExitCode {
        self.run_with(Invocation::new(S::loader()).claims_from_settings())
    }

    /// Runs the command with the service's own sources (and claim store),
    /// writing to stdout. Safe to call anywhere: inside a Tokio runtime
    /// (current-thread or multi-thread) `claims` runs on a thread of its
    /// own instead of starting a nested runtime.
    pub fn run_with<S: GateConfig>(&self, invocation: impl Into<Invocation<S>>) -> ExitCode {
        let outcome = self.execute(invocation, &mut io::stdout().lock());
        exit(&outcome)
    }

    /// [`run_with`](GateCommand::run_with) for async callers
    /// (`#[tokio::main]`): `claims` runs on the caller's runtime.
    pub async fn run_async<S: GateConfig>(&self, invocation: impl Into<Invocation<S>>) -> ExitCode {
        let mut out = Vec::new();
        let outcome = self.execute_async(invocation, &mut out).await;
        let outcome = match outcome {
            Outcome::WriteFailed(_) => outcome,
            outcome => written_or(io::stdout().lock().write_all(&out), outcome),
        };
        exit(&outcome)
    }

    /// Runs the command, writing to `out`; returns how it ended. For tests
    /// and embedding. Safe to call anywhere, inside a runtime too.
    pub fn execute<S: GateConfig>(
        &self,
        invocation: impl Into<Invocation<S>>,
        out: &mut dyn Write,
    ) -> Outcome {
        let invocation = invocation.into();
        match *self {
            GateCommand::Check { format } => check(invocation.loader, format, out),
            GateCommand::Env { format } => env::<S>(format, out),
            #[cfg(feature = "claims")]
            GateCommand::Claims => claims_outcome(list_claims_blocking(invocation), out),
        }
    }

    /// [`execute`](GateCommand::execute) for async callers: `claims`
    /// awaits the store on the caller's runtime.
    pub async fn execute_async<S: GateConfig>(
        &self,
        invocation: impl Into<Invocation<S>>,
        out: &mut dyn Write,
    ) -> Outcome {
        let invocation = invocation.into();
        match *self {
            GateCommand::Check { format } => check(invocation.loader, format, out),
            GateCommand::Env { format } => env::<S>(format, out),
            #[cfg(feature = "claims")]
            GateCommand::Claims => claims_outcome(list_claims(invocation).await, out),
        }
    }
}

/// `check`: the report of the settings `loader` loads, in `format`.
fn check<S: GateConfig>(loader: Loader<S>, format: CheckFormat, out: &mut dyn Write) -> Outcome {
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

/// `env`: every setting of `S`, in `format`.
fn env<S: GateConfig>(format: EnvFormat, out: &mut dyn Write) -> Outcome {
    let schema = S::schema();
    let text = match format {
        EnvFormat::Table => schema.table(),
        EnvFormat::Dotenv => schema.env_example(),
        EnvFormat::Markdown => schema.markdown(),
        EnvFormat::Toml => schema.toml_template(),
        EnvFormat::Yaml => schema.yaml_template(),
        EnvFormat::Json => schema.json_example(),
        EnvFormat::JsonSchema => {
            let mut text = serde_json::to_string_pretty(&schema.json_schema()).unwrap_or_default();
            text.push('\n');
            text
        }
    };
    written_or(out.write_all(text.as_bytes()), Outcome::Success)
}

fn exit(outcome: &Outcome) -> ExitCode {
    if let Outcome::WriteFailed(e) = outcome {
        eprintln!("cannot write the output: {e}");
    }
    ExitCode::from(outcome.code())
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

/// The claim store `S` configures (`None`: the service's default file store).
#[cfg(feature = "claims")]
type OpenStore<S> = Option<
    for<'a> fn(
        &'a S,
    ) -> crate::claim::BoxFuture<
        'a,
        Result<Box<dyn crate::claim::ClaimStore>, crate::claim::ClaimError>,
    >,
>;

/// What listing the claims gave: the claims, or why there are none.
#[cfg(feature = "claims")]
enum Listed {
    Claims(Vec<crate::claim::ClaimInfo>),
    Invalid,
    Failed(String),
}

#[cfg(feature = "claims")]
fn claims_outcome(listed: Listed, out: &mut dyn Write) -> Outcome {
    match listed {
        Listed::Claims(claims) => written_or(
            out.write_all(crate::claim::table(&claims).as_bytes()),
            Outcome::Success,
        ),
        Listed::Invalid => Outcome::Invalid,
        Listed::Failed(reason) => {
            let _ = writeln!(io::stderr(), "{reason}");
            Outcome::StoreFailed(reason)
        }
    }
}

/// Lists the claims from synchronous code. Inside a Tokio runtime a nested
/// runtime would panic and blocking its thread could stall it: the listing
/// runs on a thread of its own, with its own current-thread runtime.
#[cfg(feature = "claims")]
fn list_claims_blocking<S: GateConfig>(invocation: Invocation<S>) -> Listed {
    let on_this_thread = move || match crate::claim::block_on(list_claims(invocation)) {
        Ok(listed) => listed,
        Err(e) => Listed::Failed(format!("cannot start the async runtime: {e}")),
    };
    if tokio::runtime::Handle::try_current().is_err() {
        return on_this_thread();
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("asyncgate-claims".to_owned())
            .spawn_scoped(scope, on_this_thread)
            .map_err(|e| format!("cannot start a thread to list the claims: {e}"))
            .and_then(|thread| {
                thread
                    .join()
                    .map_err(|_| "listing the claims failed unexpectedly".to_owned())
            })
            .unwrap_or_else(Listed::Failed)
    })
}

#[cfg(feature = "claims")]
async fn list_claims<S: GateConfig>(invocation: Invocation<S>) -> Listed {
    use crate::claim::{ClaimError, ClaimStore, FileStore};
    let loaded = match invocation.loader.load() {
        Ok(loaded) => loaded,
        Err(report) => {
            let _ = writeln!(io::stderr(), "{report}");
            return Listed::Invalid;
        }
    };
    let listed = match invocation.store {
        Some(open) => match open(&loaded).await {
            Ok(store) => store.list().await,
            Err(e) => Err(e),
        },
        None => {
            let dir = FileStore::default_dir_for(S::schema().prefix());
            match FileStore::new(&dir) {
                Ok(store) => store.list().await,
                Err(e) => Err(ClaimError::store_caused_by(
                    format!("file store {}", dir.display()),
                    e.to_string(),
                    e,
                )),
            }
        }
    };
    match listed {
        Ok(claims) => Listed::Claims(claims),
        Err(e) => Listed::Failed(e.to_string()),
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
