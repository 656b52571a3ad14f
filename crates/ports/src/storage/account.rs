//! AC-1 to AC-5: client accounts, their sessions and their single-use tokens. Secrets are
//! only ever given and stored as their hash.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use clientele_domain::account::throttle::Failures;
use clientele_domain::account::{AccountToken, ClientAccount, Session};
use clientele_domain::{AccountId, AppointmentId, BusinessId};

use super::StorageError;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AccountRepository: Send {
    /// Stores a new account with its password hash, opened from the confirmation of
    /// `sign_up`. `Duplicate("account_email")` if its business has an account with that
    /// email key; `Duplicate("account_sign_up")` if that confirmation opened one already.
    async fn insert_account(
        &mut self,
        account: &ClientAccount,
        password_hash: &str,
        sign_up: AppointmentId,
    ) -> Result<(), StorageError>;

    /// The business's account with this email key (`EmailAddress::key`), with its
    /// password hash.
    async fn account_by_email(
        &mut self,
        business: BusinessId,
        email_key: &str,
    ) -> Result<Option<(ClientAccount, String)>, StorageError>;

    async fn account(
        &mut self,
        business: BusinessId,
        id: AccountId,
    ) -> Result<Option<ClientAccount>, StorageError>;

    /// Stores when the account was verified (AC-3).
    async fn record_verification(&mut self, account: &ClientAccount) -> Result<(), StorageError>;

    /// Replaces the account's password hash (AC-5).
    async fn set_password_hash(
        &mut self,
        business: BusinessId,
        id: AccountId,
        password_hash: &str,
    ) -> Result<(), StorageError>;

    /// Stores a session under the hash of its token.
    async fn insert_session(
        &mut self,
        session: &Session,
        token_hash: &str,
    ) -> Result<(), StorageError>;

    /// The business's session with this token hash.
    async fn session(
        &mut self,
        business: BusinessId,
        token_hash: &str,
    ) -> Result<Option<Session>, StorageError>;

    /// Revokes the session with this token hash at `at` (if live); whether it was.
    async fn revoke_session(
        &mut self,
        business: BusinessId,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StorageError>;

    /// Revokes every live session of the account at `at` (AC-5).
    async fn revoke_sessions(
        &mut self,
        business: BusinessId,
        account: AccountId,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError>;

    /// Stores a single-use token under the hash of its secret.
    async fn insert_account_token(
        &mut self,
        token: &AccountToken,
        token_hash: &str,
    ) -> Result<(), StorageError>;

    /// The business's token with this hash, locked until the transaction ends (it is
    /// about to be used).
    async fn account_token_for_update(
        &mut self,
        business: BusinessId,
        token_hash: &str,
    ) -> Result<Option<AccountToken>, StorageError>;

    /// PL-16: deletes up to `limit` sessions that expired or were revoked, and up to
    /// `limit` tokens that expired or were used, before `now`, in any business; how many.
    async fn purge_account_secrets(
        &mut self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<u64, StorageError>;

    /// AC-4: the failed logins of `subject` in its current window.
    async fn login_failures(
        &mut self,
        business: BusinessId,
        subject: &str,
    ) -> Result<Option<Failures>, StorageError>;

    /// AC-4: the same, locked until the transaction ends (PostgreSQL; SQLite's write
    /// transactions hold the database's one write lock): two failures at once count two.
    async fn login_failures_for_update(
        &mut self,
        business: BusinessId,
        subject: &str,
    ) -> Result<Option<Failures>, StorageError>;

    /// AC-4: stores the failed logins of `subject` (replacing what was stored).
    async fn record_login_failures(
        &mut self,
        business: BusinessId,
        subject: &str,
        failures: &Failures,
    ) -> Result<(), StorageError>;

    /// AC-4: forgets the failed logins of `subject`.
    async fn clear_login_failures(
        &mut self,
        business: BusinessId,
        subject: &str,
    ) -> Result<(), StorageError>;

    /// AC-4: whether the account logged in from the address with this hash before.
    async fn known_address(
        &mut self,
        business: BusinessId,
        account: AccountId,
        address_hash: &str,
    ) -> Result<bool, StorageError>;

    /// AC-4: remembers that the account logged in from this address at `at`.
    async fn record_address(
        &mut self,
        business: BusinessId,
        account: AccountId,
        address_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError>;

    /// Stores that the token with this hash was used (`token.used_at`).
    async fn record_token_use(
        &mut self,
        token: &AccountToken,
        token_hash: &str,
    ) -> Result<(), StorageError>;
}
