//! PL-24: events written in the transaction of the change that causes them, one delivery
//! per enabled endpoint that wants the event's type. An event holds the resource in the
//! same JSON shape as the API's own view: the API's views render it
//! ([`ResourceViews`], given with `Clientele::with_resource_views`).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde_json::{Value, json};

use clientele_domain::appointment::Appointment;
use clientele_domain::client_merge::ClientMerge;
use clientele_domain::code::Code;
use clientele_domain::membership::Membership;
use clientele_domain::payment::Payment;
use clientele_domain::webhook::{EventType, WebhookDelivery, WebhookEvent};
use clientele_domain::{
    BusinessId, Client, ClientId, WebhookDeliveryId, WebhookEndpointId, WebhookEventId,
};
use clientele_ports::storage::{Charge, Subscriber};
use clientele_ports::{StorageError, Transaction};

use crate::Clientele;

/// What an event is about.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    Client(&'a Client),
    /// A merge (CL-18) with the profile kept.
    Merge(&'a ClientMerge, &'a Client),
    /// A client deleted or erased: only the id is left to tell.
    DeletedClient(ClientId),
    Appointment(&'a Appointment),
    /// A payment of an appointment.
    Payment(&'a Payment),
    /// A charge of a membership.
    Charge(&'a Charge),
    Membership(&'a Membership),
    Code(&'a Code),
}

/// Renders resources as the API shows them.
pub trait ResourceViews: Send + Sync {
    fn render(&self, resource: Resource<'_>) -> Value;
}

/// Without the API's views (an embedding without the HTTP API): each resource by its id.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdsOnly;

impl ResourceViews for IdsOnly {
    fn render(&self, resource: Resource<'_>) -> Value {
        let id = match resource {
            Resource::Client(client) => client.id().as_uuid(),
            Resource::Merge(merge, _) => merge.id.as_uuid(),
            Resource::DeletedClient(id) => id.as_uuid(),
            Resource::Appointment(appointment) => appointment.id().as_uuid(),
            Resource::Payment(payment) => payment.id.as_uuid(),
            Resource::Charge(charge) => charge.id.as_uuid(),
            Resource::Membership(membership) => membership.id().as_uuid(),
            Resource::Code(code) => code.id().as_uuid(),
        };
        json!({ "id": id })
    }
}

/// The business's endpoints and what each wants, as read once in a transaction: for the
/// use cases that record several events in one (a booking with a code, billing).
#[derive(Debug, Default)]
pub(crate) struct Subscriptions(HashMap<BusinessId, Vec<Subscriber>>);

impl Subscriptions {
    async fn of(
        &mut self,
        tx: &mut dyn Transaction,
        business: BusinessId,
        kind: EventType,
    ) -> Result<Vec<WebhookEndpointId>, StorageError> {
        let subscribers = match self.0.entry(business) {
            Entry::Occupied(read) => read.into_mut(),
            Entry::Vacant(unread) => unread.insert(tx.webhook_subscribers(business).await?),
        };
        Ok(subscribers
            .iter()
            .filter(|s| s.events.contains(&kind))
            .map(|s| s.endpoint)
            .collect())
    }
}

impl Clientele {
    /// Records an event of `kind` about `resource` in `tx`, with a delivery to every
    /// enabled endpoint of the business that wants it; nothing when none does.
    pub(crate) async fn emit(
        &self,
        tx: &mut dyn Transaction,
        business: BusinessId,
        kind: EventType,
        resource: Resource<'_>,
    ) -> Result<(), StorageError> {
        let mut subscriptions = Subscriptions::default();
        self.emit_to(tx, &mut subscriptions, business, kind, resource)
            .await
    }

    /// [`Self::emit`], reading who wants the event through `subscriptions`.
    pub(crate) async fn emit_to(
        &self,
        tx: &mut dyn Transaction,
        subscriptions: &mut Subscriptions,
        business: BusinessId,
        kind: EventType,
        resource: Resource<'_>,
    ) -> Result<(), StorageError> {
        let endpoints = subscriptions.of(tx, business, kind).await?;
        self.record_event(tx, business, kind, resource, endpoints)
            .await
    }

    async fn record_event(
        &self,
        tx: &mut dyn Transaction,
        business: BusinessId,
        kind: EventType,
        resource: Resource<'_>,
        endpoints: Vec<WebhookEndpointId>,
    ) -> Result<(), StorageError> {
        if endpoints.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let event = WebhookEvent::new(
            WebhookEventId::from_uuid(self.ids.new_id()),
            business,
            kind,
            now,
            self.views.render(resource),
        );
        let deliveries: Vec<WebhookDelivery> = endpoints
            .into_iter()
            .map(|endpoint| {
                WebhookDelivery::new(
                    WebhookDeliveryId::from_uuid(self.ids.new_id()),
                    &event,
                    endpoint,
                    now,
                )
            })
            .collect();
        tx.insert_webhook_event(&event, &deliveries).await
    }
}
