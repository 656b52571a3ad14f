//! Selling products (CO-3, CO-6, CO-8): a sale takes payment through the payment port
//! (card, in person, or invoice) and creates the order and its code in one transaction;
//! cancelling an order cancels its code and may refund it; the orders list and its
//! export.

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;

use clientele_domain::code::{Code, CodeChangeError, Origin, Owner, Status};
use clientele_domain::email::{EmailKind, order_invoice};
use clientele_domain::membership::Membership;
use clientele_domain::order::{Order, OrderStateError, OrderStatus, Settlement};
use clientele_domain::payment::PaymentRuleError;
use clientele_domain::product::{Family, ProductChangeError};
use clientele_domain::{
    Actor, ClientId, CodeId, FieldError, Forbidden, MembershipTypeId, Money, OrderId, PageLimit,
    PaymentMethodId, Permission, ProductId, TimeZone, ValidationErrors,
};
use clientele_ports::StorageError;
use clientele_ports::payments::{ChargeRequest, RefundRequest};
pub use clientele_ports::storage::{OrderExportLine, OrderLine, OrderQuery};

use crate::access::{AccessError, business_of, require_whole_business, visible_client};
use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::idempotency::{Completion, complete_in};
use crate::payments::{PaymentError, invoice_number, require, resolve_payment_type};
use crate::redemption::{self, CodeUseError};
use crate::subscription_sales::SubscriptionSale;
use crate::{Clientele, Page};

#[derive(Debug, Error)]
pub enum OrderError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the order does not exist")]
    NotFound,
    #[error("{0}")]
    Product(#[from] ProductChangeError),
    #[error("{0}")]
    State(#[from] OrderStateError),
    #[error("{0}")]
    Code(#[from] CodeChangeError),
    #[error(transparent)]
    Payment(PaymentError),
    #[error(transparent)]
    Access(AccessError),
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for OrderError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound => ErrorKind::NotFound,
            Self::Product(_) | Self::State(_) | Self::Code(_) => ErrorKind::Conflict,
            Self::Payment(error) => error.kind(),
            Self::Access(error) => error.kind(),
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => &errors.0,
            Self::Payment(error) => error.field_errors(),
            Self::Access(error) => error.field_errors(),
            _ => &[],
        }
    }
}

impl From<StorageError> for OrderError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for OrderError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::Storage(error) => error.into(),
            other => Self::Access(other),
        }
    }
}

impl From<PaymentError> for OrderError {
    fn from(error: PaymentError) -> Self {
        match error {
            PaymentError::Invalid(errors) => Self::Invalid(errors),
            PaymentError::Forbidden(forbidden) => Self::Forbidden(forbidden),
            PaymentError::Unexpected(error) => Self::Unexpected(error),
            other => Self::Payment(other),
        }
    }
}

impl From<PaymentRuleError> for OrderError {
    fn from(error: PaymentRuleError) -> Self {
        Self::Payment(error.into())
    }
}

impl From<clientele_ports::payments::ProcessorError> for OrderError {
    fn from(error: clientele_ports::payments::ProcessorError) -> Self {
        PaymentError::from(error).into()
    }
}

