//! The history checker of the fault test: what clients saw (every request
//! and its response, or that none came), and what the store holds at the
//! end (every requeue and fenced write with its epoch, every task), checked
//! against the promises of partitioned sweeping:
//!
//! 1. no task completed twice;
//! 2. no task lost: every created task ends completed, queued or leased,
//!    and a task whose completion was acknowledged ends completed;
//! 3. no expired lease requeued twice, none requeued before it expired,
//!    and none requeued after its completion was acknowledged;
//! 4. every expired lease is requeued within `bound` of its expiry (ttl +
//!    sweep interval + 1 s), not counting time the store itself was down
//!    (`outages`: nobody can requeue then): a dead replica's tasks are not
//!    stranded;
//! 5. no row written under a stale epoch: in each partition, writes in
//!    commit order never go back to an older epoch.
//!
//! The checker is pure: the fault test gathers the evidence, and the unit
//! tests below (run with the fault test's binary) feed it hand-made bad
//! histories that it must reject. Test code of the server: it is no part of
//! the server's API.

use std::collections::{HashMap, HashSet};
use std::fmt;

/// What a client asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Call {
    /// `POST /v1/tasks`.
    Create,
    /// `POST /v1/leases`.
    Lease,
    /// `POST /v1/leases/{id}/complete`.
    Complete {
        /// The lease.
        lease_id: i64,
    },
}

/// What came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// `201 {"task_id"}`.
    Created {
        /// The new task.
        task_id: i64,
    },
    /// `200 {"lease_id", "task_id"}`.
    Leased {
        /// The lease.
        lease_id: i64,
        /// Its task.
        task_id: i64,
    },
    /// `204`: the queue was empty.
    Empty,
    /// `200` to a completion.
    Completed,
    /// `409` to a completion: the lease was no longer held.
    Refused,
    /// No answer, a connection error or a 5xx: it may or may not have happened.
    Unknown,
}

/// One request and its response, with when each happened (ms, local clock).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Op {
    /// Which client.
    pub(crate) worker: String,
    /// The request.
    pub(crate) call: Call,
    /// The response.
    pub(crate) outcome: Outcome,
    /// When it was sent.
    pub(crate) sent_ms: i64,
    /// When the response came (or the client gave up).
    pub(crate) done_ms: i64,
}

/// A requeue the store recorded (`asyncgate_requeues`), in commit order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Requeue {
    /// Its position in the store's own order.
    pub(crate) seq: i64,
    /// The expired lease.
    pub(crate) lease_id: i64,
    /// Its task.
    pub(crate) task_id: i64,
    /// The partition swept.
    pub(crate) partition: String,
    /// The epoch the sweep was fenced with.
    pub(crate) epoch: i64,
    /// When the lease expired (ms, the store's clock).
    pub(crate) lease_expired_ms: i64,
    /// When it was requeued (ms, the store's clock).
    pub(crate) requeued_ms: i64,
}

/// A fenced write (a sweep, a task creation): its partition and epoch, in
/// the store's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Write {
    /// Its position in the store's own order (within its kind).
    pub(crate) seq: i64,
    /// What kind of write (`sweep`, `create`): each kind is one series.
    pub(crate) kind: &'static str,
    /// The partition.
    pub(crate) partition: String,
    /// The epoch it was written under.
    pub(crate) epoch: i64,
}

/// A task as the store holds it at the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Task {
    /// Its id.
    pub(crate) task_id: i64,
    /// `queued`, `leased` or `completed`.
    pub(crate) status: String,
    /// Its owner's partition.
    pub(crate) owner: String,
    /// For a leased task whose lease has expired: for how long (ms).
    pub(crate) expired_for_ms: Option<i64>,
}

