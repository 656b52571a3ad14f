//! Who is calling (PL-13, PL-26): staff bearer tokens, the platform operator's token, and
//! the first start that creates a default business with its owner token.
//!
//! A token is `clt_<business id>_<secret>`; only the SHA-256 of the whole token is stored.
//! A high-entropy random token needs no slow password hash, and the business id inside it
//! keeps every lookup within one business. A token in any other shape (one set by
//! `CLIENTELE_BOOTSTRAP_TOKEN`) belongs to the business the first start created.

use sha2::{Digest, Sha256};
use thiserror::Error;
use uuid::Uuid;

use clientele_domain::token::TokenLabel;
use clientele_domain::{Actor, ApiToken, BusinessId, StaffId, TokenId};
use clientele_ports::{StorageError, Transaction};

use crate::Clientele;
use crate::error::{Classify, ErrorKind};
use crate::founding::Founding;

#[derive(Debug, Error)]
pub enum AuthError {
    #[error("the bearer token is not valid (unknown, revoked or malformed)")]
    InvalidToken,
    #[error("no operator token is configured on this deployment")]
    OperatorDisabled,
    #[error(transparent)]
    Unexpected(#[from] StorageError),
}

impl Classify for AuthError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidToken | Self::OperatorDisabled => ErrorKind::Unauthenticated,
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }
}

/// The platform operator, who creates businesses (PL-26).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator;

const TOKEN_PREFIX: &str = "clt_";

/// The SHA-256 of a token, as stored.
pub(crate) fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The business a token names, if it has the generated shape.
fn business_of(token: &str) -> Option<BusinessId> {
    let rest = token.strip_prefix(TOKEN_PREFIX)?;
    let (id, _secret) = rest.split_once('_')?;
    Uuid::try_parse(id).ok().map(BusinessId::from_uuid)
}

/// A token created now: what to store, and the secret to show once.
pub(crate) struct IssuedToken {
    pub token: ApiToken,
    pub secret: String,
}

impl Clientele {
    /// Makes a new token for `staff`, storing only its hash. `secret` is the configured
    /// token to use, or `None` to generate one.
    pub(crate) async fn issue_token(
        &self,
        tx: &mut dyn Transaction,
        business: BusinessId,
        staff: StaffId,
        label: TokenLabel,
        secret: Option<String>,
    ) -> Result<IssuedToken, StorageError> {
        let secret = secret.unwrap_or_else(|| {
            format!(
                "{TOKEN_PREFIX}{}_{}",
                business.as_uuid().simple(),
                self.ids.new_secret()
            )
        });
        let shown: String = secret.chars().take(16).collect();
        let token = ApiToken {
            id: TokenId::from_uuid(self.ids.new_id()),
            business_id: business,
            staff_id: staff,
            label,
            prefix: format!("{shown}…"),
            created_at: self.clock.now(),
        };
        tx.insert_token(&token, &hash_token(&secret)).await?;
        Ok(IssuedToken { token, secret })
    }

    /// PL-13: the staff member a bearer token belongs to, acting in its business.
    pub async fn authenticate(&self, bearer: &str) -> Result<Actor, AuthError> {
        let bearer = bearer.trim();
        if bearer.is_empty() {
            return Err(AuthError::InvalidToken);
        }
        let mut tx = self.storage.read().await?;
        let business = match business_of(bearer) {
            Some(business) => business,
            None => tx
                .bootstrap_business()
                .await?
                .ok_or(AuthError::InvalidToken)?,
        };
        let token = tx
            .token_by_hash(business, &hash_token(bearer))
            .await?
            .ok_or(AuthError::InvalidToken)?;
        let member = tx
            .staff_member(business, token.staff_id)
            .await?
            .ok_or(AuthError::InvalidToken)?;
        Ok(Actor::for_staff(&member))
    }

    /// PL-26: whether `bearer` is the configured operator token.
    pub fn authenticate_operator(&self, bearer: &str) -> Result<Operator, AuthError> {
        let expected = self
            .config
            .operator_token
            .as_deref()
            .ok_or(AuthError::OperatorDisabled)?;
        // Comparing digests keeps the comparison's duration independent of the secret.
        if hash_token(bearer.trim()) == hash_token(expected) {
            Ok(Operator)
        } else {
            Err(AuthError::InvalidToken)
        }
    }

