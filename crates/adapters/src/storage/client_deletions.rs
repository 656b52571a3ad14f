//! `ClientDeletionRepository` over a [`SeaTransaction`] (CL-21).
//!
//! The client's row goes last: what refers to it with `ON DELETE CASCADE` (appointments
//! and what hangs on them, notes, documents, payment methods, consents, custom values,
//! labels, sites, audit, dismissals) goes with it. The rest is deleted here first, each
//! table by a subquery on the client, in an order its foreign keys accept. Codes are
//! never deleted (CO-12: their ledgers are append-only): the client's are kept as codes
//! of nobody, without the email they were assigned to.

use async_trait::async_trait;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, SelectStatement};
use uuid::Uuid;

use clientele_domain::{BusinessId, ClientId};
use clientele_ports::StorageError;
use clientele_ports::storage::ClientDeletionRepository;

use super::{SeaTransaction, col, unexpected};

/// `SELECT id FROM table WHERE business_id = business AND column = client`.
pub(super) fn ids_of(table: &str, column: &str, business: Uuid, client: Uuid) -> SelectStatement {
    Query::select()
        .column(col("id"))
        .from(col(table))
        .and_where(Expr::col(col("business_id")).eq(business))
        .and_where(Expr::col(col(column)).eq(client))
        .to_owned()
}

impl SeaTransaction {
    pub(super) async fn delete_where(
        &self,
        table: &str,
        business: Uuid,
        condition: Condition,
    ) -> Result<u64, StorageError> {
        let delete = Query::delete()
            .from_table(col(table))
            .and_where(Expr::col(col("business_id")).eq(business))
            .cond_where(condition)
            .to_owned();
        let done = self.txn.execute(&delete).await.map_err(unexpected)?;
        Ok(done.rows_affected())
    }

    /// The merges kept by `client` (with the profiles they absorbed), and what any merge
    /// kept of `client` (an undone merge's snapshot of it).
    pub(super) async fn delete_merges_of(
        &self,
        business: Uuid,
        client: Uuid,
    ) -> Result<(), StorageError> {
        let merges = || ids_of("client_merges", "kept_id", business, client);
        let either = |by_merge: &str, by_client: &str| {
            Condition::any()
                .add(Expr::col(col(by_merge)).in_subquery(merges()))
                .add(Expr::col(col(by_client)).eq(client))
        };
        self.delete_where(
            "client_merge_moves",
            business,
            either("merge_id", "from_client_id"),
        )
        .await?;
        self.delete_where(
            "client_merge_absorbed",
            business,
            either("merge_id", "client_id"),
        )
        .await?;
        self.delete_where(
            "client_merges",
            business,
            Condition::all().add(Expr::col(col("kept_id")).eq(client)),
        )
        .await?;
        Ok(())
    }
}

#[async_trait]
impl ClientDeletionRepository for SeaTransaction {
    async fn delete_client(
        &mut self,
        business: BusinessId,
        id: ClientId,
    ) -> Result<(), StorageError> {
        let (business, client) = (business.as_uuid(), id.as_uuid());
        let codes = || ids_of("codes", "client_id", business, client);
        let memberships = || ids_of("memberships", "client_id", business, client);
        let orders = || ids_of("orders", "client_id", business, client);
        let within = |column: &str, ids: SelectStatement| {
            Condition::all().add(Expr::col(col(column)).in_subquery(ids))
        };
        let of_client = |column: &str| Condition::all().add(Expr::col(col(column)).eq(client));

        self.delete_where(
            "membership_codes",
            business,
            Condition::any()
                .add(within("membership_id", memberships()))
                .add(within("code_id", codes())),
        )
        .await?;
        for table in ["membership_charges", "membership_audit"] {
            self.delete_where(table, business, within("membership_id", memberships()))
                .await?;
        }
        self.delete_where(
            "credits",
            business,
            Condition::any()
                .add(of_client("client_id"))
                .add(within("membership_id", memberships())),
        )
        .await?;
        self.delete_where("memberships", business, of_client("client_id"))
            .await?;
        self.delete_where("code_audit", business, within("code_id", codes()))
            .await?;
        // CO-12: codes and their ledgers stay (money was taken and spent); the client's
        // become codes of nobody, and no code keeps one of their orders.
        let of_nobody = Query::update()
            .table(col("codes"))
            .value(col("client_id"), Option::<Uuid>::None)
            .value(col("assigned_to"), Option::<String>::None)
            .and_where(Expr::col(col("business_id")).eq(business))
            .and_where(Expr::col(col("client_id")).eq(client))
            .to_owned();
        self.txn.execute(&of_nobody).await.map_err(unexpected)?;
        for table in ["codes", "memberships"] {
            let detach = Query::update()
                .table(col(table))
                .value(col("order_id"), Option::<Uuid>::None)
                .and_where(Expr::col(col("business_id")).eq(business))
                .and_where(Expr::col(col("order_id")).in_subquery(orders()))
                .to_owned();
            self.txn.execute(&detach).await.map_err(unexpected)?;
        }
        self.delete_where("orders", business, of_client("client_id"))
            .await?;
        self.delete_merges_of(business, client).await?;
        self.delete_where("client_search_terms", business, of_client("client_id"))
            .await?;
        let unlink = Query::update()
            .table(col("client_import_rows"))
            .value(col("client_id"), Option::<Uuid>::None)
            .and_where(Expr::col(col("business_id")).eq(business))
            .and_where(Expr::col(col("client_id")).eq(client))
            .to_owned();
        self.txn.execute(&unlink).await.map_err(unexpected)?;
        match self
            .delete_where(
                "clients",
                business,
                Condition::all().add(Expr::col(col("id")).eq(client)),
            )
            .await?
        {
            0 => Err(StorageError::NotFound),
            _ => Ok(()),
        }
    }
}
