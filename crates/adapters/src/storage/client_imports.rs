//! `ClientImportRepository` over a [`SeaTransaction`] (CL-15): imports are claimed with a
//! lease (an update that only one worker's condition can match), and each batch is
//! recorded with a compare-and-set on the import's version, the lease released with it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use clientele_domain::client_import::{ClientImport, ImportStatus, RowReport};
use clientele_domain::{BusinessId, ImportId, Version};
use clientele_ports::StorageError;
use clientele_ports::storage::ClientImportRepository;

use super::conversions::{client_import_report_row, client_import_row, instant};
use super::entities::{client_import_chunks, client_import_rows, client_imports};
use super::{SeaTransaction, unexpected, unique_violation};

fn of(business: BusinessId, id: ImportId) -> Condition {
    Condition::all()
        .add(client_imports::Column::BusinessId.eq(business.as_uuid()))
        .add(client_imports::Column::Id.eq(id.as_uuid()))
}

fn free(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(client_imports::Column::LeaseUntil.is_null())
        .add(client_imports::Column::LeaseUntil.lt(instant(now)))
}

#[async_trait]
impl ClientImportRepository for SeaTransaction {
    async fn insert_client_import(&mut self, import: &ClientImport) -> Result<(), StorageError> {
        let insert = client_imports::Entity::insert(client_import_row(import)?);
        self.guarded(&insert)
            .await
            .map_err(|err| match unique_violation(&err) {
                Some(_) => StorageError::Duplicate("client_import"),
                None => unexpected(err),
            })?;
        Ok(())
    }

    async fn insert_import_chunk(
        &mut self,
        business: BusinessId,
        import: ImportId,
        seq: u32,
        bytes: &[u8],
    ) -> Result<(), StorageError> {
        client_import_chunks::Entity::insert(client_import_chunks::ActiveModel {
            business_id: Set(business.as_uuid()),
            import_id: Set(import.as_uuid()),
            seq: Set(i32::try_from(seq).map_err(unexpected)?),
            bytes: Set(bytes.to_vec()),
        })
        .exec(&self.txn)
        .await
        .map_err(unexpected)?;
        Ok(())
    }

    async fn import_chunks(
        &mut self,
        business: BusinessId,
        import: ImportId,
        from: u32,
        to: u32,
    ) -> Result<Vec<Vec<u8>>, StorageError> {
        use client_import_chunks::Column as C;
        Ok(client_import_chunks::Entity::find()
            .filter(C::BusinessId.eq(business.as_uuid()))
            .filter(C::ImportId.eq(import.as_uuid()))
            .filter(C::Seq.between(i64::from(from), i64::from(to)))
            .order_by_asc(C::Seq)
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(|chunk| chunk.bytes)
            .collect())
    }

    async fn client_import(
        &mut self,
        business: BusinessId,
        id: ImportId,
    ) -> Result<Option<ClientImport>, StorageError> {
        client_imports::Entity::find()
            .filter(of(business, id))
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(ClientImport::try_from)
            .transpose()
    }

    async fn claim_client_import(
        &mut self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<ClientImport>, StorageError> {
        use client_imports::Column as I;
        let candidate = client_imports::Entity::find()
            .filter(I::Status.eq(ImportStatus::Pending.as_str()))
            .filter(free(now))
            .order_by_asc(I::CreatedAt)
            .order_by_asc(I::Id)
            .one(&self.txn)
            .await
            .map_err(unexpected)?;
        let Some(candidate) = candidate else {
            return Ok(None);
        };
        // Another worker may have taken it since: only a free lease is taken.
        let taken = client_imports::Entity::update_many()
            .col_expr(I::LeaseUntil, Expr::value(instant(until)))
            .filter(I::BusinessId.eq(candidate.business_id))
            .filter(I::Id.eq(candidate.id))
            .filter(I::Status.eq(ImportStatus::Pending.as_str()))
            .filter(free(now))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        if taken.rows_affected == 0 {
            return Ok(None);
        }
        ClientImport::try_from(candidate).map(Some)
    }

    async fn record_import_batch(
        &mut self,
        import: &ClientImport,
        expected: Version,
        rows: &[(RowReport, Option<String>)],
    ) -> Result<(), StorageError> {
        use client_imports::Column as I;
        let row = client_import_row(import)?;
        let updated = client_imports::Entity::update_many()
            .set(client_imports::ActiveModel {
                business_id: sea_orm::ActiveValue::NotSet,
                id: sea_orm::ActiveValue::NotSet,
                created_at: sea_orm::ActiveValue::NotSet,
                ..row
            })
            .filter(of(import.business_id, import.id))
            .filter(I::Version.eq(expected.get()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        if updated.rows_affected == 0 {
            return Err(StorageError::VersionConflict);
        }
        // A few hundred rows per statement keep under SQLite's limit of bound values.
        for chunk in rows.chunks(500) {
            let models = chunk
                .iter()
                .map(|(report, key)| client_import_report_row(import, report, key.as_deref()))
                .collect::<Result<Vec<_>, _>>()?;
            client_import_rows::Entity::insert_many(models)
                .exec(&self.txn)
                .await
                .map_err(unexpected)?;
        }
        Ok(())
    }

    async fn import_rows(
        &mut self,
        business: BusinessId,
        import: ImportId,
        after: Option<u32>,
        limit: u32,
    ) -> Result<Vec<RowReport>, StorageError> {
        use client_import_rows::Column as R;
        let mut select = client_import_rows::Entity::find()
            .filter(R::BusinessId.eq(business.as_uuid()))
            .filter(R::ImportId.eq(import.as_uuid()));
        if let Some(after) = after {
            select = select.filter(R::Line.gt(i64::from(after)));
        }
        select
            .order_by_asc(R::Line)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(RowReport::try_from)
            .collect()
    }

    async fn import_saw_email(
        &mut self,
        business: BusinessId,
        import: ImportId,
        email_key: &str,
    ) -> Result<bool, StorageError> {
        use client_import_rows::Column as R;
        let seen = client_import_rows::Entity::find()
            .filter(R::BusinessId.eq(business.as_uuid()))
            .filter(R::ImportId.eq(import.as_uuid()))
            .filter(R::EmailKey.eq(email_key))
            .count(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(seen > 0)
    }
}
