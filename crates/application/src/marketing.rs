//! Marketing preferences and consent (CL-13): the owner defines the preferences; staff
//! record a client's opt-in or opt-out, each change kept as evidence; the owner and admins
//! export the emails opted in to a preference.

use thiserror::Error;

use clientele_domain::marketing::{
    ConsentChange, ConsentSource, MarketingPreference, PreferenceName,
};
use clientele_domain::{
    Actor, AuditId, ClientId, FieldError, Forbidden, MarketingPreferenceId, PageLimit, Permission,
    ValidationErrors, Version,
};
use clientele_ports::StorageError;

use crate::access::{AccessError, visible_client};
use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::webhook_events::Resource;
use crate::{Clientele, Page};
use clientele_domain::webhook::EventType;

#[derive(Debug, Error)]
pub enum MarketingError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the marketing preference does not exist")]
    NotFound,
    #[error("another marketing preference already has this name")]
    DuplicateName,
    #[error(transparent)]
    Access(AccessError),
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for MarketingError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound => ErrorKind::NotFound,
            Self::DuplicateName => ErrorKind::Conflict,
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

impl From<StorageError> for MarketingError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Duplicate(_) => Self::DuplicateName,
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for MarketingError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::Storage(error) => error.into(),
            other => Self::Access(other),
        }
    }
}

/// A client's consents: the current answer per preference, and every change.
#[derive(Debug, Clone)]
pub struct Consents {
    pub current: Vec<(MarketingPreferenceId, bool)>,
    /// Newest first.
    pub history: Vec<ConsentChange>,
}

const PREFERENCES: &str = "marketing_preferences";
const OPTED_IN: &str = "opted_in_emails";
/// How many ledger entries a client's consents show.
const HISTORY: u32 = 200;

impl Clientele {
    pub async fn list_preferences(
        &self,
        actor: &Actor,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<MarketingPreference>, MarketingError> {
        let listing = Listing::of(actor.business_id, PREFERENCES);
        let after: Option<MarketingPreferenceId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let rows = tx
            .preferences(actor.business_id, after, limit.get() + 1)
            .await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |p| p.id))
    }

    /// Defines a marketing preference (owner: it is part of the settings).
    pub async fn create_preference(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<MarketingPreference, MarketingError> {
        actor.require(Permission::ManageSettings)?;
        let name = PreferenceName::parse(name).map_err(|e| ValidationErrors(vec![e]))?;
        let preference = MarketingPreference {
            id: MarketingPreferenceId::from_uuid(self.ids.new_id()),
            business_id: actor.business_id,
            name,
            created_at: self.clock.now(),
            version: Version::initial(),
        };
        let mut tx = self.storage.begin().await?;
        tx.insert_preference(&preference).await?;
        tx.commit().await?;
        Ok(preference)
    }

    /// CL-13: records that a client opts in to or out of a preference, as told to staff.
    /// An answer that changes nothing is not recorded again.
    pub async fn set_consent(
        &self,
        actor: &Actor,
        client: ClientId,
        preference: MarketingPreferenceId,
        opted_in: bool,
    ) -> Result<Consents, MarketingError> {
        let mut tx = self.storage.begin().await?;
        let mut client = visible_client(tx.as_mut(), actor, client).await?;
        tx.preference(actor.business_id, preference)
            .await?
            .ok_or_else(|| {
                ValidationErrors::single("preference_id", "no such marketing preference")
            })?;
        let current = tx
            .consents_of_client(actor.business_id, client.id())
            .await?;
        let unchanged = current
            .iter()
            .any(|(p, answer)| *p == preference && *answer == opted_in);
        if !unchanged {
            let now = self.clock.now();
            tx.record_consent(&ConsentChange {
                id: AuditId::from_uuid(self.ids.new_id()),
                business_id: actor.business_id,
                client_id: client.id(),
                preference_id: preference,
                opted_in,
                source: ConsentSource::Staff,
                actor: Some(actor.staff_id),
                at: now,
            })
            .await?;
            let version = client.version();
            client.mark_administrative_change(now);
            tx.update_client(&client, version).await?;
            let (kind, resource) = (EventType::ClientUpdated, Resource::Client(&client));
            self.emit(tx.as_mut(), actor.business_id, kind, resource)
                .await?;
        }
        let consents = Consents {
            current: tx
                .consents_of_client(actor.business_id, client.id())
                .await?,
            history: tx
                .consent_history(actor.business_id, client.id(), HISTORY)
                .await?,
        };
        tx.commit().await?;
        Ok(consents)
    }

    /// A client's consents and their history.
    pub async fn consents(
        &self,
        actor: &Actor,
        client: ClientId,
    ) -> Result<Consents, MarketingError> {
        let mut tx = self.storage.read().await?;
        let client = visible_client(tx.as_mut(), actor, client).await?;
        Ok(Consents {
            current: tx
                .consents_of_client(actor.business_id, client.id())
                .await?,
            history: tx
                .consent_history(actor.business_id, client.id(), HISTORY)
                .await?,
        })
    }

    /// CL-13: the emails opted in to a preference, a page at a time (owner, admin): for a
    /// member limited to some sites, only those sites' clients (PL-14).
    pub async fn export_opted_in(
        &self,
        actor: &Actor,
        preference: MarketingPreferenceId,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<(ClientId, String)>, MarketingError> {
        actor.require(Permission::Export)?;
        let listing = Listing::of(actor.business_id, OPTED_IN).with("preference", preference);
        let after: Option<ClientId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        tx.preference(actor.business_id, preference)
            .await?
            .ok_or(MarketingError::NotFound)?;
        let rows = tx
            .opted_in_emails(
                actor.business_id,
                preference,
                &actor.scope,
                after,
                limit.get() + 1,
            )
            .await?;
        Ok(self
            .cursors
            .paginate(&listing, rows, limit.get(), |(id, _)| *id))
    }
}
