//! `MembershipRepository` over a [`SeaTransaction`]: membership types, memberships with
//! their numbers and optimistic updates, and credits. The billing worker's side (claims,
//! batch write-back, charges) is in `membership_billing`, the list (ME-18) in
//! `membership_list`; this file holds the trait's one `impl` and hands those over.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};

use clientele_domain::membership::{
    Credit, Membership, MembershipAudit, MembershipNumber, MembershipType,
};
use clientele_domain::{
    AuditId, BusinessId, ClientId, CreditId, MembershipId, MembershipTypeId, ProductId, Version,
};
use clientele_ports::StorageError;
use clientele_ports::storage::{
    Charge, ChargeId, ChargeSettlement, ClaimScope, MembershipLine, MembershipQuery,
    MembershipRepository, MembershipWrite, QuickViewCounts,
};

use super::conversions::{
    corrupt, credit_changes, credit_row, membership_changes, membership_row,
    membership_type_changes, membership_type_row,
};
use super::entities::{credits, membership_types, memberships};
use super::{SeaTransaction, foreign_key_violation, unexpected, unique_violation};

pub(super) fn membership_of(
    business: BusinessId,
    id: MembershipId,
) -> sea_orm::Select<memberships::Entity> {
    memberships::Entity::find()
        .filter(memberships::Column::BusinessId.eq(business.as_uuid()))
        .filter(memberships::Column::Id.eq(id.as_uuid()))
}

fn type_of(
    business: BusinessId,
    id: MembershipTypeId,
) -> sea_orm::Select<membership_types::Entity> {
    membership_types::Entity::find()
        .filter(membership_types::Column::BusinessId.eq(business.as_uuid()))
        .filter(membership_types::Column::Id.eq(id.as_uuid()))
}

fn credit_of(business: BusinessId, id: CreditId) -> sea_orm::Select<credits::Entity> {
    credits::Entity::find()
        .filter(credits::Column::BusinessId.eq(business.as_uuid()))
        .filter(credits::Column::Id.eq(id.as_uuid()))
}

/// A write that may name a row of another business (or none): `NotFound`; a taken id or
/// number: `Duplicate`, told apart by `duplicate`.
fn write_error(err: DbErr, duplicate: impl Fn(&str) -> &'static str) -> StorageError {
    if let Some(message) = unique_violation(&err) {
        StorageError::Duplicate(duplicate(&message))
    } else if foreign_key_violation(&err).is_some() {
        StorageError::NotFound
    } else {
        unexpected(err)
    }
}

/// A query parameter's placeholder: `$n` on PostgreSQL, `?` on SQLite (numbered from 1).
pub(super) fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

impl SeaTransaction {
    pub(super) async fn memberships_of(
        &self,
        select: sea_orm::Select<memberships::Entity>,
    ) -> Result<Vec<Membership>, StorageError> {
        select
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(Membership::try_from)
            .collect()
    }

    async fn one_membership(
        &self,
        select: sea_orm::Select<memberships::Entity>,
    ) -> Result<Option<Membership>, StorageError> {
        select
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(Membership::try_from)
            .transpose()
    }
}

#[async_trait]
impl MembershipRepository for SeaTransaction {
    async fn insert_membership_type(&mut self, kind: &MembershipType) -> Result<(), StorageError> {
        let insert = membership_types::Entity::insert(membership_type_row(kind)?);
        self.guarded(&insert)
            .await
            .map_err(|err| write_error(err, |_| "membership_type"))?;
        Ok(())
    }

    async fn membership_type(
        &mut self,
        business: BusinessId,
        id: MembershipTypeId,
    ) -> Result<Option<MembershipType>, StorageError> {
        type_of(business, id)
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(MembershipType::try_from)
            .transpose()
    }

