//! ME-16: credits. A membership type may grant credits each paid period (the billing run
//! issues them); staff issue credits to a client by hand and revoke them; a client's
//! credits are listed on their profile, newest first, as active, used, revoked or
//! refundable.

use thiserror::Error;

use clientele_domain::membership::{Credit, CreditError, CreditOrigin};
use clientele_domain::{
    Actor, ClientId, CreditId, FieldError, PageLimit, ValidationErrors, Version,
};
use clientele_ports::StorageError;

use crate::access::{AccessError, business_of, visible_client};
use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::{Clientele, Page};

/// Credits staff may issue at once.
pub const MAX_ISSUED: u32 = 50;

const CREDITS: &str = "credits";

#[derive(Debug, Error)]
pub enum CreditsError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the credit does not exist")]
    NotFound,
    #[error("{0}")]
    Refused(#[from] CreditError),
    #[error("the credit was changed since the version you sent: read it again")]
    VersionConflict,
    #[error(transparent)]
    Access(AccessError),
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for CreditsError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound => ErrorKind::NotFound,
            Self::Refused(_) | Self::VersionConflict => ErrorKind::Conflict,
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

impl From<StorageError> for CreditsError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            StorageError::VersionConflict => Self::VersionConflict,
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for CreditsError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::Storage(error) => error.into(),
            other => Self::Access(other),
        }
    }
}

impl Clientele {
    /// ME-16: staff issue `count` credits (1 to [`MAX_ISSUED`]) to a client they can see.
    pub async fn issue_credits(
        &self,
        actor: &Actor,
        client: ClientId,
        count: u32,
    ) -> Result<Vec<Credit>, CreditsError> {
        if !(1..=MAX_ISSUED).contains(&count) {
            return Err(ValidationErrors::single(
                "count",
                format!("1 to {MAX_ISSUED} credits at once"),
            )
            .into());
        }
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        visible_client(tx.as_mut(), actor, client).await?;
        let today = business.today(self.clock.now());
        let credits: Vec<Credit> = (0..count)
            .map(|_| {
                Credit::issue(
                    CreditId::from_uuid(self.ids.new_id()),
                    actor.business_id,
                    client,
                    CreditOrigin::Staff(actor.staff_id),
                    today,
                )
            })
            .collect();
        tx.insert_credits(&credits).await?;
        tx.commit().await?;
        Ok(credits)
    }

    /// ME-16: revokes an active credit of a client the actor can see.
    pub async fn revoke_credit(
        &self,
        actor: &Actor,
        id: CreditId,
        version: Version,
    ) -> Result<Credit, CreditsError> {
        let mut tx = self.storage.begin().await?;
        let mut credit = tx
            .credit(actor.business_id, id)
            .await?
            .ok_or(CreditsError::NotFound)?;
        visible_client(tx.as_mut(), actor, credit.client_id())
            .await
            .map_err(|error| match error {
                AccessError::ClientNotFound => CreditsError::NotFound,
                other => other.into(),
            })?;
        if credit.version() != version {
            return Err(CreditsError::VersionConflict);
        }
        credit.revoke()?;
        tx.update_credit(&credit, version).await?;
        tx.commit().await?;
        Ok(credit)
    }

    /// ME-16: a client's credits, newest first.
    pub async fn client_credits(
        &self,
        actor: &Actor,
        client: ClientId,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<Credit>, CreditsError> {
        let listing = Listing::of(actor.business_id, CREDITS).with("client", client);
        let after: Option<CreditId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        visible_client(tx.as_mut(), actor, client).await?;
        let rows = tx
            .credits_of_client(actor.business_id, client, after, limit.get() + 1)
            .await?;
        Ok(self
            .cursors
            .paginate(&listing, rows, limit.get(), |credit| credit.id()))
    }
}
