//! The products a business sells (CO-1, CO-2).

use async_trait::async_trait;

use clientele_domain::product::Product;
use clientele_domain::{BusinessId, ProductId, Version};

use super::StorageError;

/// Products, with the appointment types they cover. Never deleted: archived.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ProductRepository: Send {
    /// MUST return `Duplicate("product")` if the id is taken. A covered appointment type
    /// the business does not have is `Unexpected`: the use case checks them first.
    async fn insert_product(&mut self, product: &Product) -> Result<(), StorageError>;

    /// The business's product, or `None`.
    async fn product(
        &mut self,
        business: BusinessId,
        id: ProductId,
    ) -> Result<Option<Product>, StorageError>;

    /// Products ordered by id, strictly after `after`, at most `limit`; archived ones
    /// only if `archived`.
    async fn products(
        &mut self,
        business: BusinessId,
        archived: bool,
        after: Option<ProductId>,
        limit: u32,
    ) -> Result<Vec<Product>, StorageError>;

    /// The optimistic update of the module's contract; the covered types are replaced.
    async fn update_product(
        &mut self,
        product: &Product,
        expected: Version,
    ) -> Result<(), StorageError>;
}