impl From<CodeUseError> for OrderError {
    fn from(error: CodeUseError) -> Self {
        match error {
            CodeUseError::Invalid(errors) => Self::Invalid(errors),
            CodeUseError::Change(change) => Self::Code(change),
            CodeUseError::Storage(error) => error.into(),
            CodeUseError::Refused(refused) => {
                Self::Invalid(ValidationErrors::single("code", refused.to_string()))
            }
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> OrderError {
    OrderError::Invalid(ValidationErrors::single(field, message))
}

/// How a sale is paid.
#[derive(Debug, Clone)]
pub enum SalePayment {
    /// Charged to one of the client's stored cards.
    Card(PaymentMethodId),
    /// Paid at the desk, with one of the business's payment types (default: its first).
    Manual(Option<String>),
    /// Invoiced and emailed to the client.
    Invoice,
}

/// CO-3: a product sold to a client.
#[derive(Debug, Clone)]
pub struct SaleInput {
    pub product_id: ProductId,
    pub client_id: ClientId,
    pub payment: SalePayment,
    /// ME-2: for a subscription product, the membership type to sell it as; needed only
    /// when several types sell the product.
    pub membership_type_id: Option<MembershipTypeId>,
}

/// What a sale made.
#[derive(Debug, Clone)]
pub struct Sold {
    pub order: Order,
    pub code: Code,
    /// ME-2: the membership a subscription's sale started.
    pub membership: Option<Membership>,
}

/// CO-6: what cancelling an order asks for on top.
#[derive(Debug, Clone, Copy, Default)]
pub struct CancelOrderOptions {
    /// Give back everything paid and not refunded yet (AP-8's rules).
    pub refund: bool,
}

/// An order and its code, as a cancellation left them.
#[derive(Debug, Clone)]
pub struct Cancelled {
    pub order: Order,
    pub code: Code,
}

/// CO-8: which orders to list: every filter given must hold; days are the business's.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub product: Option<ProductId>,
    pub family: Option<Family>,
    pub client: Option<ClientId>,
    /// Made on this day or later.
    pub from: Option<NaiveDate>,
    /// Made on this day or earlier.
    pub until: Option<NaiveDate>,
}

impl OrderFilter {
    fn query(&self, zone: TimeZone) -> OrderQuery {
        OrderQuery {
            product: self.product,
            family: self.family,
            client: self.client,
            from: self.from.map(|day| zone.start_of(day)),
            until: self
                .until
                .and_then(|day| day.succ_opt())
                .map(|day| zone.start_of(day)),
        }
    }
}

/// CO-8: an export running page by page; each page is read in a transaction of its own.
#[derive(Debug, Clone)]
pub struct OrderExport {
    actor: Actor,
    query: OrderQuery,
    after: Option<(DateTime<Utc>, OrderId)>,
    done: bool,
}

const ORDERS: &str = "orders";
/// Rows per page of an export.
const EXPORT_PAGE: u32 = 1000;

impl Clientele {
    /// CO-3: sells a product to a client: takes the payment (the key makes a retry
    /// charge nothing more), then stores the order and its code together.
    pub async fn sell_product(
        &self,
        actor: &Actor,
        input: &SaleInput,
        key: &str,
        completion: Option<Completion<Sold>>,
    ) -> Result<Sold, OrderError> {
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let product = tx
            .product(actor.business_id, input.product_id)
            .await?
            .ok_or_else(|| invalid("product_id", "no such product"))?;
        product.ensure_on_sale()?;
        let client = visible_client(tx.as_mut(), actor, input.client_id)
            .await
            .map_err(|e| match e {
                AccessError::ClientNotFound => invalid("client_id", "no such client"),
                other => other.into(),
            })?;
        let now = self.clock.now();
        let order_id = OrderId::from_uuid(self.ids.new_id());
        let planned = match product.details.kind.family() {
            Family::Subscription => {
                let sale = SubscriptionSale {
                    business: &business,
                    product: &product,
                    client: &client,
                    payment: &input.payment,
                    type_id: input.membership_type_id,
                    order_id,
                };
                Some(self.plan_subscription(tx.as_mut(), &sale).await?)
            }
            _ => None,
        };
        let price = match &planned {
            Some(planned) => planned.price(&product)?,
            None => product.details.price,
        };
        let charge_key = format!("{}:sale:{key}", actor.business_id);
        let (settlement, paid) = match &input.payment {
            SalePayment::Card(method) => {
                let method = tx
                    .payment_method(actor.business_id, *method)
                    .await?
                    .filter(|m| m.client_id == client.id())
                    .ok_or_else(|| {
                        invalid("payment.payment_method_id", "no such card for this client")
                    })?;
                let processor = self.processor(method.processor)?;
                require(processor.as_ref(), "cards", processor.capabilities().cards)?;
                let reference = if price.is_zero() {
                    String::from("no-charge")
                } else {
                    processor
                        .charge(&ChargeRequest {
                            card_token: Some(method.token.clone()),
                            mandate: None,
                            amount: price,
                            idempotency_key: charge_key,
                        })
                        .await?
                };
                let settlement = Settlement::Card {
                    processor: processor.kind(),
                    brand: method.brand,
                    last4: method.last4,
                    reference,
                };
                (settlement, price)
            }
            SalePayment::Manual(payment_type) => {
                let payment_type = resolve_payment_type(&business, payment_type.as_deref())?;
                let processor = self.processor(clientele_domain::payment::ProcessorKind::Manual)?;
                let reference = if price.is_zero() {
                    String::from("no-charge")
                } else {
                    processor
                        .charge(&ChargeRequest {
                            card_token: None,
                            mandate: None,
                            amount: price,
                            idempotency_key: charge_key,
                        })
                        .await?
                };
                (
                    Settlement::Manual {
                        payment_type,
                        reference,
                    },
                    price,
                )
            }
            SalePayment::Invoice => {
                let processor = self.processor(business.settings.active_processor)?;
                require(
                    processor.as_ref(),
                    "invoices",
                    processor.capabilities().invoices,
                )?;
                let to = client.email().ok_or_else(|| {
                    invalid(
                        "client_id",
                        "the client has no email address to send the invoice to",
                    )
                })?;
                let number = invoice_number(&business, now, order_id.as_uuid());
                let content = order_invoice(
                    business.name.as_str(),
                    client.first_name().as_str(),
                    product.details.name.as_str(),
                    &number,
                    price,
                );
                self.enqueue(
                    tx.as_mut(),
                    &business,
                    None,
                    EmailKind::Invoice,
                    to,
                    content,
                )
                .await?;
                (
                    Settlement::Invoice { number },
                    Money::zero(price.currency()),
                )
            }
        };
        let code_id = CodeId::from_uuid(self.ids.new_id());
        let code_text =
            redemption::fresh_text(tx.as_mut(), self.ids.as_ref(), actor.business_id).await?;
        let order = Order {
            id: order_id,
            business_id: actor.business_id,
            client_id: client.id(),
            product_id: product.id,
            family: product.details.kind.family(),
            code_id,
            code_text: code_text.clone(),
            price,
            settlement,
            paid,
            refunded: Money::zero(price.currency()),
            status: OrderStatus::Active,
            actor: actor.staff_id,
            created_at: now,
            cancelled_at: None,
            membership_id: planned.as_ref().map(|p| p.membership.id()),
            pro_rata: planned.as_ref().and_then(|p| p.pro_rata),
        };
        tx.insert_order(&order).await?;
        let owner = Owner {
            client: client.id(),
            email: client.email(),
        };
        let code = redemption::issue(
            tx.as_mut(),
            code_id,
            code_text,
            &product,
            Some(owner),
            Origin::Purchase(order.id),
            business.settings.time_zone.today(now),
            now,
        )
        .await?;
        let membership = match planned {
            Some(planned) => {
                self.start_subscription(tx.as_mut(), &business, &planned.membership, code_id, now)
                    .await?;
                Some(planned.membership)
            }
            None => None,
        };
        let sold = Sold {
            order,
            code,
            membership,
        };
        complete_in(tx.as_mut(), actor.business_id, completion, &sold).await?;
        tx.commit().await?;
        Ok(sold)
    }

    /// An order of a client the actor may see.
    pub async fn order(&self, actor: &Actor, id: OrderId) -> Result<Order, OrderError> {
        let mut tx = self.storage.read().await?;
        let order = tx
            .order(actor.business_id, id)
            .await?
            .ok_or(OrderError::NotFound)?;
        visible_client(tx.as_mut(), actor, order.client_id)
            .await
            .map_err(|e| match e {
                AccessError::ClientNotFound => OrderError::NotFound,
                other => other.into(),
            })?;
        Ok(order)
    }

    /// CO-8: orders newest first, filtered. One client's orders for any member who sees
    /// the client; the whole business's for members who see every site.
    pub async fn list_orders(
        &self,
        actor: &Actor,
        filter: &OrderFilter,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<OrderLine>, OrderError> {
        let mut tx = self.storage.read().await?;
        let zone = business_of(tx.as_mut(), actor).await?.settings.time_zone;
        let query = filter.query(zone);
        let listing = order_listing(actor, &query);
        let after: Option<(DateTime<Utc>, OrderId)> = self.cursors.decode_opt(&listing, cursor)?;
        match query.client {
            Some(client) => {
                visible_client(tx.as_mut(), actor, client).await?;
            }
            None => {
                require_whole_business(tx.as_mut(), actor, "name a client to list their orders")
                    .await?;
            }
        }
        let rows = tx
            .orders(actor.business_id, &query, after, limit.get() + 1)
            .await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |l| {
            (l.order.created_at, l.order.id)
        }))
    }

    /// CO-8: starts an export of the orders matching `query` (owner, admin): every
    /// order made with a sale (codes added without one have no order), newest first.
    pub async fn export_orders(
        &self,
        actor: &Actor,
        filter: &OrderFilter,
    ) -> Result<OrderExport, OrderError> {
        actor.require(Permission::Export)?;
        let mut tx = self.storage.read().await?;
        require_whole_business(tx.as_mut(), actor, "an export names clients of every site").await?;
        let zone = business_of(tx.as_mut(), actor).await?.settings.time_zone;
        Ok(OrderExport {
            actor: actor.clone(),
            query: filter.query(zone),
            after: None,
            done: false,
        })
    }

    /// The export's next page of rows; `None` when it is over.
    pub async fn export_page(
        &self,
        export: &mut OrderExport,
    ) -> Result<Option<Vec<OrderExportLine>>, OrderError> {
        if export.done {
            return Ok(None);
        }
        let mut tx = self.storage.read().await?;
        let rows = tx
            .order_export_page(
                export.actor.business_id,
                &export.query,
                export.after,
                EXPORT_PAGE,
            )
            .await?;
        drop(tx);
        export.done = rows.len() < EXPORT_PAGE as usize;
        export.after = rows.last().map(|l| (l.created_at, l.id));
        Ok((!rows.is_empty()).then_some(rows))
    }

    /// CO-6: cancels an order and its code (owner, admin); with `refund`, gives back
    /// what was paid through the processor that took it — or, if it cannot refund,
    /// refuses and cancels nothing.
    pub async fn cancel_order(
        &self,
        actor: &Actor,
        id: OrderId,
        options: CancelOrderOptions,
        key: &str,
        completion: Option<Completion<Cancelled>>,
    ) -> Result<Cancelled, OrderError> {
        actor.require(Permission::Delete)?;
        let mut tx = self.storage.begin().await?;
        let mut order = tx
            .order_for_update(actor.business_id, id)
            .await?
            .ok_or(OrderError::NotFound)?;
        visible_client(tx.as_mut(), actor, order.client_id)
            .await
            .map_err(|e| match e {
                AccessError::ClientNotFound => OrderError::NotFound,
                other => other.into(),
            })?;
        let now = self.clock.now();
        order.cancel(now)?;
        let refundable = order.refundable();
        if options.refund && !refundable.is_zero() {
            let business = business_of(tx.as_mut(), actor).await?;
            actor.require_refund(business.settings.staff_may_refund)?;
            let (kind, reference) = order
                .settlement
                .processor()
                .ok_or_else(|| invalid("refund", "nothing was taken for this order"))?;
            let processor = self.processor(kind)?;
            require(
                processor.as_ref(),
                "refunds",
                processor.capabilities().refunds,
            )?;
            processor
                .refund(&RefundRequest {
                    charge_reference: reference.to_owned(),
                    amount: refundable,
                    idempotency_key: format!("{}:refund:{key}", order.id),
                })
                .await?;
            order.record_refund(refundable)?;
        }
        tx.update_order(&order).await?;
        let mut code = tx
            .code_for_update(actor.business_id, order.code_id)
            .await?
            .ok_or_else(|| StorageError::Unexpected("an order's code is missing".into()))?;
        if code.status() == Status::Active {
            let version = code.version();
            code.cancel(now)?;
            tx.update_code(&code, version, &[]).await?;
        }
        let cancelled = Cancelled { order, code };
        complete_in(tx.as_mut(), actor.business_id, completion, &cancelled).await?;
        tx.commit().await?;
        Ok(cancelled)
    }
}

/// The listing an orders cursor belongs to: its filters included, so a cursor is never
/// used with other filters.
fn order_listing(actor: &Actor, query: &OrderQuery) -> Listing {
    let show = |id: Option<String>| id.unwrap_or_default();
    Listing::of(actor.business_id, ORDERS)
        .with("product", show(query.product.map(|p| p.to_string())))
        .with("family", show(query.family.map(|f| f.as_str().to_owned())))
        .with("client", show(query.client.map(|c| c.to_string())))
        .with("from", show(query.from.map(|t| t.to_rfc3339())))
        .with("until", show(query.until.map(|t| t.to_rfc3339())))
}
