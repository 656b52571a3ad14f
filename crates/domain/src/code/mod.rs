//! Codes (CO-3 to CO-12): what a client holds after buying a product (or being given one):
//! a typeable text, a status, an expiry, an optional assigned email, and a balance kept
//! as an append-only ledger. The remaining value is the sum of the ledger; every change
//! to it (grant, purchase, redemption, give-back, refresh, staff edit, expiry) is an entry
//! with its time, actor and reason.

mod text;

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;

use crate::contact::EmailAddress;
use crate::ids::{AppointmentId, AppointmentTypeId, BusinessId, ClientId, CodeId, OrderId};
use crate::ids::{ProductId, StaffId};
use crate::money::{Currency, Money};
use crate::product::{Product, ProductKind};

pub use text::{ALPHABET, CodeText, GROUP, LENGTH};

/// What a code's balance counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Appointments,
    /// Minor units (cents) of the currency.
    Money(Currency),
}

impl Unit {
    /// What codes of `product` count.
    pub fn of(product: &Product) -> Self {
        match product.details.kind {
            ProductKind::MoneyGift { value } => Self::Money(value.currency()),
            ProductKind::Package { .. }
            | ProductKind::AppointmentGift { .. }
            | ProductKind::Subscription { .. } => Self::Appointments,
        }
    }
}

/// Why the balance changed (CO-12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Bought with an order (CO-3).
    Purchase(OrderId),
    /// Given by staff without an order (CO-4).
    Grant,
    /// Used for an appointment (CO-9).
    Redemption(AppointmentId),
    /// Given back when that appointment was cancelled (CO-9, AP-3).
    GiveBack(AppointmentId),
    /// A subscription's renewal (CO-10).
    Refresh,
    /// Set by staff (CO-5).
    StaffEdit,
    /// What was left when the code expired.
    Expiry,
}

/// One change of a code's balance: `delta` in the code's [`Unit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at: DateTime<Utc>,
    /// The staff member who made it; `None` for the client's own booking or the worker.
    pub actor: Option<StaffId>,
    pub reason: Reason,
    pub delta: i64,
}

/// Where a code stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    /// Cancelled by staff (CO-6): it can no longer be used.
    Cancelled,
}

/// Why a code cannot be used for an appointment (CO-9, CO-11).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RedeemError {
    #[error("the code was cancelled")]
    Cancelled,
    #[error("the code expired on {0}")]
    Expired(NaiveDate),
    #[error("the code is not for this appointment type")]
    NotCovered,
    #[error("the code has nothing left")]
    NothingLeft,
    #[error("the code is assigned to another email")]
    NotYours,
    #[error("the code is in {code}, the appointment in {price}")]
    OtherCurrency { code: Currency, price: Currency },
}

/// An appointment a code is to pay for: of `kind`, costing `price`, booked by `holder`
/// (the booking's email), on the business's day `today`.
#[derive(Debug, Clone, Copy)]
pub struct Use<'a> {
    pub appointment: AppointmentId,
    pub kind: AppointmentTypeId,
    pub price: Money,
    pub holder: Option<&'a EmailAddress>,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
}

/// What using a code for an appointment takes, and what is left to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    pub entry: Entry,
    /// The part of the price the code pays (all of it for a count of appointments).
    pub covered: Money,
    pub to_pay: Money,
}

/// A code of a business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub id: CodeId,
    pub business_id: BusinessId,
    pub product_id: ProductId,
    /// The order it was bought with; `None` when staff added it (CO-4).
    pub order_id: Option<OrderId>,
    /// The client it belongs to, if any (a gift certificate may have none).
    pub client_id: Option<ClientId>,
    pub text: CodeText,
    pub unit: Unit,
    pub status: Status,
    /// The last day it can be used.
    pub expires_on: Option<NaiveDate>,
    /// CO-11: only this email (or its account) may use it.
    pub assigned_to: Option<EmailAddress>,
    /// Append-only: the balance is their sum.
    pub ledger: Vec<Entry>,
}

