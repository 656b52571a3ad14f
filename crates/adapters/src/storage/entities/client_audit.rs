//! Row of `client_audit`: one thing a staff member did to a client.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_audit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    /// The staff member who acted (no foreign key: the trail outlives them).
    pub actor_id: Uuid,
    pub at: DateTimeUtc,
    /// `banned`, `unbanned`, `updated`, `labels_changed`.
    pub action: String,
    /// For `updated`: the field and its values before and after.
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
