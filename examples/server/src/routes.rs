//! The HTTP side of `asyncgate start`.
//!
//! `GET /healthz` and `GET /v1/config` answer without auth; every other
//! `/v1/` route needs `Authorization: Bearer <api_key>` (compared in
//! constant time), except in insecure dev mode.
//!
//! Tasks and leases:
//! - `POST /v1/tasks` (body: a JSON payload) -> 201 `{"task_id"}`, in this
//!   replica's partition;
//! - `POST /v1/leases` (body `{"worker_id", "ttl_seconds"}`, ttl optional)
//!   -> 200 `{"lease_id", "task_id", "expires_at"}`, or 204 when the queue
//!   is empty;
//! - `POST /v1/leases/{lease_id}/renew` (body `{"ttl_seconds"}`, optional)
//!   -> 200 `{"lease_id", "expires_at"}`, or 409 with the reason;
//! - `POST /v1/leases/{lease_id}/complete` -> 200, or 409 when the lease is
//!   no longer held;
//! - `GET /v1/tasks/{task_id}` -> `{"task_id", "status", "attempt",
//!   "owner_instance", "requeues"}`, or 404.

use std::sync::Arc;
use std::time::Duration;

use asyncgate_config::claim::{Claimed, Partition};
use asyncgate_config::{ExposeSecret, SecretString};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::settings::Settings;
use crate::sweep::Holdings;
use crate::tasks::{LeaseLimits, Renewed, TaskError, Tasks};

/// The largest request body accepted (a task's payload, a lease request):
/// larger ones get 413 before they are read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The crate version, reported by `/v1/config`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug)]
struct AppState {
    config_body: String,
    instance: serde_json::Value,
    api_key: Option<SecretString>,
    insecure_dev: bool,
    /// The task store, once it is open (it opens while serving starts).
    tasks: tokio::sync::watch::Receiver<Option<Tasks>>,
    partition: Partition,
    holdings: Arc<Holdings>,
    default_ttl: Duration,
    limits: LeaseLimits,
}

/// The router for claimed settings (only a claimed replica serves).
/// Response bodies that never change are serialized once, here.
pub fn router(
    settings: &Claimed<Settings>,
    tasks: tokio::sync::watch::Receiver<Option<Tasks>>,
    holdings: Arc<Holdings>,
) -> Router {
    let body_timeout = Duration::from_millis(settings.http_body_timeout_ms);
    let res = settings.validated().resolution();
    let identity = json!({
        "instance_id": res.instance_id().as_str(),
        "env": res.environment().as_str(),
        "version": VERSION,
        "instance_id_origin": res.instance_id_origin().as_str(),
        "platform": res.platform().map(|p| p.key()),
    });
    let detection: Vec<String> = res
        .detection_trace()
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut instance = identity.clone();
    instance["detection"] = json!(detection);
    instance["claim_epoch"] = json!(settings.epoch());
    let state = AppState {
        config_body: identity.to_string(),
        instance,
        api_key: settings.api_key.clone(),
        insecure_dev: settings.allow_insecure_dev && settings.env.is_development(),
        tasks,
        partition: settings.partition(),
        holdings,
        default_ttl: Duration::from_secs(u64::from(settings.default_lease_ttl_seconds)),
        limits: LeaseLimits {
            max_ttl: Duration::from_secs(u64::from(settings.max_lease_ttl_seconds)),
            max_renewals: settings.max_lease_renewals,
            max_lifetime: Duration::from_secs(u64::from(settings.max_lease_lifetime_seconds)),
        },
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/config", get(config))
        .route("/v1/instance", get(instance_info))
        .route("/v1/tasks", post(create_task).fallback(wrong_method))
        .route("/v1/tasks/{task_id}", get(get_task).fallback(wrong_method))
        .route("/v1/leases", post(lease).fallback(wrong_method))
        .route(
            "/v1/leases/{lease_id}/renew",
            post(renew).fallback(wrong_method),
        )
        .route(
            "/v1/leases/{lease_id}/complete",
            post(complete).fallback(wrong_method),
        )
        .fallback(fallback)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(move |request, next| {
            body_within(body_timeout, request, next)
        }))
        .with_state(Arc::new(state))
}

