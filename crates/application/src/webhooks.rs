//! PL-24: a business's webhook endpoints (owners and admins): subscribe an endpoint to
//! event types, read, change, enable or disable it, rotate its secret, remove it. A
//! secret is shown once, when made.

use thiserror::Error;

use clientele_domain::webhook::{EndpointChanges, EndpointInput, WebhookEndpoint, WebhookSecret};
use clientele_domain::{
    Actor, FieldError, Forbidden, PageLimit, Permission, ValidationErrors, Version,
    WebhookEndpointId,
};
use clientele_ports::StorageError;

use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::{Clientele, Page};

#[derive(Debug, Error)]
pub enum WebhookError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the webhook endpoint does not exist")]
    NotFound,
    #[error("the webhook delivery does not exist")]
    DeliveryNotFound,
    #[error("the webhook endpoint was changed since the version you sent: read it again")]
    VersionConflict,
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for WebhookError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound | Self::DeliveryNotFound => ErrorKind::NotFound,
            Self::VersionConflict => ErrorKind::Conflict,
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

impl From<StorageError> for WebhookError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            StorageError::VersionConflict => Self::VersionConflict,
            other => Self::Unexpected(other),
        }
    }
}

/// An endpoint with its secret, shown this once (made, or rotated).
#[derive(Debug, Clone)]
pub struct WithSecret {
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`.
    pub secret: String,
}

const ENDPOINTS: &str = "webhook_endpoints";

impl Clientele {
    /// A new signing secret: 32 bytes from the id generator's secure source.
    fn new_webhook_secret(&self) -> Result<WebhookSecret, WebhookError> {
        let bytes = [self.ids.random_bytes(), self.ids.random_bytes()].concat();
        Ok(WebhookSecret::from_bytes(&bytes).map_err(|e| ValidationErrors(vec![e]))?)
    }

    /// PL-24: subscribes an endpoint; its secret is in the answer only.
    pub async fn create_webhook_endpoint(
        &self,
        actor: &Actor,
        input: &EndpointInput,
    ) -> Result<WithSecret, WebhookError> {
        actor.require(Permission::ManageWebhooks)?;
        let endpoint = WebhookEndpoint::create(
            WebhookEndpointId::from_uuid(self.ids.new_id()),
            actor.business_id,
            input,
            self.new_webhook_secret()?,
            self.config.webhooks_to_localhost,
            self.clock.now(),
        )?;
        let mut tx = self.storage.begin().await?;
        tx.insert_webhook_endpoint(&endpoint).await?;
        tx.commit().await?;
        let secret = endpoint.secret().expose();
        Ok(WithSecret { endpoint, secret })
    }

    /// The business's endpoints, oldest first.
    pub async fn list_webhook_endpoints(
        &self,
        actor: &Actor,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<WebhookEndpoint>, WebhookError> {
        actor.require(Permission::ManageWebhooks)?;
        let listing = Listing::of(actor.business_id, ENDPOINTS);
        let after: Option<WebhookEndpointId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let rows = tx
            .webhook_endpoints(actor.business_id, after, limit.get() + 1)
            .await?;
        Ok(self
            .cursors
            .paginate(&listing, rows, limit.get(), |e| e.id()))
    }

    pub async fn webhook_endpoint(
        &self,
        actor: &Actor,
        id: WebhookEndpointId,
    ) -> Result<WebhookEndpoint, WebhookError> {
        actor.require(Permission::ManageWebhooks)?;
        let mut tx = self.storage.read().await?;
        tx.webhook_endpoint(actor.business_id, id)
            .await?
            .ok_or(WebhookError::NotFound)
    }

    /// Changes an endpoint (URL, events, description, enabled) based on its `version`.
    pub async fn update_webhook_endpoint(
        &self,
        actor: &Actor,
        id: WebhookEndpointId,
        version: Version,
        changes: &EndpointChanges,
    ) -> Result<WebhookEndpoint, WebhookError> {
        self.change_webhook_endpoint(actor, id, version, |endpoint, this| {
            endpoint.change(changes, this.config.webhooks_to_localhost, this.clock.now())?;
            Ok(())
        })
        .await
    }

    /// A new secret, shown once; the previous one keeps signing for a day (PL-24).
    pub async fn rotate_webhook_secret(
        &self,
        actor: &Actor,
        id: WebhookEndpointId,
        version: Version,
    ) -> Result<WithSecret, WebhookError> {
        let secret = self.new_webhook_secret()?;
        let endpoint = self
            .change_webhook_endpoint(actor, id, version, move |endpoint, this| {
                endpoint.rotate(secret, this.clock.now());
                Ok(())
            })
            .await?;
        let secret = endpoint.secret().expose();
        Ok(WithSecret { endpoint, secret })
    }

    pub async fn delete_webhook_endpoint(
        &self,
        actor: &Actor,
        id: WebhookEndpointId,
    ) -> Result<(), WebhookError> {
        actor.require(Permission::ManageWebhooks)?;
        let mut tx = self.storage.begin().await?;
        tx.delete_webhook_endpoint(actor.business_id, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One change of an endpoint at `version`, in a transaction.
    async fn change_webhook_endpoint(
        &self,
        actor: &Actor,
        id: WebhookEndpointId,
        version: Version,
        change: impl FnOnce(&mut WebhookEndpoint, &Self) -> Result<(), WebhookError>,
    ) -> Result<WebhookEndpoint, WebhookError> {
        actor.require(Permission::ManageWebhooks)?;
        let mut tx = self.storage.begin().await?;
        let mut endpoint = tx
            .webhook_endpoint(actor.business_id, id)
            .await?
            .ok_or(WebhookError::NotFound)?;
        if endpoint.version() != version {
            return Err(WebhookError::VersionConflict);
        }
        change(&mut endpoint, self)?;
        if endpoint.version() != version {
            tx.update_webhook_endpoint(&endpoint, version).await?;
            tx.commit().await?;
        }
        Ok(endpoint)
    }
}
