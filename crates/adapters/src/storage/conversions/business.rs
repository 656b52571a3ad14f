//! `businesses` rows ↔ [`Business`], its settings' payment types as a JSON array.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};

use clientele_domain::business::BusinessName;
use clientele_domain::contact::Country;
use clientele_domain::membership::DunningPolicy;
use clientele_domain::payment::{PaymentType, ProcessorKind};
use clientele_domain::test_clock::{BusinessMode, TestClock};
use clientele_domain::{Business, BusinessSettings, Currency, TimeZone, Version};
use clientele_ports::StorageError;

use super::{corrupt, instant};
use crate::storage::entities::businesses;

impl TryFrom<businesses::Model> for Business {
    type Error = StorageError;

    fn try_from(row: businesses::Model) -> Result<Self, Self::Error> {
        const T: &str = "businesses";
        Ok(Self {
            id: row.id.into(),
            name: BusinessName::parse(&row.name).map_err(|e| corrupt(T, "name", e.message))?,
            settings: BusinessSettings {
                time_zone: TimeZone::parse(&row.time_zone)
                    .map_err(|e| corrupt(T, "time_zone", e.message))?,
                currency: Currency::parse(&row.currency).map_err(|e| corrupt(T, "currency", e))?,
                merge_on_identical_name: row.merge_on_identical_name,
                client_accounts_enabled: row.client_accounts_enabled,
                client_change_notice_hours: u32::try_from(row.client_change_notice_hours)
                    .map_err(|e| corrupt(T, "client_change_notice_hours", e.to_string()))?,
                active_processor: ProcessorKind::parse(&row.active_processor)
                    .map_err(|e| corrupt(T, "active_processor", e.message))?,
                payment_types: payment_types(&row.payment_types)?,
                staff_may_refund: row.staff_may_refund,
                dunning: DunningPolicy::from_setting(&row.dunning)
                    .ok_or_else(|| corrupt(T, "dunning", "not a dunning policy"))?,
                default_country: (row.default_country.as_deref())
                    .map(|code| Country::parse("default_country", code))
                    .transpose()
                    .map_err(|e| corrupt(T, "default_country", e.message))?,
            },
            mode: mode(row.test_mode, row.test_clock, row.test_clock_worked_to)?,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: Version::new(row.version),
        })
    }
}

/// PL-25: `test_mode` with its clock's two instants, or live with neither.
fn mode(
    test: bool,
    moved_to: Option<DateTime<Utc>>,
    worked_to: Option<DateTime<Utc>>,
) -> Result<BusinessMode, StorageError> {
    match (test, moved_to, worked_to) {
        (false, None, None) => Ok(BusinessMode::Live),
        (true, Some(moved_to), Some(worked_to)) => Ok(BusinessMode::Test(TestClock {
            moved_to,
            worked_to,
        })),
        _ => Err(corrupt("businesses", "test_mode", "a test clock half set")),
    }
}

/// `businesses.payment_types`: a JSON array of strings, each a payment type, in the
/// order the settings keep.
fn payment_types(raw: &str) -> Result<Vec<PaymentType>, StorageError> {
    const T: &str = "businesses";
    let names: Vec<String> =
        serde_json::from_str(raw).map_err(|e| corrupt(T, "payment_types", e))?;
    names
        .iter()
        .map(|name| PaymentType::parse(name).map_err(|e| corrupt(T, "payment_types", e.message)))
        .collect()
}

fn payment_types_json(types: &[PaymentType]) -> String {
    let names: Vec<&str> = types.iter().map(PaymentType::as_str).collect();
    serde_json::Value::from(names).to_string()
}

pub(crate) fn business_row(business: &Business) -> businesses::ActiveModel {
    businesses::ActiveModel {
        id: Set(business.id.as_uuid()),
        name: Set(business.name.as_str().to_owned()),
        time_zone: Set(business.settings.time_zone.name().to_owned()),
        currency: Set(business.settings.currency.code().to_owned()),
        merge_on_identical_name: Set(business.settings.merge_on_identical_name),
        client_accounts_enabled: Set(business.settings.client_accounts_enabled),
        client_change_notice_hours: Set(i32::try_from(
            business.settings.client_change_notice_hours,
        )
        .unwrap_or(i32::MAX)),
        active_processor: Set(business.settings.active_processor.as_str().to_owned()),
        payment_types: Set(payment_types_json(&business.settings.payment_types)),
        staff_may_refund: Set(business.settings.staff_may_refund),
        dunning: Set(business.settings.dunning.to_setting()),
        default_country: Set(business
            .settings
            .default_country
            .map(|c| c.code().to_owned())),
        test_mode: Set(business.mode.is_test()),
        test_clock: Set(test_clock(business).map(|c| instant(c.moved_to))),
        test_clock_worked_to: Set(test_clock(business).map(|c| instant(c.worked_to))),
        created_at: Set(instant(business.created_at)),
        updated_at: Set(instant(business.updated_at)),
        version: Set(business.version.get()),
    }
}

fn test_clock(business: &Business) -> Option<TestClock> {
    match business.mode {
        BusinessMode::Live => None,
        BusinessMode::Test(clock) => Some(clock),
    }
}

/// The columns an update may change: not the key, not the creation instant.
pub(crate) fn business_changes(business: &Business) -> businesses::ActiveModel {
    businesses::ActiveModel {
        id: NotSet,
        created_at: NotSet,
        ..business_row(business)
    }
}
