//! A held PostgreSQL claim: the renewer task that keeps its lease alive
//! on a dedicated connection, and the local deadline after which the
//! holder counts its claim as lost (before any successor can take it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio_postgres::Client;

use super::PgStore;
use super::sql::{RELEASE, RENEW, TRY_LOCK};
use crate::claim::{BoxFuture, ClaimError, ClaimSignal, ClaimWatch, HeldClaim};
use crate::instance_id::InstanceId;

/// When a holder must consider its claim lost without a successful renew.
///
/// A renew sent at `t` extends the lease to the database's `now() + ttl`,
/// which is no earlier than `t + ttl`; so a holder that gives up at
/// `last successful renew sent + ttl - margin` stops before any successor
/// can take over. `margin` (ttl/10) covers clock-rate drift between hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RenewDeadline {
    ttl: Duration,
    last_sent: Instant,
}

impl RenewDeadline {
    /// A deadline for a claim acquired by a request sent at `sent`.
    pub(super) fn new(ttl: Duration, sent: Instant) -> Self {
        RenewDeadline {
            ttl,
            last_sent: sent,
        }
    }

    /// Records a successful renew whose request was sent at `sent`.
    pub(super) fn renewed(&mut self, sent: Instant) {
        self.last_sent = self.last_sent.max(sent);
    }

    /// The instant after which the claim counts as lost.
    pub(super) fn deadline(&self) -> Instant {
        self.last_sent + self.ttl - self.ttl / 10
    }

    /// When the next renew is due: a third of the ttl after the last one.
    pub(super) fn next_renew(&self) -> Instant {
        self.last_sent + self.ttl / 3
    }

    /// Whether the claim must be considered lost at `now`.
    pub(super) fn expired(&self, now: Instant) -> bool {
        now >= self.deadline()
    }
}

/// Renews one claim until it is released or lost.
pub(super) struct Renewer {
    pub(super) store: PgStore,
    pub(super) id: InstanceId,
    pub(super) epoch: u64,
    pub(super) client: Option<Client>,
    pub(super) deadline: RenewDeadline,
    /// Set while the renew connection is down: partition work waits.
    pub(super) paused: Arc<AtomicBool>,
}

impl Renewer {
    pub(super) async fn run(
        mut self,
        signal: ClaimSignal,
        mut stop: tokio::sync::oneshot::Receiver<Release>,
    ) {
        let ttl_secs = self.store.ttl.as_secs_f64();
        let epoch = i64::try_from(self.epoch).unwrap_or(i64::MAX);
        let mut due = self.deadline.next_renew();
        loop {
            tokio::select! {
                request = &mut stop => {
                    // Released (or the claim was dropped): end the lease now on
                    // the dedicated connection, so a successor takes over at once.
                    if let Ok(reply) = request {
                        let _ = reply.send(self.release(epoch).await);
                    }
                    return;
                }
                () = tokio::time::sleep_until(due.into()) => {}
            }
            if self.deadline.expired(Instant::now()) {
                signal.set(format!(
                    "no successful renew within the lease ttl ({:?})",
                    self.store.ttl
                ));
                return;
            }
            if self.client.as_ref().is_none_or(Client::is_closed) {
                // The session that held the lock is gone: writes wait until
                // a renew on a new one proves the claim is still ours.
                self.paused.store(true, Ordering::Release);
            }
            let sent = Instant::now();
            let budget = self.deadline.deadline().saturating_duration_since(sent);
            let attempt = tokio::time::timeout(budget, self.renew_once(epoch, ttl_secs)).await;
            match attempt {
                Ok(Ok(true)) => {
                    self.deadline.renewed(sent);
                    self.paused.store(false, Ordering::Release);
                    due = self.deadline.next_renew();
                }
                Ok(Ok(false)) => {
                    signal.set(
                        "the renew matched no row: the lease expired or a successor took over"
                            .to_owned(),
                    );
                    return;
                }
                Ok(Err(e)) => {
                    tracing::warn!(target: "asyncgate_config", "renewing the claim on {} failed (will retry; partition work pauses): {e}", self.id);
                    self.paused.store(true, Ordering::Release);
                    self.client = None;
                    due = (Instant::now() + self.store.ttl / 10).min(self.deadline.deadline());
                }
                Err(_) => {
                    signal.set(format!(
                        "no successful renew within the lease ttl ({:?})",
                        self.store.ttl
                    ));
                    return;
                }
            }
        }
    }

