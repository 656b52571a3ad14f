//! Codes (CO-3 to CO-12): what a client holds after buying a product (or being given one):
//! a typeable text, a status, an expiry, an optional assigned email, and a balance kept
//! as an append-only ledger. Every change to the balance (grant, purchase, redemption,
//! give-back, refresh, staff edit, expiry) is an [`Entry`] with its time, actor and
//! reason, made by the method that changes it; the code keeps the sum ([`Code::remaining`])
//! and storage appends each entry beside it, so the balance is always the ledger's sum.

#[cfg(test)]
mod tests;
mod text;

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;

use crate::audit::FieldChange;
use crate::contact::EmailAddress;
use crate::ids::{AppointmentId, AppointmentTypeId, BusinessId, ClientId, CodeId, OrderId};
use crate::ids::{AuditId, ProductId, StaffId};
use crate::money::{Currency, Money};
use crate::product::{Family, Product, ProductKind};
use crate::version::Version;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl Reason {
    /// The reason's name, as stored and shown.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Purchase(_) => "purchase",
            Self::Grant => "grant",
            Self::Redemption(_) => "redemption",
            Self::GiveBack(_) => "give_back",
            Self::Refresh => "refresh",
            Self::StaffEdit => "staff_edit",
            Self::Expiry => "expiry",
        }
    }

    /// The appointment it concerns, for a redemption or a give-back.
    pub fn appointment(&self) -> Option<AppointmentId> {
        match self {
            Self::Redemption(a) | Self::GiveBack(a) => Some(*a),
            _ => None,
        }
    }

    /// The order it concerns, for a purchase.
    pub fn order(&self) -> Option<OrderId> {
        match self {
            Self::Purchase(order) => Some(*order),
            _ => None,
        }
    }

    /// The reason named `name`, with the ids it needs: `None` if they do not fit.
    pub fn from_parts(
        name: &str,
        appointment: Option<AppointmentId>,
        order: Option<OrderId>,
    ) -> Option<Self> {
        match (name, appointment, order) {
            ("purchase", None, Some(order)) => Some(Self::Purchase(order)),
            ("grant", None, None) => Some(Self::Grant),
            ("redemption", Some(a), None) => Some(Self::Redemption(a)),
            ("give_back", Some(a), None) => Some(Self::GiveBack(a)),
            ("refresh", None, None) => Some(Self::Refresh),
            ("staff_edit", None, None) => Some(Self::StaffEdit),
            ("expiry", None, None) => Some(Self::Expiry),
            _ => None,
        }
    }
}

/// One change of a code's balance: `delta` in the code's [`Unit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// Past its last day: what was left is gone (an `Expiry` entry).
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "active" => Some(Self::Active),
            "cancelled" => Some(Self::Cancelled),
            "expired" => Some(Self::Expired),
            _ => None,
        }
    }
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
    #[error("the code belongs to someone else")]
    NotYours,
    #[error("the code is in {code}, the appointment in {price}")]
    OtherCurrency { code: Currency, price: Currency },
}

/// Who books with a code: the booking's client and the email the booking was made with.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    pub client: ClientId,
    pub email: Option<&'a EmailAddress>,
}

/// An appointment a code is to pay for: of `kind`, costing `price`, booked by `holder`,
/// on the business's day `today`.
#[derive(Debug, Clone, Copy)]
pub struct Use<'a> {
    pub appointment: AppointmentId,
    pub kind: AppointmentTypeId,
    pub price: Money,
    pub holder: Holder<'a>,
    /// The staff member booking, `None` for a client booking for themselves.
    pub actor: Option<StaffId>,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
}

/// What using a code for an appointment took, and what is left to pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redemption {
    pub entry: Entry,
    /// The part of the price the code pays (all of it for a count of appointments).
    pub covered: Money,
    /// The rest of the price, to pay otherwise.
    pub to_pay: Money,
}

/// What a code cannot have done to it (a conflict, or a value out of range).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodeChangeError {
    #[error("the product is archived: it is no longer sold")]
    Archived,
    #[error("the code is cancelled")]
    Cancelled,
    #[error("the code has expired")]
    Expired,
    #[error("a remaining value is from 0 to {}", Code::MAX_REMAINING)]
    OutOfRange,
    #[error(
        "a subscription's code expires with its membership: changing it would break its renewal"
    )]
    BreaksRenewal,
    #[error("only a subscription's code is refreshed")]
    NotSubscription,
    #[error("the subscription has ended: its code is no longer refreshed")]
    Ended,
}

/// A staff edit (CO-5); `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeEdit {
    pub remaining: Option<i64>,
    pub expires_on: Option<Option<NaiveDate>>,
    pub assigned_to: Option<Option<EmailAddress>>,
}

