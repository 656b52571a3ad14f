//! ME-11, ME-12, ME-14: another card on a membership, put by staff (one of the client's
//! stored cards) or by the client through a self-service link (a new card). A membership
//! whose card was invalid runs again; after a failed payment the outstanding charge is
//! retried at once, and the membership is active again when it succeeds.

use clientele_domain::membership::{ChangedBy, Membership, StoredCard};
use clientele_domain::{Actor, Business, MembershipId, PaymentMethodId, ValidationErrors, Version};
use clientele_ports::storage::ClaimScope;
use clientele_ports::{StorageError, Transaction};

use crate::Clientele;
use crate::access::business_of;
use crate::billing::BillingError;
use crate::memberships::{MembershipError, locked, stored_card};

impl Clientele {
    /// ME-11: staff put another of the client's stored cards on a membership, based on
    /// `version`.
    pub async fn change_membership_card(
        &self,
        actor: &Actor,
        id: MembershipId,
        version: Version,
        card: PaymentMethodId,
    ) -> Result<Membership, MembershipError> {
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let membership = locked(tx.as_mut(), actor, id).await?;
        if membership.version() != version {
            return Err(MembershipError::VersionConflict);
        }
        let stored = tx
            .payment_method(actor.business_id, card)
            .await?
            .filter(|card| card.client_id == membership.client_id())
            .ok_or_else(|| {
                ValidationErrors::single("card_id", "no such stored card for this client")
            })?;
        let card = stored_card(&stored)?;
        let by = ChangedBy::Staff(actor.staff_id);
        self.put_card(tx, &business, membership, card, by).await
    }

    /// Puts `card` on `membership` (read locked in `tx`) and commits; then, if a failed
    /// payment is outstanding, retries it at once through the billing run, for this
    /// membership alone. Answers the membership as it stands after.
    pub(crate) async fn put_card(
        &self,
        tx: Box<dyn Transaction>,
        business: &Business,
        membership: Membership,
        card: StoredCard,
        by: ChangedBy,
    ) -> Result<Membership, MembershipError> {
        let mut retry = false;
        let active = business.settings.active_processor;
        let membership = self
            .apply_change(tx, business, membership, by, |m, today, _| {
                retry = m.update_card(card, active, today)?.retry_now.is_some();
                Ok(())
            })
            .await?;
        if !retry {
            return Ok(membership);
        }
        let now = business.now(self.clock.now());
        let scope = ClaimScope::Membership(business.id, membership.id());
        self.bill_memberships_at(&self.billing, now, scope)
            .await
            .map_err(|error| match error {
                BillingError::Unexpected(error) => MembershipError::Unexpected(error),
                other => MembershipError::Unexpected(StorageError::Unexpected(Box::new(other))),
            })?;
        let mut tx = self.storage.read().await?;
        tx.membership(business.id, membership.id())
            .await?
            .ok_or(MembershipError::NotFound)
    }
}
