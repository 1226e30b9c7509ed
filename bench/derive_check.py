#!/usr/bin/env python3
"""`cargo check` of a crate whose 200-field struct derives `GateConfig`,
against the same struct deriving only `serde::Deserialize`, in the same run.

Each variant is a throwaway crate (in a temp dir) depending on this
workspace's asyncgate-config by path. Dependencies are checked once; then the
user crate alone is re-checked N times (after touching its source), and the
median is reported. Run from the repository root:

    python3 bench/derive_check.py [--fields 200] [--runs 10] [--cmd check|build]
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
TYPES = ["u16", "u32", "u64", "i64", "bool", "String", "Option<String>", "Vec<String>", "f64", "Option<u32>"]


def struct_source(fields: int, gate: bool) -> str:
    lines = []
    if gate:
        lines.append("use asyncgate_config::{Environment, GateConfig, InstanceId};\n")
        lines.append("/// Settings.\n#[derive(GateConfig)]\n#[gate(prefix = \"BIG\")]\npub struct Settings {")
        lines.append("    /// Environment.\n    #[gate(environment, default = \"development\")]\n    pub env: Environment,")
        lines.append("    /// Instance id.\n    #[gate(instance_id, default = \"big-1\")]\n    pub instance_id: InstanceId,")
        count = fields - 2
    else:
        lines.append("use asyncgate_config::{Environment, InstanceId};\n")
        lines.append("/// Settings.\n#[derive(serde::Deserialize)]\npub struct Settings {")
        lines.append("    /// Environment.\n    pub env: Environment,")
        lines.append("    /// Instance id.\n    pub instance_id: InstanceId,")
        count = fields - 2
    for i in range(count):
        ty = TYPES[i % len(TYPES)]
        attr = ""
        if gate and ty in ("u16", "u32", "u64"):
            attr = f"    #[gate(default = {i})]\n"
        elif gate and ty == "bool":
            attr = "    #[gate(default = false)]\n"
        lines.append(f"    /// Setting number {i}.\n{attr}    pub field_{i}: {ty},")
    lines.append("}\n")
    return "\n".join(lines)


def make_crate(base: pathlib.Path, name: str, fields: int, gate: bool) -> pathlib.Path:
    crate = base / name
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(
        f"""[package]
name = "{name}"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
asyncgate-config = {{ path = "{ROOT / 'asyncgate-config'}" }}
serde = {{ version = "1", features = ["derive"] }}

[workspace]
"""
    )
    (crate / "src" / "lib.rs").write_text(struct_source(fields, gate))
    return crate


CMD = "check"


def check(crate: pathlib.Path, target: pathlib.Path) -> float:
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    (crate / "src" / "lib.rs").touch()
    start = time.perf_counter()
    subprocess.run(["cargo", CMD, "-q"], cwd=crate, env=env, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fields", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--cmd", choices=["check", "build"], default="check")
    args = parser.parse_args()
    global CMD
    CMD = args.cmd
    print(f"cargo {CMD} of a {args.fields}-field struct, user crate only, median of {args.runs}")
    with tempfile.TemporaryDirectory() as tmp:
        base = pathlib.Path(tmp)
        target = base / "target"
        crates = {
            "derive GateConfig": make_crate(base, "big_gate", args.fields, True),
            "derive serde::Deserialize": make_crate(base, "big_serde", args.fields, False),
        }
        for crate in crates.values():
            check(crate, target)  # dependencies, once
        times = {name: [] for name in crates}
        for _ in range(args.runs):
            for name, crate in crates.items():  # interleaved: same conditions
                times[name].append(check(crate, target))
        medians = {name: statistics.median(t) for name, t in times.items()}
        for name, t in times.items():
            print(f"{name:28} median {medians[name]*1000:7.0f} ms  (min {min(t)*1000:.0f}, max {max(t)*1000:.0f}, n={len(t)})")
        ratio = medians["derive GateConfig"] / medians["derive serde::Deserialize"]
        print(f"ratio GateConfig / Deserialize: {ratio:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
