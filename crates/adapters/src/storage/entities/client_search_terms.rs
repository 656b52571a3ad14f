//! Row of `client_search_terms`: a string search finds a client by, as a prefix, with
//! the client's name keys so that what a term range finds is sorted without the client
//! rows (CL-5 to CL-7). `field` says what the term comes from: `f` or `l`, a tail of the
//! folded first or last name from an inner word on ("cruz" in "de la cruz"); `e` or
//! `p`, a suffix of the email key or of the phone digits.

use sea_orm::entity::prelude::*;

/// `field` of a tail of the folded first name.
pub(crate) const FIRST_NAME_TAIL: &str = "f";
/// `field` of a tail of the folded last name.
pub(crate) const LAST_NAME_TAIL: &str = "l";
/// `field` of a suffix of the email key.
pub(crate) const EMAIL_SUFFIX: &str = "e";
/// `field` of a suffix of the phone digits.
pub(crate) const PHONE_SUFFIX: &str = "p";

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_search_terms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub field: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub term: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: Uuid,
    pub last_name_key: String,
    pub first_name_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
