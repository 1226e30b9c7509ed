//! The one error type of the HTTP API: every refusal and failure a handler
//! or extractor can return, each with its status and JSON body.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::MAX_BODY_BYTES;
use crate::tasks::TaskError;

/// Why a request was not served: `{"error": "..."}` with its status.
#[derive(Debug)]
pub enum ApiError {
    /// 401 with `WWW-Authenticate: Bearer`: no valid API key.
    Unauthorized,
    /// 400: the request itself is wrong; says how.
    BadRequest(String),
    /// 404.
    NotFound(&'static str),
    /// 405: the route exists, the method does not.
    MethodNotAllowed,
    /// 409: the lease is not in a state that allows the request; says why.
    Conflict(&'static str),
    /// 408 and `Connection: close`: the body did not arrive in time.
    BodyTimeout(Duration),
    /// 408 and `Connection: close`: the body arrived slower than the
    /// minimum rate (bytes per second).
    BodyTooSlow(u64),
    /// 413: the body is over [`MAX_BODY_BYTES`].
    TooLarge,
    /// 503: the task store is not open yet.
    NotReady,
    /// The task store failed (503) or refused the data (400).
    Store(TaskError),
}

impl From<TaskError> for ApiError {
    fn from(e: TaskError) -> Self {
        ApiError::Store(e)
    }
}

/// `body` as `application/json` with `status`.
pub(crate) fn json_body(status: StatusCode, body: String) -> Response {
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

/// `response` with `Connection: close`: the connection ends after it.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn error(status: StatusCode, message: &str) -> Response {
    json_body(status, json!({ "error": message }).to_string())
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Unauthorized => {
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
            ApiError::BadRequest(message) => error(StatusCode::BAD_REQUEST, &message),
            ApiError::NotFound(what) => error(StatusCode::NOT_FOUND, what),
            ApiError::MethodNotAllowed => error(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed on this route",
            ),
            ApiError::Conflict(reason) => error(StatusCode::CONFLICT, reason),
            ApiError::BodyTimeout(deadline) => closing(error(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "the body did not arrive within {} ms (ASYNCGATE_HTTP_BODY_TIMEOUT_MS)",
                    deadline.as_millis()
                ),
            )),
            ApiError::BodyTooSlow(rate) => closing(error(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "the body arrived slower than {rate} bytes per second (ASYNCGATE_HTTP_BODY_MIN_RATE)"
                ),
            )),
            ApiError::TooLarge => error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the body is larger than {} KiB", MAX_BODY_BYTES / 1024),
            ),
            ApiError::NotReady => error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the task store is not open yet",
            ),
            ApiError::Store(TaskError::Refused(reason)) => error(
                StatusCode::BAD_REQUEST,
                &format!("the task store refused the request: {reason}"),
            ),
            // The replica cannot write its partition now.
            ApiError::Store(e) => {
                tracing::warn!("task store: {e}");
                let message = match e {
                    TaskError::Fenced(_) => "this replica no longer holds its partition",
                    _ => "the task store is unavailable",
                };
                error(StatusCode::SERVICE_UNAVAILABLE, message)
            }
        }
    }
}
