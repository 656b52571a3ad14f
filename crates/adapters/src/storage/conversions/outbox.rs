//! `outbox_emails` rows ↔ [`OutboxEmail`]: the email and its delivery state.

use sea_orm::ActiveValue::Set;

use clientele_domain::EmailAddress;
use clientele_domain::email::{EmailContent, EmailKind, OutgoingEmail};
use clientele_ports::StorageError;
use clientele_ports::storage::{EmailState, OutboxEmail};

use super::{corrupt, instant};
use crate::storage::entities::outbox_emails;

/// The values of `outbox_emails.status`.
pub(crate) const EMAIL_PENDING: &str = "pending";
pub(crate) const EMAIL_SENT: &str = "sent";
pub(crate) const EMAIL_FAILED: &str = "failed";

impl TryFrom<outbox_emails::Model> for OutboxEmail {
    type Error = StorageError;

    fn try_from(row: outbox_emails::Model) -> Result<Self, Self::Error> {
        const T: &str = "outbox_emails";
        let attempts = u32::try_from(row.attempts).map_err(|e| corrupt(T, "attempts", e))?;
        let state = match row.status.as_str() {
            EMAIL_PENDING => EmailState::Pending {
                attempts,
                next_attempt_at: row.next_attempt_at,
            },
            EMAIL_SENT => EmailState::Sent {
                at: row
                    .sent_at
                    .ok_or_else(|| corrupt(T, "sent_at", "NULL for a sent email"))?,
            },
            EMAIL_FAILED => EmailState::Failed {
                attempts,
                last_error: row
                    .last_error
                    .ok_or_else(|| corrupt(T, "last_error", "NULL for a failed email"))?,
            },
            other => return Err(corrupt(T, "status", format!("`{other}` is no status"))),
        };
        Ok(Self {
            email: OutgoingEmail {
                id: row.id.into(),
                business_id: row.business_id.into(),
                site_id: row.site_id.map(Into::into),
                kind: EmailKind::parse(&row.kind)
                    .ok_or_else(|| corrupt(T, "kind", format!("`{}` is no kind", row.kind)))?,
                to: EmailAddress::parse("to", &row.to_address)
                    .map_err(|e| corrupt(T, "to_address", e.message))?,
                content: EmailContent {
                    subject: row.subject,
                    text: row.text_body,
                    html: row.html_body,
                },
                created_at: row.created_at,
            },
            state,
        })
    }
}

/// A new outbox row: pending from the email's creation, never attempted, not claimed.
pub(crate) fn outbox_row(email: &OutgoingEmail) -> outbox_emails::ActiveModel {
    outbox_emails::ActiveModel {
        business_id: Set(email.business_id.as_uuid()),
        id: Set(email.id.as_uuid()),
        site_id: Set(email.site_id.map(|s| s.as_uuid())),
        kind: Set(email.kind.as_str().to_owned()),
        to_address: Set(email.to.as_str().to_owned()),
        subject: Set(email.content.subject.clone()),
        text_body: Set(email.content.text.clone()),
        html_body: Set(email.content.html.clone()),
        created_at: Set(instant(email.created_at)),
        status: Set(EMAIL_PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(instant(email.created_at)),
        claimed_until: Set(None),
        claim_token: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
    }
}
