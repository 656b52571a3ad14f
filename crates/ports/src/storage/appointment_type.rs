//! A business's appointment types (its services).

use async_trait::async_trait;

use clientele_domain::appointment::AppointmentType;
use clientele_domain::{AppointmentTypeId, BusinessId, Version};

use super::StorageError;

/// The services a business books. Never deleted.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AppointmentTypeRepository: Send {
    /// MUST return `Duplicate("appointment_type")` if the id is taken.
    async fn insert_appointment_type(&mut self, kind: &AppointmentType)
    -> Result<(), StorageError>;

    /// The business's type, or `None`.
    async fn appointment_type(
        &mut self,
        business: BusinessId,
        id: AppointmentTypeId,
    ) -> Result<Option<AppointmentType>, StorageError>;

    /// Types ordered by id, strictly after `after`, at most `limit`.
    async fn appointment_types(
        &mut self,
        business: BusinessId,
        after: Option<AppointmentTypeId>,
        limit: u32,
    ) -> Result<Vec<AppointmentType>, StorageError>;

    /// The optimistic update of the module's contract.
    async fn update_appointment_type(
        &mut self,
        kind: &AppointmentType,
        expected: Version,
    ) -> Result<(), StorageError>;
}
