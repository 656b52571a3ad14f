//! Staff API tokens (PL-13), stored as the hash of their secret, never the secret.

use async_trait::async_trait;

use clientele_domain::{ApiToken, BusinessId, StaffId, TokenId};

use super::StorageError;

/// The API tokens of a business's staff. A token belongs to one member and goes with
/// them (`StaffRepository::delete_staff`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TokenRepository: Send {
    /// Stores a token with the hash of its secret. MUST return `Duplicate("token")` if
    /// the business already has a token with this id or this hash.
    async fn insert_token(
        &mut self,
        token: &ApiToken,
        secret_hash: &str,
    ) -> Result<(), StorageError>;

    /// The business's token whose secret hashes to `secret_hash`, or `None`.
    async fn token_by_hash(
        &mut self,
        business: BusinessId,
        secret_hash: &str,
    ) -> Result<Option<ApiToken>, StorageError>;

    /// Tokens ordered by id, strictly after `after`, at most `limit`; only `staff`'s
    /// when given.
    async fn tokens(
        &mut self,
        business: BusinessId,
        staff: Option<StaffId>,
        after: Option<TokenId>,
        limit: u32,
    ) -> Result<Vec<ApiToken>, StorageError>;

    /// The business's token, or `None`.
    async fn token(
        &mut self,
        business: BusinessId,
        id: TokenId,
    ) -> Result<Option<ApiToken>, StorageError>;

    /// The tokens held by the business's owners, locked until the transaction ends: a
    /// transaction that deletes one of them after this call MUST NOT run alongside another
    /// that read the same tokens (so two revocations cannot each leave the other's token as
    /// the last one, and both go).
    async fn owner_tokens_for_update(
        &mut self,
        business: BusinessId,
    ) -> Result<Vec<ApiToken>, StorageError>;

    /// MUST return `NotFound` if absent.
    async fn delete_token(&mut self, business: BusinessId, id: TokenId)
    -> Result<(), StorageError>;
}
