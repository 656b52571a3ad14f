//! ME-12: client self-service, through the signed link in every receipt and "payment
//! failed" email (no login) or through the client's account (AC-7): see the membership
//! and the payments made, put another card (which retries an outstanding payment at
//! once), cancel, reactivate.
//!
//! The link is the only credential: a changed or made-up one is refused as
//! unauthenticated, an expired one as forbidden, and neither says anything of the
//! membership it claims to be for. An account reaches the memberships of the business's
//! clients with its email, once that email is verified (AC-3); any other is not found.

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;
use uuid::Uuid;

use clientele_domain::membership::{ChangeError, ChangedBy, Membership, MembershipType, Pause};
use clientele_domain::{Business, BusinessId, FieldError, MembershipId, PageLimit};
use clientele_ports::storage::{Charge, ChargeId};
use clientele_ports::{StorageError, Transaction};

use crate::accounts::AccountActor;
use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::links::{LIFETIME, LinkError, MembershipLink};
use crate::memberships::{MembershipError, has_valid_payment_method, stored_card};
use crate::payments::{NewCard, PaymentError};
use crate::{Clientele, Page};

#[derive(Debug, Error)]
pub enum SelfServiceError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(transparent)]
    Membership(#[from] MembershipError),
    #[error(transparent)]
    Card(#[from] PaymentError),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
}

impl Classify for SelfServiceError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Link(LinkError::Invalid) => ErrorKind::Unauthenticated,
            Self::Link(LinkError::Expired) => ErrorKind::Forbidden,
            Self::Membership(error) => error.kind(),
            Self::Card(error) => error.kind(),
            Self::BadCursor(_) => ErrorKind::Malformed,
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Membership(error) => error.field_errors(),
            Self::Card(error) => error.field_errors(),
            _ => &[],
        }
    }
}

impl From<StorageError> for SelfServiceError {
    fn from(error: StorageError) -> Self {
        Self::Membership(error.into())
    }
}

/// What the client sees of a membership.
#[derive(Debug, Clone)]
pub struct SelfServiceMembership {
    pub business_name: String,
    pub membership: Membership,
    pub kind: MembershipType,
}

const CHARGES: &str = "self_service_charges";