/// Everything the checker reads.
#[derive(Clone, Debug, Default)]
pub(crate) struct Evidence {
    /// Every client request and response.
    pub(crate) ops: Vec<Op>,
    /// Every requeue.
    pub(crate) requeues: Vec<Requeue>,
    /// Every fenced write.
    pub(crate) writes: Vec<Write>,
    /// Every task at the end.
    pub(crate) tasks: Vec<Task>,
    /// The longest an expired lease may wait to be requeued (ms).
    pub(crate) bound_ms: i64,
    /// When the store was down (ms, from..to): not counted against the bound.
    pub(crate) outages: Vec<(i64, i64)>,
}

/// How much of `from..to` falls inside the outages (ms).
fn overlap(from: i64, to: i64, outages: &[(i64, i64)]) -> i64 {
    outages
        .iter()
        .map(|&(start, end)| (to.min(end) - from.max(start)).max(0))
        .sum()
}

/// A broken promise, with the evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Violation {
    /// Two acknowledged completions of one task.
    CompletedTwice {
        /// The task.
        task_id: i64,
        /// The two leases.
        leases: (i64, i64),
    },
    /// A created task the store does not have, or that ended in no known state.
    Lost {
        /// The task.
        task_id: i64,
    },
    /// A task whose completion was acknowledged is not completed.
    CompletionUndone {
        /// The task.
        task_id: i64,
        /// Its status at the end.
        status: String,
    },
    /// One lease requeued twice.
    RequeuedTwice {
        /// The lease.
        lease_id: i64,
    },
    /// A lease requeued before it expired.
    RequeuedEarly {
        /// The lease.
        lease_id: i64,
    },
    /// A lease requeued although its completion was acknowledged.
    RequeuedAfterCompletion {
        /// The lease.
        lease_id: i64,
    },
    /// A lease requeued later than the bound after its expiry.
    RequeuedLate {
        /// The lease.
        lease_id: i64,
        /// How long after its expiry (ms).
        after_ms: i64,
    },
    /// A task whose lease expired longer ago than the bound, never requeued.
    Stranded {
        /// The task.
        task_id: i64,
        /// Its partition.
        owner: String,
        /// How long its lease has been expired (ms).
        expired_for_ms: i64,
    },
    /// A write under an older epoch after a write under a newer one.
    StaleEpoch {
        /// The kind of write.
        kind: &'static str,
        /// The partition.
        partition: String,
        /// The newer epoch written first.
        newer: i64,
        /// The older epoch written after it.
        older: i64,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::CompletedTwice { task_id, leases } => write!(
                f,
                "task {task_id} completed twice (leases {} and {})",
                leases.0, leases.1
            ),
            Violation::Lost { task_id } => write!(f, "task {task_id} was created and is gone"),
            Violation::CompletionUndone { task_id, status } => write!(
                f,
                "task {task_id}'s completion was acknowledged, but it ended {status}"
            ),
            Violation::RequeuedTwice { lease_id } => {
                write!(f, "lease {lease_id} was requeued twice")
            }
            Violation::RequeuedEarly { lease_id } => {
                write!(f, "lease {lease_id} was requeued before it expired")
            }
            Violation::RequeuedAfterCompletion { lease_id } => write!(
                f,
                "lease {lease_id} was requeued although its completion was acknowledged"
            ),
            Violation::RequeuedLate { lease_id, after_ms } => write!(
                f,
                "lease {lease_id} was requeued {after_ms} ms after it expired"
            ),
            Violation::Stranded {
                task_id,
                owner,
                expired_for_ms,
            } => write!(
                f,
                "task {task_id} of partition {owner} is stranded: its lease expired {expired_for_ms} ms ago and nobody requeued it"
            ),
            Violation::StaleEpoch {
                kind,
                partition,
                newer,
                older,
            } => write!(
                f,
                "a {kind} in partition {partition} was written under epoch {older} after one under epoch {newer}"
            ),
        }
    }
}

/// Every broken promise in `evidence`; empty when the history is correct.
pub(crate) fn check(evidence: &Evidence) -> Vec<Violation> {
    let mut out = Vec::new();
    let leases = lease_tasks(&evidence.ops);
    let completed = acknowledged_completions(&evidence.ops);
    completions(&completed, &leases, &mut out);
    lost(evidence, &completed, &leases, &mut out);
    requeues(evidence, &completed, &mut out);
    stranded(evidence, &mut out);
    stale_epochs(&evidence.writes, &mut out);
    out
}

