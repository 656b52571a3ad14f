//! `ClientMergeRepository` over a [`SeaTransaction`] (CL-17, CL-23).
//!
//! A record moves by two statements per table: its id and the profile it came from are
//! copied into `client_merge_moves`, then its `client_id` is set to the kept profile.
//! Undoing moves back, per absorbed profile, the records the log names that are still
//! with the kept profile. An absorbed profile leaves the client tables whole into
//! `client_merge_absorbed` (its row, custom values and the consents it kept, as JSON)
//! and comes back from there.

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use clientele_domain::client_merge::ClientMerge;
use clientele_domain::{BusinessId, Client, ClientId, MergeId};
use clientele_ports::StorageError;
use clientele_ports::storage::{ClientMergeRepository, ClientRepository};

use super::client_list::{SearchKeys, search_term_rows};
use super::conversions::{client_merge, client_merge_row, corrupt, id_list, id_text};
use super::entities::{
    client_consents, client_field_values, client_merge_absorbed, client_merges,
    client_search_terms, clients,
};
use super::{SeaTransaction, col, unexpected};

/// The tables whose rows belong to a client by `client_id` and are keyed by `id`: every
/// one of them moves with a merge.
const MOVED: [&str; 12] = [
    "appointments",
    "codes",
    "orders",
    "memberships",
    "payments",
    "invoices",
    "payment_methods",
    "credits",
    "client_notes",
    "client_documents",
    "client_audit",
    "consent_ledger",
];

const T: &str = "client_merge_absorbed";

/// Current consents move one preference at a time, keyed by it.
const CONSENTS: &str = "client_consents";

/// An absorbed profile as it left the client tables.
#[derive(Serialize, Deserialize)]
struct Snapshot {
    client: clients::Model,
    custom_values: Vec<client_field_values::Model>,
    consents: Vec<client_consents::Model>,
}

impl SeaTransaction {
    /// Records, then moves to the kept profile, the rows of `table` (keyed by `key`) that
    /// `from` holds (only those keyed `only`, if given).
    async fn move_rows(
        &self,
        merge: &ClientMerge,
        table: &str,
        key: &str,
        from: Uuid,
        only: Option<Vec<Uuid>>,
    ) -> Result<(), StorageError> {
        let business = merge.business_id.as_uuid();
        let mut select = Query::select();
        select
            .column(col("business_id"))
            .expr(Expr::val(merge.id.as_uuid()))
            .expr(Expr::val(table))
            .column(col(key))
            .column(col("client_id"))
            .from(col(table))
            .and_where(Expr::col(col("business_id")).eq(business))
            .and_where(Expr::col(col("client_id")).eq(from));
        let mut update = Query::update();
        update
            .table(col(table))
            .value(col("client_id"), merge.kept_id.as_uuid())
            .and_where(Expr::col(col("business_id")).eq(business))
            .and_where(Expr::col(col("client_id")).eq(from));
        if let Some(only) = only {
            select.and_where(Expr::col(col(key)).is_in(only.clone()));
            update.and_where(Expr::col(col(key)).is_in(only));
        }
        let record = Query::insert()
            .into_table(col("client_merge_moves"))
            .columns([
                col("business_id"),
                col("merge_id"),
                col("record_table"),
                col("record_id"),
                col("from_client_id"),
            ])
            .select_from(select)
            .map_err(unexpected)?
            .to_owned();
        self.txn.execute(&record).await.map_err(unexpected)?;
        self.txn.execute(&update).await.map_err(unexpected)?;
        Ok(())
    }

    /// Moves back to `to` the rows of `table` (keyed by `key`) the merge moved from it
    /// and the kept profile still holds.
    async fn move_back(
        &self,
        merge: &ClientMerge,
        table: &str,
        key: &str,
        to: Uuid,
    ) -> Result<(), StorageError> {
        let business = merge.business_id.as_uuid();
        let moved = Query::select()
            .column(col("record_id"))
            .from(col("client_merge_moves"))
            .and_where(Expr::col(col("business_id")).eq(business))
            .and_where(Expr::col(col("merge_id")).eq(merge.id.as_uuid()))
            .and_where(Expr::col(col("record_table")).eq(table))
            .and_where(Expr::col(col("from_client_id")).eq(to))
            .to_owned();
        let update = Query::update()
            .table(col(table))
            .value(col("client_id"), to)
            .and_where(Expr::col(col("business_id")).eq(business))
            .and_where(Expr::col(col("client_id")).eq(merge.kept_id.as_uuid()))
            .and_where(Expr::col(col(key)).in_subquery(moved))
            .to_owned();
        self.txn.execute(&update).await.map_err(unexpected)?;
        Ok(())
    }

