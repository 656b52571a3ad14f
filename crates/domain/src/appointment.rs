//! Appointment types (services) and appointments: booking slot, status, attendance
//! (AP-4) and the payment status derived from what was paid and refunded (AP-5).

use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

use crate::ids::{
    AccountId, AppointmentId, AppointmentTypeId, BusinessId, ClientId, CodeId, SiteId, StaffId,
};
use crate::money::{Currency, Money};
use crate::text;
use crate::validation::{FieldError, ValidationErrors, failures};
use crate::version::Version;

/// The name of a service, e.g. "Massage 60 min".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceName(String);

impl ServiceName {
    pub const MAX: usize = 120;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        text::required_line("name", raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How long a service lasts: 1 minute to 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationMinutes(u32);

impl DurationMinutes {
    pub const MAX: u32 = 24 * 60;

    pub fn parse(raw: i64) -> Result<Self, FieldError> {
        match u32::try_from(raw) {
            Ok(minutes @ 1..=Self::MAX) => Ok(Self(minutes)),
            _ => Err(FieldError::new(
                "duration_minutes",
                format!("{raw} is out of range: 1 to {} minutes", Self::MAX),
            )),
        }
    }

    pub fn get(&self) -> u32 {
        self.0
    }

    pub fn as_duration(&self) -> Duration {
        Duration::minutes(i64::from(self.0))
    }
}

/// A service a business offers, with its duration and price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentType {
    pub id: AppointmentTypeId,
    pub business_id: BusinessId,
    pub name: ServiceName,
    pub duration: DurationMinutes,
    pub price: Money,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: Version,
}

/// An appointment type as sent by an API consumer, before parsing.
#[derive(Debug, Clone, Default)]
pub struct AppointmentTypeInput {
    pub name: String,
    pub duration_minutes: i64,
    /// A decimal amount, e.g. "60.00".
    pub price: String,
    /// ISO-4217; the business's currency when absent.
    pub currency: Option<String>,
}

/// A parsed appointment type description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentTypeDetails {
    pub name: ServiceName,
    pub duration: DurationMinutes,
    pub price: Money,
}

impl AppointmentTypeDetails {
    /// Parses `input`, pricing in `default_currency` when it names none.
    pub fn parse(
        input: &AppointmentTypeInput,
        default_currency: Currency,
    ) -> Result<Self, ValidationErrors> {
        let currency = match input.currency.as_deref() {
            None => Ok(default_currency),
            Some(raw) => crate::business::parse_currency(raw),
        };
        let price = match &currency {
            Ok(currency) => Money::parse("price", &input.price, *currency),
            // The currency's own error is reported; the price cannot be judged without it.
            Err(_) => Ok(Money::zero(default_currency)),
        };
        match (
            ServiceName::parse(&input.name),
            DurationMinutes::parse(input.duration_minutes),
            currency,
            price,
        ) {
            (Ok(name), Ok(duration), Ok(_), Ok(price)) => Ok(Self {
                name,
                duration,
                price,
            }),
            (name, duration, currency, price) => Err(failures([
                name.err(),
                duration.err(),
                currency.err(),
                price.err(),
            ])),
        }
    }
}

impl AppointmentType {
    pub fn new(
        id: AppointmentTypeId,
        business_id: BusinessId,
        details: AppointmentTypeDetails,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            business_id,
            name: details.name,
            duration: details.duration,
            price: details.price,
            created_at: now,
            updated_at: now,
            version: Version::initial(),
        }
    }

    pub fn replace(&mut self, details: AppointmentTypeDetails, now: DateTime<Utc>) {
        self.name = details.name;
        self.duration = details.duration;
        self.price = details.price;
        self.updated_at = now;
        self.version = self.version.next();
    }
}

/// When an appointment takes place: `starts_at < ends_at`, at most 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
}

impl Slot {
    pub fn new(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<Self, FieldError> {
        if starts_at >= ends_at {
            return Err(FieldError::new("ends_at", "must be after starts_at"));
        }
        if ends_at - starts_at > Duration::hours(24) {
            return Err(FieldError::new(
                "ends_at",
                "an appointment lasts at most 24 hours",
            ));
        }
        Ok(Self { starts_at, ends_at })
    }

    /// A slot of the service's duration starting at `starts_at` unless `ends_at` is given.
    pub fn for_service(
        starts_at: DateTime<Utc>,
        ends_at: Option<DateTime<Utc>>,
        duration: DurationMinutes,
    ) -> Result<Self, FieldError> {
        Self::new(
            starts_at,
            ends_at.unwrap_or(starts_at + duration.as_duration()),
        )
    }

    pub fn starts_at(&self) -> DateTime<Utc> {
        self.starts_at
    }

    pub fn ends_at(&self) -> DateTime<Utc> {
        self.ends_at
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentStatus {
    Scheduled,
    Cancelled,
}

impl AppointmentStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "scheduled" => Some(Self::Scheduled),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// AP-4: whether the client came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attendance {
    /// Not arrived yet (the default).
    Booked,
    CheckedIn,
    NoShow,
}

impl Attendance {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::CheckedIn => "checked_in",
            Self::NoShow => "no_show",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "booked" => Some(Self::Booked),
            "checked_in" => Some(Self::CheckedIn),
            "no_show" => Some(Self::NoShow),
            _ => None,
        }
    }
}

