//! PL-24: a business's webhook endpoints.

use async_trait::async_trait;

use clientele_domain::webhook::WebhookEndpoint;
use clientele_domain::{BusinessId, Version, WebhookEndpointId};

use super::StorageError;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookRepository: Send {
    /// MUST return `Duplicate("webhook_endpoint")` if the id is taken.
    async fn insert_webhook_endpoint(
        &mut self,
        endpoint: &WebhookEndpoint,
    ) -> Result<(), StorageError>;

    /// The business's endpoint, or `None`.
    async fn webhook_endpoint(
        &mut self,
        business: BusinessId,
        id: WebhookEndpointId,
    ) -> Result<Option<WebhookEndpoint>, StorageError>;

    /// The business's endpoints ordered by id, strictly after `after`, at most `limit`.
    async fn webhook_endpoints(
        &mut self,
        business: BusinessId,
        after: Option<WebhookEndpointId>,
        limit: u32,
    ) -> Result<Vec<WebhookEndpoint>, StorageError>;

    /// The optimistic update of the module's contract.
    async fn update_webhook_endpoint(
        &mut self,
        endpoint: &WebhookEndpoint,
        expected: Version,
    ) -> Result<(), StorageError>;

    /// MUST return `NotFound` if absent.
    async fn delete_webhook_endpoint(
        &mut self,
        business: BusinessId,
        id: WebhookEndpointId,
    ) -> Result<(), StorageError>;
}
