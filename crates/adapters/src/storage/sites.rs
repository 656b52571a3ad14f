//! `SiteRepository` over a [`SeaTransaction`].

use std::collections::HashSet;

use async_trait::async_trait;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use clientele_domain::{BusinessId, Site, SiteId, SiteScope, Version};
use clientele_ports::StorageError;
use clientele_ports::storage::SiteRepository;

use super::conversions::{site_changes, site_row};
use super::entities::{appointments, client_sites, sites, staff_sites};
use super::{SeaTransaction, foreign_key_violation, unexpected, unique_violation};

/// A unique violation on `sites` is about the name unless it names the primary key.
fn site_write_error(err: DbErr) -> StorageError {
    match unique_violation(&err) {
        Some(message) if message.contains("name_key") => StorageError::Duplicate("site_name"),
        Some(_) => StorageError::Duplicate("site"),
        None => unexpected(err),
    }
}

impl SeaTransaction {
    async fn site_exists(&self, business: BusinessId, id: SiteId) -> Result<bool, StorageError> {
        Ok(sites::Entity::find()
            .select_only()
            .column(sites::Column::Id)
            .filter(sites::Column::BusinessId.eq(business.as_uuid()))
            .filter(sites::Column::Id.eq(id.as_uuid()))
            .into_tuple::<Uuid>()
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .is_some())
    }

    async fn site_has_clients(
        &self,
        business: BusinessId,
        id: SiteId,
    ) -> Result<bool, StorageError> {
        Ok(client_sites::Entity::find()
            .select_only()
            .column(client_sites::Column::ClientId)
            .filter(client_sites::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_sites::Column::SiteId.eq(id.as_uuid()))
            .into_tuple::<Uuid>()
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .is_some())
    }

    async fn site_has_appointments(
        &self,
        business: BusinessId,
        id: SiteId,
    ) -> Result<bool, StorageError> {
        Ok(appointments::Entity::find()
            .select_only()
            .column(appointments::Column::Id)
            .filter(appointments::Column::BusinessId.eq(business.as_uuid()))
            .filter(appointments::Column::SiteId.eq(id.as_uuid()))
            .into_tuple::<Uuid>()
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .is_some())
    }

    async fn site_has_staff(&self, business: BusinessId, id: SiteId) -> Result<bool, StorageError> {
        Ok(staff_sites::Entity::find()
            .select_only()
            .column(staff_sites::Column::StaffId)
            .filter(staff_sites::Column::BusinessId.eq(business.as_uuid()))
            .filter(staff_sites::Column::SiteId.eq(id.as_uuid()))
            .into_tuple::<Uuid>()
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .is_some())
    }
}

#[async_trait]
impl SiteRepository for SeaTransaction {
    async fn insert_site(&mut self, site: &Site) -> Result<(), StorageError> {
        self.guarded(&sites::Entity::insert(site_row(site)))
            .await
            .map_err(site_write_error)?;
        Ok(())
    }

    async fn site(
        &mut self,
        business: BusinessId,
        id: SiteId,
    ) -> Result<Option<Site>, StorageError> {
        sites::Entity::find()
            .filter(sites::Column::BusinessId.eq(business.as_uuid()))
            .filter(sites::Column::Id.eq(id.as_uuid()))
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(Site::try_from)
            .transpose()
    }

    async fn sites(
        &mut self,
        business: BusinessId,
        scope: &SiteScope,
        after: Option<SiteId>,
        limit: u32,
    ) -> Result<Vec<Site>, StorageError> {
        let mut query =
            sites::Entity::find().filter(sites::Column::BusinessId.eq(business.as_uuid()));
        match scope {
            SiteScope::All => {}
            SiteScope::Only(ids) if ids.is_empty() => return Ok(Vec::new()),
            SiteScope::Only(ids) => {
                query = query.filter(sites::Column::Id.is_in(ids.iter().map(SiteId::as_uuid)));
            }
        }
        if let Some(after) = after {
            query = query.filter(sites::Column::Id.gt(after.as_uuid()));
        }
        query
            .order_by_asc(sites::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(Site::try_from)
            .collect()
    }

    async fn missing_sites(
        &mut self,
        business: BusinessId,
        ids: &[SiteId],
    ) -> Result<Vec<SiteId>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found: HashSet<Uuid> = sites::Entity::find()
            .select_only()
            .column(sites::Column::Id)
            .filter(sites::Column::BusinessId.eq(business.as_uuid()))
            .filter(sites::Column::Id.is_in(ids.iter().map(SiteId::as_uuid)))
            .into_tuple::<Uuid>()
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .collect();
        let mut missing: Vec<SiteId> = ids
            .iter()
            .copied()
            .filter(|id| !found.contains(&id.as_uuid()))
            .collect();
        missing.sort();
        missing.dedup();
        Ok(missing)
    }

    async fn first_site(&mut self, business: BusinessId) -> Result<Option<SiteId>, StorageError> {
        let first = sites::Entity::find()
            .select_only()
            .column(sites::Column::Id)
            .filter(sites::Column::BusinessId.eq(business.as_uuid()))
            .order_by_asc(sites::Column::CreatedAt)
            .order_by_asc(sites::Column::Id)
            .into_tuple::<Uuid>()
            .one(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(first.map(SiteId::from))
    }

    async fn update_site(&mut self, site: &Site, expected: Version) -> Result<(), StorageError> {
        let update = sites::Entity::update_many()
            .set(site_changes(site))
            .filter(sites::Column::BusinessId.eq(site.business_id.as_uuid()))
            .filter(sites::Column::Id.eq(site.id.as_uuid()))
            .filter(sites::Column::Version.eq(expected.get()));
        let result = self.guarded(&update).await.map_err(site_write_error)?;
        if result.rows_affected() > 0 {
            Ok(())
        } else if self.site_exists(site.business_id, site.id).await? {
            Err(StorageError::VersionConflict)
        } else {
            Err(StorageError::NotFound)
        }
    }

    async fn delete_site(&mut self, business: BusinessId, id: SiteId) -> Result<(), StorageError> {
        if !self.site_exists(business, id).await? {
            return Err(StorageError::NotFound);
        }
        if self.site_has_clients(business, id).await? {
            return Err(StorageError::InUse("clients"));
        }
        if self.site_has_staff(business, id).await? {
            return Err(StorageError::InUse("staff"));
        }
        if self.site_has_appointments(business, id).await? {
            return Err(StorageError::InUse("appointments"));
        }
        // The checks above answer in the normal case; the foreign keys still guard a row
        // that a concurrent transaction attached in between.
        let delete = sites::Entity::delete_many()
            .filter(sites::Column::BusinessId.eq(business.as_uuid()))
            .filter(sites::Column::Id.eq(id.as_uuid()));
        self.guarded(&delete)
            .await
            .map_err(|err| match foreign_key_violation(&err) {
                Some(message) if message.contains("staff") => StorageError::InUse("staff"),
                Some(message) if message.contains("appointments") => {
                    StorageError::InUse("appointments")
                }
                Some(_) => StorageError::InUse("clients"),
                None => unexpected(err),
            })?;
        Ok(())
    }
}
