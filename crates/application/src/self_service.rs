//! ME-12: client self-service without login, through the signed link in every receipt
//! and "payment failed" email: see the membership and the payments made, put another
//! card (which retries an outstanding payment at once), cancel, reactivate.
//!
//! The link is the only credential: a changed or made-up one is refused as
//! unauthenticated, an expired one as forbidden, and neither says anything of the
//! membership it claims to be for.

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;
use uuid::Uuid;

use clientele_domain::membership::{ChangeError, ChangedBy, Membership, MembershipType, Pause};
use clientele_domain::{Business, BusinessId, FieldError, MembershipId, PageLimit};
use clientele_ports::storage::{Charge, ChargeId};
use clientele_ports::{StorageError, Transaction};

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

    /// The membership `token` names, with its business, read in `tx` (locked when
    /// `lock`).
    pub(crate) async fn linked(
        &self,
        tx: &mut dyn Transaction,
        token: &str,
        lock: bool,
    ) -> Result<(Business, Membership), SelfServiceError> {
        let link = self.cursors.links().open(token, self.clock.now())?;
        let business = tx
            .business(link.business)
            .await?
            .ok_or(LinkError::Invalid)?;
        let membership = if lock {
            tx.membership_for_update(link.business, link.membership)
                .await?
        } else {
            tx.membership(link.business, link.membership).await?
        };
        Ok((business, membership.ok_or(LinkError::Invalid)?))
    }

    /// ME-12: the membership the link is for, with its type and business's name.
    pub async fn self_service_membership(
        &self,
        token: &str,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        let mut tx = self.storage.read().await?;
        let (business, membership) = self.linked(tx.as_mut(), token, false).await?;
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
        token: &str,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<Charge>, SelfServiceError> {
        let mut tx = self.storage.read().await?;
        let (business, membership) = self.linked(tx.as_mut(), token, false).await?;
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
        token: &str,
        card: &NewCard,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        let mut tx = self.storage.begin().await?;
        let (business, membership) = self.linked(tx.as_mut(), token, true).await?;
        let stored = self
            .store_card_in(tx.as_mut(), &business, membership.client_id(), card)
            .await?;
        let card = stored_card(&stored).map_err(MembershipError::from)?;
        self.put_card(tx, &business, membership, card, ChangedBy::Client)
            .await?;
        self.self_service_membership(token).await
    }

    /// ME-12: the client cancels the membership.
    pub async fn self_service_cancel(
        &self,
        token: &str,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        self.change_by_client(token, |m, today, _| m.cancel(today).map(drop))
            .await
    }

    /// ME-20: the client pauses the membership until a day or for a number of periods: no
    /// charge meanwhile, billing resumes on the anchor.
    pub async fn self_service_pause(
        &self,
        token: &str,
        pause: Pause,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        self.change_by_client(token, move |m, today, _| m.pause(pause, today).map(drop))
            .await
    }

    /// ME-20: the client ends a pause early.
    pub async fn self_service_resume(
        &self,
        token: &str,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        self.change_by_client(token, |m, today, _| m.resume(today).map(drop))
            .await
    }

    /// ME-12: the client reactivates a cancelled membership; a lapsed one is billed
    /// again from today.
    pub async fn self_service_reactivate(
        &self,
        token: &str,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        self.change_by_client(token, |m, today, business| {
            let valid = has_valid_payment_method(m.payment_method(), business);
            m.reactivate(today, None, valid).map(drop)
        })
        .await
    }

    /// One change the client makes through the link, audited as theirs; the membership
    /// as it then is.
    async fn change_by_client(
        &self,
        token: &str,
        change: impl FnOnce(&mut Membership, NaiveDate, &Business) -> Result<(), ChangeError>,
    ) -> Result<SelfServiceMembership, SelfServiceError> {
        let mut tx = self.storage.begin().await?;
        let (business, membership) = self.linked(tx.as_mut(), token, true).await?;
        self.apply_change(tx, &business, membership, ChangedBy::Client, change)
            .await?;
        self.self_service_membership(token).await
    }
}