    /// `snapshot` without what the business no longer has: labels, custom fields and
    /// marketing preferences deleted since the merge, and sites (the kept profile's
    /// sites if none of its own is left).
    async fn still_defined(
        &mut self,
        merge: &ClientMerge,
        mut snapshot: Snapshot,
    ) -> Result<Snapshot, StorageError> {
        let business = merge.business_id.as_uuid();
        let row = &mut snapshot.client;
        let sites: Vec<Uuid> = id_list(T, "site_ids", &row.site_ids)?;
        let labels: Vec<Uuid> = id_list(T, "label_ids", &row.label_ids)?;
        let sites = self.existing(business, "sites", sites).await?;
        let sites = match sites.is_empty() {
            false => sites,
            true => (self.client(merge.business_id, merge.kept_id).await?)
                .map(|kept| kept.sites().iter().map(|s| s.as_uuid()).collect())
                .unwrap_or_default(),
        };
        row.site_ids = id_text(sites);
        row.label_ids = id_text(self.existing(business, "labels", labels).await?);
        let fields = snapshot.custom_values.iter().map(|v| v.field_id).collect();
        let fields = self.existing(business, "custom_fields", fields).await?;
        snapshot
            .custom_values
            .retain(|v| fields.contains(&v.field_id));
        snapshot.client.has_custom_values = !snapshot.custom_values.is_empty();
        let preferences = snapshot.consents.iter().map(|c| c.preference_id).collect();
        let preferences = (self.existing(business, "marketing_preferences", preferences)).await?;
        snapshot
            .consents
            .retain(|c| preferences.contains(&c.preference_id));
        Ok(snapshot)
    }

    /// Those of `ids` that are rows of `table` in the business.
    async fn existing(
        &self,
        business: Uuid,
        table: &str,
        ids: Vec<Uuid>,
    ) -> Result<Vec<Uuid>, StorageError> {
        if ids.is_empty() {
            return Ok(ids);
        }
        let select = Query::select()
            .column(col("id"))
            .from(col(table))
            .and_where(Expr::col(col("business_id")).eq(business))
            .and_where(Expr::col(col("id")).is_in(ids))
            .to_owned();
        let rows = self.txn.query_all(&select).await.map_err(unexpected)?;
        rows.iter()
            .map(|row| row.try_get::<Uuid>("", "id").map_err(unexpected))
            .collect()
    }

    /// The consents of `client`, current ones by preference.
    async fn consents_of(
        &self,
        business: Uuid,
        client: Uuid,
    ) -> Result<Vec<client_consents::Model>, StorageError> {
        client_consents::Entity::find()
            .filter(client_consents::Column::BusinessId.eq(business))
            .filter(client_consents::Column::ClientId.eq(client))
            .all(&self.txn)
            .await
            .map_err(unexpected)
    }
}

