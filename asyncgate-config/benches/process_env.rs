//! Loading a 22-field settings struct from the **process environment**:
//! asyncgate-config (load + detect + validate) against `envy`, `figment`,
//! `config` and a hand-written `std::env` loader, in one run. And the cost
//! of one unknown `PREFIX_*` variable.
//!
//! The variables must be in the real environment, and nothing here calls
//! `set_var`: the bench re-executes itself with them added. Each loader has
//! its own prefix (ours `BENCH_`, the baselines `BASE_`, figment `FIG_`,
//! whose lists are written as `[a,b]`), so every loader scans the same
//! environment and reads the same 22 values. The baselines cannot detect a
//! platform: they get the id as one more variable.
//!
//! A load reads the environment through std's copy of it, whatever the
//! threads: the last benchmark of the group loads after the bench has run
//! a thread, as in a process that has started its runtime.
//!
//! Run: `cargo bench -p asyncgate-config --bench process_env`

use std::hint::black_box;

mod common;
mod process;

use criterion::{Criterion, criterion_group};

fn process_env(c: &mut Criterion) {
    let mut group = c.benchmark_group("process_env_22_fields");
    group.bench_function("asyncgate_config (Settings::load + validate)", |b| {
        b.iter(|| black_box(process::ours()))
    });
    group.bench_function("envy (prefixed + from_env)", |b| {
        b.iter(|| black_box(process::envy()))
    });
    group.bench_function("figment (Env::prefixed + extract)", |b| {
        b.iter(|| black_box(process::figment()))
    });
    group.bench_function("config (Environment::with_prefix + try_deserialize)", |b| {
        b.iter(|| black_box(process::config()))
    });
    group.bench_function("hand-written std::env", |b| {
        b.iter(|| black_box(process::hand_written().expect("valid")))
    });
    group.bench_function("floor: std::env::vars_os() copied and dropped", |b| {
        b.iter(|| black_box(process::floor()))
    });
    // Last: a thread cannot be un-started.
    process::start_a_thread();
    group.bench_function("asyncgate_config, after a second thread", |b| {
        b.iter(|| black_box(process::ours()))
    });
    group.finish();
}

/// One unknown `BENCH_*` variable, in an injected map; the baseline has an
/// unrelated variable of the same length in its place.
fn unknown_variable(c: &mut Criterion) {
    let (without, with_unknown) = (process::injected(false), process::injected(true));
    assert_eq!(process::ours_injected(&without), 0);
    assert_eq!(process::ours_injected(&with_unknown), 1);
    let mut group = c.benchmark_group("unknown_variable");
    group.bench_function("no unknown variable", |b| {
        b.iter(|| black_box(process::ours_injected(&without)))
    });
    group.bench_function("one unknown variable", |b| {
        b.iter(|| black_box(process::ours_injected(&with_unknown)))
    });
    group.finish();
}

criterion_group!(benches, process_env, unknown_variable);

fn main() {
    process::in_child_with_variables();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
