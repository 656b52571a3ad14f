//! Row of `platform_bootstrap`: at most one, recording which business the first start
//! created.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "platform_bootstrap")]
pub struct Model {
    /// Always 1: the primary key makes a second bootstrap a unique violation.
    #[sea_orm(primary_key, auto_increment = false)]
    pub singleton: i32,
    pub business_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