    /// Ends the lease, best effort within the store's deadline: a shutdown
    /// never waits longer on a frozen database (the lease then expires).
    async fn release(&mut self, epoch: i64) -> Result<(), ClaimError> {
        let store = self.store.clone();
        let id = self.id.clone();
        let client = &mut self.client;
        store
            .within("releasing the claim", async {
                if client.as_ref().is_none_or(Client::is_closed) {
                    *client = Some(store.client().await?);
                }
                let Some(client) = client.as_ref() else {
                    return Ok(());
                };
                client
                    .execute(RELEASE, &[&id.as_str(), &epoch])
                    .await
                    .map_err(|e| store.pg(e))?;
                Ok(())
            })
            .await
    }

    /// One renew on the dedicated connection, reconnecting if it was lost.
    async fn renew_once(&mut self, epoch: i64, ttl_secs: f64) -> Result<bool, ClaimError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            // A new session: the old one's lock is gone. Take it again; if a
            // contender holds it, it is taking the claim over.
            let client = self.store.client().await?;
            let relocked: bool = client
                .query_one(TRY_LOCK, &[&self.id.as_str(), &epoch])
                .await
                .map_err(|e| self.store.pg(e))?
                .get(0);
            if !relocked {
                return Ok(false);
            }
            self.client = Some(client);
        }
        let Some(client) = &self.client else {
            return Ok(false);
        };
        let row = client
            .query_opt(RENEW, &[&self.id.as_str(), &epoch, &ttl_secs])
            .await
            .map_err(|e| self.store.pg(e))?;
        Ok(row.is_some())
    }
}

/// A release request to the renewer, with where to send the outcome.
pub(super) type Release = tokio::sync::oneshot::Sender<Result<(), ClaimError>>;

#[derive(Debug)]
pub(super) struct PgClaim {
    pub(super) epoch: u64,
    pub(super) watch: ClaimWatch,
    pub(super) paused: Arc<AtomicBool>,
    pub(super) stop: Option<tokio::sync::oneshot::Sender<Release>>,
}

impl HeldClaim for PgClaim {
    fn epoch(&self) -> u64 {
        self.epoch
    }

    fn watch(&self) -> ClaimWatch {
        self.watch.clone()
    }

    fn paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    fn release(mut self: Box<Self>) -> BoxFuture<'static, Result<(), ClaimError>> {
        Box::pin(async move {
            let Some(stop) = self.stop.take() else {
                return Ok(());
            };
            let (reply_tx, reply_rx) = tokio::sync::oneshot::channel();
            if stop.send(reply_tx).is_err() {
                return Ok(()); // the renewer ended: the claim was lost, nothing to release
            }
            reply_rx.await.unwrap_or(Ok(()))
        })
    }
}

impl Drop for PgClaim {
    fn drop(&mut self) {
        // Dropped without `release`: still end the lease, in the background.
        if let Some(stop) = self.stop.take() {
            let (reply, _) = tokio::sync::oneshot::channel();
            let _ = stop.send(reply);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(3);

    #[test]
    fn deadline_is_ttl_minus_margin_after_the_last_successful_send() {
        let t0 = Instant::now();
        let d = RenewDeadline::new(TTL, t0);
        assert_eq!(d.deadline(), t0 + Duration::from_millis(2700));
        assert_eq!(d.next_renew(), t0 + Duration::from_secs(1));
        assert!(!d.expired(t0 + Duration::from_millis(2699)));
        assert!(d.expired(t0 + Duration::from_millis(2700)));
    }

    #[test]
    fn a_renew_counts_from_when_it_was_sent_not_when_it_returned() {
        let t0 = Instant::now();
        let mut d = RenewDeadline::new(TTL, t0);
        // Sent at 1s, answered at 2.5s: the lease runs from 1s.
        d.renewed(t0 + Duration::from_secs(1));
        assert_eq!(d.deadline(), t0 + Duration::from_millis(3700));
        assert_eq!(d.next_renew(), t0 + Duration::from_secs(2));
    }

    #[test]
    fn a_late_answer_to_an_old_renew_never_moves_the_deadline_back() {
        let t0 = Instant::now();
        let mut d = RenewDeadline::new(TTL, t0);
        d.renewed(t0 + Duration::from_secs(2));
        d.renewed(t0 + Duration::from_secs(1));
        assert_eq!(d.deadline(), t0 + Duration::from_millis(4700));
    }

    #[test]
    fn missed_renews_expire_the_claim_before_the_database_would() {
        let t0 = Instant::now();
        let d = RenewDeadline::new(TTL, t0);
        // The database expires the lease at (execution time >= t0) + ttl.
        let database_expiry_at_the_earliest = t0 + TTL;
        assert!(d.deadline() < database_expiry_at_the_earliest);
        // Two missed renews (at 1s and 2s) still leave time for a third.
        assert!(!d.expired(t0 + Duration::from_secs(2)));
    }
}
