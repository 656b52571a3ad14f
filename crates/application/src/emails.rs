//! The email outbox as the business sees it (PL-18): what was sent, what waits, what
//! failed.

use thiserror::Error;

use chrono::{DateTime, Utc};

use clientele_domain::email::OutgoingEmail;
use clientele_domain::{Actor, EmailId, Forbidden, PageLimit, Permission};
use clientele_ports::StorageError;
use clientele_ports::storage::{EmailState, OutboxEmail};

use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::{Clientele, Page};

#[derive(Debug, Error)]
pub enum EmailError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error(transparent)]
    Unexpected(#[from] StorageError),
}

impl Classify for EmailError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }
}

/// An email as the business sees it: what it says and where its delivery stands. How
/// the outbox schedules and claims it (retry times, leases) stays inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessEmail {
    pub email: OutgoingEmail,
    pub delivery: Delivery,
}

/// Where an email's delivery stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Waiting to be sent, or to be tried again after `attempts` failed tries.
    Pending {
        attempts: u32,
    },
    Sent {
        at: DateTime<Utc>,
    },
    /// Given up after `attempts` tries; the last one failed with `last_error`.
    Failed {
        attempts: u32,
        last_error: String,
    },
}

impl From<OutboxEmail> for BusinessEmail {
    fn from(outbox: OutboxEmail) -> Self {
        let delivery = match outbox.state {
            EmailState::Pending { attempts, .. } => Delivery::Pending { attempts },
            EmailState::Sent { at } => Delivery::Sent { at },
            EmailState::Failed {
                attempts,
                last_error,
            } => Delivery::Failed {
                attempts,
                last_error,
            },
        };
        let mut email = outbox.email;
        if email.kind.carries_secret() {
            email.content = email.content.without_tokens();
        }
        Self { email, delivery }
    }
}

const EMAILS: &str = "emails";

impl Clientele {
    /// The business's emails, newest first (owner, admin): for a member limited to some
    /// sites, only the emails about those sites (PL-14).
    pub async fn list_emails(
        &self,
        actor: &Actor,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<BusinessEmail>, EmailError> {
        actor.require(Permission::ReadEmails)?;
        let listing = Listing::of(actor.business_id, EMAILS);
        let after: Option<EmailId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let rows = tx
            .emails(actor.business_id, &actor.scope, after, limit.get() + 1)
            .await?;
        let rows = rows.into_iter().map(BusinessEmail::from).collect();
        Ok(self
            .cursors
            .paginate(&listing, rows, limit.get(), |e| e.email.id))
    }
}
