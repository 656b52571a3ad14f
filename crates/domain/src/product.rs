//! Products (CO-1, CO-2): what a business sells to be used for appointments later — a
//! package of appointments, a gift certificate (money or appointments), or a subscription
//! (appointments per period, renewed at the product's price). Codes refer to their
//! product: editing it applies to every holder and never touches a code's balance.

use chrono::{DateTime, Days, Months, NaiveDate, Utc};

use crate::ids::{AppointmentTypeId, BusinessId, ProductId};
use crate::money::{Currency, Money};
use crate::text;
use crate::validation::{FieldError, ValidationErrors, failures};
use crate::version::Version;

/// A product's name, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductName(String);

impl ProductName {
    pub const MAX: usize = 120;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        text::required_line("name", raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A number of appointments a product gives: 1 to [`Appointments::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Appointments(u32);

impl Appointments {
    pub const MAX: u32 = 1000;

    pub fn parse(field: &str, raw: i64) -> Result<Self, FieldError> {
        u32::try_from(raw)
            .ok()
            .filter(|n| (1..=Self::MAX).contains(n))
            .map(Self)
            .ok_or_else(|| {
                FieldError::new(field, format!("{raw} is out of range: 1 to {}", Self::MAX))
            })
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// The unit of a subscription's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodUnit {
    Week,
    Month,
    Year,
}

impl PeriodUnit {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            "year" => Some(Self::Year),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
        }
    }
}

/// A subscription's period: every `every` weeks, months or years (1 to 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub every: u32,
    pub unit: PeriodUnit,
}

/// What a product is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductKind {
    /// A number of appointments.
    Package { appointments: Appointments },
    /// A money value, used up by appointment prices.
    MoneyGift { value: Money },
    /// A number of appointments, for whoever holds the code.
    AppointmentGift { appointments: Appointments },
    /// A number of appointments per period, renewed at the product's price.
    Subscription {
        appointments: Appointments,
        period: Period,
        /// Unused appointments carry over to the next period (CO-10); by default they
        /// do not.
        rollover: bool,
    },
}

/// The three families of products of CO-1, as orders and lists name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Package,
    GiftCertificate,
    Subscription,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Package => "package",
            Self::GiftCertificate => "gift_certificate",
            Self::Subscription => "subscription",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "package" => Some(Self::Package),
            "gift_certificate" => Some(Self::GiftCertificate),
            "subscription" => Some(Self::Subscription),
            _ => None,
        }
    }
}

impl ProductKind {
    /// `package`, `gift_certificate` or `subscription`.
    pub fn family(&self) -> Family {
        match self {
            Self::Package { .. } => Family::Package,
            Self::MoneyGift { .. } | Self::AppointmentGift { .. } => Family::GiftCertificate,
            Self::Subscription { .. } => Family::Subscription,
        }
    }

    pub fn name(&self) -> &'static str {
        self.family().as_str()
    }
}

/// How long a code of the product can be used after its purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Days(u32),
    Months(u32),
}

impl Validity {
    /// The last day a code bought on `purchased` can be used (a month later than 31
    /// January is the last day of February).
    pub fn last_day(self, purchased: NaiveDate) -> Option<NaiveDate> {
        match self {
            Self::Days(days) => purchased.checked_add_days(Days::new(u64::from(days))),
            Self::Months(months) => purchased.checked_add_months(Months::new(months)),
        }
    }
}

/// The appointment types a product can be used for: every one, or those listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    AllTypes,
    /// Sorted, without repeats, never empty.
    Types(Vec<AppointmentTypeId>),
}

impl Coverage {
    pub fn covers(&self, kind: AppointmentTypeId) -> bool {
        match self {
            Self::AllTypes => true,
            Self::Types(types) => types.binary_search(&kind).is_ok(),
        }
    }
}

/// A product as typed, before parsing. `kind` is `package`, `gift_certificate` or
/// `subscription`; a gift certificate has either `appointments` or `value`.
#[derive(Debug, Clone, Default)]
pub struct ProductInput {
    pub name: String,
    pub kind: String,
    pub appointments: Option<i64>,
    /// A gift certificate's money value, in the product's currency.
    pub value: Option<String>,
    /// A subscription's period: `week`, `month` or `year` …
    pub period_unit: Option<String>,
    /// … every 1 to 12 of them (default 1).
    pub period_every: Option<i64>,
    pub rollover: Option<bool>,
    pub price: String,
    /// Every appointment type when empty.
    pub appointment_types: Vec<AppointmentTypeId>,
    pub validity_days: Option<i64>,
    pub validity_months: Option<i64>,
}

/// A parsed product description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDetails {
    pub name: ProductName,
    pub kind: ProductKind,
    pub price: Money,
    pub covers: Coverage,
    pub validity: Option<Validity>,
}

impl ProductDetails {
    /// Parses `input` with prices in `currency`; every field at fault is reported.
    pub fn parse(input: &ProductInput, currency: Currency) -> Result<Self, ValidationErrors> {
        let covers = {
            let mut types = input.appointment_types.clone();
            types.sort();
            types.dedup();
            if types.is_empty() {
                Coverage::AllTypes
            } else {
                Coverage::Types(types)
            }
        };
        match (
            ProductName::parse(&input.name),
            Money::parse("price", &input.price, currency),
            parse_kind(input, currency),
            parse_validity(input),
        ) {
            (Ok(name), Ok(price), Ok(kind), Ok(validity)) => Ok(Self {
                name,
                kind,
                price,
                covers,
                validity,
            }),
            (name, price, kind, validity) => Err(failures([
                name.err(),
                price.err(),
                kind.err(),
                validity.err(),
            ])),
        }
    }
}

fn required_count(input: &ProductInput) -> Result<Appointments, FieldError> {
    input
        .appointments
        .ok_or_else(|| FieldError::new("appointments", "how many appointments it gives"))
        .and_then(|n| Appointments::parse("appointments", n))
}

fn parse_kind(input: &ProductInput, currency: Currency) -> Result<ProductKind, FieldError> {
    let not_for =
        |field: &str, kind: &str| FieldError::new(field, format!("a {kind} has no {field}"));
    match input.kind.as_str() {
        "package" | "subscription" if input.value.is_some() => {
            Err(not_for("value", &input.kind.replace('_', " ")))
        }
        "package" | "gift_certificate" if input.period_unit.is_some() => {
            Err(not_for("period_unit", &input.kind.replace('_', " ")))
        }
        "package" | "gift_certificate" if input.rollover.is_some() => {
            Err(not_for("rollover", &input.kind.replace('_', " ")))
        }
        "package" => Ok(ProductKind::Package {
            appointments: required_count(input)?,
        }),
        "gift_certificate" => match (&input.value, input.appointments) {
            (Some(value), None) => {
                let value = Money::parse("value", value, currency)?;
                if value.is_zero() {
                    return Err(FieldError::new(
                        "value",
                        "a gift certificate is worth more than 0",
                    ));
                }
                Ok(ProductKind::MoneyGift { value })
            }
            (None, Some(_)) => Ok(ProductKind::AppointmentGift {
                appointments: required_count(input)?,
            }),
            _ => Err(FieldError::new(
                "value",
                "a gift certificate has either a money `value` or a number of `appointments`",
            )),
        },
        "subscription" => {
            let unit = input
                .period_unit
                .as_deref()
                .ok_or_else(|| FieldError::new("period_unit", "week, month or year"))?;
            let unit = PeriodUnit::parse(unit).ok_or_else(|| {
                FieldError::new(
                    "period_unit",
                    format!("`{unit}` is not week, month or year"),
                )
            })?;
            let every = input.period_every.unwrap_or(1);
            let every = u32::try_from(every)
                .ok()
                .filter(|n| (1..=12).contains(n))
                .ok_or_else(|| {
                    FieldError::new("period_every", format!("{every} is out of range: 1 to 12"))
                })?;
            Ok(ProductKind::Subscription {
                appointments: required_count(input)?,
                period: Period { every, unit },
                rollover: input.rollover.unwrap_or(false),
            })
        }
        other => Err(FieldError::new(
            "kind",
            format!("`{other}` is not package, gift_certificate or subscription"),
        )),
    }
}

fn parse_validity(input: &ProductInput) -> Result<Option<Validity>, FieldError> {
    let bounded = |field: &str, raw: i64, max: u32| {
        u32::try_from(raw)
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| FieldError::new(field, format!("{raw} is out of range: 1 to {max}")))
    };
    match (input.validity_days, input.validity_months) {
        (None, None) => Ok(None),
        (Some(days), None) => bounded("validity_days", days, 3660).map(|d| Some(Validity::Days(d))),
        (None, Some(months)) => {
            bounded("validity_months", months, 120).map(|m| Some(Validity::Months(m)))
        }
        (Some(_), Some(_)) => Err(FieldError::new(
            "validity_months",
            "a validity in days or in months, not both",
        )),
    }
}

/// A product of a business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: ProductId,
    pub business_id: BusinessId,
    pub details: ProductDetails,
    /// Archived products are no longer sold; their codes keep working.
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: Version,
}

/// Why a product cannot change as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProductChangeError {
    /// CO-2 keeps balances; turning a package into a gift certificate would change what
    /// every existing code's balance counts (appointments or money).
    #[error("a product keeps its kind ({0}): create another product instead")]
    KindChanged(&'static str),
    #[error("the product is archived: it is no longer sold")]
    Archived,
}

impl Product {
    pub fn new(
        id: ProductId,
        business_id: BusinessId,
        details: ProductDetails,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            business_id,
            details,
            archived: false,
            created_at: now,
            updated_at: now,
            version: Version::initial(),
        }
    }

    /// CO-2: a new description, for every holder from now on. The kind stays (and with
    /// it what balances count); codes' balances are not touched: they are their own.
    pub fn revise(
        &mut self,
        details: ProductDetails,
        now: DateTime<Utc>,
    ) -> Result<(), ProductChangeError> {
        let same_kind =
            std::mem::discriminant(&details.kind) == std::mem::discriminant(&self.details.kind);
        if !same_kind {
            return Err(ProductChangeError::KindChanged(self.details.kind.name()));
        }
        self.details = details;
        self.updated_at = now;
        self.version = self.version.next();
        Ok(())
    }

    /// Stops new sales; existing codes keep working.
    pub fn archive(&mut self, now: DateTime<Utc>) {
        if !self.archived {
            self.archived = true;
            self.updated_at = now;
            self.version = self.version.next();
        }
    }

    /// Whether it may be sold now.
    pub fn ensure_on_sale(&self) -> Result<(), ProductChangeError> {
        if self.archived {
            Err(ProductChangeError::Archived)
        } else {
            Ok(())
        }
    }

    /// The last day a code bought on `purchased` can be used, if the product expires.
    pub fn last_day(&self, purchased: NaiveDate) -> Option<NaiveDate> {
        self.details
            .validity
            .and_then(|validity| validity.last_day(purchased))
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_796_000_000, 0).unwrap()
    }

    fn package(n: i64) -> ProductInput {
        ProductInput {
            name: "Ten massages".into(),
            kind: "package".into(),
            appointments: Some(n),
            price: "450.00".into(),
            ..ProductInput::default()
        }
    }

    fn fields(errors: ValidationErrors) -> Vec<String> {
        errors.0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn co_1_each_kind_of_product_is_described() {
        let kinds = [
            package(10),
            ProductInput {
                kind: "gift_certificate".into(),
                appointments: None,
                value: Some("100.00".into()),
                ..package(0)
            },
            ProductInput {
                kind: "gift_certificate".into(),
                ..package(2)
            },
            ProductInput {
                kind: "subscription".into(),
                period_unit: Some("month".into()),
                ..package(4)
            },
        ]
        .map(|input| ProductDetails::parse(&input, eur()).unwrap().kind);

        assert_eq!(
            kinds[0],
            ProductKind::Package {
                appointments: Appointments(10)
            }
        );
        assert!(
            matches!(kinds[1], ProductKind::MoneyGift { value } if value.amount_text() == "100.00")
        );
        assert_eq!(
            kinds[2],
            ProductKind::AppointmentGift {
                appointments: Appointments(2)
            }
        );
        assert_eq!(
            kinds[3],
            ProductKind::Subscription {
                appointments: Appointments(4),
                period: Period {
                    every: 1,
                    unit: PeriodUnit::Month
                },
                rollover: false,
            }
        );
        assert_eq!(
            kinds.map(|k| k.name()),
            [
                "package",
                "gift_certificate",
                "gift_certificate",
                "subscription"
            ]
        );
    }

    #[test]
    fn co_1_every_field_at_fault_is_reported() {
        let bad = ProductInput {
            name: " ".into(),
            kind: "package".into(),
            appointments: Some(0),
            price: "1e3".into(),
            validity_days: Some(10),
            validity_months: Some(1),
            ..ProductInput::default()
        };
        assert_eq!(
            fields(ProductDetails::parse(&bad, eur()).unwrap_err()),
            ["name", "price", "appointments", "validity_months"]
        );
        let gift_with_both = ProductInput {
            kind: "gift_certificate".into(),
            value: Some("50.00".into()),
            ..package(3)
        };
        let subscription_without_period = ProductInput {
            kind: "subscription".into(),
            ..package(3)
        };
        let unknown = ProductInput {
            kind: "voucher".into(),
            ..package(3)
        };
        assert_eq!(
            fields(ProductDetails::parse(&gift_with_both, eur()).unwrap_err()),
            ["value"]
        );
        assert_eq!(
            fields(ProductDetails::parse(&subscription_without_period, eur()).unwrap_err()),
            ["period_unit"]
        );
        assert_eq!(
            fields(ProductDetails::parse(&unknown, eur()).unwrap_err()),
            ["kind"]
        );
    }

    #[test]
    fn co_1_coverage_is_every_type_or_the_listed_ones() {
        let (a, b, c) = (
            AppointmentTypeId::from_uuid(Uuid::from_u128(1)),
            AppointmentTypeId::from_uuid(Uuid::from_u128(2)),
            AppointmentTypeId::from_uuid(Uuid::from_u128(3)),
        );
        let all = ProductDetails::parse(&package(1), eur()).unwrap();
        let some = ProductDetails::parse(
            &ProductInput {
                appointment_types: vec![b, a, b],
                ..package(1)
            },
            eur(),
        )
        .unwrap();

        assert!(all.covers.covers(c));
        assert_eq!(some.covers, Coverage::Types(vec![a, b]));
        assert!(some.covers.covers(a) && some.covers.covers(b) && !some.covers.covers(c));
    }

    #[test]
    fn co_1_validity_counts_from_the_purchase_and_clamps_month_ends() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            Validity::Days(30).last_day(day(2027, 1, 31)),
            Some(day(2027, 3, 2))
        );
        assert_eq!(
            Validity::Months(1).last_day(day(2027, 1, 31)),
            Some(day(2027, 2, 28))
        );
        assert_eq!(
            Validity::Months(1).last_day(day(2028, 1, 31)),
            Some(day(2028, 2, 29))
        );
        assert_eq!(
            Validity::Months(12).last_day(day(2028, 2, 29)),
            Some(day(2029, 2, 28))
        );
    }

    #[test]
    fn co_2_a_revision_keeps_the_kind_and_moves_the_version() {
        let details = ProductDetails::parse(&package(10), eur()).unwrap();
        let mut product = Product::new(
            ProductId::from_uuid(Uuid::from_u128(5)),
            BusinessId::from_uuid(Uuid::from_u128(6)),
            details,
            now(),
        );
        let renamed = ProductDetails::parse(
            &ProductInput {
                name: "Ten relaxing massages".into(),
                ..package(12)
            },
            eur(),
        )
        .unwrap();
        let gift = ProductDetails::parse(
            &ProductInput {
                kind: "gift_certificate".into(),
                ..package(10)
            },
            eur(),
        )
        .unwrap();

        assert_eq!(product.revise(renamed.clone(), now()), Ok(()));
        assert_eq!(product.details, renamed);
        assert_eq!(product.version, Version::initial().next());
        assert_eq!(
            product.revise(gift, now()),
            Err(ProductChangeError::KindChanged("package"))
        );
        product.archive(now());
        assert_eq!(product.ensure_on_sale(), Err(ProductChangeError::Archived));
    }
}
