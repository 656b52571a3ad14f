//! Businesses (tenants, PL-26) and their settings. Every other record belongs to exactly
//! one business; the settings that change behaviour live here, per business.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::contact::Country;
use crate::ids::BusinessId;
use crate::membership::{DunningInput, DunningPolicy};
use crate::money::Currency;
use crate::payment::{PaymentType, ProcessorKind};
use crate::test_clock::{BusinessMode, ClockError};
use crate::text;
use crate::validation::{FieldError, ValidationErrors, failures};
use crate::version::Version;

/// The name a business is known by, e.g. "Spa Lumière".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessName(String);

impl BusinessName {
    pub const MAX: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        text::required_line("name", raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IANA time zone such as `Europe/Paris`: calendar dates of a business are in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        raw.trim().parse::<chrono_tz::Tz>().map(Self).map_err(|_| {
            FieldError::new(
                "time_zone",
                format!("`{raw}` is not an IANA time zone (e.g. Europe/Paris)"),
            )
        })
    }

    pub fn utc() -> Self {
        Self(chrono_tz::UTC)
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// An instant as a person in this zone reads it: "Monday 23 November 2026 at 10:00
    /// (Europe/Paris)".
    pub fn describe(&self, instant: DateTime<Utc>) -> String {
        let local = instant.with_timezone(&self.0);
        format!(
            "{} at {} ({})",
            local.format("%A %-d %B %Y"),
            local.format("%H:%M"),
            self.name()
        )
    }

    /// The calendar day it is in this zone at `now`.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.0).date_naive()
    }

    /// The first instant of `day` in this zone (the earliest, where a clock change
    /// repeats midnight; the first existing one, where it skips it).
    pub fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        use chrono::TimeZone as _;
        (0..=24 * 4)
            .find_map(|quarter| {
                let local = day.and_hms_opt(0, 0, 0)? + chrono::Duration::minutes(15 * quarter);
                self.0.from_local_datetime(&local).earliest()
            })
            .map_or_else(
                || day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
                |local| local.with_timezone(&Utc),
            )
    }
}

/// Per-business settings. Later capabilities add theirs here (dunning policy, active
/// processor, labels, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessSettings {
    pub time_zone: TimeZone,
    pub currency: Currency,
    /// CL-18: editing a client to the name of another merges them. Off by default.
    pub merge_on_identical_name: bool,
    /// AC-6: whether clients may sign up and log in. On by default.
    pub client_accounts_enabled: bool,
    /// AP-3, AC-7: how many hours before an appointment starts a client may still
    /// reschedule or cancel it from their account (24 by default).
    pub client_change_notice_hours: u32,
    /// PL-20: the processor that takes payments.
    pub active_processor: ProcessorKind,
    /// PL-20: what the manual processor accepts ("cash", "cheque", …).
    pub payment_types: Vec<PaymentType>,
    /// AP-8: whether members with the `staff` role may refund (owners and admins always
    /// may). Off by default: a refund is money leaving the business.
    pub staff_may_refund: bool,
    /// ME-8: what a declined membership payment leads to (retry 1, 3 and 5 days later,
    /// then cancel, by default).
    pub dunning: DunningPolicy,
    /// PL-23: the country of the phone numbers typed without their international prefix:
    /// with one, they are kept in E.164. None by default (numbers kept as typed digits).
    pub default_country: Option<Country>,
}

/// AP-3: a client changes their appointment up to a day before, by default.
pub const DEFAULT_CHANGE_NOTICE_HOURS: u32 = 24;
/// The longest notice a business may ask for: a year.
pub const MAX_CHANGE_NOTICE_HOURS: u32 = 24 * 366;

impl BusinessSettings {
    /// Settings with the defaults: no automatic merges, the stub card processor, cash,
    /// cheque and bank transfer as payment types, and refunds by owners and admins only.
    pub fn new(time_zone: TimeZone, currency: Currency) -> Self {
        Self {
            time_zone,
            currency,
            merge_on_identical_name: false,
            client_accounts_enabled: true,
            client_change_notice_hours: DEFAULT_CHANGE_NOTICE_HOURS,
            active_processor: ProcessorKind::StubCard,
            payment_types: ["cash", "cheque", "bank_transfer"]
                .iter()
                .filter_map(|t| PaymentType::parse(t).ok())
                .collect(),
            staff_may_refund: false,
            dunning: DunningPolicy::default(),
            default_country: None,
        }
    }
}

