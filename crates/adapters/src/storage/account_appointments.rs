//! `AccountAppointmentRepository` over a [`SeaTransaction`] (AC-7 to AC-9).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, OnConflict, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use clientele_domain::appointment::Appointment;
use clientele_domain::{AccountId, AppointmentId, BusinessId};
use clientele_ports::StorageError;
use clientele_ports::storage::AccountAppointmentRepository;

use super::appointments::latest_first;
use super::conversions::instant;
use super::entities::appointments;
use super::{SeaTransaction, col, unexpected};

const ASSIGNED: &str = "account_appointments";

/// `(table, column)`.
fn at(table: &str, column: &str) -> Expr {
    Expr::col((col(table), col(column)))
}

/// The appointments of the business's clients with this email key: `a.*` joined to `c`.
fn of_email(business: Uuid, email_key: &str) -> SelectStatement {
    Query::select()
        .from_as(col("appointments"), col("a"))
        .join_as(
            JoinType::InnerJoin,
            col("clients"),
            col("c"),
            at("c", "business_id")
                .equals((col("a"), col("business_id")))
                .and(at("c", "id").equals((col("a"), col("client_id")))),
        )
        .and_where(at("a", "business_id").eq(business))
        .and_where(at("c", "email_key").eq(email_key))
        .to_owned()
}

#[async_trait]
impl AccountAppointmentRepository for SeaTransaction {
    async fn assign_appointment(
        &mut self,
        business: BusinessId,
        appointment: AppointmentId,
        account: AccountId,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let insert = Query::insert()
            .into_table(col(ASSIGNED))
            .columns(["business_id", "appointment_id", "account_id", "assigned_at"].map(col))
            .values([
                business.as_uuid().into(),
                appointment.as_uuid().into(),
                account.as_uuid().into(),
                instant(at).into(),
            ])
            .map_err(unexpected)?
            .on_conflict(
                OnConflict::columns([col("business_id"), col("appointment_id")])
                    .update_columns([col("account_id"), col("assigned_at")])
                    .to_owned(),
            )
            .to_owned();
        self.txn.execute(&insert).await.map_err(unexpected)?;
        Ok(())
    }

    async fn accounts_of_email(
        &mut self,
        business: BusinessId,
        email_key: &str,
        limit: u32,
    ) -> Result<Vec<AccountId>, StorageError> {
        let select = of_email(business.as_uuid(), email_key)
            .distinct()
            .expr_as(at("x", "account_id"), col("account_id"))
            .join_as(
                JoinType::InnerJoin,
                col(ASSIGNED),
                col("x"),
                at("x", "business_id")
                    .equals((col("a"), col("business_id")))
                    .and(at("x", "appointment_id").equals((col("a"), col("id")))),
            )
            .limit(u64::from(limit))
            .to_owned();
        let rows = self.txn.query_all(&select).await.map_err(unexpected)?;
        rows.iter()
            .map(|row| {
                row.try_get::<Uuid>("", "account_id")
                    .map(AccountId::from_uuid)
                    .map_err(unexpected)
            })
            .collect()
    }

    async fn assign_earlier_appointments(
        &mut self,
        business: BusinessId,
        account: AccountId,
        email_key: &str,
        before: DateTime<Utc>,
        assigned_at: DateTime<Utc>,
    ) -> Result<u64, StorageError> {
        let assigned = Query::select()
            .expr(Expr::val(1))
            .from_as(col(ASSIGNED), col("x"))
            .and_where(at("x", "business_id").equals((col("a"), col("business_id"))))
            .and_where(at("x", "appointment_id").equals((col("a"), col("id"))))
            .to_owned();
        let select = of_email(business.as_uuid(), email_key)
            .expr(at("a", "business_id"))
            .expr(at("a", "id"))
            .expr(Expr::val(account.as_uuid()))
            .expr(Expr::val(instant(assigned_at)))
            .and_where(at("a", "created_at").lt(instant(before)))
            .and_where(Expr::exists(assigned).not())
            .to_owned();
        let insert = Query::insert()
            .into_table(col(ASSIGNED))
            .columns(["business_id", "appointment_id", "account_id", "assigned_at"].map(col))
            .select_from(select)
            .map_err(unexpected)?
            .to_owned();
        let done = self.txn.execute(&insert).await.map_err(unexpected)?;
        Ok(done.rows_affected())
    }

    async fn appointments_of_account(
        &mut self,
        business: BusinessId,
        account: AccountId,
        after: Option<(DateTime<Utc>, AppointmentId)>,
        limit: u32,
    ) -> Result<Vec<Appointment>, StorageError> {
        let mine = Query::select()
            .column(col("appointment_id"))
            .from(col(ASSIGNED))
            .and_where(Expr::col(col("business_id")).eq(business.as_uuid()))
            .and_where(Expr::col(col("account_id")).eq(account.as_uuid()))
            .to_owned();
        let query = appointments::Entity::find()
            .filter(appointments::Column::BusinessId.eq(business.as_uuid()))
            .filter(appointments::Column::Id.in_subquery(mine));
        latest_first(query, after, limit)
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(Appointment::try_from)
            .collect()
    }
}
