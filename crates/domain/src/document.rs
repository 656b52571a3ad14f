//! Client documents (AP-9): files kept on a client's contact card. The domain knows a
//! document's name, media type and size; its bytes live behind a blob port.
//!
//! Pure: no I/O, no clock (the time is passed in), no storage, blob or HTTP types.

use chrono::{DateTime, SubsecRound, Utc};

use crate::ids::{BusinessId, ClientId, DocumentId, StaffId};
use crate::text;
use crate::validation::{FieldError, ValidationErrors, failures};

/// The largest document a client's card keeps: 10 MiB.
pub const MAX_DOCUMENT_BYTES: u64 = 10 * 1024 * 1024;

/// A document's file name: one line, at most [`DocumentName::MAX`] characters, no `/` or
/// `\` (a name is never a path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentName(String);

impl DocumentName {
    pub const MAX: usize = 255;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let name = text::required_line(field, raw, Self::MAX)?;
        if name.contains(['/', '\\']) {
            return Err(FieldError::new(field, "must not contain `/` or `\\`"));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A media type without parameters, `type/subtype` (e.g. `application/pdf`), lower-cased;
/// each part is an RFC 6838 restricted name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentType(String);

impl ContentType {
    pub const MAX: usize = 127;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().to_ascii_lowercase();
        let invalid = || {
            FieldError::new(
                field,
                "must be a media type `type/subtype` without parameters, e.g. `application/pdf`",
            )
        };
        if value.len() > Self::MAX {
            return Err(FieldError::new(
                field,
                format!("must be at most {} characters", Self::MAX),
            ));
        }
        let (kind, subtype) = value.split_once('/').ok_or_else(invalid)?;
        if restricted_name(kind) && restricted_name(subtype) {
            Ok(Self(value))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The type a document is served with: its own when it is one a browser only
    /// displays (documents, images, plain text), else `application/octet-stream`. A type
    /// chosen by whoever uploaded the file must never make a browser run it as a page or
    /// a script from the API's origin (`text/html`, `image/svg+xml`, `text/javascript`…).
    pub fn served_as(&self) -> &str {
        if SERVED_AS_IS.contains(&self.0.as_str()) {
            &self.0
        } else {
            "application/octet-stream"
        }
    }
}

/// The media types served with their own type: none of them is rendered as active content.
pub const SERVED_AS_IS: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/heic",
    "text/plain",
    "text/csv",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
];

/// RFC 6838 §4.2: a letter or digit, then letters, digits and ``!#$&-^_.+``.
fn restricted_name(part: &str) -> bool {
    let mut chars = part.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
}

/// A document as sent by staff, before parsing: its content is only measured here.
#[derive(Debug, Clone, Copy)]
pub struct DocumentInput<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: u64,
}

/// A parsed document description, ready to be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub name: DocumentName,
    pub content_type: ContentType,
    pub size_bytes: u64,
}

impl NewDocument {
    /// Checks every field at once: name, content type, and size (field `content`, at most
    /// [`MAX_DOCUMENT_BYTES`]).
    pub fn parse(input: DocumentInput<'_>) -> Result<Self, ValidationErrors> {
        let size = if input.size_bytes > MAX_DOCUMENT_BYTES {
            Err(FieldError::new(
                "content",
                format!("must be at most {MAX_DOCUMENT_BYTES} bytes (10 MiB)"),
            ))
        } else {
            Ok(input.size_bytes)
        };
        match (
            DocumentName::parse("name", input.name),
            ContentType::parse("content_type", input.content_type),
            size,
        ) {
            (Ok(name), Ok(content_type), Ok(size_bytes)) => Ok(Self {
                name,
                content_type,
                size_bytes,
            }),
            (name, content_type, size) => {
                Err(failures([name.err(), content_type.err(), size.err()]))
            }
        }
    }
}

