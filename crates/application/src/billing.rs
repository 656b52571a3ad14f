//! The billing run (ME-7 to ME-9, ME-16, ME-21): one step claims a batch of due
//! memberships, charges each one's next period through its processor, and records the
//! outcomes.
//!
//! Exactly once (ME-9): a step works in three moves, and a crash between any two leaves
//! nothing that can be charged twice.
//! 1. One transaction claims the batch (a lease under a name of this step) and, for each
//!    membership to charge, stores a pending charge under the attempt's idempotency key.
//!    The database refuses a second pending or a second successful charge of one period.
//! 2. The processor calls, outside any transaction, several in flight at once.
//! 3. One transaction stores the outcomes: the charges settled, the memberships advanced
//!    (or dunned), credits granted, receipts and "payment failed" emails queued, the
//!    claims released.
//!
//! A membership claimed with a pending charge (its worker died, or the processor did not
//! answer) is reconciled first: the processor is asked what became of the key, and only a
//! key it never received is sent again — the same key, so it is never charged twice.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use futures_util::StreamExt as _;
use thiserror::Error;

use clientele_domain::email::{EmailContent, EmailKind, OutgoingEmail};
use clientele_domain::membership::{
    BillingEmail, CatchUpLimit, Charged, Credit, CreditOrigin, Declined, Due, DunningAction,
    Membership, MembershipType, PaymentMethod,
};
use clientele_domain::payment::DIRECT_DEBIT;
use clientele_domain::{
    Business, BusinessId, ClientId, CreditId, EmailId, MembershipId, MembershipTypeId, TimeZone,
    Version,
};
use clientele_ports::payments::{ChargeRecord, ChargeRequest, ProcessorError};
use clientele_ports::storage::{
    Charge, ChargeId, ChargeOutcome, ChargeSettlement, ChargeStatus, ClaimScope, ClientContact,
    MembershipWrite,
};
use clientele_ports::{StorageError, Transaction};

use crate::Clientele;
use crate::error::{Classify, ErrorKind};
use crate::membership_codes::PaidPeriod;
use crate::payments::PaymentError;
use crate::webhook_events::{Resource, Subscriptions};
use clientele_domain::webhook::EventType;

/// How the billing run claims and charges.
#[derive(Debug, Clone)]
pub struct BillingPolicy {
    /// Memberships claimed per step.
    pub batch: u32,
    /// How long a claim holds: after a crash, another worker takes the membership over
    /// once it runs out. Longer than a step can take.
    pub lease: TimeDelta,
    /// Missed periods charged at most (ME-7).
    pub catch_up: CatchUpLimit,
    /// Processor calls in flight at once.
    pub in_flight: usize,
    /// When a charge that failed transiently is tried again (ME-8).
    pub transient_retry: TimeDelta,
}

