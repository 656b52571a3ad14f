//! `OrderRepository` over a [`SeaTransaction`]: orders with their amounts in minor units,
//! the row lock for a cancellation or a refund, and the orders list (CO-8): newest first
//! with keyset pagination, each order joined to its client and product (the code's text
//! is on the order).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, QueryTrait,
};

use clientele_domain::order::Order;
use clientele_domain::{BusinessId, OrderId};
use clientele_ports::StorageError;
use clientele_ports::storage::{OrderExportLine, OrderLine, OrderQuery, OrderRepository};

use super::conversions::{OrderExportRow, instant, minor_units, order_row, same_currency};
use super::entities::{clients, orders, products};
use super::joins::join_in_business;
use super::keyset::after_descending;
use super::{SeaTransaction, unexpected, unique_violation};

/// The joined columns of a line of the list, beside the order's own (as named in
/// [`OrderExportRow`]).
const CLIENT_FIRST_NAME: &str = "line_client_first_name";
const CLIENT_LAST_NAME: &str = "line_client_last_name";
const CLIENT_EMAIL: &str = "line_client_email";
const PRODUCT_NAME: &str = "line_product_name";

fn order_of(business: BusinessId, id: OrderId) -> sea_orm::Select<orders::Entity> {
    orders::Entity::find()
        .filter(orders::Column::BusinessId.eq(business.as_uuid()))
        .filter(orders::Column::Id.eq(id.as_uuid()))
}

/// `select` restricted to what `query` asks.
fn filtered(
    mut select: sea_orm::Select<orders::Entity>,
    query: &OrderQuery,
) -> sea_orm::Select<orders::Entity> {
    if let Some(product) = query.product {
        select = select.filter(orders::Column::ProductId.eq(product.as_uuid()));
    }
    if let Some(family) = query.family {
        select = select.filter(orders::Column::Family.eq(family.as_str()));
    }
    if let Some(client) = query.client {
        select = select.filter(orders::Column::ClientId.eq(client.as_uuid()));
    }
    if let Some(from) = query.from {
        select = select.filter(orders::Column::CreatedAt.gte(instant(from)));
    }
    if let Some(until) = query.until {
        select = select.filter(orders::Column::CreatedAt.lt(instant(until)));
    }
    select
}

/// CO-8's lines: `select`'s columns of the orders matching `query` strictly after `after`,
/// newest first (ties by id), at most `limit`, with their client's and product's names.
fn lines(
    select: sea_orm::Select<orders::Entity>,
    business: BusinessId,
    query: &OrderQuery,
    after: Option<(DateTime<Utc>, OrderId)>,
    limit: u32,
) -> sea_orm::Select<orders::Entity> {
    let mut select = filtered(
        select.filter(orders::Column::BusinessId.eq(business.as_uuid())),
        query,
    );
    if let Some((created_at, id)) = after {
        select = select.filter(after_descending(
            [
                Expr::col((orders::Entity, orders::Column::CreatedAt)),
                Expr::col((orders::Entity, orders::Column::Id)),
            ],
            (instant(created_at), id.as_uuid()),
        ));
    }
    join_in_business(
        &mut select,
        (orders::Column::BusinessId, orders::Column::ClientId),
        clients::Entity,
        (clients::Column::BusinessId, clients::Column::Id),
    );
    join_in_business(
        &mut select,
        (orders::Column::BusinessId, orders::Column::ProductId),
        products::Entity,
        (products::Column::BusinessId, products::Column::Id),
    );
    select
        .expr_as(
            Expr::col((clients::Entity, clients::Column::FirstName)),
            CLIENT_FIRST_NAME,
        )
        .expr_as(
            Expr::col((clients::Entity, clients::Column::LastName)),
            CLIENT_LAST_NAME,
        )
        .expr_as(
            Expr::col((clients::Entity, clients::Column::Email)),
            CLIENT_EMAIL,
        )
        .expr_as(
            Expr::col((products::Entity, products::Column::Name)),
            PRODUCT_NAME,
        )
        .order_by_desc(orders::Column::CreatedAt)
        .order_by_desc(orders::Column::Id)
        .limit(u64::from(limit))
}

