//! Row of `businesses` (tenants). Here `id` is the business id itself.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "businesses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub time_zone: String,
    pub currency: String,
    pub merge_on_identical_name: bool,
    pub client_accounts_enabled: bool,
    pub client_change_notice_hours: i32,
    /// PL-20: the processor that takes payments (`stub_card`, `manual`).
    pub active_processor: String,
    /// PL-20: the manual processor's payment types, a JSON array of strings.
    pub payment_types: String,
    /// AP-8: whether the `staff` role may refund.
    pub staff_may_refund: bool,
    /// ME-8: the dunning policy, as `DunningPolicy::to_setting` writes it.
    pub dunning: String,
    /// PL-25: a test business; `test_clock` and `test_clock_worked_to` are set then.
    pub test_mode: bool,
    pub test_clock: Option<DateTimeUtc>,
    pub test_clock_worked_to: Option<DateTimeUtc>,
    pub default_country: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