/// Why a code cannot be issued or changed as asked (CO-4 to CO-6).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodeChangeError {
    #[error("the product is archived: it is no longer sold")]
    Archived,
    #[error("the code is cancelled")]
    Cancelled,
    #[error("a remaining value cannot be negative")]
    Negative,
    /// CO-5: a subscription's code is renewed by its membership, which sets its dates.
    #[error("a subscription's code expires with its membership: change the membership")]
    BreaksRenewal,
}

/// A staff edit of a code (CO-5): absent parts stay; `Some(None)` clears.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeEdit {
    /// The new remaining value, in the code's unit.
    pub remaining: Option<i64>,
    pub expires_on: Option<Option<NaiveDate>>,
    pub assigned_to: Option<Option<EmailAddress>>,
}

/// How a code comes to be: bought with an order (CO-3) or given by staff (CO-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Purchase(OrderId),
    Grant(StaffId),
}

impl Code {
    /// A new code of `product` worth what the product gives, expiring as the product
    /// says from `today`.
    pub fn issue(
        id: CodeId,
        product: &Product,
        text: CodeText,
        client_id: Option<ClientId>,
        origin: Origin,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Self, CodeChangeError> {
        if product.archived {
            return Err(CodeChangeError::Archived);
        }
        let value = match product.details.kind {
            ProductKind::Package { appointments }
            | ProductKind::AppointmentGift { appointments }
            | ProductKind::Subscription { appointments, .. } => i64::from(appointments.get()),
            ProductKind::MoneyGift { value } => value.minor_units().unwrap_or(0),
        };
        let (order_id, actor, reason) = match origin {
            Origin::Purchase(order) => (Some(order), None, Reason::Purchase(order)),
            Origin::Grant(staff) => (None, Some(staff), Reason::Grant),
        };
        Ok(Self {
            id,
            business_id: product.business_id,
            product_id: product.id,
            order_id,
            client_id,
            text,
            unit: Unit::of(product),
            status: Status::Active,
            expires_on: product.last_day(today),
            assigned_to: None,
            ledger: vec![Entry {
                at: now,
                actor,
                reason,
                delta: value,
            }],
        })
    }

    /// CO-5: applies a staff edit; a new remaining value is a ledger entry of the
    /// difference. Refused on a cancelled code, and on a subscription's expiry.
    pub fn edit(
        &mut self,
        product: &Product,
        edit: CodeEdit,
        actor: StaffId,
        now: DateTime<Utc>,
    ) -> Result<(), CodeChangeError> {
        if self.status == Status::Cancelled {
            return Err(CodeChangeError::Cancelled);
        }
        let subscription = matches!(product.details.kind, ProductKind::Subscription { .. });
        if subscription && edit.expires_on.is_some_and(|e| e != self.expires_on) {
            return Err(CodeChangeError::BreaksRenewal);
        }
        if edit.remaining.is_some_and(|r| r < 0) {
            return Err(CodeChangeError::Negative);
        }
        if let Some(remaining) = edit.remaining {
            let delta = remaining - self.remaining();
            if delta != 0 {
                self.ledger.push(Entry {
                    at: now,
                    actor: Some(actor),
                    reason: Reason::StaffEdit,
                    delta,
                });
            }
        }
        if let Some(expires_on) = edit.expires_on {
            self.expires_on = expires_on;
        }
        if let Some(assigned_to) = edit.assigned_to {
            self.assigned_to = assigned_to;
        }
        Ok(())
    }

    /// CO-6: the code can no longer be used.
    pub fn cancel(&mut self) -> Result<(), CodeChangeError> {
        match self.status {
            Status::Cancelled => Err(CodeChangeError::Cancelled),
            Status::Active => {
                self.status = Status::Cancelled;
                Ok(())
            }
        }
    }

    /// The remaining value, in [`Code::unit`].
    pub fn remaining(&self) -> i64 {
        self.ledger.iter().map(|entry| entry.delta).sum()
    }

    /// CO-9, CO-11: what paying for `usage` takes from this code of `product`. Checks
    /// only: the caller appends the entry in the booking's transaction.
    pub fn redeem(&self, product: &Product, usage: Use<'_>) -> Result<Redemption, RedeemError> {
        let Use {
            appointment,
            kind,
            price,
            holder,
            today,
            now,
        } = usage;
        if self.status == Status::Cancelled {
            return Err(RedeemError::Cancelled);
        }
        if let Some(last) = self.expires_on.filter(|last| today > *last) {
            return Err(RedeemError::Expired(last));
        }
        if !product.details.covers.covers(kind) {
            return Err(RedeemError::NotCovered);
        }
        if let Some(assigned) = &self.assigned_to
            && holder.is_none_or(|holder| holder.key() != assigned.key())
        {
            return Err(RedeemError::NotYours);
        }
        let left = self.remaining();
        if left <= 0 {
            return Err(RedeemError::NothingLeft);
        }
        let zero = Money::zero(price.currency());
        let (delta, covered, to_pay) = match self.unit {
            Unit::Appointments => (1, price, zero),
            Unit::Money(currency) => {
                if currency != price.currency() {
                    return Err(RedeemError::OtherCurrency {
                        code: currency,
                        price: price.currency(),
                    });
                }
                let price_units = price.minor_units().unwrap_or(i64::MAX);
                let taken = price_units.min(left);
                let covered = Money::from_minor_units(taken, currency).unwrap_or(zero);
                let to_pay = price.saturating_sub(covered).unwrap_or(zero);
                (taken, covered, to_pay)
            }
        };
        Ok(Redemption {
            entry: Entry {
                at: now,
                actor: None,
                reason: Reason::Redemption(appointment),
                delta: -delta,
            },
            covered,
            to_pay,
        })
    }

    /// CO-9: the entry that gives back what `appointment` took, if it took anything and
    /// has not had it back.
    pub fn give_back(&self, appointment: AppointmentId, now: DateTime<Utc>) -> Option<Entry> {
        let taken: i64 = self
            .ledger
            .iter()
            .filter_map(|entry| match entry.reason {
                Reason::Redemption(a) | Reason::GiveBack(a) if a == appointment => {
                    Some(entry.delta)
                }
                _ => None,
            })
            .sum();
        (taken < 0).then(|| Entry {
            at: now,
            actor: None,
            reason: Reason::GiveBack(appointment),
            delta: -taken,
        })
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::product::{ProductDetails, ProductInput};

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_796_000_000, 0).unwrap()
    }

