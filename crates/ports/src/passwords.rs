//! AC-2: hashing passwords. A hash is slow on purpose: callers run it off the async
//! executor (`spawn_blocking`).

use thiserror::Error;

#[derive(Debug, Error)]
#[error("the password could not be hashed: {0}")]
pub struct HashError(pub String);

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait PasswordHasher: Send + Sync {
    /// A new salted hash of `password`, in a self-describing text form (PHC string).
    fn hash(&self, password: &str) -> Result<String, HashError>;

    /// Whether `password` is the one `hash` was made from. A hash that cannot be read is
    /// `false`.
    fn verify(&self, password: &str, hash: &str) -> bool;
}
