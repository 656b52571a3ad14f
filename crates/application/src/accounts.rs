//! Client accounts (AC-1 to AC-6, PL-15): sign-up from a booking confirmation, email
//! verification, login into an expiring session, logout.
//!
//! Secrets (sessions, verification links) are `<prefix><business id>_<random>`, stored as
//! their SHA-256 only, like staff tokens: the business id keeps every lookup in one
//! business. Passwords are hashed off the async executor. A login with an unknown email
//! checks a dummy hash, so that it takes as long as a wrong password and answers alike.

use std::sync::Arc;

use thiserror::Error;
use uuid::Uuid;

use clientele_domain::account::{
    AccountEmail, AccountToken, ClientAccount, Password, SignUp, SignUpInput, TokenPurpose,
};
use clientele_domain::email::EmailKind;
use clientele_domain::{AccountId, Business, BusinessId, ValidationErrors};
use clientele_ports::{PasswordHasher, StorageError};

use crate::Clientele;
use crate::auth::hash_token;
use crate::error::{Classify, ErrorKind};

/// The prefix of a session token.
pub(crate) const SESSION_PREFIX: &str = "cls_";
/// The prefix of a verification or reset token.
pub(crate) const ACCOUNT_TOKEN_PREFIX: &str = "clv_";

/// The password the dummy hash is made from: never a real password (too short).
const DUMMY_PASSWORD: &str = "not-a-password";

#[derive(Debug, Error)]
pub enum AccountError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// AC-6.
    #[error("client accounts are turned off for this business")]
    Disabled,
    /// A sign-up, verification or reset link that is unknown, used, expired or changed:
    /// all answered alike.
    #[error("this link is not valid any more: it was used, it expired, or it is incomplete")]
    BadLink,
    /// AC-4: the same for an unknown email and a wrong password.
    #[error("incorrect email or password (forgot it? ask for a reset)")]
    BadCredentials,
    /// AC-4: too many failed logins from this address or for this email.
    #[error("too many failed logins: try again in {0} seconds")]
    Throttled(u64),
    /// A cursor from another list.
    #[error("the cursor is not one of this list")]
    BadCursor,
    /// A client session that is missing, unknown, expired or revoked.
    #[error("the session is not valid (unknown, expired or logged out)")]
    BadSession,
    #[error("passwords cannot be checked on this server")]
    NoHasher,
    #[error(transparent)]
    Unexpected(StorageError),
}

/// A hashing thread that did not finish, or a hash that could not be made.
fn failed(error: impl std::error::Error + Send + Sync + 'static) -> AccountError {
    AccountError::Unexpected(StorageError::Unexpected(Box::new(error)))
}

impl From<StorageError> for AccountError {
    fn from(error: StorageError) -> Self {
        Self::Unexpected(error)
    }
}

impl Classify for AccountError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) | Self::BadLink => ErrorKind::RuleViolated,
            Self::BadCursor => ErrorKind::Malformed,
            Self::Disabled => ErrorKind::Forbidden,
            Self::BadCredentials | Self::BadSession => ErrorKind::Unauthenticated,
            Self::Throttled(_) => ErrorKind::Throttled,
            Self::NoHasher | Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }

    fn field_errors(&self) -> &[clientele_domain::FieldError] {
        match self {
            Self::Invalid(errors) => &errors.0,
            _ => &[],
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Throttled(seconds) => Some(*seconds),
            _ => None,
        }
    }
}

/// AC-1: a sign-up as sent: the token of the booking confirmation and the fields.
#[derive(Debug, Clone, Default)]
pub struct SignUpRequest {
    pub token: String,
    pub fields: SignUpInput,
}

/// A client account acting (PL-15): what `/v1/me/...` routes serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountActor {
    pub business: BusinessId,
    pub account: AccountId,
    /// The hash of the session's token (logout revokes it).
    session: String,
}

/// The business a generated secret with `prefix` names.
pub(crate) fn business_of(secret: &str, prefix: &str) -> Option<BusinessId> {
    let rest = secret.trim().strip_prefix(prefix)?;
    let (id, _) = rest.split_once('_')?;
    Uuid::try_parse(id).ok().map(BusinessId::from_uuid)
}

impl Clientele {
    fn hasher(&self) -> Result<Arc<dyn PasswordHasher>, AccountError> {
        self.passwords.clone().ok_or(AccountError::NoHasher)
    }

    pub(crate) fn secret(&self, prefix: &str, business: BusinessId) -> String {
        format!(
            "{prefix}{}_{}",
            business.as_uuid().simple(),
            self.ids.new_secret()
        )
    }

    /// AC-2: runs `work` (a hash, a check) on a blocking thread once one of the hashing
    /// permits is free.
    async fn hashing<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AccountError> {
        let _permit = self.hashing.acquire().await.map_err(failed)?;
        tokio::task::spawn_blocking(work).await.map_err(failed)
    }

    /// AC-2: `password` hashed off the executor.
    pub(crate) async fn hash_password(&self, password: &Password) -> Result<String, AccountError> {
        let hasher = self.hasher()?;
        let password = password.clone();
        self.hashing(move || hasher.hash(password.expose()))
            .await?
            .map_err(failed)
    }

    /// Whether `password` matches `hash` (or, with no hash, the dummy one: as slow).
    pub(crate) async fn password_matches(
        &self,
        password: &str,
        hash: Option<String>,
    ) -> Result<bool, AccountError> {
        let hasher = self.hasher()?;
        let (password, known) = (password.to_owned(), hash.is_some());
        let dummy = self.dummy_hash.clone();
        let matches = self
            .hashing(move || {
                let hash = match hash {
                    Some(hash) => hash,
                    None => dummy
                        .get_or_init(|| hasher.hash(DUMMY_PASSWORD).unwrap_or_default())
                        .clone(),
                };
                hasher.verify(&password, &hash)
            })
            .await?;
        Ok(known && matches)
    }

