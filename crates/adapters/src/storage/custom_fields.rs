//! `CustomFieldRepository` over a [`SeaTransaction`]: the business's custom fields
//! (CL-24), plus the pieces `clients.rs` and `client_list/` call to read, write and
//! filter clients' values:
//! [`SeaTransaction::custom_values_of`], [`SeaTransaction::write_custom_values`] and
//! [`custom_value_condition`].

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use clientele_domain::custom_field::{CustomField, CustomValues};
use clientele_domain::{BusinessId, Client, CustomFieldId, Version};
use clientele_ports::StorageError;
use clientele_ports::storage::CustomFieldRepository;

use super::conversions::{
    client_field_value_rows, custom_field_changes, custom_field_row, custom_values_by_owner,
    indexed_key,
};
use super::entities::{client_field_values, clients, custom_fields};
use super::{SeaTransaction, unexpected, unique_violation};

/// A unique violation on `custom_fields` is about the name unless it names the primary key.
fn custom_field_write_error(err: DbErr) -> StorageError {
    match unique_violation(&err) {
        Some(message) if message.contains("name_key") => {
            StorageError::Duplicate("custom_field_name")
        }
        Some(_) => StorageError::Duplicate("custom_field"),
        None => unexpected(err),
    }
}

/// The field `id` of `business`.
fn custom_field_of(
    business: BusinessId,
    id: CustomFieldId,
) -> sea_orm::Select<custom_fields::Entity> {
    custom_fields::Entity::find()
        .filter(custom_fields::Column::BusinessId.eq(business.as_uuid()))
        .filter(custom_fields::Column::Id.eq(id.as_uuid()))
}

/// `EXISTS (SELECT 1 FROM client_field_values WHERE business and client match AND
/// field_id = field AND value_key = key)`: answered by the primary key.
fn has_custom_value(field: CustomFieldId, key: &str) -> Expr {
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from(client_field_values::Entity)
        .and_where(
            Expr::col((
                client_field_values::Entity,
                client_field_values::Column::BusinessId,
            ))
            .equals((clients::Entity, clients::Column::BusinessId)),
        )
        .and_where(
            Expr::col((
                client_field_values::Entity,
                client_field_values::Column::ClientId,
            ))
            .equals((clients::Entity, clients::Column::Id)),
        )
        .and_where(
            Expr::col((
                client_field_values::Entity,
                client_field_values::Column::FieldId,
            ))
            .eq(field.as_uuid()),
        )
        .and_where(
            Expr::col((
                client_field_values::Entity,
                client_field_values::Column::ValueKey,
            ))
            .eq(indexed_key(key.to_owned())),
        );
    Expr::exists(sub.take())
}

/// CL-10, CL-24 as a condition on `clients`: for every (field, key), the client's value of
/// the field has that key.
pub(super) fn custom_value_condition(filters: &[(CustomFieldId, String)]) -> Condition {
    filters.iter().fold(Condition::all(), |all, (field, key)| {
        all.add(has_custom_value(*field, key))
    })
}

