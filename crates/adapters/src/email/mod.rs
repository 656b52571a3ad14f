//! Email senders behind `ports::EmailSender` (PL-18): [`FileEmailSender`] writes one
//! readable `.eml` file per email into a folder (the default, for development), and
//! [`SmtpEmailSender`] hands emails to an SMTP server through lettre.
//!
//! Both build the same RFC 5322 message here, with lettre's builder. This module must not
//! depend on `application` or storage; lettre types never leave it.

mod file;
mod smtp;

use std::time::SystemTime;

use lettre::Message;
use lettre::message::header::ContentTransferEncoding;
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use thiserror::Error;

use clientele_domain::email::OutgoingEmail;
use clientele_ports::SendError;

pub use file::FileEmailSender;
pub use smtp::SmtpEmailSender;

/// The `From` of every email when nothing else is configured.
pub const DEFAULT_EMAIL_FROM: &str = "Clientele <no-reply@localhost>";

/// Where the file sender writes when nothing else is configured.
pub const DEFAULT_EMAIL_DIR: &str = "./data/emails";

/// An email sender that cannot be set up from its configuration.
#[derive(Debug, Error)]
pub enum EmailConfigError {
    #[error("`{value}` is not a usable From address (e.g. `{DEFAULT_EMAIL_FROM}`): {reason}")]
    From { value: String, reason: String },
    #[error("cannot create the email folder {path}: {source}")]
    Directory {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The URL itself is not repeated: it may carry a password.
    #[error(
        "the SMTP URL is not usable (smtp://USER:PASSWORD@HOST:PORT?tls=required, smtps://USER:PASSWORD@HOST:PORT or smtp://HOST:PORT): {reason}"
    )]
    SmtpUrl { reason: String },
}

/// The sender's address, `Name <address>` or a bare address, parsed once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailFrom(Mailbox);

impl EmailFrom {
    pub fn parse(raw: &str) -> Result<Self, EmailConfigError> {
        raw.trim()
            .parse::<Mailbox>()
            .map(Self)
            .map_err(|e| EmailConfigError::From {
                value: raw.to_owned(),
                reason: e.to_string(),
            })
    }
}

impl std::fmt::Display for EmailFrom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The `Message-ID` of an outbox email: derived from its id, so that every attempt at the
/// same email carries the same one and receivers can deduplicate.
pub fn message_id(email: &OutgoingEmail) -> String {
    format!("<{}@clientele>", email.id)
}

/// How the text and HTML parts are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bodies {
    /// As lettre chooses for the wire: 7bit for ASCII, else quoted-printable or base64,
    /// which every server accepts.
    ForTransport,
    /// UTF-8 left as it is (8bit) wherever the lines allow, so that a person opening the
    /// file in a text editor reads "Lumière", not "Lumi=C3=A8re".
    ForReading,
}

fn body(content: &str, bodies: Bodies) -> Body {
    match bodies {
        Bodies::ForTransport => Body::new(content.to_owned()),
        Bodies::ForReading => {
            Body::new_with_encoding(content.to_owned(), ContentTransferEncoding::EightBit)
                // Lines too long for 8bit: let lettre pick an encoding that can carry them.
                .unwrap_or_else(|_| Body::new(content.to_owned()))
        }
    }
}

/// The RFC 5322 message for `email`: From, To, Subject, Date (when the email was queued),
/// Message-ID, and a multipart/alternative body with the text and the HTML.
fn message(from: &EmailFrom, email: &OutgoingEmail, bodies: Bodies) -> Result<Message, SendError> {
    // The address was parsed by the domain; lettre is stricter in places, and an address
    // it refuses will be refused on every attempt.
    let to = email
        .to
        .as_str()
        .parse::<Mailbox>()
        .map_err(|e| SendError::Permanent(format!("unusable recipient address: {e}")))?;
    Message::builder()
        .from(from.0.clone())
        .to(to)
        .subject(email.content.subject.clone())
        .date(SystemTime::from(email.created_at))
        .message_id(Some(message_id(email)))
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(body(&email.content.text, bodies)))
                .singlepart(SinglePart::html(body(&email.content.html, bodies))),
        )
        .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))
}
