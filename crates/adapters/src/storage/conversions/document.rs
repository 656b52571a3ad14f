//! `client_documents` rows ↔ [`ClientDocument`] (the contact card, AP-9); the bytes
//! are in the blob store.

use sea_orm::ActiveValue::Set;
use thiserror::Error;

use clientele_domain::document::{ClientDocument, ContentType, DocumentName};
use clientele_ports::StorageError;

use super::{corrupt, instant};
use crate::storage::entities::client_documents;

/// A document size that does not fit a signed 64-bit column (the domain caps sizes at
/// 10 MiB, so this is a bug if it ever shows).
#[derive(Debug, Error)]
#[error("a document of {0} bytes does not fit in a 64-bit signed size")]
pub(crate) struct SizeTooLarge(u64);

impl TryFrom<client_documents::Model> for ClientDocument {
    type Error = StorageError;

    fn try_from(row: client_documents::Model) -> Result<Self, Self::Error> {
        const T: &str = "client_documents";
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            client_id: row.client_id.into(),
            name: DocumentName::parse("name", &row.name)
                .map_err(|e| corrupt(T, "name", e.message))?,
            content_type: ContentType::parse("content_type", &row.content_type)
                .map_err(|e| corrupt(T, "content_type", e.message))?,
            size_bytes: u64::try_from(row.size_bytes).map_err(|e| corrupt(T, "size_bytes", e))?,
            uploaded_by: row.uploaded_by.into(),
            created_at: row.created_at,
        })
    }
}

pub(crate) fn client_document_row(
    document: &ClientDocument,
) -> Result<client_documents::ActiveModel, StorageError> {
    let size_bytes = i64::try_from(document.size_bytes)
        .map_err(|_| StorageError::Unexpected(Box::new(SizeTooLarge(document.size_bytes))))?;
    Ok(client_documents::ActiveModel {
        business_id: Set(document.business_id.as_uuid()),
        id: Set(document.id.as_uuid()),
        client_id: Set(document.client_id.as_uuid()),
        name: Set(document.name.as_str().to_owned()),
        content_type: Set(document.content_type.as_str().to_owned()),
        size_bytes: Set(size_bytes),
        uploaded_by: Set(document.uploaded_by.as_uuid()),
        created_at: Set(instant(document.created_at)),
    })
}
