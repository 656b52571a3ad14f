//! `WebhookDeliveryRepository` over a [`SeaTransaction`] (PL-24): events and their
//! deliveries written with the change that causes them; the worker's claims, attempts and
//! the delivery log.
//!
//! Only the oldest pending delivery of an enabled endpoint (the head of its queue) can be
//! claimed, so an endpoint receives its events one at a time and in order. Claims never
//! overlap: on PostgreSQL the claiming select takes the rows with `FOR UPDATE SKIP
//! LOCKED`, and a head already claimed is not due again before its lease runs out; on
//! SQLite the write transaction is the only writer. An attempt is recorded only under the
//! claim it was made under, so a worker whose lease ran out cannot overwrite what the
//! next one did.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};
use uuid::Uuid;

use clientele_domain::webhook::{
    DeliveryAttempt, DeliveryStatus, EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent,
};
use clientele_domain::{BusinessId, WebhookDeliveryId, WebhookEndpointId};
use clientele_ports::StorageError;
use clientele_ports::storage::{
    ClaimToken, ClaimedDelivery, DeliveryNext, Subscriber, WebhookDeliveryRepository,
};

use super::conversions::{instant, webhook_attempt_row, webhook_delivery_row, webhook_event_row};
use super::entities::{webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_events};
use super::memberships::placeholder;
use super::{SeaTransaction, unexpected, unique_violation};

const PENDING: &str = "pending";
/// Rows a multi-row insert carries: far below SQLite's parameter limit.
const CHUNK: usize = 100;

fn write_error(err: sea_orm::DbErr) -> StorageError {
    match unique_violation(&err) {
        Some(_) => StorageError::Duplicate("webhook_delivery"),
        None => unexpected(err),
    }
}

impl SeaTransaction {
    async fn insert_deliveries(&self, deliveries: &[WebhookDelivery]) -> Result<(), StorageError> {
        for chunk in deliveries.chunks(CHUNK) {
            webhook_deliveries::Entity::insert_many(chunk.iter().map(webhook_delivery_row))
                .exec_without_returning(&self.txn)
                .await
                .map_err(write_error)?;
        }
        Ok(())
    }

    /// The heads of the endpoints' queues due at `now` (business and id), oldest due
    /// first. The head's own row says again that it is pending: on PostgreSQL a row
    /// locked by a worker recording its attempt is read again once that commits, with
    /// the outer conditions only (not the subquery's), and a delivery just recorded as
    /// succeeded must not be claimed once more.
    async fn due_heads(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<(Uuid, Uuid)>, StorageError> {
        let backend = self.txn.get_database_backend();
        let p = |n| placeholder(backend, n);
        let lock = match backend {
            DbBackend::Postgres => " FOR UPDATE OF d SKIP LOCKED",
            // The single writer: nobody else can claim until this transaction ends.
            _ => "",
        };
        // The heads first, once per enabled endpoint (MATERIALIZED: not folded into the
        // outer query, where the subquery would run once per pending delivery).
        let sql = format!(
            "WITH heads AS MATERIALIZED ( \
               SELECT e.business_id, \
                      (SELECT q.id FROM webhook_deliveries q \
                       WHERE q.business_id = e.business_id AND q.endpoint_id = e.id \
                       AND q.status = 'pending' ORDER BY q.id LIMIT 1) AS id \
               FROM webhook_endpoints e WHERE e.enabled) \
             SELECT d.business_id, d.id FROM heads h \
             JOIN webhook_deliveries d ON d.business_id = h.business_id AND d.id = h.id \
             WHERE d.status = 'pending' AND d.next_attempt_at <= {now1} \
             AND (d.claimed_until IS NULL OR d.claimed_until <= {now2}) \
             ORDER BY d.next_attempt_at, d.id LIMIT {limit}{lock}",
            now1 = p(1),
            now2 = p(2),
            limit = p(3),
        );
        let now = instant(now);
        let statement = Statement::from_sql_and_values(
            backend,
            sql,
            [now.into(), now.into(), i64::from(limit).into()],
        );
        let rows = self
            .txn
            .query_all_raw(statement)
            .await
            .map_err(unexpected)?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get::<Uuid>("", "business_id").map_err(unexpected)?,
                    row.try_get::<Uuid>("", "id").map_err(unexpected)?,
                ))
            })
            .collect()
    }
}