#[async_trait]
impl ClientMergeRepository for SeaTransaction {
    async fn insert_client_merge(&mut self, merge: &ClientMerge) -> Result<(), StorageError> {
        client_merges::Entity::insert(client_merge_row(merge)?)
            .exec_without_returning(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(())
    }

    async fn absorb_client(
        &mut self,
        merge: &ClientMerge,
        absorbed: &Client,
        position: u32,
    ) -> Result<(), StorageError> {
        let (business, from) = (merge.business_id.as_uuid(), absorbed.id().as_uuid());
        let row = clients::Entity::find()
            .filter(clients::Column::BusinessId.eq(business))
            .filter(clients::Column::Id.eq(from))
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .ok_or(StorageError::NotFound)?;
        for table in MOVED {
            self.move_rows(merge, table, "id", from, None).await?;
        }
        // A consent to a preference the kept profile has no consent to moves; the others
        // stay with the absorbed profile's snapshot.
        let kept: Vec<Uuid> = (self.consents_of(business, merge.kept_id.as_uuid()).await?)
            .into_iter()
            .map(|c| c.preference_id)
            .collect();
        let (moving, staying): (Vec<_>, Vec<_>) = (self.consents_of(business, from).await?)
            .into_iter()
            .partition(|c| !kept.contains(&c.preference_id));
        if !moving.is_empty() {
            let preferences = moving.iter().map(|c| c.preference_id).collect();
            self.move_rows(merge, CONSENTS, "preference_id", from, Some(preferences))
                .await?;
        }
        let custom_values = client_field_values::Entity::find()
            .filter(client_field_values::Column::BusinessId.eq(business))
            .filter(client_field_values::Column::ClientId.eq(from))
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        let snapshot = Snapshot {
            client: row,
            custom_values,
            consents: staying,
        };
        client_merge_absorbed::Entity::insert(client_merge_absorbed::ActiveModel {
            business_id: sea_orm::Set(business),
            client_id: sea_orm::Set(from),
            merge_id: sea_orm::Set(merge.id.as_uuid()),
            position: sea_orm::Set(i32::try_from(position).unwrap_or(i32::MAX)),
            kept_id: sea_orm::Set(merge.kept_id.as_uuid()),
            snapshot: sea_orm::Set(
                serde_json::to_string(&snapshot)
                    .map_err(|e| corrupt("client_merge_absorbed", "snapshot", e))?,
            ),
        })
        .exec_without_returning(&self.txn)
        .await
        .map_err(unexpected)?;
        // Out of the list: what the client tables hold of it goes, the row last.
        client_consents::Entity::delete_many()
            .filter(client_consents::Column::BusinessId.eq(business))
            .filter(client_consents::Column::ClientId.eq(from))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        client_field_values::Entity::delete_many()
            .filter(client_field_values::Column::BusinessId.eq(business))
            .filter(client_field_values::Column::ClientId.eq(from))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        client_search_terms::Entity::delete_many()
            .filter(client_search_terms::Column::BusinessId.eq(business))
            .filter(client_search_terms::Column::ClientId.eq(from))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        self.delete_memberships(absorbed).await?;
        clients::Entity::delete_many()
            .filter(clients::Column::BusinessId.eq(business))
            .filter(clients::Column::Id.eq(from))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(())
    }

    async fn client_merge(
        &mut self,
        business: BusinessId,
        id: MergeId,
    ) -> Result<Option<ClientMerge>, StorageError> {
        let Some(row) = client_merges::Entity::find()
            .filter(client_merges::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_merges::Column::Id.eq(id.as_uuid()))
            .one(&self.txn)
            .await
            .map_err(unexpected)?
        else {
            return Ok(None);
        };
        let absorbed = client_merge_absorbed::Entity::find()
            .filter(client_merge_absorbed::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_merge_absorbed::Column::MergeId.eq(id.as_uuid()))
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        client_merge(row, absorbed).map(Some)
    }

    async fn merged_into(
        &mut self,
        business: BusinessId,
        id: ClientId,
    ) -> Result<Option<(MergeId, ClientId)>, StorageError> {
        // A profile absorbed, brought back and absorbed again has a row per merge: the
        // one not undone counts.
        let rows = client_merge_absorbed::Entity::find()
            .filter(client_merge_absorbed::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_merge_absorbed::Column::ClientId.eq(id.as_uuid()))
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        for row in rows {
            let undone = client_merges::Entity::find()
                .filter(client_merges::Column::BusinessId.eq(business.as_uuid()))
                .filter(client_merges::Column::Id.eq(row.merge_id))
                .filter(client_merges::Column::UndoneAt.is_null())
                .one(&self.txn)
                .await
                .map_err(unexpected)?
                .is_none();
            if !undone {
                return Ok(Some((
                    MergeId::from_uuid(row.merge_id),
                    ClientId::from_uuid(row.kept_id),
                )));
            }
        }
        Ok(None)
    }

    async fn restore_absorbed(&mut self, merge: &ClientMerge) -> Result<(), StorageError> {
        let business = merge.business_id.as_uuid();
        let absorbed = client_merge_absorbed::Entity::find()
            .filter(client_merge_absorbed::Column::BusinessId.eq(business))
            .filter(client_merge_absorbed::Column::MergeId.eq(merge.id.as_uuid()))
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        for row in absorbed {
            let snapshot: Snapshot = serde_json::from_str(&row.snapshot)
                .map_err(|e| corrupt("client_merge_absorbed", "snapshot", e))?;
            let snapshot = self.still_defined(merge, snapshot).await?;
            let id = snapshot.client.id;
            clients::ActiveModel::from(snapshot.client)
                .insert(&self.txn)
                .await
                .map_err(unexpected)?;
            for value in snapshot.custom_values {
                client_field_values::ActiveModel::from(value)
                    .insert(&self.txn)
                    .await
                    .map_err(unexpected)?;
            }
            let client = self
                .client(merge.business_id, ClientId::from_uuid(id))
                .await?
                .ok_or(StorageError::NotFound)?;
            self.insert_memberships(&client).await?;
            let terms = search_term_rows(business, id, &SearchKeys::of(&client));
            if !terms.is_empty() {
                client_search_terms::Entity::insert_many(terms)
                    .exec_without_returning(&self.txn)
                    .await
                    .map_err(unexpected)?;
            }
            for table in MOVED {
                self.move_back(merge, table, "id", id).await?;
            }
            self.move_back(merge, CONSENTS, "preference_id", id).await?;
            for consent in snapshot.consents {
                client_consents::ActiveModel::from(consent)
                    .insert(&self.txn)
                    .await
                    .map_err(unexpected)?;
            }
        }
        Ok(())
    }

    async fn record_merge_undone(&mut self, merge: &ClientMerge) -> Result<(), StorageError> {
        let updated = client_merges::Entity::update_many()
            .col_expr(
                client_merges::Column::UndoneAt,
                Expr::value(merge.undone_at),
            )
            .filter(client_merges::Column::BusinessId.eq(merge.business_id.as_uuid()))
            .filter(client_merges::Column::Id.eq(merge.id.as_uuid()))
            .filter(client_merges::Column::UndoneAt.is_null())
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        if updated.rows_affected == 0 {
            return Err(StorageError::VersionConflict);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

    use super::{CONSENTS, MOVED};
    use crate::testing::fresh_storage;

    /// Tables with a `client_id` that a merge does not move record by record: the
    /// profile's own rows (rewritten with it, or kept in its snapshot), the merge's own
    /// tables, the import reports (a history of what a file did), and duplicate dismissals.
    const NOT_MOVED: [&str; 8] = [
        "client_sites",
        "client_labels",
        "client_label_sites",
        "client_search_terms",
        "client_field_values",
        "client_import_rows",
        "client_merge_absorbed",
        // "Not the same person as …" was said of the absorbed profile: it goes with it.
        "client_duplicate_dismissals",
    ];

    #[tokio::test]
    async fn cl_17_every_table_that_holds_a_clients_records_is_moved_by_a_merge() {
        let (storage, _db) = fresh_storage().await;
        let backend = storage.db.get_database_backend();
        let sql = match backend {
            DatabaseBackend::Postgres => {
                "SELECT table_name AS name FROM information_schema.columns \
                 WHERE column_name = 'client_id' AND table_schema = current_schema()"
            }
            _ => {
                "SELECT m.name AS name FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND p.name = 'client_id'"
            }
        };
        let rows = (storage.db)
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap();
        let mut tables: Vec<String> = rows
            .iter()
            .map(|row| row.try_get::<String>("", "name").unwrap())
            .collect();
        tables.sort();
        tables.dedup();

        let unhandled: Vec<&String> = (tables.iter())
            .filter(|t| !MOVED.contains(&t.as_str()) && *t != CONSENTS)
            .filter(|t| !NOT_MOVED.contains(&t.as_str()))
            .collect();
        assert!(
            unhandled.is_empty(),
            "a merge must move the records of {unhandled:?} (or say why not)"
        );
        for table in MOVED.iter().chain(&NOT_MOVED).chain([&CONSENTS]) {
            assert!(
                tables.iter().any(|t| t == table),
                "{table} has no client_id"
            );
        }
    }
}
