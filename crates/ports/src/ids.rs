//! Generation of ids and secrets, behind a port so that tests can make them predictable.

use uuid::Uuid;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait IdGenerator: Send + Sync {
    /// A new unique id. Implementations SHOULD make ids roughly time-ordered (UUIDv7) so
    /// that lists ordered by id follow creation and indexes stay compact.
    fn new_id(&self) -> Uuid;

    /// A new secret with at least 128 bits from a cryptographically secure source, as
    /// URL-safe text (API tokens).
    fn new_secret(&self) -> String;

    /// 16 bytes with at least 120 bits from a cryptographically secure source (the text
    /// of a code, CO-3).
    fn random_bytes(&self) -> [u8; 16];
}