/// Who manages a membership from the client's side (ME-12).
#[derive(Debug, Clone, Copy)]
pub enum ClientSide<'a> {
    /// The signed link of the client's emails: its token.
    Link(&'a str),
    /// A client account, for a membership of a client with its verified email (AC-7).
    Account(&'a AccountActor, MembershipId),
}

/// What a membership out of reach answers: an invalid link, or not found for an account.
fn not_reached(by: ClientSide<'_>) -> SelfServiceError {
    match by {
        ClientSide::Link(_) => LinkError::Invalid.into(),
        ClientSide::Account(..) => MembershipError::NotFound.into(),
    }
}

/// AC-7: whether the membership is of a client with the account's email, verified.
async fn account_holds(
    tx: &mut dyn Transaction,
    actor: &AccountActor,
    membership: &Membership,
) -> Result<bool, StorageError> {
    let account = tx.account(actor.business, actor.account).await?;
    let Some(email) = account.as_ref().and_then(|a| a.verified_email()) else {
        return Ok(false);
    };
    let client = tx.client(actor.business, membership.client_id()).await?;
    Ok(client
        .and_then(|c| c.email().map(|e| e.key()))
        .is_some_and(|key| key == email.key()))
}

impl Clientele {
    /// ME-12: the signed link to manage `membership` of `business`, for an email sent now.
    pub fn membership_link(&self, business: BusinessId, membership: MembershipId) -> String {
        let token = self.cursors.links().sign(&MembershipLink {
            business,
            membership,
            expires_at: self.clock.now() + LIFETIME,
        });
        format!(
            "{}/v1/self-service/{token}/membership",
            self.config.public_url.trim_end_matches('/')
        )
    }

    /// The membership `by` reaches, with its business, read in `tx` (locked when
    /// `lock`).
    pub(crate) async fn linked(
        &self,
        tx: &mut dyn Transaction,
        by: ClientSide<'_>,
        lock: bool,
    ) -> Result<(Business, Membership), SelfServiceError> {
        let (business, membership) = match by {
            ClientSide::Link(token) => {
                let link = self.cursors.links().open(token, self.clock.now())?;
                (link.business, link.membership)
            }
            ClientSide::Account(actor, membership) => (actor.business, membership),
        };
        let found = if lock {
            tx.membership_for_update(business, membership).await?
        } else {
            tx.membership(business, membership).await?
        };
        let business = tx.business(business).await?;
        let (Some(business), Some(membership)) = (business, found) else {
            return Err(not_reached(by));
        };
        if let ClientSide::Account(actor, _) = by
            && !account_holds(tx, actor, &membership).await?
        {
            return Err(not_reached(by));
        }
        Ok((business, membership))
    }

    /// ME-12: the membership the link is for, with its type and business's name.
    pub async fn self_service_membership(
        &self,
        by: ClientSide<'_>,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        let mut tx = self.storage.read().await?;
        let (business, membership) = self.linked(tx.as_mut(), by, false).await?;
        let kind = tx
            .membership_type(business.id, membership.type_id())
            .await?
            .ok_or(MembershipError::TypeNotFound)?;
        Ok(SelfServiceMembership {
            business_name: business.name.as_str().to_owned(),
            membership,
            kind,
        })
    }

    /// ME-12: the payments of the membership the link is for, newest first.
    pub async fn self_service_charges(
        &self,
        by: ClientSide<'_>,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<Charge>, SelfServiceError> {
        let mut tx = self.storage.read().await?;
        let (business, membership) = self.linked(tx.as_mut(), by, false).await?;
        let listing = Listing::of(business.id, CHARGES).with("membership", membership.id());
        let after: Option<(DateTime<Utc>, Uuid)> = self.cursors.decode_opt(&listing, cursor)?;
        let after = after.map(|(at, id)| (at, ChargeId::from_uuid(id)));
        let rows = tx
            .charges_of_membership(business.id, membership.id(), after, limit.get() + 1)
            .await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |c| {
            (c.created_at, c.id.as_uuid())
        }))
    }

    /// ME-12: the client enters a new card; it is stored with the active processor and
    /// put on the membership, and an outstanding payment is retried at once.
    pub async fn self_service_card(
        &self,
        by: ClientSide<'_>,
        card: &NewCard,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        let mut tx = self.storage.begin().await?;
        let (business, membership) = self.linked(tx.as_mut(), by, true).await?;
        let stored = self
            .store_card_in(tx.as_mut(), &business, membership.client_id(), card)
            .await?;
        let card = stored_card(&stored).map_err(MembershipError::from)?;
        self.put_card(tx, &business, membership, card, ChangedBy::Client)
            .await?;
        self.self_service_membership(by).await
    }

    /// ME-12: the client cancels the membership.
    pub async fn self_service_cancel(
        &self,
        by: ClientSide<'_>,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        self.change_by_client(by, |m, today, _| m.cancel(today).map(drop))
            .await
    }

    /// ME-20: the client pauses the membership until a day or for a number of periods: no
    /// charge meanwhile, billing resumes on the anchor.
    pub async fn self_service_pause(
        &self,
        by: ClientSide<'_>,
        pause: Pause,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        self.change_by_client(by, move |m, today, _| m.pause(pause, today).map(drop))
            .await
    }

    /// ME-20: the client ends a pause early.
    pub async fn self_service_resume(
        &self,
        by: ClientSide<'_>,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        self.change_by_client(by, |m, today, _| m.resume(today).map(drop))
            .await
    }

    /// ME-12: the client reactivates a cancelled membership; a lapsed one is billed
    /// again from today.
    pub async fn self_service_reactivate(
        &self,
        by: ClientSide<'_>,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        self.change_by_client(by, |m, today, business| {
            let valid = has_valid_payment_method(m.payment_method(), business);
            m.reactivate(today, None, valid).map(drop)
        })
        .await
    }

    /// One change the client makes through the link, audited as theirs; the membership
    /// as it then is.
    async fn change_by_client(
        &self,
        by: ClientSide<'_>,
        change: impl FnOnce(&mut Membership, NaiveDate, &Business) -> Result<(), ChangeError>,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        let mut tx = self.storage.begin().await?;
        let (business, membership) = self.linked(tx.as_mut(), by, true).await?;
        self.apply_change(tx, &business, membership, ChangedBy::Client, change)
            .await?;
        self.self_service_membership(by).await
    }
}