    fn today() -> NaiveDate {
        now().date_naive()
    }

    fn massage() -> AppointmentTypeId {
        AppointmentTypeId::from_uuid(Uuid::from_u128(1))
    }

    fn facial() -> AppointmentTypeId {
        AppointmentTypeId::from_uuid(Uuid::from_u128(2))
    }

    fn product(input: ProductInput) -> Product {
        let details = ProductDetails::parse(&input, eur()).unwrap();
        Product::new(
            ProductId::from_uuid(Uuid::from_u128(3)),
            BusinessId::from_uuid(Uuid::from_u128(4)),
            details,
            now(),
        )
    }

    fn package_input() -> ProductInput {
        ProductInput {
            name: "Three massages".into(),
            kind: "package".into(),
            appointments: Some(3),
            price: "150.00".into(),
            appointment_types: vec![massage()],
            ..ProductInput::default()
        }
    }

    fn package() -> Product {
        product(package_input())
    }

    fn gift() -> Product {
        product(ProductInput {
            name: "Gift".into(),
            kind: "gift_certificate".into(),
            value: Some("100.00".into()),
            price: "100.00".into(),
            ..ProductInput::default()
        })
    }

    fn code(product: &Product, granted: i64) -> Code {
        Code {
            id: CodeId::from_uuid(Uuid::from_u128(5)),
            business_id: product.business_id,
            product_id: product.id,
            order_id: None,
            client_id: None,
            text: CodeText::from_random([9; 16]),
            unit: Unit::of(product),
            status: Status::Active,
            expires_on: None,
            assigned_to: None,
            ledger: vec![Entry {
                at: now(),
                actor: None,
                reason: Reason::Grant,
                delta: granted,
            }],
        }
    }

    fn euros(text: &str) -> Money {
        Money::parse("price", text, eur()).unwrap()
    }

