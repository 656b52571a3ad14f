//! The contact card: notes and documents of a client (CL-12, AP-9, PL-26).

use chrono::{DateTime, Duration, Utc};

use clientele_adapters::testing::fresh_storage;
use clientele_domain::document::{ClientDocument, DocumentInput, NewDocument};
use clientele_domain::note::{ClientNote, NoteText};
use clientele_domain::{Client, DocumentId, NoteId, StaffId};
use clientele_ports::{Storage, StorageError};

use crate::helpers::{base_time, business_with_site, client, insert_clients, new_uuid};

fn note(client: &Client, text: &str, at: DateTime<Utc>) -> ClientNote {
    ClientNote {
        id: NoteId::from_uuid(new_uuid()),
        business_id: client.business_id(),
        client_id: client.id(),
        author: StaffId::from_uuid(new_uuid()),
        text: NoteText::parse("text", text).unwrap(),
        created_at: at,
    }
}

fn document(client: &Client, name: &str, size_bytes: u64, at: DateTime<Utc>) -> ClientDocument {
    let new = NewDocument::parse(DocumentInput {
        name,
        content_type: "application/pdf",
        size_bytes,
    })
    .unwrap();
    ClientDocument {
        id: DocumentId::from_uuid(new_uuid()),
        business_id: client.business_id(),
        client_id: client.id(),
        name: new.name,
        content_type: new.content_type,
        size_bytes: new.size_bytes,
        uploaded_by: StaffId::from_uuid(new_uuid()),
        created_at: at,
    }
}

#[tokio::test]
async fn cl_12_ap_9_notes_and_documents_round_trip_equal_newest_first_per_client() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    let ana = client(business.id, "Ana", "Silva", &[site.id]);
    let bruno = client(business.id, "Bruno", "Martin", &[site.id]);
    insert_clients(&storage, &[ana.clone(), bruno.clone()]).await;
    let t = base_time();
    let notes = vec![
        note(&ana, "Première visite.\nAllergique aux noix\t(sévère)", t),
        note(&ana, "Second", t + Duration::seconds(5)),
        note(&ana, "Same instant", t + Duration::seconds(5)),
        note(&ana, "Microsecond later", t + Duration::microseconds(1)),
    ];
    let theirs = note(&bruno, "Not Ana's", t + Duration::days(1));
    let documents = [
        document(&ana, "Consentement – Lévy.pdf", 10 * 1024 * 1024, t),
        document(&ana, "scan.pdf", 0, t + Duration::seconds(1)),
    ];
    let their_document = document(&bruno, "theirs.pdf", 3, t + Duration::days(1));

    // Act
    let mut tx = storage.begin().await.unwrap();
    for n in notes.iter().chain([&theirs]) {
        tx.insert_note(n).await.unwrap();
    }
    for d in documents.iter().chain([&their_document]) {
        tx.insert_document(d).await.unwrap();
    }
    tx.commit().await.unwrap();

    // Assert
    let mut tx = storage.read().await.unwrap();
    let mut expected_notes = notes.clone();
    expected_notes.sort_by_key(|n| std::cmp::Reverse((n.created_at, n.id)));
    assert_eq!(
        tx.notes_of_client(business.id, ana.id(), 50).await.unwrap(),
        expected_notes
    );
    assert_eq!(
        tx.notes_of_client(business.id, ana.id(), 2).await.unwrap(),
        expected_notes[..2]
    );
    assert_eq!(
        tx.documents_of_client(business.id, ana.id(), 50)
            .await
            .unwrap(),
        vec![documents[1].clone(), documents[0].clone()]
    );
    assert_eq!(
        tx.document(business.id, documents[0].id).await.unwrap(),
        Some(documents[0].clone())
    );
    assert_eq!(
        tx.documents_of_client(business.id, bruno.id(), 50)
            .await
            .unwrap(),
        vec![their_document]
    );
}

#[tokio::test]
async fn pl_26_notes_and_documents_of_another_business_are_invisible_and_cannot_be_attached() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    let (other, _) = business_with_site(&storage).await;
    let ana = client(business.id, "Ana", "Silva", &[site.id]);
    insert_clients(&storage, std::slice::from_ref(&ana)).await;
    let kept_note = note(&ana, "Mine", base_time());
    let kept_document = document(&ana, "mine.pdf", 4, base_time());
    let mut tx = storage.begin().await.unwrap();
    tx.insert_note(&kept_note).await.unwrap();
    tx.insert_document(&kept_document).await.unwrap();
    tx.commit().await.unwrap();
    // Ana's id under the other business: no such client there.
    let mut stranger = note(&ana, "Theirs", base_time());
    stranger.business_id = other.id;
    let mut stranger_document = document(&ana, "theirs.pdf", 4, base_time());
    stranger_document.business_id = other.id;

    // Act
    let mut tx = storage.begin().await.unwrap();
    let note_outcome = tx.insert_note(&stranger).await;
    let document_outcome = tx.insert_document(&stranger_document).await;
    let duplicate_note = tx.insert_note(&kept_note).await;
    let duplicate_document = tx.insert_document(&kept_document).await;
    // The transaction is still usable after the refused writes (savepoints).
    tx.insert_note(&note(&ana, "After", base_time()))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(note_outcome, Err(StorageError::NotFound)));
    assert!(matches!(document_outcome, Err(StorageError::NotFound)));
    assert!(matches!(
        duplicate_note,
        Err(StorageError::Duplicate("note"))
    ));
    assert!(matches!(
        duplicate_document,
        Err(StorageError::Duplicate("document"))
    ));
    let mut tx = storage.read().await.unwrap();
    assert!(
        tx.notes_of_client(other.id, ana.id(), 50)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        tx.documents_of_client(other.id, ana.id(), 50)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(tx.document(other.id, kept_document.id).await.unwrap(), None);
    assert_eq!(
        tx.notes_of_client(business.id, ana.id(), 50)
            .await
            .unwrap()
            .len(),
        2
    );
}
