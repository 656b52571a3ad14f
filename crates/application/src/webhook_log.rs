//! PL-24: the delivery log of an endpoint (owners and admins): its deliveries newest
//! first, each with its attempts (status, response code, latency, the start of the
//! answer), and replays: one delivery again, or every event sent to the endpoint since a
//! time. A replay is a new delivery of the same event, with the same id and body, queued
//! behind what the endpoint is still to receive.

use chrono::{DateTime, Utc};

use clientele_domain::webhook::{DeliveryAttempt, WebhookDelivery};
use clientele_domain::{
    Actor, PageLimit, Permission, ValidationErrors, WebhookDeliveryId, WebhookEndpointId,
};
use clientele_ports::Transaction;

use crate::cursor::Listing;
use crate::webhooks::WebhookError;
use crate::{Clientele, Page};

/// A delivery with its attempts, first first.
#[derive(Debug, Clone)]
pub struct DeliveryLog {
    pub delivery: WebhookDelivery,
    pub attempts: Vec<DeliveryAttempt>,
}

const DELIVERIES: &str = "webhook_deliveries";
/// Deliveries replayed per statement.
const REPLAY_PAGE: u32 = 500;

/// The business's endpoint `id`, or `NotFound`.
async fn endpoint_exists(
    tx: &mut dyn Transaction,
    actor: &Actor,
    id: WebhookEndpointId,
) -> Result<(), WebhookError> {
    tx.webhook_endpoint(actor.business_id, id)
        .await?
        .map(drop)
        .ok_or(WebhookError::NotFound)
}

/// The endpoint's delivery `id`.
async fn delivery_of(
    tx: &mut dyn Transaction,
    actor: &Actor,
    endpoint: WebhookEndpointId,
    id: WebhookDeliveryId,
) -> Result<WebhookDelivery, WebhookError> {
    endpoint_exists(tx, actor, endpoint).await?;
    tx.webhook_delivery(actor.business_id, id)
        .await?
        .filter(|delivery| delivery.endpoint_id == endpoint)
        .ok_or(WebhookError::DeliveryNotFound)
}

impl Clientele {
    /// The endpoint's deliveries, newest first.
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        endpoint: WebhookEndpointId,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<WebhookDelivery>, WebhookError> {
        actor.require(Permission::ManageWebhooks)?;
        let listing = Listing::of(actor.business_id, DELIVERIES).with("endpoint", endpoint);
        let before: Option<WebhookDeliveryId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        endpoint_exists(tx.as_mut(), actor, endpoint).await?;
        let rows = tx
            .webhook_deliveries(actor.business_id, endpoint, before, limit.get() + 1)
            .await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |d| d.id))
    }

    /// One delivery of the endpoint with its attempts.
    pub async fn webhook_delivery(
        &self,
        actor: &Actor,
        endpoint: WebhookEndpointId,
        id: WebhookDeliveryId,
    ) -> Result<DeliveryLog, WebhookError> {
        actor.require(Permission::ManageWebhooks)?;
        let mut tx = self.storage.read().await?;
        let delivery = delivery_of(tx.as_mut(), actor, endpoint, id).await?;
        let attempts = tx.delivery_attempts(actor.business_id, id).await?;
        Ok(DeliveryLog { delivery, attempts })
    }

    /// Sends a delivery's event again: a new delivery, due now.
    pub async fn replay_webhook_delivery(
        &self,
        actor: &Actor,
        endpoint: WebhookEndpointId,
        id: WebhookDeliveryId,
    ) -> Result<WebhookDelivery, WebhookError> {
        actor.require(Permission::ManageWebhooks)?;
        let mut tx = self.storage.begin().await?;
        let delivery = delivery_of(tx.as_mut(), actor, endpoint, id).await?;
        let replay = delivery.replay(
            WebhookDeliveryId::from_uuid(self.ids.new_id()),
            self.clock.now(),
        );
        tx.insert_webhook_deliveries(std::slice::from_ref(&replay))
            .await?;
        tx.commit().await?;
        Ok(replay)
    }

    /// Sends again every event the endpoint was sent since `since`, in their order (one
    /// new delivery each); how many.
    pub async fn replay_webhooks_since(
        &self,
        actor: &Actor,
        endpoint: WebhookEndpointId,
        since: DateTime<Utc>,
    ) -> Result<u64, WebhookError> {
        actor.require(Permission::ManageWebhooks)?;
        let now = self.clock.now();
        if since > now {
            return Err(ValidationErrors::single("since", "must not be in the future").into());
        }
        let mut tx = self.storage.begin().await?;
        endpoint_exists(tx.as_mut(), actor, endpoint).await?;
        let mut after = None;
        let mut replayed = 0_u64;
        loop {
            let page = tx
                .first_deliveries_since(actor.business_id, endpoint, since, after, REPLAY_PAGE)
                .await?;
            let replays: Vec<WebhookDelivery> = page
                .iter()
                .map(|delivery| {
                    delivery.replay(WebhookDeliveryId::from_uuid(self.ids.new_id()), now)
                })
                .collect();
            tx.insert_webhook_deliveries(&replays).await?;
            replayed += replays.len() as u64;
            match page.last() {
                Some(last) if page.len() == REPLAY_PAGE as usize => after = Some(last.id),
                _ => break,
            }
        }
        tx.commit().await?;
        Ok(replayed)
    }
}
