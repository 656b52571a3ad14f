//! How memberships are paid, beyond the billing run.
//!
//! - ME-13: staff record a payment made outside the processor (cash, cheque, bank
//!   transfer…). It pays the outstanding period (after a decline) or the period due,
//!   exactly as a processor charge would: the next billing date moves on, a failed
//!   membership is active again, the period's credits are granted and a receipt is queued.
//! - ME-14: when the business switches its active processor, every running membership
//!   paying with a card of another processor moves to `needs_attention/
//!   payment_method_invalid`, in the same transaction as the switch.

use chrono::{DateTime, Utc};
use clientele_domain::membership::{CatchUpLimit, ChargeError, Due, Membership};
use clientele_domain::payment::ProcessorKind;
use uuid::Uuid;

use clientele_domain::{Actor, Business, MembershipId, PageLimit, ValidationErrors, Version};
use clientele_ports::storage::{
    Charge, ChargeId, ChargeStatus, MembershipQuery, MembershipWrite, StatusFilter,
};
use clientele_ports::{StorageError, Transaction};

use crate::access::business_of;
use crate::billing::due_at;
use crate::cursor::Listing;
use crate::idempotency::{Completion, complete_in};
use crate::memberships::{MembershipError, locked, visible_membership};
use crate::payments::{PaymentError, resolve_payment_type};
use crate::{Clientele, Page};

/// A payment staff record (ME-13).
#[derive(Debug, Clone)]
pub struct RecordPayment {
    /// One of the business's payment types; `None` for its first.
    pub payment_type: Option<String>,
    /// The membership's version as the caller read it.
    pub version: Version,
}

/// A recorded payment: the membership after it, and the charge that records it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub membership: Membership,
    pub charge: Charge,
}

/// Charges read per page of a membership's payment history.
const CHARGES: &str = "membership_charges";

impl Clientele {
    /// ME-19: every charge of a membership, newest first, a page at a time, if its
    /// client is one the actor sees.
    pub async fn membership_charges(
        &self,
        actor: &Actor,
        id: MembershipId,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<Charge>, MembershipError> {
        let listing = Listing::of(actor.business_id, CHARGES).with("membership", id);
        let after: Option<(DateTime<Utc>, Uuid)> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        visible_membership(tx.as_mut(), actor, id).await?;
        let after = after.map(|(at, charge)| (at, ChargeId::from_uuid(charge)));
        let rows = tx
            .charges_of_membership(actor.business_id, id, after, limit.get() + 1)
            .await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |c| {
            (c.created_at, c.id.as_uuid())
        }))
    }

    /// ME-13: records a payment of the membership's outstanding or due period. `key`
    /// makes the charge's key (a repeat with it records nothing more); `completion` keeps
    /// the answer for the request's idempotency key.
    pub async fn record_membership_payment(
        &self,
        actor: &Actor,
        id: MembershipId,
        payment: &RecordPayment,
        key: &str,
        completion: Option<Completion<Recorded>>,
    ) -> Result<Recorded, MembershipError> {
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let payment_type = resolve_payment_type(&business, payment.payment_type.as_deref())
            .map_err(|error| match error {
                PaymentError::Invalid(errors) => MembershipError::Invalid(errors),
                other => MembershipError::Invalid(ValidationErrors::single(
                    "payment_type",
                    other.to_string(),
                )),
            })?;
        let mut membership = locked(tx.as_mut(), actor, id).await?;
        if membership.version() != payment.version {
            return Err(MembershipError::VersionConflict);
        }
        let pair = [(actor.business_id, id)];
        if !tx.pending_charges_of(&pair).await?.is_empty() {
            // The processor may be taking it right now (ME-9).
            return Err(MembershipError::ChargeInProgress);
        }
        let now = business.now(self.clock.now());
        let zone = business.settings.time_zone;
        let today = zone.today(now);
        let period_start = match membership.dunning() {
            Some(dunning) => dunning.period_start,
            None => match membership.due(today, CatchUpLimit::DEFAULT) {
                Due::Charge(dates) => *dates
                    .charge
                    .first()
                    .ok_or(MembershipError::NothingDue(membership.next_billing_date()))?,
                Due::Retry { period_start } | Due::Remind { period_start } => period_start,
                Due::Nothing(_) | Due::Expire => {
                    return Err(MembershipError::NothingDue(membership.next_billing_date()));
                }
            },
        };
        let version = membership.version();
        let charged = membership
            .charge_succeeded(period_start, today)
            .map_err(MembershipError::Charge)?;
        let charge = Charge {
            id: ChargeId::from_uuid(self.ids.new_id()),
            business_id: actor.business_id,
            membership_id: id,
            period_start,
            idempotency_key: format!("recorded-{key}"),
            amount: membership.rate().amount(),
            processor: clientele_domain::payment::ProcessorKind::Manual,
            payment_type: Some(payment_type),
            reference: None,
            message: None,
            attempt: 1,
            status: ChargeStatus::Succeeded,
            created_at: now,
            settled_at: Some(now),
        };
        let stored = tx.insert_charges(std::slice::from_ref(&charge)).await?;
        if stored.is_empty() {
            // Paid meanwhile, or this key recorded a payment already.
            return Err(MembershipError::Charge(ChargeError::AlreadyPaid {
                period_start,
                next_billing_date: membership.next_billing_date(),
            }));
        }
        tx.update_membership(&membership, version, due_at(&membership, zone))
            .await?;
        self.deliver_paid_period(tx.as_mut(), &business, &membership, charged, now)
            .await?;
        let recorded = Recorded { membership, charge };
        complete_in(tx.as_mut(), actor.business_id, completion, &recorded).await?;
        tx.commit().await?;
        Ok(recorded)
    }
}

/// Memberships read per page while switching processors.
const SWITCH_PAGE: u32 = 500;

/// ME-14: moves every running card membership of `business` whose card another processor
/// than `active` stored to `needs_attention/payment_method_invalid`, a page at a time, in
/// `tx`. Answers how many moved.
pub(crate) async fn switch_processor(
    tx: &mut dyn Transaction,
    business: &Business,
    active: ProcessorKind,
) -> Result<u64, StorageError> {
    let zone = business.settings.time_zone;
    let query = MembershipQuery {
        status: Some(StatusFilter::Open),
        ..MembershipQuery::default()
    };
    let (mut moved, mut after) = (0, None);
    loop {
        let page = tx
            .memberships(business.id, &query, after, SWITCH_PAGE)
            .await?;
        let Some(last) = page.last() else {
            return Ok(moved);
        };
        after = Some(last.membership.id());
        let full = page.len() == SWITCH_PAGE as usize;
        let writes: Vec<MembershipWrite> = page
            .into_iter()
            .filter_map(|line| {
                let mut membership = line.membership;
                let expected = membership.version();
                membership
                    .switch_processor(active)
                    .then(|| MembershipWrite {
                        due_at: due_at(&membership, zone),
                        membership,
                        expected,
                    })
            })
            .collect();
        if !writes.is_empty() {
            let refused = tx.update_memberships(&writes).await?;
            if !refused.is_empty() {
                // Changed by another transaction meanwhile: the switch is refused as a
                // conflict (to try again) rather than leave a membership behind.
                return Err(StorageError::VersionConflict);
            }
            moved += writes.len() as u64;
        }
        if !full {
            return Ok(moved);
        }
    }
}