impl Default for BillingPolicy {
    fn default() -> Self {
        Self {
            batch: 200,
            lease: TimeDelta::minutes(5),
            catch_up: CatchUpLimit::DEFAULT,
            in_flight: 100,
            transient_retry: TimeDelta::minutes(10),
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BillingReport {
    pub claimed: u64,
    pub charged: u64,
    pub declined: u64,
    /// Charges whose processor failed transiently: tried again later.
    pub transient: u64,
    /// Pending charges found from an earlier step and reconciled.
    pub reconciled: u64,
    pub reminded: u64,
    pub expired: u64,
    /// Memberships changed by someone else meanwhile: their outcome was applied again to
    /// the stored membership.
    pub conflicts: u64,
}

impl std::ops::AddAssign for BillingReport {
    /// Sums the reports of several steps.
    fn add_assign(&mut self, step: Self) {
        self.claimed += step.claimed;
        self.charged += step.charged;
        self.declined += step.declined;
        self.transient += step.transient;
        self.reconciled += step.reconciled;
        self.reminded += step.reminded;
        self.expired += step.expired;
        self.conflicts += step.conflicts;
    }
}

#[derive(Debug, Error)]
pub enum BillingError {
    #[error(transparent)]
    Payment(#[from] PaymentError),
    #[error(transparent)]
    Unexpected(#[from] StorageError),
}

impl Classify for BillingError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Payment(error) => error.kind(),
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }
}

/// What the step does with one claimed membership.
#[derive(Debug, Clone)]
enum Action {
    /// Send this charge; `reconcile` when it was left pending by an earlier step.
    Charge {
        charge: Charge,
        reconcile: bool,
    },
    /// ME-21: remind a manual payer of the period.
    Remind {
        period_start: NaiveDate,
    },
    Expire,
    /// Nothing to do before its next due day (or changed by the step itself, ME-14).
    Wait,
}

/// One claimed membership and what is done with it.
struct Item {
    /// As claimed, and as the step changed it while planning (ME-14).
    claimed: Membership,
    /// The version it was claimed at: the one written back against.
    expected: Version,
    action: Action,
    /// The processor's answer to the charge, once sent; `None` before, or not charged.
    answer: Option<Result<String, ProcessorError>>,
}

/// A membership's outcome, ready to store.
struct Applied {
    membership: Membership,
    due_at: Option<DateTime<Utc>>,
    emails: Vec<(EmailKind, Letter)>,
    /// The period a success paid (credits are granted for it).
    paid_period: Option<NaiveDate>,
}

/// An email to render once its client and type are read.
enum Letter {
    Receipt {
        period_start: NaiveDate,
        period_end: NaiveDate,
        next: NaiveDate,
    },
    PaymentFailed {
        reason: String,
        retry_on: Option<NaiveDate>,
    },
    Reminder {
        period_start: NaiveDate,
    },
    Cancelled {
        usable_until: NaiveDate,
    },
}

/// When the billing run must next look at `membership`: the start of its next due day in
/// the business's time zone (ME-7).
pub(crate) fn due_at(membership: &Membership, zone: TimeZone) -> Option<DateTime<Utc>> {
    membership.next_due_on().map(|day| zone.start_of(day))
}

impl Clientele {
    /// ME-7: one step of the billing run at the clock's "now", across businesses.
    /// Answers what it did; a report with nothing claimed means nothing is due.
    pub async fn bill_memberships(
        &self,
        policy: &BillingPolicy,
    ) -> Result<BillingReport, BillingError> {
        self.bill_memberships_at(policy, self.clock.now(), ClaimScope::All)
            .await
    }

    /// One step of the billing run as of `now`, over the memberships `scope` names (a
    /// test business's day, PL-25; one membership's outstanding charge, ME-12).
    pub(crate) async fn bill_memberships_at(
        &self,
        policy: &BillingPolicy,
        now: DateTime<Utc>,
        scope: ClaimScope,
    ) -> Result<BillingReport, BillingError> {
        let worker = format!("billing-{}", self.ids.new_id());
        let mut report = BillingReport::default();
        let mut tx = self.storage.begin().await?;
        let claimed = tx
            .claim_due_memberships(now, scope, &worker, now + policy.lease, policy.batch)
            .await?;
        if claimed.is_empty() {
            tx.commit().await?;
            return Ok(report);
        }
        report.claimed = claimed.len() as u64;
        let businesses = businesses_of(tx.as_mut(), &claimed).await?;
        let mut items = self
            .plan_charges(tx.as_mut(), claimed, &businesses, policy, now)
            .await?;
        tx.commit().await?;

        self.send_charges(&mut items, policy.in_flight).await?;

        let mut tx = self.storage.begin().await?;
        let unwritten = self
            .record_outcomes(tx.as_mut(), items, &businesses, policy, now, &mut report)
            .await?;
        if !unwritten.is_empty() {
            tx.release_memberships(&worker, &unwritten).await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Move 1: what to do with each claimed membership; the new charges stored pending.
    async fn plan_charges(
        &self,
        tx: &mut dyn Transaction,
        claimed: Vec<Membership>,
        businesses: &HashMap<BusinessId, Business>,
        policy: &BillingPolicy,
        now: DateTime<Utc>,
    ) -> Result<Vec<Item>, BillingError> {
        let pairs: Vec<_> = claimed.iter().map(|m| (m.business_id(), m.id())).collect();
        let mut pending: HashMap<MembershipId, Charge> = HashMap::new();
        for charge in tx.pending_charges_of(&pairs).await? {
            // The oldest first: one is reconciled per step.
            pending.entry(charge.membership_id).or_insert(charge);
        }
        let mut items = Vec::with_capacity(claimed.len());
        let mut fresh = Vec::new();
        for mut membership in claimed {
            let expected = membership.version();
            let Some(business) = businesses.get(&membership.business_id()) else {
                // Its claim runs out; nothing is done without the business's settings.
                tracing::warn!(membership = %membership.id(), "no business: not billed");
                continue;
            };
            let action = match pending.remove(&membership.id()) {
                Some(charge) => Action::Charge {
                    charge,
                    reconcile: true,
                },
                None => {
                    let today = business.settings.time_zone.today(now);
                    let action = self.action(&mut membership, business, policy, today, now);
                    if let Action::Charge { charge, .. } = &action {
                        fresh.push(charge.clone());
                    }
                    action
                }
            };
            items.push(Item {
                claimed: membership,
                expected,
                action,
                answer: None,
            });
        }
        let stored = tx.insert_charges(&fresh).await?;
        if stored.len() < fresh.len() {
            // A period with a pending or a paid charge already (ME-9): never sent again.
            for item in &mut items {
                if let Action::Charge {
                    charge,
                    reconcile: false,
                } = &item.action
                    && !stored.contains(&charge.id)
                {
                    tracing::warn!(
                        membership = %item.claimed.id(),
                        key = charge.idempotency_key,
                        "a charge of this period exists already: not sent"
                    );
                    item.action = Action::Wait;
                }
            }
        }
        Ok(items)
    }

    /// What `membership` needs on `today`; a charge to make is returned new, not stored.
    fn action(
        &self,
        membership: &mut Membership,
        business: &Business,
        policy: &BillingPolicy,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Action {
        // ME-14: a card of another processor than the active one is not charged.
        if membership.switch_processor(business.settings.active_processor) {
            return Action::Wait;
        }
        let (period_start, attempt) = match membership.due(today, policy.catch_up) {
            Due::Charge(dates) => match dates.charge.first() {
                Some(first) => (*first, 1),
                None => return Action::Wait,
            },
            Due::Retry { period_start } => (
                period_start,
                membership.dunning().map_or(1, |d| d.attempts + 1),
            ),
            Due::Remind { period_start } => return Action::Remind { period_start },
            Due::Expire => return Action::Expire,
            Due::Nothing(_) => return Action::Wait,
        };
        let processor = match membership.payment_method() {
            PaymentMethod::Card(card) => card.processor(),
            PaymentMethod::DirectDebit(_) => DIRECT_DEBIT,
            PaymentMethod::Manual => business.settings.active_processor,
        };
        Action::Charge {
            charge: Charge {
                id: ChargeId::from_uuid(self.ids.new_id()),
                business_id: membership.business_id(),
                membership_id: membership.id(),
                period_start,
                idempotency_key: membership.charge_key(period_start).attempt(attempt),
                amount: membership.rate().amount(),
                processor,
                payment_type: None,
                reference: None,
                message: None,
                attempt,
                status: ChargeStatus::Pending,
                created_at: now,
                settled_at: None,
            },
            reconcile: false,
        }
    }

    /// Move 2: every charge sent (or reconciled), `in_flight` at once, outside any
    /// transaction.
    async fn send_charges(&self, items: &mut [Item], in_flight: usize) -> Result<(), BillingError> {
        let mut calls = Vec::new();
        for (index, item) in items.iter().enumerate() {
            if let Action::Charge { charge, reconcile } = &item.action {
                let processor = self.processor(charge.processor)?;
                let method = item.claimed.payment_method();
                let request = ChargeRequest {
                    card_token: match method {
                        PaymentMethod::Card(card) => Some(card.token().to_owned()),
                        PaymentMethod::DirectDebit(_) | PaymentMethod::Manual => None,
                    },
                    mandate: match method {
                        PaymentMethod::DirectDebit(Some(mandate)) => {
                            Some(mandate.reference().to_owned())
                        }
                        _ => None,
                    },
                    amount: charge.amount,
                    idempotency_key: charge.idempotency_key.clone(),
                };
                let reconcile = *reconcile;
                calls.push(async move {
                    let answer = if reconcile {
                        match processor.charge_outcome(&request.idempotency_key).await {
                            Ok(Some(ChargeRecord::Charged(reference))) => Ok(reference),
                            Ok(Some(ChargeRecord::Refused(error))) | Err(error) => Err(error),
                            // Never received: sent again under the same key.
                            Ok(None) => processor.charge(&request).await,
                        }
                    } else {
                        processor.charge(&request).await
                    };
                    (index, answer)
                });
            }
        }
        let answers: Vec<_> = futures_util::stream::iter(calls)
            .buffer_unordered(in_flight.max(1))
            .collect()
            .await;
        for (index, answer) in answers {
            items[index].answer = Some(answer);
        }
        Ok(())
    }

    /// Move 3: the outcomes stored in `tx`, and the claims of the memberships written
    /// released. Answers the memberships not written back, whose claims are to release.
    async fn record_outcomes(
        &self,
        tx: &mut dyn Transaction,
        items: Vec<Item>,
        businesses: &HashMap<BusinessId, Business>,
        policy: &BillingPolicy,
        now: DateTime<Utc>,
        report: &mut BillingReport,
    ) -> Result<Vec<(BusinessId, MembershipId)>, BillingError> {
        let settlements: Vec<ChargeSettlement> = items
            .iter()
            .filter_map(|item| settlement(item, now))
            .collect();
        let settled = tx.settle_charges(&settlements).await?;
        let mut unwritten = Vec::new();
        let mut writes = Vec::with_capacity(items.len());
        let mut outcomes = Vec::with_capacity(items.len());
        for item in items {
            let key = (item.claimed.business_id(), item.claimed.id());
            let Some(business) = businesses.get(&key.0) else {
                unwritten.push(key);
                continue;
            };
            if let Action::Charge { charge, reconcile } = &item.action {
                report.reconciled += u64::from(*reconcile);
                let transient = matches!(item.answer, Some(Err(ProcessorError::Transient(_))));
                if !transient && !settled.contains(&charge.id) {
                    // Settled by another worker whose claim had run out: it applied it.
                    unwritten.push(key);
                    continue;
                }
            }
            let applied = apply(item.claimed.clone(), &item, business, policy, now, report);
            writes.push(MembershipWrite {
                membership: applied.membership.clone(),
                expected: item.expected,
                due_at: applied.due_at,
            });
            outcomes.push((item, business, applied));
        }
        let refused = tx.update_memberships(&writes).await?;
        let mut deliveries = Vec::with_capacity(outcomes.len());
        let mut subscriptions = Subscriptions::default();
        for (item, business, mut applied) in outcomes {
            let (business_id, id) = (item.claimed.business_id(), item.claimed.id());
            if refused.contains(&id) {
                // Changed by staff meanwhile: the outcome applied to what is stored now.
                report.conflicts += 1;
                unwritten.push((business_id, id));
                let Some(stored) = tx.membership_for_update(business_id, id).await? else {
                    continue;
                };
                let version = stored.version();
                let mut ignored = BillingReport::default();
                applied = apply(stored, &item, business, policy, now, &mut ignored);
                tx.update_membership(&applied.membership, version, applied.due_at)
                    .await?;
            }
            if let Some((kind, charge)) = settled_charge(&item, now)
                && settled.contains(&charge.id)
            {
                let charge = Resource::Charge(&charge);
                self.emit_to(tx, &mut subscriptions, business_id, kind, charge)
                    .await?;
            }
            if applied.membership.status() != item.claimed.status() {
                let membership = Resource::Membership(&applied.membership);
                let kind = EventType::MembershipStatusChanged;
                self.emit_to(tx, &mut subscriptions, business_id, kind, membership)
                    .await?;
            }
            deliveries.push((business, applied));
        }
        self.deliver_outcomes(tx, deliveries, now).await?;
        Ok(unwritten)
    }

    /// ME-13: the credits and receipt of a period paid outside the billing run.
    pub(crate) async fn deliver_paid_period(
        &self,
        tx: &mut dyn Transaction,
        business: &Business,
        membership: &Membership,
        charged: Charged,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let applied = Applied {
            membership: membership.clone(),
            due_at: None,
            emails: vec![(EmailKind::MembershipReceipt, receipt(charged))],
            paid_period: Some(charged.period_start),
        };
        self.deliver_outcomes(tx, vec![(business, applied)], now)
            .await
    }

    /// The credits (ME-16) and emails of stored outcomes, in a few statements: the types
    /// and clients they name are read once each, credits and emails written in batches.
    async fn deliver_outcomes(
        &self,
        tx: &mut dyn Transaction,
        deliveries: Vec<(&Business, Applied)>,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let mut types: HashMap<(BusinessId, MembershipTypeId), Option<MembershipType>> =
            HashMap::new();
        let mut recipients: HashMap<BusinessId, Vec<ClientId>> = HashMap::new();
        for (business, applied) in &deliveries {
            let membership = &applied.membership;
            let key = (business.id, membership.type_id());
            if (applied.paid_period.is_some() || !applied.emails.is_empty())
                && let std::collections::hash_map::Entry::Vacant(entry) = types.entry(key)
            {
                entry.insert(tx.membership_type(key.0, key.1).await?);
            }
            if !applied.emails.is_empty() || applied.paid_period.is_some() {
                recipients
                    .entry(business.id)
                    .or_default()
                    .push(membership.client_id());
            }
        }
        let mut contacts: HashMap<(BusinessId, ClientId), ClientContact> = HashMap::new();
        for (business, ids) in recipients {
            for contact in tx.client_contacts(business, &ids).await? {
                contacts.insert((business, contact.id), contact);
            }
        }
        let paid: Vec<PaidPeriod<'_>> = deliveries
            .iter()
            .filter(|(_, applied)| applied.paid_period.is_some())
            .filter_map(|(business, applied)| {
                let membership = &applied.membership;
                let kind = types.get(&(business.id, membership.type_id()))?.as_ref()?;
                Some(PaidPeriod {
                    business,
                    membership,
                    product: kind.grants().appointments()?.product_id(),
                    email: contacts
                        .get(&(business.id, membership.client_id()))
                        .and_then(|contact| contact.email.as_ref()),
                })
            })
            .collect();
        if !paid.is_empty() {
            self.refresh_membership_codes(tx, &paid, now).await?;
        }
        let mut credits = Vec::new();
        let mut emails = Vec::new();
        for (business, applied) in deliveries {
            let membership = &applied.membership;
            let kind = types
                .get(&(business.id, membership.type_id()))
                .and_then(Option::as_ref);
            if let (Some(period_start), Some(kind)) = (applied.paid_period, kind) {
                let today = business.settings.time_zone.today(now);
                credits.extend((0..kind.grants().credits()).map(|_| {
                    Credit::issue(
                        CreditId::from_uuid(self.ids.new_id()),
                        business.id,
                        membership.client_id(),
                        CreditOrigin::Period {
                            membership_id: membership.id(),
                            period_start,
                        },
                        today,
                    )
                }));
            }
            let Some(contact) = contacts.get(&(business.id, membership.client_id())) else {
                continue;
            };
            let Some(to) = &contact.email else {
                continue;
            };
            let manage_url = self.membership_link(business.id, membership.id());
            let email = BillingEmail {
                business_name: business.name.as_str(),
                client_first_name: &contact.first_name,
                type_name: kind.map_or("", |kind| kind.name().as_str()),
                number: membership.number(),
                amount: membership.rate().amount(),
                manage_url: &manage_url,
            };
            for (kind, letter) in applied.emails {
                emails.push(OutgoingEmail {
                    id: EmailId::from_uuid(self.ids.new_id()),
                    business_id: business.id,
                    site_id: None,
                    kind,
                    to: to.clone(),
                    content: render(&email, letter),
                    // Queued in real time, so that a test business's emails (PL-25)
                    // go out at once rather than when real time reaches its clock.
                    created_at: self.clock.now(),
                });
            }
        }
        if !credits.is_empty() {
            tx.insert_credits(&credits).await?;
        }
        if !emails.is_empty() {
            tx.enqueue_emails(&emails).await?;
        }
        Ok(())
    }
}

async fn businesses_of(
    tx: &mut dyn Transaction,
    memberships: &[Membership],
) -> Result<HashMap<BusinessId, Business>, StorageError> {
    let mut businesses = HashMap::new();
    for membership in memberships {
        let id = membership.business_id();
        if !businesses.contains_key(&id)
            && let Some(business) = tx.business(id).await?
        {
            businesses.insert(id, business);
        }
    }
    Ok(businesses)
}

/// The charge's outcome to store, unless it failed transiently (it stays pending).
fn settlement(item: &Item, now: DateTime<Utc>) -> Option<ChargeSettlement> {
    let (Action::Charge { charge, .. }, Some(answer)) = (&item.action, &item.answer) else {
        return None;
    };
    let outcome = match answer {
        Ok(reference) => ChargeOutcome::Succeeded {
            reference: Some(reference.clone()),
        },
        Err(ProcessorError::Transient(_)) => return None,
        Err(error @ (ProcessorError::Declined(_) | ProcessorError::InsufficientFunds)) => {
            ChargeOutcome::Declined {
                message: error.to_string(),
            }
        }
        Err(error) => ChargeOutcome::Failed {
            message: error.to_string(),
        },
    };
    Some(ChargeSettlement {
        business_id: charge.business_id,
        id: charge.id,
        outcome,
        at: now,
    })
}

/// PL-24: the charge of `item` as its settlement leaves it, with the event it makes
/// (`payment.succeeded` or `payment.failed`); `None` while its outcome is unknown.
fn settled_charge(item: &Item, now: DateTime<Utc>) -> Option<(EventType, Charge)> {
    let Action::Charge { charge, .. } = &item.action else {
        return None;
    };
    let mut charge = charge.clone();
    let kind = match settlement(item, now)?.outcome {
        ChargeOutcome::Succeeded { reference } => {
            charge.status = ChargeStatus::Succeeded;
            charge.reference = reference;
            EventType::PaymentSucceeded
        }
        ChargeOutcome::Declined { message } => {
            charge.status = ChargeStatus::Declined;
            charge.message = Some(message);
            EventType::PaymentFailed
        }
        ChargeOutcome::Failed { message } => {
            charge.status = ChargeStatus::Failed;
            charge.message = Some(message);
            EventType::PaymentFailed
        }
    };
    charge.settled_at = Some(now);
    Some((kind, charge))
}

/// The outcome of `item` applied to `membership` (as claimed, or as stored now).
fn apply(
    mut membership: Membership,
    item: &Item,
    business: &Business,
    policy: &BillingPolicy,
    now: DateTime<Utc>,
    report: &mut BillingReport,
) -> Applied {
    let zone = business.settings.time_zone;
    let today = zone.today(now);
    let mut emails = Vec::new();
    let mut paid_period = None;
    let mut due = None;
    match (&item.action, &item.answer) {
        (Action::Charge { charge, .. }, Some(Ok(_))) => {
            match membership.charge_succeeded(charge.period_start, today) {
                Ok(charged) => {
                    report.charged += 1;
                    paid_period = Some(charged.period_start);
                    emails.push((EmailKind::MembershipReceipt, receipt(charged)));
                }
                Err(error) => tracing::warn!(
                    membership = %membership.id(),
                    %error,
                    "a charge succeeded that the membership no longer takes"
                ),
            }
        }
        (Action::Charge { .. }, Some(Err(ProcessorError::Transient(_))) | None) => {
            report.transient += 1;
            due = Some(now + policy.transient_retry);
        }
        (Action::Charge { charge, .. }, Some(Err(error))) => {
            let reason = match error {
                ProcessorError::Declined(reason) => reason.clone(),
                other => other.to_string(),
            };
            match membership.charge_declined(charge.period_start, &business.settings.dunning, today)
            {
                Ok(declined) => {
                    report.declined += 1;
                    emails.extend(decline_letters(declined, reason));
                }
                Err(error) => tracing::warn!(
                    membership = %membership.id(),
                    %error,
                    "a decline the membership no longer takes"
                ),
            }
        }
        (Action::Remind { period_start }, _) => {
            match membership.charge_declined(*period_start, &business.settings.dunning, today) {
                Ok(declined) => {
                    report.reminded += 1;
                    emails.push((
                        EmailKind::PaymentReminder,
                        Letter::Reminder {
                            period_start: *period_start,
                        },
                    ));
                    if let DunningAction::Cancel { usable_until } = declined.action {
                        emails.push((
                            EmailKind::MembershipCancelled,
                            Letter::Cancelled { usable_until },
                        ));
                    }
                }
                Err(error) => tracing::warn!(
                    membership = %membership.id(),
                    %error,
                    "a reminder the membership no longer takes"
                ),
            }
        }
        (Action::Expire, _) => {
            if membership.expire(today) {
                report.expired += 1;
            }
        }
        (Action::Wait, _) => {
            // ME-14 again, for a membership re-read after a conflict.
            membership.switch_processor(business.settings.active_processor);
        }
    }
    let due_at = due.or_else(|| {
        let at = due_at(&membership, zone)?;
        // Never claimed again in the same instant for nothing.
        Some(if matches!(item.action, Action::Wait) {
            at.max(now + policy.transient_retry)
        } else {
            at
        })
    });
    Applied {
        membership,
        due_at,
        emails,
        paid_period,
    }
}

fn receipt(charged: Charged) -> Letter {
    Letter::Receipt {
        period_start: charged.period_start,
        period_end: charged.period_end,
        next: charged.next_billing_date,
    }
}

/// The emails of a decline: "payment failed" on the period's first, the notice of a
/// cancellation.
fn decline_letters(declined: Declined, reason: String) -> Vec<(EmailKind, Letter)> {
    let mut letters = Vec::new();
    if declined.first {
        let retry_on = match declined.action {
            DunningAction::Retry { on } => Some(on),
            _ => None,
        };
        letters.push((
            EmailKind::PaymentFailed,
            Letter::PaymentFailed { reason, retry_on },
        ));
    }
    if let DunningAction::Cancel { usable_until } = declined.action {
        letters.push((
            EmailKind::MembershipCancelled,
            Letter::Cancelled { usable_until },
        ));
    }
    letters
}

fn render(email: &BillingEmail<'_>, letter: Letter) -> EmailContent {
    match letter {
        Letter::Receipt {
            period_start,
            period_end,
            next,
        } => email.receipt(period_start, period_end, next),
        Letter::PaymentFailed { reason, retry_on } => email.payment_failed(&reason, retry_on),
        Letter::Reminder { period_start } => email.reminder(period_start),
        Letter::Cancelled { usable_until } => email.cancelled(usable_until),
    }
}
