//! `NoteRepository` over a [`SeaTransaction`]: the notes of clients (CL-12), newest first.

use async_trait::async_trait;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use clientele_domain::note::ClientNote;
use clientele_domain::{BusinessId, ClientId};
use clientele_ports::StorageError;
use clientele_ports::storage::NoteRepository;

use super::conversions::client_note_row;
use super::entities::client_notes;
use super::{SeaTransaction, foreign_key_violation, unexpected, unique_violation};

#[async_trait]
impl NoteRepository for SeaTransaction {
    async fn insert_note(&mut self, note: &ClientNote) -> Result<(), StorageError> {
        self.guarded(&client_notes::Entity::insert(client_note_row(note)))
            .await
            .map_err(|err| {
                if unique_violation(&err).is_some() {
                    StorageError::Duplicate("note")
                } else if foreign_key_violation(&err).is_some() {
                    StorageError::NotFound
                } else {
                    unexpected(err)
                }
            })?;
        Ok(())
    }

    async fn notes_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
        limit: u32,
    ) -> Result<Vec<ClientNote>, StorageError> {
        client_notes::Entity::find()
            .filter(client_notes::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_notes::Column::ClientId.eq(client.as_uuid()))
            .order_by_desc(client_notes::Column::CreatedAt)
            .order_by_desc(client_notes::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(ClientNote::try_from)
            .collect()
    }
}
