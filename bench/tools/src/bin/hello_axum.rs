//! The floor for `asyncgate start`'s start-up benchmark: a minimal axum
//! hello-world, started the same way (`PORT` env var, 127.0.0.1), which
//! says on stderr when it listens, as `asyncgate start` does.
//!
//! `PORT=8081 cargo run --release -p asyncgate-bench-tools --bin hello_axum`

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8081);
    let app = Router::new().route("/", get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("Listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
