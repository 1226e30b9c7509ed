//! `asyncgate`: the reference server.
//!
//! - `asyncgate start`: load, validate, claim and serve; an invalid
//!   configuration exits 78 (EX_CONFIG) before the port is bound.
//! - `asyncgate check [--format text|json]`, `asyncgate env [--format
//!   table|dotenv|markdown|toml|yaml|json]` and `asyncgate claims`: the library's
//!   operator commands (`asyncgate_config::cli::GateCommand`).
//!
//! Exit codes: 0 ok, 1 failure, 2 usage, 69 claim lost while serving,
//! 75 instance id claimed by another live replica, 78 invalid configuration.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use asyncgate_config::cli::GateCommand;
use asyncgate_server::settings::Settings;
use asyncgate_server::start::{StartError, claim_and_serve};
use clap::{Parser, Subcommand};
use tracing_subscriber::filter::{LevelFilter, Targets};

#[derive(Debug, Parser)]
#[command(
    name = "asyncgate",
    version,
    about = "AsyncGate reference server for asyncgate-config"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load, validate, claim the instance id and serve (ASYNCGATE_HOST:ASYNCGATE_PORT).
    Start,
    #[command(flatten)]
    Gate(GateCommand),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Start => start(),
        Command::Gate(command) => command.run_with_claims::<Settings>(),
    }
}

/// Logs to stderr at `RUST_LOG` (`info`, `asyncgate_config=debug,warn`, ...)
/// or, until the settings are read, INFO.
fn init_logs() -> tracing_subscriber::reload::Handle<Targets, tracing_subscriber::Registry> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO));
    let (filter, handle) = tracing_subscriber::reload::Layer::new(filter);
    tracing_subscriber::registry()
        .with(filter)
        // Colours only for a terminal: a log file or collector gets text.
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
        )
        .init();
    handle
}

const INSECURE_BANNER: &str = "
  ****************************************************************
  *  INSECURE DEV MODE: requests are served WITHOUT an API key.   *
  *  Anyone who can reach this port can use every /v1/ route.     *
  *  Never set ASYNCGATE_ALLOW_INSECURE_DEV outside development.  *
  ****************************************************************";

fn start() -> ExitCode {
    match run_start() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}

fn run_start() -> Result<(), StartError> {
    let logs = init_logs();
    let settings = Settings::load()
        .and_then(asyncgate_config::Loaded::validate)
        .map_err(|report| StartError::Invalid(Box::new(report)))?;
    if std::env::var_os("RUST_LOG").is_none() {
        let level = settings.log_level.level();
        let _ = logs.modify(|filter| *filter = Targets::new().with_default(level));
    }
    if settings.allow_insecure_dev {
        tracing::warn!("{INSECURE_BANNER}");
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(StartError::Runtime)?
        .block_on(claim_and_serve(settings))
}
