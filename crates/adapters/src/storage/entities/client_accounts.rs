//! Row of `client_accounts`: a client account (AC-1) with its password hash.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    pub email_key: String,
    pub password_hash: String,
    pub verified_at: Option<DateTimeUtc>,
    pub terms_version: String,
    pub terms_accepted_at: DateTimeUtc,
    pub privacy_version: String,
    pub privacy_acknowledged_at: DateTimeUtc,
    pub sign_up_appointment_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