    fn appointment(n: u128) -> AppointmentId {
        AppointmentId::from_uuid(Uuid::from_u128(100 + n))
    }

    fn usage<'a>(
        kind: AppointmentTypeId,
        price: &str,
        holder: Option<&'a EmailAddress>,
    ) -> Use<'a> {
        Use {
            appointment: appointment(1),
            kind,
            price: euros(price),
            holder,
            today: today(),
            now: now(),
        }
    }

    fn redeem(code: &Code, product: &Product, price: &str) -> Result<Redemption, RedeemError> {
        code.redeem(product, usage(massage(), price, None))
    }

    #[test]
    fn co_9_a_count_code_takes_one_appointment_and_covers_the_price() {
        let package = package();
        let code = code(&package, 3);

        let used = redeem(&code, &package, "60.00").unwrap();

        assert_eq!(used.entry.delta, -1);
        assert_eq!(used.entry.reason, Reason::Redemption(appointment(1)));
        assert_eq!((used.covered, used.to_pay), (euros("60.00"), euros("0")));
    }

    #[test]
    fn co_9_a_money_certificate_takes_the_price_and_leaves_the_difference_to_pay() {
        let gift = gift();
        let mut code = code(&gift, 10_000);

        let partial = redeem(&code, &gift, "60.00").unwrap();
        code.ledger.push(partial.entry.clone());
        let beyond = redeem(&code, &gift, "60.00").unwrap();

        assert_eq!(
            (partial.covered, partial.to_pay),
            (euros("60.00"), euros("0"))
        );
        assert_eq!(code.remaining(), 4_000);
        assert_eq!(
            (beyond.covered, beyond.to_pay),
            (euros("40.00"), euros("20.00"))
        );
        assert_eq!(beyond.entry.delta, -4_000);
    }

    #[test]
    fn co_9_a_code_refuses_what_it_cannot_pay_for() {
        let package = package();
        let mut used_up = code(&package, 1);
        used_up.ledger.push(Entry {
            at: now(),
            actor: None,
            reason: Reason::Redemption(appointment(9)),
            delta: -1,
        });
        let mut expired = code(&package, 3);
        expired.expires_on = Some(today().pred_opt().unwrap());
        let mut cancelled = code(&package, 3);
        cancelled.status = Status::Cancelled;
        let valid = code(&package, 3);
        let expiring_today = Code {
            expires_on: Some(today()),
            ..valid.clone()
        };

        assert_eq!(
            redeem(&used_up, &package, "60.00"),
            Err(RedeemError::NothingLeft)
        );
        assert!(matches!(
            redeem(&expired, &package, "60.00"),
            Err(RedeemError::Expired(_))
        ));
        assert_eq!(
            redeem(&cancelled, &package, "60.00"),
            Err(RedeemError::Cancelled)
        );
        assert!(redeem(&expiring_today, &package, "60.00").is_ok());
        assert_eq!(
            valid.redeem(&package, usage(facial(), "60.00", None)),
            Err(RedeemError::NotCovered)
        );
    }

    #[test]
    fn co_11_an_assigned_code_works_only_for_its_email_and_a_gift_for_any_holder() {
        let gift = gift();
        let mut assigned = code(&gift, 10_000);
        assigned.assigned_to = Some(EmailAddress::parse("email", "Ana@Example.com").unwrap());
        let anyone = code(&gift, 10_000);
        let ana = EmailAddress::parse("email", "ana@example.com").unwrap();
        let bruno = EmailAddress::parse("email", "bruno@example.com").unwrap();
        let by = |code: &Code, holder: Option<&EmailAddress>| {
            code.redeem(&gift, usage(massage(), "10.00", holder))
        };

        assert!(by(&assigned, Some(&ana)).is_ok());
        assert_eq!(by(&assigned, Some(&bruno)), Err(RedeemError::NotYours));
        assert_eq!(by(&assigned, None), Err(RedeemError::NotYours));
        assert!(by(&anyone, Some(&bruno)).is_ok());
    }

    #[test]
    fn co_3_co_4_a_code_is_worth_what_its_product_gives_and_expires_as_it_says() {
        let package = product(ProductInput {
            validity_months: Some(6),
            ..package_input()
        });
        let text = CodeText::from_random([1; 16]);
        let order = OrderId::from_uuid(Uuid::from_u128(7));
        let staff = StaffId::from_uuid(Uuid::from_u128(8));
        let id = CodeId::from_uuid(Uuid::from_u128(6));

        let bought = Code::issue(
            id,
            &package,
            text.clone(),
            None,
            Origin::Purchase(order),
            today(),
            now(),
        )
        .unwrap();
        let given = Code::issue(
            id,
            &gift(),
            text.clone(),
            None,
            Origin::Grant(staff),
            today(),
            now(),
        )
        .unwrap();
        let mut archived = package.clone();
        archived.archive(now());

        assert_eq!((bought.remaining(), bought.order_id), (3, Some(order)));
        assert_eq!(
            bought.expires_on,
            today().checked_add_months(chrono::Months::new(6))
        );
        assert_eq!(bought.ledger[0].reason, Reason::Purchase(order));
        assert_eq!(
            (given.remaining(), given.order_id, given.unit),
            (10_000, None, Unit::Money(eur()))
        );
        assert_eq!(
            (given.ledger[0].reason.clone(), given.ledger[0].actor),
            (Reason::Grant, Some(staff))
        );
        assert_eq!(
            Code::issue(
                id,
                &archived,
                text,
                None,
                Origin::Grant(staff),
                today(),
                now()
            ),
            Err(CodeChangeError::Archived)
        );
    }

    #[test]
    fn co_5_a_staff_edit_is_a_ledger_entry_and_never_breaks_a_renewal() {
        let package = package();
        let subscription = product(ProductInput {
            kind: "subscription".into(),
            period_unit: Some("month".into()),
            ..package_input()
        });
        let staff = StaffId::from_uuid(Uuid::from_u128(8));
        let mut renewed = code(&subscription, 3);
        let mut code = code(&package, 3);
        let later = today().succ_opt();

        code.edit(
            &package,
            CodeEdit {
                remaining: Some(5),
                expires_on: Some(later),
                ..CodeEdit::default()
            },
            staff,
            now(),
        )
        .unwrap();

        assert_eq!(code.remaining(), 5);
        assert_eq!(
            code.ledger.last().map(|e| (e.delta, e.actor)),
            Some((2, Some(staff)))
        );
        assert_eq!(code.expires_on, later);
        assert_eq!(
            renewed.edit(
                &subscription,
                CodeEdit {
                    expires_on: Some(later),
                    ..CodeEdit::default()
                },
                staff,
                now()
            ),
            Err(CodeChangeError::BreaksRenewal)
        );
        assert_eq!(
            code.edit(
                &package,
                CodeEdit {
                    remaining: Some(-1),
                    ..CodeEdit::default()
                },
                staff,
                now()
            ),
            Err(CodeChangeError::Negative)
        );
        assert!(
            renewed
                .edit(
                    &subscription,
                    CodeEdit {
                        remaining: Some(4),
                        ..CodeEdit::default()
                    },
                    staff,
                    now()
                )
                .is_ok()
        );
        code.cancel().unwrap();
        assert_eq!(code.cancel(), Err(CodeChangeError::Cancelled));
        assert_eq!(
            code.edit(&package, CodeEdit::default(), staff, now()),
            Err(CodeChangeError::Cancelled)
        );
    }

    #[test]
    fn co_12_cancelling_gives_back_exactly_what_the_appointment_took_once() {
        let gift = gift();
        let mut code = code(&gift, 10_000);
        let used = redeem(&code, &gift, "60.00").unwrap();
        code.ledger.push(used.entry);

        let back = code.give_back(appointment(1), now()).unwrap();
        code.ledger.push(back.clone());

        assert_eq!(
            (back.delta, back.reason),
            (6_000, Reason::GiveBack(appointment(1)))
        );
        assert_eq!(code.remaining(), 10_000);
        assert_eq!(
            code.give_back(appointment(1), now()),
            None,
            "given back once"
        );
        assert_eq!(code.give_back(appointment(2), now()), None, "nothing taken");
    }
}
