//! The email port (PL-18): how the worker hands a rendered email from the outbox to the
//! world. Adapters: a file sender for development (the default) and SMTP.
//!
//! Contracts only: this module must not depend on lettre, the file system or any concrete
//! transport.

use async_trait::async_trait;
use thiserror::Error;

use clientele_domain::email::OutgoingEmail;

/// What a send achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    /// The email was handed over now.
    Sent,
    /// An email with this id was handed over before (by this or another process): nothing
    /// was delivered again.
    AlreadySent,
}

/// Why a send failed, as far as whether trying again may help.
#[derive(Debug, Error)]
pub enum SendError {
    /// Trying again later may succeed (server unreachable, 4xx reply, disk full…).
    #[error("transient failure: {0}")]
    Transient(String),
    /// Trying again will not help (address refused, 5xx reply, unusable address).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// Hands emails over for delivery.
///
/// Implementations MUST be idempotent per `email.id`: the outbox sends at least once (a
/// worker killed between sending and recording the send leaves the email to be sent
/// again), so sending the same id twice MUST deliver at most once where the transport
/// allows it. The file sender creates `<id>.eml` without overwriting and answers
/// [`SendOutcome::AlreadySent`] when it exists; SMTP cannot know what a server received,
/// so it sets `Message-ID: <{id}@clientele>` for receivers to deduplicate on.
///
/// Implementations MUST be safe to call from several tasks and several processes at once.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EmailSender: Send + Sync {
    /// Delivers `email`, or says why not: [`SendError::Transient`] when a later attempt
    /// may succeed, [`SendError::Permanent`] when none will.
    async fn send(&self, email: &OutgoingEmail) -> Result<SendOutcome, SendError>;
}
