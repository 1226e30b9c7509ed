//! The PostgreSQL task store: several hosts share it; its fenced writes
//! go through [`PgStore::fence`] against the claim table.

use std::time::Duration;

use asyncgate_config::InstanceId;
use asyncgate_config::claim::{ClaimError, Partition, PgStore};

use super::{Lease, LeaseLimits, Pending, Renewed, TaskError, TaskStore, TaskView, renew_verdict};

/// A fence that refused (the claim moved on) is `Fenced`; a fence query
/// that could not run (the database restarting) is a store failure, to retry.
fn fence_error(e: ClaimError) -> TaskError {
    match e {
        lost @ ClaimError::Lost { .. } => TaskError::Fenced(lost),
        other => TaskError::Store(other.to_string()),
    }
}

/// Requeues per sweep transaction, at most: a sweep of many expired leases
/// is several short transactions, not one long one.
const SWEEP_BATCH: i64 = 1000;
fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Tasks, leases and the sweep audit in PostgreSQL.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS asyncgate_sweeps (
    id          bigserial   PRIMARY KEY,
    instance_id text        NOT NULL,
    epoch       bigint      NOT NULL,
    writer_pid  integer     NOT NULL,
    written_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE SEQUENCE IF NOT EXISTS asyncgate_lease_ids;
CREATE TABLE IF NOT EXISTS asyncgate_tasks (
    task_id          bigserial   PRIMARY KEY,
    owner_instance   text        NOT NULL,
    created_epoch    bigint      NOT NULL,
    payload          jsonb       NOT NULL,
    status           text        NOT NULL DEFAULT 'queued',
    attempt          integer     NOT NULL DEFAULT 0,
    requeues         integer     NOT NULL DEFAULT 0,
    lease_id         bigint,
    worker_id        text,
    lease_started_at timestamptz,
    lease_expires_at timestamptz,
    lease_renewals   integer     NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    completed_at     timestamptz
);
CREATE INDEX IF NOT EXISTS asyncgate_tasks_queued ON asyncgate_tasks (task_id) WHERE status = 'queued';
CREATE INDEX IF NOT EXISTS asyncgate_tasks_leased ON asyncgate_tasks (owner_instance, lease_expires_at) WHERE status = 'leased';
CREATE UNIQUE INDEX IF NOT EXISTS asyncgate_tasks_lease ON asyncgate_tasks (lease_id);
CREATE TABLE IF NOT EXISTS asyncgate_requeues (
    id               bigserial   PRIMARY KEY,
    lease_id         bigint      NOT NULL,
    task_id          bigint      NOT NULL,
    partition        text        NOT NULL,
    epoch            bigint      NOT NULL,
    swept_by         text        NOT NULL,
    lease_expired_at timestamptz NOT NULL,
    requeued_at      timestamptz NOT NULL DEFAULT clock_timestamp()
)";

const LEASE_NEXT: &str = "
UPDATE asyncgate_tasks
   SET status = 'leased', lease_id = nextval('asyncgate_lease_ids'), worker_id = $1,
       lease_started_at = now(), lease_expires_at = now() + make_interval(secs => $2),
       lease_renewals = 0, attempt = attempt + 1
 WHERE task_id = (SELECT task_id FROM asyncgate_tasks WHERE status = 'queued'
                   ORDER BY task_id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING lease_id, task_id, (extract(epoch FROM lease_expires_at) * 1000)::bigint";

const SWEEP: &str = "
WITH expired AS (
    SELECT task_id, lease_id, lease_expires_at FROM asyncgate_tasks
     WHERE owner_instance = $1 AND status = 'leased'
       AND lease_expires_at + make_interval(secs => $4) <= now()
     ORDER BY task_id LIMIT $5 FOR UPDATE SKIP LOCKED
), requeued AS (
    UPDATE asyncgate_tasks t
       SET status = 'queued', lease_id = NULL, worker_id = NULL, lease_started_at = NULL,
           lease_expires_at = NULL, lease_renewals = 0,
           attempt = t.attempt - 1, requeues = t.requeues + 1
      FROM expired e WHERE t.task_id = e.task_id
    RETURNING e.task_id, e.lease_id, e.lease_expires_at
)
INSERT INTO asyncgate_requeues (lease_id, task_id, partition, epoch, swept_by, lease_expired_at)
SELECT lease_id, task_id, $1, $2, $3, lease_expires_at FROM requeued";

/// The PostgreSQL task store; fenced writes go through [`PgStore::fence`].
pub struct PgTasks {
    store: PgStore,
    client: tokio::sync::Mutex<Option<tokio_postgres::Client>>,
}

impl std::fmt::Debug for PgTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PgTasks({})",
            asyncgate_config::claim::ClaimStore::describe(&self.store)
        )
    }
}

