#!/usr/bin/env python3
"""`cargo check` of a crate whose 200-field struct derives `GateConfig`,
against the same struct deriving only `serde::Deserialize`, in the same run.

Each variant is a throwaway crate (in a temp dir) depending on this
workspace's asyncgate-config by path. Dependencies are checked once; then the
user crate alone is re-checked N times (after touching its source), and the
median is reported. Run from the repository root:

    python3 bench/derive_check.py [--fields 200] [--runs 10] [--cmd check|build]
    python3 bench/derive_check.py --sections 4 --per-section 10   # 40 of the 200 in 4 sections
    python3 bench/derive_check.py --sections 4 --per-section 10 --shapes
        # sections 0 and 1 as the variants of an enum section (serde: an
        # internally tagged enum), section 2 optional (`Option<Section2>`),
        # section 3 a list (`Vec<Section3>`), section 4 a map
        # (`BTreeMap<String, Section4>`)
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


def field_lines(gate: bool, count: int, start: int) -> list:
    lines = []
    for i in range(start, start + count):
        ty = TYPES[i % len(TYPES)]
        attr = ""
        if gate and ty in ("u16", "u32", "u64"):
            attr = f"    #[gate(default = {i})]\n"
        elif gate and ty == "bool":
            attr = "    #[gate(default = false)]\n"
        lines.append(f"    /// Setting number {i}.\n{attr}    pub field_{i}: {ty},")
    return lines


def struct_source(fields: int, gate: bool, sections: int = 0, per_section: int = 0, shapes: bool = False) -> str:
    """`fields` settings in all; `sections * per_section` of them in sections.
    With `shapes`, sections 0 and 1 are the variants of an enum section and
    section 2 is optional."""
    lines = []
    derive = "GateConfig" if gate else "serde::Deserialize"
    if gate:
        lines.append("use asyncgate_config::{Environment, GateConfig, InstanceId};\n")
    else:
        lines.append("use asyncgate_config::{Environment, InstanceId};\n")
    for s in range(sections):
        section_attr = "#[gate(section)]\n" if gate else ""
        lines.append(f"/// Section {s}.\n#[derive({derive})]\n{section_attr}pub struct Section{s} {{")
        lines += field_lines(gate, per_section, 10000 + s * per_section)
        lines.append("}\n")
    enum_section = shapes and sections >= 2
    if enum_section:
        enum_attr = '#[gate(section, default = "a")]\n' if gate else '#[serde(tag = "kind", rename_all = "snake_case")]\n'
        lines.append(f"/// Backend.\n#[derive({derive})]\n{enum_attr}pub enum Backend {{\n    /// A.\n    A(Section0),\n    /// B.\n    B(Section1),\n    /// Off.\n    Off,\n}}\n")
    prefix_attr = '#[gate(prefix = "BIG")]\n' if gate else ""
    lines.append(f"/// Settings.\n#[derive({derive})]\n{prefix_attr}pub struct Settings {{")
    env_attr = '    #[gate(environment, default = "development")]\n' if gate else ""
    id_attr = '    #[gate(instance_id, default = "big-1")]\n' if gate else ""
    lines.append(f"    /// Environment.\n{env_attr}    pub env: Environment,")
    lines.append(f"    /// Instance id.\n{id_attr}    pub instance_id: InstanceId,")
    lines += field_lines(gate, fields - 2 - sections * per_section, 0)
    nested_attr = "    #[gate(nested)]\n" if gate else ""
    if enum_section:
        lines.append(f"    /// Backend.\n{nested_attr}    pub backend: Backend,")
    for s in range(2 if enum_section else 0, sections):
        ty = f"Section{s}"
        if shapes and s == 2:
            ty = f"Option<Section{s}>"
        elif shapes and s == 3:
            ty = f"Vec<Section{s}>"
        elif shapes and s == 4:
            ty = f"std::collections::BTreeMap<String, Section{s}>"
        lines.append(f"    /// Section {s}.\n{nested_attr}    pub section_{s}: {ty},")
    lines.append("}\n")
    return "\n".join(lines)


def make_crate(base: pathlib.Path, name: str, fields: int, gate: bool, sections: int = 0, per_section: int = 0, shapes: bool = False) -> pathlib.Path:
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
    (crate / "src" / "lib.rs").write_text(struct_source(fields, gate, sections, per_section, shapes))
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
    parser.add_argument("--sections", type=int, default=0)
    parser.add_argument("--per-section", type=int, default=10)
    parser.add_argument("--shapes", action="store_true", help="an enum section, an optional one, a list and a map among the sections")
    args = parser.parse_args()
    global CMD
    CMD = args.cmd
    nested = args.sections * args.per_section if args.sections else 0
    shapes = " (two as an enum section, one optional, one a list, one a map)" if args.shapes else ""
    print(f"cargo {CMD} of a {args.fields}-field struct ({nested} in {args.sections} sections{shapes}), user crate only, median of {args.runs}")
    with tempfile.TemporaryDirectory() as tmp:
        base = pathlib.Path(tmp)
        target = base / "target"
        crates = {
            "derive GateConfig": make_crate(base, "big_gate", args.fields, True, args.sections, args.per_section if args.sections else 0, args.shapes),
            "derive serde::Deserialize": make_crate(base, "big_serde", args.fields, False, args.sections, args.per_section if args.sections else 0, args.shapes),
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
        target = "1.2x" if args.sections else "1.5x"
        print(f"ratio GateConfig / Deserialize: {ratio:.2f}x (target <= {target})")


if __name__ == "__main__":
    main()