/// Reads a request's body within `deadline` of its headers, before any
/// handler: a client that stalls or trickles its body gets 408 and its
/// connection is closed, instead of holding it (and a connection slot) for
/// as long as it likes. A body over the limit is 413, as before.
async fn body_within(
    deadline: Duration,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = request.into_parts();
    match tokio::time::timeout(deadline, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => {
            let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
            next.run(request).await
        }
        Ok(Err(_)) => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the body is larger than {} KiB", MAX_BODY_BYTES / 1024),
        ),
        Err(_) => {
            let mut response = error(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "the body did not arrive within {} ms (ASYNCGATE_HTTP_BODY_TIMEOUT_MS)",
                    deadline.as_millis()
                ),
            );
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

fn json_body(status: StatusCode, body: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

async fn healthz() -> Response {
    json_body(StatusCode::OK, r#"{"status":"ok"}"#.to_owned())
}

async fn config(State(state): State<Arc<AppState>>) -> Response {
    json_body(StatusCode::OK, state.config_body.clone())
}

async fn instance_info(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if !is_authorized(&state, &headers) {
        return unauthorized();
    }
    let mut body = state.instance.clone();
    body["partitions"] = state.holdings.to_json();
    json_body(StatusCode::OK, body.to_string())
}

/// A route asked with the wrong method: 401 before anything else, then 405.
async fn wrong_method(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if !is_authorized(&state, &headers) {
        return unauthorized();
    }
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this route",
    )
}

fn error(status: StatusCode, message: &str) -> Response {
    json_body(status, json!({ "error": message }).to_string())
}

/// How long a task route waits for the task store to open at start-up.
const STORE_OPEN_WAIT: Duration = Duration::from_secs(10);

impl AppState {
    /// The task store; `None` when it did not open within [`STORE_OPEN_WAIT`].
    async fn tasks(&self) -> Option<Tasks> {
        let mut rx = self.tasks.clone();
        let ready = tokio::time::timeout(STORE_OPEN_WAIT, rx.wait_for(Option::is_some)).await;
        match ready {
            Ok(Ok(tasks)) => tasks.clone(),
            _ => None,
        }
    }
}

/// 503 while the task store is not open.
fn not_ready() -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "the task store is not open yet",
    )
}

/// A task store failure: 503 (the replica cannot write its partition now).
fn unavailable(e: &TaskError) -> Response {
    let message = match e {
        TaskError::Refused(reason) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("the task store refused the request: {reason}"),
            );
        }
        TaskError::Fenced(_) => "this replica no longer holds its partition",
        TaskError::Store(_) => "the task store is unavailable",
    };
    tracing::warn!("task store: {e}");
    error(StatusCode::SERVICE_UNAVAILABLE, message)
}

/// Where a JSON value holds U+0000 (`payload.a[2]`), which no task store
/// keeps (PostgreSQL's `jsonb` refuses it): a key or a string value.
fn nul_in(value: &serde_json::Value, path: &mut String) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = nul_in(item, path);
            if !found {
                path.truncate(len);
            }
            found
        }),
        serde_json::Value::Object(map) => map.iter().any(|(key, item)| {
            let len = path.len();
            path.push('.');
            path.push_str(&shown_key(key));
            let found = key.contains('\0') || nul_in(item, path);
            if !found {
                path.truncate(len);
            }
            found
        }),
        _ => false,
    }
}

/// A JSON key as a message shows it: control characters escaped, cut.
fn shown_key(key: &str) -> String {
    key.chars().flat_map(char::escape_debug).take(64).collect()
}

/// `ttl_seconds` from a body: absent is the default; at most the maximum.
/// A request refused before it reached the store: status and message.
type Rejection = (StatusCode, String);

fn reject((status, message): Rejection) -> Response {
    error(status, &message)
}

fn ttl_of(state: &AppState, body: &serde_json::Value) -> Result<Duration, Rejection> {
    match body.get("ttl_seconds") {
        None | Some(serde_json::Value::Null) => Ok(state.default_ttl),
        Some(v) => match v.as_u64() {
            Some(secs) if secs >= 1 && Duration::from_secs(secs) <= state.limits.max_ttl => {
                Ok(Duration::from_secs(secs))
            }
            _ => Err((
                StatusCode::BAD_REQUEST,
                format!(
                    "ttl_seconds must be a whole number from 1 to {} (max_lease_ttl_seconds)",
                    state.limits.max_ttl.as_secs()
                ),
            )),
        },
    }
}

/// A JSON body; empty is `{}`.
fn json_of(body: &[u8]) -> Result<serde_json::Value, Rejection> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            format!("the body is not valid JSON: {e}"),
        )
    })
}

fn rfc3339_ms(ms: i64) -> String {
    let at = std::time::UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_millis(at).to_string()
}

async fn create_task(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !is_authorized(&state, &headers) {
        return unauthorized();
    }
    let payload = match json_of(&body) {
        Ok(payload) => payload,
        Err(rejection) => return reject(rejection),
    };
    let mut path = String::from("payload");
    if nul_in(&payload, &mut path) {
        return error(
            StatusCode::BAD_REQUEST,
            &format!(
                "{path} holds U+0000 (NUL), which a task's payload cannot hold: remove it, or encode the data (base64)"
            ),
        );
    }
    let Some(tasks) = state.tasks().await else {
        return not_ready();
    };
    match tasks.create(&state.partition, &payload).await {
        Ok(task_id) => json_body(
            StatusCode::CREATED,
            json!({ "task_id": task_id }).to_string(),
        ),
        Err(e) => unavailable(&e),
    }
}

