//! The client's contact card (AP-9, CL-12): the card itself (previous bookings, notes,
//! documents), writing notes, uploading documents and downloading their content.
//!
//! Params, views and handlers only: no rules, no storage or blob access of its own.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use poem::IntoResponse;
use poem_openapi::param::Path;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::contact_card::{ContactCard, ContactCardError};
use clientele_domain::document::{ClientDocument, SERVED_AS_IS};
use clientele_domain::note::ClientNote;
use clientele_domain::{ClientId, DocumentId, ValidationErrors};

use super::ApiTags;
use super::appointments::AppointmentView;
use super::clients::ClientView;
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::Text;

/// A staff note about a client (CL-12). Never shown to the client.
#[derive(Debug, Object)]
pub struct NoteView {
    pub id: Uuid,
    /// The staff member who wrote it.
    pub author_id: Uuid,
    /// As written; may span several lines.
    pub text: String,
    pub created_at: DateTime<Utc>,
}

impl From<&ClientNote> for NoteView {
    fn from(n: &ClientNote) -> Self {
        Self {
            id: n.id.as_uuid(),
            author_id: n.author.as_uuid(),
            text: n.text.as_str().to_owned(),
            created_at: n.created_at,
        }
    }
}

/// A document on a client's card, without its content (download it from
/// `/v1/clients/{id}/documents/{document_id}/content`).
#[derive(Debug, Object)]
pub struct DocumentView {
    pub id: Uuid,
    /// The file name.
    pub name: String,
    /// A lower-cased media type, e.g. `application/pdf`.
    pub content_type: String,
    pub size_bytes: u64,
    /// The staff member who uploaded it.
    pub uploaded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl From<&ClientDocument> for DocumentView {
    fn from(d: &ClientDocument) -> Self {
        Self {
            id: d.id.as_uuid(),
            name: d.name.as_str().to_owned(),
            content_type: d.content_type.as_str().to_owned(),
            size_bytes: d.size_bytes,
            uploaded_by: d.uploaded_by.as_uuid(),
            created_at: d.created_at,
        }
    }
}

/// A client's contact card (AP-9): the latest 50 of each list, newest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ContactCardView {
    pub client: ClientView,
    /// Bookings, latest start first.
    pub appointments: Vec<AppointmentView>,
    /// Notes, newest first.
    pub notes: Vec<NoteView>,
    /// Documents, newest first, without their content.
    pub documents: Vec<DocumentView>,
}

impl From<&ContactCard> for ContactCardView {
    fn from(card: &ContactCard) -> Self {
        Self {
            client: (&card.client).into(),
            appointments: card.appointments.iter().map(Into::into).collect(),
            notes: card.notes.iter().map(Into::into).collect(),
            documents: card.documents.iter().map(Into::into).collect(),
        }
    }
}

/// A new note (CL-12).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewNoteParams {
    /// 1 to 5000 characters; line breaks and tabs are kept.
    pub text: Text,
}

/// A new document (AP-9), its content in base64.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewDocumentParams {
    /// The file name: one line, at most 255 characters, no `/` or `\`.
    pub name: Text,
    /// A media type `type/subtype` without parameters, e.g. `application/pdf`.
    pub content_type: Text,
    /// The content, standard base64 with padding; at most 10 MiB once decoded (a larger
    /// one is refused under the field `content`).
    pub content_base64: Text,
}

#[derive(ApiResponse)]
pub enum CreateNoteResponse {
    /// The note was written.
    #[oai(status = 201)]
    Created(Json<NoteView>),
}

#[derive(ApiResponse)]
pub enum CreateDocumentResponse {
    /// The document was stored.
    #[oai(status = 201)]
    Created(Json<DocumentView>),
}

/// A document's bytes, served with the media type it was uploaded with when that is a
/// type browsers only display (PDF, images, plain text, office documents), else as
/// `application/octet-stream`; always as an attachment and with `nosniff`.
pub struct DocumentContent {
    bytes: Vec<u8>,
    content_type: String,
}

