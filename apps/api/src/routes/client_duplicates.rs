//! Duplicate suggestions (CL-19): for one client, for the whole list, and "not the same
//! person".

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::client_duplicates::{DuplicatePair, Suggestion};
use clientele_domain::client_duplicate::DuplicateReason;
use clientele_domain::{ClientId, PageLimit};

use super::ApiTags;
use super::clients::ClientView;
use crate::problem::can::*;
use crate::problem::{ProblemResponse, Problems};
use crate::security::StaffToken;

/// Why two profiles look like one person.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum DuplicateReasonView {
    /// The same email, case and surrounding spaces aside.
    SameEmail,
    /// The same phone number, however it was typed.
    SamePhone,
    /// The same first and last name, accents and case aside.
    SameName,
    /// One's first name is the other's last name, and the other way round.
    SwappedNames,
    /// The same last name, and first names one goes by for the other ("Bob", "Robert").
    Nickname,
    /// One name the same, the other a typo or two away ("Ana" and "Anna").
    SimilarName,
}

impl From<DuplicateReason> for DuplicateReasonView {
    fn from(reason: DuplicateReason) -> Self {
        match reason {
            DuplicateReason::SameEmail => Self::SameEmail,
            DuplicateReason::SamePhone => Self::SamePhone,
            DuplicateReason::SameName => Self::SameName,
            DuplicateReason::SwappedNames => Self::SwappedNames,
            DuplicateReason::Nickname => Self::Nickname,
            DuplicateReason::SimilarName => Self::SimilarName,
        }
    }
}

/// A client that may be the same person.
#[derive(Debug, Object)]
pub struct SuggestionView {
    pub client: ClientView,
    /// How likely, 1 to 99.
    pub score: u8,
    /// Why, strongest first.
    pub reasons: Vec<DuplicateReasonView>,
}

impl From<&Suggestion> for SuggestionView {
    fn from(s: &Suggestion) -> Self {
        Self {
            client: (&s.client).into(),
            score: s.score,
            reasons: s.reasons.iter().copied().map(Into::into).collect(),
        }
    }
}

/// A client's likely duplicates, the likeliest first (at most 20).
#[derive(Debug, Object)]
pub struct SuggestionList {
    pub items: Vec<SuggestionView>,
}

/// Two clients that may be one person.
#[derive(Debug, Object)]
pub struct DuplicatePairView {
    pub client: ClientView,
    pub other: SuggestionView,
}

impl From<&DuplicatePair> for DuplicatePairView {
    fn from(p: &DuplicatePair) -> Self {
        Self {
            client: (&p.client).into(),
            other: (&p.other).into(),
        }
    }
}

/// The pairs found among one page of the client list, the likeliest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DuplicatePairPage {
    pub items: Vec<DuplicatePairView>,
    /// Pass it as `cursor` for the next page; absent once the whole list was looked at.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum DismissalResponse {
    /// Done.
    #[oai(status = 204)]
    Done,
}

/// Clients of the list looked at per page of the review queue, by default.
const DEFAULT_SCAN: u32 = 100;

pub struct ClientDuplicatesApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Clients")]
impl ClientDuplicatesApi {
    /// The clients that may be the same person as this one (CL-19): a shared email or
    /// phone, the same name, swapped first and last names, a nickname, or a typo, each
    /// with a score and its reasons; pairs said not to be one person are left out.
    #[oai(
        path = "/clients/:id/duplicates",
        method = "get",
        operation_id = "list_client_duplicates"
    )]
    async fn of_client(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<SuggestionList>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let found = self
            .app
            .duplicate_suggestions(&actor, ClientId::from_uuid(id.0))
            .await?;
        Ok(Json(SuggestionList {
            items: found.iter().map(Into::into).collect(),
        }))
    }

    /// The review queue of likely duplicates (CL-19): the pairs found among `limit`
    /// clients of the list per page, in name order, each pair once. A page may be empty
    /// and still have a next one; the queue is done when `next_cursor` is absent.
    #[oai(
        path = "/client-duplicates",
        method = "get",
        operation_id = "list_duplicate_pairs"
    )]
    async fn pairs(
        &self,
        auth: StaffToken,
        /// Clients looked at for this page, 1 to 1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<DuplicatePairPage>, Problems<{ MALFORM | UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let limit = PageLimit::parse(Some(limit.0.unwrap_or(DEFAULT_SCAN)))
            .map_err(|e| ProblemResponse::bad_parameter("limit", e.message))?;
        let page = self
            .app
            .duplicate_pairs(&actor, cursor.0.as_deref(), limit)
            .await?;
        Ok(Json(DuplicatePairPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Say these two clients are not the same person (CL-19): the pair is not suggested
    /// again. Saying it twice changes nothing.
    #[oai(
        path = "/clients/:id/duplicates/:other_id/dismissal",
        method = "put",
        operation_id = "dismiss_client_duplicate"
    )]
    async fn dismiss(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        other_id: Path<Uuid>,
    ) -> Result<DismissalResponse, Problems<{ MALFORM | UNAUTHENTICATE | MISS | BREAK_RULE }>> {
        let actor = auth.actor(&self.app).await?;
        let (id, other) = (ClientId::from_uuid(id.0), ClientId::from_uuid(other_id.0));
        self.app.dismiss_duplicate(&actor, id, other).await?;
        Ok(DismissalResponse::Done)
    }

    /// Take back a "not the same person" (CL-19): the pair may be suggested again.
    #[oai(
        path = "/clients/:id/duplicates/:other_id/dismissal",
        method = "delete",
        operation_id = "undismiss_client_duplicate"
    )]
    async fn undismiss(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        other_id: Path<Uuid>,
    ) -> Result<DismissalResponse, Problems<{ MALFORM | UNAUTHENTICATE | MISS | BREAK_RULE }>> {
        let actor = auth.actor(&self.app).await?;
        let (id, other) = (ClientId::from_uuid(id.0), ClientId::from_uuid(other_id.0));
        self.app.undismiss_duplicate(&actor, id, other).await?;
        Ok(DismissalResponse::Done)
    }
}
