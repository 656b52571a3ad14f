//! `BusinessRepository` over a [`SeaTransaction`]: businesses and the platform's
//! bootstrap record.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use clientele_domain::{Business, BusinessId, Version};
use clientele_ports::StorageError;
use clientele_ports::storage::BusinessRepository;

use super::conversions::{business_changes, business_row, instant};
use super::entities::{businesses, platform_bootstrap};
use super::{SeaTransaction, unexpected, unique_violation};

const BOOTSTRAP_ROW: i32 = 1;

#[async_trait]
impl BusinessRepository for SeaTransaction {
    async fn insert_business(&mut self, business: &Business) -> Result<(), StorageError> {
        self.guarded(&businesses::Entity::insert(business_row(business)))
            .await
            .map_err(|err| match unique_violation(&err) {
                Some(_) => StorageError::Duplicate("business"),
                None => unexpected(err),
            })?;
        Ok(())
    }

    async fn business(&mut self, id: BusinessId) -> Result<Option<Business>, StorageError> {
        businesses::Entity::find_by_id(id.as_uuid())
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(Business::try_from)
            .transpose()
    }

    async fn update_business(
        &mut self,
        business: &Business,
        expected: Version,
    ) -> Result<(), StorageError> {
        let update = businesses::Entity::update_many()
            .set(business_changes(business))
            .filter(businesses::Column::Id.eq(business.id.as_uuid()))
            .filter(businesses::Column::Version.eq(expected.get()));
        let result = self.guarded(&update).await.map_err(unexpected)?;
        if result.rows_affected() > 0 {
            return Ok(());
        }
        Err(self
            .missed_update(businesses::Entity::find_by_id(business.id.as_uuid()))
            .await)
    }

    async fn businesses(
        &mut self,
        after: Option<BusinessId>,
        limit: u32,
    ) -> Result<Vec<Business>, StorageError> {
        let mut query = businesses::Entity::find();
        if let Some(after) = after {
            query = query.filter(businesses::Column::Id.gt(after.as_uuid()));
        }
        query
            .order_by_asc(businesses::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(Business::try_from)
            .collect()
    }

    async fn record_bootstrap(
        &mut self,
        business: BusinessId,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let row = platform_bootstrap::ActiveModel {
            singleton: Set(BOOTSTRAP_ROW),
            business_id: Set(business.as_uuid()),
            created_at: Set(instant(at)),
        };
        self.guarded(&platform_bootstrap::Entity::insert(row))
            .await
            .map_err(|err| match unique_violation(&err) {
                Some(_) => StorageError::Duplicate("bootstrap"),
                None => unexpected(err),
            })?;
        Ok(())
    }

    async fn bootstrap_business(&mut self) -> Result<Option<BusinessId>, StorageError> {
        let row = platform_bootstrap::Entity::find_by_id(BOOTSTRAP_ROW)
            .one(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(row.map(|row| row.business_id.into()))
    }
}
