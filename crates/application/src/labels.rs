//! Labels (CL-11): the owner and admins define them; staff put them on clients and take
//! them off in one request.

use thiserror::Error;

use clientele_domain::label::{Label, LabelDetails, LabelInput};
use clientele_domain::{
    Actor, Client, ClientId, FieldError, Forbidden, LabelId, PageLimit, Permission,
    ValidationErrors, Version,
};
use clientele_ports::StorageError;

use crate::access::{AccessError, check_labels_exist, visible_client};
use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::webhook_events::Resource;
use crate::{Clientele, Page};
use clientele_domain::webhook::EventType;

#[derive(Debug, Error)]
pub enum LabelError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the label does not exist")]
    NotFound,
    #[error("another label already has this name")]
    DuplicateName,
    #[error("the label was changed since the version you sent: read it again")]
    VersionConflict,
    #[error(transparent)]
    Access(AccessError),
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for LabelError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound => ErrorKind::NotFound,
            Self::DuplicateName | Self::VersionConflict => ErrorKind::Conflict,
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

impl From<StorageError> for LabelError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            StorageError::Duplicate(_) => Self::DuplicateName,
            StorageError::VersionConflict => Self::VersionConflict,
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for LabelError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::Storage(error) => error.into(),
            other => Self::Access(other),
        }
    }
}

const LABELS: &str = "labels";

impl Clientele {
    pub async fn list_labels(
        &self,
        actor: &Actor,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<Label>, LabelError> {
        let listing = Listing::of(actor.business_id, LABELS);
        let after: Option<LabelId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let rows = tx.labels(actor.business_id, after, limit.get() + 1).await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |l| l.id))
    }

    pub async fn create_label(
        &self,
        actor: &Actor,
        input: &LabelInput,
    ) -> Result<Label, LabelError> {
        actor.require(Permission::ManageLabels)?;
        let details = LabelDetails::parse(input)?;
        let label = Label::new(
            LabelId::from_uuid(self.ids.new_id()),
            actor.business_id,
            details,
            self.clock.now(),
        );
        let mut tx = self.storage.begin().await?;
        tx.insert_label(&label).await?;
        tx.commit().await?;
        Ok(label)
    }

    pub async fn update_label(
        &self,
        actor: &Actor,
        id: LabelId,
        version: Version,
        input: &LabelInput,
    ) -> Result<Label, LabelError> {
        actor.require(Permission::ManageLabels)?;
        let details = LabelDetails::parse(input)?;
        let mut tx = self.storage.begin().await?;
        let mut label = tx
            .label(actor.business_id, id)
            .await?
            .ok_or(LabelError::NotFound)?;
        if label.version != version {
            return Err(LabelError::VersionConflict);
        }
        label.replace(details, self.clock.now());
        tx.update_label(&label, version).await?;
        tx.commit().await?;
        Ok(label)
    }

    /// Removes a label, and so takes it off every client.
    pub async fn delete_label(&self, actor: &Actor, id: LabelId) -> Result<(), LabelError> {
        actor.require(Permission::ManageLabels)?;
        let mut tx = self.storage.begin().await?;
        tx.delete_label(actor.business_id, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// CL-11: adds and removes a client's labels in one request (an administrative
    /// change: it moves `admin_updated_at`).
    pub async fn change_client_labels(
        &self,
        actor: &Actor,
        client: ClientId,
        add: &[LabelId],
        remove: &[LabelId],
    ) -> Result<Client, LabelError> {
        let mut tx = self.storage.begin().await?;
        let mut client = visible_client(tx.as_mut(), actor, client).await?;
        check_labels_exist(tx.as_mut(), actor, add, "add").await?;
        check_labels_exist(tx.as_mut(), actor, remove, "remove").await?;
        let (before, now) = (client.clone(), self.clock.now());
        if client.change_labels(add, remove, now) {
            tx.update_client(&client, before.version()).await?;
            self.audit_changes(tx.as_mut(), actor, &before, &client, now)
                .await?;
            let (kind, resource) = (EventType::ClientUpdated, Resource::Client(&client));
            self.emit(tx.as_mut(), actor.business_id, kind, resource)
                .await?;
            tx.commit().await?;
        }
        Ok(client)
    }
}