    /// PL-13: on the first start with an empty database, creates a default business, its
    /// site, its owner and the owner's token (`configured_token`, or a new one). Of
    /// several processes starting at once exactly one does it; the others get `None`, as
    /// does every later start.
    pub async fn bootstrap(
        &self,
        configured_token: Option<&str>,
    ) -> Result<Option<Bootstrapped>, BootstrapError> {
        let configured = configured_token
            .map(|t| validate_configured_token(t).map(str::to_owned))
            .transpose()?;
        let mut tx = self.storage.begin().await?;
        if tx.bootstrap_business().await?.is_some() {
            return Ok(None);
        }
        let founded = self
            .found_business(tx.as_mut(), Founding::first_start(configured.clone()))
            .await?;
        match tx
            .record_bootstrap(founded.business.id, founded.business.created_at)
            .await
        {
            Ok(()) => {}
            // Another process bootstrapped between our check and our insert.
            Err(StorageError::Duplicate(_)) => return Ok(None),
            Err(other) => return Err(other.into()),
        }
        tx.commit().await?;
        Ok(Some(Bootstrapped {
            business: founded.business.id,
            owner_token: founded.owner_secret,
            token_was_configured: configured.is_some(),
        }))
    }
}

/// The outcome of the first start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrapped {
    pub business: BusinessId,
    /// The owner's token: print it once.
    pub owner_token: String,
    pub token_was_configured: bool,
}

#[derive(Debug, Error)]
pub enum BootstrapError {
    #[error("the configured bootstrap token {0}")]
    InvalidConfiguredToken(&'static str),
    #[error(transparent)]
    Unexpected(#[from] StorageError),
}

fn validate_configured_token(token: &str) -> Result<&str, BootstrapError> {
    if token.chars().count() < 16 {
        Err(BootstrapError::InvalidConfiguredToken(
            "must be at least 16 characters long",
        ))
    } else if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(BootstrapError::InvalidConfiguredToken(
            "must not contain spaces or control characters",
        ))
    } else {
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{app_with, business};
    use clientele_ports::storage::MockTransaction;

    #[tokio::test]
    async fn pl_13_a_later_start_creates_nothing() {
        let mut tx = MockTransaction::new();
        tx.businesses
            .expect_bootstrap_business()
            .returning(|| Ok(Some(business())));
        tx.businesses.expect_insert_business().never();
        tx.commit.expect_commit().never();

        let outcome = app_with(tx).bootstrap(None).await.unwrap();

        assert_eq!(outcome, None);
    }

    #[tokio::test]
    async fn pl_13_a_first_start_that_loses_the_race_to_another_process_commits_nothing() {
        let mut tx = MockTransaction::new();
        tx.businesses
            .expect_bootstrap_business()
            .returning(|| Ok(None));
        tx.businesses
            .expect_insert_business()
            .times(1)
            .returning(|_| Ok(()));
        tx.sites.expect_insert_site().times(1).returning(|_| Ok(()));
        tx.staff
            .expect_insert_staff()
            .times(1)
            .returning(|_| Ok(()));
        tx.tokens
            .expect_insert_token()
            .times(1)
            .returning(|_, _| Ok(()));
        tx.businesses
            .expect_record_bootstrap()
            .returning(|_, _| Err(StorageError::Duplicate("bootstrap")));
        tx.commit.expect_commit().never();

        let outcome = app_with(tx).bootstrap(None).await.unwrap();

        assert_eq!(outcome, None);
    }

    #[tokio::test]
    async fn pl_13_only_the_hash_of_a_token_is_stored_and_looked_up_in_the_business_it_names() {
        let token = format!("clt_{}_{}", business().as_uuid().simple(), "s".repeat(64));
        let expected_hash = hash_token(&token);
        let mut tx = MockTransaction::new();
        tx.businesses.expect_bootstrap_business().never();
        tx.tokens
            .expect_token_by_hash()
            .withf(move |b, hash| *b == business() && hash == expected_hash)
            .times(1)
            .returning(|_, _| Ok(None));

        let outcome = app_with(tx).authenticate(&token).await;

        assert!(matches!(outcome, Err(AuthError::InvalidToken)));
    }

    #[test]
    fn pl_13_a_generated_token_names_its_business() {
        let business = BusinessId::from_uuid(Uuid::from_u128(42));
        let token = format!("clt_{}_abcdef", business.as_uuid().simple());
        assert_eq!(business_of(&token), Some(business));
        assert_eq!(business_of("a-configured-token-0123456789"), None);
        assert_eq!(business_of("clt_nothex_abc"), None);
    }

    #[test]
    fn pl_13_tokens_are_stored_as_sha256_hex() {
        let hash = hash_token("secret");
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, hash_token("secret2"));
        assert_eq!(hash, hash_token("secret"));
    }

    #[test]
    fn a_configured_bootstrap_token_must_be_long_and_printable() {
        assert!(validate_configured_token("short").is_err());
        assert!(validate_configured_token("has a space in it!!").is_err());
        assert!(validate_configured_token("0123456789abcdef").is_ok());
    }
}
