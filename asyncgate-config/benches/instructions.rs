//! Instructions per load, counted by callgrind: deterministic where this
//! machine's timings move by ±5 µs between runs. `bench/instructions.py`
//! runs `instructions <loader> <n>` under valgrind for two values of `n`
//! and divides the difference, so start-up and first-load costs cancel.
//!
//! Loaders: `ours`, `envy`, `figment`, `config`,
//! `hand`, `floor` (the `vars_os()` copy alone) from the process
//! environment, and `injected` / `injected-unknown` (one unknown `BENCH_*`
//! variable) from a map.
//! `instructions env` prints the variables the process loaders read.
//!
//! Run: `python3 bench/instructions.py` (needs valgrind).

use std::hint::black_box;

mod common;
mod process;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("env") {
        for (name, value) in process::variables() {
            println!("{name}={value}");
        }
        return;
    }
    // `cargo bench` runs every bench target with `--bench`: nothing to do.
    let (Some(loader), Some(n)) = (
        args.first(),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!(
            "usage: instructions <ours|envy|figment|config|hand|floor|injected|injected-unknown> <n> | env"
        );
        return;
    };
    let injected = (process::injected(false), process::injected(true));
    if !loader.starts_with("injected") {
        process::in_child_with_variables();
    }
    for _ in 0..n {
        match loader.as_str() {
            "ours" => drop(black_box(process::ours())),
            "envy" => drop(black_box(process::envy())),
            "figment" => drop(black_box(process::figment())),
            "config" => drop(black_box(process::config())),
            "hand" => drop(black_box(process::hand_written())),
            "floor" => drop(black_box(process::floor())),
            "injected" => drop(black_box(process::ours_injected(&injected.0))),
            "injected-unknown" => drop(black_box(process::ours_injected(&injected.1))),
            other => {
                eprintln!("unknown loader `{other}`");
                std::process::exit(2);
            }
        }
    }
}