/// AP-5: derived from the price and what was paid and refunded, never set by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    Unpaid,
    DepositPaid,
    Paid,
    PartiallyRefunded,
    Refunded,
}

impl PaymentStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Unpaid => "unpaid",
            Self::DepositPaid => "deposit_paid",
            Self::Paid => "paid",
            Self::PartiallyRefunded => "partially_refunded",
            Self::Refunded => "refunded",
        }
    }
}

/// What cannot be done to an appointment in its current state (a conflict).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AppointmentStateError {
    #[error("the appointment is cancelled")]
    Cancelled,
    /// AP-3, AC-7: a client changes an appointment only before the business's notice.
    #[error(
        "clients can change an appointment only until {notice_hours} hours before it starts; \
         ask the business"
    )]
    TooLate { notice_hours: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub(crate) id: AppointmentId,
    pub(crate) business_id: BusinessId,
    pub(crate) client_id: ClientId,
    pub(crate) type_id: AppointmentTypeId,
    pub(crate) site_id: SiteId,
    pub(crate) staff_id: Option<StaffId>,
    pub(crate) slot: Slot,
    pub(crate) price: Money,
    pub(crate) status: AppointmentStatus,
    pub(crate) attendance: Attendance,
    /// The code that pays for it (CO-9), if any.
    pub(crate) code_id: Option<CodeId>,
    /// The part of the price the code pays; back to zero when it is given back.
    pub(crate) covered: Money,
    /// Everything paid so far (deposits, charges, payments in person).
    pub(crate) paid: Money,
    /// Everything refunded so far; never more than `paid`.
    pub(crate) refunded: Money,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) cancelled_at: Option<DateTime<Utc>>,
    /// AC-8, AC-9: the client account it is assigned to, if any.
    pub(crate) account_id: Option<AccountId>,
    pub(crate) version: Version,
}

/// Everything a stored appointment is made of: what storage reads back, for [`Appointment::restore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentParts {
    pub id: AppointmentId,
    pub business_id: BusinessId,
    pub client_id: ClientId,
    pub type_id: AppointmentTypeId,
    pub site_id: SiteId,
    pub staff_id: Option<StaffId>,
    pub slot: Slot,
    pub price: Money,
    pub status: AppointmentStatus,
    pub attendance: Attendance,
    /// The code that pays for it (CO-9), if any.
    pub code_id: Option<CodeId>,
    /// The part of the price the code pays; back to zero when it is given back.
    pub covered: Money,
    /// Everything paid so far (deposits, charges, payments in person).
    pub paid: Money,
    /// Everything refunded so far; never more than `paid`.
    pub refunded: Money,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// AC-8, AC-9: the client account it is assigned to, if any.
    pub account_id: Option<AccountId>,
    pub version: Version,
}

/// Reading a appointment: its fields are changed only through its methods, which keep its
/// invariants; storage rebuilds one with [`Appointment::restore`].
impl Appointment {
    /// What the appointment is made of (to store it, or to rebuild it otherwise in a test).
    pub fn into_parts(self) -> AppointmentParts {
        let Self {
            id,
            business_id,
            client_id,
            type_id,
            site_id,
            staff_id,
            slot,
            price,
            status,
            attendance,
            code_id,
            covered,
            paid,
            refunded,
            created_at,
            updated_at,
            cancelled_at,
            account_id,
            version,
        } = self;
        AppointmentParts {
            id,
            business_id,
            client_id,
            type_id,
            site_id,
            staff_id,
            slot,
            price,
            status,
            attendance,
            code_id,
            covered,
            paid,
            refunded,
            created_at,
            updated_at,
            cancelled_at,
            account_id,
            version,
        }
    }

