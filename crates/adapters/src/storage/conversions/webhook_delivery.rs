//! `webhook_events`, `webhook_deliveries` and `webhook_attempts` rows ↔ the domain's
//! events, deliveries and attempts (PL-24).

use sea_orm::ActiveValue::Set;

use clientele_domain::webhook::{
    DeliveryAttempt, DeliveryStatus, EventType, WebhookDelivery, WebhookEvent,
};
use clientele_ports::StorageError;

use super::{corrupt, instant};
use crate::storage::entities::{webhook_attempts, webhook_deliveries, webhook_events};

const D: &str = "webhook_deliveries";

/// A count as stored in an `integer` column (saturating: counts stay far below).
fn int(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

pub(crate) fn webhook_event_row(event: &WebhookEvent) -> webhook_events::ActiveModel {
    webhook_events::ActiveModel {
        business_id: Set(event.business_id.as_uuid()),
        id: Set(event.id.as_uuid()),
        kind: Set(event.kind.as_str().to_owned()),
        occurred_at: Set(instant(event.occurred_at)),
        body: Set(event.body.clone()),
    }
}

pub(crate) fn webhook_delivery_row(delivery: &WebhookDelivery) -> webhook_deliveries::ActiveModel {
    webhook_deliveries::ActiveModel {
        id: Set(delivery.id.as_uuid()),
        business_id: Set(delivery.business_id.as_uuid()),
        endpoint_id: Set(delivery.endpoint_id.as_uuid()),
        event_id: Set(delivery.event_id.as_uuid()),
        event_type: Set(delivery.event_type.as_str().to_owned()),
        status: Set(delivery.status.as_str().to_owned()),
        attempts: Set(int(delivery.attempts)),
        next_attempt_at: Set(instant(delivery.next_attempt_at)),
        first_attempt_at: Set(delivery.first_attempt_at.map(instant)),
        claim_token: Set(None),
        claimed_until: Set(None),
        last_status_code: Set(delivery.last_status_code.map(i32::from)),
        last_error: Set(delivery.last_error.clone()),
        replay_of: Set(delivery.replay_of.map(|id| id.as_uuid())),
        created_at: Set(instant(delivery.created_at)),
        completed_at: Set(delivery.completed_at.map(instant)),
    }
}

impl TryFrom<webhook_deliveries::Model> for WebhookDelivery {
    type Error = StorageError;

    fn try_from(row: webhook_deliveries::Model) -> Result<Self, Self::Error> {
        let event_type = EventType::parse(&row.event_type)
            .ok_or_else(|| corrupt(D, "event_type", &row.event_type))?;
        let status =
            DeliveryStatus::parse(&row.status).ok_or_else(|| corrupt(D, "status", &row.status))?;
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            endpoint_id: row.endpoint_id.into(),
            event_id: row.event_id.into(),
            event_type,
            status,
            attempts: u32::try_from(row.attempts).map_err(|e| corrupt(D, "attempts", e))?,
            next_attempt_at: row.next_attempt_at,
            first_attempt_at: row.first_attempt_at,
            last_status_code: row
                .last_status_code
                .map(u16::try_from)
                .transpose()
                .map_err(|e| corrupt(D, "last_status_code", e))?,
            last_error: row.last_error,
            replay_of: row.replay_of.map(Into::into),
            created_at: row.created_at,
            completed_at: row.completed_at,
        })
    }
}

pub(crate) fn webhook_attempt_row(
    business: uuid::Uuid,
    attempt: &DeliveryAttempt,
) -> webhook_attempts::ActiveModel {
    webhook_attempts::ActiveModel {
        business_id: Set(business),
        delivery_id: Set(attempt.delivery_id.as_uuid()),
        number: Set(int(attempt.number)),
        attempted_at: Set(instant(attempt.attempted_at)),
        succeeded: Set(attempt.succeeded),
        status_code: Set(attempt.status_code.map(i32::from)),
        latency_ms: Set(attempt
            .latency_ms
            .map(|ms| i64::try_from(ms).unwrap_or(i64::MAX))),
        response: Set(attempt.response.clone()),
        error: Set(attempt.error.clone()),
    }
}

impl TryFrom<webhook_attempts::Model> for DeliveryAttempt {
    type Error = StorageError;

    fn try_from(row: webhook_attempts::Model) -> Result<Self, Self::Error> {
        const A: &str = "webhook_attempts";
        Ok(Self {
            delivery_id: row.delivery_id.into(),
            number: u32::try_from(row.number).map_err(|e| corrupt(A, "number", e))?,
            attempted_at: row.attempted_at,
            succeeded: row.succeeded,
            status_code: row
                .status_code
                .map(u16::try_from)
                .transpose()
                .map_err(|e| corrupt(A, "status_code", e))?,
            latency_ms: row
                .latency_ms
                .map(u64::try_from)
                .transpose()
                .map_err(|e| corrupt(A, "latency_ms", e))?,
            response: row.response,
            error: row.error,
        })
    }
}
