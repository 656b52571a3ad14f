//! Row of `membership_charges` (ME-7, ME-9): one attempt at charging one period of a
//! membership, its amount in integer minor units of `currency`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "membership_charges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub membership_id: Uuid,
    pub period_start: Date,
    /// Unique in the business.
    pub idempotency_key: String,
    pub amount_minor: i64,
    pub currency: String,
    pub processor: String,
    pub payment_type: Option<String>,
    pub reference: Option<String>,
    pub message: Option<String>,
    pub attempt: i32,
    /// `pending`, `succeeded`, `declined` or `failed`.
    pub status: String,
    pub created_at: DateTimeUtc,
    /// Set exactly when it is no longer pending.
    pub settled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
