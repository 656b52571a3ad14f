//! Row of `credits` (ME-16): a treatment a client may book without paying, from a
//! membership's period (`membership_id`, `period_start`) or from a staff member.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    /// `period` or `staff`.
    pub origin: String,
    pub membership_id: Option<Uuid>,
    pub period_start: Option<Date>,
    pub staff_id: Option<Uuid>,
    /// `active`, `used` (with `used_for`), `revoked` or `refundable`.
    pub status: String,
    pub issued_on: Date,
    /// The appointment it was used for.
    pub used_for: Option<Uuid>,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
