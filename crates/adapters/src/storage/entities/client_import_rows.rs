//! Row of `client_import_rows` (CL-15): what became of one line of an imported file.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_import_rows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub import_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line: i32,
    /// `created`, `updated`, `skipped` or `invalid`.
    pub outcome: String,
    pub client_id: Option<Uuid>,
    pub reason: Option<String>,
    /// The email key of the row's email, if it had a valid one.
    pub email_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
