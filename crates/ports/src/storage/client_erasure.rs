//! CL-22: erasing a client's personal data from everything stored beside their profile.

use async_trait::async_trait;

use clientele_domain::{BusinessId, ClientId};

use super::StorageError;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ClientErasureRepository: Send {
    /// CL-22: removes what identifies the business's client `id` outside their profile
    /// (which the caller rewrites with `update_client`): their notes and documents (not
    /// the documents' bytes: the caller deletes those), the values of their audit
    /// entries, their consents and consent history, their stored payment methods, the
    /// merges kept by them (with the profiles they absorbed) and the snapshots of their
    /// undone merges, the emails sent or queued to any of `emails` (email keys, as
    /// `EmailAddress::key`), the stored idempotent answers naming them or one of `emails`,
    /// the assignment of codes to one of `emails` (and the audit values holding one), the
    /// client account made with one of `emails` (its sessions, links, addresses and
    /// appointment assignments with it), and
    /// in import reports their email and the bytes of the finished imports that named
    /// them. The profiles merged into theirs count as theirs (their ids and emails).
    /// Appointments, orders, payments, codes and memberships stay.
    async fn erase_client_traces(
        &mut self,
        business: BusinessId,
        id: ClientId,
        emails: &[String],
    ) -> Result<(), StorageError>;
}
