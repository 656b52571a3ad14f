//! Row of `clients`, with the folded keys the list sorts and searches by.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub first_name_key: String,
    pub last_name_key: String,
    pub email: Option<String>,
    pub email_key: Option<String>,
    /// As typed.
    pub phone: Option<String>,
    /// Digits with an optional leading `+`.
    pub phone_digits: Option<String>,
    pub banned: bool,
    pub has_account: bool,
    /// CL-12: the free, staff-only "client notes" field.
    pub client_notes: Option<String>,
    pub client_since: Date,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub admin_updated_at: DateTimeUtc,
    pub version: i64,
    /// The ids of the client's sites and of its labels, comma-separated, sorted (as 32
    /// lowercase hex digits each): copies of its `client_sites` and `client_labels` rows,
    /// written with them, so that a page of clients is read from `clients` alone.
    pub site_ids: String,
    pub label_ids: String,
    /// CL-24: whether the client may have `client_field_values` rows; set when it is
    /// written with values, left set when a deleted field takes them.
    pub has_custom_values: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