/// A business (tenant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Business {
    pub id: BusinessId,
    pub name: BusinessName,
    pub settings: BusinessSettings,
    /// PL-25: live, or in test mode with a clock of its own.
    pub mode: BusinessMode,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: Version,
}

/// A change of a business's name or settings; `None` leaves a value as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsChanges {
    pub name: Option<BusinessName>,
    pub time_zone: Option<TimeZone>,
    pub currency: Option<Currency>,
    pub merge_on_identical_name: Option<bool>,
    pub client_accounts_enabled: Option<bool>,
    pub client_change_notice_hours: Option<u32>,
    pub active_processor: Option<ProcessorKind>,
    pub payment_types: Option<Vec<PaymentType>>,
    pub staff_may_refund: Option<bool>,
    pub dunning: Option<DunningPolicy>,
    /// `Some(None)` removes the default country.
    pub default_country: Option<Option<Country>>,
}

/// A change of settings as sent by an API consumer, before parsing.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub currency: Option<String>,
    pub merge_on_identical_name: Option<bool>,
    pub client_accounts_enabled: Option<bool>,
    pub client_change_notice_hours: Option<u32>,
    pub active_processor: Option<String>,
    pub payment_types: Option<Vec<String>>,
    pub staff_may_refund: Option<bool>,
    pub dunning: Option<DunningInput>,
    /// An ISO 3166 code; empty removes the default country.
    pub default_country: Option<String>,
}

/// Parses a currency code as the `currency` field.
pub fn parse_currency(raw: &str) -> Result<Currency, FieldError> {
    Currency::parse(raw).map_err(|e| FieldError::new("currency", e.to_string()))
}

