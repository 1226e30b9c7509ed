//! Serving HTTP with limits, so that slow or idle clients cannot hold the
//! server: a header-read timeout (a half-sent request, or a keep-alive
//! connection that sends nothing more, is closed), a write timeout (a
//! client that does not read its answers is closed), request heads of at
//! most 64 KiB, a limit on open connections with a small reserve beyond it
//! (so that a health check still gets through when slow clients hold every
//! slot), and a graceful shutdown that waits for open requests only up to a
//! deadline. Bodies have their own deadline and minimum rate (`routes`).

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// The limits of one server.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time a client has to send a request's headers; also the longest a
    /// keep-alive connection may wait for its next request.
    pub header_timeout: Duration,
    /// The longest a response write may wait for the client to read.
    pub write_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
    /// How long a shutdown waits for open requests before closing them.
    pub shutdown_timeout: Duration,
}

/// Connections accepted beyond `max_connections`: each is served one
/// request, with a short header timeout, and closed within
/// [`RESERVE_LIFETIME`] whatever it does. Slow clients that hold every
/// slot cannot keep a health check out; the reserve itself turns over
/// every [`RESERVE_LIFETIME`].
pub const RESERVED_CONNECTIONS: usize = 4;

/// The longest a connection in the reserve lives.
pub const RESERVE_LIFETIME: Duration = Duration::from_secs(2);

/// How serving ended.
#[derive(Debug, PartialEq, Eq)]
pub struct Drained {
    /// Connections still open at the deadline, then closed.
    pub forced: usize,
}

/// The "connection limit reached" warning, at most once per
/// [`RefusalLog::EVERY`], with the count of connections refused since the
/// last line: a flood of connections is a few lines, not one per socket.
#[derive(Debug, Default)]
struct RefusalLog {
    last_line: Option<std::time::Instant>,
    unreported: u64,
}

impl RefusalLog {
    const EVERY: Duration = Duration::from_secs(10);

    fn refused(&mut self, max_connections: usize) {
        self.unreported += 1;
        if self.last_line.is_some_and(|at| at.elapsed() < Self::EVERY) {
            return;
        }
        tracing::warn!(
            "connection limit reached ({max_connections} open; ASYNCGATE_HTTP_MAX_CONNECTIONS): closed {} new connection(s) since the last such line (at most one line every {}s)",
            self.unreported,
            Self::EVERY.as_secs()
        );
        self.last_line = Some(std::time::Instant::now());
        self.unreported = 0;
    }
}

/// Serves `app` on `listener` until `stop` resolves, then stops accepting,
/// asks every connection to finish its request, and closes what is still
/// open after `limits.shutdown_timeout`.
pub async fn serve_until(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: impl Future<Output = ()>,
) -> io::Result<Drained> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let reserve = Arc::new(Semaphore::new(RESERVED_CONNECTIONS));
    let mut refusals = RefusalLog::default();
    let (closing, close) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of descriptors, or a connection reset before
                        // it was accepted: wait a little, go on.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let (permit, reserved) = match Arc::clone(&permits).try_acquire_owned() {
                    Ok(permit) => (permit, false),
                    Err(_) => match Arc::clone(&reserve).try_acquire_owned() {
                        Ok(permit) => (permit, true),
                        Err(_) => {
                            refusals.refused(limits.max_connections);
                            drop(stream);
                            continue;
                        }
                    },
                };
                let service = TowerToHyperService::new(app.clone());
                let close = close.clone();
                connections.spawn(async move {
                    let _permit = permit;
                    let served = serve_connection(stream, service, limits, reserved, close);
                    if reserved {
                        // Whatever it does, a reserve connection ends in time.
                        let _ = tokio::time::timeout(RESERVE_LIFETIME, served).await;
                    } else {
                        served.await;
                    }
                });
            }
        }
    }
    drop(listener);
    let _ = closing.send(true);
    let drained = tokio::time::timeout(limits.shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    let forced = if drained.is_err() {
        let open = connections.len();
        connections.abort_all();
        tracing::warn!(
            "{open} connection(s) still open {}ms after the shutdown began (ASYNCGATE_SHUTDOWN_TIMEOUT_MS): closed",
            limits.shutdown_timeout.as_millis()
        );
        open
    } else {
        0
    };
    Ok(Drained { forced })
}

/// Serves one connection until it ends or the server closes: request
/// heads within the header timeout, every write within the write timeout;
/// a reserve connection gets one request and a short header timeout.
async fn serve_connection<S>(
    stream: tokio::net::TcpStream,
    service: S,
    limits: Limits,
    reserved: bool,
    mut close: watch::Receiver<bool>,
) where
    S: hyper::service::Service<
            hyper::Request<hyper::body::Incoming>,
            Response = axum::response::Response,
        > + Send,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut io = tokio_io_timeout::TimeoutStream::new(stream);
    io.set_write_timeout(Some(limits.write_timeout));
    let header_timeout = if reserved {
        limits.header_timeout.min(RESERVE_LIFETIME / 2)
    } else {
        limits.header_timeout
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        // A request head over 64 KiB is refused (431).
        .max_buf_size(64 * 1024)
        .keep_alive(!reserved);
    let connection = builder.serve_connection(TokioIo::new(Box::pin(io)), service);
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        // The guard `wait_for` returns must not live across an await.
        _ = async { close.wait_for(|closing| *closing).await.map(|_| ()) } => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}