/// Lease id -> task id, from every acknowledged lease.
fn lease_tasks(ops: &[Op]) -> HashMap<i64, i64> {
    ops.iter()
        .filter_map(|op| match op.outcome {
            Outcome::Leased { lease_id, task_id } => Some((lease_id, task_id)),
            _ => None,
        })
        .collect()
}

/// Leases whose completion was acknowledged (200), in history order.
fn acknowledged_completions(ops: &[Op]) -> Vec<i64> {
    let mut ops: Vec<&Op> = ops.iter().collect();
    ops.sort_by_key(|op| op.done_ms);
    ops.iter()
        .filter_map(|op| match (&op.call, &op.outcome) {
            (Call::Complete { lease_id }, Outcome::Completed) => Some(*lease_id),
            _ => None,
        })
        .collect()
}

fn completions(completed: &[i64], leases: &HashMap<i64, i64>, out: &mut Vec<Violation>) {
    let mut by_task: HashMap<i64, i64> = HashMap::new();
    for &lease in completed {
        let Some(&task) = leases.get(&lease) else {
            continue;
        };
        match by_task.get(&task) {
            Some(&first) if first != lease => out.push(Violation::CompletedTwice {
                task_id: task,
                leases: (first, lease),
            }),
            Some(_) => {}
            None => {
                by_task.insert(task, lease);
            }
        }
    }
}

fn lost(
    evidence: &Evidence,
    completed: &[i64],
    leases: &HashMap<i64, i64>,
    out: &mut Vec<Violation>,
) {
    let tasks: HashMap<i64, &Task> = evidence.tasks.iter().map(|t| (t.task_id, t)).collect();
    for op in &evidence.ops {
        if let Outcome::Created { task_id } = op.outcome {
            match tasks.get(&task_id) {
                Some(t) if matches!(t.status.as_str(), "queued" | "leased" | "completed") => {}
                _ => out.push(Violation::Lost { task_id }),
            }
        }
    }
    let done: HashSet<i64> = completed
        .iter()
        .filter_map(|l| leases.get(l))
        .copied()
        .collect();
    let mut done: Vec<i64> = done.into_iter().collect();
    done.sort_unstable();
    for task_id in done {
        if let Some(t) = tasks.get(&task_id)
            && t.status != "completed"
        {
            out.push(Violation::CompletionUndone {
                task_id,
                status: t.status.clone(),
            });
        }
    }
}

fn requeues(evidence: &Evidence, completed: &[i64], out: &mut Vec<Violation>) {
    let completed: HashSet<i64> = completed.iter().copied().collect();
    let mut seen = HashSet::new();
    for r in &evidence.requeues {
        if !seen.insert(r.lease_id) {
            out.push(Violation::RequeuedTwice {
                lease_id: r.lease_id,
            });
        }
        if r.requeued_ms < r.lease_expired_ms {
            out.push(Violation::RequeuedEarly {
                lease_id: r.lease_id,
            });
        }
        if completed.contains(&r.lease_id) {
            out.push(Violation::RequeuedAfterCompletion {
                lease_id: r.lease_id,
            });
        }
        let after_ms = r.requeued_ms - r.lease_expired_ms;
        let down_ms = overlap(r.lease_expired_ms, r.requeued_ms, &evidence.outages);
        if after_ms - down_ms > evidence.bound_ms {
            out.push(Violation::RequeuedLate {
                lease_id: r.lease_id,
                after_ms,
            });
        }
    }
}

fn stranded(evidence: &Evidence, out: &mut Vec<Violation>) {
    for t in &evidence.tasks {
        if let Some(expired_for_ms) = t.expired_for_ms
            && t.status == "leased"
            && expired_for_ms > evidence.bound_ms
        {
            out.push(Violation::Stranded {
                task_id: t.task_id,
                owner: t.owner.clone(),
                expired_for_ms,
            });
        }
    }
}

