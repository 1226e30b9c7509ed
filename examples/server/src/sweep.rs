//! The partition work that runs only while the claim is held: sweeping
//! this replica's partition and the partitions it adopts, fenced by their
//! claims, and the view of what it holds.

use std::time::Duration;

use asyncgate_config::InstanceId;
use asyncgate_config::claim::{Adopted, ClaimError, Claimed, Partition};

use crate::claims::Store;
use crate::settings::Settings;
use crate::tasks::{TaskError, Tasks};

/// The partitions this replica holds, for `GET /v1/instance`: its own and
/// those it adopted, with their epochs.
#[derive(Debug, Default)]
pub struct Holdings {
    partitions: std::sync::Mutex<Vec<(Partition, bool)>>,
}

impl Holdings {
    /// Starts with this replica's own partition.
    pub fn new(own: Partition) -> Holdings {
        Holdings {
            partitions: std::sync::Mutex::new(vec![(own, false)]),
        }
    }

    fn set_adopted(&self, adopted: &[Adopted]) {
        if let Ok(mut partitions) = self.partitions.lock() {
            partitions.truncate(1);
            partitions.extend(adopted.iter().map(|a| (a.partition().clone(), true)));
        }
    }

    /// Each partition as JSON: id, epoch, whether adopted.
    pub fn to_json(&self) -> serde_json::Value {
        let partitions = self
            .partitions
            .lock()
            .map(|p| p.clone())
            .unwrap_or_default();
        serde_json::Value::Array(
            partitions
                .iter()
                .map(|(p, adopted)| {
                    serde_json::json!({"instance_id": p.id.as_str(), "epoch": p.epoch, "adopted": adopted})
                })
                .collect(),
        )
    }
}

/// How partition work runs.
#[derive(Clone, Copy, Debug)]
pub struct SweepPlan {
    /// Between sweeps (each wait gets up to a tenth more, at random).
    pub interval: Duration,
    /// Past a lease's expiry before it is requeued.
    pub grace: Duration,
    /// Whether dead replicas' partitions are adopted.
    pub adopt: bool,
    /// Most adopted partitions held at once (each holds a claim, and on
    /// PostgreSQL a connection).
    pub max_adopted: usize,
}

/// Sweeps this replica's partition, and the partitions it adopts, every
/// interval until the claim is lost (returned as `Err`) or `stop`
/// resolves. Each sweep is a fenced transaction: a fence refusal on the own
/// partition means the claim is lost; on an adopted one, that the original
/// holder took it back. While the claim's renew connection is down, work
/// pauses.
pub async fn partition_work(
    claimed: &Claimed<Settings>,
    store: &Store,
    tasks: &Tasks,
    holdings: &Holdings,
    plan: SweepPlan,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), ClaimError> {
    let mut stop = std::pin::pin!(stop);
    let own = claimed.partition();
    let mut adopted: Vec<Adopted> = Vec::new();
    let mut jitter = Jitter::new();
    loop {
        let wait = plan.interval + jitter.up_to(plan.interval / 10);
        tokio::select! {
            () = &mut stop => break,
            () = tokio::time::sleep(wait) => {}
        }
        if claimed.watch().is_set() {
            break;
        }
        if claimed.is_paused() {
            tracing::warn!("partition work paused: the claim's renew connection is down");
            continue;
        }
        match tasks.sweep(&own, &own.id, plan.grace).await {
            Ok(n) if n > 0 => tracing::info!("requeued {n} expired leases of partition {own}"),
            Ok(_) => tracing::debug!("swept partition {own}"),
            Err(TaskError::Fenced(lost)) => return Err(lost),
            Err(e) => tracing::warn!("sweep of {own} failed (will retry): {e}"),
        }
        if plan.adopt {
            adopt_dead(store, tasks, &own, &mut adopted, &plan).await;
        }
        sweep_adopted(tasks, &own.id, &mut adopted, plan.grace).await;
        holdings.set_adopted(&adopted);
    }
    for adoption in adopted {
        let partition = adoption.partition().clone();
        if let Err(e) = adoption.release().await {
            tracing::warn!("could not release adopted partition {partition}: {e}");
        }
    }
    Ok(())
}

