//! Payments (AP-5 to AP-8, PL-19, PL-20): processors and what they can do, stored cards
//! (a token, brand and last four digits — never the number), payments and refunds
//! recorded against an appointment, and invoices.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use thiserror::Error;

use crate::ids::{
    AppointmentId, BusinessId, ClientId, InvoiceId, PaymentId, PaymentMethodId, StaffId,
};
use crate::money::Money;
use crate::text;
use crate::validation::FieldError;

/// The payment processors (PL-20): a business makes one of cards or manual active;
/// direct debit (ME-15) is taken by its own processor beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcessorKind {
    /// Cards, with deterministic test cards (see the README).
    StubCard,
    /// Cash, cheque, bank transfer…: payments recorded by staff.
    Manual,
    /// Direct debit under mandates, with deterministic test IBANs (see the README).
    StubDirectDebit,
}

impl ProcessorKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::StubCard => "stub_card",
            Self::Manual => "manual",
            Self::StubDirectDebit => "stub_direct_debit",
        }
    }

    /// Any processor, as stored with a payment or a charge.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "stub_direct_debit" => Ok(Self::StubDirectDebit),
            other => Self::parse_active(other),
        }
    }

    /// A processor a business can make active: one that takes cards, or manual.
    pub fn parse_active(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "stub_card" => Ok(Self::StubCard),
            "manual" => Ok(Self::Manual),
            other => Err(FieldError::new(
                "active_processor",
                format!("`{other}` is not a processor: use stub_card or manual"),
            )),
        }
    }
}

/// The direct-debit processor of this deployment (ME-15).
pub const DIRECT_DEBIT: ProcessorKind = ProcessorKind::StubDirectDebit;

/// A bank account number as a client types it for a mandate (ME-15): 15 to 34 letters
/// and digits (spaces allowed), a country code, and check digits that hold (ISO 13616,
/// mod 97). Only its last four characters are ever kept or shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Iban(String);

impl std::fmt::Debug for Iban {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Iban(…{})", self.last4())
    }
}

impl Iban {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let invalid = || FieldError::new("iban", "not a valid IBAN");
        let iban: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let shaped = (15..=34).contains(&iban.len())
            && iban.chars().all(|c| c.is_ascii_alphanumeric())
            && iban.chars().take(2).all(|c| c.is_ascii_alphabetic())
            && iban.chars().skip(2).take(2).all(|c| c.is_ascii_digit());
        if !shaped {
            return Err(invalid());
        }
        // The country and check digits moved to the end, letters as 10 to 35, mod 97.
        let remainder = iban[4..]
            .chars()
            .chain(iban[..4].chars())
            .try_fold(0u32, |acc, c| {
                let value = c.to_digit(36)?;
                Some(if value < 10 {
                    (acc * 10 + value) % 97
                } else {
                    (acc * 100 + value) % 97
                })
            })
            .ok_or_else(invalid)?;
        if remainder != 1 {
            return Err(invalid());
        }
        Ok(Self(iban))
    }

    /// The whole number, for the processor alone.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}

/// What a processor can do (PL-19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    pub cards: bool,
    pub refunds: bool,
    pub partial_refunds: bool,
    pub direct_debit: bool,
    pub invoices: bool,
}

/// A payment type of the manual processor, from the business's settings ("cash").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PaymentType(String);

impl PaymentType {
    pub const MAX: usize = 40;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        text::required_line("payment_type", raw, Self::MAX).map(|t| Self(t.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A card a processor stored for a client: its token, brand and last four digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentMethod {
    pub id: PaymentMethodId,
    pub business_id: BusinessId,
    pub client_id: ClientId,
    pub processor: ProcessorKind,
    /// The processor's token for the card.
    pub token: String,
    pub brand: String,
    pub last4: String,
    pub created_at: DateTime<Utc>,
}

/// Money in or out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentDirection {
    Charge,
    Refund,
}

impl PaymentDirection {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Charge => "charge",
            Self::Refund => "refund",
        }
    }
}

/// How a payment was made: "card", or a manual payment type ("cash").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentMeans {
    Card { brand: String, last4: String },
    Manual(PaymentType),
}

