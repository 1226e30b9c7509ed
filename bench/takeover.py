#!/usr/bin/env python3
"""Claims end to end, with the release binary: time for a duplicate
`asyncgate start` to be refused (exec -> exit 75), and time for a successor
to take over after `kill -9` of the holder (kill -> successor serving), for
the file store and, when ASYNCGATE_TEST_DATABASE_URL is set, PostgreSQL.

    cargo build --release -p asyncgate-server --bin asyncgate
    python3 bench/takeover.py [--runs 5] [--ttl-ms 3000]
"""
import argparse
import os
import pathlib
import socket
import statistics
import subprocess
import tempfile
import time

BIN = pathlib.Path(__file__).resolve().parent.parent / "target" / "release" / "asyncgate"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(32).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def start(env):
    port = free_port()
    proc = subprocess.Popen([str(BIN), "start"], env=dict(env, ASYNCGATE_PORT=str(port)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, port


def wait_serving(proc, port, deadline):
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            return False
        if serving(port):
            return True
        time.sleep(0.001)
    return False


def measure(name, env, runs):
    refusals, takeovers = [], []
    for i in range(runs):
        run_env = dict(env, ASYNCGATE_INSTANCE_ID=f"takeover-{os.getpid()}-{i}-{time.time_ns()}")
        holder, port = start(run_env)
        assert wait_serving(holder, port, time.perf_counter() + 10), "holder did not start"
        t0 = time.perf_counter()
        dup = subprocess.run([str(BIN), "start"], env=dict(run_env, ASYNCGATE_PORT=str(free_port())),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        refusals.append(time.perf_counter() - t0)
        assert dup.returncode == 75, dup.returncode
        holder.kill()
        killed = time.perf_counter()
        holder.wait()
        while True:
            successor, port = start(run_env)
            if wait_serving(successor, port, time.perf_counter() + 10):
                takeovers.append(time.perf_counter() - killed)
                successor.terminate()
                successor.wait()
                break
            successor.wait()
            time.sleep(0.02)
    ms = lambda xs: f"median {statistics.median(xs)*1000:8.1f} ms (min {min(xs)*1000:.1f}, max {max(xs)*1000:.1f}, n={len(xs)})"
    print(f"{name:28} refuse a duplicate (exec -> exit 75): {ms(refusals)}")
    print(f"{name:28} takeover after kill -9 (kill -> successor serving): {ms(takeovers)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ttl-ms", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = {"PATH": os.environ.get("PATH", ""), "ASYNCGATE_HOST": "127.0.0.1",
                "ASYNCGATE_API_KEY": "bench-key", "ASYNCGATE_CLAIM_DIR": tmp}
        measure("file store", base, args.runs)
        url = os.environ.get("ASYNCGATE_TEST_DATABASE_URL")
        if url:
            pg = dict(base, ASYNCGATE_CLAIM_STORE="postgres", ASYNCGATE_DATABASE_URL=url,
                      ASYNCGATE_CLAIM_TTL_MS=str(args.ttl_ms))
            measure(f"postgres (ttl {args.ttl_ms} ms)", pg, args.runs)
            print(f"bound for postgres: ttl + ttl/3 = {args.ttl_ms * 4 // 3} ms")
        else:
            print("postgres skipped: ASYNCGATE_TEST_DATABASE_URL is not set")


if __name__ == "__main__":
    main()