fn pg_error(e: &tokio_postgres::Error) -> TaskError {
    match e.as_db_error() {
        // A data exception is about what was sent, not about the store.
        Some(db) if db.code().code().starts_with("22") => {
            TaskError::Refused(format!("{} ({})", db.message(), db.code().code()))
        }
        Some(db) => TaskError::Store(format!("{} ({})", db.message(), db.code().code())),
        None => TaskError::Store(e.to_string()),
    }
}

impl PgTasks {
    /// Creates the schema (serialised across replicas) and opens the store.
    pub async fn open(store: &PgStore) -> Result<PgTasks, TaskError> {
        let within = store.call_deadline();
        let mut client = store
            .client()
            .await
            .map_err(|e| TaskError::Store(e.to_string()))?;
        tokio::time::timeout(within, async {
            let tx = client.transaction().await.map_err(|e| pg_error(&e))?;
            tx.execute("SELECT pg_advisory_xact_lock(74657373)", &[])
                .await
                .map_err(|e| pg_error(&e))?;
            tx.batch_execute(SCHEMA).await.map_err(|e| pg_error(&e))?;
            tx.commit().await.map_err(|e| pg_error(&e))
        })
        .await
        .map_err(|_| TaskError::Store(format!("creating the schema took over {within:?}")))??;
        Ok(PgTasks {
            store: store.clone(),
            client: tokio::sync::Mutex::new(Some(client)),
        })
    }

    /// Runs `f` on the shared connection (reconnecting if it closed),
    /// within the store's call deadline.
    async fn with<T>(
        &self,
        f: impl for<'c> FnOnce(
            &'c mut tokio_postgres::Client,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<T, TaskError>> + Send + 'c>,
        >,
    ) -> Result<T, TaskError> {
        let deadline = self.store.call_deadline();
        let mut guard = tokio::time::timeout(deadline, self.client.lock())
            .await
            .map_err(|_| TaskError::Store("the task store is busy".to_owned()))?;
        if guard.as_ref().is_none_or(tokio_postgres::Client::is_closed) {
            *guard = Some(
                tokio::time::timeout(deadline, self.store.client())
                    .await
                    .map_err(|_| TaskError::Store("cannot connect in time".to_owned()))?
                    .map_err(|e| TaskError::Store(e.to_string()))?,
            );
        }
        let Some(client) = guard.as_mut() else {
            return Err(TaskError::Store("no connection".to_owned()));
        };
        let result = tokio::time::timeout(deadline, f(client))
            .await
            .map_err(|_| TaskError::Store(format!("no answer within {deadline:?}")));
        // A timed-out call, or a failed one, may leave the session
        // mid-transaction: a new one is opened next time. A refused request
        // (its transaction rolled back when dropped) or a fenced write
        // leaves the session as it was: no input drops the connection.
        if matches!(result, Err(_) | Ok(Err(TaskError::Store(_)))) {
            *guard = None;
        }
        result?
    }
}