async fn get_task(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(task_id): Path<String>,
) -> Response {
    if !is_authorized(&state, &headers) {
        return unauthorized();
    }
    let Ok(task_id) = task_id.parse::<i64>() else {
        return error(StatusCode::BAD_REQUEST, "a task id is a whole number");
    };
    let Some(tasks) = state.tasks().await else {
        return not_ready();
    };
    match tasks.get(task_id).await {
        Ok(Some(view)) => json_body(StatusCode::OK, json!(view).to_string()),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such task"),
        Err(e) => unavailable(&e),
    }
}

async fn lease(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    if !is_authorized(&state, &headers) {
        return unauthorized();
    }
    let body = match json_of(&body) {
        Ok(body) => body,
        Err(rejection) => return reject(rejection),
    };
    let worker = match body.get("worker_id").and_then(serde_json::Value::as_str) {
        Some(w) if !w.is_empty() && w.len() <= 200 => w.to_owned(),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "worker_id is required: a string of 1 to 200 bytes",
            );
        }
    };
    let ttl = match ttl_of(&state, &body) {
        Ok(ttl) => ttl,
        Err(rejection) => return reject(rejection),
    };
    let Some(tasks) = state.tasks().await else {
        return not_ready();
    };
    match tasks.lease(&worker, ttl).await {
        Ok(Some(lease)) => json_body(
            StatusCode::OK,
            json!({
                "lease_id": lease.lease_id,
                "task_id": lease.task_id,
                "expires_at": rfc3339_ms(lease.expires_at_ms),
            })
            .to_string(),
        ),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => unavailable(&e),
    }
}

fn lease_id_of(text: &str) -> Result<i64, Rejection> {
    text.parse::<i64>().map_err(|_| {
        (
            StatusCode::BAD_REQUEST,
            "a lease id is a whole number".to_owned(),
        )
    })
}

async fn renew(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(lease_id): Path<String>,
    body: Bytes,
) -> Response {
    if !is_authorized(&state, &headers) {
        return unauthorized();
    }
    let (lease_id, ttl) = match (lease_id_of(&lease_id), json_of(&body)) {
        (Ok(id), Ok(body)) => match ttl_of(&state, &body) {
            Ok(ttl) => (id, ttl),
            Err(rejection) => return reject(rejection),
        },
        (Err(rejection), _) | (_, Err(rejection)) => return reject(rejection),
    };
    let Some(tasks) = state.tasks().await else {
        return not_ready();
    };
    match tasks.renew(lease_id, ttl, state.limits).await {
        Ok(Renewed::Until(ms)) => json_body(
            StatusCode::OK,
            json!({ "lease_id": lease_id, "expires_at": rfc3339_ms(ms) }).to_string(),
        ),
        Ok(Renewed::Refused(reason)) => error(StatusCode::CONFLICT, reason),
        Err(e) => unavailable(&e),
    }
}

async fn complete(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(lease_id): Path<String>,
) -> Response {
    if !is_authorized(&state, &headers) {
        return unauthorized();
    }
    let lease_id = match lease_id_of(&lease_id) {
        Ok(id) => id,
        Err(rejection) => return reject(rejection),
    };
    let Some(tasks) = state.tasks().await else {
        return not_ready();
    };
    match tasks.complete(lease_id).await {
        Ok(true) => json_body(
            StatusCode::OK,
            json!({ "lease_id": lease_id, "status": "completed" }).to_string(),
        ),
        Ok(false) => error(StatusCode::CONFLICT, "the lease is no longer held"),
        Err(e) => unavailable(&e),
    }
}

async fn fallback(State(state): State<Arc<AppState>>, headers: HeaderMap, uri: Uri) -> Response {
    if uri.path().starts_with("/v1/") && !is_authorized(&state, &headers) {
        return unauthorized();
    }
    json_body(StatusCode::NOT_FOUND, r#"{"error":"not found"}"#.to_owned())
}

/// Whether the request carries the API key as a bearer token (compared in
/// constant time), or insecure dev mode is on. The token is never logged.
fn is_authorized(state: &AppState, headers: &HeaderMap) -> bool {
    if state.insecure_dev {
        return true;
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        .map(<[u8]>::trim_ascii);
    match (presented, &state.api_key) {
        // Digests first: equal lengths, so the comparison's time says
        // nothing about the key, not even its length.
        (Some(token), Some(key)) => {
            let presented = Sha256::digest(token);
            let expected = Sha256::digest(key.expose_secret().as_bytes());
            bool::from(presented.as_slice().ct_eq(expected.as_slice()))
        }
        _ => false,
    }
}

/// 401 with `WWW-Authenticate: Bearer`.
fn unauthorized() -> Response {
    let mut response = json_body(
        StatusCode::UNAUTHORIZED,
        r#"{"error":"unauthorized"}"#.to_owned(),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(r#"Bearer realm="asyncgate""#),
    );
    response
}