/// One payment or refund against an appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: PaymentId,
    pub business_id: BusinessId,
    pub appointment_id: AppointmentId,
    pub client_id: ClientId,
    pub direction: PaymentDirection,
    pub amount: Money,
    pub processor: ProcessorKind,
    pub means: PaymentMeans,
    /// The processor's reference for this charge or refund.
    pub reference: String,
    /// For a refund: the charge it gives money back from.
    pub refund_of: Option<PaymentId>,
    /// For a charge: how much of it was refunded so far.
    pub refunded: Money,
    pub actor: StaffId,
    pub created_at: DateTime<Utc>,
}

impl Payment {
    /// What is left to refund of a charge.
    pub fn refundable(&self) -> Money {
        match self.direction {
            PaymentDirection::Charge => self
                .amount
                .saturating_sub(self.refunded)
                .unwrap_or(Money::zero(self.amount.currency())),
            PaymentDirection::Refund => Money::zero(self.amount.currency()),
        }
    }
}

/// An invoice for what is due on an appointment (AP-6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub id: InvoiceId,
    pub business_id: BusinessId,
    pub appointment_id: AppointmentId,
    pub client_id: ClientId,
    pub number: String,
    pub amount: Money,
    pub created_at: DateTime<Utc>,
}

/// What the money rules of an appointment refuse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PaymentRuleError {
    #[error("an amount must be more than zero")]
    Zero,
    #[error("the amount is in {given}, the appointment in {expected}")]
    OtherCurrency { given: String, expected: String },
    #[error("nothing is due: the appointment is paid")]
    NothingDue,
    #[error("{amount} is more than the {due} due")]
    MoreThanDue { amount: Money, due: Money },
    #[error("{amount} is more than the {refundable} that can still be refunded")]
    MoreThanRefundable { amount: Money, refundable: Money },
}

impl crate::appointment::Appointment {
    /// What is still to pay: the price, less what a code covers (CO-9) and what was paid.
    pub fn due(&self) -> Money {
        self.price_to_pay()
            .saturating_sub(self.paid)
            .unwrap_or(Money::zero(self.price.currency()))
    }

    /// What was paid and not refunded.
    pub fn refundable(&self) -> Money {
        self.paid
            .saturating_sub(self.refunded)
            .unwrap_or(Money::zero(self.price.currency()))
    }

    fn same_currency(&self, amount: Money) -> Result<(), PaymentRuleError> {
        if amount.currency() == self.price.currency() {
            Ok(())
        } else {
            Err(PaymentRuleError::OtherCurrency {
                given: amount.currency().code().to_owned(),
                expected: self.price.currency().code().to_owned(),
            })
        }
    }

    /// AP-6: checks that `amount` may be paid now: more than zero, at most what is due.
    pub fn check_payment(&self, amount: Money) -> Result<(), PaymentRuleError> {
        self.same_currency(amount)?;
        let due = self.due();
        if due.is_zero() {
            return Err(PaymentRuleError::NothingDue);
        }
        if amount.is_zero() {
            return Err(PaymentRuleError::Zero);
        }
        if amount > due {
            return Err(PaymentRuleError::MoreThanDue { amount, due });
        }
        Ok(())
    }

    /// Records a checked payment.
    pub fn record_payment(
        &mut self,
        amount: Money,
        now: DateTime<Utc>,
    ) -> Result<(), PaymentRuleError> {
        self.check_payment(amount)?;
        self.paid = self.paid.checked_add(amount).unwrap_or(self.paid);
        self.updated_at = now;
        self.version = self.version.next();
        Ok(())
    }

    /// AP-8: checks that `amount` may be refunded: more than zero, at most what was paid
    /// and not refunded yet.
    pub fn check_refund(&self, amount: Money) -> Result<(), PaymentRuleError> {
        self.same_currency(amount)?;
        if amount.is_zero() {
            return Err(PaymentRuleError::Zero);
        }
        let refundable = self.refundable();
        if amount > refundable {
            return Err(PaymentRuleError::MoreThanRefundable { amount, refundable });
        }
        Ok(())
    }

    /// Records a checked refund.
    pub fn record_refund(
        &mut self,
        amount: Money,
        now: DateTime<Utc>,
    ) -> Result<(), PaymentRuleError> {
        self.check_refund(amount)?;
        self.refunded = self.refunded.checked_add(amount).unwrap_or(self.refunded);
        self.updated_at = now;
        self.version = self.version.next();
        Ok(())
    }
}

