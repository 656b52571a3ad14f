//! Orders (CO-3, CO-6, CO-8): selling a product to a client, the orders list and
//! cancelling an order (the export is `order_export`).

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::idempotency::KeptAnswer;
use clientele_application::orders::{
    CancelOrderOptions, Cancelled, OrderFilter, OrderLine, SaleInput, SalePayment, Sold,
};
use clientele_domain::order::{Order, OrderStatus, Settlement};
use clientele_domain::{ClientId, MembershipTypeId, OrderId, PaymentMethodId, ProductId};

use super::codes::CodeView;
use super::products::ProductKindParam;
use super::{ApiTags, page_limit};
use crate::idempotency::{IdempotencyKey, Replayable, once, request_key};
use crate::problem::can::*;
use crate::problem::{ProblemResponse, Problems};
use crate::security::StaffToken;
use crate::text::{Amount, Text, opt};

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum OrderStatusView {
    Active,
    /// Cancelled, with its code (CO-6).
    Cancelled,
}

/// How an order was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum SaleMethod {
    /// One of the client's stored cards (`payment_method_id`).
    Card,
    /// Paid at the desk (`payment_type`, default the business's first).
    Manual,
    /// Invoiced: emailed to the client, not paid yet.
    Invoice,
}

/// An order (CO-3).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OrderView {
    pub id: Uuid,
    pub client_id: Uuid,
    pub product_id: Uuid,
    pub kind: ProductKindParam,
    /// The code it bought.
    pub code_id: Uuid,
    pub price: Amount,
    pub currency: String,
    pub method: SaleMethod,
    /// For a card: its brand and last four digits.
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    /// For a payment at the desk.
    pub payment_type: Option<String>,
    /// For an invoice.
    pub invoice_number: Option<String>,
    pub paid: Amount,
    pub refunded: Amount,
    pub status: OrderStatusView,
    /// The staff member who sold it.
    pub sold_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// ME-2: the membership a subscription's sale started.
    pub membership_id: Option<Uuid>,
    /// ME-17: a mid-cycle start's pro-rated days, charged with the fee of the first
    /// whole period: `price` is `fee` plus `amount`.
    pub pro_rata: Option<ProRataView>,
}

/// ME-17: what a mid-cycle start of a membership billed on a fixed day paid on top of
/// its first whole period.
#[derive(Debug, Object)]
pub struct ProRataView {
    /// The fee: the rate of the first whole period.
    pub fee: Amount,
    /// The pro-rated amount: `fee × days / period_days`, rounded half-up to the cent.
    pub amount: Amount,
    /// The first day paid for (the start).
    pub from: NaiveDate,
    /// The first fixed billing day, the first day of the first whole period.
    pub until: NaiveDate,
    pub days: u32,
    /// The days of the period the start falls in.
    pub period_days: u32,
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        let (method, card_brand, card_last4, payment_type, invoice_number) = match &o.settlement {
            Settlement::Card { brand, last4, .. } => (
                SaleMethod::Card,
                Some(brand.clone()),
                Some(last4.clone()),
                None,
                None,
            ),
            Settlement::Manual { payment_type, .. } => (
                SaleMethod::Manual,
                None,
                None,
                Some(payment_type.as_str().to_owned()),
                None,
            ),
            Settlement::Invoice { number } => {
                (SaleMethod::Invoice, None, None, None, Some(number.clone()))
            }
        };
        Self {
            id: o.id.as_uuid(),
            client_id: o.client_id.as_uuid(),
            product_id: o.product_id.as_uuid(),
            kind: o.family.into(),
            code_id: o.code_id.as_uuid(),
            price: Amount(o.price.amount_text()),
            currency: o.price.currency().code().to_owned(),
            method,
            card_brand,
            card_last4,
            payment_type,
            invoice_number,
            paid: Amount(o.paid.amount_text()),
            refunded: Amount(o.refunded.amount_text()),
            status: match o.status {
                OrderStatus::Active => OrderStatusView::Active,
                OrderStatus::Cancelled => OrderStatusView::Cancelled,
            },
            sold_by: o.actor.as_uuid(),
            created_at: o.created_at,
            cancelled_at: o.cancelled_at,
            membership_id: o.membership_id.map(|id| id.as_uuid()),
            pro_rata: o.pro_rata.map(|part| ProRataView {
                fee: Amount(o.fee().amount_text()),
                amount: Amount(part.amount.amount_text()),
                from: part.from,
                until: part.until,
                days: part.days,
                period_days: part.period_days,
            }),
        }
    }
}