#[async_trait]
impl WebhookDeliveryRepository for SeaTransaction {
    async fn webhook_subscribers(
        &mut self,
        business: BusinessId,
    ) -> Result<Vec<Subscriber>, StorageError> {
        let rows: Vec<(Uuid, String)> = webhook_endpoints::Entity::find()
            .select_only()
            .column(webhook_endpoints::Column::Id)
            .column(webhook_endpoints::Column::Events)
            .filter(webhook_endpoints::Column::BusinessId.eq(business.as_uuid()))
            .filter(webhook_endpoints::Column::Enabled.eq(true))
            .order_by_asc(webhook_endpoints::Column::Id)
            .into_tuple()
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        // A name no event type has any more is no subscription.
        Ok(rows
            .into_iter()
            .map(|(id, events)| Subscriber {
                endpoint: id.into(),
                events: events.split(' ').filter_map(EventType::parse).collect(),
            })
            .collect())
    }

    async fn insert_webhook_event(
        &mut self,
        event: &WebhookEvent,
        deliveries: &[WebhookDelivery],
    ) -> Result<(), StorageError> {
        webhook_events::Entity::insert(webhook_event_row(event))
            .exec_without_returning(&self.txn)
            .await
            .map_err(|err| match unique_violation(&err) {
                Some(_) => StorageError::Duplicate("webhook_event"),
                None => unexpected(err),
            })?;
        self.insert_deliveries(deliveries).await
    }

