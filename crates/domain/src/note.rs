//! Client notes (CL-12): any number per client, each with its author, time and text.
//! Notes are for staff only; nothing here decides who reads them.
//!
//! Pure: no I/O, no clock (the time is passed in), no storage or HTTP types.

use chrono::{DateTime, SubsecRound, Utc};

use crate::ids::{BusinessId, ClientId, NoteId, StaffId};
use crate::text;
use crate::validation::FieldError;

/// The text of a note: trimmed, non-empty, at most [`NoteText::MAX`] characters, on as
/// many lines as needed (line breaks and tabs are kept, other control characters refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteText(String);

impl NoteText {
    pub const MAX: usize = 5000;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        text::required_text(field, raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A note a staff member wrote about a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientNote {
    pub id: NoteId,
    pub business_id: BusinessId,
    pub client_id: ClientId,
    /// The staff member who wrote it.
    pub author: StaffId,
    pub text: NoteText,
    pub created_at: DateTime<Utc>,
}

impl ClientNote {
    /// A note written at `now`, kept to the microsecond (what every database stores), so
    /// the note answered at creation equals the note read back later.
    pub fn write(
        id: NoteId,
        business_id: BusinessId,
        client_id: ClientId,
        author: StaffId,
        text: NoteText,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            business_id,
            client_id,
            author,
            text,
            created_at: now.trunc_subsecs(6),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use uuid::Uuid;

    use super::*;

    #[test]
    fn cl_12_a_note_keeps_its_lines_and_refuses_blank_nul_and_overlong_text() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                "  Prefers mornings.\nAllergic to nuts.\t(severe) ",
                Some("Prefers mornings.\nAllergic to nuts.\t(severe)"),
            ),
            ("   \n  ", None),
            ("", None),
            ("nul\u{0}byte", None),
            ("bell\u{7}", None),
        ];
        for (raw, expected) in cases {
            let parsed = NoteText::parse("text", raw);
            assert_eq!(
                parsed.as_ref().ok().map(NoteText::as_str),
                *expected,
                "{raw:?}"
            );
            if let Err(error) = parsed {
                assert_eq!(error.field, "text");
            }
        }
        assert!(NoteText::parse("text", &"é".repeat(NoteText::MAX)).is_ok());
        assert!(NoteText::parse("text", &"é".repeat(NoteText::MAX + 1)).is_err());
    }

    #[test]
    fn a_note_is_dated_to_the_microsecond() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap()
            + Duration::nanoseconds(1_234_567);
        let id = |n| Uuid::from_u128(n);
        let note = ClientNote::write(
            NoteId::from_uuid(id(1)),
            BusinessId::from_uuid(id(2)),
            ClientId::from_uuid(id(3)),
            StaffId::from_uuid(id(4)),
            NoteText::parse("text", "Hello").unwrap(),
            now,
        );
        assert_eq!(note.created_at, now - Duration::nanoseconds(567));
    }
}