/// Splits a refund of `amount` over `charges` (newest first), each giving back at most what
/// is left of it. Returns (charge index, amount) pairs; `None` if they cannot cover it.
pub fn allocate_refund(charges: &[Payment], amount: Money) -> Option<Vec<(usize, Money)>> {
    let mut left = amount;
    let mut parts = Vec::new();
    for (index, charge) in charges.iter().enumerate() {
        if left.is_zero() {
            break;
        }
        let available = charge.refundable();
        if available.is_zero() {
            continue;
        }
        let part = if available >= left { left } else { available };
        parts.push((index, part));
        left = left.saturating_sub(part)?;
    }
    left.is_zero().then_some(parts)
}

/// The month a card expires (PL-19): it is valid through the last day of that month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardExpiry {
    month: u32,
    year: i32,
}

/// Why an expiry is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CardExpiryError {
    #[error("the expiry month must be 1 to 12")]
    Month,
    #[error("the expiry year must be 2000 to 2099")]
    Year,
    #[error("the card expired at the end of {0}")]
    Expired(CardExpiry),
}

impl CardExpiry {
    /// An expiry as printed on a card: month 1 to 12, a four-digit year.
    pub fn new(month: u32, year: i32) -> Result<Self, CardExpiryError> {
        if !(1..=12).contains(&month) {
            return Err(CardExpiryError::Month);
        }
        if !(2000..=2099).contains(&year) {
            return Err(CardExpiryError::Year);
        }
        Ok(Self { month, year })
    }

    pub fn month(&self) -> u32 {
        self.month
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    /// Whether the card can no longer be used on `today`: the last day of its month is
    /// before it.
    pub fn is_expired_on(&self, today: NaiveDate) -> bool {
        (today.year(), today.month()) > (self.year, self.month)
    }

    /// The expiry if the card is still valid on `today`, else why not.
    pub fn valid_on(self, today: NaiveDate) -> Result<Self, CardExpiryError> {
        if self.is_expired_on(today) {
            Err(CardExpiryError::Expired(self))
        } else {
            Ok(self)
        }
    }
}

impl std::fmt::Display for CardExpiry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}/{}", self.month, self.year)
    }
}

#[cfg(test)]
mod iban_tests {
    use super::*;