    async fn claim_due_deliveries(
        &mut self,
        claim: ClaimToken,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, StorageError> {
        let heads = self.due_heads(now, limit).await?;
        if heads.is_empty() {
            return Ok(Vec::new());
        }
        // Ids are UUIDs, unique across businesses: the pairs are matched by both lists.
        let businesses: Vec<Uuid> = heads.iter().map(|(business, _)| *business).collect();
        let ids: Vec<Uuid> = heads.iter().map(|(_, id)| *id).collect();
        let mut claimed = webhook_deliveries::Entity::update_many()
            .col_expr(
                webhook_deliveries::Column::ClaimedUntil,
                Expr::value(instant(lease_until)),
            )
            .col_expr(
                webhook_deliveries::Column::ClaimToken,
                Expr::value(claim.as_uuid()),
            )
            .col_expr(
                webhook_deliveries::Column::Attempts,
                Expr::col(webhook_deliveries::Column::Attempts).add(1),
            )
            .col_expr(
                webhook_deliveries::Column::FirstAttemptAt,
                Func::coalesce([
                    Expr::col(webhook_deliveries::Column::FirstAttemptAt),
                    Expr::value(instant(now)),
                ])
                .into(),
            )
            .filter(webhook_deliveries::Column::BusinessId.is_in(businesses.clone()))
            .filter(webhook_deliveries::Column::Id.is_in(ids))
            .filter(webhook_deliveries::Column::Status.eq(PENDING))
            .exec_with_returning(&self.txn)
            .await
            .map_err(unexpected)?;
        // RETURNING keeps no order: back to oldest due first.
        claimed.sort_by_key(|row| (row.next_attempt_at, row.id));
        let endpoint_ids: Vec<Uuid> = claimed.iter().map(|row| row.endpoint_id).collect();
        let event_ids: Vec<Uuid> = claimed.iter().map(|row| row.event_id).collect();
        let mut endpoints: HashMap<Uuid, WebhookEndpoint> = HashMap::new();
        for row in webhook_endpoints::Entity::find()
            .filter(webhook_endpoints::Column::BusinessId.is_in(businesses.clone()))
            .filter(webhook_endpoints::Column::Id.is_in(endpoint_ids))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
        {
            endpoints.insert(row.id, WebhookEndpoint::try_from(row)?);
        }
        let bodies: HashMap<Uuid, String> = webhook_events::Entity::find()
            .select_only()
            .column(webhook_events::Column::Id)
            .column(webhook_events::Column::Body)
            .filter(webhook_events::Column::BusinessId.is_in(businesses))
            .filter(webhook_events::Column::Id.is_in(event_ids))
            .into_tuple::<(Uuid, String)>()
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .collect();
        claimed
            .into_iter()
            .map(|row| {
                let endpoint = endpoints
                    .get(&row.endpoint_id)
                    .cloned()
                    .ok_or(StorageError::NotFound)?;
                let body = bodies
                    .get(&row.event_id)
                    .cloned()
                    .ok_or(StorageError::NotFound)?;
                Ok(ClaimedDelivery {
                    delivery: WebhookDelivery::try_from(row)?,
                    endpoint,
                    body,
                })
            })
            .collect()
    }

    async fn record_delivery_attempt(
        &mut self,
        business: BusinessId,
        claim: ClaimToken,
        attempt: &DeliveryAttempt,
        next: DeliveryNext,
        at: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        use webhook_deliveries::Column as C;
        let (status, next_attempt_at, completed_at) = match next {
            DeliveryNext::Succeeded => (DeliveryStatus::Succeeded, None, Some(instant(at))),
            DeliveryNext::RetryAt(when) => (DeliveryStatus::Pending, Some(instant(when)), None),
            DeliveryNext::Failed => (DeliveryStatus::Failed, None, Some(instant(at))),
        };
        let mut update = webhook_deliveries::Entity::update_many()
            .col_expr(C::Status, Expr::value(status.as_str()))
            .col_expr(C::ClaimToken, Expr::value(Option::<Uuid>::None))
            .col_expr(C::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(
                C::LastStatusCode,
                Expr::value(attempt.status_code.map(i32::from)),
            )
            .col_expr(C::LastError, Expr::value(attempt.error.clone()))
            .col_expr(C::CompletedAt, Expr::value(completed_at));
        if let Some(when) = next_attempt_at {
            update = update.col_expr(C::NextAttemptAt, Expr::value(when));
        }
        let updated = update
            .filter(C::BusinessId.eq(business.as_uuid()))
            .filter(C::Id.eq(attempt.delivery_id.as_uuid()))
            .filter(C::Status.eq(PENDING))
            .filter(C::ClaimToken.eq(claim.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        if updated.rows_affected == 0 {
            return Ok(false);
        }
        webhook_attempts::Entity::insert(webhook_attempt_row(business.as_uuid(), attempt))
            .exec_without_returning(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(true)
    }

    async fn webhook_deliveries(
        &mut self,
        business: BusinessId,
        endpoint: WebhookEndpointId,
        before: Option<WebhookDeliveryId>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StorageError> {
        use webhook_deliveries::Column as C;
        let mut query = webhook_deliveries::Entity::find()
            .filter(C::BusinessId.eq(business.as_uuid()))
            .filter(C::EndpointId.eq(endpoint.as_uuid()));
        if let Some(before) = before {
            query = query.filter(C::Id.lt(before.as_uuid()));
        }
        query
            .order_by_desc(C::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(WebhookDelivery::try_from)
            .collect()
    }

    async fn webhook_delivery(
        &mut self,
        business: BusinessId,
        id: WebhookDeliveryId,
    ) -> Result<Option<WebhookDelivery>, StorageError> {
        webhook_deliveries::Entity::find()
            .filter(webhook_deliveries::Column::BusinessId.eq(business.as_uuid()))
            .filter(webhook_deliveries::Column::Id.eq(id.as_uuid()))
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(WebhookDelivery::try_from)
            .transpose()
    }

    async fn delivery_attempts(
        &mut self,
        business: BusinessId,
        id: WebhookDeliveryId,
    ) -> Result<Vec<DeliveryAttempt>, StorageError> {
        webhook_attempts::Entity::find()
            .filter(webhook_attempts::Column::BusinessId.eq(business.as_uuid()))
            .filter(webhook_attempts::Column::DeliveryId.eq(id.as_uuid()))
            .order_by_asc(webhook_attempts::Column::Number)
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(DeliveryAttempt::try_from)
            .collect()
    }

    async fn insert_webhook_deliveries(
        &mut self,
        deliveries: &[WebhookDelivery],
    ) -> Result<(), StorageError> {
        self.insert_deliveries(deliveries).await
    }

    async fn purge_webhook_history(
        &mut self,
        business: BusinessId,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<u64, StorageError> {
        use webhook_deliveries::Column as C;
        let b = business.as_uuid();
        // A pending delivery has no completion time: never among these.
        let done: Vec<Uuid> = webhook_deliveries::Entity::find()
            .select_only()
            .column(C::Id)
            .filter(C::BusinessId.eq(b))
            .filter(C::CompletedAt.lt(instant(before)))
            .order_by_asc(C::CompletedAt)
            .limit(u64::from(limit))
            .into_tuple()
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        let mut purged = 0;
        if !done.is_empty() {
            webhook_attempts::Entity::delete_many()
                .filter(webhook_attempts::Column::BusinessId.eq(b))
                .filter(webhook_attempts::Column::DeliveryId.is_in(done.clone()))
                .exec(&self.txn)
                .await
                .map_err(unexpected)?;
            purged += webhook_deliveries::Entity::delete_many()
                .filter(C::BusinessId.eq(b))
                .filter(C::Id.is_in(done))
                .exec(&self.txn)
                .await
                .map_err(unexpected)?
                .rows_affected;
        }
        let backend = self.txn.get_database_backend();
        let p = |n| placeholder(backend, n);
        let sql = format!(
            "SELECT e.id FROM webhook_events e \
             WHERE e.business_id = {b} AND e.occurred_at < {before} \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d \
                             WHERE d.business_id = e.business_id AND d.event_id = e.id) \
             ORDER BY e.occurred_at LIMIT {limit}",
            b = p(1),
            before = p(2),
            limit = p(3),
        );
        let statement = Statement::from_sql_and_values(
            backend,
            sql,
            [b.into(), instant(before).into(), i64::from(limit).into()],
        );
        let events: Vec<Uuid> = self
            .txn
            .query_all_raw(statement)
            .await
            .map_err(unexpected)?
            .iter()
            .map(|row| row.try_get::<Uuid>("", "id").map_err(unexpected))
            .collect::<Result<_, _>>()?;
        if !events.is_empty() {
            purged += webhook_events::Entity::delete_many()
                .filter(webhook_events::Column::BusinessId.eq(b))
                .filter(webhook_events::Column::Id.is_in(events))
                .exec(&self.txn)
                .await
                .map_err(unexpected)?
                .rows_affected;
        }
        Ok(purged)
    }

    async fn first_deliveries_since(
        &mut self,
        business: BusinessId,
        endpoint: WebhookEndpointId,
        since: DateTime<Utc>,
        after: Option<WebhookDeliveryId>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StorageError> {
        use webhook_deliveries::Column as C;
        // A first delivery is created with its event, in the same transaction.
        let mut query = webhook_deliveries::Entity::find()
            .filter(C::BusinessId.eq(business.as_uuid()))
            .filter(C::EndpointId.eq(endpoint.as_uuid()))
            .filter(C::ReplayOf.is_null())
            .filter(C::CreatedAt.gte(instant(since)));
        if let Some(after) = after {
            query = query.filter(C::Id.gt(after.as_uuid()));
        }
        query
            .order_by_asc(C::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(WebhookDelivery::try_from)
            .collect()
    }
}