/// Adopts the partitions of owners whose expired leases nobody sweeps, up
/// to [`SweepPlan::max_adopted`] held at once: however many replicas died,
/// a replica holds a bounded number of claims (and connections); the rest
/// are adopted as these are emptied and given back.
async fn adopt_dead(
    store: &Store,
    tasks: &Tasks,
    own: &Partition,
    adopted: &mut Vec<Adopted>,
    plan: &SweepPlan,
) {
    if matches!(store, Store::Disabled(_)) {
        return; // without claims, nothing tells a dead replica from a live one
    }
    if adopted.len() >= plan.max_adopted {
        return;
    }
    let grace = plan.grace;
    let mut except: Vec<&str> = vec![own.id.as_str()];
    except.extend(adopted.iter().map(|a| a.partition().id.as_str()));
    let owners = match tasks.owners_with_expired_leases(&except, grace).await {
        Ok(owners) => owners,
        Err(e) => {
            tracing::warn!("cannot look for dead partitions: {e}");
            return;
        }
    };
    for owner in owners {
        if adopted.len() >= plan.max_adopted {
            tracing::debug!(
                "holding {} adopted partitions (ASYNCGATE_MAX_ADOPTED_PARTITIONS): more later",
                adopted.len()
            );
            break;
        }
        let Ok(id) = owner.parse::<InstanceId>() else {
            continue;
        };
        let adoption = match store {
            Store::File(file) => file.adopt(&id, &own.id),
            #[cfg(feature = "postgres")]
            Store::Postgres(pg) => pg.adopt(&id, &own.id).await,
            Store::Disabled(_) => Ok(None),
        };
        match adoption {
            Ok(Some(adoption)) => {
                let partition = adoption.partition().clone();
                if let Err(e) = tasks.enter(&partition).await {
                    tracing::warn!("cannot sweep the adopted partition {partition}: {e}");
                    let _ = adoption.release().await;
                    continue;
                }
                tracing::info!("adopted the partition of dead replica {partition}");
                adopted.push(adoption);
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("cannot adopt the partition of {id}: {e}"),
        }
    }
}

/// Sweeps each adopted partition; gives back those that are empty, and
/// drops those whose claim moved on (the original id came back).
async fn sweep_adopted(
    tasks: &Tasks,
    by: &InstanceId,
    adopted: &mut Vec<Adopted>,
    grace: Duration,
) {
    let mut kept = Vec::with_capacity(adopted.len());
    for adoption in adopted.drain(..) {
        let partition = adoption.partition().clone();
        if adoption.watch().is_set() {
            tracing::info!("adopted partition {partition} was taken back");
            continue;
        }
        if adoption.is_paused() {
            kept.push(adoption);
            continue;
        }
        match tasks.sweep(&partition, by, grace).await {
            Ok(n) => {
                if n > 0 {
                    tracing::info!("requeued {n} expired leases of adopted partition {partition}");
                }
                if matches!(tasks.has_leased(partition.id.as_str()).await, Ok(false)) {
                    match adoption.release().await {
                        Ok(()) => tracing::info!("released adopted partition {partition}: empty"),
                        Err(e) => {
                            tracing::warn!("could not release adopted partition {partition}: {e}")
                        }
                    }
                    continue;
                }
                kept.push(adoption);
            }
            Err(TaskError::Fenced(e)) => {
                tracing::info!("adopted partition {partition} moved on: {e}")
            }
            Err(e) => {
                tracing::warn!("sweep of adopted partition {partition} failed (will retry): {e}");
                kept.push(adoption);
            }
        }
    }
    *adopted = kept;
}

/// A little randomness for sweep intervals (so replicas started together
/// do not sweep in lockstep), without a rand dependency.
struct Jitter(u64);

impl Jitter {
    fn new() -> Jitter {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        Jitter(h.finish() | 1)
    }

    fn up_to(&mut self, max: Duration) -> Duration {
        // xorshift64
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(if nanos == 0 { 0 } else { self.0 % nanos })
    }
}

#[cfg(test)]
mod tests {
    use asyncgate_config::claim::{BoxFuture, ClaimSignal, ClaimWatch, HeldClaim};

    use super::*;

    /// A claim held by nobody: for the view of adopted partitions.
    #[derive(Debug)]
    struct Held(u64, ClaimSignal);

    impl HeldClaim for Held {
        fn epoch(&self) -> u64 {
            self.0
        }
        fn watch(&self) -> ClaimWatch {
            self.1.watch()
        }
        fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), ClaimError>> {
            Box::pin(async { Ok(()) })
        }
    }

    #[test]
    fn the_instance_view_lists_own_and_adopted_partitions_with_epochs() {
        let own = Partition {
            id: "replica-a".parse().unwrap(),
            epoch: 4,
        };
        let holdings = Holdings::new(own);
        let dead: InstanceId = "replica-c".parse().unwrap();
        let adopted = [Adopted::new(dead, Box::new(Held(9, ClaimSignal::new().0)))];
        holdings.set_adopted(&adopted);
        assert_eq!(
            holdings.to_json(),
            serde_json::json!([
                {"instance_id": "replica-a", "epoch": 4, "adopted": false},
                {"instance_id": "replica-c", "epoch": 9, "adopted": true},
            ])
        );
        // Given back: only the own partition is left.
        holdings.set_adopted(&[]);
        assert_eq!(holdings.to_json().as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn sweep_jitter_stays_within_its_bound() {
        let mut jitter = Jitter::new();
        let max = Duration::from_millis(100);
        for _ in 0..1000 {
            assert!(jitter.up_to(max) < max);
        }
        assert_eq!(jitter.up_to(Duration::ZERO), Duration::ZERO);
    }
}
