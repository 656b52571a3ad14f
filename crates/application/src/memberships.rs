//! Membership types and memberships, staff side (ME-1, ME-2, ME-4, ME-10, ME-11, ME-18 to
//! ME-20). Owners and admins define types; staff create memberships for clients they can
//! see and act on them. Every date is a calendar day in the business's time zone; a
//! membership is due (for the billing worker) at the start of its next billing day.
//!
//! Not audited: the audit trail is the clients' (PL-19), there is none for memberships
//! yet. Payment methods: `manual`, `direct_debit` (a mandate is requested later, ME-15)
//! and `card`: one of the client's cards stored with the payments module (PL-19).

use chrono::{Days, NaiveDate};
use thiserror::Error;

use clientele_domain::membership::{
    Anchor, ChangeError, ChangedBy, ChargeError, CreateError, EditError, FirstBilling, Membership,
    MembershipEdit, MembershipType, MembershipTypeDetails, MembershipTypeError,
    MembershipTypeInput, NewMembership, Pause, PaymentKind, PaymentMethod, PeriodUnit, RateChoice,
    StoredCard,
};
use clientele_domain::product::{Product, ProductKind};
use clientele_domain::{
    Actor, Business, ClientId, Currency, FieldError, Forbidden, MembershipId, MembershipTypeId,
    Money, PageLimit, PaymentMethodId, Permission, ProductId, TimeZone, ValidationErrors, Version,
};
pub use clientele_ports::storage::{
    Charge, ChargeStatus, DateRange, MembershipLine, MembershipQuery, QuickView, QuickViewCounts,
    StatusFilter,
};
use clientele_ports::{StorageError, Transaction};

use crate::access::{AccessError, business_of, require_whole_business, visible_client};
use crate::billing::due_at;
use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::{Clientele, Page};

/// How many charges a membership's detail shows (ME-19).
const RECENT_CHARGES: u32 = 10;
/// How far the quick views look ahead (ME-18).
const HORIZON_DAYS: u64 = 7;

#[derive(Debug, Error)]
pub enum MembershipError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the membership does not exist")]
    NotFound,
    #[error("the membership type does not exist")]
    TypeNotFound,
    #[error("{0}")]
    Type(#[from] MembershipTypeError),
    #[error("{0}")]
    Create(#[from] CreateError),
    #[error("{0}")]
    Edit(#[from] EditError),
    #[error("{0}")]
    Change(#[from] ChangeError),
    #[error("the membership was changed since the version you sent: read it again")]
    VersionConflict,
    #[error("{0}")]
    Charge(ChargeError),
    #[error("a charge of the membership is in progress at the processor: try again shortly")]
    ChargeInProgress,
    #[error("nothing is due: the next billing date is {0}")]
    NothingDue(NaiveDate),
    #[error(transparent)]
    Access(AccessError),
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for MembershipError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) | Self::Type(_) | Self::Create(_) => ErrorKind::RuleViolated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound | Self::TypeNotFound => ErrorKind::NotFound,
            Self::Edit(EditError::Stale { .. }) | Self::VersionConflict => ErrorKind::Conflict,
            Self::Edit(_) => ErrorKind::RuleViolated,
            // A date or a count that can never be right is a broken rule; a change the
            // membership's state refuses (cancelled, not paused…) is a conflict.
            Self::Change(
                ChangeError::DateInPast { .. }
                | ChangeError::NoPeriods
                | ChangeError::DateOutOfRange
                | ChangeError::PaymentMethod(_),
            ) => ErrorKind::RuleViolated,
            Self::Change(_) | Self::Charge(_) | Self::ChargeInProgress | Self::NothingDue(_) => {
                ErrorKind::Conflict
            }
            Self::Access(error) => error.kind(),
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => &errors.0,
            Self::Access(error) => error.field_errors(),
            _ => &[],
        }
    }
}

impl From<StorageError> for MembershipError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            StorageError::VersionConflict => Self::VersionConflict,
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for MembershipError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::Storage(error) => error.into(),
            AccessError::ClientNotFound => Self::NotFound,
            other => Self::Access(other),
        }
    }
}

