//! What a request brings, typed: its body read within a deadline, the
//! body as JSON, a request's fields, and the ids in its path. Each
//! extractor refuses with an [`ApiError`], so every refusal has one shape.

use std::marker::PhantomData;
use std::time::Duration;

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::MAX_BODY_BYTES;
use super::api_error::ApiError;

/// How a request's body must arrive.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimits {
    /// The whole body, from the end of its headers.
    pub deadline: Duration,
    /// Bytes per second it must average once its first second is over
    /// (0: no minimum).
    pub min_rate: u64,
}

/// The first second of a body is not held to the minimum rate.
const RATE_GRACE: Duration = Duration::from_secs(1);

/// Reads a request's body within its limits, before any handler: a client
/// that stalls its body, or trickles it slower than the minimum rate, gets
/// 408 and its connection is closed, instead of holding it (and a
/// connection slot) for as long as it likes. A body over
/// [`MAX_BODY_BYTES`] is 413.
pub(super) async fn body_within(limits: BodyLimits, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match read_body(body, limits).await {
        Ok(bytes) => {
            let request = Request::from_parts(parts, axum::body::Body::from(bytes));
            next.run(request).await
        }
        Err(refused) => refused.into_response(),
    }
}

/// The body's bytes, frame by frame, each checked against the limits.
async fn read_body(
    mut body: axum::body::Body,
    limits: BodyLimits,
) -> Result<axum::body::Bytes, ApiError> {
    use http_body_util::BodyExt;
    let started = tokio::time::Instant::now();
    let mut bytes = Vec::new();
    loop {
        let frame = tokio::time::timeout_at(started + limits.deadline, body.frame())
            .await
            .map_err(|_| ApiError::BodyTimeout(limits.deadline))?;
        let Some(frame) = frame else {
            return Ok(bytes.into());
        };
        // A body that breaks off is as good as one that never arrives.
        let frame = frame.map_err(|_| ApiError::BodyTimeout(limits.deadline))?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > MAX_BODY_BYTES {
                return Err(ApiError::TooLarge);
            }
            bytes.extend_from_slice(&data);
        }
        let elapsed = started.elapsed();
        if limits.min_rate > 0 && elapsed > RATE_GRACE {
            let expected = u128::from(limits.min_rate) * elapsed.as_millis() / 1000;
            if (bytes.len() as u128) < expected {
                return Err(ApiError::BodyTooSlow(limits.min_rate));
            }
        }
    }
}

/// A JSON body; an empty one is `{}`. Anything else that is not JSON is
/// 400, with the parser's line and column.
#[derive(Debug)]
pub struct JsonBody(pub serde_json::Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        // The body was read (within its deadline) by `body_within`.
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|_| ApiError::TooLarge)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(serde_json::Value::Object(serde_json::Map::new())));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))
    }
}

/// A request's fields, from a JSON object body (a body that is not an
/// object has none of them). Each field is a [`Field`], so a wrong value
/// is refused by the handler with that field's own message.
#[derive(Debug)]
pub struct Fields<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Fields<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let JsonBody(body) = JsonBody::from_request(request, state).await?;
        let object = match body {
            object @ serde_json::Value::Object(_) => object,
            _ => serde_json::Value::Object(serde_json::Map::new()),
        };
        T::deserialize(object)
            .map(Fields)
            .map_err(|e| ApiError::BadRequest(format!("the body does not fit the request: {e}")))
    }
}

/// One field of a request body: absent (or `null`), a value of its type,
/// or a value of another type.
#[derive(Debug, Default)]
pub enum Field<T> {
    /// Not in the body, or `null`.
    #[default]
    Absent,
    /// A value of the field's type.
    Valid(T),
    /// A value of another type (a string where a number belongs, `-1` for
    /// a `u64`).
    Invalid,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        if value.is_null() {
            return Ok(Field::Absent);
        }
        Ok(T::deserialize(value).map_or(Field::Invalid, Field::Valid))
    }
}

/// What a path id names, and how a bad one is refused.
pub trait IdKind {
    /// The 400's message for an id that is not a whole number.
    const NOT_A_NUMBER: &'static str;
}

/// `/v1/tasks/{task_id}`.
#[derive(Debug)]
pub struct TaskIdKind;

impl IdKind for TaskIdKind {
    const NOT_A_NUMBER: &'static str = "a task id is a whole number";
}

/// `/v1/leases/{lease_id}/...`.
#[derive(Debug)]
pub struct LeaseIdKind;

impl IdKind for LeaseIdKind {
    const NOT_A_NUMBER: &'static str = "a lease id is a whole number";
}

/// The one id in a route's path, as a whole number.
#[derive(Debug)]
pub struct PathId<K>(pub i64, pub PhantomData<K>);

impl<S: Send + Sync, K: IdKind> FromRequestParts<S> for PathId<K> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let not_a_number = || ApiError::BadRequest(K::NOT_A_NUMBER.to_owned());
        let Path(text) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_a_number())?;
        text.parse::<i64>()
            .map(|id| PathId(id, PhantomData))
            .map_err(|_| not_a_number())
    }
}

/// Where a JSON value holds U+0000 (`payload.a[2]`), which no task store
/// keeps (PostgreSQL's `jsonb` refuses it): a key or a string value.
pub(super) fn nul_in(value: &serde_json::Value, path: &mut String) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(default)]
        ttl_seconds: Field<u64>,
    }

    fn ttl(json: &str) -> Field<u64> {
        serde_json::from_str::<Body>(json).unwrap().ttl_seconds
    }

    #[test]
    fn a_field_is_absent_valid_or_invalid_and_never_fails_the_body() {
        assert!(matches!(ttl("{}"), Field::Absent));
        assert!(matches!(ttl(r#"{"ttl_seconds":null}"#), Field::Absent));
        assert!(matches!(ttl(r#"{"ttl_seconds":30}"#), Field::Valid(30)));
        // A wrong value is the handler's to refuse, with the field's message.
        for wrong in [r#""30""#, "-1", "1.5", "[]", "true"] {
            let json = format!(r#"{{"ttl_seconds":{wrong}}}"#);
            assert!(matches!(ttl(&json), Field::Invalid), "{json}");
        }
    }
}
