//! PL-24: webhook events, written in the transaction of the change that causes them, and
//! their deliveries: the worker claims the oldest pending delivery of each endpoint under
//! a lease (as the email outbox does), attempts it and records the attempt.

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use clientele_domain::webhook::{
    DeliveryAttempt, EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent,
};
use clientele_domain::{BusinessId, WebhookDeliveryId, WebhookEndpointId};

use super::{ClaimToken, StorageError};

/// PL-24: an enabled endpoint and the event types it wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    pub endpoint: WebhookEndpointId,
    pub events: BTreeSet<EventType>,
}

/// A delivery claimed for an attempt, with what the attempt needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    /// As claimed: its attempts count this one.
    pub delivery: WebhookDelivery,
    pub endpoint: WebhookEndpoint,
    /// The event's body.
    pub body: String,
}

/// What becomes of a claimed delivery after its attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryNext {
    Succeeded,
    RetryAt(DateTime<Utc>),
    Failed,
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookDeliveryRepository: Send {
    /// The business's enabled endpoints, each with the event types it wants (read once
    /// for all the events of a transaction), by id.
    async fn webhook_subscribers(
        &mut self,
        business: BusinessId,
    ) -> Result<Vec<Subscriber>, StorageError>;

    /// Stores `event` and `deliveries` of it. MUST be called in the transaction of the
    /// change that causes the event (PL-24).
    async fn insert_webhook_event(
        &mut self,
        event: &WebhookEvent,
        deliveries: &[WebhookDelivery],
    ) -> Result<(), StorageError>;

    /// Claims, across businesses, up to `limit` deliveries that are each the oldest
    /// pending delivery (by id) of an enabled endpoint, due at `now` and not claimed by
    /// someone else (or whose claim ran out), oldest due first: each is leased until
    /// `lease_until` under `claim`, its attempts go up by one and its first attempt is
    /// set if unset. Two transactions claiming at once MUST get disjoint deliveries, and
    /// never two of one endpoint: an endpoint receives its events one at a time, in
    /// order.
    async fn claim_due_deliveries(
        &mut self,
        claim: ClaimToken,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, StorageError>;

    /// Logs `attempt` and moves its delivery on as `next` says, releasing the claim. No
    /// effect (and `false`) unless the delivery is still pending under `claim`: a worker
    /// whose lease ran out reports late, after another took the delivery over.
    async fn record_delivery_attempt(
        &mut self,
        business: BusinessId,
        claim: ClaimToken,
        attempt: &DeliveryAttempt,
        next: DeliveryNext,
        at: DateTime<Utc>,
    ) -> Result<bool, StorageError>;

    /// The deliveries to the business's endpoint, newest first, strictly before `before`,
    /// at most `limit`.
    async fn webhook_deliveries(
        &mut self,
        business: BusinessId,
        endpoint: WebhookEndpointId,
        before: Option<WebhookDeliveryId>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StorageError>;

    /// The business's delivery, or `None`.
    async fn webhook_delivery(
        &mut self,
        business: BusinessId,
        id: WebhookDeliveryId,
    ) -> Result<Option<WebhookDelivery>, StorageError>;

    /// The attempts of the business's delivery, first first.
    async fn delivery_attempts(
        &mut self,
        business: BusinessId,
        id: WebhookDeliveryId,
    ) -> Result<Vec<DeliveryAttempt>, StorageError>;

    /// Stores new deliveries (replays).
    async fn insert_webhook_deliveries(
        &mut self,
        deliveries: &[WebhookDelivery],
    ) -> Result<(), StorageError>;

    /// Deletes up to `limit` of the business's deliveries done (succeeded or failed)
    /// before `before`, with their attempts, then up to `limit` of its events that
    /// occurred before `before` and have no delivery left; how many rows of both.
    async fn purge_webhook_history(
        &mut self,
        business: BusinessId,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<u64, StorageError>;

    /// The business's deliveries to `endpoint` of events that occurred at or after
    /// `since`, at most one per event (the first), in the events' order, strictly after
    /// the delivery `after`, at most `limit`: what a replay since a time sends again.
    async fn first_deliveries_since(
        &mut self,
        business: BusinessId,
        endpoint: WebhookEndpointId,
        since: DateTime<Utc>,
        after: Option<WebhookDeliveryId>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StorageError>;
}