/// A membership type as sent (ME-1): the rate as typed, in `currency` if named (it must be
/// the business's).
#[derive(Debug, Clone)]
pub struct MembershipTypeRequest {
    pub name: String,
    pub rate: String,
    pub currency: Option<String>,
    pub period_unit: PeriodUnit,
    pub period_every: u32,
    pub credits: u32,
    pub payment: PaymentKind,
    /// CO-10: the subscription product whose code holds each period's appointments.
    pub appointments_product_id: Option<ProductId>,
    /// ME-17: the day every membership is billed on, as `Anchor::parse` reads it for the
    /// period; `None` bills each one on its start date.
    pub fixed_day: Option<String>,
    /// ME-17: a mid-cycle start pays the pro-rated part of its first period.
    pub prorate: bool,
}

/// A membership as staff create it from the client profile (ME-2).
#[derive(Debug, Clone)]
pub struct MembershipRequest {
    pub client_id: ClientId,
    pub type_id: MembershipTypeId,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// An individual rate as typed; `None` for the type's.
    pub rate: Option<String>,
    pub currency: Option<String>,
    /// The first billing date; the anchor is on it (ME-4). `None`: the first billing day.
    pub first_billing_date: Option<NaiveDate>,
    pub payment: PaymentKind,
    /// For a card: the client's stored card; `None` for the latest one stored.
    pub card: Option<PaymentMethodId>,
}

/// A staff edit (ME-11); `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct MembershipEditRequest {
    pub type_id: Option<MembershipTypeId>,
    /// An individual rate as typed.
    pub rate: Option<String>,
    pub currency: Option<String>,
    /// Back to the type's rate.
    pub type_rate: bool,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub remove_end_date: bool,
    pub next_billing_date: Option<NaiveDate>,
}

/// ME-18: which memberships to list; days are the business's.
#[derive(Debug, Clone, Default)]
pub struct MembershipFilter {
    pub view: Option<QuickView>,
    pub status: Option<StatusFilter>,
    pub type_id: Option<MembershipTypeId>,
    pub created: DateRange,
    pub ends: DateRange,
    pub next_billing: DateRange,
}

/// ME-19: a membership with its latest charges.
#[derive(Debug, Clone)]
pub struct MembershipDetail {
    pub membership: Membership,
    pub recent_charges: Vec<Charge>,
}

const TYPES: &str = "membership_types";
const MEMBERSHIPS: &str = "memberships";

impl Clientele {
    /// ME-1: a new membership type (owner, admin).
    pub async fn create_membership_type(
        &self,
        actor: &Actor,
        request: &MembershipTypeRequest,
    ) -> Result<MembershipType, MembershipError> {
        actor.require(Permission::ManageServices)?;
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let details = type_details(tx.as_mut(), &business, request).await?;
        let kind = MembershipType::define(
            MembershipTypeId::from_uuid(self.ids.new_id()),
            actor.business_id,
            details,
        );
        tx.insert_membership_type(&kind).await?;
        tx.commit().await?;
        Ok(kind)
    }

    pub async fn membership_type(
        &self,
        actor: &Actor,
        id: MembershipTypeId,
    ) -> Result<MembershipType, MembershipError> {
        let mut tx = self.storage.read().await?;
        tx.membership_type(actor.business_id, id)
            .await?
            .ok_or(MembershipError::TypeNotFound)
    }

