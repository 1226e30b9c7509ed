#!/usr/bin/env python3
"""Clean debug build of asyncgate-config (default features) next to a clean
build of figment with its `env` and `toml` features, in the same run: each
in a fresh target directory, after `cargo fetch` (downloads are not timed).

    python3 bench/clean_build.py [--jobs 2] [--release]
"""
import argparse
import os
import pathlib
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent

VARIANTS = {
    "asyncgate-config (default features)": f'asyncgate-config = {{ path = "{ROOT / "asyncgate-config"}" }}',
    "asyncgate-config (yaml)": f'asyncgate-config = {{ path = "{ROOT / "asyncgate-config"}", features = ["yaml"] }}',
    "asyncgate-config (claims + postgres)": f'asyncgate-config = {{ path = "{ROOT / "asyncgate-config"}", features = ["postgres"] }}',
    "figment (env, toml)": 'figment = { version = "0.10", features = ["env", "toml"] }',
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", default="2")
    parser.add_argument("--release", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, dep) in enumerate(VARIANTS.items()):
            crate = pathlib.Path(tmp) / f"c{i}"
            (crate / "src").mkdir(parents=True)
            (crate / "Cargo.toml").write_text(
                f'[package]\nname = "c{i}"\nversion = "0.0.0"\nedition = "2024"\n\n[dependencies]\n{dep}\n\n[workspace]\n'
            )
            (crate / "src" / "lib.rs").write_text("")
            env = dict(os.environ, CARGO_TARGET_DIR=str(crate / "target"))
            subprocess.run(["cargo", "fetch", "-q"], cwd=crate, env=env, check=True)
            cmd = ["cargo", "build", "-q", "--offline", "-j", args.jobs] + (["--release"] if args.release else [])
            start = time.perf_counter()
            subprocess.run(cmd, cwd=crate, env=env, check=True)
            took = time.perf_counter() - start
            count = len(subprocess.run(["cargo", "tree", "-q", "--prefix", "none", "-e", "normal", "--offline"], cwd=crate, env=env, capture_output=True, text=True, check=True).stdout.split("\n")) - 1
            print(f"{name:38} clean build {took:6.1f} s  ({count} crates in the tree, -j {args.jobs})")


if __name__ == "__main__":
    main()
