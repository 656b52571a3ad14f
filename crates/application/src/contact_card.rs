//! The client's contact card (AP-9, CL-12): one read of a client's previous bookings,
//! notes and documents; writing notes; uploading documents and reading their content back.
//! Always within the caller's business and sites (PL-14, PL-26).
//!
//! Must not depend on sea-orm, poem, the file system or any adapter: rows go through
//! `Storage`, document bytes through the `BlobStore` port.

use thiserror::Error;

use clientele_domain::appointment::Appointment;
use clientele_domain::document::{ClientDocument, DocumentInput, NewDocument};
use clientele_domain::note::{ClientNote, NoteText};
use clientele_domain::{Actor, Client, ClientId, DocumentId, FieldError, NoteId, ValidationErrors};
use clientele_ports::blobs::document_key;
use clientele_ports::{BlobError, StorageError};

use crate::Clientele;
use crate::access::{AccessError, visible_client};
use crate::error::{Classify, ErrorKind};

/// How many of each (bookings, notes, documents) a card shows: the latest ones.
pub const CARD_ITEMS: u32 = 50;

#[derive(Debug, Error)]
pub enum ContactCardError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// The client is not there or not visible to the caller.
    #[error(transparent)]
    Access(AccessError),
    #[error("the document does not exist")]
    DocumentNotFound,
    #[error("no document store is configured")]
    NoBlobStore,
    #[error("the document store failed: {0}")]
    Blob(#[source] BlobError),
    /// A document's row exists but its bytes do not: they were lost outside Clientele.
    #[error("the content of document {0} is missing from the document store")]
    MissingContent(DocumentId),
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for ContactCardError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::Access(error) => error.kind(),
            Self::DocumentNotFound => ErrorKind::NotFound,
            Self::NoBlobStore | Self::Blob(_) | Self::MissingContent(_) | Self::Unexpected(_) => {
                ErrorKind::Unexpected
            }
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => &errors.0,
            Self::Access(error) => error.field_errors(),
            _ => &[],
        }
    }
}

impl From<StorageError> for ContactCardError {
    fn from(error: StorageError) -> Self {
        match error {
            // An insert that names a client the business no longer has.
            StorageError::NotFound => Self::Access(AccessError::ClientNotFound),
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for ContactCardError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::Storage(error) => error.into(),
            other => Self::Access(other),
        }
    }
}

/// AP-9: what the staff sees of one client at a glance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactCard {
    pub client: Client,
    /// The latest [`CARD_ITEMS`] bookings, latest start first.
    pub appointments: Vec<Appointment>,
    /// The latest [`CARD_ITEMS`] notes, newest first.
    pub notes: Vec<ClientNote>,
    /// The latest [`CARD_ITEMS`] documents, newest first (without their content).
    pub documents: Vec<ClientDocument>,
}

impl Clientele {
    /// AP-9: a client's card, in one consistent read.
    pub async fn contact_card(
        &self,
        actor: &Actor,
        client: ClientId,
    ) -> Result<ContactCard, ContactCardError> {
        let mut tx = self.storage.read().await?;
        let client = visible_client(tx.as_mut(), actor, client).await?;
        let business = actor.business_id;
        let appointments = tx
            .appointments_of_client(business, client.id(), None, CARD_ITEMS)
            .await?;
        let notes = tx
            .notes_of_client(business, client.id(), CARD_ITEMS)
            .await?;
        let documents = tx
            .documents_of_client(business, client.id(), CARD_ITEMS)
            .await?;
        Ok(ContactCard {
            client,
            appointments,
            notes,
            documents,
        })
    }

    /// CL-12: a note about a client, by the caller, now.
    pub async fn add_note(
        &self,
        actor: &Actor,
        client: ClientId,
        text: &str,
    ) -> Result<ClientNote, ContactCardError> {
        let text = NoteText::parse("text", text).map_err(|e| ValidationErrors(vec![e]))?;
        let mut tx = self.storage.begin().await?;
        let client = visible_client(tx.as_mut(), actor, client).await?;
        let note = ClientNote::write(
            NoteId::from_uuid(self.ids.new_id()),
            actor.business_id,
            client.id(),
            actor.staff_id,
            text,
            self.clock.now(),
        );
        tx.insert_note(&note).await?;
        tx.commit().await?;
        Ok(note)
    }

