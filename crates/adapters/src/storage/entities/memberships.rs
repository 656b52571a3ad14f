//! Row of `memberships` (ME-2): the membership, its schedule and payment method spread
//! over columns, and the billing worker's `due_at` and claim.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "memberships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The sequence of its membership number; unique in the business.
    pub number: i64,
    pub client_id: Uuid,
    pub type_id: Uuid,
    pub rate_minor: i64,
    pub currency: String,
    /// The rate is its own, not the type's.
    pub individual_rate: bool,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub member_since: Date,
    /// `active`, `cancelled`, `expired` or `needs_attention` (with `attention_reason`).
    pub status: String,
    pub attention_reason: Option<String>,
    pub period_unit: String,
    pub period_every: i32,
    /// A yearly anchor's month; NULL for the other units.
    pub anchor_month: Option<i32>,
    /// A weekday 1 (Monday) to 7, or a day of the month.
    pub anchor_day: i32,
    pub next_billing_date: Date,
    /// `card` (the `card_*` columns), `direct_debit` (the `mandate_*` columns, or none)
    /// or `manual`.
    pub payment_method: String,
    pub card_processor: Option<String>,
    pub card_token: Option<String>,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub mandate_reference: Option<String>,
    pub mandate_status: Option<String>,
    pub dunning_period_start: Option<Date>,
    pub dunning_first_declined_on: Option<Date>,
    pub dunning_attempts: Option<i32>,
    pub dunning_next_attempt_on: Option<Date>,
    pub paused_until: Option<Date>,
    pub cancelled_on: Option<Date>,
    pub order_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    /// When the billing worker must next look at it; NULL: never.
    pub due_at: Option<DateTimeUtc>,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
