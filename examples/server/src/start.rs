//! `asyncgate start` after validation: claim the instance id, bind, serve,
//! and run partition work until a signal or the loss of the claim.

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use asyncgate_config::claim::{ClaimError, Claimed};
use asyncgate_config::{Report, Validated};

use crate::claims::Store;
use crate::listener::{self, Limits};
use crate::routes;
use crate::settings::Settings;
use crate::sweep::{self, Holdings, SweepPlan};
use crate::tasks::Tasks;

/// sysexits.h EX_CONFIG: the configuration is invalid.
pub const EX_CONFIG: u8 = 78;
/// sysexits.h EX_TEMPFAIL: another live replica holds this instance id.
pub const EX_TEMPFAIL: u8 = 75;
/// sysexits.h EX_UNAVAILABLE: the claim was lost while serving.
pub const EX_UNAVAILABLE: u8 = 69;

/// Why serving stopped.
#[derive(Clone, Debug)]
enum Stop {
    Signal,
    Lost(String),
    /// What serving needs could not be set up (the task store).
    Failed(String),
}

/// Why `asyncgate start` ended other than by a clean shutdown: one variant
/// per cause, one exit code each ([`StartError::exit_code`]).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is invalid: the report lists every problem.
    #[error("{0}")]
    Invalid(Box<Report>),
    /// The claim store could not be opened.
    #[error("not starting: {0}")]
    Store(String),
    /// Another live replica holds this instance id.
    #[error("not starting: {0}")]
    Held(ClaimError),
    /// The claim could not be taken (the store failed).
    #[error("not starting: {0}")]
    Claim(ClaimError),
    /// The async runtime could not be started.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// The signal handlers could not be installed.
    #[error("cannot install the SIGTERM/SIGINT handlers: {0}")]
    Signals(std::io::Error),
    /// The address could not be bound.
    #[error("cannot listen on {host}:{port} (ASYNCGATE_HOST, ASYNCGATE_PORT): {source}")]
    Bind {
        /// `ASYNCGATE_HOST`.
        host: String,
        /// `ASYNCGATE_PORT`.
        port: u16,
        /// Why.
        source: std::io::Error,
    },
    /// The claim was lost while serving (partition work stopped first).
    #[error("claim lost: {0}")]
    Lost(String),
    /// What serving needs could not be set up (the task store).
    #[error("stopped: {0}")]
    Failed(String),
    /// Serving HTTP failed.
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

impl StartError {
    /// The process's exit code: 78 invalid configuration, 75 instance id
    /// held by another live replica, 69 claim lost while serving, 1
    /// otherwise.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            StartError::Invalid(_) => ExitCode::from(EX_CONFIG),
            StartError::Held(_) => ExitCode::from(EX_TEMPFAIL),
            StartError::Lost(_) => ExitCode::from(EX_UNAVAILABLE),
            _ => ExitCode::FAILURE,
        }
    }

    /// What to do about it, where there is something to say.
    fn fix(&self) -> Option<&'static str> {
        match self {
            StartError::Held(_) => Some(
                "give every replica its own ASYNCGATE_INSTANCE_ID (or leave it unset on a platform that is auto-detected), \
                 or stop the other process first; `asyncgate claims` lists the holders",
            ),
            _ => None,
        }
    }

    /// Tells the operator on stderr, and returns the exit code.
    pub fn report(&self) -> ExitCode {
        match self {
            StartError::Invalid(report) => {
                eprintln!("{report}");
                eprintln!(
                    "\nasyncgate: not starting: fix the configuration above (`asyncgate check` shows every setting and its source)"
                );
            }
            other => {
                eprintln!("asyncgate: {other}");
                if let Some(fix) = other.fix() {
                    eprintln!("  fix: {fix}");
                }
            }
        }
        self.exit_code()
    }
}

/// The first reason to stop, shared by everyone who may find one.
#[derive(Clone, Debug)]
struct StopReason(tokio::sync::watch::Sender<Option<Stop>>);

impl StopReason {
    fn new() -> StopReason {
        StopReason(tokio::sync::watch::Sender::new(None))
    }

    /// Records `why`, unless a reason was recorded first.
    fn set(&self, why: Stop) {
        self.0.send_if_modified(|reason| {
            let first = reason.is_none();
            if first {
                *reason = Some(why);
            }
            first
        });
    }

    fn get(&self) -> Option<Stop> {
        self.0.borrow().clone()
    }

    /// Resolves once a reason is recorded.
    fn stopped(&self) -> impl Future<Output = ()> + use<> {
        let mut watch = self.0.subscribe();
        async move {
            let _ = watch.wait_for(Option::is_some).await;
        }
    }
}

/// Claims the id in the configured store, then serves until stopped.
pub async fn claim_and_serve(settings: Validated<Settings>) -> Result<(), StartError> {
    let store = Store::open(&settings).await.map_err(StartError::Store)?;
    let claimed = match settings.claim(store.as_dyn()).await {
        Ok(claimed) => claimed,
        Err(e @ ClaimError::Held { .. }) => return Err(StartError::Held(e)),
        Err(e) => return Err(StartError::Claim(e)),
    };
    run_claimed(claimed, store).await
}

