//! The email outbox as the business sees it (PL-18): what was sent, what waits, what
//! failed.

use thiserror::Error;

use clientele_domain::{Actor, EmailId, Forbidden, PageLimit, Permission};
use clientele_ports::StorageError;
use clientele_ports::storage::OutboxEmail;

use crate::cursor::{self, ForeignCursor};
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

const EMAILS: &str = "emails";

impl Clientele {
    /// The business's emails, newest first (owner, admin).
    pub async fn list_emails(
        &self,
        actor: &Actor,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<OutboxEmail>, EmailError> {
        actor.require(Permission::ReadEmails)?;
        let after: Option<EmailId> = cursor::decode_opt(EMAILS, cursor)?;
        let mut tx = self.storage.read().await?;
        let rows = tx.emails(actor.business_id, after, limit.get() + 1).await?;
        Ok(cursor::paginate(EMAILS, rows, limit.get(), |e| e.email.id))
    }
}
