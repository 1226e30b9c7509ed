#!/usr/bin/env python3
"""Instructions per load of the 22-field struct, counted by callgrind:
asyncgate-config (load + detect + validate) from the process environment
against envy, figment, config, a hand-written std::env loader and the
`vars_os()` copy alone (the floor every environment loader pays); then the
cost of one unknown `BENCH_*` variable (injected map, against a map with
an unrelated variable of the same length in its place).

Instructions, unlike times, do not move with this machine's load: use it
to compare changes; use `cargo bench -p asyncgate-config --bench
process_env` for times.

    python3 bench/instructions.py [--small 100 --large 600]

Needs valgrind. Each loader runs twice (`--small` and `--large` loads);
the difference divided by the extra loads is the cost of one load, with
start-up and first-load costs cancelled.

    python3 bench/instructions.py --time [--rounds 9]

times the same loaders instead (no valgrind): each runs 50,000 loads in a
process of its own, the loaders interleaved, `--rounds` times; per load,
the fastest round and the median. Pairs that ran back to back see the same
machine, which criterion's groups, minutes apart, do not.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

LOADERS = [
    ("floor", "floor: std::env::vars_os() copied and dropped"),
    ("envy", "envy"),
    ("ours", "asyncgate-config: load + detect + validate"),
    ("config", "config"),
    ("figment", "figment"),
    ("hand", "hand-written std::env::var x 22 (no copy)"),
]


def bench_binary() -> str:
    out = subprocess.run(
        ["cargo", "bench", "-p", "asyncgate-config", "--bench", "instructions", "--no-run",
         "--message-format=json"],
        check=True, capture_output=True, text=True,
    ).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("target", {}).get("name") == "instructions" \
                and msg.get("executable"):
            return msg["executable"]
    raise SystemExit("cargo did not build the `instructions` bench")


def instructions(binary: str, env: dict, loader: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", binary, loader, str(n)],
            env=env, capture_output=True, text=True,
        )
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or not found:
        raise SystemExit(f"{loader} {n}: valgrind failed (exit {run.returncode}):\n{run.stderr[-2000:]}")
    return int(found.group(1))


def per_load(binary: str, env: dict, loader: str, small: int, large: int) -> float:
    return (instructions(binary, env, loader, large) - instructions(binary, env, loader, small)) / (large - small)


def timed(binary: str, env: dict, rounds: int, loads: int = 50_000) -> None:
    results = {key: [] for key, _ in LOADERS}
    for _ in range(rounds):
        for key, _ in LOADERS:
            start = time.perf_counter()
            subprocess.run([binary, key, str(loads)], env=env, check=True)
            results[key].append((time.perf_counter() - start) / loads * 1e6)
    envy = statistics.median(results["envy"])
    print(f"{'':46} {'fastest':>9} {'median':>9} {'vs envy':>8}   (µs per load, {rounds} rounds)")
    for key, label in LOADERS:
        median = statistics.median(results[key])
        print(f"{label:46} {min(results[key]):>9.2f} {median:>9.2f} {median / envy:>7.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=600)
    parser.add_argument("--time", action="store_true", help="time the loaders instead of counting instructions")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    if args.large <= args.small:
        raise SystemExit("--large must be more than --small")
    if not args.time and shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    binary = bench_binary()
    variables = dict(
        line.split("=", 1)
        for line in subprocess.run([binary, "env"], check=True, capture_output=True, text=True).stdout.splitlines()
    )
    # The variables in the real environment, as the criterion bench has
    # them; ASYNCGATE_BENCH_CHILD says they are there already.
    env = dict(os.environ, **variables, ASYNCGATE_BENCH_CHILD="1")
    if args.time:
        print(f"environment: {len(env)} variables\n")
        timed(binary, env, args.rounds)
        return
    print(f"environment: {len(env)} variables; {args.large - args.small} loads counted per loader\n")
    counts = {key: per_load(binary, env, key, args.small, args.large) for key, _ in LOADERS}
    floor, envy = counts["floor"], counts["envy"]
    print(f"{'':46} {'instr/load':>11} {'vs envy':>8} {'beyond the floor':>17}")
    for key, label in LOADERS:
        # What a loader spends beyond the copy, for those that pay it (ours
        # reads in place while the process has one thread; `hand` reads
        # 22 variables by name).
        beyond = "" if key in ("floor", "hand", "ours") else f"{counts[key] - floor:>17,.0f}"
        print(f"{label:46} {counts[key]:>11,.0f} {counts[key] / envy:>7.2f}x {beyond}")
    without = per_load(binary, env, "injected", args.small, args.large)
    with_unknown = per_load(binary, env, "injected-unknown", args.small, args.large)
    print(
        f"\none unknown BENCH_* variable (injected map): {with_unknown:,.0f} vs {without:,.0f} "
        f"instructions per load: +{with_unknown - without:,.0f} ({(with_unknown - without) / without:.1%})"
    )


if __name__ == "__main__":
    sys.exit(main())
