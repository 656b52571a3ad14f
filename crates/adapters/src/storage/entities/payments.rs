//! Row of `payments`: one charge or refund against an appointment. Amounts are integer
//! minor units of the one `currency`; how it was paid is `means` with either the card's
//! brand and last four digits or the manual payment type.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub appointment_id: Uuid,
    pub client_id: Uuid,
    /// `charge` or `refund`.
    pub direction: String,
    pub amount_minor: i64,
    /// For a charge: how much of it was refunded so far; 0 for a refund.
    pub refunded_minor: i64,
    /// ISO-4217, of both amounts.
    pub currency: String,
    pub processor: String,
    /// `card` (with `card_brand` and `card_last4`) or `manual` (with `payment_type`).
    pub means: String,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub payment_type: Option<String>,
    /// The processor's reference of the charge or refund.
    pub reference: String,
    /// For a refund: the charge it gives money back from.
    pub refund_of: Option<Uuid>,
    pub actor_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