    /// AC-1, AC-3: opens an account from a booking confirmation and emails its
    /// verification link. A sign-up with an email that already has an account answers
    /// the same, and that email is told instead (nothing is revealed to the caller).
    pub async fn sign_up(&self, request: &SignUpRequest) -> Result<(), AccountError> {
        let now = self.clock.now();
        let link = self
            .cursors
            .links()
            .open_sign_up(&request.token, now)
            .map_err(|_| AccountError::BadLink)?;
        let sign_up = SignUp::parse(&request.fields)?;
        let hash = self.hash_password(&sign_up.password).await?;
        let mut tx = self.storage.begin().await?;
        let business = enabled_business(tx.as_mut(), link.business).await?;
        if tx
            .appointment(business.id, link.appointment)
            .await?
            .is_none()
        {
            return Err(AccountError::BadLink);
        }
        let login = format!("{}/log-in", self.config.public_url.trim_end_matches('/'));
        if tx
            .account_by_email(business.id, &sign_up.email.key())
            .await?
            .is_some()
        {
            let content = AccountEmail {
                business_name: business.name.as_str(),
                link: &login,
            }
            .already_registered();
            self.enqueue(
                tx.as_mut(),
                &business,
                None,
                EmailKind::AccountExists,
                &sign_up.email,
                content,
            )
            .await?;
            tx.commit().await?;
            return Ok(());
        }
        let account = ClientAccount::open(
            AccountId::from_uuid(self.ids.new_id()),
            business.id,
            &sign_up,
            now,
        );
        match tx.insert_account(&account, &hash, link.appointment).await {
            Err(StorageError::Duplicate("account_sign_up")) => return Err(AccountError::BadLink),
            other => other?,
        }
        let secret = self.secret(ACCOUNT_TOKEN_PREFIX, business.id);
        let token = AccountToken::new(business.id, account.id, TokenPurpose::Verification, now);
        tx.insert_account_token(&token, &hash_token(&secret))
            .await?;
        let verify = format!(
            "{}/verify?token={secret}",
            self.config.public_url.trim_end_matches('/')
        );
        let content = AccountEmail {
            business_name: business.name.as_str(),
            link: &verify,
        }
        .verification();
        self.enqueue(
            tx.as_mut(),
            &business,
            None,
            EmailKind::AccountVerification,
            &account.email,
            content,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// AC-3: verifies the account a verification link was sent for; the link works once.
    pub async fn verify_account(&self, token: &str) -> Result<ClientAccount, AccountError> {
        let business = business_of(token, ACCOUNT_TOKEN_PREFIX).ok_or(AccountError::BadLink)?;
        let now = self.clock.now();
        let hash = hash_token(token.trim());
        let mut tx = self.storage.begin().await?;
        let mut stored = tx
            .account_token_for_update(business, &hash)
            .await?
            .ok_or(AccountError::BadLink)?;
        stored
            .use_for(TokenPurpose::Verification, now)
            .map_err(|_| AccountError::BadLink)?;
        tx.record_token_use(&stored, &hash).await?;
        let mut account = tx
            .account(business, stored.account_id)
            .await?
            .ok_or(AccountError::BadLink)?;
        if account.verify(now) {
            tx.record_verification(&account).await?;
            // AC-8 b: what was booked with this email before the account existed.
            tx.assign_earlier_appointments(
                business,
                account.id,
                &account.email.key(),
                account.created_at,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(account)
    }

    /// PL-15: the account a client session token belongs to, if the session is live.
    pub async fn authenticate_account(&self, bearer: &str) -> Result<AccountActor, AccountError> {
        let business = business_of(bearer, SESSION_PREFIX).ok_or(AccountError::BadSession)?;
        let hash = hash_token(bearer.trim());
        let mut tx = self.storage.read().await?;
        let session = tx
            .session(business, &hash)
            .await?
            .filter(|s| s.is_live(self.clock.now()))
            .ok_or(AccountError::BadSession)?;
        Ok(AccountActor {
            business,
            account: session.account_id,
            session: hash,
        })
    }

    /// AC-4: ends the caller's session.
    pub async fn log_out(&self, actor: &AccountActor) -> Result<(), AccountError> {
        let mut tx = self.storage.begin().await?;
        tx.revoke_session(actor.business, &actor.session, self.clock.now())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// PL-16: deletes a batch of the sessions and single-use tokens that no longer work
    /// (expired, revoked, used); how many.
    pub async fn purge_account_secrets(&self, batch: u32) -> Result<u64, AccountError> {
        let mut tx = self.storage.begin().await?;
        let purged = tx.purge_account_secrets(self.clock.now(), batch).await?;
        tx.commit().await?;
        Ok(purged)
    }

    /// AC-7: the caller's account.
    pub async fn my_account(&self, actor: &AccountActor) -> Result<ClientAccount, AccountError> {
        let mut tx = self.storage.read().await?;
        tx.account(actor.business, actor.account)
            .await?
            .ok_or(AccountError::BadSession)
    }
}

/// The business, if it exists and has client accounts (AC-6).
pub(crate) async fn enabled_business(
    tx: &mut dyn clientele_ports::Transaction,
    id: BusinessId,
) -> Result<Business, AccountError> {
    match tx.business(id).await? {
        Some(business) if business.settings.client_accounts_enabled => Ok(business),
        Some(_) => Err(AccountError::Disabled),
        None => Err(AccountError::BadLink),
    }
}