impl TaskStore for PgTasks {
    fn create<'a>(
        &'a self,
        owner: &'a Partition,
        payload: &'a serde_json::Value,
    ) -> Pending<'a, i64> {
        Box::pin(async move {
            let (owner, payload) = (owner.clone(), payload.clone());
            self.with(move |c| {
                Box::pin(async move {
                    let tx = c.transaction().await.map_err(|e| pg_error(&e))?;
                    PgStore::fence(&tx, &owner.id, owner.epoch).await.map_err(fence_error)?;
                    let epoch = i64::try_from(owner.epoch).unwrap_or(i64::MAX);
                    let row = tx
                        .query_one(
                            "INSERT INTO asyncgate_tasks (owner_instance, created_epoch, payload) VALUES ($1, $2, $3::text::jsonb) RETURNING task_id",
                            &[&owner.id.as_str(), &epoch, &payload.to_string()],
                        )
                        .await
                        .map_err(|e| pg_error(&e))?;
                    tx.commit().await.map_err(|e| pg_error(&e))?;
                    Ok(row.get(0))
                })
            })
            .await
        })
    }

    fn lease<'a>(&'a self, worker: &'a str, ttl: Duration) -> Pending<'a, Option<Lease>> {
        Box::pin(async move {
            let worker = worker.to_owned();
            self.with(move |c| {
                Box::pin(async move {
                    let row = c
                        .query_opt(LEASE_NEXT, &[&worker, &secs(ttl)])
                        .await
                        .map_err(|e| pg_error(&e))?;
                    Ok(row.map(|r| Lease {
                        lease_id: r.get(0),
                        task_id: r.get(1),
                        expires_at_ms: r.get(2),
                    }))
                })
            })
            .await
        })
    }

    fn renew(&self, lease_id: i64, ttl: Duration, limits: LeaseLimits) -> Pending<'_, Renewed> {
        Box::pin(async move {
            self.with(move |c| {
                Box::pin(async move {
                    let tx = c.transaction().await.map_err(|e| pg_error(&e))?;
                    let Some(row) = tx
                        .query_opt(
                            "SELECT lease_expires_at > now(), lease_renewals, now() >= lease_started_at + make_interval(secs => $2)
                               FROM asyncgate_tasks WHERE lease_id = $1 AND status = 'leased' FOR UPDATE",
                            &[&lease_id, &secs(limits.max_lifetime)],
                        )
                        .await
                        .map_err(|e| pg_error(&e))?
                    else {
                        return Ok(Renewed::Refused("the lease is no longer held"));
                    };
                    let (live, renewals, too_old): (bool, i32, bool) = (row.get(0), row.get(1), row.get(2));
                    let verdict = renew_verdict(live, renewals, too_old, limits);
                    if let Some(refused) = verdict {
                        return Ok(Renewed::Refused(refused));
                    }
                    let row = tx
                        .query_one(
                            "UPDATE asyncgate_tasks
                                SET lease_expires_at = LEAST(now() + make_interval(secs => $2), lease_started_at + make_interval(secs => $3)),
                                    lease_renewals = lease_renewals + 1
                              WHERE lease_id = $1
                          RETURNING (extract(epoch FROM lease_expires_at) * 1000)::bigint",
                            &[&lease_id, &secs(ttl), &secs(limits.max_lifetime)],
                        )
                        .await
                        .map_err(|e| pg_error(&e))?;
                    tx.commit().await.map_err(|e| pg_error(&e))?;
                    Ok(Renewed::Until(row.get(0)))
                })
            })
            .await
        })
    }

    fn complete(&self, lease_id: i64) -> Pending<'_, bool> {
        Box::pin(async move {
            self.with(move |c| {
                Box::pin(async move {
                    let n = c
                        .execute(
                            "UPDATE asyncgate_tasks SET status = 'completed', completed_at = clock_timestamp()
                              WHERE lease_id = $1 AND status = 'leased' AND lease_expires_at > now()",
                            &[&lease_id],
                        )
                        .await
                        .map_err(|e| pg_error(&e))?;
                    Ok(n == 1)
                })
            })
            .await
        })
    }

    fn get(&self, task_id: i64) -> Pending<'_, Option<TaskView>> {
        Box::pin(async move {
            self.with(move |c| {
                Box::pin(async move {
                    let row = c
                        .query_opt(
                            "SELECT task_id, status, attempt, owner_instance, requeues FROM asyncgate_tasks WHERE task_id = $1",
                            &[&task_id],
                        )
                        .await
                        .map_err(|e| pg_error(&e))?;
                    Ok(row.map(|r| TaskView {
                        task_id: r.get(0),
                        status: r.get(1),
                        attempt: r.get(2),
                        owner_instance: r.get(3),
                        requeues: r.get(4),
                    }))
                })
            })
            .await
        })
    }

    fn sweep<'a>(
        &'a self,
        partition: &'a Partition,
        swept_by: &'a InstanceId,
        grace: Duration,
    ) -> Pending<'a, u64> {
        Box::pin(async move {
            let mut total = 0;
            loop {
                let (partition, by) = (partition.clone(), swept_by.clone());
                let n = self
                    .with(move |c| {
                        Box::pin(async move {
                            let tx = c.transaction().await.map_err(|e| pg_error(&e))?;
                            PgStore::fence(&tx, &partition.id, partition.epoch)
                                .await
                                .map_err(fence_error)?;
                            let epoch = i64::try_from(partition.epoch).unwrap_or(i64::MAX);
                            let pid = i32::try_from(std::process::id()).unwrap_or(i32::MAX);
                            tx.execute(
                                "INSERT INTO asyncgate_sweeps (instance_id, epoch, writer_pid) VALUES ($1, $2, $3)",
                                &[&partition.id.as_str(), &epoch, &pid],
                            )
                            .await
                            .map_err(|e| pg_error(&e))?;
                            let n = tx
                                .execute(
                                    SWEEP,
                                    &[&partition.id.as_str(), &epoch, &by.as_str(), &secs(grace), &SWEEP_BATCH],
                                )
                                .await
                                .map_err(|e| pg_error(&e))?;
                            tx.commit().await.map_err(|e| pg_error(&e))?;
                            Ok(n)
                        })
                    })
                    .await?;
                total += n;
                if i64::try_from(n).unwrap_or(i64::MAX) < SWEEP_BATCH {
                    return Ok(total);
                }
            }
        })
    }

    fn owners_with_expired_leases<'a>(
        &'a self,
        except: &'a [&'a str],
        grace: Duration,
    ) -> Pending<'a, Vec<String>> {
        Box::pin(async move {
            let except: Vec<String> = except.iter().map(|s| (*s).to_owned()).collect();
            self.with(move |c| {
                Box::pin(async move {
                    let rows = c
                        .query(
                            "SELECT DISTINCT owner_instance FROM asyncgate_tasks
                              WHERE status = 'leased' AND lease_expires_at + make_interval(secs => $2) <= now()
                                AND NOT (owner_instance = ANY($1))",
                            &[&except, &secs(grace)],
                        )
                        .await
                        .map_err(|e| pg_error(&e))?;
                    Ok(rows.iter().map(|r| r.get(0)).collect())
                })
            })
            .await
        })
    }

    fn enter<'a>(&'a self, _partition: &'a Partition) -> Pending<'a, ()> {
        // The fence reads the claim table itself: nothing to record.
        Box::pin(async { Ok(()) })
    }

    fn has_leased<'a>(&'a self, owner: &'a str) -> Pending<'a, bool> {
        Box::pin(async move {
            let owner = owner.to_owned();
            self.with(move |c| {
                Box::pin(async move {
                    let row = c
                        .query_one(
                            "SELECT EXISTS (SELECT 1 FROM asyncgate_tasks WHERE owner_instance = $1 AND status = 'leased')",
                            &[&owner],
                        )
                        .await
                        .map_err(|e| pg_error(&e))?;
                    Ok(row.get(0))
                })
            })
            .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_refused_fence_counts_as_fenced_a_failed_query_is_retried() {
        let lost = ClaimError::Lost {
            id: "node-a".parse().unwrap(),
            reason: "epoch 1 no longer holds the claim".to_owned(),
        };
        assert!(matches!(fence_error(lost), TaskError::Fenced(_)));
        // A database restarting under the sweep: not a lost claim.
        let down = ClaimError::store("postgres store", "fence query failed: connection closed");
        assert!(matches!(fence_error(down), TaskError::Store(_)));
    }
}