impl ApiResponse for DocumentContent {
    fn meta() -> MetaResponses {
        let header = |name: &str, description: &str| MetaHeader {
            name: name.to_owned(),
            description: Some(description.to_owned()),
            required: true,
            deprecated: false,
            schema: String::schema_ref(),
        };
        MetaResponses {
            responses: vec![MetaResponse {
                description: "The document's bytes, with its own media type when it is one \
                              browsers only display, else `application/octet-stream`.",
                status: Some(200),
                status_range: None,
                content: SERVED_AS_IS
                    .iter()
                    .copied()
                    .chain(["application/octet-stream"])
                    .map(|content_type| MetaMediaType {
                        content_type,
                        schema: <Binary<Vec<u8>> as poem_openapi::payload::Payload>::schema_ref(),
                    })
                    .collect(),
                headers: vec![
                    header(
                        "Content-Disposition",
                        "Always `attachment`: a browser saves the file rather than showing it.",
                    ),
                    header(
                        "X-Content-Type-Options",
                        "Always `nosniff`: a browser never guesses another type from the bytes.",
                    ),
                ],
            }],
        }
    }

    fn register(_registry: &mut Registry) {}
}

impl IntoResponse for DocumentContent {
    fn into_response(self) -> poem::Response {
        poem::Response::builder()
            .content_type(self.content_type)
            .header("Content-Disposition", "attachment")
            .header("X-Content-Type-Options", "nosniff")
            .body(self.bytes)
    }
}

pub struct ContactCardApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::ContactCard")]
impl ContactCardApi {
    /// A client's contact card (AP-9): the client, their latest 50 bookings, notes and
    /// documents, newest first.
    #[oai(
        path = "/clients/:id/card",
        method = "get",
        operation_id = "get_contact_card"
    )]
    async fn card(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<ContactCardView>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let card = self
            .app
            .contact_card(&actor, ClientId::from_uuid(id.0))
            .await?;
        Ok(Json((&card).into()))
    }

    /// Write a note about a client (CL-12), signed by the caller.
    #[oai(
        path = "/clients/:id/notes",
        method = "post",
        operation_id = "create_client_note"
    )]
    async fn add_note(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<NewNoteParams>,
    ) -> Result<
        CreateNoteResponse,
        Problems<{ MALFORM | UNAUTHENTICATE | MISS | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let note = self
            .app
            .add_note(&actor, ClientId::from_uuid(id.0), &body.0.text.0)
            .await?;
        Ok(CreateNoteResponse::Created(Json((&note).into())))
    }

    /// Keep a document on a client's card (AP-9), at most 10 MiB.
    #[oai(
        path = "/clients/:id/documents",
        method = "post",
        operation_id = "upload_client_document"
    )]
    async fn upload(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<NewDocumentParams>,
    ) -> Result<
        CreateDocumentResponse,
        Problems<{ MALFORM | UNAUTHENTICATE | MISS | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let content = BASE64.decode(p.content_base64.0.as_bytes()).map_err(|e| {
            ContactCardError::Invalid(ValidationErrors::single(
                "content_base64",
                format!("must be standard base64 with padding: {e}"),
            ))
        })?;
        let document = self
            .app
            .upload_document(
                &actor,
                ClientId::from_uuid(id.0),
                &p.name.0,
                &p.content_type.0,
                &content,
            )
            .await?;
        Ok(CreateDocumentResponse::Created(Json((&document).into())))
    }

    /// A document's content (AP-9), with its content type.
    #[oai(
        path = "/clients/:id/documents/:document_id/content",
        method = "get",
        operation_id = "get_client_document_content"
    )]
    async fn content(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        document_id: Path<Uuid>,
    ) -> Result<DocumentContent, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let (document, bytes) = self
            .app
            .document_content(
                &actor,
                ClientId::from_uuid(id.0),
                DocumentId::from_uuid(document_id.0),
            )
            .await?;
        Ok(DocumentContent {
            bytes,
            content_type: document.content_type.served_as().to_owned(),
        })
    }
}
