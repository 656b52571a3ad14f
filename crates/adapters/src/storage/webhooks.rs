//! `WebhookRepository` over a [`SeaTransaction`] (PL-24).

use async_trait::async_trait;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use clientele_domain::webhook::WebhookEndpoint;
use clientele_domain::{BusinessId, Version, WebhookEndpointId};
use clientele_ports::StorageError;
use clientele_ports::storage::WebhookRepository;

use super::conversions::{webhook_endpoint_changes, webhook_endpoint_row};
use super::entities::webhook_endpoints;
use super::{SeaTransaction, unexpected, unique_violation};

fn write_error(err: DbErr) -> StorageError {
    match unique_violation(&err) {
        Some(_) => StorageError::Duplicate("webhook_endpoint"),
        None => unexpected(err),
    }
}

/// The endpoint `id` of `business`.
fn endpoint_of(
    business: BusinessId,
    id: WebhookEndpointId,
) -> sea_orm::Select<webhook_endpoints::Entity> {
    webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::BusinessId.eq(business.as_uuid()))
        .filter(webhook_endpoints::Column::Id.eq(id.as_uuid()))
}

#[async_trait]
impl WebhookRepository for SeaTransaction {
    async fn insert_webhook_endpoint(
        &mut self,
        endpoint: &WebhookEndpoint,
    ) -> Result<(), StorageError> {
        let insert = webhook_endpoints::Entity::insert(webhook_endpoint_row(endpoint));
        self.guarded(&insert).await.map_err(write_error)?;
        Ok(())
    }

    async fn webhook_endpoint(
        &mut self,
        business: BusinessId,
        id: WebhookEndpointId,
    ) -> Result<Option<WebhookEndpoint>, StorageError> {
        endpoint_of(business, id)
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(WebhookEndpoint::try_from)
            .transpose()
    }

    async fn webhook_endpoints(
        &mut self,
        business: BusinessId,
        after: Option<WebhookEndpointId>,
        limit: u32,
    ) -> Result<Vec<WebhookEndpoint>, StorageError> {
        let mut query = webhook_endpoints::Entity::find()
            .filter(webhook_endpoints::Column::BusinessId.eq(business.as_uuid()));
        if let Some(after) = after {
            query = query.filter(webhook_endpoints::Column::Id.gt(after.as_uuid()));
        }
        query
            .order_by_asc(webhook_endpoints::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(WebhookEndpoint::try_from)
            .collect()
    }

    async fn update_webhook_endpoint(
        &mut self,
        endpoint: &WebhookEndpoint,
        expected: Version,
    ) -> Result<(), StorageError> {
        let (business, id) = (endpoint.business_id(), endpoint.id());
        let update = webhook_endpoints::Entity::update_many()
            .set(webhook_endpoint_changes(endpoint))
            .filter(webhook_endpoints::Column::BusinessId.eq(business.as_uuid()))
            .filter(webhook_endpoints::Column::Id.eq(id.as_uuid()))
            .filter(webhook_endpoints::Column::Version.eq(expected.get()));
        let result = self.guarded(&update).await.map_err(write_error)?;
        if result.rows_affected() == 0 {
            return Err(self.missed_update(endpoint_of(business, id)).await);
        }
        Ok(())
    }

    async fn delete_webhook_endpoint(
        &mut self,
        business: BusinessId,
        id: WebhookEndpointId,
    ) -> Result<(), StorageError> {
        let result = webhook_endpoints::Entity::delete_many()
            .filter(webhook_endpoints::Column::BusinessId.eq(business.as_uuid()))
            .filter(webhook_endpoints::Column::Id.eq(id.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        match result.rows_affected {
            0 => Err(StorageError::NotFound),
            _ => Ok(()),
        }
    }
}