    #[test]
    fn me_15_an_iban_is_checked_by_its_check_digits() {
        let iban = Iban::parse("fr76 3000 6000 0112 3456 7890 189").unwrap();
        assert_eq!(iban.last4(), "0189");
        assert_eq!(format!("{iban:?}"), "Iban(…0189)", "never the whole number");
        assert!(Iban::parse("GB82 WEST 1234 5698 7654 32").is_ok());
        for bad in [
            "FR76 3000 6000 0112 3456 7890 188",
            "GB82 WEST 1234 5698 7654 33",
            "1234",
            "FR76 3000 6000 0112 3456 7890 1894 5678 9012 34",
            "FR76-3000",
            "",
        ] {
            assert!(Iban::parse(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pl_19_a_card_is_valid_through_the_last_day_of_its_expiry_month() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let expiry = CardExpiry::new(2, 2028).unwrap();
        assert!(!expiry.is_expired_on(day(2027, 12, 31)));
        assert!(!expiry.is_expired_on(day(2028, 2, 1)));
        assert!(!expiry.is_expired_on(day(2028, 2, 29)));
        assert!(expiry.is_expired_on(day(2028, 3, 1)));
        assert!(expiry.is_expired_on(day(2029, 1, 1)));
        let old = CardExpiry::new(12, 2001).unwrap();
        assert_eq!(
            old.valid_on(day(2026, 12, 5)),
            Err(CardExpiryError::Expired(old))
        );
        assert_eq!(
            CardExpiryError::Expired(old).to_string(),
            "the card expired at the end of 12/2001"
        );
        assert_eq!(CardExpiry::new(0, 2030), Err(CardExpiryError::Month));
        assert_eq!(CardExpiry::new(13, 2030), Err(CardExpiryError::Month));
        assert_eq!(CardExpiry::new(1, 1999), Err(CardExpiryError::Year));
        assert_eq!(CardExpiry::new(1, 30), Err(CardExpiryError::Year));
    }
    use crate::appointment::{Appointment, NewAppointment, Slot};
    use crate::ids::{AppointmentTypeId, SiteId};
    use crate::money::Currency;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn eur(amount: &str) -> Money {
        Money::parse("amount", amount, Currency::parse("EUR").unwrap()).unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
    }

    fn appointment() -> Appointment {
        Appointment::book(
            AppointmentId::from_uuid(Uuid::from_u128(1)),
            BusinessId::from_uuid(Uuid::from_u128(2)),
            NewAppointment {
                client_id: ClientId::from_uuid(Uuid::from_u128(3)),
                appointment_type: AppointmentTypeId::from_uuid(Uuid::from_u128(4)),
                site_id: SiteId::from_uuid(Uuid::from_u128(5)),
                staff_id: None,
                slot: Slot::new(now(), now() + chrono::Duration::hours(1)).unwrap(),
                price: eur("60"),
            },
            now(),
        )
    }

    fn charge(amount: &str, refunded: &str) -> Payment {
        Payment {
            id: PaymentId::from_uuid(Uuid::from_u128(u128::from(amount.len() as u32))),
            business_id: BusinessId::from_uuid(Uuid::from_u128(2)),
            appointment_id: AppointmentId::from_uuid(Uuid::from_u128(1)),
            client_id: ClientId::from_uuid(Uuid::from_u128(3)),
            direction: PaymentDirection::Charge,
            amount: eur(amount),
            processor: ProcessorKind::StubCard,
            means: PaymentMeans::Card {
                brand: "visa".into(),
                last4: "4242".into(),
            },
            reference: "ch_1".into(),
            refund_of: None,
            refunded: eur(refunded),
            actor: StaffId::from_uuid(Uuid::from_u128(9)),
            created_at: now(),
        }
    }

    #[test]
    fn ap_6_a_deposit_then_the_remainder_ends_paid_and_nothing_more_can_be_paid() {
        use crate::appointment::PaymentStatus;
        let mut a = appointment();
        a.record_payment(eur("20"), now()).unwrap();
        assert_eq!(a.payment_status(), PaymentStatus::DepositPaid);
        assert_eq!(a.due(), eur("40"));
        assert_eq!(
            a.record_payment(eur("50"), now()),
            Err(PaymentRuleError::MoreThanDue {
                amount: eur("50"),
                due: eur("40")
            })
        );
        a.record_payment(a.due(), now()).unwrap();
        assert_eq!(a.payment_status(), PaymentStatus::Paid);
        assert_eq!(
            a.record_payment(eur("1"), now()),
            Err(PaymentRuleError::NothingDue)
        );
    }

    #[test]
    fn ap_8_refunds_never_exceed_what_was_paid() {
        let mut a = appointment();
        a.record_payment(eur("60"), now()).unwrap();
        a.record_refund(eur("25"), now()).unwrap();
        a.record_refund(eur("25"), now()).unwrap();
        assert!(matches!(
            a.record_refund(eur("10.01"), now()),
            Err(PaymentRuleError::MoreThanRefundable { .. })
        ));
        a.record_refund(eur("10"), now()).unwrap();
        assert_eq!(a.refundable(), eur("0"));
        assert_eq!(a.check_refund(eur("0")), Err(PaymentRuleError::Zero));
    }

    #[test]
    fn ap_8_a_refund_is_taken_from_the_newest_charges_first() {
        let charges = [charge("40", "0"), charge("20", "5")];
        assert_eq!(
            allocate_refund(&charges, eur("50")),
            Some(vec![(0, eur("40")), (1, eur("10"))])
        );
        assert_eq!(
            allocate_refund(&charges, eur("55")),
            Some(vec![(0, eur("40")), (1, eur("15"))])
        );
        assert_eq!(allocate_refund(&charges, eur("55.01")), None);
    }

    proptest::proptest! {
        /// AP-8: whatever sequence of refunds is attempted, the refunded total never
        /// exceeds the paid total.
        #[test]
        fn ap_8_refunded_never_exceeds_paid(attempts in proptest::collection::vec(1_i64..3000, 0..20)) {
            let mut a = appointment();
            a.record_payment(eur("60"), now()).unwrap();
            for cents in attempts {
                let _ = a.record_refund(Money::from_minor_units(cents, eur("0").currency()).unwrap(), now());
                proptest::prop_assert!(a.refunded <= a.paid);
            }
        }
    }
}