    /// The appointment storage kept, as it was.
    pub fn restore(parts: AppointmentParts) -> Self {
        let AppointmentParts {
            id,
            business_id,
            client_id,
            type_id,
            site_id,
            staff_id,
            slot,
            price,
            status,
            attendance,
            code_id,
            covered,
            paid,
            refunded,
            created_at,
            updated_at,
            cancelled_at,
            account_id,
            version,
        } = parts;
        Self {
            id,
            business_id,
            client_id,
            type_id,
            site_id,
            staff_id,
            slot,
            price,
            status,
            attendance,
            code_id,
            covered,
            paid,
            refunded,
            created_at,
            updated_at,
            cancelled_at,
            account_id,
            version,
        }
    }

    pub fn id(&self) -> AppointmentId {
        self.id
    }

    pub fn business_id(&self) -> BusinessId {
        self.business_id
    }

    pub fn client_id(&self) -> ClientId {
        self.client_id
    }

    pub fn type_id(&self) -> AppointmentTypeId {
        self.type_id
    }

    pub fn site_id(&self) -> SiteId {
        self.site_id
    }

    pub fn staff_id(&self) -> Option<StaffId> {
        self.staff_id
    }

    pub fn slot(&self) -> Slot {
        self.slot
    }

    pub fn price(&self) -> Money {
        self.price
    }

    pub fn status(&self) -> AppointmentStatus {
        self.status
    }

    pub fn attendance(&self) -> Attendance {
        self.attendance
    }

    /// The code that pays for it (CO-9), if any.
    pub fn code_id(&self) -> Option<CodeId> {
        self.code_id
    }

    /// The part of the price a code pays.
    pub fn covered(&self) -> Money {
        self.covered
    }

    /// Everything paid so far (deposits, charges, payments in person).
    pub fn paid(&self) -> Money {
        self.paid
    }

    /// Everything refunded so far; never more than `paid`.
    pub fn refunded(&self) -> Money {
        self.refunded
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    pub fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    pub fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.cancelled_at
    }

    /// AC-8, AC-9: the client account it is assigned to, if any.
    pub fn account_id(&self) -> Option<AccountId> {
        self.account_id
    }

    pub fn version(&self) -> Version {
        self.version
    }
}

/// What booking needs once the client, type and site are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppointment {
    pub client_id: ClientId,
    pub appointment_type: AppointmentTypeId,
    pub site_id: SiteId,
    pub staff_id: Option<StaffId>,
    pub slot: Slot,
    pub price: Money,
}

impl Appointment {
    pub fn book(
        id: AppointmentId,
        business_id: BusinessId,
        new: NewAppointment,
        now: DateTime<Utc>,
    ) -> Self {
        let zero = Money::zero(new.price.currency());
        Self {
            id,
            business_id,
            client_id: new.client_id,
            type_id: new.appointment_type,
            site_id: new.site_id,
            staff_id: new.staff_id,
            slot: new.slot,
            price: new.price,
            status: AppointmentStatus::Scheduled,
            attendance: Attendance::Booked,
            code_id: None,
            covered: zero,
            paid: zero,
            refunded: zero,
            created_at: now,
            updated_at: now,
            cancelled_at: None,
            account_id: None,
            version: Version::initial(),
        }
    }

    /// CO-9: a new appointment paid for, in part or whole, by a code.
    pub fn with_code(mut self, code: CodeId, covered: Money) -> Self {
        self.code_id = Some(code);
        self.covered = covered;
        self
    }

    /// The price less what a code pays: what money is to cover.
    pub fn price_to_pay(&self) -> Money {
        self.price
            .saturating_sub(self.covered)
            .unwrap_or(Money::zero(self.price.currency()))
    }

    fn touch(&mut self, now: DateTime<Utc>) {
        self.updated_at = now;
        self.version = self.version.next();
    }

    fn ensure_scheduled(&self) -> Result<(), AppointmentStateError> {
        match self.status {
            AppointmentStatus::Scheduled => Ok(()),
            AppointmentStatus::Cancelled => Err(AppointmentStateError::Cancelled),
        }
    }

    /// AC-8: booked while logged in to `account`, or for it by staff.
    pub fn assigned_to(mut self, account: AccountId) -> Self {
        self.account_id = Some(account);
        self
    }

    /// AC-9: staff assign it to `account`, or to none; whether that changed anything.
    pub fn set_account(&mut self, account: Option<AccountId>, now: DateTime<Utc>) -> bool {
        if self.account_id == account {
            return false;
        }
        self.account_id = account;
        self.touch(now);
        true
    }

