//! Row of `membership_types` (ME-1): the rate in integer minor units of `currency`, the
//! period, the grants, the payment method and how the billing day is chosen.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "membership_types")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub rate_minor: i64,
    pub currency: String,
    /// `week`, `month` or `year`.
    pub period_unit: String,
    pub period_every: i32,
    /// Appointments a period: the subscription product whose code holds them, and how
    /// many (both or neither).
    pub appointments_product_id: Option<Uuid>,
    pub appointments_count: Option<i32>,
    pub credits: i32,
    /// `card`, `direct_debit` or `manual`.
    pub payment: String,
    /// `start_date`, or `fixed_day` (with the anchor columns).
    pub alignment: String,
    /// A yearly anchor's month; NULL for the other units.
    pub anchor_month: Option<i32>,
    /// A weekday 1 (Monday) to 7, or a day of the month.
    pub anchor_day: Option<i32>,
    pub prorate: bool,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