fn stale_epochs(writes: &[Write], out: &mut Vec<Violation>) {
    let mut ordered: Vec<&Write> = writes.iter().collect();
    ordered.sort_by_key(|w| (w.kind, w.seq));
    let mut newest: HashMap<(&'static str, &str), i64> = HashMap::new();
    for w in ordered {
        let newest = newest
            .entry((w.kind, w.partition.as_str()))
            .or_insert(w.epoch);
        if w.epoch < *newest {
            out.push(Violation::StaleEpoch {
                kind: w.kind,
                partition: w.partition.clone(),
                newer: *newest,
                older: w.epoch,
            });
        } else {
            *newest = w.epoch;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(worker: &str, call: Call, outcome: Outcome, at: i64) -> Op {
        Op {
            worker: worker.to_owned(),
            call,
            outcome,
            sent_ms: at,
            done_ms: at + 1,
        }
    }

    fn task(task_id: i64, status: &str) -> Task {
        Task {
            task_id,
            status: status.to_owned(),
            owner: "r1".to_owned(),
            expired_for_ms: None,
        }
    }

    fn requeue(seq: i64, lease_id: i64, expired: i64, requeued: i64) -> Requeue {
        Requeue {
            seq,
            lease_id,
            task_id: 1,
            partition: "r1".to_owned(),
            epoch: 1,
            lease_expired_ms: expired,
            requeued_ms: requeued,
        }
    }

    /// Task 1: created, leased (lease 10), abandoned, requeued, leased
    /// again (lease 11), completed. Task 2: created, leased, still leased.
    fn good() -> Evidence {
        Evidence {
            ops: vec![
                op("w1", Call::Create, Outcome::Created { task_id: 1 }, 0),
                op("w1", Call::Create, Outcome::Created { task_id: 2 }, 1),
                op(
                    "w1",
                    Call::Lease,
                    Outcome::Leased {
                        lease_id: 10,
                        task_id: 1,
                    },
                    2,
                ),
                op(
                    "w1",
                    Call::Complete { lease_id: 10 },
                    Outcome::Refused,
                    3_000,
                ),
                op(
                    "w2",
                    Call::Lease,
                    Outcome::Leased {
                        lease_id: 11,
                        task_id: 1,
                    },
                    3_100,
                ),
                op(
                    "w2",
                    Call::Complete { lease_id: 11 },
                    Outcome::Completed,
                    3_200,
                ),
                op(
                    "w2",
                    Call::Lease,
                    Outcome::Leased {
                        lease_id: 12,
                        task_id: 2,
                    },
                    3_300,
                ),
                op("w3", Call::Lease, Outcome::Empty, 3_400),
                op(
                    "w3",
                    Call::Complete { lease_id: 12 },
                    Outcome::Unknown,
                    3_500,
                ),
            ],
            requeues: vec![requeue(1, 10, 1_002, 2_500)],
            writes: vec![
                Write {
                    seq: 1,
                    kind: "sweep",
                    partition: "r1".to_owned(),
                    epoch: 1,
                },
                Write {
                    seq: 2,
                    kind: "sweep",
                    partition: "r1".to_owned(),
                    epoch: 2,
                },
            ],
            tasks: vec![task(1, "completed"), task(2, "leased")],
            bound_ms: 5_000,
            outages: Vec::new(),
        }
    }

    #[test]
    fn a_correct_history_passes() {
        assert_eq!(check(&good()), vec![]);
    }

    #[test]
    fn a_task_completed_twice_is_caught() {
        let mut e = good();
        // Lease 10's completion acknowledged too, though 11 completed the task.
        e.ops[3].outcome = Outcome::Completed;
        e.requeues.clear();
        let v = check(&e);
        assert!(
            v.contains(&Violation::CompletedTwice {
                task_id: 1,
                leases: (10, 11)
            }),
            "{v:?}"
        );
    }

    #[test]
    fn a_lost_task_and_an_undone_completion_are_caught() {
        let mut e = good();
        e.tasks.retain(|t| t.task_id != 2);
        e.tasks[0].status = "queued".to_owned();
        let v = check(&e);
        assert!(v.contains(&Violation::Lost { task_id: 2 }), "{v:?}");
        assert!(
            v.contains(&Violation::CompletionUndone {
                task_id: 1,
                status: "queued".to_owned()
            }),
            "{v:?}"
        );
        // A task in a state that is none of the three counts as lost too.
        let mut e = good();
        e.tasks[1].status = "vanished".to_owned();
        assert!(check(&e).contains(&Violation::Lost { task_id: 2 }));
    }

    #[test]
    fn a_lease_requeued_twice_early_late_or_after_completion_is_caught() {
        let mut e = good();
        e.requeues.push(requeue(2, 10, 1_002, 2_600));
        assert!(check(&e).contains(&Violation::RequeuedTwice { lease_id: 10 }));

        let mut e = good();
        e.requeues[0].requeued_ms = 900;
        assert!(check(&e).contains(&Violation::RequeuedEarly { lease_id: 10 }));

        let mut e = good();
        e.requeues.push(requeue(2, 11, 3_150, 3_400));
        assert!(check(&e).contains(&Violation::RequeuedAfterCompletion { lease_id: 11 }));

        let mut e = good();
        e.requeues[0].requeued_ms = 1_002 + 5_001;
        assert!(check(&e).contains(&Violation::RequeuedLate {
            lease_id: 10,
            after_ms: 5_001
        }));
        // Time the store was down does not count; time around it does.
        e.outages = vec![(2_000, 4_000)];
        assert_eq!(check(&e), vec![]);
        e.requeues[0].requeued_ms = 1_002 + 7_001;
        assert!(check(&e).contains(&Violation::RequeuedLate {
            lease_id: 10,
            after_ms: 7_001
        }));
        // An outage outside the wait excuses nothing.
        e.requeues[0].requeued_ms = 1_002 + 5_001;
        e.outages = vec![(9_000, 20_000)];
        assert_eq!(check(&e).len(), 1);
    }

    #[test]
    fn a_stranded_task_is_caught_and_a_recent_expiry_is_not() {
        let mut e = good();
        e.tasks[1].expired_for_ms = Some(4_000);
        assert_eq!(check(&e), vec![]);
        e.tasks[1].expired_for_ms = Some(60_000);
        assert_eq!(
            check(&e),
            vec![Violation::Stranded {
                task_id: 2,
                owner: "r1".to_owned(),
                expired_for_ms: 60_000
            }]
        );
    }

    #[test]
    fn a_write_under_a_stale_epoch_is_caught_per_partition_and_kind() {
        let mut e = good();
        e.writes.push(Write {
            seq: 3,
            kind: "sweep",
            partition: "r1".to_owned(),
            epoch: 1,
        });
        assert_eq!(
            check(&e),
            vec![Violation::StaleEpoch {
                kind: "sweep",
                partition: "r1".to_owned(),
                newer: 2,
                older: 1
            }]
        );
        // Another partition, or another kind of write, is its own series.
        let mut e = good();
        e.writes.push(Write {
            seq: 3,
            kind: "sweep",
            partition: "r2".to_owned(),
            epoch: 1,
        });
        e.writes.push(Write {
            seq: 1,
            kind: "create",
            partition: "r1".to_owned(),
            epoch: 1,
        });
        assert_eq!(check(&e), vec![]);
    }

    #[test]
    fn every_violation_explains_itself() {
        let v = Violation::Stranded {
            task_id: 7,
            owner: "orders-old".to_owned(),
            expired_for_ms: 9_000,
        };
        assert_eq!(
            v.to_string(),
            "task 7 of partition orders-old is stranded: its lease expired 9000 ms ago and nobody requeued it"
        );
    }
}
