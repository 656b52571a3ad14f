//! PL-24: an endpoint's delivery log and replays (owner, admin).

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::webhook_log::DeliveryLog;
use clientele_domain::webhook::{DeliveryAttempt, DeliveryStatus, WebhookDelivery};
use clientele_domain::{WebhookDeliveryId, WebhookEndpointId};

use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;

/// One event's delivery to an endpoint.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookDeliveryView {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    /// The event's id: the `webhook-id` header of every attempt, replays included.
    pub event_id: Uuid,
    pub event_type: String,
    /// `pending` (to be attempted, again), `succeeded` (answered with a 2xx) or `failed`
    /// (given up after about three days).
    pub status: String,
    pub attempts: u32,
    /// When pending: when it is attempted next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The HTTP status of the last attempt, if it was answered.
    pub last_status_code: Option<u16>,
    /// Why the last attempt had no answer.
    pub last_error: Option<String>,
    /// The delivery this one replays.
    pub replay_of: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<&WebhookDelivery> for WebhookDeliveryView {
    fn from(d: &WebhookDelivery) -> Self {
        Self {
            id: d.id.as_uuid(),
            endpoint_id: d.endpoint_id.as_uuid(),
            event_id: d.event_id.as_uuid(),
            event_type: d.event_type.as_str().to_owned(),
            status: d.status.as_str().to_owned(),
            attempts: d.attempts,
            next_attempt_at: (d.status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
            last_status_code: d.last_status_code,
            last_error: d.last_error.clone(),
            replay_of: d.replay_of.map(|id| id.as_uuid()),
            created_at: d.created_at,
            completed_at: d.completed_at,
        }
    }
}

/// One attempt of a delivery.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DeliveryAttemptView {
    /// 1 for the first.
    pub number: u32,
    pub attempted_at: DateTime<Utc>,
    /// Answered with a 2xx.
    pub succeeded: bool,
    pub status_code: Option<u16>,
    /// From sending to the answer (or to the timeout).
    pub latency_ms: Option<u64>,
    /// The start of the answer's body (at most 1 KiB).
    pub response: Option<String>,
    /// Why there was no answer: refused address, timeout, unreachable.
    pub error: Option<String>,
}

impl From<&DeliveryAttempt> for DeliveryAttemptView {
    fn from(a: &DeliveryAttempt) -> Self {
        Self {
            number: a.number,
            attempted_at: a.attempted_at,
            succeeded: a.succeeded,
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            response: a.response.clone(),
            error: a.error.clone(),
        }
    }
}

/// A delivery with its attempts, first first.
#[derive(Debug, Object)]
pub struct WebhookDeliveryLogView {
    #[oai(flatten)]
    pub delivery: WebhookDeliveryView,
    pub attempts: Vec<DeliveryAttemptView>,
}

impl From<&DeliveryLog> for WebhookDeliveryLogView {
    fn from(log: &DeliveryLog) -> Self {
        Self {
            delivery: (&log.delivery).into(),
            attempts: log.attempts.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookDeliveryPage {
    pub items: Vec<WebhookDeliveryView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Replay every event sent to the endpoint at or after `since`.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ReplaySinceParams {
    pub since: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct ReplayedView {
    /// Deliveries queued again.
    pub replayed: u64,
}

#[derive(ApiResponse)]
pub enum ReplayResponse {
    /// Queued: a new delivery of the same event, behind what the endpoint is still to
    /// receive.
    #[oai(status = 201)]
    Queued(Json<WebhookDeliveryView>),
}

pub struct WebhookDeliveriesApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Webhooks")]
impl WebhookDeliveriesApi {
    /// An endpoint's deliveries, newest first (owner, admin).
    #[oai(
        path = "/webhook-endpoints/:id/deliveries",
        method = "get",
        operation_id = "list_webhook_deliveries"
    )]
    async fn list(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<WebhookDeliveryPage>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>>
    {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .webhook_deliveries(
                &actor,
                WebhookEndpointId::from_uuid(id.0),
                page_limit(limit.0)?,
                cursor.0.as_deref(),
            )
            .await?;
        Ok(Json(WebhookDeliveryPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// One delivery with its attempts: status, response code, latency, the start of the
    /// answer (owner, admin).
    #[oai(
        path = "/webhook-endpoints/:id/deliveries/:delivery_id",
        method = "get",
        operation_id = "get_webhook_delivery"
    )]
    async fn get(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        delivery_id: Path<Uuid>,
    ) -> Result<Json<WebhookDeliveryLogView>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>>
    {
        let actor = auth.actor(&self.app).await?;
        let log = self
            .app
            .webhook_delivery(
                &actor,
                WebhookEndpointId::from_uuid(id.0),
                WebhookDeliveryId::from_uuid(delivery_id.0),
            )
            .await?;
        Ok(Json((&log).into()))
    }

    /// Send a delivery's event again: same event id and body (owner, admin).
    #[oai(
        path = "/webhook-endpoints/:id/deliveries/:delivery_id/replay",
        method = "post",
        operation_id = "replay_webhook_delivery"
    )]
    async fn replay(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        delivery_id: Path<Uuid>,
    ) -> Result<ReplayResponse, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let replay = self
            .app
            .replay_webhook_delivery(
                &actor,
                WebhookEndpointId::from_uuid(id.0),
                WebhookDeliveryId::from_uuid(delivery_id.0),
            )
            .await?;
        Ok(ReplayResponse::Queued(Json((&replay).into())))
    }

    /// Send again every event the endpoint was sent since a time, in their order (owner,
    /// admin).
    #[oai(
        path = "/webhook-endpoints/:id/replay",
        method = "post",
        operation_id = "replay_webhooks_since"
    )]
    async fn replay_since(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<ReplaySinceParams>,
    ) -> Result<
        Json<ReplayedView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let replayed = self
            .app
            .replay_webhooks_since(&actor, WebhookEndpointId::from_uuid(id.0), body.0.since)
            .await?;
        Ok(Json(ReplayedView { replayed }))
    }
}
