//! Authentication: `Authorization: Bearer <api_key>`, compared in constant
//! time, as one extractor every protected handler takes first.

use std::sync::Arc;

use asyncgate_config::ExposeSecret;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppState;
use super::api_error::ApiError;

/// Proof that the request carries the API key (or that insecure dev mode
/// is on): a handler that takes it answers 401 before anything else.
#[derive(Debug)]
pub struct Authorized;

impl FromRequestParts<Arc<AppState>> for Authorized {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        state.authorize(&parts.headers)
    }
}

impl AppState {
    /// Whether `headers` carry the API key as a bearer token (compared in
    /// constant time), or insecure dev mode is on. The token is never
    /// logged.
    pub(super) fn authorize(&self, headers: &HeaderMap) -> Result<Authorized, ApiError> {
        if self.insecure_dev {
            return Ok(Authorized);
        }
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
            .map(<[u8]>::trim_ascii);
        let matches = match (presented, &self.api_key) {
            // Digests first: equal lengths, so the comparison's time says
            // nothing about the key, not even its length.
            (Some(token), Some(key)) => {
                let presented = Sha256::digest(token);
                let expected = Sha256::digest(key.expose_secret().as_bytes());
                bool::from(presented.as_slice().ct_eq(expected.as_slice()))
            }
            _ => false,
        };
        if matches {
            Ok(Authorized)
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}
