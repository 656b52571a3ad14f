//! Row of `orders` (CO-3): a product sold to a client. Amounts are integer minor units of
//! the one `currency`; how it was settled is `method` with its own columns.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub product_id: Uuid,
    /// `package`, `gift_certificate` or `subscription`.
    pub family: String,
    /// The code it bought (no foreign key: the code refers to the order).
    pub code_id: Uuid,
    /// The code's text (it never changes): the list names it without reading `codes`.
    pub code_text: String,
    pub price_minor: i64,
    /// ISO-4217, of every amount.
    pub currency: String,
    /// `card` (`processor`, `card_brand`, `card_last4`, `reference`), `manual`
    /// (`payment_type`, `reference`) or `invoice` (`invoice_number`).
    pub method: String,
    pub processor: Option<String>,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub payment_type: Option<String>,
    pub reference: Option<String>,
    pub invoice_number: Option<String>,
    pub paid_minor: i64,
    pub refunded_minor: i64,
    /// `active` or `cancelled`.
    pub status: String,
    /// Who sold it (no foreign key).
    pub actor_id: Uuid,
    pub created_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
    /// ME-2: the membership a subscription's sale started.
    pub membership_id: Option<Uuid>,
    /// ME-17: the pro-rated part of a mid-cycle start (all five, or none).
    pub prorata_from: Option<Date>,
    pub prorata_until: Option<Date>,
    pub prorata_days: Option<i32>,
    pub prorata_period_days: Option<i32>,
    pub prorata_minor: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
