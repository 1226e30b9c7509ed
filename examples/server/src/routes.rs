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

use asyncgate_config::SecretString;
use asyncgate_config::claim::{Claimed, Partition};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::settings::Settings;
use crate::sweep::Holdings;
use crate::tasks::{LeaseLimits, Renewed, Tasks};

mod api_error;
mod auth;
mod request;

pub use api_error::ApiError;
use api_error::json_body;
pub use auth::Authorized;
pub use request::{BodyLimits, Field, Fields, JsonBody, LeaseIdKind, PathId, TaskIdKind};

/// The largest request body accepted (a task's payload, a lease request):
/// larger ones get 413 before they are read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The crate version, reported by `/v1/config`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
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
    let body_limits = request::BodyLimits {
        deadline: Duration::from_millis(settings.http_body_timeout_ms),
        min_rate: settings.http_body_min_rate,
    };
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
            request::body_within(body_limits, request, next)
        }))
        .with_state(Arc::new(state))
}

async fn healthz() -> Response {
    json_body(StatusCode::OK, r#"{"status":"ok"}"#.to_owned())
}

async fn config(State(state): State<Arc<AppState>>) -> Response {
    json_body(StatusCode::OK, state.config_body.clone())
}

async fn instance_info(_: Authorized, State(state): State<Arc<AppState>>) -> Response {
    let mut body = state.instance.clone();
    body["partitions"] = state.holdings.to_json();
    json_body(StatusCode::OK, body.to_string())
}

/// A route asked with the wrong method: 401 before anything else, then 405.
async fn wrong_method(_: Authorized) -> ApiError {
    ApiError::MethodNotAllowed
}

/// An unknown path: 401 under `/v1/` without the key, else 404.
async fn fallback(State(state): State<Arc<AppState>>, headers: HeaderMap, uri: Uri) -> Response {
    if uri.path().starts_with("/v1/")
        && let Err(refused) = state.authorize(&headers)
    {
        return refused.into_response();
    }
    json_body(StatusCode::NOT_FOUND, r#"{"error":"not found"}"#.to_owned())
}

/// How long a task route waits for the task store to open at start-up.
const STORE_OPEN_WAIT: Duration = Duration::from_secs(10);

impl AppState {
    /// The task store; 503 when it did not open within [`STORE_OPEN_WAIT`].
    async fn tasks(&self) -> Result<Tasks, ApiError> {
        let mut rx = self.tasks.clone();
        let ready = tokio::time::timeout(STORE_OPEN_WAIT, rx.wait_for(Option::is_some)).await;
        match ready {
            Ok(Ok(tasks)) => tasks.clone().ok_or(ApiError::NotReady),
            _ => Err(ApiError::NotReady),
        }
    }

    /// `ttl_seconds`: absent is the default; at most the maximum.
    fn ttl(&self, ttl_seconds: Field<u64>) -> Result<Duration, ApiError> {
        match ttl_seconds {
            Field::Absent => Ok(self.default_ttl),
            Field::Valid(secs) if secs >= 1 && Duration::from_secs(secs) <= self.limits.max_ttl => {
                Ok(Duration::from_secs(secs))
            }
            Field::Valid(_) | Field::Invalid => Err(ApiError::BadRequest(format!(
                "ttl_seconds must be a whole number from 1 to {} (max_lease_ttl_seconds)",
                self.limits.max_ttl.as_secs()
            ))),
        }
    }
}

fn rfc3339_ms(ms: i64) -> String {
    let at = std::time::UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_millis(at).to_string()
}

/// `POST /v1/tasks`: the body is the task's payload.
async fn create_task(
    _: Authorized,
    State(state): State<Arc<AppState>>,
    JsonBody(payload): JsonBody,
) -> Result<Response, ApiError> {
    let mut path = String::from("payload");
    if request::nul_in(&payload, &mut path) {
        return Err(ApiError::BadRequest(format!(
            "{path} holds U+0000 (NUL), which a task's payload cannot hold: remove it, or encode the data (base64)"
        )));
    }
    let task_id = state
        .tasks()
        .await?
        .create(&state.partition, &payload)
        .await?;
    Ok(json_body(
        StatusCode::CREATED,
        json!({ "task_id": task_id }).to_string(),
    ))
}

async fn get_task(
    _: Authorized,
    State(state): State<Arc<AppState>>,
    PathId(task_id, ..): PathId<TaskIdKind>,
) -> Result<Response, ApiError> {
    match state.tasks().await?.get(task_id).await? {
        Some(view) => Ok(json_body(StatusCode::OK, json!(view).to_string())),
        None => Err(ApiError::NotFound("no such task")),
    }
}

/// The body of `POST /v1/leases`.
#[derive(Debug, Deserialize)]
struct LeaseRequest {
    #[serde(default)]
    worker_id: Field<String>,
    #[serde(default)]
    ttl_seconds: Field<u64>,
}

async fn lease(
    _: Authorized,
    State(state): State<Arc<AppState>>,
    Fields(body): Fields<LeaseRequest>,
) -> Result<Response, ApiError> {
    let worker = match body.worker_id {
        Field::Valid(w) if !w.is_empty() && w.len() <= 200 => w,
        _ => {
            return Err(ApiError::BadRequest(
                "worker_id is required: a string of 1 to 200 bytes".to_owned(),
            ));
        }
    };
    let ttl = state.ttl(body.ttl_seconds)?;
    match state.tasks().await?.lease(&worker, ttl).await? {
        Some(lease) => Ok(json_body(
            StatusCode::OK,
            json!({
                "lease_id": lease.lease_id,
                "task_id": lease.task_id,
                "expires_at": rfc3339_ms(lease.expires_at_ms),
            })
            .to_string(),
        )),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// The body of `POST /v1/leases/{lease_id}/renew`.
#[derive(Debug, Deserialize)]
struct RenewRequest {
    #[serde(default)]
    ttl_seconds: Field<u64>,
}

async fn renew(
    _: Authorized,
    State(state): State<Arc<AppState>>,
    PathId(lease_id, ..): PathId<LeaseIdKind>,
    Fields(body): Fields<RenewRequest>,
) -> Result<Response, ApiError> {
    let ttl = state.ttl(body.ttl_seconds)?;
    match state
        .tasks()
        .await?
        .renew(lease_id, ttl, state.limits)
        .await?
    {
        Renewed::Until(ms) => Ok(json_body(
            StatusCode::OK,
            json!({ "lease_id": lease_id, "expires_at": rfc3339_ms(ms) }).to_string(),
        )),
        Renewed::Refused(reason) => Err(ApiError::Conflict(reason)),
    }
}

async fn complete(
    _: Authorized,
    State(state): State<Arc<AppState>>,
    PathId(lease_id, ..): PathId<LeaseIdKind>,
) -> Result<Response, ApiError> {
    if state.tasks().await?.complete(lease_id).await? {
        Ok(json_body(
            StatusCode::OK,
            json!({ "lease_id": lease_id, "status": "completed" }).to_string(),
        ))
    } else {
        Err(ApiError::Conflict("the lease is no longer held"))
    }
}
