//! A bounded HTTP/1.1 load generator for loopback benchmarks: `CONNS`
//! keep-alive connections each send `REQUESTS` GETs one after another.
//! Prints requests, errors, throughput and latency percentiles as JSON.
//!
//! `cargo run --release -p asyncgate-bench-tools --bin load -- 127.0.0.1:8080 /v1/config 16 5000`

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn connection(addr: String, path: String, requests: usize) -> (Vec<Duration>, usize) {
    let mut latencies = Vec::with_capacity(requests);
    let mut errors = 0;
    let Ok(mut stream) = TcpStream::connect(&addr).await else {
        return (latencies, requests);
    };
    let _ = stream.set_nodelay(true);
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let mut buf = vec![0u8; 16 * 1024];
    for _ in 0..requests {
        let start = Instant::now();
        if stream.write_all(request.as_bytes()).await.is_err() {
            errors += 1;
            continue;
        }
        // Read one response: headers, then Content-Length bytes of body.
        let mut filled = 0;
        let ok = loop {
            let Ok(n) = stream.read(&mut buf[filled..]).await else {
                break false;
            };
            if n == 0 {
                break false;
            }
            filled += n;
            let text = &buf[..filled];
            if let Some(end) = text.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&text[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if filled >= end + 4 + length {
                    break head.starts_with("http/1.1 200");
                }
            }
        };
        if ok {
            latencies.push(start.elapsed());
        } else {
            errors += 1;
        }
    }
    (latencies, errors)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let addr = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let path = args.get(2).cloned().unwrap_or_else(|| "/v1/config".into());
    let conns: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(16);
    let per_conn: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let start = Instant::now();
    let tasks: Vec<_> = (0..conns)
        .map(|_| tokio::spawn(connection(addr.clone(), path.clone(), per_conn)))
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (l, e) = task.await.unwrap_or_default();
        latencies.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    println!(
        "{{\"requests\": {}, \"errors\": {errors}, \"seconds\": {:.3}, \"rps\": {:.0}, \"p50_us\": {:.0}, \"p99_us\": {:.0}, \"max_us\": {:.0}}}",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
}
