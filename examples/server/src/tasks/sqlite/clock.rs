//! The embedded store's clock. Lease expiry must not move when the wall
//! clock is stepped (NTP's first sync, `date -s`, a VM resumed with an old
//! time): a step forward would requeue live leases, one back would keep
//! dead ones. Store time is the host's uptime (`/proc/uptime`, which every
//! process of the host reads alike and no one can step) plus an offset the
//! store keeps per boot: set from the wall clock by the first replica that
//! opens the store after a boot, and never below the last store time
//! recorded before it, so store time stays close to real time and never
//! goes back. A host without `/proc/uptime` (not Linux) uses the wall
//! clock, as the store did before.

use std::sync::Arc;

use super::{TaskError, sqlite_error};

/// What the host says about time.
pub(crate) trait HostTime: Send + Sync + 'static {
    /// This boot's id; `None` where the host has no uptime to offer.
    fn boot_id(&self) -> Option<String>;
    /// Milliseconds since boot (counting suspend), if the host offers it.
    fn uptime_ms(&self) -> Option<i64>;
    /// The wall clock, in milliseconds since the Unix epoch.
    fn wall_ms(&self) -> i64;
}

/// The real host: Linux's `/proc`, and `SystemTime`. `/proc/uptime` counts
/// hundredths of a second: it is read once, and `Instant` (which does not
/// jump either) carries it on to the millisecond in this process.
#[derive(Debug, Default)]
pub(crate) struct ProcHost {
    anchor: std::sync::OnceLock<Option<(i64, std::time::Instant)>>,
}

impl HostTime for ProcHost {
    fn boot_id(&self) -> Option<String> {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .ok()
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty())
    }

    fn uptime_ms(&self) -> Option<i64> {
        let (at_read, read) = (*self.anchor.get_or_init(|| {
            let uptime = parse_uptime(&std::fs::read_to_string("/proc/uptime").ok()?)?;
            Some((uptime, std::time::Instant::now()))
        }))?;
        let since = i64::try_from(read.elapsed().as_millis()).unwrap_or(i64::MAX);
        Some(at_read.saturating_add(since))
    }

    fn wall_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// `/proc/uptime`'s first field (`12345.67`: seconds and hundredths), in
/// milliseconds.
fn parse_uptime(text: &str) -> Option<i64> {
    let first = text.split_whitespace().next()?;
    let (secs, fraction) = first.split_once('.').unwrap_or((first, "0"));
    let secs: i64 = secs.parse().ok()?;
    let hundredths: i64 = format!("{fraction:0<2}").get(..2)?.parse().ok()?;
    secs.checked_mul(1000)?.checked_add(hundredths * 10)
}

/// Where the store's "now" comes from.
#[derive(Clone)]
pub(crate) enum StoreClock {
    /// The host's uptime plus the store's offset for this boot.
    Uptime {
        host: Arc<dyn HostTime>,
        offset_ms: i64,
    },
    /// The wall clock (a host without an uptime).
    Wall(Arc<dyn HostTime>),
}

impl std::fmt::Debug for StoreClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreClock::Uptime { offset_ms, .. } => write!(f, "StoreClock::Uptime({offset_ms})"),
            StoreClock::Wall(_) => f.write_str("StoreClock::Wall"),
        }
    }
}

impl StoreClock {
    /// The store's time now, in milliseconds (close to the Unix epoch's).
    pub(crate) fn now_ms(&self) -> i64 {
        match self {
            StoreClock::Uptime { host, offset_ms } => match host.uptime_ms() {
                Some(uptime) => uptime.saturating_add(*offset_ms),
                // `/proc` went away under us: the wall clock, rather than stop.
                None => host.wall_ms(),
            },
            StoreClock::Wall(host) => host.wall_ms(),
        }
    }

    /// The clock of the store on `conn` for this boot: its recorded offset,
    /// or (the first open since a boot) a new one, in one transaction so
    /// that replicas opening together agree.
    pub(crate) fn open(
        conn: &mut rusqlite::Connection,
        host: Arc<dyn HostTime>,
    ) -> Result<StoreClock, TaskError> {
        let (Some(boot), Some(uptime)) = (host.boot_id(), host.uptime_ms()) else {
            return Ok(StoreClock::Wall(host));
        };
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| sqlite_error(&e))?;
        let recorded: Option<(String, i64, i64)> = tx
            .query_row(
                "SELECT boot_id, offset_ms, last_ms FROM asyncgate_clock WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .ok();
        let offset_ms = match recorded {
            Some((recorded_boot, offset, _)) if recorded_boot == boot => offset,
            other => {
                // A new boot (or a new store): real time, as the wall clock
                // says now, but never before a time the store has used.
                let last = other.map_or(i64::MIN, |(_, _, last)| last);
                let offset = host.wall_ms().max(last).saturating_sub(uptime);
                tx.execute(
                    "INSERT OR REPLACE INTO asyncgate_clock (id, boot_id, offset_ms, last_ms)
                     VALUES (1, ?1, ?2, ?3)",
                    rusqlite::params![boot, offset, uptime.saturating_add(offset)],
                )
                .map_err(|e| sqlite_error(&e))?;
                offset
            }
        };
        tx.commit().map_err(|e| sqlite_error(&e))?;
        Ok(StoreClock::Uptime { host, offset_ms })
    }
}

/// Records `now` as a time the store has used (a later boot starts no
/// earlier). Run inside a transaction that writes anyway (the sweep's).
pub(crate) fn record_last(tx: &rusqlite::Transaction<'_>, now: i64) -> Result<(), TaskError> {
    tx.execute(
        "UPDATE asyncgate_clock SET last_ms = max(last_ms, ?1) WHERE id = 1",
        [now],
    )
    .map(drop)
    .map_err(|e| sqlite_error(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_is_read_to_the_hundredth() {
        assert_eq!(parse_uptime("12345.67 54321.00\n"), Some(12_345_670));
        assert_eq!(parse_uptime("0.5 1.0"), Some(500));
        assert_eq!(parse_uptime("42 1"), Some(42_000));
        for bad in ["", "x.10 1", "-", "1.x 2"] {
            assert_eq!(parse_uptime(bad), None, "{bad:?}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_host_offers_an_uptime_and_a_boot_id() {
        let host = ProcHost::default();
        assert!(host.boot_id().is_some());
        let a = host.uptime_ms().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(3));
        let b = host.uptime_ms().unwrap();
        // Carried on to the millisecond between readings of /proc/uptime.
        assert!(0 < a && a + 3 <= b, "{a} then {b}");
    }
}
