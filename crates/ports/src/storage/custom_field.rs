//! A business's custom fields (CL-24).

use async_trait::async_trait;

use clientele_domain::custom_field::CustomField;
use clientele_domain::{BusinessId, CustomFieldId, Version};

use super::StorageError;

/// CL-24: the business's custom fields, names unique per business compared by their key.
/// A client's values are stored with the client (`ClientRepository` reads and writes
/// `Client::custom_fields`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CustomFieldRepository: Send {
    /// MUST return `Duplicate("custom_field_name")` if the business has a field of that
    /// name, and `Duplicate("custom_field")` if the id is taken.
    async fn insert_custom_field(&mut self, field: &CustomField) -> Result<(), StorageError>;

    /// The business's field, or `None`.
    async fn custom_field(
        &mut self,
        business: BusinessId,
        id: CustomFieldId,
    ) -> Result<Option<CustomField>, StorageError>;

    /// Fields ordered by id, strictly after `after`, at most `limit`.
    async fn custom_fields(
        &mut self,
        business: BusinessId,
        after: Option<CustomFieldId>,
        limit: u32,
    ) -> Result<Vec<CustomField>, StorageError>;

    /// The business's fields among `ids`, ordered by id (ids of no field are left out).
    async fn custom_fields_with_ids(
        &mut self,
        business: BusinessId,
        ids: &[CustomFieldId],
    ) -> Result<Vec<CustomField>, StorageError>;

    /// The optimistic update of the module's contract, plus
    /// `Duplicate("custom_field_name")`. Clients' values are not touched: the caller
    /// checks they still fit the field.
    async fn update_custom_field(
        &mut self,
        field: &CustomField,
        expected: Version,
    ) -> Result<(), StorageError>;

    /// Which of `keys` (`CustomValue::key`) some client of the business has as its value
    /// of `field`, sorted, without repeats (none for no keys).
    async fn custom_value_keys_in_use(
        &mut self,
        business: BusinessId,
        field: CustomFieldId,
        keys: &[String],
    ) -> Result<Vec<String>, StorageError>;

    /// Whether any client of the business has a value for `field`.
    async fn custom_field_in_use(
        &mut self,
        business: BusinessId,
        field: CustomFieldId,
    ) -> Result<bool, StorageError>;
}
