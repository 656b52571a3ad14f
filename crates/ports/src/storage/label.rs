//! A business's labels (CL-11).

use async_trait::async_trait;

use clientele_domain::label::Label;
use clientele_domain::{BusinessId, LabelId, Version};

use super::StorageError;

/// CL-11: the business's labels, names unique per business compared by their key. A
/// client's labels are stored with the client (`ClientRepository` reads and writes
/// `Client::labels`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LabelRepository: Send {
    /// MUST return `Duplicate("label_name")` if the business has a label of that name and
    /// `Duplicate("label")` if the id is taken.
    async fn insert_label(&mut self, label: &Label) -> Result<(), StorageError>;

    /// The business's label, or `None`.
    async fn label(
        &mut self,
        business: BusinessId,
        id: LabelId,
    ) -> Result<Option<Label>, StorageError>;

    /// Labels ordered by id, strictly after `after`, at most `limit`.
    async fn labels(
        &mut self,
        business: BusinessId,
        after: Option<LabelId>,
        limit: u32,
    ) -> Result<Vec<Label>, StorageError>;

    /// The optimistic update of the module's contract, plus `Duplicate("label_name")`.
    async fn update_label(&mut self, label: &Label, expected: Version) -> Result<(), StorageError>;

    /// Removes the label and takes it off every client (their versions unchanged). MUST
    /// return `NotFound` if absent.
    async fn delete_label(&mut self, business: BusinessId, id: LabelId)
    -> Result<(), StorageError>;

    /// Which of `ids` are not labels of the business: sorted, without repeats.
    async fn missing_labels(
        &mut self,
        business: BusinessId,
        ids: &[LabelId],
    ) -> Result<Vec<LabelId>, StorageError>;
}