/// What a staff edit changed: the ledger entry of a new remaining value, and every
/// field's old and new value for the audit (CO-5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub entry: Option<Entry>,
    pub changes: Vec<FieldChange>,
}

/// How a code came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Bought with an order (CO-3).
    Purchase(OrderId),
    /// Given by a staff member (CO-4).
    Grant(StaffId),
    /// A membership's paid period, when it had no code to refresh (CO-10, ME-7): its
    /// first entry is a refresh.
    Renewal,
}

/// Who a new code is for: the client, and their email (AC-10: a package or
/// subscription is assigned to its buyer's email; a gift certificate to nobody, so it
/// can be given away).
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    pub client: ClientId,
    pub email: Option<&'a EmailAddress>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub(crate) id: CodeId,
    pub(crate) business_id: BusinessId,
    pub(crate) product_id: ProductId,
    pub(crate) family: Family,
    pub(crate) order_id: Option<OrderId>,
    pub(crate) client_id: Option<ClientId>,
    pub(crate) text: CodeText,
    pub(crate) unit: Unit,
    pub(crate) status: Status,
    pub(crate) expires_on: Option<NaiveDate>,
    pub(crate) assigned_to: Option<EmailAddress>,
    pub(crate) remaining: i64,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) version: Version,
}

/// Everything a stored code is made of, for [`Code::restore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeParts {
    pub id: CodeId,
    pub business_id: BusinessId,
    pub product_id: ProductId,
    pub family: Family,
    pub order_id: Option<OrderId>,
    pub client_id: Option<ClientId>,
    pub text: CodeText,
    pub unit: Unit,
    pub status: Status,
    pub expires_on: Option<NaiveDate>,
    pub assigned_to: Option<EmailAddress>,
    /// The sum of the code's ledger.
    pub remaining: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: Version,
}

impl Code {
    /// The most a balance may hold: 1,000,000 appointments or 10^12 minor units.
    pub const MAX_REMAINING: i64 = 1_000_000_000_000;

    pub fn restore(parts: CodeParts) -> Self {
        let CodeParts {
            id,
            business_id,
            product_id,
            family,
            order_id,
            client_id,
            text,
            unit,
            status,
            expires_on,
            assigned_to,
            remaining,
            created_at,
            updated_at,
            version,
        } = parts;
        Self {
            id,
            business_id,
            product_id,
            family,
            order_id,
            client_id,
            text,
            unit,
            status,
            expires_on,
            assigned_to,
            remaining,
            created_at,
            updated_at,
            version,
        }
    }

    pub fn into_parts(self) -> CodeParts {
        let Self {
            id,
            business_id,
            product_id,
            family,
            order_id,
            client_id,
            text,
            unit,
            status,
            expires_on,
            assigned_to,
            remaining,
            created_at,
            updated_at,
            version,
        } = self;
        CodeParts {
            id,
            business_id,
            product_id,
            family,
            order_id,
            client_id,
            text,
            unit,
            status,
            expires_on,
            assigned_to,
            remaining,
            created_at,
            updated_at,
            version,
        }
    }

    pub fn id(&self) -> CodeId {
        self.id
    }

    pub fn business_id(&self) -> BusinessId {
        self.business_id
    }

    pub fn product_id(&self) -> ProductId {
        self.product_id
    }

    pub fn family(&self) -> Family {
        self.family
    }

    pub fn order_id(&self) -> Option<OrderId> {
        self.order_id
    }

    pub fn client_id(&self) -> Option<ClientId> {
        self.client_id
    }

    pub fn text(&self) -> &CodeText {
        &self.text
    }

