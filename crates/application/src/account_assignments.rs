//! AC-7, AC-8, AC-10: which appointments and codes a client account sees. Its codes are
//! the active ones assigned to its email: a purchase assigns the buyer's email, and staff
//! may assign a code to an account by email (CO-5).
//!
//! Appointments: An appointment is assigned to
//! an account (a) when booked logged in to it, (b) when booked before the account was
//! created with the same email, once the account is verified, and (c) when staff book it
//! for a client whose email has an account — unless the appointments with that email are
//! already assigned to more than one account.

use chrono::{DateTime, Utc};

use clientele_domain::appointment::Appointment;
use clientele_domain::code::Code;
use std::collections::HashMap;

use clientele_domain::membership::MembershipType;
use clientele_domain::{
    AccountId, AppointmentId, BusinessId, Client, CodeId, EmailAddress, MembershipId,
    MembershipTypeId, PageLimit,
};
use clientele_ports::{StorageError, Transaction};

use crate::accounts::{AccountActor, AccountError};
use crate::cursor::Listing;
use crate::self_service::SelfServiceMembership;
use crate::{Clientele, Page};

/// AC-8 c: whether a staff booking goes to the email's account, given how many accounts
/// the email's appointments are assigned to already.
pub(crate) fn staff_booking_assigned(accounts_already: usize) -> bool {
    accounts_already <= 1
}

/// AC-8 c: the account a booking staff make for `client` goes to: the one with the
/// client's email, unless that email's appointments already span several accounts.
pub(crate) async fn staff_booking_account(
    tx: &mut dyn Transaction,
    business: BusinessId,
    client: &Client,
) -> Result<Option<AccountId>, StorageError> {
    let Some(email) = client.email() else {
        return Ok(None);
    };
    let key = email.key();
    let Some((account, _)) = tx.account_by_email(business, &key).await? else {
        return Ok(None);
    };
    let already = tx.accounts_of_email(business, &key, 2).await?;
    Ok(staff_booking_assigned(already.len()).then_some(account.id))
}

impl Clientele {
    /// AC-7: the appointments of the caller's account, latest first.
    pub async fn my_appointments(
        &self,
        actor: &AccountActor,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<Appointment>, AccountError> {
        let listing = account_listing(actor, "my_appointments");
        let after: Option<(DateTime<Utc>, AppointmentId)> = self.after(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let rows = tx
            .appointments_of_account(actor.business, actor.account, after, limit.get() + 1)
            .await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |a| {
            (a.slot().starts_at(), a.id())
        }))
    }
}

/// One of an account's own lists: its cursors open only for that account.
fn account_listing(actor: &AccountActor, list: &str) -> Listing {
    Listing::of(actor.business, list).with("account", actor.account.as_uuid())
}

impl Clientele {
    /// The position a cursor of `listing` names, if any.
    fn after<K: serde::de::DeserializeOwned>(
        &self,
        listing: &Listing,
        cursor: Option<&str>,
    ) -> Result<Option<K>, AccountError> {
        self.cursors
            .decode_opt(listing, cursor)
            .map_err(|_| AccountError::BadCursor)
    }

    /// AC-7, AC-10: the active codes assigned to the caller's email, newest first.
    pub async fn my_codes(
        &self,
        actor: &AccountActor,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<Code>, AccountError> {
        let listing = account_listing(actor, "my_codes");
        let after: Option<(DateTime<Utc>, CodeId)> = self.after(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let Some(email_key) = verified_email(tx.as_mut(), actor).await? else {
            return Ok(Page::empty());
        };
        let rows = tx
            .active_codes_assigned_to(actor.business, &email_key, after, limit.get() + 1)
            .await?;
        Ok(self
            .cursors
            .paginate(&listing, rows, limit.get(), |c| (c.created_at(), c.id())))
    }
}

/// The key of the account's email once verified (`ClientAccount::verified_email`).
async fn verified_email(
    tx: &mut dyn Transaction,
    actor: &AccountActor,
) -> Result<Option<String>, AccountError> {
    let account = tx
        .account(actor.business, actor.account)
        .await?
        .ok_or(AccountError::BadSession)?;
    Ok(account.verified_email().map(EmailAddress::key))
}

impl Clientele {
    /// AC-7, ME-12: the memberships of the business's clients with the account's
    /// verified email, newest first, each with its type.
    pub async fn my_memberships(
        &self,
        actor: &AccountActor,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<SelfServiceMembership>, AccountError> {
        let listing = account_listing(actor, "my_memberships");
        let after: Option<MembershipId> = self.after(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let Some(email_key) = verified_email(tx.as_mut(), actor).await? else {
            return Ok(Page::empty());
        };
        let business = tx
            .business(actor.business)
            .await?
            .ok_or(AccountError::BadSession)?;
        let rows = tx
            .memberships_of_email(actor.business, &email_key, after, limit.get() + 1)
            .await?;
        let mut types: HashMap<MembershipTypeId, MembershipType> = HashMap::new();
        let mut items = Vec::with_capacity(rows.len());
        for membership in rows {
            let kind = match types.get(&membership.type_id()) {
                Some(kind) => kind.clone(),
                None => {
                    let kind = tx
                        .membership_type(actor.business, membership.type_id())
                        .await?
                        .ok_or_else(|| {
                            StorageError::Unexpected("a membership of no type".into())
                        })?;
                    types.insert(kind.id(), kind.clone());
                    kind
                }
            };
            items.push(SelfServiceMembership {
                business_name: business.name.as_str().to_owned(),
                membership,
                kind,
            });
        }
        Ok(self
            .cursors
            .paginate(&listing, items, limit.get(), |m| m.membership.id()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ac_8_c_a_staff_booking_is_assigned_unless_the_email_already_spans_accounts() {
        assert!(staff_booking_assigned(0));
        assert!(staff_booking_assigned(1));
        assert!(!staff_booking_assigned(2));
    }
}
