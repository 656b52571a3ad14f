//! Row of `consent_ledger`: one opt-in or opt-out of a client (CL-13), never updated.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_ledger")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    /// No foreign key: the evidence outlives the preference.
    pub preference_id: Uuid,
    pub opted_in: bool,
    /// `staff`, `client`, `import`.
    pub source: String,
    /// The staff member who recorded it, if staff did (no foreign key).
    pub actor_id: Option<Uuid>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
