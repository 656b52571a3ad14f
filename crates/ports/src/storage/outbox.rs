//! The email outbox (PL-18): emails queued in the transaction of the change that causes
//! them, and the worker's side that claims, sends and records them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use clientele_domain::email::OutgoingEmail;
use clientele_domain::{BusinessId, EmailId, SiteScope};
use uuid::Uuid;

use super::StorageError;

/// The state of an email in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailState {
    /// Waiting to be sent (again) from `next_attempt_at`.
    Pending {
        attempts: u32,
        next_attempt_at: DateTime<Utc>,
    },
    Sent {
        at: DateTime<Utc>,
    },
    /// Given up after too many attempts.
    Failed {
        attempts: u32,
        last_error: String,
    },
}

/// An email of the outbox with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEmail {
    pub email: OutgoingEmail,
    pub state: EmailState,
}

/// One claim of some emails by one worker, fresh per claim (from `IdGenerator::new_id`):
/// the worker's proof, when it confirms or records, that the claim is still its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClaimToken(Uuid);

impl ClaimToken {
    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    pub fn as_uuid(self) -> Uuid {
        self.0
    }
}

/// The outbox of a business. Claims are leases: a worker that dies leaves its claim to
/// run out, after which the email is due again (PL-16). Error texts come from outside
/// (an SMTP server) and are stored with any NUL character replaced.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OutboxRepository: Send {
    /// Queues `email`, pending from its creation. MUST be called in the transaction of the
    /// change that causes the email (PL-18). MUST return `Duplicate("email")` if the id is
    /// taken.
    async fn enqueue_email(&mut self, email: &OutgoingEmail) -> Result<(), StorageError>;

    /// Queues `emails` as [`OutboxRepository::enqueue_email`] would, in few statements;
    /// if an id is taken, `Duplicate("email")` and none is queued.
    async fn enqueue_emails(&mut self, emails: &[OutgoingEmail]) -> Result<(), StorageError>;

    /// The business's emails, newest first (ids are time-ordered), strictly after `after`,
    /// at most `limit`. With a scope of some sites, MUST return only emails about one of
    /// them (PL-14): never an email about another site or about none.
    async fn emails(
        &mut self,
        business: BusinessId,
        scope: &SiteScope,
        after: Option<EmailId>,
        limit: u32,
    ) -> Result<Vec<OutboxEmail>, StorageError>;

    /// Claims up to `limit` of the business's pending emails that are due at `now` and not
    /// claimed by someone else (or whose claim ran out), oldest due first: each is
    /// leased until `lease_until` under `claim` and its attempts go up by one. Two
    /// transactions claiming at once MUST get disjoint emails (`FOR UPDATE SKIP LOCKED` on
    /// PostgreSQL; SQLite's single writer). Returns them in their claimed state, oldest
    /// due first (ties by id).
    async fn claim_due_emails(
        &mut self,
        business: BusinessId,
        claim: ClaimToken,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OutboxEmail>, StorageError>;

    /// Confirms, just before sending, that the email is still pending under `claim` (no
    /// other worker claimed it since, even if the lease ran out meanwhile) and extends
    /// the claim to `lease_until`, in one conditional write. MUST return `false` (and
    /// change nothing) otherwise: the caller then does not send it (PL-16: an email is
    /// sent once whatever sender each worker uses).
    async fn confirm_email_claim(
        &mut self,
        business: BusinessId,
        id: EmailId,
        claim: ClaimToken,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StorageError>;

    /// Records that the email was sent and releases its claim, whatever its state. MUST
    /// return `NotFound` if absent.
    async fn mark_email_sent(
        &mut self,
        business: BusinessId,
        id: EmailId,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError>;

    /// Records a failed attempt: pending again from `next_attempt_at`, claim released.
    /// No effect unless the email is still pending under `claim` (another worker may
    /// have claimed or sent it after this one's lease ran out). MUST return `NotFound` if
    /// absent.
    async fn mark_email_retry(
        &mut self,
        business: BusinessId,
        id: EmailId,
        claim: ClaimToken,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StorageError>;

    /// Records that the email will not be sent: too many failed attempts. No effect unless
    /// the email is still pending under `claim`. MUST return `NotFound` if absent.
    async fn mark_email_failed(
        &mut self,
        business: BusinessId,
        id: EmailId,
        claim: ClaimToken,
        error: &str,
    ) -> Result<(), StorageError>;
}
