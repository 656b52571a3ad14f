//! The business's email outbox (PL-18): what was sent, what waits, what failed.

use chrono::{DateTime, Utc};
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::emails::{BusinessEmail, Delivery};

use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum EmailStatus {
    /// Waiting to be sent, or to be tried again.
    Pending,
    Sent,
    /// Given up after too many attempts.
    Failed,
}

/// An email of the outbox.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EmailView {
    pub id: Uuid,
    /// `booking_confirmation`, `cancellation`, `refund`, `invoice`, `membership_receipt`,
    /// `payment_failed`, `payment_reminder`, `membership_cancelled`, `mandate_request`,
    /// `account_verification`, `account_exists`, `password_reset` or
    /// `webhook_endpoint_disabled`.
    pub kind: String,
    pub to: String,
    pub subject: String,
    /// The text; the tokens of the links only the client may use (sign-up,
    /// verification) are hidden (`token=…`).
    pub text: String,
    pub status: EmailStatus,
    pub attempts: Option<u32>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

impl From<&BusinessEmail> for EmailView {
    fn from(e: &BusinessEmail) -> Self {
        let (status, attempts, sent_at, last_error) = match &e.delivery {
            Delivery::Pending { attempts } => (EmailStatus::Pending, Some(*attempts), None, None),
            Delivery::Sent { at } => (EmailStatus::Sent, None, Some(*at), None),
            Delivery::Failed {
                attempts,
                last_error,
            } => (
                EmailStatus::Failed,
                Some(*attempts),
                None,
                Some(last_error.clone()),
            ),
        };
        Self {
            id: e.email.id.as_uuid(),
            kind: e.email.kind.as_str().to_owned(),
            to: e.email.to.as_str().to_owned(),
            subject: e.email.content.subject.clone(),
            text: e.email.content.text.clone(),
            status,
            attempts,
            created_at: e.email.created_at,
            sent_at,
            last_error,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EmailPage {
    pub items: Vec<EmailView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

pub struct EmailsApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Emails")]
impl EmailsApi {
    /// The business's emails, newest first (owner, admin).
    #[oai(path = "/emails", method = "get", operation_id = "list_emails")]
    async fn list(
        &self,
        auth: StaffToken,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<EmailPage>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .list_emails(&actor, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(EmailPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }
}
