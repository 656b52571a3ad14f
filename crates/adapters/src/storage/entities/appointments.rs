//! Row of `appointments`. Every amount is in integer minor units of the one `currency`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub type_id: Uuid,
    pub site_id: Uuid,
    pub staff_id: Option<Uuid>,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub price_minor: i64,
    /// ISO-4217, of the price, of what a code covers and of what was paid and refunded.
    pub currency: String,
    /// `scheduled` or `cancelled`.
    pub status: String,
    /// `booked`, `checked_in` or `no_show`.
    pub attendance: String,
    pub paid_minor: i64,
    pub refunded_minor: i64,
    /// CO-9: the code that pays for it, and how much of the price it covers.
    pub code_id: Option<Uuid>,
    pub covered_minor: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
    /// AC-8, AC-9: the client account it is assigned to.
    pub account_id: Option<Uuid>,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
