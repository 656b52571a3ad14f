//! `AppointmentTypeRepository` and `AppointmentRepository` over a [`SeaTransaction`]:
//! services, appointments with their amounts in minor units, the row lock for changes of
//! money, and a client's appointments with keyset pagination, latest first.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use clientele_domain::appointment::{Appointment, AppointmentType};
use clientele_domain::{AppointmentId, AppointmentTypeId, BusinessId, ClientId, Version};
use clientele_ports::StorageError;
use clientele_ports::storage::{AppointmentRepository, AppointmentTypeRepository};

use super::conversions::{
    appointment_changes, appointment_row, appointment_type_changes, appointment_type_row, instant,
};
use super::entities::{appointment_types, appointments};
use super::keyset::after_descending;
use super::{SeaTransaction, unexpected, unique_violation};

/// A unique violation on insert means the id is taken; anything else (a foreign key, a
/// CHECK such as AP-8's) is unexpected: the use case checks those rules first.
fn insert_error(what: &'static str) -> impl FnOnce(DbErr) -> StorageError {
    move |err| match unique_violation(&err) {
        Some(_) => StorageError::Duplicate(what),
        None => unexpected(err),
    }
}

impl SeaTransaction {
    fn appointment_row_of(
        business: BusinessId,
        id: AppointmentId,
    ) -> sea_orm::Select<appointments::Entity> {
        appointments::Entity::find()
            .filter(appointments::Column::BusinessId.eq(business.as_uuid()))
            .filter(appointments::Column::Id.eq(id.as_uuid()))
    }

    fn appointment_type_row_of(
        business: BusinessId,
        id: AppointmentTypeId,
    ) -> sea_orm::Select<appointment_types::Entity> {
        appointment_types::Entity::find()
            .filter(appointment_types::Column::BusinessId.eq(business.as_uuid()))
            .filter(appointment_types::Column::Id.eq(id.as_uuid()))
    }

    async fn one_appointment(
        &self,
        select: sea_orm::Select<appointments::Entity>,
    ) -> Result<Option<Appointment>, StorageError> {
        select
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(Appointment::try_from)
            .transpose()
    }
}

#[async_trait]
impl AppointmentTypeRepository for SeaTransaction {
    async fn insert_appointment_type(
        &mut self,
        kind: &AppointmentType,
    ) -> Result<(), StorageError> {
        let insert = appointment_types::Entity::insert(appointment_type_row(kind)?);
        self.guarded(&insert)
            .await
            .map_err(insert_error("appointment_type"))?;
        Ok(())
    }

    async fn appointment_type(
        &mut self,
        business: BusinessId,
        id: AppointmentTypeId,
    ) -> Result<Option<AppointmentType>, StorageError> {
        Self::appointment_type_row_of(business, id)
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(AppointmentType::try_from)
            .transpose()
    }

    async fn appointment_types(
        &mut self,
        business: BusinessId,
        after: Option<AppointmentTypeId>,
        limit: u32,
    ) -> Result<Vec<AppointmentType>, StorageError> {
        let mut query = appointment_types::Entity::find()
            .filter(appointment_types::Column::BusinessId.eq(business.as_uuid()));
        if let Some(after) = after {
            query = query.filter(appointment_types::Column::Id.gt(after.as_uuid()));
        }
        query
            .order_by_asc(appointment_types::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(AppointmentType::try_from)
            .collect()
    }

    async fn update_appointment_type(
        &mut self,
        kind: &AppointmentType,
        expected: Version,
    ) -> Result<(), StorageError> {
        let update = appointment_types::Entity::update_many()
            .set(appointment_type_changes(kind)?)
            .filter(appointment_types::Column::BusinessId.eq(kind.business_id.as_uuid()))
            .filter(appointment_types::Column::Id.eq(kind.id.as_uuid()))
            .filter(appointment_types::Column::Version.eq(expected.get()));
        let result = self.guarded(&update).await.map_err(unexpected)?;
        if result.rows_affected() > 0 {
            return Ok(());
        }
        Err(self
            .missed_update(Self::appointment_type_row_of(kind.business_id, kind.id))
            .await)
    }
}

/// `query`'s appointments latest first (ties by id, descending), strictly after `after`,
/// at most `limit` (a client's, AP-9; an account's, AC-7).
pub(super) fn latest_first(
    query: sea_orm::Select<appointments::Entity>,
    after: Option<(DateTime<Utc>, AppointmentId)>,
    limit: u32,
) -> sea_orm::Select<appointments::Entity> {
    let query = match after {
        Some((starts_at, id)) => query.filter(after_descending(
            [
                Expr::col(appointments::Column::StartsAt),
                Expr::col(appointments::Column::Id),
            ],
            (instant(starts_at), id.as_uuid()),
        )),
        None => query,
    };
    query
        .order_by_desc(appointments::Column::StartsAt)
        .order_by_desc(appointments::Column::Id)
        .limit(u64::from(limit))
}

#[async_trait]
impl AppointmentRepository for SeaTransaction {
    async fn insert_appointment(&mut self, appointment: &Appointment) -> Result<(), StorageError> {
        let insert = appointments::Entity::insert(appointment_row(appointment)?);
        self.guarded(&insert)
            .await
            .map_err(insert_error("appointment"))?;
        Ok(())
    }

    async fn appointment(
        &mut self,
        business: BusinessId,
        id: AppointmentId,
    ) -> Result<Option<Appointment>, StorageError> {
        self.one_appointment(Self::appointment_row_of(business, id))
            .await
    }

    async fn appointment_for_update(
        &mut self,
        business: BusinessId,
        id: AppointmentId,
    ) -> Result<Option<Appointment>, StorageError> {
        let select = Self::appointment_row_of(business, id);
        // SQLite has no row locks: its write transactions (BEGIN IMMEDIATE) already hold
        // the database's only write lock.
        let select = match self.txn.get_database_backend() {
            DbBackend::Postgres => select.lock_exclusive(),
            _ => select,
        };
        self.one_appointment(select).await
    }

    async fn update_appointment(
        &mut self,
        appointment: &Appointment,
        expected: Version,
    ) -> Result<(), StorageError> {
        let update = appointments::Entity::update_many()
            .set(appointment_changes(appointment)?)
            .filter(appointments::Column::BusinessId.eq(appointment.business_id().as_uuid()))
            .filter(appointments::Column::Id.eq(appointment.id().as_uuid()))
            .filter(appointments::Column::Version.eq(expected.get()));
        // Guarded: a CHECK (AP-8) that refuses the row must leave the transaction usable.
        let result = self.guarded(&update).await.map_err(unexpected)?;
        if result.rows_affected() > 0 {
            return Ok(());
        }
        Err(self
            .missed_update(Self::appointment_row_of(
                appointment.business_id(),
                appointment.id(),
            ))
            .await)
    }

    async fn appointments_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
        after: Option<(DateTime<Utc>, AppointmentId)>,
        limit: u32,
    ) -> Result<Vec<Appointment>, StorageError> {
        let query = appointments::Entity::find()
            .filter(appointments::Column::BusinessId.eq(business.as_uuid()))
            .filter(appointments::Column::ClientId.eq(client.as_uuid()));
        latest_first(query, after, limit)
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(Appointment::try_from)
            .collect()
    }
}
