//! A business's staff members and the sites each may access (PL-13, PL-14).

use async_trait::async_trait;

use clientele_domain::{BusinessId, StaffId, StaffMember, Version};

use super::StorageError;

/// Staff members, stored with their sites. Emails are unique per business,
/// case-insensitively.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait StaffRepository: Send {
    /// Stores the member and their sites. MUST return `Duplicate("staff_email")` if the
    /// business has a member with that email and `Duplicate("staff")` if the id is taken.
    async fn insert_staff(&mut self, member: &StaffMember) -> Result<(), StorageError>;

    /// The business's member with their sites, or `None`.
    async fn staff_member(
        &mut self,
        business: BusinessId,
        id: StaffId,
    ) -> Result<Option<StaffMember>, StorageError>;

    /// Members with their sites, ordered by id, strictly after `after`, at most `limit`.
    async fn staff(
        &mut self,
        business: BusinessId,
        after: Option<StaffId>,
        limit: u32,
    ) -> Result<Vec<StaffMember>, StorageError>;

    /// The optimistic update of the module's contract, plus `Duplicate("staff_email")`;
    /// the member's sites are replaced by `member.sites`.
    async fn update_staff(
        &mut self,
        member: &StaffMember,
        expected: Version,
    ) -> Result<(), StorageError>;

    /// Removes the member with their sites and their tokens. MUST return `NotFound` if
    /// absent.
    async fn delete_staff(&mut self, business: BusinessId, id: StaffId)
    -> Result<(), StorageError>;

    /// How many owners the business has.
    async fn count_owners(&mut self, business: BusinessId) -> Result<u64, StorageError>;
}