    pub fn unit(&self) -> Unit {
        self.unit
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn expires_on(&self) -> Option<NaiveDate> {
        self.expires_on
    }

    pub fn assigned_to(&self) -> Option<&EmailAddress> {
        self.assigned_to.as_ref()
    }

    /// What is left (CO-7): the sum of the ledger, in [`Code::unit`].
    pub fn remaining(&self) -> i64 {
        self.remaining
    }

    /// What is left as money, for a money gift certificate.
    pub fn remaining_money(&self) -> Option<Money> {
        match self.unit {
            Unit::Money(currency) => Money::from_minor_units(self.remaining, currency).ok(),
            Unit::Appointments => None,
        }
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    pub fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    pub fn version(&self) -> Version {
        self.version
    }

    /// CO-3, CO-4: a new code of `product`, worth what the product gives, expiring as
    /// its validity says from `today`; with the ledger's first entry.
    pub fn issue(
        id: CodeId,
        product: &Product,
        text: CodeText,
        owner: Option<Owner<'_>>,
        origin: Origin,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(Self, Entry), CodeChangeError> {
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
            Origin::Renewal => (None, None, Reason::Refresh),
        };
        let family = product.details.kind.family();
        let assigned_to = match (family, owner) {
            (Family::GiftCertificate, _) | (_, None) => None,
            (_, Some(owner)) => owner.email.cloned(),
        };
        let code = Self {
            id,
            business_id: product.business_id,
            product_id: product.id,
            family,
            order_id,
            client_id: owner.map(|o| o.client),
            text,
            unit: Unit::of(product),
            status: Status::Active,
            expires_on: product.last_day(today),
            assigned_to,
            remaining: value,
            created_at: now,
            updated_at: now,
            version: Version::initial(),
        };
        let entry = Entry {
            at: now,
            actor,
            reason,
            delta: value,
        };
        Ok((code, entry))
    }

    fn touch(&mut self, now: DateTime<Utc>) {
        self.updated_at = now;
        self.version = self.version.next();
    }

    fn apply(&mut self, entry: Entry) -> Entry {
        self.remaining += entry.delta;
        self.touch(entry.at);
        entry
    }

    fn ensure_usable(&self) -> Result<(), CodeChangeError> {
        match self.status {
            Status::Active => Ok(()),
            Status::Cancelled => Err(CodeChangeError::Cancelled),
            Status::Expired => Err(CodeChangeError::Expired),
        }
    }

    /// CO-11: whether `holder` may use the code. An assigned code is for its email only;
    /// an unassigned gift certificate for anyone holding it; an unassigned package or
    /// subscription for its own client.
    pub fn usable_by(&self, holder: Holder<'_>) -> bool {
        match &self.assigned_to {
            Some(assigned) => holder.email.is_some_and(|e| e.key() == assigned.key()),
            None => self.family == Family::GiftCertificate || self.client_id == Some(holder.client),
        }
    }

    /// CO-9: uses the code for an appointment: one appointment of a count, or the price
    /// (at most what is left) of a money certificate.
    pub fn redeem(&mut self, product: &Product, usage: Use<'_>) -> Result<Redemption, RedeemError> {
        let Use {
            appointment,
            kind,
            price,
            holder,
            actor,
            today,
            now,
        } = usage;
        match self.status {
            Status::Active => {}
            Status::Cancelled => return Err(RedeemError::Cancelled),
            Status::Expired => return Err(RedeemError::Expired(self.expires_on.unwrap_or(today))),
        }
        if let Some(last) = self.expires_on.filter(|last| today > *last) {
            return Err(RedeemError::Expired(last));
        }
        if !product.details.covers.covers(kind) {
            return Err(RedeemError::NotCovered);
        }
        if !self.usable_by(holder) {
            return Err(RedeemError::NotYours);
        }
        if self.remaining <= 0 {
            return Err(RedeemError::NothingLeft);
        }
        let zero = Money::zero(price.currency());
        let (taken, covered, to_pay) = match self.unit {
            Unit::Appointments => (1, price, zero),
            Unit::Money(currency) => {
                if currency != price.currency() {
                    return Err(RedeemError::OtherCurrency {
                        code: currency,
                        price: price.currency(),
                    });
                }
                let taken = price.minor_units().unwrap_or(i64::MAX).min(self.remaining);
                let covered = Money::from_minor_units(taken, currency).unwrap_or(zero);
                let to_pay = price.saturating_sub(covered).unwrap_or(zero);
                (taken, covered, to_pay)
            }
        };
        let entry = self.apply(Entry {
            at: now,
            actor,
            reason: Reason::Redemption(appointment),
            delta: -taken,
        });
        Ok(Redemption {
            entry,
            covered,
            to_pay,
        })
    }

    /// CO-9, AP-3: gives back what `appointment` took, given the code's ledger entries
    /// about that appointment; `None` when it took nothing or was given back already.
    /// The value returns whatever the code's status (its history stays exact).
    pub fn give_back(
        &mut self,
        entries_of_appointment: &[Entry],
        appointment: AppointmentId,
        actor: Option<StaffId>,
        now: DateTime<Utc>,
    ) -> Option<Entry> {
        let taken: i64 = entries_of_appointment
            .iter()
            .filter(|entry| entry.reason.appointment() == Some(appointment))
            .map(|entry| entry.delta)
            .sum();
        (taken < 0).then(|| {
            self.apply(Entry {
                at: now,
                actor,
                reason: Reason::GiveBack(appointment),
                delta: -taken,
            })
        })
    }

    /// CO-5: a staff edit; a new remaining value is a ledger entry, every change is
    /// listed for the audit. A subscription's expiry follows its membership: changing it
    /// would break the renewal, so it is refused.
    pub fn edit(
        &mut self,
        edit: CodeEdit,
        actor: StaffId,
        now: DateTime<Utc>,
    ) -> Result<Edited, CodeChangeError> {
        self.ensure_usable()?;
        if self.family == Family::Subscription
            && edit.expires_on.is_some_and(|e| e != self.expires_on)
        {
            return Err(CodeChangeError::BreaksRenewal);
        }
        if edit
            .remaining
            .is_some_and(|r| !(0..=Self::MAX_REMAINING).contains(&r))
        {
            return Err(CodeChangeError::OutOfRange);
        }
        let mut changes = Vec::new();
        let mut entry = None;
        if let Some(remaining) = edit.remaining.filter(|r| *r != self.remaining) {
            changes.push(FieldChange {
                field: "remaining".into(),
                old: Some(self.remaining.to_string()),
                new: Some(remaining.to_string()),
            });
            entry = Some(self.apply(Entry {
                at: now,
                actor: Some(actor),
                reason: Reason::StaffEdit,
                delta: remaining - self.remaining,
            }));
        }
        if let Some(expires_on) = edit.expires_on.filter(|e| *e != self.expires_on) {
            changes.push(FieldChange {
                field: "expires_on".into(),
                old: self.expires_on.map(|d| d.to_string()),
                new: expires_on.map(|d| d.to_string()),
            });
            self.expires_on = expires_on;
        }
        if let Some(assigned_to) = edit.assigned_to
            && assigned_to.as_ref().map(EmailAddress::key)
                != self.assigned_to.as_ref().map(EmailAddress::key)
        {
            changes.push(FieldChange {
                field: "assigned_to".into(),
                old: self.assigned_to.as_ref().map(|e| e.as_str().to_owned()),
                new: assigned_to.as_ref().map(|e| e.as_str().to_owned()),
            });
            self.assigned_to = assigned_to;
        }
        if !changes.is_empty() {
            self.touch(now);
        }
        Ok(Edited { entry, changes })
    }

    /// CO-6: the code can no longer be used. Its balance stays as it was, for the record.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<(), CodeChangeError> {
        self.ensure_usable()?;
        self.status = Status::Cancelled;
        self.touch(now);
        Ok(())
    }

    /// CO-10: a successful renewal sets the balance back to the product's per-period
    /// count, or adds it when the product lets unused appointments roll over. `None`
    /// when the balance is already what it should be.
    pub fn refresh(
        &mut self,
        product: &Product,
        now: DateTime<Utc>,
    ) -> Result<Option<Entry>, CodeChangeError> {
        self.ensure_usable()?;
        let ProductKind::Subscription {
            appointments,
            rollover,
            ..
        } = product.details.kind
        else {
            return Err(CodeChangeError::NotSubscription);
        };
        if self.expires_on.is_some() {
            return Err(CodeChangeError::Ended);
        }
        let per_period = i64::from(appointments.get());
        let delta = if rollover {
            per_period.min(Self::MAX_REMAINING - self.remaining)
        } else {
            per_period - self.remaining
        };
        Ok((delta != 0).then(|| {
            self.apply(Entry {
                at: now,
                actor: None,
                reason: Reason::Refresh,
                delta,
            })
        }))
    }

    /// CO-10: a cancelled subscription's code stays usable until what would have been
    /// its next renewal date, and is then expired: its last day is the day before.
    pub fn end_subscription(
        &mut self,
        next_renewal: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(), CodeChangeError> {
        self.ensure_usable()?;
        if self.family != Family::Subscription {
            return Err(CodeChangeError::NotSubscription);
        }
        self.expires_on = Some(next_renewal.pred_opt().unwrap_or(next_renewal));
        self.touch(now);
        Ok(())
    }

    /// CO-10, ME-10: a cancelled subscription reactivated before its code's last day:
    /// the code is refreshed again at each renewal instead of expiring. `false` (and
    /// nothing changed) when the code was not ended.
    pub fn continue_subscription(&mut self, now: DateTime<Utc>) -> Result<bool, CodeChangeError> {
        self.ensure_usable()?;
        if self.family != Family::Subscription {
            return Err(CodeChangeError::NotSubscription);
        }
        if self.expires_on.take().is_none() {
            return Ok(false);
        }
        self.touch(now);
        Ok(true)
    }

    /// PL-16: an active code past its last day expires; what was left goes with an
    /// `Expiry` entry (of 0 when nothing was left, so the ledger says when it expired).
    /// `None` when the code is not due to expire on `today`.
    pub fn expire(&mut self, today: NaiveDate, now: DateTime<Utc>) -> Option<Entry> {
        let due = self.status == Status::Active && self.expires_on.is_some_and(|l| l < today);
        due.then(|| {
            self.status = Status::Expired;
            self.apply(Entry {
                at: now,
                actor: None,
                reason: Reason::Expiry,
                delta: -self.remaining,
            })
        })
    }
}

/// CO-5: one field of a code changed by staff, with its old and new values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeAudit {
    pub id: AuditId,
    pub business_id: BusinessId,
    pub code_id: CodeId,
    pub actor: StaffId,
    pub at: DateTime<Utc>,
    pub change: FieldChange,
}
