//! The claim store's SQL: the lease table, and every statement on it.

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS asyncgate_claims (
    instance_id text PRIMARY KEY,
    epoch       bigint      NOT NULL,
    holder_host text        NOT NULL,
    holder_pid  integer     NOT NULL,
    acquired_at timestamptz NOT NULL,
    renewed_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
ALTER TABLE asyncgate_claims ADD COLUMN IF NOT EXISTS adopted_by text";

pub(super) const ACQUIRE: &str = "
INSERT INTO asyncgate_claims AS c
    (instance_id, epoch, holder_host, holder_pid, acquired_at, renewed_at, expires_at)
VALUES ($1, 1, $2, $3, now(), now(), now() + make_interval(secs => $4))
ON CONFLICT (instance_id) DO UPDATE
    SET epoch = c.epoch + 1,
        holder_host = EXCLUDED.holder_host,
        holder_pid = EXCLUDED.holder_pid,
        acquired_at = now(),
        renewed_at = now(),
        expires_at = EXCLUDED.expires_at,
        adopted_by = NULL
    WHERE c.expires_at <= now() OR c.adopted_by IS NOT NULL
RETURNING epoch";

pub(super) const HOLDER: &str = "SELECT epoch, holder_host, holder_pid, acquired_at, expires_at <= now() AS expired FROM asyncgate_claims WHERE instance_id = $1";

/// The holder of epoch N keeps a session-level advisory lock on (id, N) on
/// its renew connection: PostgreSQL frees it the moment that session ends
/// (the process died, or its connection did). A contender that can take it
/// knows the holder is gone and need not wait for the lease to expire. A
/// frozen holder keeps its session, and so its lock and its lease.
pub(super) const TRY_LOCK: &str = "SELECT pg_try_advisory_lock(hashtextextended($1, $2))";
pub(super) const UNLOCK: &str = "SELECT pg_advisory_unlock(hashtextextended($1, $2))";

/// Takes over epoch `$5` from a holder whose session is gone.
pub(super) const TAKE_OVER: &str = "
UPDATE asyncgate_claims
   SET epoch = epoch + 1, holder_host = $2, holder_pid = $3,
       acquired_at = now(), renewed_at = now(), expires_at = now() + make_interval(secs => $4)
 WHERE instance_id = $1 AND epoch = $5
RETURNING epoch";

/// Adopts epoch `$5` of a dead replica's claim for the replica `$6`.
pub(super) const ADOPT: &str = "
UPDATE asyncgate_claims
   SET epoch = epoch + 1, holder_host = $2, holder_pid = $3, adopted_by = $6,
       acquired_at = now(), renewed_at = now(), expires_at = now() + make_interval(secs => $4)
 WHERE instance_id = $1 AND epoch = $5
RETURNING epoch";

pub(super) const RENEW: &str = "
UPDATE asyncgate_claims
   SET renewed_at = now(), expires_at = now() + make_interval(secs => $3)
 WHERE instance_id = $1 AND epoch = $2 AND expires_at > now()
RETURNING epoch";

pub(super) const RELEASE: &str =
    "UPDATE asyncgate_claims SET expires_at = now() WHERE instance_id = $1 AND epoch = $2";

pub(super) const FENCE: &str = "SELECT epoch FROM asyncgate_claims WHERE instance_id = $1 AND epoch = $2 AND expires_at > now() FOR SHARE";

pub(super) const LIST: &str = "
SELECT instance_id, epoch, holder_host, holder_pid, acquired_at, expires_at > now() AS live, adopted_by
  FROM asyncgate_claims ORDER BY instance_id";