    /// AP-3, AC-7: whether the client may still reschedule or cancel it themselves: it
    /// is scheduled and starts more than `notice_hours` from `now` — and so does the new
    /// slot, when it is moved to one.
    pub fn ensure_client_may_change(
        &self,
        now: DateTime<Utc>,
        notice_hours: u32,
        new_slot: Option<&Slot>,
    ) -> Result<(), AppointmentStateError> {
        self.ensure_scheduled()?;
        let limit = now + Duration::hours(i64::from(notice_hours));
        let starts = std::iter::once(self.slot.starts_at())
            .chain(new_slot.map(Slot::starts_at))
            .min()
            .unwrap_or(self.slot.starts_at());
        if starts <= limit {
            return Err(AppointmentStateError::TooLate { notice_hours });
        }
        Ok(())
    }

    /// AP-3: moves a scheduled appointment to another slot.
    pub fn reschedule(
        &mut self,
        slot: Slot,
        now: DateTime<Utc>,
    ) -> Result<(), AppointmentStateError> {
        self.ensure_scheduled()?;
        self.slot = slot;
        self.touch(now);
        Ok(())
    }

    /// AP-3: cancels a scheduled appointment; what a code paid goes back to the code
    /// (CO-9), so nothing is covered any more.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<(), AppointmentStateError> {
        self.ensure_scheduled()?;
        self.status = AppointmentStatus::Cancelled;
        self.covered = Money::zero(self.price.currency());
        self.cancelled_at = Some(now);
        self.touch(now);
        Ok(())
    }

    /// AP-4: sets or corrects attendance; returns the previous value when it changed.
    /// A cancelled appointment has no attendance to record.
    pub fn set_attendance(
        &mut self,
        attendance: Attendance,
        now: DateTime<Utc>,
    ) -> Result<Option<Attendance>, AppointmentStateError> {
        self.ensure_scheduled()?;
        if self.attendance == attendance {
            return Ok(None);
        }
        let previous = std::mem::replace(&mut self.attendance, attendance);
        self.touch(now);
        Ok(Some(previous))
    }

    /// AP-5.
    pub fn payment_status(&self) -> PaymentStatus {
        if !self.refunded.is_zero() {
            if self.refunded >= self.paid {
                PaymentStatus::Refunded
            } else {
                PaymentStatus::PartiallyRefunded
            }
        } else if self.paid >= self.price_to_pay() {
            PaymentStatus::Paid
        } else if self.paid.is_zero() {
            PaymentStatus::Unpaid
        } else {
            PaymentStatus::DepositPaid
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn eur(amount: &str) -> Money {
        Money::parse("amount", amount, Currency::parse("EUR").unwrap()).unwrap()
    }

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, hour, 0, 0).unwrap()
    }

    fn appointment(price: &str) -> Appointment {
        Appointment::book(
            AppointmentId::from_uuid(Uuid::from_u128(1)),
            BusinessId::from_uuid(Uuid::from_u128(2)),
            NewAppointment {
                client_id: ClientId::from_uuid(Uuid::from_u128(3)),
                appointment_type: AppointmentTypeId::from_uuid(Uuid::from_u128(4)),
                site_id: SiteId::from_uuid(Uuid::from_u128(5)),
                staff_id: None,
                slot: Slot::new(at(10), at(11)).unwrap(),
                price: eur(price),
            },
            at(8),
        )
    }

    #[test]
    fn ap_2_a_slot_starts_before_it_ends() {
        assert!(Slot::new(at(10), at(10)).is_err());
        assert!(Slot::new(at(11), at(10)).is_err());
        assert!(Slot::new(at(10), at(10) + Duration::hours(25)).is_err());
        let slot = Slot::for_service(at(10), None, DurationMinutes::parse(90).unwrap()).unwrap();
        assert_eq!(slot.ends_at(), at(11) + Duration::minutes(30));
    }

    #[test]
    fn ap_5_payment_status_is_derived_from_price_paid_and_refunded() {
        let cases = [
            ("60", "0", "0", PaymentStatus::Unpaid),
            ("60", "20", "0", PaymentStatus::DepositPaid),
            ("60", "60", "0", PaymentStatus::Paid),
            ("60", "60", "10", PaymentStatus::PartiallyRefunded),
            ("60", "60", "60", PaymentStatus::Refunded),
            ("60", "20", "20", PaymentStatus::Refunded),
            ("0", "0", "0", PaymentStatus::Paid),
        ];
        for (price, paid, refunded, status) in cases {
            let mut a = appointment(price);
            a.paid = eur(paid);
            a.refunded = eur(refunded);
            assert_eq!(a.payment_status(), status, "{price} {paid} {refunded}");
        }
    }

    #[test]
    fn co_9_what_a_code_covers_is_not_due_and_goes_back_on_cancellation() {
        let code = CodeId::from_uuid(Uuid::from_u128(9));
        let whole = appointment("60").with_code(code, eur("60"));
        let mut part = appointment("60").with_code(code, eur("40"));

        assert_eq!(
            (whole.due(), whole.payment_status()),
            (eur("0"), PaymentStatus::Paid)
        );
        assert_eq!(
            (part.due(), part.payment_status()),
            (eur("20"), PaymentStatus::Unpaid)
        );
        part.record_payment(eur("20"), at(9)).unwrap();
        assert_eq!(part.payment_status(), PaymentStatus::Paid);
        part.cancel(at(9)).unwrap();
        assert_eq!((part.code_id(), part.covered()), (Some(code), eur("0")));
    }

    #[test]
    fn ap_4_attendance_is_set_and_corrected_but_never_on_a_cancelled_appointment() {
        let mut a = appointment("60");
        assert_eq!(a.attendance, Attendance::Booked);
        assert_eq!(
            a.set_attendance(Attendance::CheckedIn, at(10)),
            Ok(Some(Attendance::Booked))
        );
        assert_eq!(
            a.set_attendance(Attendance::NoShow, at(11)),
            Ok(Some(Attendance::CheckedIn))
        );
        assert_eq!(a.set_attendance(Attendance::NoShow, at(11)), Ok(None));
        assert_eq!(a.version, Version::new(3));
        a.cancel(at(12)).unwrap();
        assert_eq!(
            a.set_attendance(Attendance::CheckedIn, at(12)),
            Err(AppointmentStateError::Cancelled)
        );
    }

    #[test]
    fn ap_3_a_cancelled_appointment_is_neither_cancelled_again_nor_moved() {
        let mut a = appointment("60");
        a.cancel(at(9)).unwrap();
        assert_eq!(a.status, AppointmentStatus::Cancelled);
        assert_eq!(a.cancel(at(9)), Err(AppointmentStateError::Cancelled));
        let slot = Slot::new(at(12), at(13)).unwrap();
        assert_eq!(
            a.reschedule(slot, at(9)),
            Err(AppointmentStateError::Cancelled)
        );
    }

    #[test]
    fn appointment_types_are_priced_in_the_business_currency_by_default() {
        let input = AppointmentTypeInput {
            name: "Massage".into(),
            duration_minutes: 60,
            price: "60.00".into(),
            currency: None,
        };
        let details =
            AppointmentTypeDetails::parse(&input, Currency::parse("EUR").unwrap()).unwrap();
        assert_eq!(details.price, eur("60"));
        let bad = AppointmentTypeInput {
            name: "".into(),
            duration_minutes: 0,
            price: "x".into(),
            currency: Some("EURO".into()),
        };
        let errors =
            AppointmentTypeDetails::parse(&bad, Currency::parse("EUR").unwrap()).unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "duration_minutes", "currency"]);
    }

    #[test]
    fn ap_3_a_client_changes_an_appointment_only_before_the_notice() {
        let booked = appointment("50.00");
        // Starts at 10:00; 2 hours of notice.
        assert_eq!(booked.ensure_client_may_change(at(7), 2, None), Ok(()));
        assert_eq!(
            booked.ensure_client_may_change(at(8), 2, None),
            Err(AppointmentStateError::TooLate { notice_hours: 2 })
        );
        let too_soon = Slot::new(at(8), at(9)).unwrap();
        assert_eq!(
            booked.ensure_client_may_change(at(5), 4, Some(&too_soon)),
            Err(AppointmentStateError::TooLate { notice_hours: 4 })
        );
        let later = Slot::new(at(20), at(21)).unwrap();
        assert_eq!(
            booked.ensure_client_may_change(at(5), 4, Some(&later)),
            Ok(())
        );
        let mut cancelled = booked.clone();
        cancelled.cancel(at(6)).unwrap();
        assert_eq!(
            cancelled.ensure_client_may_change(at(6), 0, None),
            Err(AppointmentStateError::Cancelled)
        );
    }

    #[test]
    fn ac_9_assigning_to_another_account_is_a_change() {
        let account = AccountId::from_uuid(Uuid::from_u128(9));
        let mut booked = appointment("50.00");
        assert!(booked.set_account(Some(account), at(9)));
        assert_eq!(booked.account_id(), Some(account));
        assert_eq!(booked.version(), Version::initial().next());
        assert!(!booked.set_account(Some(account), at(9)));
        assert_eq!(booked.version(), Version::initial().next());
        assert!(booked.set_account(None, at(9)));
        assert_eq!(booked.account_id(), None);
    }
}
