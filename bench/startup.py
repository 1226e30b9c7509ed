#!/usr/bin/env python3
"""Start-up time of `asyncgate start`, from exec to the first 200 on
/v1/config, against a minimal axum hello-world (bench/tools/src/bin/hello_axum.rs)
started the same way, in the same run, interleaved; peak RSS of both.
Then throughput and p99 of /v1/config under a bounded load on loopback.

Both servers say "Listening on" on stderr once the port is bound; the
bench waits for that line (a blocking read: no polling loop that would
round every start up to its period or take a core from the server), then
sends the request at once. The time is exec -> the first 200.

    cargo build --release -p asyncgate-server --bin asyncgate -p asyncgate-bench-tools --bin hello_axum --bin load
    python3 bench/startup.py [--runs 21]
"""
import argparse
import json
import os
import pathlib
import select
import socket
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
RELEASE = ROOT / "target" / "release"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_200(port: int, path: str, deadline: float) -> bool:
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    while time.perf_counter() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(request)
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return True
        except OSError:
            time.sleep(0.0005)
    return False


def peak_rss_kib(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def wait_listening(proc, deadline: float) -> bool:
    """Reads the server's stderr until it says it listens."""
    seen = b""
    fd = proc.stderr.fileno()
    while b"Listening on" not in seen:
        left = deadline - time.perf_counter()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return False
        chunk = os.read(fd, 65536)
        if not chunk:
            return False
        seen = seen[-64:] + chunk
    return True


def start_once(cmd, env, path):
    port = free_port()
    env = dict(env, PORT=str(port), ASYNCGATE_PORT=str(port), NO_COLOR="1")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = start + 10
    listening = wait_listening(proc, deadline)
    ok = listening and first_200(port, path, deadline)
    took = time.perf_counter() - start
    rss = peak_rss_kib(proc.pid)
    proc.terminate()
    proc.wait()
    proc.stderr.close()
    if not listening:
        raise SystemExit(f"{cmd[0]} did not print 'Listening on' on stderr within 10 s (exit status {proc.returncode})")
    if not ok:
        raise SystemExit(f"{cmd[0]} did not answer 200 on {path}")
    return took, rss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--conns", type=int, default=16)
    parser.add_argument("--per-conn", type=int, default=5000)
    parser.add_argument(
        "--compare", action="append", default=[], metavar="BINARY",
        help="another build of asyncgate to start in the same interleaved runs",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        gate_env = dict(
            base,
            ASYNCGATE_HOST="127.0.0.1",
            ASYNCGATE_API_KEY="bench-key-0123456789",
            ASYNCGATE_CLAIM_DIR=tmp,
            ASYNCGATE_INSTANCE_ID="bench-a1b2c3d4",
        )
        variants = {
            "asyncgate start (/v1/config)": ([str(RELEASE / "asyncgate"), "start"], gate_env, "/v1/config"),
            "axum hello-world (/)": ([str(RELEASE / "hello_axum")], base, "/"),
        }
        for other in args.compare:
            variants[f"{other} start"] = ([other, "start"], gate_env, "/v1/config")
        results = {name: [] for name in variants}
        for _ in range(args.runs):
            for name, (cmd, env, path) in variants.items():
                results[name].append(start_once(cmd, env, path))
        medians = {}
        for name, runs in results.items():
            times = [t for t, _ in runs]
            medians[name] = statistics.median(times)
            print(
                f"{name:30} exec -> first 200: median {medians[name]*1000:6.2f} ms "
                f"(min {min(times)*1000:.2f}, max {max(times)*1000:.2f}, n={len(times)}); "
                f"peak RSS {max(r for _, r in runs) / 1024:.1f} MiB"
            )
        names = list(variants)
        print(f"ratio: {medians[names[0]] / medians[names[1]]:.2f}x of the hello-world floor (target <= 1.3x)")

        # Bounded load on /v1/config.
        port = free_port()
        proc = subprocess.Popen(
            [str(RELEASE / "asyncgate"), "start"],
            env=dict(gate_env, ASYNCGATE_PORT=str(port), ASYNCGATE_LOG_LEVEL="WARNING"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            first_200(port, "/v1/config", time.perf_counter() + 10)
            out = subprocess.run(
                [str(RELEASE / "load"), f"127.0.0.1:{port}", "/v1/config", str(args.conns), str(args.per_conn)],
                capture_output=True, text=True, check=True,
            ).stdout
            load = json.loads(out)
            rss = peak_rss_kib(proc.pid)
        finally:
            proc.terminate()
            proc.wait()
        print(
            f"load /v1/config: {load['requests']} requests over {args.conns} keep-alive connections, "
            f"{load['errors']} errors, {load['rps']:.0f} req/s, p50 {load['p50_us']:.0f} us, "
            f"p99 {load['p99_us']:.0f} us, max {load['max_us']:.0f} us; peak RSS {rss / 1024:.1f} MiB"
        )


if __name__ == "__main__":
    main()
