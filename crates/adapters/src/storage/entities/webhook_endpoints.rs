//! Row of `webhook_endpoints` (PL-24). `events` holds the event types' names, sorted,
//! separated by spaces; secrets are `whsec_…` as shown.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub url: String,
    pub events: String,
    pub description: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until: Option<DateTimeUtc>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