/// Serves HTTP and runs partition work while the claim is held, until a
/// signal, the loss of the claim, or a failure to open the task store.
async fn run_claimed(claimed: Claimed<Settings>, store: Store) -> Result<(), StartError> {
    let signal = shutdown_signal().map_err(StartError::Signals)?;
    let listener = bind(&claimed).await?;
    let holdings = Arc::new(Holdings::new(claimed.partition()));
    // The task store opens while the server already answers: `/healthz`
    // and `/v1/config` need no database, and task routes wait for it.
    let (tasks_tx, tasks_rx) = tokio::sync::watch::channel(None::<Tasks>);
    let app = routes::router(&claimed, tasks_rx, Arc::clone(&holdings));

    // Serving stops on SIGTERM/SIGINT or when the claim is lost (the first
    // reason wins); partition work stops first.
    let stop = StopReason::new();
    let mut lost = claimed.watch();
    let watcher = {
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = signal => stop.set(Stop::Signal),
                reason = lost.wait() => stop.set(Stop::Lost(reason)),
            }
        })
    };
    let limits = Limits {
        header_timeout: Duration::from_millis(claimed.http_header_timeout_ms),
        write_timeout: Duration::from_millis(claimed.http_write_timeout_ms),
        max_connections: usize::try_from(claimed.http_max_connections).unwrap_or(usize::MAX),
        shutdown_timeout: Duration::from_millis(claimed.shutdown_timeout_ms),
    };
    // Partition work borrows `claimed` only until both sides end.
    let (served, ()) = tokio::join!(
        listener::serve_until(listener, app, limits, stop.stopped()),
        partition_side(&claimed, &store, &tasks_tx, &holdings, &stop),
    );
    watcher.abort();
    finish(claimed, stop.get(), served).await
}

/// Binds `ASYNCGATE_HOST:ASYNCGATE_PORT`.
async fn bind(claimed: &Claimed<Settings>) -> Result<tokio::net::TcpListener, StartError> {
    let (host, port) = (claimed.host.clone(), claimed.port);
    let listener = tokio::net::TcpListener::bind((host.as_str(), port))
        .await
        .map_err(|source| StartError::Bind { host, port, source })?;
    match listener.local_addr() {
        Ok(local) => tracing::info!("Listening on http://{local}"),
        Err(e) => tracing::warn!("listening, but the local address is unknown: {e}"),
    }
    Ok(listener)
}

/// Opens the task store (handing it to the routes), then sweeps until
/// `stop`; a task store that cannot be opened, or a fence refusal, stops
/// serving too.
async fn partition_side(
    claimed: &Claimed<Settings>,
    store: &Store,
    tasks_tx: &tokio::sync::watch::Sender<Option<Tasks>>,
    holdings: &Holdings,
    stop: &StopReason,
) {
    let own = claimed.partition();
    let opened = tokio::select! {
        opened = store.tasks_within(&own, Duration::from_secs(30)) => opened,
        () = stop.stopped() => return,
    };
    let tasks = match opened {
        Ok(tasks) => tasks,
        Err(e) => {
            stop.set(Stop::Failed(e));
            return;
        }
    };
    let _ = tasks_tx.send(Some(tasks.clone()));
    let plan = SweepPlan {
        interval: Duration::from_secs(u64::from(claimed.lease_sweep_interval_seconds.max(1))),
        grace: Duration::from_secs(u64::from(claimed.lease_grace_seconds)),
        adopt: claimed.partition_adoption,
        max_adopted: usize::try_from(claimed.max_adopted_partitions).unwrap_or(usize::MAX),
    };
    let work = sweep::partition_work(claimed, store, &tasks, holdings, plan, stop.stopped());
    if let Err(e) = work.await {
        stop.set(Stop::Lost(e.to_string()));
    }
}

/// Releases the claim unless it was lost, and says how serving ended.
async fn finish(
    claimed: Claimed<Settings>,
    stop: Option<Stop>,
    served: std::io::Result<listener::Drained>,
) -> Result<(), StartError> {
    match (stop, served) {
        (Some(Stop::Lost(reason)), _) => {
            tracing::error!("Claim lost: {reason}; partition work stopped");
            Err(StartError::Lost(reason))
        }
        (Some(Stop::Failed(reason)), _) => {
            if let Err(e) = claimed.release().await {
                tracing::warn!("could not release the instance claim: {e}");
            }
            Err(StartError::Failed(reason))
        }
        (_, Err(e)) => Err(StartError::Serve(e)),
        _ => {
            match claimed.release().await {
                Ok(_) => tracing::info!("Released the instance claim"),
                Err(e) => tracing::warn!("could not release the instance claim: {e}"),
            }
            tracing::info!("Shut down cleanly");
            Ok(())
        }
    }
}

/// Installs the SIGINT/SIGTERM handlers now (so a signal that arrives
/// before serving starts is not fatal) and returns a future that resolves on
/// the first of them.
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
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
