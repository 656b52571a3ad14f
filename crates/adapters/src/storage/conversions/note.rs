//! `client_notes` rows ↔ [`ClientNote`] (the contact card, AP-9).

use sea_orm::ActiveValue::Set;

use clientele_domain::note::{ClientNote, NoteText};
use clientele_ports::StorageError;

use super::{corrupt, instant};
use crate::storage::entities::client_notes;

impl TryFrom<client_notes::Model> for ClientNote {
    type Error = StorageError;

    fn try_from(row: client_notes::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            client_id: row.client_id.into(),
            author: row.author_id.into(),
            text: NoteText::parse("text", &row.text)
                .map_err(|e| corrupt("client_notes", "text", e.message))?,
            created_at: row.created_at,
        })
    }
}

pub(crate) fn client_note_row(note: &ClientNote) -> client_notes::ActiveModel {
    client_notes::ActiveModel {
        business_id: Set(note.business_id.as_uuid()),
        id: Set(note.id.as_uuid()),
        client_id: Set(note.client_id.as_uuid()),
        author_id: Set(note.author.as_uuid()),
        text: Set(note.text.as_str().to_owned()),
        created_at: Set(instant(note.created_at)),
    }
}
