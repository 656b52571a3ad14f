//! CL-21: deleting a client for good, with every record of theirs.

use async_trait::async_trait;

use clientele_domain::{BusinessId, ClientId};

use super::StorageError;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ClientDeletionRepository: Send {
    /// CL-21: deletes the business's client `id` and every record of theirs:
    /// appointments (with their payments, invoices and attendance), orders, memberships
    /// (with their charges, audit and credits), notes, documents (not their bytes: the
    /// caller deletes those), payment methods, consents and their history, custom values,
    /// labels, sites, audit, the duplicate dismissals, and the merges kept by them (with
    /// the profiles they absorbed). Their codes stay with their ledgers (CO-12), as codes
    /// of nobody without an assigned email or an order, and without their audit; another
    /// client's code or membership bought with one of their orders loses its order; an
    /// import report keeps its row, no longer naming them. `NotFound` if absent.
    async fn delete_client(
        &mut self,
        business: BusinessId,
        id: ClientId,
    ) -> Result<(), StorageError>;
}
