//! Staff API tokens (PL-13): issuing a token is staff management, which is the owner's;
//! everyone lists and revokes their own tokens (a leaked token can always be revoked by
//! whoever holds it), the owner anyone's. A token's secret is returned once, when it is
//! created.

use thiserror::Error;

use clientele_domain::token::TokenLabel;
use clientele_domain::{
    Actor, ApiToken, BusinessId, FieldError, Forbidden, PageLimit, Permission, StaffId, TokenId,
    ValidationErrors,
};
use clientele_ports::{StorageError, Transaction};

use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::{Clientele, Page};

#[derive(Debug, Error)]
pub enum TokenError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the staff member does not exist")]
    StaffNotFound,
    #[error("the token does not exist")]
    NotFound,
    #[error(
        "this is the last token of an owner: revoking it would lock the business out; create another owner token first"
    )]
    LastOwnerToken,
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for TokenError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::StaffNotFound | Self::NotFound => ErrorKind::NotFound,
            Self::LastOwnerToken => ErrorKind::Conflict,
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => &errors.0,
            _ => &[],
        }
    }
}

impl From<StorageError> for TokenError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            other => Self::Unexpected(other),
        }
    }
}

/// A token just created, with its secret.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub token: ApiToken,
    /// Shown once; only its hash is stored.
    pub secret: String,
}

const TOKENS: &str = "tokens";

impl Clientele {
    /// A new token for `staff` (default: the caller). Only the owner issues tokens, for
    /// themselves or anyone: an admin or a staff member minting their own would hold
    /// credentials nobody granted them.
    pub async fn create_token(
        &self,
        actor: &Actor,
        staff: Option<StaffId>,
        label: &str,
    ) -> Result<CreatedToken, TokenError> {
        actor.require(Permission::ManageStaff)?;
        let staff = staff.unwrap_or(actor.staff_id);
        let label = TokenLabel::parse(label).map_err(|e| ValidationErrors(vec![e]))?;
        let mut tx = self.storage.begin().await?;
        tx.staff_member(actor.business_id, staff)
            .await?
            .ok_or(TokenError::StaffNotFound)?;
        let issued = self
            .issue_token(tx.as_mut(), actor.business_id, staff, label, None)
            .await?;
        tx.commit().await?;
        Ok(CreatedToken {
            token: issued.token,
            secret: issued.secret,
        })
    }

    /// The caller's tokens, or everyone's for the owner.
    pub async fn list_tokens(
        &self,
        actor: &Actor,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<ApiToken>, TokenError> {
        let only = if actor.role.allows(Permission::ManageStaff) {
            None
        } else {
            Some(actor.staff_id)
        };
        let mut listing = Listing::of(actor.business_id, TOKENS);
        if let Some(staff) = only {
            listing = listing.with("staff", staff);
        }
        let after: Option<TokenId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let rows = tx
            .tokens(actor.business_id, only, after, limit.get() + 1)
            .await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |t| t.id))
    }

    /// Revokes a token: the caller's own, or anyone's for the owner; never the last token
    /// an owner holds, which would lock the business out for good (PL-13).
    pub async fn revoke_token(&self, actor: &Actor, id: TokenId) -> Result<(), TokenError> {
        let mut tx = self.storage.begin().await?;
        let token = tx
            .token(actor.business_id, id)
            .await?
            .ok_or(TokenError::NotFound)?;
        if token.staff_id != actor.staff_id {
            // Someone else's token: as good as absent unless the caller manages staff.
            if !actor.role.allows(Permission::ManageStaff) {
                return Err(TokenError::NotFound);
            }
        }
        if !owner_token_remains(tx.as_mut(), actor.business_id, |t| t.id == id).await? {
            return Err(TokenError::LastOwnerToken);
        }
        tx.delete_token(actor.business_id, id).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Whether an owner would still hold a token once the tokens `going` picks are gone. The
/// owners' tokens stay locked until `tx` ends, so concurrent revocations cannot each
/// remove the other's and leave none.
pub(crate) async fn owner_token_remains(
    tx: &mut dyn Transaction,
    business: BusinessId,
    going: impl Fn(&ApiToken) -> bool,
) -> Result<bool, StorageError> {
    let tokens = tx.owner_tokens_for_update(business).await?;
    Ok(tokens.iter().any(|token| !going(token)))
}
