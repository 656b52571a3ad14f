//! Staff members (PL-13, PL-14): the owner manages them and the sites they may access.

use thiserror::Error;

use clientele_domain::staff::{StaffDetails, StaffInput};
use clientele_domain::{
    Actor, FieldError, Forbidden, PageLimit, Permission, Role, StaffId, StaffMember,
    ValidationErrors, Version,
};
use clientele_ports::{StorageError, Transaction};

use crate::access::{AccessError, check_sites_exist};
use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::tokens::owner_token_remains;
use crate::{Clientele, Page};

#[derive(Debug, Error)]
pub enum StaffError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the staff member does not exist")]
    NotFound,
    #[error("another staff member already has this email")]
    DuplicateEmail,
    #[error("a business keeps at least one owner")]
    LastOwner,
    #[error("this member holds the last owner token: create a token for another owner first")]
    LastOwnerToken,
    #[error("the staff member was changed since the version you sent: read it again")]
    VersionConflict,
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for StaffError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound => ErrorKind::NotFound,
            Self::DuplicateEmail
            | Self::LastOwner
            | Self::LastOwnerToken
            | Self::VersionConflict => ErrorKind::Conflict,
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

impl From<StorageError> for StaffError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            StorageError::Duplicate(_) => Self::DuplicateEmail,
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for StaffError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::Unknown(errors) => Self::Invalid(errors),
            AccessError::Storage(error) => error.into(),
            other => Self::Unexpected(StorageError::Unexpected(other.into())),
        }
    }
}

const STAFF: &str = "staff";

impl Clientele {
    pub async fn list_staff(
        &self,
        actor: &Actor,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<StaffMember>, StaffError> {
        actor.require(Permission::ManageStaff)?;
        let listing = Listing::of(actor.business_id, STAFF);
        let after: Option<StaffId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let rows = tx.staff(actor.business_id, after, limit.get() + 1).await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |m| m.id))
    }

    /// A staff member: the owner sees anyone, everyone sees themselves.
    pub async fn staff_member(
        &self,
        actor: &Actor,
        id: StaffId,
    ) -> Result<StaffMember, StaffError> {
        if id != actor.staff_id {
            actor.require(Permission::ManageStaff)?;
        }
        let mut tx = self.storage.read().await?;
        tx.staff_member(actor.business_id, id)
            .await?
            .ok_or(StaffError::NotFound)
    }

    pub async fn create_staff(
        &self,
        actor: &Actor,
        input: &StaffInput,
    ) -> Result<StaffMember, StaffError> {
        actor.require(Permission::ManageStaff)?;
        let details = StaffDetails::parse(input)?;
        let mut tx = self.storage.begin().await?;
        check_sites_exist(tx.as_mut(), actor, &details.sites).await?;
        let member = StaffMember::new(
            StaffId::from_uuid(self.ids.new_id()),
            actor.business_id,
            details,
            self.clock.now(),
        );
        tx.insert_staff(&member).await?;
        tx.commit().await?;
        Ok(member)
    }

    /// Replaces a member's name, email, role and sites, based on `version` (PL-11).
    pub async fn update_staff(
        &self,
        actor: &Actor,
        id: StaffId,
        version: Version,
        input: &StaffInput,
    ) -> Result<StaffMember, StaffError> {
        actor.require(Permission::ManageStaff)?;
        let details = StaffDetails::parse(input)?;
        let mut tx = self.storage.begin().await?;
        let mut member = tx
            .staff_member(actor.business_id, id)
            .await?
            .ok_or(StaffError::NotFound)?;
        if member.version != version {
            return Err(StaffError::VersionConflict);
        }
        check_sites_exist(tx.as_mut(), actor, &details.sites).await?;
        if member.role == Role::Owner
            && details.role != Role::Owner
            && tx.count_owners(actor.business_id).await? <= 1
        {
            return Err(StaffError::LastOwner);
        }
        if member.role == Role::Owner && details.role != Role::Owner {
            ensure_owner_token_remains(tx.as_mut(), actor, id).await?;
        }
        member.replace(details, self.clock.now());
        tx.update_staff(&member, version).await?;
        tx.commit().await?;
        Ok(member)
    }

    /// Removes a member and revokes their tokens; never the last owner.
    pub async fn delete_staff(&self, actor: &Actor, id: StaffId) -> Result<(), StaffError> {
        actor.require(Permission::ManageStaff)?;
        let mut tx = self.storage.begin().await?;
        let member = tx
            .staff_member(actor.business_id, id)
            .await?
            .ok_or(StaffError::NotFound)?;
        if member.role == Role::Owner && tx.count_owners(actor.business_id).await? <= 1 {
            return Err(StaffError::LastOwner);
        }
        if member.role == Role::Owner {
            ensure_owner_token_remains(tx.as_mut(), actor, id).await?;
        }
        tx.delete_staff(actor.business_id, id).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Refuses to take the owner role, and so their tokens' power, from `member` when no other
/// owner holds a token: nobody could manage the business any more (PL-13).
async fn ensure_owner_token_remains(
    tx: &mut dyn Transaction,
    actor: &Actor,
    member: StaffId,
) -> Result<(), StaffError> {
    if owner_token_remains(tx, actor.business_id, |t| t.staff_id == member).await? {
        Ok(())
    } else {
        Err(StaffError::LastOwnerToken)
    }
}
