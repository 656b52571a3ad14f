//! Memberships, their types, charges and credits (ME-1 to ME-21).
//!
//! Besides the records the domain defines, a stored membership carries two things the
//! billing worker needs: `due_at`, the instant it must next be looked at (the start of its
//! next billing, retry or reminder day in the business's time zone, computed by the
//! application; `None` when nothing is scheduled), and a claim (a worker's name and a
//! lease) so that several workers never bill one membership at once.
//!
//! A charge is one attempt at charging one period of a membership ([`Charge`]). What makes
//! ME-9 hold whatever the workers do is written in the database, not left to callers:
//! at most one pending charge and at most one successful charge per membership period,
//! and every charge's idempotency key unique in its business.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use clientele_domain::membership::{
    AttentionReason, Credit, Membership, MembershipAudit, MembershipNumber, MembershipType,
    MembershipTypeName,
};
use clientele_domain::payment::{PaymentType, ProcessorKind};
use clientele_domain::{
    AuditId, BusinessId, ClientId, CreditId, MembershipId, MembershipTypeId, Money, ProductId,
    Version,
};

use super::StorageError;

/// A charge's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChargeId(Uuid);

impl ChargeId {
    pub const fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }

    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl From<Uuid> for ChargeId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl std::fmt::Display for ChargeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a charge stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChargeStatus {
    /// Sent (or about to be sent) to the processor, outcome unknown. A charge whose
    /// outcome stays unknown (a timeout, a worker killed) stays pending until it is
    /// reconciled with the processor (ME-9).
    Pending,
    Succeeded,
    /// The processor declined it (ME-8).
    Declined,
    /// Refused for a reason that is not a decline (e.g. a card of another processor,
    /// ME-14). A transient failure is not this: the charge stays pending.
    Failed,
}

impl ChargeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Declined => "declined",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(Self::Pending),
            "succeeded" => Some(Self::Succeeded),
            "declined" => Some(Self::Declined),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One attempt at charging one period of a membership (ME-7, ME-9, ME-13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub id: ChargeId,
    pub business_id: BusinessId,
    pub membership_id: MembershipId,
    /// The start of the period it pays.
    pub period_start: NaiveDate,
    /// The key sent to the processor for this attempt, unique in the business: the
    /// membership's `ChargeKey` of the period, with whatever the application appends to
    /// tell a retry after a decline from the first attempt.
    pub idempotency_key: String,
    pub amount: Money,
    pub processor: ProcessorKind,
    /// For a payment recorded by staff (ME-13): its payment type ("cash").
    pub payment_type: Option<PaymentType>,
    /// The processor's reference of the charge, once known.
    pub reference: Option<String>,
    /// Why it was declined or failed.
    pub message: Option<String>,
    /// 1 for the period's first attempt, then one more for each retry after a decline.
    pub attempt: u32,
    pub status: ChargeStatus,
    pub created_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
}

/// How a pending charge ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Succeeded { reference: Option<String> },
    Declined { message: String },
    Failed { message: String },
}

/// A pending charge's outcome, to store with [`MembershipRepository::settle_charges`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeSettlement {
    pub business_id: BusinessId,
    pub id: ChargeId,
    pub outcome: ChargeOutcome,
    pub at: DateTime<Utc>,
}

/// A membership to store with [`MembershipRepository::update_memberships`]: the
/// membership as it is now, the version it was read at, and when it is next due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipWrite {
    pub membership: Membership,
    pub expected: Version,
    pub due_at: Option<DateTime<Utc>>,
}

/// Which statuses a list shows (ME-3, ME-18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusFilter {
    Active,
    Cancelled,
    Expired,
    /// `needs_attention`, for one reason or (`None`) any.
    NeedsAttention(Option<AttentionReason>),
    /// Not over: `active` or `needs_attention`.
    Open,
}

