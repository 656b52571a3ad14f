//! `DocumentRepository` over a [`SeaTransaction`]: what the documents on clients' cards
//! are (AP-9), newest first. Their bytes are the blob store's business, not this one's.

use async_trait::async_trait;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use clientele_domain::document::ClientDocument;
use clientele_domain::{BusinessId, ClientId, DocumentId};
use clientele_ports::StorageError;
use clientele_ports::storage::DocumentRepository;

use super::conversions::client_document_row;
use super::entities::client_documents;
use super::{SeaTransaction, foreign_key_violation, unexpected, unique_violation};

#[async_trait]
impl DocumentRepository for SeaTransaction {
    async fn insert_document(&mut self, document: &ClientDocument) -> Result<(), StorageError> {
        let row = client_document_row(document)?;
        self.guarded(&client_documents::Entity::insert(row))
            .await
            .map_err(|err| {
                if unique_violation(&err).is_some() {
                    StorageError::Duplicate("document")
                } else if foreign_key_violation(&err).is_some() {
                    StorageError::NotFound
                } else {
                    unexpected(err)
                }
            })?;
        Ok(())
    }

    async fn document(
        &mut self,
        business: BusinessId,
        id: DocumentId,
    ) -> Result<Option<ClientDocument>, StorageError> {
        client_documents::Entity::find()
            .filter(client_documents::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_documents::Column::Id.eq(id.as_uuid()))
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(ClientDocument::try_from)
            .transpose()
    }

    async fn documents_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
        limit: u32,
    ) -> Result<Vec<ClientDocument>, StorageError> {
        client_documents::Entity::find()
            .filter(client_documents::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_documents::Column::ClientId.eq(client.as_uuid()))
            .order_by_desc(client_documents::Column::CreatedAt)
            .order_by_desc(client_documents::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(ClientDocument::try_from)
            .collect()
    }
}
