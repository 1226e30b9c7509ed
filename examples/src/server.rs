//! The HTTP side of `asyncgate start`.
//!
//! `GET /healthz` and `GET /v1/config` answer without auth; every other
//! `/v1/` route needs `Authorization: Bearer <api_key>` (compared in
//! constant time), except in insecure dev mode.

use std::sync::Arc;

use asyncgate_config::claim::Claimed;
use asyncgate_config::{ExposeSecret, SecretString};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::settings::Settings;

/// The crate version, reported by `/v1/config`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug)]
struct AppState {
    config_body: String,
    instance_body: String,
    api_key: Option<SecretString>,
    insecure_dev: bool,
}

/// The router for claimed settings (only a claimed replica serves).
/// Response bodies that never change are serialized once, here.
pub fn router(settings: &Claimed<Settings>) -> Router {
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
        instance_body: instance.to_string(),
        api_key: settings.api_key.clone(),
        insecure_dev: settings.allow_insecure_dev && settings.env.is_development(),
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/config", get(config))
        .route("/v1/instance", get(instance_info))
        .fallback(fallback)
        .with_state(Arc::new(state))
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
    json_body(StatusCode::OK, state.instance_body.clone())
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