    /// The business's membership types, by id.
    pub async fn list_membership_types(
        &self,
        actor: &Actor,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<MembershipType>, MembershipError> {
        let listing = Listing::of(actor.business_id, TYPES);
        let after: Option<MembershipTypeId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let rows = tx
            .membership_types(actor.business_id, after, limit.get() + 1)
            .await?;
        Ok(self
            .cursors
            .paginate(&listing, rows, limit.get(), |t| t.id()))
    }

    /// ME-1: replaces a type's details, based on its `version` (owner, admin). Existing
    /// memberships keep their rate and billing day.
    pub async fn update_membership_type(
        &self,
        actor: &Actor,
        id: MembershipTypeId,
        version: Version,
        request: &MembershipTypeRequest,
    ) -> Result<MembershipType, MembershipError> {
        actor.require(Permission::ManageServices)?;
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let details = type_details(tx.as_mut(), &business, request).await?;
        let mut kind = tx
            .membership_type(actor.business_id, id)
            .await?
            .ok_or(MembershipError::TypeNotFound)?;
        if kind.version() != version {
            return Err(MembershipError::VersionConflict);
        }
        kind.revise(details);
        if kind.version() != version {
            tx.update_membership_type(&kind, version).await?;
            tx.commit().await?;
        }
        Ok(kind)
    }

    /// ME-2: staff create a membership for a client they can see. Its number is taken in
    /// the same transaction.
    pub async fn create_membership(
        &self,
        actor: &Actor,
        request: &MembershipRequest,
    ) -> Result<Membership, MembershipError> {
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        visible_client(tx.as_mut(), actor, request.client_id)
            .await
            .map_err(client_error)?;
        let kind = tx
            .membership_type(actor.business_id, request.type_id)
            .await?
            .ok_or_else(|| {
                ValidationErrors::single("type_id", "no such membership type in this business")
            })?;
        let payment_method = payment_method(tx.as_mut(), actor, &business, request).await?;
        let individual_rate = request
            .rate
            .as_deref()
            .map(|raw| parse_rate(&business, raw, request.currency.as_deref()))
            .transpose()?;
        let now = business.now(self.clock.now());
        let zone = business.settings.time_zone;
        let number = tx.next_membership_number(actor.business_id).await?;
        let created = Membership::create(
            MembershipId::from_uuid(self.ids.new_id()),
            number,
            &kind,
            NewMembership {
                client_id: request.client_id,
                individual_rate,
                start_date: request.start_date,
                end_date: request.end_date,
                member_since: None,
                first_billing: request
                    .first_billing_date
                    .map_or(FirstBilling::FirstBillingDay, FirstBilling::On),
                payment_method,
                order_id: None,
            },
            business.settings.currency,
            zone.today(now),
        )?;
        let membership = created.membership;
        tx.insert_membership(&membership, now, due_at(&membership, zone))
            .await?;
        tx.commit().await?;
        Ok(membership)
    }

    /// ME-19: a membership with its recent charges, if its client is one the actor sees.
    pub async fn membership(
        &self,
        actor: &Actor,
        id: MembershipId,
    ) -> Result<MembershipDetail, MembershipError> {
        let mut tx = self.storage.read().await?;
        let membership = visible_membership(tx.as_mut(), actor, id).await?;
        let recent_charges = tx
            .charges_of_membership(actor.business_id, id, None, RECENT_CHARGES)
            .await?;
        Ok(MembershipDetail {
            membership,
            recent_charges,
        })
    }

    /// ME-18: the business's memberships, newest first; for members who see every site.
    pub async fn list_memberships(
        &self,
        actor: &Actor,
        filter: &MembershipFilter,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<MembershipLine>, MembershipError> {
        let mut tx = self.storage.read().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let (zone, today) = (
            business.settings.time_zone,
            business.today(self.clock.now()),
        );
        let query = filter.query(zone, today)?;
        let listing =
            Listing::of(actor.business_id, MEMBERSHIPS).with("query", format!("{query:?}"));
        let after: Option<MembershipId> = self.cursors.decode_opt(&listing, cursor)?;
        require_whole_business(tx.as_mut(), actor, "memberships name clients of every site")
            .await?;
        let rows = tx
            .memberships(actor.business_id, &query, after, limit.get() + 1)
            .await?;
        Ok(self
            .cursors
            .paginate(&listing, rows, limit.get(), |l| l.membership.id()))
    }

    /// ME-18: the live count of each quick view, today in the business's time zone.
    pub async fn membership_counts(
        &self,
        actor: &Actor,
    ) -> Result<QuickViewCounts, MembershipError> {
        let mut tx = self.storage.read().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let today = business.today(self.clock.now());
        Ok(tx
            .membership_counts(actor.business_id, today, horizon(today)?)
            .await?)
    }

    /// A client's memberships, newest first.
    pub async fn client_memberships(
        &self,
        actor: &Actor,
        client: ClientId,
    ) -> Result<Vec<Membership>, MembershipError> {
        let mut tx = self.storage.read().await?;
        visible_client(tx.as_mut(), actor, client)
            .await
            .map_err(client_error)?;
        Ok(tx.memberships_of_client(actor.business_id, client).await?)
    }

    /// ME-10: cancels a membership: no further charges.
    pub async fn cancel_membership(
        &self,
        actor: &Actor,
        id: MembershipId,
        version: Version,
    ) -> Result<Membership, MembershipError> {
        self.change_membership(actor, id, version, |m, today, _| m.cancel(today).map(drop))
            .await
    }

    /// ME-10: back to active; if the paid period has lapsed the next billing date becomes
    /// `next_billing_date` or today. Every payment method it can have here is valid.
    pub async fn reactivate_membership(
        &self,
        actor: &Actor,
        id: MembershipId,
        version: Version,
        next_billing_date: Option<NaiveDate>,
    ) -> Result<Membership, MembershipError> {
        self.change_membership(actor, id, version, |m, today, business| {
            let valid = has_valid_payment_method(m.payment_method(), business);
            m.reactivate(today, next_billing_date, valid).map(drop)
        })
        .await
    }

    /// ME-20: pauses a membership until a day or for a number of periods.
    pub async fn pause_membership(
        &self,
        actor: &Actor,
        id: MembershipId,
        version: Version,
        pause: Pause,
    ) -> Result<Membership, MembershipError> {
        self.change_membership(actor, id, version, |m, today, _| {
            m.pause(pause, today).map(drop)
        })
        .await
    }

    /// ME-20: ends a pause: billing resumes on the anchor.
    pub async fn resume_membership(
        &self,
        actor: &Actor,
        id: MembershipId,
        version: Version,
    ) -> Result<Membership, MembershipError> {
        self.change_membership(actor, id, version, |m, today, _| m.resume(today).map(drop))
            .await
    }

    /// ME-11: staff edit type, rate, dates and next billing date (which moves the anchor,
    /// ME-4), based on `version`.
    pub async fn edit_membership(
        &self,
        actor: &Actor,
        id: MembershipId,
        version: Version,
        request: &MembershipEditRequest,
    ) -> Result<Membership, MembershipError> {
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let mut membership = locked(tx.as_mut(), actor, id).await?;
        let kind = tx
            .membership_type(
                actor.business_id,
                request.type_id.unwrap_or(membership.type_id()),
            )
            .await?
            .ok_or_else(|| {
                ValidationErrors::single("type_id", "no such membership type in this business")
            })?;
        let rate = match (&request.rate, request.type_rate) {
            (Some(_), true) => {
                return Err(ValidationErrors::single(
                    "type_rate",
                    "either an individual rate or the type's rate, not both",
                )
                .into());
            }
            (Some(raw), false) => Some(RateChoice::Individual(parse_rate(
                &business,
                raw,
                request.currency.as_deref(),
            )?)),
            (None, true) => Some(RateChoice::OfType),
            (None, false) => None,
        };
        let end_date = match (request.end_date, request.remove_end_date) {
            (Some(_), true) => {
                return Err(ValidationErrors::single(
                    "remove_end_date",
                    "either an end date or its removal, not both",
                )
                .into());
            }
            (Some(end), false) => Some(Some(end)),
            (None, true) => Some(None),
            (None, false) => None,
        };
        let zone = business.settings.time_zone;
        let before = membership.clone();
        membership.edit(
            &kind,
            MembershipEdit {
                rate,
                start_date: request.start_date,
                end_date,
                next_billing_date: request.next_billing_date,
            },
            version,
            business.settings.currency,
            business.today(self.clock.now()),
        )?;
        if membership.version() != version {
            tx.update_membership(&membership, version, due_at(&membership, zone))
                .await?;
            let by = ChangedBy::Staff(actor.staff_id);
            self.audit_membership(tx.as_mut(), &before, &membership, by)
                .await?;
            tx.commit().await?;
        }
        Ok(membership)
    }

    /// Reads the membership locked, checks `version`, applies `change` on today of the
    /// business and stores it with its new due instant.
    async fn change_membership(
        &self,
        actor: &Actor,
        id: MembershipId,
        version: Version,
        change: impl FnOnce(&mut Membership, NaiveDate, &Business) -> Result<(), ChangeError>,
    ) -> Result<Membership, MembershipError> {
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let membership = locked(tx.as_mut(), actor, id).await?;
        if membership.version() != version {
            return Err(MembershipError::VersionConflict);
        }
        let by = ChangedBy::Staff(actor.staff_id);
        self.apply_change(tx, &business, membership, by, change)
            .await
    }

    /// Applies `change` to `membership` (read locked in `tx`) on the business's today,
    /// stores it with its new due instant and commits.
    pub(crate) async fn apply_change(
        &self,
        mut tx: Box<dyn Transaction>,
        business: &Business,
        mut membership: Membership,
        by: ChangedBy,
        change: impl FnOnce(&mut Membership, NaiveDate, &Business) -> Result<(), ChangeError>,
    ) -> Result<Membership, MembershipError> {
        let before = membership.clone();
        let now = business.now(self.clock.now());
        change(
            &mut membership,
            business.settings.time_zone.today(now),
            business,
        )?;
        let due = due_at(&membership, business.settings.time_zone);
        tx.update_membership(&membership, before.version(), due)
            .await?;
        self.follow_membership_code(tx.as_mut(), &before, &membership, now)
            .await?;
        self.audit_membership(tx.as_mut(), &before, &membership, by)
            .await?;
        tx.commit().await?;
        Ok(membership)
    }
}

impl MembershipFilter {
    /// The stored query: the quick view's (seven days from `today`), then every filter
    /// given on top of it.
    pub(crate) fn query(
        &self,
        zone: TimeZone,
        today: NaiveDate,
    ) -> Result<MembershipQuery, MembershipError> {
        let mut query = match self.view {
            Some(view) => MembershipQuery::quick_view(view, today, horizon(today)?),
            None => MembershipQuery::default(),
        };
        if self.status.is_some() {
            query.status = self.status;
        }
        if self.type_id.is_some() {
            query.type_id = self.type_id;
        }
        if !self.ends.is_open() {
            query.ends = self.ends;
        }
        if !self.next_billing.is_open() {
            query.next_billing = self.next_billing;
        }
        query.created_from = self.created.from.map(|day| zone.start_of(day));
        query.created_before = self
            .created
            .to
            .and_then(|day| day.succ_opt())
            .map(|day| zone.start_of(day));
        Ok(query)
    }
}

/// A client the actor may not see is answered as absent, as a client (not a membership).
fn client_error(error: AccessError) -> MembershipError {
    match error {
        AccessError::ClientNotFound => MembershipError::Access(error),
        other => other.into(),
    }
}

fn horizon(today: NaiveDate) -> Result<NaiveDate, MembershipError> {
    today
        .checked_add_days(Days::new(HORIZON_DAYS))
        .ok_or(MembershipError::Change(ChangeError::DateOutOfRange))
}

/// ME-10: manual payment is always valid; a direct debit without an active mandate is
/// reactivated as `needs_mandate`; a card only if the active processor stored it (ME-14).
/// A client's stored card as a membership's payment method.
pub(crate) fn stored_card(
    stored: &clientele_domain::payment::PaymentMethod,
) -> Result<StoredCard, ValidationErrors> {
    StoredCard::new(
        stored.processor,
        &stored.token,
        &stored.brand,
        &stored.last4,
    )
    .map_err(|e| ValidationErrors::single("card_id", e.to_string()))
}

pub(crate) fn has_valid_payment_method(method: &PaymentMethod, business: &Business) -> bool {
    match method {
        PaymentMethod::Manual | PaymentMethod::DirectDebit(_) => true,
        PaymentMethod::Card(card) => card.processor() == business.settings.active_processor,
    }
}

/// The membership's payment method: a card is one the client stored (PL-19), the named
/// one or the latest.
async fn payment_method(
    tx: &mut dyn Transaction,
    actor: &Actor,
    business: &Business,
    request: &MembershipRequest,
) -> Result<PaymentMethod, MembershipError> {
    let no_card = || ValidationErrors::single("card_id", "no such stored card for this client");
    let stored = match (request.payment, request.card) {
        (PaymentKind::Manual, None) => return Ok(PaymentMethod::Manual),
        (PaymentKind::DirectDebit, None) => return Ok(PaymentMethod::DirectDebit(None)),
        (PaymentKind::Manual | PaymentKind::DirectDebit, Some(_)) => {
            return Err(
                ValidationErrors::single("card_id", "a card is named only to pay by card").into(),
            );
        }
        (PaymentKind::Card, Some(id)) => tx
            .payment_method(actor.business_id, id)
            .await?
            .filter(|card| card.client_id == request.client_id)
            .ok_or_else(no_card)?,
        (PaymentKind::Card, None) => tx
            .payment_methods_of_client(actor.business_id, request.client_id)
            .await?
            .into_iter()
            .max_by_key(|card| (card.created_at, card.id))
            .ok_or_else(|| {
                ValidationErrors::single(
                    "card_id",
                    "the client has no stored card: store one first",
                )
            })?,
    };
    if stored.processor != business.settings.active_processor {
        return Err(ValidationErrors::single(
            "card_id",
            "the card was stored with another processor than the active one: store it again",
        )
        .into());
    }
    let card = stored_card(&stored)?;
    Ok(PaymentMethod::Card(card))
}

/// A rate as typed, in the named currency or the business's. A currency other than the
/// business's is parsed, then refused by the domain.
fn parse_rate(
    business: &Business,
    raw: &str,
    currency: Option<&str>,
) -> Result<Money, ValidationErrors> {
    let currency = match currency {
        Some(code) => Currency::parse(code.trim())
            .map_err(|e| ValidationErrors::single("currency", e.to_string()))?,
        None => business.settings.currency,
    };
    Money::parse("rate", raw, currency).map_err(|e| ValidationErrors(vec![e]))
}

async fn type_details(
    tx: &mut dyn Transaction,
    business: &Business,
    request: &MembershipTypeRequest,
) -> Result<MembershipTypeDetails, MembershipError> {
    let rate = parse_rate(business, &request.rate, request.currency.as_deref())?;
    let fixed_day = request
        .fixed_day
        .as_deref()
        .map(|raw| Anchor::parse(request.period_unit, raw))
        .transpose()
        .map_err(|e| ValidationErrors::single("fixed_day", e.to_string()))?;
    let appointments = match request.appointments_product_id {
        None => None,
        Some(id) => {
            let product = tx.product(business.id, id).await?;
            Some((id, per_period(product.as_ref(), request)?))
        }
    };
    let input = MembershipTypeInput {
        name: request.name.clone(),
        rate,
        period_unit: request.period_unit,
        period_every: request.period_every,
        appointments,
        credits: request.credits,
        payment: request.payment,
        fixed_day,
        prorate: request.prorate,
    };
    Ok(MembershipTypeDetails::parse(
        &input,
        business.settings.currency,
    )?)
}

/// CO-10: the appointments a period of the type grants: the per-period count of the
/// subscription product named, whose period must be the type's.
fn per_period(
    product: Option<&Product>,
    request: &MembershipTypeRequest,
) -> Result<u32, ValidationErrors> {
    let refuse = |message: String| ValidationErrors::single("appointments_product_id", message);
    let product = product.ok_or_else(|| refuse("no such product in this business".into()))?;
    let ProductKind::Subscription {
        appointments,
        period,
        ..
    } = product.details.kind
    else {
        return Err(refuse(format!(
            "`{}` is no subscription product",
            product.details.name.as_str()
        )));
    };
    if (period.unit, period.every) != (request.period_unit, request.period_every) {
        return Err(refuse(format!(
            "the product renews every {} {}(s), the type every {} {}(s)",
            period.every,
            period.unit.as_str(),
            request.period_every,
            request.period_unit.as_str()
        )));
    }
    Ok(appointments.get())
}

/// The membership, if its client is one the actor sees.
pub(crate) async fn visible_membership(
    tx: &mut dyn Transaction,
    actor: &Actor,
    id: MembershipId,
) -> Result<Membership, MembershipError> {
    let membership = tx
        .membership(actor.business_id, id)
        .await?
        .ok_or(MembershipError::NotFound)?;
    visible_client(tx, actor, membership.client_id()).await?;
    Ok(membership)
}

/// The membership locked until the transaction ends, if its client is one the actor sees.
pub(crate) async fn locked(
    tx: &mut dyn Transaction,
    actor: &Actor,
    id: MembershipId,
) -> Result<Membership, MembershipError> {
    let membership = tx
        .membership_for_update(actor.business_id, id)
        .await?
        .ok_or(MembershipError::NotFound)?;
    visible_client(tx, actor, membership.client_id()).await?;
    Ok(membership)
}
