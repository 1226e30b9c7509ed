//! `asyncgate`: the reference server.
//!
//! - `asyncgate start`: load, validate and serve; an invalid configuration
//!   exits 78 (EX_CONFIG) before the port is bound.
//! - `asyncgate check [--format text|json]`: resolve and validate only.
//! - `asyncgate env [--format table|dotenv|markdown]`: every setting.
//! - `asyncgate claims`: the instance claims of the configured store.
//!
//! Exit codes: 0 ok, 1 failure, 2 usage, 69 claim lost while serving,
//! 75 instance id claimed by another live replica, 78 invalid configuration.

use std::process::ExitCode;

use std::time::Duration;

use asyncgate_config::{ClaimError, Claimed, GateConfig, Report, Validated};
use asyncgate_examples::check::CheckOutcome;
use asyncgate_examples::claims::{self, Store};
use asyncgate_examples::settings::Settings;
use asyncgate_examples::{env_doc, server};
use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::filter::{LevelFilter, Targets};

/// sysexits.h EX_CONFIG: the configuration is invalid.
const EX_CONFIG: u8 = 78;
/// sysexits.h EX_TEMPFAIL: another live replica holds this instance id.
const EX_TEMPFAIL: u8 = 75;
/// sysexits.h EX_UNAVAILABLE: the claim was lost while serving.
const EX_UNAVAILABLE: u8 = 69;

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
    /// The instance claims of the configured store: holder, epoch, live.
    Claims,
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
        Command::Claims => list_claims(),
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
        let level = settings.log_level.level();
        let _ = logs.modify(|filter| *filter = Targets::new().with_default(level));
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
    runtime.block_on(claim_and_serve(settings))
}

fn runtime() -> Result<tokio::runtime::Runtime, std::io::Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

fn list_claims() -> ExitCode {
    let settings = match Settings::load() {
        Ok(loaded) => loaded,
        Err(report) => {
            eprintln!("{report}");
            return ExitCode::from(EX_CONFIG);
        }
    };
    let result = runtime().map_err(|e| e.to_string()).and_then(|rt| {
        rt.block_on(async {
            let store = Store::open(&settings).await?;
            store.as_dyn().list().await.map_err(|e| e.to_string())
        })
    });
    match result {
        Ok(list) => {
            print!("{}", claims::format_claims(&list));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("asyncgate: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Why serving stopped.
#[derive(Clone, Debug)]
enum Stop {
    Signal,
    Lost(String),
}

async fn claim_and_serve(settings: Validated<Settings>) -> ExitCode {
    let store = match Store::open(&settings).await {
        Ok(store) => store,
        Err(e) => {
            eprintln!("asyncgate: not starting: {e}");
            return ExitCode::FAILURE;
        }
    };
    let claimed = match settings.claim(store.as_dyn()).await {
        Ok(claimed) => claimed,
        Err(e @ ClaimError::Held { .. }) => {
            eprintln!("asyncgate: not starting: {e}");
            eprintln!(
                "  fix: give every replica its own ASYNCGATE_INSTANCE_ID (or leave it unset on a platform that is auto-detected), \
                 or stop the other process first; `asyncgate claims` lists the holders"
            );
            return ExitCode::from(EX_TEMPFAIL);
        }
        Err(e) => {
            eprintln!("asyncgate: not starting: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = store.prepare().await {
        eprintln!("asyncgate: not starting: {e}");
        return ExitCode::FAILURE;
    }
    serve(claimed, store).await
}

async fn serve(claimed: Claimed<Settings>, store: Store) -> ExitCode {
    let signal = match shutdown_signal() {
        Ok(signal) => signal,
        Err(e) => {
            eprintln!("asyncgate: cannot install the SIGTERM/SIGINT handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = (claimed.host.clone(), claimed.port);
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "asyncgate: cannot listen on {}:{} (ASYNCGATE_HOST, ASYNCGATE_PORT): {e}",
                addr.0, addr.1
            );
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(local) => tracing::info!("Listening on http://{local}"),
        Err(e) => tracing::warn!("listening, but the local address is unknown: {e}"),
    }
    let app = server::router(&claimed);

    // Serving stops on SIGTERM/SIGINT or when the claim is lost; partition
    // work stops first.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(None::<Stop>);
    // The first reason to stop wins.
    let set_stop = move |stop: Stop| {
        stop_tx.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            *current = Some(stop);
            true
        });
    };
    let mut lost = claimed.watch();
    let watcher = {
        let set_stop = set_stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = signal => set_stop(Stop::Signal),
                reason = lost.lost() => set_stop(Stop::Lost(reason)),
            }
        })
    };
    let interval = Duration::from_secs(u64::from(claimed.lease_sweep_interval_seconds.max(1)));
    let stopped = |mut rx: tokio::sync::watch::Receiver<Option<Stop>>| async move {
        let _ = rx.wait_for(Option::is_some).await;
    };
    // The block ends partition work's borrow of `claimed` before release.
    let http_result = {
        let http = axum::serve(listener, app).with_graceful_shutdown(stopped(stop_rx.clone()));
        let work = claims::partition_work(&claimed, &store, interval, stopped(stop_rx.clone()));
        let (http_result, ()) = tokio::join!(http.into_future(), async {
            // A fence refusal ends serving too.
            if let Err(e) = work.await {
                set_stop(Stop::Lost(e.to_string()));
            }
        });
        http_result
    };
    watcher.abort();
    let stop = stop_rx.borrow().clone();
    match (stop, http_result) {
        (Some(Stop::Lost(reason)), _) => {
            tracing::error!("Claim lost: {reason}; partition work stopped");
            eprintln!("asyncgate: claim lost: {reason}");
            ExitCode::from(EX_UNAVAILABLE)
        }
        (_, Err(e)) => {
            eprintln!("asyncgate: server error: {e}");
            ExitCode::FAILURE
        }
        _ => {
            match claimed.release().await {
                Ok(_) => tracing::info!("Released the instance claim"),
                Err(e) => tracing::warn!("could not release the instance claim: {e}"),
            }
            tracing::info!("Shut down cleanly");
            ExitCode::SUCCESS
        }
    }
}

/// Installs the SIGINT/SIGTERM handlers now (so a signal that arrives
/// before serving starts is not fatal) and returns a future that resolves on
/// the first of them.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
            tracing::info!("Shutdown signal received; draining connections");
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("Shutdown signal received; draining connections");
    })
}