/// Calendar days from `from` to `to`, both included; a missing bound is open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DateRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl DateRange {
    pub fn between(from: NaiveDate, to: NaiveDate) -> Self {
        Self {
            from: Some(from),
            to: Some(to),
        }
    }

    pub fn is_open(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }
}

/// ME-18: which memberships a list shows; every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipQuery {
    pub status: Option<StatusFilter>,
    pub type_id: Option<MembershipTypeId>,
    pub client: Option<ClientId>,
    /// Created at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Created strictly before this instant.
    pub created_before: Option<DateTime<Utc>>,
    /// End date in this range (a bound leaves out memberships without an end date).
    pub ends: DateRange,
    /// Next billing date in this range.
    pub next_billing: DateRange,
    /// Leaves out memberships paused on that day (ME-20: paused until a later day).
    pub not_paused_on: Option<NaiveDate>,
}

/// ME-18: the list's quick views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuickView {
    NeedsMandate,
    PaymentFailed,
    /// Open, and its end date from today to the horizon.
    EndingSoon,
    /// Active, not paused on the horizon, next billing date on or before the horizon
    /// (overdue ones included).
    PaymentDueSoon,
}

impl MembershipQuery {
    /// The query of a quick view on `today`, looking as far as `horizon` (today plus
    /// seven days for the list's views).
    pub fn quick_view(view: QuickView, today: NaiveDate, horizon: NaiveDate) -> Self {
        match view {
            QuickView::NeedsMandate => Self {
                status: Some(StatusFilter::NeedsAttention(Some(
                    AttentionReason::NeedsMandate,
                ))),
                ..Self::default()
            },
            QuickView::PaymentFailed => Self {
                status: Some(StatusFilter::NeedsAttention(Some(
                    AttentionReason::PaymentFailed,
                ))),
                ..Self::default()
            },
            QuickView::EndingSoon => Self {
                status: Some(StatusFilter::Open),
                ends: DateRange::between(today, horizon),
                ..Self::default()
            },
            QuickView::PaymentDueSoon => Self {
                status: Some(StatusFilter::Active),
                next_billing: DateRange {
                    from: None,
                    to: Some(horizon),
                },
                not_paused_on: Some(horizon),
                ..Self::default()
            },
        }
    }
}

/// ME-18: the live count of each quick view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct QuickViewCounts {
    pub needs_mandate: u64,
    pub payment_failed: u64,
    pub ending_soon: u64,
    pub payment_due_soon: u64,
}

/// One membership of the list with what it names beside it (ME-18).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipLine {
    pub membership: Membership,
    pub created_at: DateTime<Utc>,
    pub client_first_name: String,
    pub client_last_name: String,
    pub type_name: MembershipTypeName,
}

/// Which memberships a billing claim may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimScope {
    /// Every business's: the worker's run on the real clock.
    All,
    /// One business's: a test business's day (PL-25).
    Business(BusinessId),
    /// One membership: its outstanding charge retried at once (ME-12).
    Membership(BusinessId, MembershipId),
}

