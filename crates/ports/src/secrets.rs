//! Secrets the server keeps for itself (e.g. the key that seals list cursors, PL-9), in
//! the database so that every process using it shares them.

use async_trait::async_trait;

use crate::StorageError;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ServerSecrets: Send + Sync {
    /// The secret called `name`: the one kept already, or else `candidate`, kept from now
    /// on. Processes asking at once all get the same secret, whichever candidate won.
    async fn secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>, StorageError>;
}
