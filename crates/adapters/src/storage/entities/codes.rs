//! Row of `codes` (CO-3 to CO-11): what a client holds. `remaining` is always the sum of
//! the code's `code_ledger` rows, written with them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub product_id: Uuid,
    /// `package`, `gift_certificate` or `subscription`.
    pub family: String,
    pub order_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    /// 16 characters, ungrouped; unique in the business.
    pub text: String,
    /// `appointments`, or `money` (with `currency`).
    pub unit: String,
    pub currency: Option<String>,
    /// `active`, `cancelled` or `expired`.
    pub status: String,
    pub expires_on: Option<Date>,
    pub assigned_to: Option<String>,
    pub remaining: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