/// Membership types, memberships, their charges and credits. Memberships, types and
/// charges are never deleted.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MembershipRepository: Send {
    /// MUST return `Duplicate("membership_type")` if the id is taken.
    async fn insert_membership_type(&mut self, kind: &MembershipType) -> Result<(), StorageError>;

    /// The business's type, or `None`.
    async fn membership_type(
        &mut self,
        business: BusinessId,
        id: MembershipTypeId,
    ) -> Result<Option<MembershipType>, StorageError>;

    /// Types ordered by id, strictly after `after`, at most `limit`.
    async fn membership_types(
        &mut self,
        business: BusinessId,
        after: Option<MembershipTypeId>,
        limit: u32,
    ) -> Result<Vec<MembershipType>, StorageError>;

    /// CO-10, ME-2: types whose periods grant appointments through `product`'s codes,
    /// ordered by id, at most `limit`.
    async fn membership_types_granting(
        &mut self,
        business: BusinessId,
        product: ProductId,
        limit: u32,
    ) -> Result<Vec<MembershipType>, StorageError>;

    /// The optimistic update of the module's contract.
    async fn update_membership_type(
        &mut self,
        kind: &MembershipType,
        expected: Version,
    ) -> Result<(), StorageError>;

    /// ME-2: the business's next membership number (1, 2, 3…), taken in this
    /// transaction: two transactions never get the same one, and a rolled-back one gives
    /// it back.
    async fn next_membership_number(
        &mut self,
        business: BusinessId,
    ) -> Result<MembershipNumber, StorageError>;

    /// Stores a new membership made at `created_at`, due at `due_at`. MUST return
    /// `Duplicate("membership")` if the id is taken and `Duplicate("membership_number")`
    /// if the business has a membership with this number. Its client, type (and order)
    /// must be the business's: else `NotFound`.
    async fn insert_membership(
        &mut self,
        membership: &Membership,
        created_at: DateTime<Utc>,
        due_at: Option<DateTime<Utc>>,
    ) -> Result<(), StorageError>;

    /// The business's membership, or `None`.
    async fn membership(
        &mut self,
        business: BusinessId,
        id: MembershipId,
    ) -> Result<Option<Membership>, StorageError>;

    /// The membership, its row locked until the transaction ends (as
    /// `order_for_update`): a staff change, a client's card update and the worker queue.
    async fn membership_for_update(
        &mut self,
        business: BusinessId,
        id: MembershipId,
    ) -> Result<Option<Membership>, StorageError>;

    /// The optimistic update of the module's contract, with its new `due_at`. Leaves a
    /// worker's claim as it is.
    async fn update_membership(
        &mut self,
        membership: &Membership,
        expected: Version,
        due_at: Option<DateTime<Utc>>,
    ) -> Result<(), StorageError>;

    /// The billing run's write-back: stores each membership whose stored version is its
    /// `expected` one, with its `due_at`, and releases its claim, in few statements.
    /// Answers the ids of those not stored (version moved on, or absent): nothing of
    /// them was written. Each membership at most once in `writes`.
    async fn update_memberships(
        &mut self,
        writes: &[MembershipWrite],
    ) -> Result<Vec<MembershipId>, StorageError>;

    /// The billing worker's batch, of the memberships `scope` names: up to `limit`
    /// memberships `active` or `needs_attention` due at `now` (`due_at <= now`)
    /// and not claimed (or whose claim ran out before `now`), earliest due first; each is
    /// claimed by `worker` until `lease_until`. Two transactions claiming at once MUST get
    /// disjoint memberships (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's single
    /// writer).
    async fn claim_due_memberships(
        &mut self,
        now: DateTime<Utc>,
        scope: ClaimScope,
        worker: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Membership>, StorageError>;

    /// Releases the claims of `worker` on these memberships (others' claims are left).
    async fn release_memberships(
        &mut self,
        worker: &str,
        memberships: &[(BusinessId, MembershipId)],
    ) -> Result<(), StorageError>;

    /// ME-11: appends changes of memberships to their history. MUST return
    /// `Duplicate("membership_audit")` if an id is taken (nothing is written then).
    async fn record_membership_audit(
        &mut self,
        entries: &[MembershipAudit],
    ) -> Result<(), StorageError>;

    /// ME-11: a membership's history, newest first (ties by id, descending), strictly
    /// after `after` in that order, at most `limit`.
    async fn membership_audit(
        &mut self,
        business: BusinessId,
        membership: MembershipId,
        after: Option<(DateTime<Utc>, AuditId)>,
        limit: u32,
    ) -> Result<Vec<MembershipAudit>, StorageError>;

    /// ME-18: memberships matching `query`, newest first (ids are time-ordered), strictly
    /// after `after`, at most `limit`; each with its client's name and its type's.
    async fn memberships(
        &mut self,
        business: BusinessId,
        query: &MembershipQuery,
        after: Option<MembershipId>,
        limit: u32,
    ) -> Result<Vec<MembershipLine>, StorageError>;

    /// ME-18: the count of each quick view: exactly how many memberships
    /// `memberships` lists for `MembershipQuery::quick_view(view, today, horizon)`.
    async fn membership_counts(
        &mut self,
        business: BusinessId,
        today: NaiveDate,
        horizon: NaiveDate,
    ) -> Result<QuickViewCounts, StorageError>;

    /// CL-16: the memberships of `clients` (a page of the client list), newest first,
    /// each with its client's name and its type's.
    async fn memberships_of_clients(
        &mut self,
        business: BusinessId,
        clients: &[ClientId],
    ) -> Result<Vec<MembershipLine>, StorageError>;

    /// A client's memberships, newest first, all of them.
    async fn memberships_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
    ) -> Result<Vec<Membership>, StorageError>;

    /// Stores new charges in one statement, each unless its key is taken in its
    /// business, its membership period already has a pending charge, or has a
    /// successful one (ME-9). Answers the ids of those stored, in the order given: the
    /// caller sends only those to the processor. A membership that is not the
    /// business's is `NotFound`, and then none is stored.
    async fn insert_charges(&mut self, charges: &[Charge]) -> Result<Vec<ChargeId>, StorageError>;

    /// Stores the outcome of pending charges. A charge that is absent or no longer
    /// pending is left as it is, and so is a success for a period that already has one
    /// (ME-9). Answers the ids of those settled, in the order given.
    async fn settle_charges(
        &mut self,
        settlements: &[ChargeSettlement],
    ) -> Result<Vec<ChargeId>, StorageError>;

    /// The business's charge, or `None`.
    async fn charge(
        &mut self,
        business: BusinessId,
        id: ChargeId,
    ) -> Result<Option<Charge>, StorageError>;

    /// ME-9: charges still pending that were made before `older_than` (of one business,
    /// or of all), oldest first (ties by id), strictly after `after`, at most `limit`: to
    /// reconcile with the processor after a crash.
    async fn pending_charges(
        &mut self,
        business: Option<BusinessId>,
        older_than: DateTime<Utc>,
        after: Option<(DateTime<Utc>, ChargeId)>,
        limit: u32,
    ) -> Result<Vec<Charge>, StorageError>;

    /// ME-9: the pending charges of these memberships (a worker's claimed batch), by
    /// membership, oldest first: each is reconciled with the processor before its
    /// membership is charged again.
    async fn pending_charges_of(
        &mut self,
        memberships: &[(BusinessId, MembershipId)],
    ) -> Result<Vec<Charge>, StorageError>;

    /// ME-19: a membership's charges, newest first (ties by id, descending), strictly
    /// after `after` in that order, at most `limit`.
    async fn charges_of_membership(
        &mut self,
        business: BusinessId,
        membership: MembershipId,
        after: Option<(DateTime<Utc>, ChargeId)>,
        limit: u32,
    ) -> Result<Vec<Charge>, StorageError>;

    /// ME-16: stores new credits in one statement. MUST return `Duplicate("credit")` if
    /// an id is taken; then none is stored.
    async fn insert_credits(&mut self, credits: &[Credit]) -> Result<(), StorageError>;

    /// The business's credit, or `None`.
    async fn credit(
        &mut self,
        business: BusinessId,
        id: CreditId,
    ) -> Result<Option<Credit>, StorageError>;

    /// The optimistic update of the module's contract.
    async fn update_credit(
        &mut self,
        credit: &Credit,
        expected: Version,
    ) -> Result<(), StorageError>;

    /// ME-16: a client's credits, newest first (ids are time-ordered), strictly after
    /// `after`, at most `limit`.
    async fn credits_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
        after: Option<CreditId>,
        limit: u32,
    ) -> Result<Vec<Credit>, StorageError>;
}