    async fn membership_types(
        &mut self,
        business: BusinessId,
        after: Option<MembershipTypeId>,
        limit: u32,
    ) -> Result<Vec<MembershipType>, StorageError> {
        let mut query = membership_types::Entity::find()
            .filter(membership_types::Column::BusinessId.eq(business.as_uuid()));
        if let Some(after) = after {
            query = query.filter(membership_types::Column::Id.gt(after.as_uuid()));
        }
        query
            .order_by_asc(membership_types::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(MembershipType::try_from)
            .collect()
    }

    async fn membership_types_granting(
        &mut self,
        business: BusinessId,
        product: ProductId,
        limit: u32,
    ) -> Result<Vec<MembershipType>, StorageError> {
        membership_types::Entity::find()
            .filter(membership_types::Column::BusinessId.eq(business.as_uuid()))
            .filter(membership_types::Column::AppointmentsProductId.eq(product.as_uuid()))
            .order_by_asc(membership_types::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(MembershipType::try_from)
            .collect()
    }

    async fn update_membership_type(
        &mut self,
        kind: &MembershipType,
        expected: Version,
    ) -> Result<(), StorageError> {
        let result = membership_types::Entity::update_many()
            .set(membership_type_changes(kind)?)
            .filter(membership_types::Column::BusinessId.eq(kind.business_id().as_uuid()))
            .filter(membership_types::Column::Id.eq(kind.id().as_uuid()))
            .filter(membership_types::Column::Version.eq(expected.get()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        if result.rows_affected > 0 {
            return Ok(());
        }
        Err(self
            .missed_update(type_of(kind.business_id(), kind.id()))
            .await)
    }

    async fn next_membership_number(
        &mut self,
        business: BusinessId,
    ) -> Result<MembershipNumber, StorageError> {
        // One statement, atomic on both databases: the first number of a business inserts
        // its counter; later ones increment it under its row lock (PostgreSQL) or the
        // single writer (SQLite), so two transactions never read the same value.
        let backend = self.txn.get_database_backend();
        let sql = format!(
            r#"INSERT INTO membership_counters (business_id, "last") VALUES ({}, 1)
               ON CONFLICT (business_id)
               DO UPDATE SET "last" = membership_counters."last" + 1
               RETURNING "last""#,
            placeholder(backend, 1)
        );
        let statement = Statement::from_sql_and_values(backend, sql, [business.as_uuid().into()]);
        let row = self
            .txn
            .query_one_raw(statement)
            .await
            .map_err(unexpected)?
            .ok_or_else(|| corrupt("membership_counters", "last", "no row returned"))?;
        let last: i64 = row.try_get("", "last").map_err(unexpected)?;
        u64::try_from(last)
            .ok()
            .and_then(|last| MembershipNumber::from_sequence(last).ok())
            .ok_or_else(|| corrupt("membership_counters", "last", format!("{last}")))
    }

    async fn insert_membership(
        &mut self,
        membership: &Membership,
        created_at: DateTime<Utc>,
        due_at: Option<DateTime<Utc>>,
    ) -> Result<(), StorageError> {
        let insert = memberships::Entity::insert(membership_row(membership, created_at, due_at)?);
        self.guarded(&insert).await.map_err(|err| {
            write_error(err, |message| {
                if message.contains("ux_memberships_number") || message.contains(".number") {
                    "membership_number"
                } else {
                    "membership"
                }
            })
        })?;
        Ok(())
    }

    async fn membership(
        &mut self,
        business: BusinessId,
        id: MembershipId,
    ) -> Result<Option<Membership>, StorageError> {
        self.one_membership(membership_of(business, id)).await
    }

    async fn membership_for_update(
        &mut self,
        business: BusinessId,
        id: MembershipId,
    ) -> Result<Option<Membership>, StorageError> {
        let select = membership_of(business, id);
        // SQLite has no row locks: its write transactions (BEGIN IMMEDIATE) already hold
        // the database's only write lock.
        let select = match self.txn.get_database_backend() {
            DbBackend::Postgres => select.lock_exclusive(),
            _ => select,
        };
        self.one_membership(select).await
    }

    async fn update_membership(
        &mut self,
        membership: &Membership,
        expected: Version,
        due_at: Option<DateTime<Utc>>,
    ) -> Result<(), StorageError> {
        let (business, id) = (membership.business_id(), membership.id());
        let result = memberships::Entity::update_many()
            .set(membership_changes(membership, due_at)?)
            .filter(memberships::Column::BusinessId.eq(business.as_uuid()))
            .filter(memberships::Column::Id.eq(id.as_uuid()))
            .filter(memberships::Column::Version.eq(expected.get()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        if result.rows_affected > 0 {
            return Ok(());
        }
        Err(self.missed_update(membership_of(business, id)).await)
    }

    async fn update_memberships(
        &mut self,
        writes: &[MembershipWrite],
    ) -> Result<Vec<MembershipId>, StorageError> {
        self.write_back(writes).await
    }

    async fn claim_due_memberships(
        &mut self,
        now: DateTime<Utc>,
        scope: ClaimScope,
        worker: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Membership>, StorageError> {
        self.claim_due(now, scope, worker, lease_until, limit).await
    }

    async fn release_memberships(
        &mut self,
        worker: &str,
        memberships: &[(BusinessId, MembershipId)],
    ) -> Result<(), StorageError> {
        self.release(worker, memberships).await
    }

    async fn memberships(
        &mut self,
        business: BusinessId,
        query: &MembershipQuery,
        after: Option<MembershipId>,
        limit: u32,
    ) -> Result<Vec<MembershipLine>, StorageError> {
        self.membership_lines(business, query, after, limit).await
    }

    async fn membership_counts(
        &mut self,
        business: BusinessId,
        today: NaiveDate,
        horizon: NaiveDate,
    ) -> Result<QuickViewCounts, StorageError> {
        self.quick_view_counts(business, today, horizon).await
    }

    async fn memberships_of_clients(
        &mut self,
        business: BusinessId,
        clients: &[ClientId],
    ) -> Result<Vec<MembershipLine>, StorageError> {
        self.membership_lines_of_clients(business, clients).await
    }

    async fn memberships_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
    ) -> Result<Vec<Membership>, StorageError> {
        let select = memberships::Entity::find()
            .filter(memberships::Column::BusinessId.eq(business.as_uuid()))
            .filter(memberships::Column::ClientId.eq(client.as_uuid()))
            .order_by_desc(memberships::Column::Id);
        self.memberships_of(select).await
    }

    async fn insert_charges(&mut self, charges: &[Charge]) -> Result<Vec<ChargeId>, StorageError> {
        self.insert_new_charges(charges).await
    }

    async fn settle_charges(
        &mut self,
        settlements: &[ChargeSettlement],
    ) -> Result<Vec<ChargeId>, StorageError> {
        self.settle(settlements).await
    }

    async fn charge(
        &mut self,
        business: BusinessId,
        id: ChargeId,
    ) -> Result<Option<Charge>, StorageError> {
        self.one_charge(business, id).await
    }

    async fn pending_charges(
        &mut self,
        business: Option<BusinessId>,
        older_than: DateTime<Utc>,
        after: Option<(DateTime<Utc>, ChargeId)>,
        limit: u32,
    ) -> Result<Vec<Charge>, StorageError> {
        self.pending(business, older_than, after, limit).await
    }

    async fn pending_charges_of(
        &mut self,
        memberships: &[(BusinessId, MembershipId)],
    ) -> Result<Vec<Charge>, StorageError> {
        self.pending_of(memberships).await
    }

    async fn charges_of_membership(
        &mut self,
        business: BusinessId,
        membership: MembershipId,
        after: Option<(DateTime<Utc>, ChargeId)>,
        limit: u32,
    ) -> Result<Vec<Charge>, StorageError> {
        self.charges_of(business, membership, after, limit).await
    }

    async fn insert_credits(&mut self, credits: &[Credit]) -> Result<(), StorageError> {
        if credits.is_empty() {
            return Ok(());
        }
        let insert = credits::Entity::insert_many(credits.iter().map(credit_row));
        self.guarded(&insert)
            .await
            .map_err(|err| write_error(err, |_| "credit"))?;
        Ok(())
    }

    async fn credit(
        &mut self,
        business: BusinessId,
        id: CreditId,
    ) -> Result<Option<Credit>, StorageError> {
        credit_of(business, id)
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(Credit::try_from)
            .transpose()
    }

    async fn update_credit(
        &mut self,
        credit: &Credit,
        expected: Version,
    ) -> Result<(), StorageError> {
        let result = credits::Entity::update_many()
            .set(credit_changes(credit))
            .filter(credits::Column::BusinessId.eq(credit.business_id().as_uuid()))
            .filter(credits::Column::Id.eq(credit.id().as_uuid()))
            .filter(credits::Column::Version.eq(expected.get()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        if result.rows_affected > 0 {
            return Ok(());
        }
        Err(self
            .missed_update(credit_of(credit.business_id(), credit.id()))
            .await)
    }

    async fn record_membership_audit(
        &mut self,
        entries: &[MembershipAudit],
    ) -> Result<(), StorageError> {
        self.record_audit(entries).await
    }

    async fn membership_audit(
        &mut self,
        business: BusinessId,
        membership: MembershipId,
        after: Option<(DateTime<Utc>, AuditId)>,
        limit: u32,
    ) -> Result<Vec<MembershipAudit>, StorageError> {
        self.audit_of(business, membership, after, limit).await
    }

    async fn credits_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
        after: Option<CreditId>,
        limit: u32,
    ) -> Result<Vec<Credit>, StorageError> {
        let mut query = credits::Entity::find()
            .filter(credits::Column::BusinessId.eq(business.as_uuid()))
            .filter(credits::Column::ClientId.eq(client.as_uuid()));
        if let Some(after) = after {
            query = query.filter(credits::Column::Id.lt(after.as_uuid()));
        }
        query
            .order_by_desc(credits::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(Credit::try_from)
            .collect()
    }
}
