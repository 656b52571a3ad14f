//! CL-21: deleting clients for good (owner, admin): one, with a 409 naming what blocks
//! it, or a selection, with an outcome per client.
//!
//! Each client is deleted in a transaction of its own, after its blockers were looked
//! for in the same one: a client is never half-deleted, and one blocked client does not
//! stop the others. The bytes of their documents are deleted once the rows are gone (a
//! failure there is logged: the rows, which name the bytes, are already gone).

use thiserror::Error;

use clientele_domain::client_deletion::{Blocker, blockers};
use clientele_domain::code::Code;
use clientele_domain::document::ClientDocument;
use clientele_domain::{
    Actor, BusinessId, ClientId, FieldError, Forbidden, Permission, ValidationErrors,
};
use clientele_ports::StorageError;
use clientele_ports::blobs::document_key;

use crate::Clientele;
use crate::access::{AccessError, visible_client};
use crate::error::{Classify, ErrorKind};
use crate::webhook_events::Resource;
use clientele_domain::webhook::EventType;

/// The most clients one bulk deletion names.
pub const MAX_BULK: usize = 500;

/// Codes read per page while looking for blockers.
const PAGE: u32 = 200;

/// The most documents a client's deletion looks for, to delete their bytes.
const MAX_DOCUMENTS: u32 = 100_000;

#[derive(Debug, Error)]
pub enum DeletionError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// Absent, or of no site the caller may see (PL-14).
    #[error("the client does not exist")]
    NotFound,
    #[error("the client still holds {}: cancel or use them first", describe(.0))]
    Blocked(Blocked),
    #[error(transparent)]
    Unexpected(StorageError),
}

/// What stops a deletion, and the same as the fields of a problem.
#[derive(Debug)]
pub struct Blocked {
    pub blockers: Vec<Blocker>,
    fields: Vec<FieldError>,
}

impl Blocked {
    fn new(blockers: Vec<Blocker>) -> Self {
        let fields = blockers
            .iter()
            .map(|b| {
                let field = match b {
                    Blocker::Code { id, .. } => format!("codes/{}", id.as_uuid()),
                    Blocker::Membership { id, .. } => format!("memberships/{}", id.as_uuid()),
                };
                FieldError::new(field, b.describe())
            })
            .collect();
        Self { blockers, fields }
    }
}

fn describe(blocked: &Blocked) -> String {
    let all: Vec<String> = blocked.blockers.iter().map(Blocker::describe).collect();
    all.join(", ")
}

impl From<StorageError> for DeletionError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for DeletionError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::Storage(e) => e.into(),
            _ => Self::NotFound,
        }
    }
}

impl Classify for DeletionError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::NotFound => ErrorKind::NotFound,
            Self::Blocked(_) => ErrorKind::Conflict,
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => &errors.0,
            Self::Blocked(blocked) => &blocked.fields,
            _ => &[],
        }
    }
}

/// What became of one client of a bulk deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeletionOutcome {
    Deleted,
    Blocked(Vec<Blocker>),
    /// Absent, already deleted, or of no site the caller sees.
    NotFound,
}

impl Clientele {
    /// CL-21: deletes a client and every record of theirs, for good (owner, admin);
    /// refused while they hold an active code or a membership that is not over.
    pub async fn delete_client(&self, actor: &Actor, id: ClientId) -> Result<(), DeletionError> {
        actor.require(Permission::Delete)?;
        self.delete_one(actor, id).await
    }

    /// CL-21: deletes each of `ids` as [`Clientele::delete_client`] would, each on its
    /// own: the outcome of each, in the order given (an id named twice counts once).
    pub async fn delete_clients(
        &self,
        actor: &Actor,
        ids: &[ClientId],
    ) -> Result<Vec<(ClientId, DeletionOutcome)>, DeletionError> {
        actor.require(Permission::Delete)?;
        let mut unique = Vec::with_capacity(ids.len());
        for id in ids {
            if !unique.contains(id) {
                unique.push(*id);
            }
        }
        if unique.is_empty() || unique.len() > MAX_BULK {
            let message = format!("name 1 to {MAX_BULK} clients");
            return Err(ValidationErrors::single("client_ids", message).into());
        }
        let mut outcomes = Vec::with_capacity(unique.len());
        for id in unique {
            let outcome = match self.delete_one(actor, id).await {
                Ok(()) => DeletionOutcome::Deleted,
                Err(DeletionError::NotFound) => DeletionOutcome::NotFound,
                Err(DeletionError::Blocked(blocked)) => DeletionOutcome::Blocked(blocked.blockers),
                Err(other) => return Err(other),
            };
            outcomes.push((id, outcome));
        }
        Ok(outcomes)
    }

    async fn delete_one(&self, actor: &Actor, id: ClientId) -> Result<(), DeletionError> {
        let business = actor.business_id;
        let mut tx = self.storage.begin().await?;
        visible_client(tx.as_mut(), actor, id).await?;
        let zone = tx
            .business(business)
            .await?
            .ok_or(StorageError::NotFound)?
            .settings
            .time_zone;
        let mut codes: Vec<Code> = Vec::new();
        loop {
            let after = codes.last().map(|c| (c.created_at(), c.id()));
            let page = tx.codes_of_client(business, id, after, PAGE).await?;
            let done = page.len() < PAGE as usize;
            codes.extend(page);
            if done {
                break;
            }
        }
        let memberships = tx.memberships_of_client(business, id).await?;
        let blocking = blockers(&codes, &memberships, zone.today(self.clock.now()));
        if !blocking.is_empty() {
            return Err(DeletionError::Blocked(Blocked::new(blocking)));
        }
        let documents = tx.documents_of_client(business, id, MAX_DOCUMENTS).await?;
        tx.delete_client(business, id).await?;
        self.emit(
            tx.as_mut(),
            business,
            EventType::ClientDeleted,
            Resource::DeletedClient(id),
        )
        .await?;
        tx.commit().await?;
        self.forget_document_bytes(business, &documents).await;
        Ok(())
    }

    /// Deletes the bytes of `documents`, whose rows are gone (CL-21, CL-22); a failure is
    /// logged, as nothing names the bytes any more.
    pub(crate) async fn forget_document_bytes(
        &self,
        business: BusinessId,
        documents: &[ClientDocument],
    ) {
        let Some(blobs) = &self.blobs else {
            return;
        };
        for document in documents {
            let key = document_key(business, document.id);
            if let Err(error) = blobs.delete(&key).await {
                tracing::error!(key = %key, error = %error, "could not delete the bytes of a document whose row is gone");
            }
        }
    }
}
