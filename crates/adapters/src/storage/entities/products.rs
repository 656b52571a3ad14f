//! Row of `products` (CO-1): what a business sells. The kind's shape is in its optional
//! columns; the appointment types it covers are `product_appointment_types` rows (none:
//! every type).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// `package`, `gift_certificate` or `subscription`.
    pub kind: String,
    /// The count of a package, an appointment gift certificate or a subscription.
    pub appointments: Option<i32>,
    /// A money gift certificate's value, in `currency`.
    pub value_minor: Option<i64>,
    /// A subscription's period: `week`, `month` or `year`, every `period_every`.
    pub period_unit: Option<String>,
    pub period_every: Option<i32>,
    pub rollover: bool,
    pub price_minor: i64,
    /// ISO-4217, of the price and of a gift certificate's value.
    pub currency: String,
    pub validity_days: Option<i32>,
    pub validity_months: Option<i32>,
    pub archived: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
