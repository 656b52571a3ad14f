//! CL-17, CL-23: merging duplicate profiles into one, undoing a merge within 30 days,
//! and where an absorbed profile's id now points.
//!
//! A merge is one transaction: the kept profile takes what it lacks from the absorbed
//! ones (`client_merge::merged`), every record of theirs moves to it (storage remembers
//! where each came from), they leave the list, and the kept profile's audit says so.
//! Undoing brings each absorbed profile back with exactly the records it brought; what
//! reached the kept profile after the merge stays with it.

use chrono::{DateTime, Utc};
use thiserror::Error;

use clientele_domain::audit::{ClientAuditAction, ClientAuditEntry};
use clientele_domain::client_merge::{self, ClientMerge, UndoRefused};
use clientele_domain::{
    Actor, AuditId, Client, ClientId, FieldError, MergeId, ValidationErrors, Version,
};
use clientele_ports::{StorageError, Transaction};

use crate::Clientele;
use crate::access::{AccessError, visible_client};
use crate::error::{Classify, ErrorKind};
use crate::webhook_events::Resource;
use clientele_domain::webhook::EventType;

#[derive(Debug, Error)]
pub enum MergeError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// The kept profile, or the merge, is absent or not visible to the caller.
    #[error("the client does not exist")]
    ClientNotFound,
    #[error("the merge does not exist")]
    MergeNotFound,
    #[error("the client was changed since the version you sent: read it again")]
    VersionConflict,
    #[error(transparent)]
    Refused(#[from] UndoRefused),
    #[error("the kept profile was itself merged into {0} since: undo that merge first")]
    KeptMerged(ClientId),
    #[error(transparent)]
    Access(AccessError),
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for MergeError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::ClientNotFound | Self::MergeNotFound => ErrorKind::NotFound,
            Self::VersionConflict | Self::Refused(_) | Self::KeptMerged(_) => ErrorKind::Conflict,
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

impl From<StorageError> for MergeError {
    fn from(error: StorageError) -> Self {
        match error {
            // A profile read at the start was changed, merged or brought back since by
            // another request: this one is based on what is no longer there.
            StorageError::VersionConflict | StorageError::NotFound => Self::VersionConflict,
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for MergeError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::ClientNotFound => Self::ClientNotFound,
            AccessError::Storage(error) => error.into(),
            other => Self::Access(other),
        }
    }
}

/// A merge and the kept profile after it (or after its undoing).
#[derive(Debug, Clone)]
pub struct MergeOutcome {
    pub merge: ClientMerge,
    pub kept: Client,
}

/// Where a client id leads.
#[derive(Debug, Clone)]
pub enum Located {
    Client(Box<Client>),
    /// CL-17: the profile was merged into this one.
    MergedInto(ClientId),
}

fn ids_text(ids: &[ClientId]) -> String {
    let ids: Vec<String> = ids.iter().map(|id| id.as_uuid().to_string()).collect();
    ids.join(",")
}

impl Clientele {
    /// CL-17: merges the profiles `absorb` into `kept` (at `version`), in one
    /// transaction. Every profile must be one the caller sees.
    pub async fn merge_clients(
        &self,
        actor: &Actor,
        kept: ClientId,
        version: Version,
        absorb: &[ClientId],
    ) -> Result<MergeOutcome, MergeError> {
        let absorb = client_merge::absorbed_ids(kept, absorb)?;
        let mut tx = self.storage.begin().await?;
        let before = visible_client(tx.as_mut(), actor, kept).await?;
        if before.version() != version {
            return Err(MergeError::VersionConflict);
        }
        let mut absorbed = Vec::with_capacity(absorb.len());
        for &id in &absorb {
            match visible_client(tx.as_mut(), actor, id).await {
                Ok(client) => absorbed.push(client),
                Err(AccessError::ClientNotFound) => {
                    let message = format!("{} is not a client you see", id.as_uuid());
                    return Err(ValidationErrors::single("absorb", message).into());
                }
                Err(other) => return Err(other.into()),
            }
        }
        let now = self.clock.now();
        let outcome = self
            .merge_in(tx.as_mut(), actor, &before, &absorbed, now)
            .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// The merge of `absorbed` into `kept` (as read in `tx`), written in `tx`.
    async fn merge_in(
        &self,
        tx: &mut dyn Transaction,
        actor: &Actor,
        kept: &Client,
        absorbed: &[Client],
        now: DateTime<Utc>,
    ) -> Result<MergeOutcome, MergeError> {
        let (after, added) = client_merge::merged(kept, absorbed, now);
        let merge = ClientMerge {
            id: MergeId::from_uuid(self.ids.new_id()),
            business_id: actor.business_id,
            kept_id: kept.id(),
            absorbed_ids: absorbed.iter().map(Client::id).collect(),
            added,
            staff_id: actor.staff_id,
            at: now,
            undone_at: None,
        };
        tx.insert_client_merge(&merge).await?;
        for (position, client) in (0_u32..).zip(absorbed) {
            tx.absorb_client(&merge, client, position).await?;
        }
        tx.update_client(&after, kept.version()).await?;
        let entry = self.merge_audit(actor, &merge, ClientAuditAction::Merged);
        tx.record_client_audit(&entry).await?;
        self.emit(
            tx,
            actor.business_id,
            EventType::ClientMerged,
            Resource::Merge(&merge, &after),
        )
        .await?;
        Ok(MergeOutcome { merge, kept: after })
    }

    /// CL-18: `edited` (as just written in `tx`) merged into the oldest other profile of
    /// its name the caller sees, if there is one: that profile keeps its contact details.
    pub(crate) async fn merge_same_name(
        &self,
        tx: &mut dyn Transaction,
        actor: &Actor,
        edited: &Client,
        now: DateTime<Utc>,
    ) -> Result<Option<MergeOutcome>, MergeError> {
        let (first, last) = (edited.first_name().key(), edited.last_name().key());
        let namesakes = tx
            .clients_by_name(actor.business_id, &first, &last, 20)
            .await?;
        let kept = namesakes
            .into_iter()
            .find(|c| c.id() != edited.id() && actor.scope.sees_any(c.sites()));
        match kept {
            Some(kept) => {
                let absorbed = std::slice::from_ref(edited);
                Ok(Some(self.merge_in(tx, actor, &kept, absorbed, now).await?))
            }
            None => Ok(None),
        }
    }

    /// A merge of the business whose kept profile the caller sees.
    pub async fn client_merge(
        &self,
        actor: &Actor,
        id: MergeId,
    ) -> Result<ClientMerge, MergeError> {
        let mut tx = self.storage.read().await?;
        visible_merge(tx.as_mut(), actor, id).await
    }

    /// CL-23: undoes a merge (within 30 days, once): each absorbed profile comes back
    /// with the records it brought, and the kept profile loses what the merge added.
    pub async fn undo_client_merge(
        &self,
        actor: &Actor,
        id: MergeId,
    ) -> Result<MergeOutcome, MergeError> {
        let mut tx = self.storage.begin().await?;
        let mut merge = visible_merge(tx.as_mut(), actor, id).await?;
        let now = self.clock.now();
        merge.undo(now)?;
        let Some(kept) = tx.client(actor.business_id, merge.kept_id).await? else {
            return match tx.merged_into(actor.business_id, merge.kept_id).await? {
                Some((_, into)) => Err(MergeError::KeptMerged(into)),
                None => Err(MergeError::ClientNotFound),
            };
        };
        tx.restore_absorbed(&merge).await?;
        let after = client_merge::unmerged(&kept, &merge.added, now);
        tx.update_client(&after, kept.version()).await?;
        let entry = self.merge_audit(actor, &merge, ClientAuditAction::Unmerged);
        tx.record_client_audit(&entry).await?;
        tx.record_merge_undone(&merge).await.map_err(|e| match e {
            StorageError::VersionConflict => MergeError::Refused(UndoRefused::AlreadyUndone),
            other => other.into(),
        })?;
        tx.commit().await?;
        Ok(MergeOutcome { merge, kept: after })
    }

    /// CL-17: the client with this id, or the profile it was merged into.
    pub async fn locate_client(&self, actor: &Actor, id: ClientId) -> Result<Located, MergeError> {
        let mut tx = self.storage.read().await?;
        match visible_client(tx.as_mut(), actor, id).await {
            Ok(client) => Ok(Located::Client(Box::new(client))),
            Err(AccessError::ClientNotFound) => {
                match tx.merged_into(actor.business_id, id).await? {
                    Some((_, kept)) if visible_client(tx.as_mut(), actor, kept).await.is_ok() => {
                        Ok(Located::MergedInto(kept))
                    }
                    _ => Err(MergeError::ClientNotFound),
                }
            }
            Err(other) => Err(other.into()),
        }
    }

    fn merge_audit(
        &self,
        actor: &Actor,
        merge: &ClientMerge,
        action: ClientAuditAction,
    ) -> ClientAuditEntry {
        let ids = Some(ids_text(&merge.absorbed_ids));
        let (old_value, new_value) = match action {
            ClientAuditAction::Unmerged => (ids, None),
            _ => (None, ids),
        };
        ClientAuditEntry {
            id: AuditId::from_uuid(self.ids.new_id()),
            business_id: actor.business_id,
            client_id: merge.kept_id,
            actor: actor.staff_id,
            at: merge.undone_at.unwrap_or(merge.at),
            action,
            field: None,
            old_value,
            new_value,
        }
    }
}

/// The merge, if its kept profile is one the caller sees (or is gone from the list).
async fn visible_merge(
    tx: &mut dyn Transaction,
    actor: &Actor,
    id: MergeId,
) -> Result<ClientMerge, MergeError> {
    let merge = tx
        .client_merge(actor.business_id, id)
        .await?
        .ok_or(MergeError::MergeNotFound)?;
    match visible_client(tx, actor, merge.kept_id).await {
        Ok(_) => Ok(merge),
        // A kept profile merged away since: its merge is still named, to say so.
        Err(AccessError::ClientNotFound)
            if tx
                .merged_into(actor.business_id, merge.kept_id)
                .await?
                .is_some() =>
        {
            Ok(merge)
        }
        Err(AccessError::ClientNotFound) => Err(MergeError::MergeNotFound),
        Err(other) => Err(other.into()),
    }
}
