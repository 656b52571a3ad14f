//! `ProductRepository` over a [`SeaTransaction`]: products (CO-1, CO-2) with the
//! appointment types they cover, read by a second query for a product or a page.

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, TransactionTrait,
};
use uuid::Uuid;

use clientele_domain::product::Product;
use clientele_domain::{BusinessId, ProductId, Version};
use clientele_ports::StorageError;
use clientele_ports::storage::ProductRepository;

use super::conversions::{WithTypes, product_changes, product_row, product_type_rows};
use super::entities::{product_appointment_types, products};
use super::{SeaTransaction, unexpected, unique_violation};

/// A unique violation means the id is taken; anything else (a covered type the business
/// does not have, a CHECK) is unexpected: the use case checks those first.
fn product_write_error(err: DbErr) -> StorageError {
    match unique_violation(&err) {
        Some(_) => StorageError::Duplicate("product"),
        None => unexpected(err),
    }
}

fn product_of(business: BusinessId, id: ProductId) -> sea_orm::Select<products::Entity> {
    products::Entity::find()
        .filter(products::Column::BusinessId.eq(business.as_uuid()))
        .filter(products::Column::Id.eq(id.as_uuid()))
}

impl SeaTransaction {
    /// The products of `rows` with their covered types, read in one query.
    async fn with_types(
        &self,
        business: BusinessId,
        rows: Vec<products::Model>,
    ) -> Result<Vec<Product>, StorageError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut types: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        product_appointment_types::Entity::find()
            .select_only()
            .column(product_appointment_types::Column::ProductId)
            .column(product_appointment_types::Column::AppointmentTypeId)
            .filter(product_appointment_types::Column::BusinessId.eq(business.as_uuid()))
            .filter(product_appointment_types::Column::ProductId.is_in(rows.iter().map(|r| r.id)))
            .order_by_asc(product_appointment_types::Column::ProductId)
            .order_by_asc(product_appointment_types::Column::AppointmentTypeId)
            .into_tuple::<(Uuid, Uuid)>()
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .for_each(|(product, kind)| types.entry(product).or_default().push(kind));
        rows.into_iter()
            .map(|row| {
                let types = types.remove(&row.id).unwrap_or_default();
                Product::try_from(WithTypes { row, types })
            })
            .collect()
    }
}

#[async_trait]
impl ProductRepository for SeaTransaction {
    async fn insert_product(&mut self, product: &Product) -> Result<(), StorageError> {
        let backend = self.txn.get_database_backend();
        let mut writes = vec![products::Entity::insert(product_row(product)?).build(backend)];
        let types = product_type_rows(product);
        if !types.is_empty() {
            writes.push(product_appointment_types::Entity::insert_many(types).build(backend));
        }
        // One savepoint: a product never stays without the types it covers.
        self.guarded_all(&writes).await.map_err(product_write_error)
    }

    async fn product(
        &mut self,
        business: BusinessId,
        id: ProductId,
    ) -> Result<Option<Product>, StorageError> {
        let rows: Vec<products::Model> = product_of(business, id)
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .collect();
        Ok(self.with_types(business, rows).await?.pop())
    }

    async fn products(
        &mut self,
        business: BusinessId,
        archived: bool,
        after: Option<ProductId>,
        limit: u32,
    ) -> Result<Vec<Product>, StorageError> {
        let mut query =
            products::Entity::find().filter(products::Column::BusinessId.eq(business.as_uuid()));
        if !archived {
            query = query.filter(products::Column::Archived.eq(false));
        }
        if let Some(after) = after {
            query = query.filter(products::Column::Id.gt(after.as_uuid()));
        }
        let rows = query
            .order_by_asc(products::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        self.with_types(business, rows).await
    }

    async fn update_product(
        &mut self,
        product: &Product,
        expected: Version,
    ) -> Result<(), StorageError> {
        let (business, id) = (product.business_id.as_uuid(), product.id.as_uuid());
        let update = products::Entity::update_many()
            .set(product_changes(product)?)
            .filter(products::Column::BusinessId.eq(business))
            .filter(products::Column::Id.eq(id))
            .filter(products::Column::Version.eq(expected.get()));
        let clear = product_appointment_types::Entity::delete_many()
            .filter(product_appointment_types::Column::BusinessId.eq(business))
            .filter(product_appointment_types::Column::ProductId.eq(id));
        let types = product_type_rows(product);
        // One savepoint: the row and its covered types change together, or not at all.
        let savepoint = self.txn.begin().await.map_err(unexpected)?;
        let written: Result<bool, DbErr> = async {
            if update.exec(&savepoint).await?.rows_affected == 0 {
                return Ok(false);
            }
            clear.exec(&savepoint).await?;
            if !types.is_empty() {
                product_appointment_types::Entity::insert_many(types)
                    .exec(&savepoint)
                    .await?;
            }
            Ok(true)
        }
        .await;
        match written {
            Ok(true) => savepoint.commit().await.map_err(unexpected),
            Ok(false) => {
                savepoint.rollback().await.map_err(unexpected)?;
                Err(self
                    .missed_update(product_of(product.business_id, product.id))
                    .await)
            }
            Err(err) => {
                savepoint.rollback().await.map_err(unexpected)?;
                Err(product_write_error(err))
            }
        }
    }
}