impl SettingsChanges {
    pub fn parse(input: &SettingsInput) -> Result<Self, ValidationErrors> {
        let name = input.name.as_deref().map(BusinessName::parse).transpose();
        let time_zone = input.time_zone.as_deref().map(TimeZone::parse).transpose();
        let currency = input.currency.as_deref().map(parse_currency).transpose();
        let processor = input
            .active_processor
            .as_deref()
            .map(ProcessorKind::parse_active)
            .transpose();
        let payment_types = input
            .payment_types
            .as_ref()
            .map(|types| {
                let mut parsed = types
                    .iter()
                    .map(|t| {
                        PaymentType::parse(t)
                            .map_err(|e| FieldError::new("payment_types", e.message))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                parsed.sort_by(|a, b| a.as_str().cmp(b.as_str()));
                parsed.dedup();
                Ok(parsed)
            })
            .transpose();
        let dunning = input.dunning.as_ref().map(DunningPolicy::parse).transpose();
        let country = (input.default_country.as_deref())
            .map(|raw| match raw.trim() {
                "" => Ok(None),
                code => Country::parse("default_country", code).map(Some),
            })
            .transpose();
        let notice = match input.client_change_notice_hours {
            Some(hours) if hours > MAX_CHANGE_NOTICE_HOURS => Err(FieldError::new(
                "client_change_notice_hours",
                format!("at most {MAX_CHANGE_NOTICE_HOURS} hours (a year)"),
            )),
            hours => Ok(hours),
        };
        match (
            name,
            time_zone,
            currency,
            processor,
            payment_types,
            dunning,
            (country, notice),
        ) {
            (
                Ok(name),
                Ok(time_zone),
                Ok(currency),
                Ok(active_processor),
                Ok(payment_types),
                Ok(dunning),
                (Ok(default_country), Ok(client_change_notice_hours)),
            ) => Ok(Self {
                name,
                time_zone,
                currency,
                merge_on_identical_name: input.merge_on_identical_name,
                client_accounts_enabled: input.client_accounts_enabled,
                client_change_notice_hours,
                active_processor,
                payment_types,
                staff_may_refund: input.staff_may_refund,
                dunning,
                default_country,
            }),
            (name, time_zone, currency, processor, payment_types, dunning, (country, notice)) => {
                Err(failures([
                    name.err(),
                    time_zone.err(),
                    currency.err(),
                    processor.err(),
                    payment_types.err(),
                    dunning.err(),
                    country.err(),
                    notice.err(),
                ]))
            }
        }
    }
}

impl Business {
    /// The business's "now" when the real clock says `real` (PL-25).
    pub fn now(&self, real: DateTime<Utc>) -> DateTime<Utc> {
        self.mode.now(real)
    }

    /// The calendar day it is for the business when the real clock says `real`.
    pub fn today(&self, real: DateTime<Utc>) -> NaiveDate {
        self.settings.time_zone.today(self.now(real))
    }

    /// PL-25: moves a test business's clock forward to `to`, at `real`.
    pub fn move_clock(&mut self, to: DateTime<Utc>, real: DateTime<Utc>) -> Result<(), ClockError> {
        self.mode.move_clock(to, real)?;
        self.updated_at = real;
        self.version = self.version.next();
        Ok(())
    }

    /// Applies `changes` at `now`, moving to the next version.
    pub fn apply(&mut self, changes: SettingsChanges, now: DateTime<Utc>) {
        if let Some(name) = changes.name {
            self.name = name;
        }
        if let Some(time_zone) = changes.time_zone {
            self.settings.time_zone = time_zone;
        }
        if let Some(currency) = changes.currency {
            self.settings.currency = currency;
        }
        if let Some(merge) = changes.merge_on_identical_name {
            self.settings.merge_on_identical_name = merge;
        }
        if let Some(enabled) = changes.client_accounts_enabled {
            self.settings.client_accounts_enabled = enabled;
        }
        if let Some(hours) = changes.client_change_notice_hours {
            self.settings.client_change_notice_hours = hours;
        }
        if let Some(country) = changes.default_country {
            self.settings.default_country = country;
        }
        if let Some(processor) = changes.active_processor {
            self.settings.active_processor = processor;
        }
        if let Some(types) = changes.payment_types {
            self.settings.payment_types = types;
        }
        if let Some(allowed) = changes.staff_may_refund {
            self.settings.staff_may_refund = allowed;
        }
        if let Some(dunning) = changes.dunning {
            self.settings.dunning = dunning;
        }
        self.updated_at = now;
        self.version = self.version.next();
    }
}

#[cfg(test)]
mod zone_tests {
    use super::*;

    #[test]
    fn ap_3_the_notice_for_clients_changes_is_at_most_a_year() {
        let too_long = SettingsInput {
            client_change_notice_hours: Some(MAX_CHANGE_NOTICE_HOURS + 1),
            ..SettingsInput::default()
        };
        let errors = SettingsChanges::parse(&too_long).unwrap_err();
        assert_eq!(errors.0[0].field, "client_change_notice_hours");
        let none = SettingsInput {
            client_change_notice_hours: Some(0),
            ..SettingsInput::default()
        };
        assert_eq!(
            SettingsChanges::parse(&none)
                .unwrap()
                .client_change_notice_hours,
            Some(0)
        );
    }

    #[test]
    fn a_day_starts_at_local_midnight_or_the_first_instant_after_a_skipped_one() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let paris = TimeZone::parse("Europe/Paris").unwrap();
        let santiago = TimeZone::parse("America/Santiago").unwrap();
        assert_eq!(
            paris.start_of(day(2027, 1, 15)).to_rfc3339(),
            "2027-01-14T23:00:00+00:00"
        );
        // Chile moves its clocks at midnight: 2026-09-06 starts at 01:00 local (-03).
        assert_eq!(
            santiago.start_of(day(2026, 9, 6)).to_rfc3339(),
            "2026-09-06T04:00:00+00:00"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn today_is_the_calendar_day_in_the_business_time_zone() {
        let paris = TimeZone::parse("Europe/Paris").unwrap();
        let late_utc = Utc.with_ymd_and_hms(2026, 11, 22, 23, 30, 0).unwrap();
        assert_eq!(
            paris.today(late_utc),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        assert_eq!(
            TimeZone::utc().today(late_utc),
            NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
        );
        assert!(TimeZone::parse("Mars/Olympus").is_err());
    }
}