fn line(row: &QueryResult) -> Result<OrderLine, StorageError> {
    let order = Order::try_from(orders::Model::from_query_result(row, "").map_err(unexpected)?)?;
    Ok(OrderLine {
        order,
        client_first_name: row.try_get("", CLIENT_FIRST_NAME).map_err(unexpected)?,
        client_last_name: row.try_get("", CLIENT_LAST_NAME).map_err(unexpected)?,
        client_email: row.try_get("", CLIENT_EMAIL).map_err(unexpected)?,
        product_name: row.try_get("", PRODUCT_NAME).map_err(unexpected)?,
    })
}

impl SeaTransaction {
    async fn one_order(
        &self,
        select: sea_orm::Select<orders::Entity>,
    ) -> Result<Option<Order>, StorageError> {
        select
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(Order::try_from)
            .transpose()
    }
}

#[async_trait]
impl OrderRepository for SeaTransaction {
    async fn insert_order(&mut self, order: &Order) -> Result<(), StorageError> {
        let insert = orders::Entity::insert(order_row(order)?);
        self.guarded(&insert)
            .await
            .map_err(|err| match unique_violation(&err) {
                Some(_) => StorageError::Duplicate("order"),
                None => unexpected(err),
            })?;
        Ok(())
    }

    async fn order(
        &mut self,
        business: BusinessId,
        id: OrderId,
    ) -> Result<Option<Order>, StorageError> {
        self.one_order(order_of(business, id)).await
    }

    async fn order_for_update(
        &mut self,
        business: BusinessId,
        id: OrderId,
    ) -> Result<Option<Order>, StorageError> {
        let select = order_of(business, id);
        // SQLite has no row locks: its write transactions (BEGIN IMMEDIATE) already hold
        // the database's only write lock.
        let select = match self.txn.get_database_backend() {
            DbBackend::Postgres => select.lock_exclusive(),
            _ => select,
        };
        self.one_order(select).await
    }

    async fn update_order(&mut self, order: &Order) -> Result<(), StorageError> {
        let currency = order.price.currency();
        same_currency("orders", "refunded_minor", order.refunded, currency)?;
        let update = orders::Entity::update_many()
            .col_expr(orders::Column::Status, Expr::value(order.status.as_str()))
            .col_expr(
                orders::Column::RefundedMinor,
                Expr::value(minor_units(order.refunded)?),
            )
            .col_expr(
                orders::Column::CancelledAt,
                Expr::value(order.cancelled_at.map(instant)),
            )
            .filter(orders::Column::BusinessId.eq(order.business_id.as_uuid()))
            .filter(orders::Column::Id.eq(order.id.as_uuid()))
            // Never under another currency's code.
            .filter(orders::Column::Currency.eq(currency.code()));
        // Guarded: the CHECK (refunds within what was paid) must leave the transaction
        // usable.
        let result = self.guarded(&update).await.map_err(unexpected)?;
        if result.rows_affected() > 0 {
            return Ok(());
        }
        match order_of(order.business_id, order.id).one(&self.txn).await {
            Ok(Some(row)) => Err(StorageError::Unexpected(
                format!("the order is in {}, not {}", row.currency, currency.code()).into(),
            )),
            Ok(None) => Err(StorageError::NotFound),
            Err(err) => Err(unexpected(err)),
        }
    }

    async fn orders(
        &mut self,
        business: BusinessId,
        query: &OrderQuery,
        after: Option<(DateTime<Utc>, OrderId)>,
        limit: u32,
    ) -> Result<Vec<OrderLine>, StorageError> {
        let select = lines(orders::Entity::find(), business, query, after, limit);
        let statement = select.build(self.txn.get_database_backend());
        self.txn
            .query_all_raw(statement)
            .await
            .map_err(unexpected)?
            .iter()
            .map(line)
            .collect()
    }

    async fn order_export_page(
        &mut self,
        business: BusinessId,
        query: &OrderQuery,
        after: Option<(DateTime<Utc>, OrderId)>,
        limit: u32,
    ) -> Result<Vec<OrderExportLine>, StorageError> {
        use orders::Column as C;
        let columns = [
            C::Id,
            C::CreatedAt,
            C::Status,
            C::ClientId,
            C::ProductId,
            C::Family,
            C::CodeText,
            C::PriceMinor,
            C::Currency,
            C::Method,
            C::PaymentType,
            C::PaidMinor,
            C::RefundedMinor,
            C::CancelledAt,
        ];
        let only = orders::Entity::find().select_only().columns(columns);
        lines(only, business, query, after, limit)
            .into_model::<OrderExportRow>()
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(OrderExportLine::try_from)
            .collect()
    }
}
