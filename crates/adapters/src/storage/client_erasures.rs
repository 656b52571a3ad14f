//! `ClientErasureRepository` over a [`SeaTransaction`] (CL-22).
//!
//! Rows that are only the client's personal data go; rows that are a record of the
//! business (audit entries, codes, import reports) stay without their personal values.
//! Emails and stored answers carry no client id: they are found by the client's email
//! addresses and by their id in the answer's text.

use async_trait::async_trait;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, Query, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use clientele_domain::client_import::ImportStatus;
use clientele_domain::{BusinessId, ClientId};
use clientele_ports::StorageError;
use clientele_ports::storage::ClientErasureRepository;

use super::conversions::corrupt;
use super::entities::client_merge_absorbed;
use super::{SeaTransaction, col, unexpected};

/// `lower(column)`.
fn lower(column: &str) -> SimpleExpr {
    Func::lower(Expr::col(col(column))).into()
}

impl SeaTransaction {
    async fn set_null(
        &self,
        table: &str,
        columns: &[&str],
        business: Uuid,
        condition: Condition,
    ) -> Result<(), StorageError> {
        let mut update = Query::update();
        update.table(col(table));
        for column in columns {
            update.value(col(column), Option::<String>::None);
        }
        update
            .and_where(Expr::col(col("business_id")).eq(business))
            .cond_where(condition);
        self.txn.execute(&update).await.map_err(unexpected)?;
        Ok(())
    }
}

#[async_trait]
impl ClientErasureRepository for SeaTransaction {
    async fn erase_client_traces(
        &mut self,
        business: BusinessId,
        id: ClientId,
        emails: &[String],
    ) -> Result<(), StorageError> {
        let (business, client) = (business.as_uuid(), id.as_uuid());
        // The profiles merged into theirs were the same person: their ids and emails too.
        let absorbed = client_merge_absorbed::Entity::find()
            .filter(client_merge_absorbed::Column::BusinessId.eq(business))
            .filter(client_merge_absorbed::Column::KeptId.eq(client))
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        let mut ids = vec![client];
        let mut emails = emails.to_vec();
        for profile in absorbed {
            ids.push(profile.client_id);
            let snapshot: serde_json::Value = serde_json::from_str(&profile.snapshot)
                .map_err(|e| corrupt("client_merge_absorbed", "snapshot", e))?;
            if let Some(email) = snapshot["client"]["email_key"].as_str() {
                emails.push(email.to_owned());
            }
        }
        let emails = &emails;
        let of_client = |column: &str| Condition::all().add(Expr::col(col(column)).eq(client));
        let one_of_emails =
            |column: &str| Condition::all().add(lower(column).is_in(emails.iter().cloned()));
        for table in [
            "client_notes",
            "client_documents",
            "client_consents",
            "consent_ledger",
            "payment_methods",
        ] {
            self.delete_where(table, business, of_client("client_id"))
                .await?;
        }
        self.set_null(
            "client_audit",
            &["old_value", "new_value"],
            business,
            of_client("client_id"),
        )
        .await?;
        self.delete_merges_of(business, client).await?;
        self.delete_where("outbox_emails", business, one_of_emails("to_address"))
            .await?;
        // Their client account (a login made with one of their emails), with its sessions,
        // links, addresses and assignments.
        let accounts = Query::select()
            .column(col("id"))
            .from(col("client_accounts"))
            .and_where(Expr::col(col("business_id")).eq(business))
            .cond_where(one_of_emails("email_key"))
            .to_owned();
        let unassign = Query::update()
            .table(col("appointments"))
            .value(col("account_id"), Option::<Uuid>::None)
            .and_where(Expr::col(col("business_id")).eq(business))
            .and_where(Expr::col(col("account_id")).in_subquery(accounts.clone()))
            .to_owned();
        self.txn.execute(&unassign).await.map_err(unexpected)?;
        for table in ["account_addresses", "account_tokens", "client_sessions"] {
            let of_accounts =
                Condition::all().add(Expr::col(col("account_id")).in_subquery(accounts.clone()));
            self.delete_where(table, business, of_accounts).await?;
        }
        self.delete_where("client_accounts", business, one_of_emails("email_key"))
            .await?;
        // A stored answer naming one of the ids or emails.
        let naming = ids
            .iter()
            .map(Uuid::to_string)
            .chain(emails.iter().cloned())
            .fold(Condition::any(), |any, needle| {
                any.add(lower("response_body").like(format!("%{needle}%")))
            });
        self.delete_where("idempotency_keys", business, naming)
            .await?;
        let codes = Query::select()
            .column(col("id"))
            .from(col("codes"))
            .and_where(Expr::col(col("business_id")).eq(business))
            .and_where(Expr::col(col("client_id")).eq(client))
            .to_owned();
        // Which email a code was assigned to, for their codes and any code assigned to
        // one of their emails.
        self.set_null(
            "code_audit",
            &["old_value", "new_value"],
            business,
            Condition::all()
                .add(Expr::col(col("field")).eq("assigned_to"))
                .add(
                    Condition::any()
                        .add(Expr::col(col("code_id")).in_subquery(codes))
                        .add(one_of_emails("old_value"))
                        .add(one_of_emails("new_value")),
                ),
        )
        .await?;
        self.set_null(
            "codes",
            &["assigned_to"],
            business,
            Condition::any()
                .add(Expr::col(col("client_id")).eq(client))
                .add(one_of_emails("assigned_to")),
        )
        .await?;
        // The bytes of the finished imports that named them, then their email in the
        // reports (a running import still needs its bytes).
        let named = Condition::any()
            .add(Expr::col(col("client_id")).is_in(ids.iter().copied()))
            .add(one_of_emails("email_key"));
        let imports = Query::select()
            .column(col("import_id"))
            .from(col("client_import_rows"))
            .and_where(Expr::col(col("business_id")).eq(business))
            .cond_where(named.clone())
            .to_owned();
        let finished = Query::select()
            .column(col("id"))
            .from(col("client_imports"))
            .and_where(Expr::col(col("business_id")).eq(business))
            .and_where(Expr::col(col("status")).ne(ImportStatus::Pending.as_str()))
            .to_owned();
        self.delete_where(
            "client_import_chunks",
            business,
            Condition::all()
                .add(Expr::col(col("import_id")).in_subquery(imports))
                .add(Expr::col(col("import_id")).in_subquery(finished)),
        )
        .await?;
        self.set_null("client_import_rows", &["email_key"], business, named)
            .await?;
        Ok(())
    }
}