/// A document kept on a client's card. Its bytes are stored apart, under a key made of the
/// business id and the document id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientDocument {
    pub id: DocumentId,
    pub business_id: BusinessId,
    pub client_id: ClientId,
    pub name: DocumentName,
    pub content_type: ContentType,
    pub size_bytes: u64,
    /// The staff member who uploaded it.
    pub uploaded_by: StaffId,
    pub created_at: DateTime<Utc>,
}

impl ClientDocument {
    /// A document uploaded at `now`, kept to the microsecond (what every database stores).
    pub fn upload(
        id: DocumentId,
        business_id: BusinessId,
        client_id: ClientId,
        new: NewDocument,
        uploaded_by: StaffId,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            business_id,
            client_id,
            name: new.name,
            content_type: new.content_type,
            size_bytes: new.size_bytes,
            uploaded_by,
            created_at: now.trunc_subsecs(6),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_that_a_browser_could_run_is_served_as_plain_bytes() {
        let cases = [
            ("application/pdf", "application/pdf"),
            ("IMAGE/PNG", "image/png"),
            ("text/plain", "text/plain"),
            ("text/html", "application/octet-stream"),
            ("image/svg+xml", "application/octet-stream"),
            ("text/javascript", "application/octet-stream"),
            ("application/xhtml+xml", "application/octet-stream"),
        ];
        for (uploaded, served) in cases {
            let kind = ContentType::parse("content_type", uploaded).unwrap();
            assert_eq!(kind.served_as(), served, "{uploaded}");
        }
    }

    #[test]
    fn ap_9_a_document_name_is_one_line_without_path_separators() {
        let cases: &[(&str, Option<&str>)] = &[
            (" consent form.pdf ", Some("consent form.pdf")),
            ("Ordonnance – Dr Lévy.PDF", Some("Ordonnance – Dr Lévy.PDF")),
            ("..", Some("..")),
            ("", None),
            ("a/b.pdf", None),
            ("..\\secret", None),
            ("two\nlines", None),
            ("nul\u{0}", None),
        ];
        for (raw, expected) in cases {
            let parsed = DocumentName::parse("name", raw).ok();
            assert_eq!(
                parsed.as_ref().map(DocumentName::as_str),
                *expected,
                "{raw:?}"
            );
        }
        assert!(DocumentName::parse("name", &"n".repeat(255)).is_ok());
        assert!(DocumentName::parse("name", &"n".repeat(256)).is_err());
    }

    #[test]
    fn ap_9_a_content_type_is_a_lower_cased_type_and_subtype() {
        let cases: &[(&str, Option<&str>)] = &[
            ("application/pdf", Some("application/pdf")),
            (" Image/JPEG ", Some("image/jpeg")),
            (
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ),
            ("image/svg+xml", Some("image/svg+xml")),
            ("text/plain; charset=utf-8", None),
            ("pdf", None),
            ("/pdf", None),
            ("application/", None),
            ("a/b/c", None),
            ("text/pl ain", None),
            ("text/plain\u{0}", None),
            ("", None),
        ];
        for (raw, expected) in cases {
            let parsed = ContentType::parse("content_type", raw).ok();
            assert_eq!(
                parsed.as_ref().map(ContentType::as_str),
                *expected,
                "{raw:?}"
            );
        }
        let long = format!("application/{}", "x".repeat(116));
        assert_eq!(long.len(), 128);
        assert!(ContentType::parse("content_type", &long).is_err());
        assert!(ContentType::parse("content_type", &long[..127]).is_ok());
    }

    #[test]
    fn ap_9_a_new_document_reports_every_bad_field_and_at_most_ten_mebibytes() {
        let ok = NewDocument::parse(DocumentInput {
            name: "scan.png",
            content_type: "image/png",
            size_bytes: MAX_DOCUMENT_BYTES,
        });
        let bad = NewDocument::parse(DocumentInput {
            name: " ",
            content_type: "png",
            size_bytes: MAX_DOCUMENT_BYTES + 1,
        })
        .unwrap_err();

        assert_eq!(ok.unwrap().size_bytes, 10_485_760);
        let fields: Vec<&str> = bad.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "content_type", "content"]);
    }
}
