//! CL-17, CL-23: merges of client profiles, the records they moved and the profiles they
//! absorbed, kept so that a merge can be undone.

use async_trait::async_trait;

use clientele_domain::client_merge::ClientMerge;
use clientele_domain::{BusinessId, Client, ClientId, MergeId};

use super::StorageError;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ClientMergeRepository: Send {
    /// Stores a new merge (before its profiles are absorbed).
    async fn insert_client_merge(&mut self, merge: &ClientMerge) -> Result<(), StorageError>;

    /// CL-17: moves every record of `absorbed` to the merge's kept profile, each
    /// remembering it came from `absorbed` under this merge: appointments, codes, orders,
    /// memberships, payments, invoices, payment methods, credits, notes, documents, audit
    /// entries, the consent history, and the current consents the kept profile has none
    /// of. Then removes `absorbed` from the list (its row, sites, labels, search terms,
    /// custom values and the consents left), keeping it whole under the merge, its old id
    /// pointing at the kept profile. `position` is its place among the merge's absorbed
    /// profiles.
    async fn absorb_client(
        &mut self,
        merge: &ClientMerge,
        absorbed: &Client,
        position: u32,
    ) -> Result<(), StorageError>;

    /// The business's merge, or `None`.
    async fn client_merge(
        &mut self,
        business: BusinessId,
        id: MergeId,
    ) -> Result<Option<ClientMerge>, StorageError>;

    /// The merge that absorbed the business's client `id` and was not undone, and the
    /// profile it was merged into; `None` if no such merge.
    async fn merged_into(
        &mut self,
        business: BusinessId,
        id: ClientId,
    ) -> Result<Option<(MergeId, ClientId)>, StorageError>;

    /// CL-23: brings back every profile `merge` absorbed as it was, and moves back to it
    /// each record that came from it and is still with the kept profile. Records that
    /// reached the kept profile otherwise stay with it.
    async fn restore_absorbed(&mut self, merge: &ClientMerge) -> Result<(), StorageError>;

    /// Records that `merge` was undone (`merge.undone_at`), if it was not already:
    /// otherwise `VersionConflict` and nothing written.
    async fn record_merge_undone(&mut self, merge: &ClientMerge) -> Result<(), StorageError>;
}
