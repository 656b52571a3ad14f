//! Row of `code_ledger` (CO-12): one change of a code's balance, numbered from 1 per
//! code. Never updated or deleted (the database's triggers refuse it).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "code_ledger")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub code_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i32,
    pub at: DateTimeUtc,
    /// The staff member who made it (no foreign key), if one did.
    pub actor_id: Option<Uuid>,
    /// `purchase` (with `order_id`), `grant`, `redemption` and `give_back` (with
    /// `appointment_id`), `refresh`, `staff_edit`, `expiry`.
    pub reason: String,
    pub appointment_id: Option<Uuid>,
    pub order_id: Option<Uuid>,
    pub delta: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
