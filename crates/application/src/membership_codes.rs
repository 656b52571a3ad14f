//! CO-10: the code of a membership whose type grants appointments holds those of its
//! paid period. Each paid period refreshes it (ME-7, ME-13, a retry after a card change);
//! a membership without a usable code is given a new one. Cancelling ends the code at
//! what would have been the next renewal; reactivating before then lets it go on.
//!
//! Every function runs in the caller's transaction, the one that pays or changes the
//! membership, so a period is never paid without its code refreshed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use clientele_domain::code::{Code, Origin, Owner};
use clientele_domain::membership::{Membership, Status};
use clientele_domain::product::Product;
use clientele_domain::{Business, BusinessId, CodeId, EmailAddress, ProductId};
use clientele_ports::{StorageError, Transaction};

use crate::Clientele;
use crate::redemption::{self, CodeUseError};

/// A paid period whose type grants appointments through `product`'s codes. `now` is
/// the instant it was paid as of (a test business's clock, PL-25).
pub(crate) struct PaidPeriod<'a> {
    pub business: &'a Business,
    pub membership: &'a Membership,
    pub product: ProductId,
    /// The client's email, which the code is assigned to (AC-10).
    pub email: Option<&'a EmailAddress>,
}

impl Clientele {
    /// CO-10: refreshes the code of each paid period, or issues one where the membership
    /// has none it can refresh. The products are read once each. A product that is gone
    /// or archived gives no new code (an existing one is still refreshed).
    pub(crate) async fn refresh_membership_codes(
        &self,
        tx: &mut dyn Transaction,
        paid: &[PaidPeriod<'_>],
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let mut products: HashMap<(BusinessId, ProductId), Option<Product>> = HashMap::new();
        for period in paid {
            let business = period.business.id;
            let key = (business, period.product);
            if let std::collections::hash_map::Entry::Vacant(entry) = products.entry(key) {
                entry.insert(tx.product(business, period.product).await?);
            }
            let Some(product) = products.get(&key).and_then(Option::as_ref) else {
                tracing::warn!(%business, product = %period.product, "a membership's product is gone: no code refreshed");
                continue;
            };
            self.refresh_one(tx, period, product, now).await?;
        }
        Ok(())
    }

    async fn refresh_one(
        &self,
        tx: &mut dyn Transaction,
        period: &PaidPeriod<'_>,
        product: &Product,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let (business, membership) = (period.business.id, period.membership.id());
        if let Some(mut code) = tx.membership_code_for_update(business, membership).await? {
            let version = code.version();
            // A code that cannot be refreshed (cancelled, expired, or ending) is replaced.
            if let Ok(entry) = code.refresh(product, now) {
                let entries: Vec<_> = entry.into_iter().collect();
                if !entries.is_empty() {
                    tx.update_code(&code, version, &entries).await?;
                }
                return Ok(());
            }
        }
        let owner = Owner {
            client: period.membership.client_id(),
            email: period.email,
        };
        let issued = async {
            let text = redemption::fresh_text(tx, self.ids.as_ref(), business).await?;
            let id = CodeId::from_uuid(self.ids.new_id());
            let today = period.business.settings.time_zone.today(now);
            let (code, first) =
                Code::issue(id, product, text, Some(owner), Origin::Renewal, today, now)?;
            tx.insert_code(&code, &first).await?;
            Ok::<_, CodeUseError>(code)
        }
        .await;
        match issued {
            Ok(code) => {
                tx.set_membership_code(business, membership, code.id())
                    .await
            }
            Err(CodeUseError::Storage(error)) => Err(error),
            Err(refused) => {
                tracing::warn!(%business, %membership, %refused, "no code issued for a paid period");
                Ok(())
            }
        }
    }

    /// CO-10 with ME-10: follows a membership's status change with its code. Cancelled:
    /// the code stays usable until what would have been the next renewal. Reactivated:
    /// an ending code goes on being refreshed.
    pub(crate) async fn follow_membership_code(
        &self,
        tx: &mut dyn Transaction,
        before: &Membership,
        after: &Membership,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let cancelled = |m: &Membership| m.status() == Status::Cancelled;
        if cancelled(before) == cancelled(after) {
            return Ok(());
        }
        let business = after.business_id();
        let Some(mut code) = tx.membership_code_for_update(business, after.id()).await? else {
            return Ok(());
        };
        let version = code.version();
        let changed = if cancelled(after) {
            code.end_subscription(before.next_billing_date(), now)
                .is_ok()
        } else {
            code.continue_subscription(now).unwrap_or(false)
        };
        if changed {
            tx.update_code(&code, version, &[]).await?;
        }
        Ok(())
    }
}
