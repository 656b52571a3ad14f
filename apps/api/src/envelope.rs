//! What wraps every request: a request id (taken from `X-Request-Id` when the caller sends
//! a sane one, else made), a tracing span and one log line per request, and the mapping of
//! every error that did not come from a handler (unknown route, unparsable body, missing
//! token, …) to an `application/problem+json` response (PL-8, PL-22).

use std::sync::Arc;
use std::time::Instant;

use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Request, Response};
use tracing::Instrument;

use crate::problem;

pub const REQUEST_ID: &str = "x-request-id";

fn request_id(req: &Request) -> String {
    req.header(REQUEST_ID)
        .filter(|id| {
            !id.is_empty()
                && id.len() <= 100
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

pub async fn envelope<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let id = request_id(&req);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    async move {
        let started = Instant::now();
        let mut response = match ep.call(req).await {
            Ok(response) => response.into_response(),
            Err(error) if error.is_from_response() => error.into_response(),
            Err(error) => problem::from_poem_error(&error).into_response(),
        };
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "request handled"
        );
        Ok(response)
    }
    .instrument(span)
    .await
}