    /// AP-9: keeps a document on a client's card. The bytes are written first, then the
    /// row in the same transaction that checked the client; if the row cannot be stored
    /// the bytes are deleted again, so a failed upload leaves nothing readable behind (at
    /// worst an orphan blob, if that deletion fails too; it is logged).
    ///
    /// The write transaction stays open while the bytes are written: on SQLite other
    /// writers wait for it, which is bounded by the 10 MiB limit.
    pub async fn upload_document(
        &self,
        actor: &Actor,
        client: ClientId,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<ClientDocument, ContactCardError> {
        let new = NewDocument::parse(DocumentInput {
            name,
            content_type,
            size_bytes: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
        })?;
        let blobs = self.blobs.as_ref().ok_or(ContactCardError::NoBlobStore)?;
        let mut tx = self.storage.begin().await?;
        let client = visible_client(tx.as_mut(), actor, client).await?;
        let document = ClientDocument::upload(
            DocumentId::from_uuid(self.ids.new_id()),
            actor.business_id,
            client.id(),
            new,
            actor.staff_id,
            self.clock.now(),
        );
        let key = document_key(document.business_id, document.id);
        blobs
            .put(&key, bytes)
            .await
            .map_err(ContactCardError::Blob)?;
        let stored = match tx.insert_document(&document).await {
            Ok(()) => tx.commit().await,
            Err(error) => Err(error),
        };
        if let Err(error) = stored {
            if let Err(cleanup) = blobs.delete(&key).await {
                tracing::error!(key = %key, error = %cleanup, "could not delete the blob of a document that was not stored");
            }
            return Err(error.into());
        }
        Ok(document)
    }

    /// AP-9: a document of a client's card and its bytes. A document of another client is
    /// `DocumentNotFound`, as is another business's.
    pub async fn document_content(
        &self,
        actor: &Actor,
        client: ClientId,
        document: DocumentId,
    ) -> Result<(ClientDocument, Vec<u8>), ContactCardError> {
        let blobs = self.blobs.as_ref().ok_or(ContactCardError::NoBlobStore)?;
        let document = {
            let mut tx = self.storage.read().await?;
            let client = visible_client(tx.as_mut(), actor, client).await?;
            tx.document(actor.business_id, document)
                .await?
                .filter(|d| d.client_id == client.id())
                .ok_or(ContactCardError::DocumentNotFound)?
        };
        let key = document_key(document.business_id, document.id);
        let bytes = blobs
            .get(&key)
            .await
            .map_err(ContactCardError::Blob)?
            .ok_or(ContactCardError::MissingContent(document.id))?;
        Ok((document, bytes))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use clientele_domain::client::ClientInput;
    use clientele_domain::document::MAX_DOCUMENT_BYTES;
    use clientele_domain::{NewClient, Role, SiteScope};
    use clientele_ports::blobs::MockBlobStore;
    use clientele_ports::storage::MockTransaction;
    use mockall::predicate::eq;

    use super::*;
    use crate::testing::{actor, app_with, business, now, site, uuid};

    fn client_id() -> ClientId {
        ClientId::from_uuid(uuid(50))
    }

    fn stored_client() -> Client {
        let new = NewClient::parse(&ClientInput {
            first_name: "Ana".into(),
            last_name: "Silva".into(),
            ..Default::default()
        })
        .unwrap();
        Client::create(
            client_id(),
            business(),
            new,
            vec![site(10)],
            now(),
            now().date_naive(),
        )
    }

    fn owner() -> Actor {
        actor(Role::Owner, SiteScope::All)
    }

    #[tokio::test]
    async fn ap_9_the_blob_is_deleted_when_the_documents_row_cannot_be_stored() {
        let mut tx = MockTransaction::new();
        tx.clients
            .expect_client()
            .returning(|_, _| Ok(Some(stored_client())));
        tx.documents
            .expect_insert_document()
            .times(1)
            .returning(|_| Err(StorageError::Unexpected("disk full".into())));
        tx.commit.expect_commit().never();
        let mut blobs = MockBlobStore::new();
        // The first id the test app hands out is 1000.
        let key = document_key(business(), DocumentId::from_uuid(uuid(1000)));
        blobs
            .expect_put()
            .with(eq(key.clone()), eq(b"%PDF".to_vec()))
            .times(1)
            .returning(|_, _| Ok(()));
        blobs
            .expect_delete()
            .with(eq(key))
            .times(1)
            .returning(|_| Ok(()));
        let app = app_with(tx).with_blob_store(Arc::new(blobs));

        let outcome = app
            .upload_document(&owner(), client_id(), "a.pdf", "application/pdf", b"%PDF")
            .await;

        assert!(matches!(outcome, Err(ContactCardError::Unexpected(_))));
    }

    #[tokio::test]
    async fn ap_9_a_document_too_large_is_refused_before_anything_is_written() {
        let mut tx = MockTransaction::new();
        tx.clients.expect_client().never();
        tx.documents.expect_insert_document().never();
        let mut blobs = MockBlobStore::new();
        blobs.expect_put().never();
        let app = app_with(tx).with_blob_store(Arc::new(blobs));
        let bytes = vec![0_u8; usize::try_from(MAX_DOCUMENT_BYTES).unwrap() + 1];

        let outcome = app
            .upload_document(
                &owner(),
                client_id(),
                "big.bin",
                "application/octet-stream",
                &bytes,
            )
            .await;

        let Err(ContactCardError::Invalid(errors)) = outcome else {
            panic!("expected a validation error, got {outcome:?}");
        };
        assert_eq!(errors.0[0].field, "content");
    }

    #[tokio::test]
    async fn pl_14_nothing_is_written_for_a_client_of_sites_the_caller_cannot_see() {
        let mut tx = MockTransaction::new();
        tx.clients
            .expect_client()
            .returning(|_, _| Ok(Some(stored_client())));
        tx.documents.expect_insert_document().never();
        tx.commit.expect_commit().never();
        let mut blobs = MockBlobStore::new();
        blobs.expect_put().never();
        let app = app_with(tx).with_blob_store(Arc::new(blobs));
        let scoped = actor(Role::Staff, SiteScope::Only(vec![site(11)]));

        let outcome = app
            .upload_document(&scoped, client_id(), "a.pdf", "application/pdf", b"%PDF")
            .await;

        assert!(matches!(
            outcome,
            Err(ContactCardError::Access(AccessError::ClientNotFound))
        ));
    }

    #[tokio::test]
    async fn ap_9_a_document_of_another_client_is_not_found_and_its_bytes_are_not_read() {
        let mut tx = MockTransaction::new();
        tx.clients
            .expect_client()
            .returning(|_, _| Ok(Some(stored_client())));
        tx.documents.expect_document().returning(|business, id| {
            Ok(Some(ClientDocument::upload(
                id,
                business,
                ClientId::from_uuid(uuid(51)),
                NewDocument::parse(DocumentInput {
                    name: "theirs.pdf",
                    content_type: "application/pdf",
                    size_bytes: 4,
                })
                .unwrap(),
                crate::testing::actor(Role::Owner, SiteScope::All).staff_id,
                now(),
            )))
        });
        let mut blobs = MockBlobStore::new();
        blobs.expect_get().never();
        let app = app_with(tx).with_blob_store(Arc::new(blobs));

        let outcome = app
            .document_content(&owner(), client_id(), DocumentId::from_uuid(uuid(60)))
            .await;

        assert!(matches!(outcome, Err(ContactCardError::DocumentNotFound)));
    }
}
