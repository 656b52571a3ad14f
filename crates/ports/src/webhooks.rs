//! The webhook port (PL-24): how the worker posts a signed event to an endpoint. Adapter:
//! an HTTP client that resolves the endpoint's name at each delivery, refuses the
//! addresses events may not go to, follows no redirect and gives up after a timeout.
//!
//! Contracts only: this module must not depend on an HTTP library.

use std::time::Duration;

use async_trait::async_trait;
use thiserror::Error;

/// One attempt to deliver one event to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    /// The endpoint's URL (already checked when it was saved: `https`, or `http` to
    /// localhost in development).
    pub url: String,
    /// `webhook-id`: the event's id.
    pub id: String,
    /// `webhook-timestamp`: seconds since the Unix epoch.
    pub timestamp: i64,
    /// `webhook-signature`.
    pub signature: String,
    /// The event, as JSON.
    pub body: String,
}

/// What the endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookResponse {
    /// The HTTP status (a redirect is an answer too, and not a success).
    pub status: u16,
    /// The start of the answer's body, at most [`RESPONSE_KEPT`] bytes, cut on a
    /// character boundary.
    pub body: String,
    /// From sending the request to reading what is kept of the answer.
    pub latency: Duration,
}

/// What is kept of an answer's body.
pub const RESPONSE_KEPT: usize = 1024;

/// Why no answer was had.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WebhookFailure {
    /// The endpoint's name resolves to no address events may be sent to (private,
    /// loopback outside development, link-local…), or the URL names such an address.
    #[error("refused address: {0}")]
    RefusedAddress(String),
    /// No answer within the timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The name did not resolve, the connection or the TLS handshake failed, the
    /// connection was cut…
    #[error("could not reach the endpoint: {0}")]
    Unreachable(String),
}

/// Posts events.
///
/// Implementations MUST resolve the endpoint's name at each call and connect only to an
/// address `clientele_domain::webhook::refused_address` accepts, MUST NOT follow
/// redirects, MUST give up after `timeout`, and MUST be safe to call from several tasks
/// at once.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookSender: Send + Sync {
    /// Posts `request`'s body with its three headers and `Content-Type:
    /// application/json`.
    async fn post(
        &self,
        request: &WebhookRequest,
        timeout: Duration,
    ) -> Result<WebhookResponse, WebhookFailure>;
}
