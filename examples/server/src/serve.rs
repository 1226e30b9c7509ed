//! `asyncgate start` after validation: claim the instance id, bind, serve,
//! and run partition work until a signal or the loss of the claim.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use asyncgate_config::Validated;
use asyncgate_config::claim::{ClaimError, Claimed, Latch, LatchWatch};

use crate::claims::{self, Holdings, Store, SweepPlan};
use crate::http::{self, Limits};
use crate::server;
use crate::settings::Settings;
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

/// Claims the id in the configured store, then serves until stopped.
pub async fn claim_and_serve(settings: Validated<Settings>) -> ExitCode {
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
    let holdings = Arc::new(Holdings::new(claimed.partition()));
    // The task store opens while the server already answers: `/healthz`
    // and `/v1/config` need no database, and task routes wait for it.
    let (tasks_tx, tasks_rx) = tokio::sync::watch::channel(None::<Tasks>);
    let app = server::router(&claimed, tasks_rx, Arc::clone(&holdings));

    // Serving stops on SIGTERM/SIGINT or when the claim is lost (the first
    // reason wins); partition work stops first.
    let (stop, stop_watch) = Latch::new();
    let stop = Arc::new(stop);
    let mut lost = claimed.watch();
    let watcher = {
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            tokio::select! {
                () = signal => stop.set(Stop::Signal),
                reason = lost.wait() => stop.set(Stop::Lost(reason)),
            }
        })
    };
    let plan = SweepPlan {
        interval: Duration::from_secs(u64::from(claimed.lease_sweep_interval_seconds.max(1))),
        grace: Duration::from_secs(u64::from(claimed.lease_grace_seconds)),
        adopt: claimed.partition_adoption,
    };
    let stopped = |mut watch: LatchWatch<Stop>| async move {
        watch.wait().await;
    };
    // The block ends partition work's borrow of `claimed` before release.
    let limits = Limits {
        header_timeout: Duration::from_millis(claimed.http_header_timeout_ms),
        max_connections: usize::try_from(claimed.http_max_connections).unwrap_or(usize::MAX),
        shutdown_timeout: Duration::from_millis(claimed.shutdown_timeout_ms),
    };
    let http_result = {
        let http = http::serve(listener, app, limits, stopped(stop_watch.clone()));
        let work = async {
            let own = claimed.partition();
            let opened = tokio::select! {
                opened = store.tasks_within(&own, Duration::from_secs(30)) => opened,
                () = stopped(stop_watch.clone()) => return,
            };
            let tasks = match opened {
                Ok(tasks) => tasks,
                Err(e) => {
                    stop.set(Stop::Failed(e));
                    return;
                }
            };
            let _ = tasks_tx.send(Some(tasks.clone()));
            let work = claims::partition_work(
                &claimed,
                &store,
                &tasks,
                &holdings,
                plan,
                stopped(stop_watch.clone()),
            );
            // A fence refusal ends serving too.
            if let Err(e) = work.await {
                stop.set(Stop::Lost(e.to_string()));
            }
        };
        let (http_result, ()) = tokio::join!(http, work);
        http_result
    };
    watcher.abort();
    match (stop_watch.get(), http_result) {
        (Some(Stop::Lost(reason)), _) => {
            tracing::error!("Claim lost: {reason}; partition work stopped");
            eprintln!("asyncgate: claim lost: {reason}");
            ExitCode::from(EX_UNAVAILABLE)
        }
        (Some(Stop::Failed(reason)), _) => {
            eprintln!("asyncgate: stopped: {reason}");
            if let Err(e) = claimed.release().await {
                tracing::warn!("could not release the instance claim: {e}");
            }
            ExitCode::FAILURE
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
