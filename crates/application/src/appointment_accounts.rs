//! AC-9: staff assign one appointment to a client account (the "client user" field), or
//! all of a client's appointments to the one account some of them already have.

use thiserror::Error;

use clientele_domain::appointment::Appointment;
use clientele_domain::{
    AccountId, Actor, AppointmentId, BusinessId, ClientId, EmailAddress, FieldError,
    ValidationErrors, Version,
};
use clientele_ports::{StorageError, Transaction};

use crate::Clientele;
use crate::access::{AccessError, locked_appointment, visible_client};
use crate::error::{Classify, ErrorKind};

#[derive(Debug, Error)]
pub enum AssignmentError {
    /// No email, or no account with it.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Access(#[from] AccessError),
    /// AC-9: "assign all" is refused.
    #[error("cannot assign all the client's appointments: {0}")]
    NotAssignable(&'static str),
    #[error("the appointment was changed since the version you sent: read it again")]
    VersionConflict,
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for AssignmentError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::Access(error) => error.kind(),
            Self::NotAssignable(_) | Self::VersionConflict => ErrorKind::Conflict,
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

impl From<StorageError> for AssignmentError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::VersionConflict => Self::VersionConflict,
            other => Self::Unexpected(other),
        }
    }
}

/// AC-9: why "assign all" to `account` is refused, given the accounts (at most two) the
/// client's appointments are assigned to already; `None` when it may go ahead.
pub fn assign_all_refusal(account: AccountId, already: &[AccountId]) -> Option<&'static str> {
    match already {
        [] => Some("none of them is assigned to an account yet: assign one first"),
        [only] if *only == account => None,
        [_] => Some("they are assigned to another account"),
        _ => Some("they are assigned to more than one account"),
    }
}

/// The business's account with the email typed in `email`.
async fn account_named(
    tx: &mut dyn Transaction,
    business: BusinessId,
    email: &str,
) -> Result<AccountId, AssignmentError> {
    let email = EmailAddress::parse("email", email).map_err(|e| ValidationErrors(vec![e]))?;
    let (account, _) = tx
        .account_by_email(business, &email.key())
        .await?
        .ok_or_else(|| ValidationErrors::single("email", "no client account has this email"))?;
    Ok(account.id)
}

impl Clientele {
    /// AC-9: assigns the appointment to the account with `email`, or to none, based on
    /// its `version`.
    pub async fn set_appointment_account(
        &self,
        actor: &Actor,
        id: AppointmentId,
        version: Version,
        email: Option<&str>,
    ) -> Result<Appointment, AssignmentError> {
        let mut tx = self.storage.begin().await?;
        let mut appointment = locked_appointment(tx.as_mut(), actor, id).await?;
        if appointment.version() != version {
            return Err(AssignmentError::VersionConflict);
        }
        let account = match email.filter(|e| !e.trim().is_empty()) {
            Some(email) => Some(account_named(tx.as_mut(), actor.business_id, email).await?),
            None => None,
        };
        if appointment.set_account(account, self.clock.now()) {
            tx.update_appointment(&appointment, version).await?;
            tx.commit().await?;
        }
        Ok(appointment)
    }

    /// AC-9: assigns every appointment of the client that has no account to the account
    /// with `email` — only when some are assigned to that account already and none to
    /// another. How many were assigned.
    pub async fn assign_all_appointments(
        &self,
        actor: &Actor,
        client: ClientId,
        email: &str,
    ) -> Result<u64, AssignmentError> {
        let mut tx = self.storage.begin().await?;
        let client = visible_client(tx.as_mut(), actor, client).await?;
        let account = account_named(tx.as_mut(), actor.business_id, email).await?;
        let already = tx
            .accounts_of_client(actor.business_id, client.id(), 2)
            .await?;
        if let Some(reason) = assign_all_refusal(account, &already) {
            return Err(AssignmentError::NotAssignable(reason));
        }
        let assigned = tx
            .assign_client_appointments(actor.business_id, client.id(), account, self.clock.now())
            .await?;
        tx.commit().await?;
        Ok(assigned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn ac_9_assign_all_needs_exactly_the_one_account_already_there() {
        let mine = AccountId::from_uuid(Uuid::from_u128(1));
        let other = AccountId::from_uuid(Uuid::from_u128(2));
        assert!(assign_all_refusal(mine, &[]).is_some());
        assert_eq!(assign_all_refusal(mine, &[mine]), None);
        assert!(assign_all_refusal(mine, &[other]).is_some());
        assert!(assign_all_refusal(mine, &[mine, other]).is_some());
    }
}
