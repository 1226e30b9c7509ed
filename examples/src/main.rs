//! `asyncgate`: the reference server.
//!
//! - `asyncgate start`: load, validate and serve; an invalid configuration
//!   exits 78 (EX_CONFIG) before the port is bound.
//! - `asyncgate check [--format text|json]`: resolve and validate only.
//! - `asyncgate env [--format table|dotenv|markdown]`: every setting.

use std::process::ExitCode;

use asyncgate_config::{GateConfig, Report, Validated};
use asyncgate_examples::check::CheckOutcome;
use asyncgate_examples::settings::Settings;
use asyncgate_examples::{env_doc, server};
use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

/// sysexits.h EX_CONFIG: the configuration is invalid.
const EX_CONFIG: u8 = 78;

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
    /// Load, validate and serve (ASYNCGATE_HOST:ASYNCGATE_PORT).
    Start,
    /// Resolve and validate without serving: exit 0 valid, 1 invalid.
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// Every setting: env var, type, default, where required, doc.
    Env {
        /// Output format (`dotenv` writes a commented .env.example).
        #[arg(long, value_enum, default_value_t = EnvFormat::Table)]
        format: EnvFormat,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum EnvFormat {
    Table,
    Dotenv,
    Markdown,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Start => start(),
        Command::Check { format } => check(format),
        Command::Env { format } => {
            let schema = Settings::schema();
            let text = match format {
                EnvFormat::Table => env_doc::table(schema),
                EnvFormat::Dotenv => env_doc::dotenv(schema),
                EnvFormat::Markdown => env_doc::markdown(schema),
            };
            print!("{text}");
            ExitCode::SUCCESS
        }
    }
}

fn load() -> Result<Validated<Settings>, Report> {
    Settings::load()?.validate()
}

fn check(format: CheckFormat) -> ExitCode {
    let outcome = CheckOutcome::new(&load());
    match format {
        CheckFormat::Text => print!("{}", outcome.to_text()),
        CheckFormat::Json => println!("{}", outcome.to_json()),
    }
    if outcome.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn init_logs() -> tracing_subscriber::reload::Handle<EnvFilter, tracing_subscriber::Registry> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (filter, handle) = tracing_subscriber::reload::Layer::new(filter);
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
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
    let logs = init_logs();
    let settings = match load() {
        Ok(settings) => settings,
        Err(report) => {
            eprintln!("{report}");
            eprintln!(
                "\nasyncgate: not starting: fix the configuration above (`asyncgate check` shows every setting and its source)"
            );
            return ExitCode::from(EX_CONFIG);
        }
    };
    if std::env::var_os("RUST_LOG").is_none() {
        let level = settings.log_level.directive();
        let _ = logs.modify(|filter| *filter = EnvFilter::new(level));
    }
    if settings.allow_insecure_dev {
        tracing::warn!("{INSECURE_BANNER}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("asyncgate: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(settings))
}

async fn serve(settings: Validated<Settings>) -> ExitCode {
    let addr = (settings.host.as_str(), settings.port);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "asyncgate: cannot listen on {}:{} (ASYNCGATE_HOST, ASYNCGATE_PORT): {e}",
                settings.host, settings.port
            );
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(local) => tracing::info!("Listening on http://{local}"),
        Err(e) => tracing::warn!("listening, but the local address is unknown: {e}"),
    }
    let app = server::router(&settings);
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
        Ok(()) => {
            tracing::info!("Shut down cleanly");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("asyncgate: server error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(e) => {
                    tracing::warn!("cannot listen for SIGTERM: {e}");
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("Shutdown signal received; draining connections");
}
