//! `StaffRepository` over a [`SeaTransaction`]: staff members and the sites they access.

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use clientele_domain::{BusinessId, Role, SiteId, StaffId, StaffMember, Version};
use clientele_ports::StorageError;
use clientele_ports::storage::StaffRepository;

use super::conversions::{WithSites, sites_by_owner, staff_changes, staff_row, staff_site_rows};
use super::entities::{staff_members, staff_sites};
use super::{SeaTransaction, unexpected, unique_violation};

/// A unique violation on `staff_members` is about the email unless it names the key.
fn staff_write_error(err: DbErr) -> StorageError {
    match unique_violation(&err) {
        Some(message) if message.contains("email_key") => StorageError::Duplicate("staff_email"),
        Some(_) => StorageError::Duplicate("staff"),
        None => unexpected(err),
    }
}

impl SeaTransaction {
    /// The sites of these members, in one query.
    async fn staff_sites_of(
        &self,
        business: BusinessId,
        members: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<SiteId>>, StorageError> {
        if members.is_empty() {
            return Ok(HashMap::new());
        }
        let pairs = staff_sites::Entity::find()
            .select_only()
            .column(staff_sites::Column::StaffId)
            .column(staff_sites::Column::SiteId)
            .filter(staff_sites::Column::BusinessId.eq(business.as_uuid()))
            .filter(staff_sites::Column::StaffId.is_in(members.iter().copied()))
            .into_tuple::<(Uuid, Uuid)>()
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(sites_by_owner(pairs))
    }

    async fn insert_staff_sites(&self, member: &StaffMember) -> Result<(), StorageError> {
        let rows = staff_site_rows(member);
        if rows.is_empty() {
            return Ok(());
        }
        staff_sites::Entity::insert_many(rows)
            .exec_without_returning(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(())
    }

    async fn with_staff_sites(
        &self,
        business: BusinessId,
        rows: Vec<staff_members::Model>,
    ) -> Result<Vec<StaffMember>, StorageError> {
        let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
        let mut sites = self.staff_sites_of(business, &ids).await?;
        rows.into_iter()
            .map(|row| {
                let sites = sites.remove(&row.id).unwrap_or_default();
                StaffMember::try_from(WithSites { row, sites })
            })
            .collect()
    }
}

#[async_trait]
impl StaffRepository for SeaTransaction {
    async fn insert_staff(&mut self, member: &StaffMember) -> Result<(), StorageError> {
        self.guarded(&staff_members::Entity::insert(staff_row(member)))
            .await
            .map_err(staff_write_error)?;
        self.insert_staff_sites(member).await
    }

    async fn staff_member(
        &mut self,
        business: BusinessId,
        id: StaffId,
    ) -> Result<Option<StaffMember>, StorageError> {
        let row = staff_members::Entity::find()
            .filter(staff_members::Column::BusinessId.eq(business.as_uuid()))
            .filter(staff_members::Column::Id.eq(id.as_uuid()))
            .one(&self.txn)
            .await
            .map_err(unexpected)?;
        match row {
            None => Ok(None),
            Some(row) => Ok(self.with_staff_sites(business, vec![row]).await?.pop()),
        }
    }

    async fn staff(
        &mut self,
        business: BusinessId,
        after: Option<StaffId>,
        limit: u32,
    ) -> Result<Vec<StaffMember>, StorageError> {
        let mut query = staff_members::Entity::find()
            .filter(staff_members::Column::BusinessId.eq(business.as_uuid()));
        if let Some(after) = after {
            query = query.filter(staff_members::Column::Id.gt(after.as_uuid()));
        }
        let rows = query
            .order_by_asc(staff_members::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        self.with_staff_sites(business, rows).await
    }

    async fn update_staff(
        &mut self,
        member: &StaffMember,
        expected: Version,
    ) -> Result<(), StorageError> {
        let business = member.business_id.as_uuid();
        let update = staff_members::Entity::update_many()
            .set(staff_changes(member))
            .filter(staff_members::Column::BusinessId.eq(business))
            .filter(staff_members::Column::Id.eq(member.id.as_uuid()))
            .filter(staff_members::Column::Version.eq(expected.get()));
        let result = self.guarded(&update).await.map_err(staff_write_error)?;
        if result.rows_affected() == 0 {
            let row = staff_members::Entity::find()
                .filter(staff_members::Column::BusinessId.eq(business))
                .filter(staff_members::Column::Id.eq(member.id.as_uuid()));
            return Err(self.missed_update(row).await);
        }
        staff_sites::Entity::delete_many()
            .filter(staff_sites::Column::BusinessId.eq(business))
            .filter(staff_sites::Column::StaffId.eq(member.id.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        self.insert_staff_sites(member).await
    }

    async fn delete_staff(
        &mut self,
        business: BusinessId,
        id: StaffId,
    ) -> Result<(), StorageError> {
        // Their site links and API tokens go with them (ON DELETE CASCADE).
        let result = staff_members::Entity::delete_many()
            .filter(staff_members::Column::BusinessId.eq(business.as_uuid()))
            .filter(staff_members::Column::Id.eq(id.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        if result.rows_affected == 0 {
            Err(StorageError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn count_owners(&mut self, business: BusinessId) -> Result<u64, StorageError> {
        staff_members::Entity::find()
            .filter(staff_members::Column::BusinessId.eq(business.as_uuid()))
            .filter(staff_members::Column::Role.eq(Role::Owner.as_str()))
            .count(&self.txn)
            .await
            .map_err(unexpected)
    }
}
