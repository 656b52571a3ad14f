//! `AccountAppointmentRepository` over a [`SeaTransaction`] (AC-7 to AC-9): an
//! appointment's account is its `account_id` column.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use clientele_domain::appointment::Appointment;
use clientele_domain::membership::Membership;
use clientele_domain::{AccountId, AppointmentId, BusinessId, ClientId, MembershipId};
use clientele_ports::StorageError;
use clientele_ports::storage::AccountAppointmentRepository;

use super::appointments::latest_first;
use super::conversions::instant;
use super::entities::{appointments, memberships};
use super::{SeaTransaction, col, unexpected};

/// The ids of the business's clients with this email key.
fn clients_with_email(business: Uuid, email_key: &str) -> SelectStatement {
    Query::select()
        .column(col("id"))
        .from(col("clients"))
        .and_where(Expr::col(col("business_id")).eq(business))
        .and_where(Expr::col(col("email_key")).eq(email_key))
        .to_owned()
}

impl SeaTransaction {
    /// The accounts the business's appointments matching `which` are assigned to.
    async fn accounts_where(
        &self,
        business: BusinessId,
        which: SimpleExpr,
        limit: u32,
    ) -> Result<Vec<AccountId>, StorageError> {
        let select = Query::select()
            .distinct()
            .column(col("account_id"))
            .from(col("appointments"))
            .and_where(Expr::col(col("business_id")).eq(business.as_uuid()))
            .and_where(Expr::col(col("account_id")).is_not_null())
            .and_where(which)
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

    /// Assigns the business's appointments matching `which` and assigned to no account
    /// to `account`, as a change of each (a new version); how many.
    async fn assign_unassigned(
        &self,
        business: BusinessId,
        which: SimpleExpr,
        account: AccountId,
        at: DateTime<Utc>,
    ) -> Result<u64, StorageError> {
        let update = Query::update()
            .table(col("appointments"))
            .value(col("account_id"), account.as_uuid())
            .value(col("updated_at"), instant(at))
            .value(col("version"), Expr::col(col("version")).add(1))
            .and_where(Expr::col(col("business_id")).eq(business.as_uuid()))
            .and_where(Expr::col(col("account_id")).is_null())
            .and_where(which)
            .to_owned();
        let done = self.txn.execute(&update).await.map_err(unexpected)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl AccountAppointmentRepository for SeaTransaction {
    async fn accounts_of_email(
        &mut self,
        business: BusinessId,
        email_key: &str,
        limit: u32,
    ) -> Result<Vec<AccountId>, StorageError> {
        let clients = clients_with_email(business.as_uuid(), email_key);
        self.accounts_where(
            business,
            Expr::col(col("client_id")).in_subquery(clients),
            limit,
        )
        .await
    }

    async fn accounts_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
        limit: u32,
    ) -> Result<Vec<AccountId>, StorageError> {
        self.accounts_where(
            business,
            Expr::col(col("client_id")).eq(client.as_uuid()),
            limit,
        )
        .await
    }

    async fn assign_earlier_appointments(
        &mut self,
        business: BusinessId,
        account: AccountId,
        email_key: &str,
        before: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<u64, StorageError> {
        let clients = clients_with_email(business.as_uuid(), email_key);
        let which = Expr::col(col("client_id"))
            .in_subquery(clients)
            .and(Expr::col(col("created_at")).lt(instant(before)));
        self.assign_unassigned(business, which, account, at).await
    }

    async fn assign_client_appointments(
        &mut self,
        business: BusinessId,
        client: ClientId,
        account: AccountId,
        at: DateTime<Utc>,
    ) -> Result<u64, StorageError> {
        let which = Expr::col(col("client_id")).eq(client.as_uuid());
        self.assign_unassigned(business, which, account, at).await
    }

    async fn appointments_of_account(
        &mut self,
        business: BusinessId,
        account: AccountId,
        after: Option<(DateTime<Utc>, AppointmentId)>,
        limit: u32,
    ) -> Result<Vec<Appointment>, StorageError> {
        let query = appointments::Entity::find()
            .filter(appointments::Column::BusinessId.eq(business.as_uuid()))
            .filter(appointments::Column::AccountId.eq(account.as_uuid()));
        latest_first(query, after, limit)
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(Appointment::try_from)
            .collect()
    }

    async fn memberships_of_email(
        &mut self,
        business: BusinessId,
        email_key: &str,
        after: Option<MembershipId>,
        limit: u32,
    ) -> Result<Vec<Membership>, StorageError> {
        let clients = clients_with_email(business.as_uuid(), email_key);
        let mut select = memberships::Entity::find()
            .filter(memberships::Column::BusinessId.eq(business.as_uuid()))
            .filter(memberships::Column::ClientId.in_subquery(clients));
        if let Some(after) = after {
            select = select.filter(memberships::Column::Id.lt(after.as_uuid()));
        }
        let select = select
            .order_by_desc(memberships::Column::Id)
            .limit(u64::from(limit));
        self.memberships_of(select).await
    }
}