impl SeaTransaction {
    /// The business's fields among `ids`, ordered by id.
    async fn fields_with_ids(
        &self,
        business: BusinessId,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> Result<Vec<CustomField>, StorageError> {
        custom_fields::Entity::find()
            .filter(custom_fields::Column::BusinessId.eq(business.as_uuid()))
            .filter(custom_fields::Column::Id.is_in(ids))
            .order_by_asc(custom_fields::Column::Id)
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(CustomField::try_from)
            .collect()
    }

    /// The custom values of these clients: one query for the values, one for the
    /// definitions of the fields they belong to.
    pub(super) async fn custom_values_of(
        &self,
        business: BusinessId,
        clients: &[Uuid],
    ) -> Result<HashMap<Uuid, CustomValues>, StorageError> {
        if clients.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = client_field_values::Entity::find()
            .filter(client_field_values::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_field_values::Column::ClientId.is_in(clients.iter().copied()))
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        if rows.is_empty() {
            return Ok(HashMap::new());
        }
        let mut field_ids: Vec<Uuid> = rows.iter().map(|row| row.field_id).collect();
        field_ids.sort();
        field_ids.dedup();
        let fields = self.fields_with_ids(business, field_ids).await?;
        custom_values_by_owner(rows, &fields)
    }

    /// Stores the client's values. With `replace`, the values stored before go first.
    pub(super) async fn write_custom_values(
        &self,
        client: &Client,
        replace: bool,
    ) -> Result<(), StorageError> {
        if replace {
            client_field_values::Entity::delete_many()
                .filter(client_field_values::Column::BusinessId.eq(client.business_id().as_uuid()))
                .filter(client_field_values::Column::ClientId.eq(client.id().as_uuid()))
                .exec(&self.txn)
                .await
                .map_err(unexpected)?;
        }
        let rows = client_field_value_rows(client);
        if rows.is_empty() {
            return Ok(());
        }
        client_field_values::Entity::insert_many(rows)
            .exec_without_returning(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(())
    }
}

#[async_trait]
impl CustomFieldRepository for SeaTransaction {
    async fn insert_custom_field(&mut self, field: &CustomField) -> Result<(), StorageError> {
        self.guarded(&custom_fields::Entity::insert(custom_field_row(field)?))
            .await
            .map_err(custom_field_write_error)?;
        Ok(())
    }

    async fn custom_field(
        &mut self,
        business: BusinessId,
        id: CustomFieldId,
    ) -> Result<Option<CustomField>, StorageError> {
        custom_field_of(business, id)
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(CustomField::try_from)
            .transpose()
    }

    async fn custom_fields(
        &mut self,
        business: BusinessId,
        after: Option<CustomFieldId>,
        limit: u32,
    ) -> Result<Vec<CustomField>, StorageError> {
        let mut query = custom_fields::Entity::find()
            .filter(custom_fields::Column::BusinessId.eq(business.as_uuid()));
        if let Some(after) = after {
            query = query.filter(custom_fields::Column::Id.gt(after.as_uuid()));
        }
        query
            .order_by_asc(custom_fields::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(CustomField::try_from)
            .collect()
    }

    async fn custom_fields_with_ids(
        &mut self,
        business: BusinessId,
        ids: &[CustomFieldId],
    ) -> Result<Vec<CustomField>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.fields_with_ids(business, ids.iter().map(CustomFieldId::as_uuid))
            .await
    }

    async fn update_custom_field(
        &mut self,
        field: &CustomField,
        expected: Version,
    ) -> Result<(), StorageError> {
        let update = custom_fields::Entity::update_many()
            .set(custom_field_changes(field)?)
            .filter(custom_fields::Column::BusinessId.eq(field.business_id.as_uuid()))
            .filter(custom_fields::Column::Id.eq(field.id.as_uuid()))
            .filter(custom_fields::Column::Version.eq(expected.get()));
        let result = self
            .guarded(&update)
            .await
            .map_err(custom_field_write_error)?;
        if result.rows_affected() == 0 {
            return Err(self
                .missed_update(custom_field_of(field.business_id, field.id))
                .await);
        }
        Ok(())
    }

    async fn custom_value_keys_in_use(
        &mut self,
        business: BusinessId,
        field: CustomFieldId,
        keys: &[String],
    ) -> Result<Vec<String>, StorageError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let stored: HashMap<String, &String> = keys
            .iter()
            .map(|key| (indexed_key(key.clone()), key))
            .collect();
        let found = client_field_values::Entity::find()
            .select_only()
            .column(client_field_values::Column::ValueKey)
            .distinct()
            .filter(client_field_values::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_field_values::Column::FieldId.eq(field.as_uuid()))
            .filter(client_field_values::Column::ValueKey.is_in(stored.keys().cloned()))
            .into_tuple::<String>()
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        let mut used: Vec<String> = found
            .iter()
            .filter_map(|key| stored.get(key).map(|key| (*key).clone()))
            .collect();
        used.sort();
        used.dedup();
        Ok(used)
    }

    async fn custom_field_in_use(
        &mut self,
        business: BusinessId,
        field: CustomFieldId,
    ) -> Result<bool, StorageError> {
        let any = client_field_values::Entity::find()
            .select_only()
            .column(client_field_values::Column::ClientId)
            .filter(client_field_values::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_field_values::Column::FieldId.eq(field.as_uuid()))
            .into_tuple::<Uuid>()
            .one(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(any.is_some())
    }
}