/// An order in the list, with what it names.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OrderLineView {
    pub order: OrderView,
    pub client_first_name: String,
    pub client_last_name: String,
    pub client_email: Option<String>,
    pub product_name: String,
    /// The code's text, grouped by four.
    pub code: String,
}

impl From<&OrderLine> for OrderLineView {
    fn from(l: &OrderLine) -> Self {
        Self {
            order: (&l.order).into(),
            client_first_name: l.client_first_name.clone(),
            client_last_name: l.client_last_name.clone(),
            client_email: l.client_email.clone(),
            product_name: l.product_name.clone(),
            code: l.order.code_text.to_string(),
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OrderPage {
    pub items: Vec<OrderLineView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// An order and its code, as a sale or a cancellation left them.
#[derive(Debug, Object)]
pub struct OrderCodeView {
    pub order: OrderView,
    pub code: CodeView,
}

/// CO-3: a product sold to a client.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none)]
pub struct SaleParams {
    pub product_id: Uuid,
    pub client_id: Uuid,
    pub method: SaleMethod,
    /// For `card`: one of the client's stored cards.
    pub payment_method_id: Option<Uuid>,
    /// For `manual`: one of the business's payment types.
    pub payment_type: Option<Text>,
    /// ME-2: a subscription product is sold as a membership of the type linked to it;
    /// name the type only when several are.
    pub membership_type_id: Option<Uuid>,
}

/// CO-6: a cancellation.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct OrderCancelParams {
    /// Refund what was paid (owner, admin, or staff where the business allows it);
    /// refused as a whole (nothing cancelled) if the processor cannot refund.
    #[oai(default)]
    pub refund: bool,
}

#[derive(ApiResponse)]
pub enum SaleResponse {
    /// The order and its code were created.
    #[oai(status = 201)]
    Created(Json<OrderCodeView>),
}

impl Replayable for SaleResponse {
    fn stored(&self) -> KeptAnswer {
        let Self::Created(body) = self;
        KeptAnswer {
            status: 201,
            body: body.0.to_json_string(),
        }
    }

    fn replayed(stored: &KeptAnswer) -> Option<Self> {
        (stored.status == 201)
            .then(|| OrderCodeView::parse_from_json_string(&stored.body).ok())
            .flatten()
            .map(|view| Self::Created(Json(view)))
    }
}

fn sold_view(sold: &Sold) -> SaleResponse {
    SaleResponse::Created(Json(OrderCodeView {
        order: (&sold.order).into(),
        code: (&sold.code).into(),
    }))
}

fn cancelled_view(cancelled: &Cancelled) -> Json<OrderCodeView> {
    Json(OrderCodeView {
        order: (&cancelled.order).into(),
        code: (&cancelled.code).into(),
    })
}

/// The list's filters (CO-8).
pub(super) fn filter(
    product_id: Option<Uuid>,
    kind: Option<ProductKindParam>,
    client_id: Option<Uuid>,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> OrderFilter {
    OrderFilter {
        product: product_id.map(ProductId::from_uuid),
        family: kind.map(Into::into),
        client: client_id.map(ClientId::from_uuid),
        from,
        until,
    }
}

pub struct OrdersApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Orders")]
impl OrdersApi {
    /// Sell a product to a client (CO-3): takes the payment, then creates the order and
    /// its code together. With an `Idempotency-Key`, a retry charges nothing more.
    #[oai(path = "/orders", method = "post", operation_id = "sell_product")]
    async fn sell(
        &self,
        auth: StaffToken,
        #[oai(name = "Idempotency-Key")] key: Header<Option<IdempotencyKey>>,
        body: Json<SaleParams>,
    ) -> Result<
        SaleResponse,
        Problems<{ UNAUTHENTICATE | FORBID | CONFLICT | TAKE_BODY | BREAK_RULE | BE_UNAVAILABLE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let request_key = request_key(key.0.as_deref());
        let (app, who, p) = (&self.app, &actor, &body.0);
        let payment = match (p.method, p.payment_method_id) {
            (SaleMethod::Card, Some(card)) => SalePayment::Card(PaymentMethodId::from_uuid(card)),
            (SaleMethod::Card, None) => {
                return Err(ProblemResponse::unprocessable(
                    "payment_method_id",
                    "the stored card to charge",
                )
                .into());
            }
            (SaleMethod::Manual, _) => SalePayment::Manual(opt(p.payment_type.clone())),
            (SaleMethod::Invoice, _) => SalePayment::Invoice,
        };
        let input = SaleInput {
            product_id: ProductId::from_uuid(p.product_id),
            client_id: ClientId::from_uuid(p.client_id),
            payment,
            membership_type_id: p.membership_type_id.map(MembershipTypeId::from_uuid),
        };
        once(
            app,
            who,
            key.0.as_deref(),
            "sell_product",
            p,
            sold_view,
            |completion| async move {
                Ok(app
                    .sell_product(who, &input, &request_key, completion)
                    .await?)
            },
        )
        .await
        .map_err(Into::into)
    }

    /// Orders, newest first (CO-8). Without `client_id`, for members who see every site.
    #[oai(path = "/orders", method = "get", operation_id = "list_orders")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: StaffToken,
        product_id: Query<Option<Uuid>>,
        kind: Query<Option<ProductKindParam>>,
        client_id: Query<Option<Uuid>>,
        /// Made on this day or later (the business's time zone).
        from: Query<Option<NaiveDate>>,
        /// Made on this day or earlier.
        until: Query<Option<NaiveDate>>,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<OrderPage>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let filter = filter(product_id.0, kind.0, client_id.0, from.0, until.0);
        let page = self
            .app
            .list_orders(&actor, &filter, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(OrderPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// One order.
    #[oai(path = "/orders/:id", method = "get", operation_id = "get_order")]
    async fn get(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<OrderView>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let order = self.app.order(&actor, OrderId::from_uuid(id.0)).await?;
        Ok(Json((&order).into()))
    }

    /// Cancel an order and its code (owner, admin; CO-6), refunding it if asked.
    #[oai(
        path = "/orders/:id/cancel",
        method = "post",
        operation_id = "cancel_order"
    )]
    async fn cancel(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: Header<Option<IdempotencyKey>>,
        body: Json<OrderCancelParams>,
    ) -> Result<
        Json<OrderCodeView>,
        Problems<
            {
                MALFORM
                    | UNAUTHENTICATE
                    | FORBID
                    | MISS
                    | CONFLICT
                    | TAKE_BODY
                    | BREAK_RULE
                    | BE_UNAVAILABLE
            },
        >,
    > {
        let actor = auth.actor(&self.app).await?;
        let request_key = request_key(key.0.as_deref());
        let (app, who, p) = (&self.app, &actor, &body.0);
        once(
            app,
            who,
            key.0.as_deref(),
            &format!("cancel_order:{}", id.0),
            p,
            cancelled_view,
            |completion| async move {
                Ok(app
                    .cancel_order(
                        who,
                        OrderId::from_uuid(id.0),
                        CancelOrderOptions { refund: p.refund },
                        &request_key,
                        completion,
                    )
                    .await?)
            },
        )
        .await
        .map_err(Into::into)
    }
}
