//! Idempotency keys (PL-10): the first request with a key runs and its response is kept;
//! a repeat with the same key and the same request gets that response again and does
//! nothing; a repeat with another request is refused. Keys belong to a business.
//!
//! A change's response is kept in the change's own transaction ([`Completion`]): a
//! process that dies after the change commits leaves a completed record, never one a
//! retry could take as abandoned and run again.

use chrono::Duration;
use sha2::{Digest, Sha256};
use thiserror::Error;

use clientele_domain::{Actor, BusinessId};
use clientele_ports::storage::{IdempotencyRecord, StoredResponse};
use clientele_ports::{StorageError, Transaction};

use crate::Clientele;
use crate::error::{Classify, ErrorKind};

/// A first request that has not answered within this time is taken as abandoned (its
/// process died), and the key may be used again. Money moved by it is not moved twice:
/// processors see the same idempotency key.
const ABANDONED_AFTER: Duration = Duration::minutes(2);

#[derive(Debug, Error)]
pub enum IdempotencyError {
    #[error("the Idempotency-Key must be 1 to 255 visible ASCII characters")]
    InvalidKey,
    #[error("this Idempotency-Key was already used for a different request")]
    Mismatch,
    #[error("a request with this Idempotency-Key is still in progress: retry shortly")]
    InProgress,
    #[error(transparent)]
    Unexpected(#[from] StorageError),
}

impl Classify for IdempotencyError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidKey => ErrorKind::Malformed,
            Self::Mismatch => ErrorKind::RuleViolated,
            Self::InProgress => ErrorKind::Conflict,
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }
}

/// The answer kept for a key: the first request's status and body, given again to its
/// repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptAnswer {
    pub status: u16,
    pub body: String,
}

impl From<KeptAnswer> for StoredResponse {
    fn from(answer: KeptAnswer) -> Self {
        Self {
            status: answer.status,
            body: answer.body,
        }
    }
}

impl From<StoredResponse> for KeptAnswer {
    fn from(stored: StoredResponse) -> Self {
        Self {
            status: stored.status,
            body: stored.body,
        }
    }
}

/// How the response to a first request with a key is kept: rendered from the change's
/// outcome and stored in the change's transaction, just before it commits.
pub struct Completion<T> {
    key: String,
    render: Box<dyn FnOnce(&T) -> KeptAnswer + Send>,
}

impl<T> Completion<T> {
    /// The completion of the record of `key` with what `render` makes of the outcome.
    pub fn new(
        key: impl Into<String>,
        render: impl FnOnce(&T) -> KeptAnswer + Send + 'static,
    ) -> Self {
        Self {
            key: key.into(),
            render: Box::new(render),
        }
    }
}

/// Completes the record of `completion`, if any, with the response to `outcome`, in
/// `tx`: the last step of a change before its commit.
pub(crate) async fn complete_in<T>(
    tx: &mut dyn Transaction,
    business: BusinessId,
    completion: Option<Completion<T>>,
    outcome: &T,
) -> Result<(), StorageError> {
    match completion {
        Some(Completion { key, render }) => {
            tx.complete_idempotency_record(business, &key, &render(outcome).into())
                .await
        }
        None => Ok(()),
    }
}

/// Where a request with a key stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotent {
    /// The first request with this key: run it with a [`Completion`] (a change), or then
    /// `finish_idempotent` (a refusal, which changed nothing).
    Proceed,
    /// A repeat: answer this and do nothing else.
    Replay(KeptAnswer),
}

/// The fingerprint of a request: operation and body, hashed.
pub fn fingerprint(operation: &str, body: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(operation.as_bytes());
    hash.update([0]);
    hash.update(body.as_bytes());
    hex::encode(hash.finalize())
}

/// PL-10: a key is 1 to 255 visible ASCII characters; any other is refused, never ignored
/// (ignoring it would let a retried charge charge twice).
pub fn check_key(key: &str) -> Result<(), IdempotencyError> {
    let valid = (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
    if valid {
        Ok(())
    } else {
        Err(IdempotencyError::InvalidKey)
    }
}

impl Clientele {
    /// Claims `key` for this request, or says what to replay.
    pub async fn start_idempotent(
        &self,
        actor: &Actor,
        key: &str,
        operation: &str,
        fingerprint: &str,
    ) -> Result<Idempotent, IdempotencyError> {
        check_key(key)?;
        let now = self.clock.now();
        let mut tx = self.storage.begin().await?;
        if let Some(record) = tx.idempotency_record(actor.business_id, key).await? {
            if record.operation != operation || record.fingerprint != fingerprint {
                return Err(IdempotencyError::Mismatch);
            }
            match record.response {
                Some(response) => return Ok(Idempotent::Replay(response.into())),
                None if now - record.created_at < ABANDONED_AFTER => {
                    return Err(IdempotencyError::InProgress);
                }
                None => tx.delete_idempotency_record(actor.business_id, key).await?,
            }
        }
        let record = IdempotencyRecord {
            business_id: actor.business_id,
            key: key.to_owned(),
            operation: operation.to_owned(),
            fingerprint: fingerprint.to_owned(),
            response: None,
            created_at: now,
        };
        match tx.insert_idempotency_record(&record).await {
            Ok(()) => {}
            // Another request with the key got there first.
            Err(StorageError::Duplicate(_)) => return Err(IdempotencyError::InProgress),
            Err(other) => return Err(other.into()),
        }
        tx.commit().await?;
        Ok(Idempotent::Proceed)
    }

    /// Keeps the first request's response for the repeats, when no change kept it: a
    /// refusal.
    pub async fn finish_idempotent(
        &self,
        actor: &Actor,
        key: &str,
        response: &KeptAnswer,
    ) -> Result<(), IdempotencyError> {
        let mut tx = self.storage.begin().await?;
        tx.complete_idempotency_record(actor.business_id, key, &response.clone().into())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Frees `key` after a failure on our side, so the same request may be tried again.
    pub async fn forget_idempotent(
        &self,
        actor: &Actor,
        key: &str,
    ) -> Result<(), IdempotencyError> {
        let mut tx = self.storage.begin().await?;
        tx.delete_idempotency_record(actor.business_id, key).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pl_10_keys_are_visible_ascii_of_bounded_length() {
        assert!(check_key("order-123").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("with space").is_err());
        assert!(check_key(&"k".repeat(256)).is_err());
        assert!(check_key("clé").is_err());
    }

    #[test]
    fn pl_10_the_fingerprint_depends_on_operation_and_body() {
        let a = fingerprint("refund:1", r#"{"amount":"10.00"}"#);
        assert_eq!(a, fingerprint("refund:1", r#"{"amount":"10.00"}"#));
        assert_ne!(a, fingerprint("refund:1", r#"{"amount":"11.00"}"#));
        assert_ne!(a, fingerprint("refund:2", r#"{"amount":"10.00"}"#));
    }
}
