//! Orders: products sold to clients (CO-3, CO-6, CO-8).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use clientele_domain::code::CodeText;
use clientele_domain::order::{Order, OrderStatus};
use clientele_domain::product::Family;
use clientele_domain::{BusinessId, ClientId, Money, OrderId, ProductId};

use super::StorageError;

/// CO-8: which orders a list shows; every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderQuery {
    pub product: Option<ProductId>,
    pub family: Option<Family>,
    pub client: Option<ClientId>,
    /// Made at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Made strictly before this instant.
    pub until: Option<DateTime<Utc>>,
}

/// One order with what an export names beside it (CO-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub order: Order,
    pub client_first_name: String,
    pub client_last_name: String,
    pub client_email: Option<String>,
    pub product_name: String,
}

/// CO-8: an order as the export shows it, read with nothing else: how it was settled is
/// its method and payment type as stored (card and invoice details are not exported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderExportLine {
    pub id: OrderId,
    pub created_at: DateTime<Utc>,
    pub status: OrderStatus,
    pub client_id: ClientId,
    pub client_first_name: String,
    pub client_last_name: String,
    pub client_email: Option<String>,
    pub product_id: ProductId,
    pub product_name: String,
    pub family: Family,
    pub code_text: CodeText,
    pub price: Money,
    /// `card`, `manual` or `invoice` (`Settlement::method`).
    pub method: String,
    /// For a payment at the desk.
    pub payment_type: Option<String>,
    pub paid: Money,
    pub refunded: Money,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// Orders. Never deleted: cancelled.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OrderRepository: Send {
    /// MUST return `Duplicate("order")` if the id is taken. The order's code is inserted
    /// after it, in the same transaction.
    async fn insert_order(&mut self, order: &Order) -> Result<(), StorageError>;

    /// The business's order, or `None`.
    async fn order(
        &mut self,
        business: BusinessId,
        id: OrderId,
    ) -> Result<Option<Order>, StorageError>;

    /// The order, its row locked until the transaction ends (as
    /// `appointment_for_update`), for a cancellation or a refund.
    async fn order_for_update(
        &mut self,
        business: BusinessId,
        id: OrderId,
    ) -> Result<Option<Order>, StorageError>;

    /// Stores the order's status, refunded amount and cancellation time.
    async fn update_order(&mut self, order: &Order) -> Result<(), StorageError>;

    /// CO-8: orders matching `query`, newest first (ties by id, descending), strictly
    /// after `after` in that order, at most `limit`; each with its client and product.
    async fn orders(
        &mut self,
        business: BusinessId,
        query: &OrderQuery,
        after: Option<(DateTime<Utc>, OrderId)>,
        limit: u32,
    ) -> Result<Vec<OrderLine>, StorageError>;

    /// CO-8: the export's page: the orders `orders` would list, as export lines.
    async fn order_export_page(
        &mut self,
        business: BusinessId,
        query: &OrderQuery,
        after: Option<(DateTime<Utc>, OrderId)>,
        limit: u32,
    ) -> Result<Vec<OrderExportLine>, StorageError>;
}
