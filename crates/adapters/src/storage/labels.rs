//! `LabelRepository` over a [`SeaTransaction`]: the business's labels (CL-11). A client's
//! labels are read and written with the client (`clients.rs`).

use std::collections::HashSet;

use async_trait::async_trait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use uuid::Uuid;

use clientele_domain::label::Label;
use clientele_domain::{BusinessId, LabelId, Version};
use clientele_ports::StorageError;
use clientele_ports::storage::LabelRepository;

use super::conversions::{label_changes, label_row};
use super::entities::labels;
use super::{SeaTransaction, unexpected, unique_violation};

/// A unique violation on `labels` is about the name unless it names the primary key.
fn label_write_error(err: DbErr) -> StorageError {
    match unique_violation(&err) {
        Some(message) if message.contains("name_key") => StorageError::Duplicate("label_name"),
        Some(_) => StorageError::Duplicate("label"),
        None => unexpected(err),
    }
}

/// Takes `label` off its clients' copies of their label ids (`clients.label_ids`): each
/// is rebuilt from the client's other `client_labels` rows, in the form the adapter
/// writes (`conversions::id_text`: sorted, 32 lowercase hex digits each).
fn drop_label_from_clients(backend: DbBackend, business: BusinessId, label: LabelId) -> Statement {
    let (others, business_at, label_at) = match backend {
        DbBackend::Postgres => (
            "string_agg(replace(own.label_id::text, '-', ''), ',' ORDER BY own.label_id)",
            "$1",
            "$2",
        ),
        _ => (
            "group_concat(lower(hex(own.label_id)), ',' ORDER BY own.label_id)",
            "?1",
            "?2",
        ),
    };
    let sql = format!(
        "UPDATE clients SET label_ids = COALESCE((SELECT {others} FROM client_labels own \
             WHERE own.business_id = clients.business_id AND own.client_id = clients.id \
             AND own.label_id <> {label_at}), '') \
         WHERE clients.business_id = {business_at} AND clients.id IN (SELECT client_id \
             FROM client_labels WHERE business_id = {business_at} AND label_id = {label_at})"
    );
    Statement::from_sql_and_values(
        backend,
        sql,
        [business.as_uuid().into(), label.as_uuid().into()],
    )
}

/// The label `id` of `business`.
fn label_of(business: BusinessId, id: LabelId) -> sea_orm::Select<labels::Entity> {
    labels::Entity::find()
        .filter(labels::Column::BusinessId.eq(business.as_uuid()))
        .filter(labels::Column::Id.eq(id.as_uuid()))
}

#[async_trait]
impl LabelRepository for SeaTransaction {
    async fn insert_label(&mut self, label: &Label) -> Result<(), StorageError> {
        self.guarded(&labels::Entity::insert(label_row(label)))
            .await
            .map_err(label_write_error)?;
        Ok(())
    }

    async fn label(
        &mut self,
        business: BusinessId,
        id: LabelId,
    ) -> Result<Option<Label>, StorageError> {
        label_of(business, id)
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(Label::try_from)
            .transpose()
    }

    async fn labels(
        &mut self,
        business: BusinessId,
        after: Option<LabelId>,
        limit: u32,
    ) -> Result<Vec<Label>, StorageError> {
        let mut query =
            labels::Entity::find().filter(labels::Column::BusinessId.eq(business.as_uuid()));
        if let Some(after) = after {
            query = query.filter(labels::Column::Id.gt(after.as_uuid()));
        }
        query
            .order_by_asc(labels::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(Label::try_from)
            .collect()
    }

    async fn update_label(&mut self, label: &Label, expected: Version) -> Result<(), StorageError> {
        let update = labels::Entity::update_many()
            .set(label_changes(label))
            .filter(labels::Column::BusinessId.eq(label.business_id.as_uuid()))
            .filter(labels::Column::Id.eq(label.id.as_uuid()))
            .filter(labels::Column::Version.eq(expected.get()));
        let result = self.guarded(&update).await.map_err(label_write_error)?;
        if result.rows_affected() == 0 {
            return Err(self
                .missed_update(label_of(label.business_id, label.id))
                .await);
        }
        Ok(())
    }

    async fn delete_label(
        &mut self,
        business: BusinessId,
        id: LabelId,
    ) -> Result<(), StorageError> {
        // The clients' copies of their label ids first, while `client_labels` still says
        // who has it; its `client_labels` rows go with the label (ON DELETE CASCADE).
        let backend = self.txn.get_database_backend();
        self.txn
            .execute_raw(drop_label_from_clients(backend, business, id))
            .await
            .map_err(unexpected)?;
        let result = labels::Entity::delete_many()
            .filter(labels::Column::BusinessId.eq(business.as_uuid()))
            .filter(labels::Column::Id.eq(id.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        if result.rows_affected == 0 {
            return Err(StorageError::NotFound);
        }
        Ok(())
    }

    async fn missing_labels(
        &mut self,
        business: BusinessId,
        ids: &[LabelId],
    ) -> Result<Vec<LabelId>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found: HashSet<Uuid> = labels::Entity::find()
            .select_only()
            .column(labels::Column::Id)
            .filter(labels::Column::BusinessId.eq(business.as_uuid()))
            .filter(labels::Column::Id.is_in(ids.iter().map(LabelId::as_uuid)))
            .into_tuple::<Uuid>()
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .collect();
        let mut missing: Vec<LabelId> = ids
            .iter()
            .copied()
            .filter(|id| !found.contains(&id.as_uuid()))
            .collect();
        missing.sort();
        missing.dedup();
        Ok(missing)
    }
}
