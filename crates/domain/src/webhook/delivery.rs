//! PL-24: an event, and its delivery to one endpoint attempt after attempt. The event's
//! body is written once, when the change happens, and sent byte for byte the same on
//! every attempt and replay; its id is the `webhook-id` receivers deduplicate on.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{EventType, next_attempt};
use crate::ids::{BusinessId, WebhookDeliveryId, WebhookEndpointId, WebhookEventId};

/// The version of the events' envelope and of the resources' shape in them.
pub const EVENT_VERSION: u32 = 1;

/// An event as sent to endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    pub id: WebhookEventId,
    pub business_id: BusinessId,
    pub kind: EventType,
    pub occurred_at: DateTime<Utc>,
    /// `{"id", "type", "version", "business_id", "created_at", "data"}`, `data` being the
    /// resource as the API shows it.
    pub body: String,
}

impl WebhookEvent {
    pub fn new(
        id: WebhookEventId,
        business_id: BusinessId,
        kind: EventType,
        occurred_at: DateTime<Utc>,
        data: Value,
    ) -> Self {
        let body = json!({
            "id": id,
            "type": kind.as_str(),
            "version": EVENT_VERSION,
            "business_id": business_id,
            "created_at": occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "data": data,
        })
        .to_string();
        Self {
            id,
            business_id,
            kind,
            occurred_at,
            body,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// To be attempted (again) from `next_attempt_at`.
    Pending,
    /// An attempt was answered with a 2xx.
    Succeeded,
    /// Given up: no attempt succeeded for [`super::GIVE_UP_AFTER`].
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Pending, Self::Succeeded, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: WebhookDeliveryId,
    pub business_id: BusinessId,
    pub endpoint_id: WebhookEndpointId,
    pub event_id: WebhookEventId,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    /// Attempts made (a claimed delivery counts the attempt it is claimed for).
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub first_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    /// The delivery this one sends again.
    pub replay_of: Option<WebhookDeliveryId>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl WebhookDelivery {
    /// A first delivery of `event` to `endpoint`, due at once.
    pub fn new(
        id: WebhookDeliveryId,
        event: &WebhookEvent,
        endpoint: WebhookEndpointId,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            business_id: event.business_id,
            endpoint_id: endpoint,
            event_id: event.id,
            event_type: event.kind,
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            first_attempt_at: None,
            last_status_code: None,
            last_error: None,
            replay_of: None,
            created_at: now,
            completed_at: None,
        }
    }

    /// A new delivery of the same event to the same endpoint, due at once: the receiver
    /// gets the same event id and body.
    pub fn replay(&self, id: WebhookDeliveryId, now: DateTime<Utc>) -> Self {
        Self {
            id,
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            first_attempt_at: None,
            last_status_code: None,
            last_error: None,
            replay_of: Some(self.id),
            created_at: now,
            completed_at: None,
            ..self.clone()
        }
    }
}

/// What an attempt got, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    pub delivery_id: WebhookDeliveryId,
    /// 1 for the first attempt.
    pub number: u32,
    pub attempted_at: DateTime<Utc>,
    /// Answered with a 2xx.
    pub succeeded: bool,
    pub status_code: Option<u16>,
    pub latency_ms: Option<u64>,
    /// The start of the answer's body.
    pub response: Option<String>,
    /// Why there was no answer.
    pub error: Option<String>,
}

/// Whether an answer with `status` ends the delivery: any 2xx does; a redirect, like any
/// other status, is a failed attempt (redirects are never followed).
pub fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// What becomes of a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    Succeeded,
    /// Failed; due again at this instant.
    RetryAt(DateTime<Utc>),
    /// Failed, and no attempt is left: the delivery has failed.
    GaveUp,
}

/// After attempt number `attempts` (the first made at `first_attempt_at`), made at `now`,
/// that `succeeded` or not: done, retried after [`next_attempt`]'s delay (drawn with
/// `jitter` in `[0, 1)`), or given up.
pub fn after_attempt(
    attempts: u32,
    first_attempt_at: DateTime<Utc>,
    succeeded: bool,
    now: DateTime<Utc>,
    jitter: f64,
) -> AfterAttempt {
    if succeeded {
        return AfterAttempt::Succeeded;
    }
    match next_attempt(attempts.max(1), now - first_attempt_at, jitter) {
        Some(delay) => AfterAttempt::RetryAt(now + delay),
        None => AfterAttempt::GaveUp,
    }
}
