//! [`SmtpEmailSender`]: hands emails to an SMTP server through lettre's pooled async
//! transport.
//!
//! Depends on lettre and Tokio only; never on storage. lettre's pool spawns tasks on the
//! runtime when it is created and when it is dropped, so a sender MUST be created and
//! dropped inside a Tokio runtime (otherwise its destructor panics).

use async_trait::async_trait;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use clientele_domain::email::OutgoingEmail;
use clientele_ports::{EmailSender, SendError, SendOutcome};

use super::{Bodies, EmailConfigError, EmailFrom, message};

/// Sends through an SMTP server. Every message carries `Message-ID: <{email id}@clientele>`:
/// SMTP cannot tell whether an earlier attempt was received (a worker may be killed after
/// the server accepted the email but before the outbox recorded it), so receivers
/// deduplicate on that id.
pub struct SmtpEmailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: EmailFrom,
}

impl SmtpEmailSender {
    /// A sender for `url`: `smtp://HOST:PORT` (plain), `smtp://USER:PASSWORD@HOST:PORT?tls=required`
    /// (STARTTLS) or `smtps://USER:PASSWORD@HOST:PORT` (TLS from the start). Connects
    /// lazily, at the first send. MUST be called inside a Tokio runtime.
    pub fn new(url: &str, from: EmailFrom) -> Result<Self, EmailConfigError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| EmailConfigError::SmtpUrl {
                reason: e.to_string(),
            })?
            .build();
        Ok(Self { transport, from })
    }
}

impl std::fmt::Debug for SmtpEmailSender {
    // Not derived: the transport holds the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpEmailSender")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// A 5xx reply will be given again; anything else (4xx, network, TLS, timeouts) may pass
/// on a later attempt.
fn classify(error: &lettre::transport::smtp::Error) -> SendError {
    if error.is_permanent() {
        SendError::Permanent(error.to_string())
    } else {
        SendError::Transient(error.to_string())
    }
}

#[async_trait]
impl EmailSender for SmtpEmailSender {
    async fn send(&self, email: &OutgoingEmail) -> Result<SendOutcome, SendError> {
        let message = message(&self.from, email, Bodies::ForTransport)?;
        self.transport
            .send(message)
            .await
            .map(|_| SendOutcome::Sent)
            .map_err(|e| classify(&e))
    }
}

#[cfg(test)]
mod tests {
    //! Against a fake SMTP server on a local port that answers RCPT TO with a chosen reply
    //! and hands over what it received.

    use chrono::Utc;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;
    use tokio::sync::mpsc;
    use uuid::Uuid;

    use clientele_domain::email::{EmailContent, EmailKind};
    use clientele_domain::{BusinessId, EmailAddress, EmailId};

    use super::*;
    use crate::email::DEFAULT_EMAIL_FROM;

    /// Serves SMTP sessions on a local port until the test ends; every DATA received is
    /// sent on the returned channel. Returns the server's `smtp://` URL.
    async fn fake_server(rcpt_reply: &'static str) -> (String, mpsc::UnboundedReceiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let (received, messages) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let received = received.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    write.write_all(b"220 fake ESMTP\r\n").await.unwrap();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let command = line.to_ascii_uppercase();
                        let reply = if command.starts_with("EHLO") || command.starts_with("HELO") {
                            "250 fake"
                        } else if command.starts_with("RCPT") {
                            rcpt_reply
                        } else if command.starts_with("DATA") {
                            write.write_all(b"354 go ahead\r\n").await.unwrap();
                            let mut data = String::new();
                            while let Ok(Some(line)) = lines.next_line().await {
                                if line == "." {
                                    break;
                                }
                                data.push_str(&line);
                                data.push('\n');
                            }
                            let _ = received.send(data);
                            "250 queued"
                        } else if command.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        } else {
                            "250 ok"
                        };
                        if write
                            .write_all(format!("{reply}\r\n").as_bytes())
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
        (url, messages)
    }

    fn email() -> OutgoingEmail {
        OutgoingEmail {
            id: EmailId::from_uuid(Uuid::now_v7()),
            business_id: BusinessId::from_uuid(Uuid::now_v7()),
            site_id: None,
            kind: EmailKind::Cancellation,
            to: EmailAddress::parse("to", "ana@example.com").unwrap(),
            content: EmailContent {
                subject: "Cancelled".into(),
                text: "Your appointment is cancelled.\n".into(),
                html: "<p>Your appointment is cancelled.</p>\n".into(),
            },
            created_at: Utc::now(),
        }
    }

    fn sender(url: &str) -> SmtpEmailSender {
        SmtpEmailSender::new(url, EmailFrom::parse(DEFAULT_EMAIL_FROM).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn pl_18_an_accepted_email_is_sent_with_a_message_id_made_of_its_id() {
        let (url, mut messages) = fake_server("250 ok").await;
        let email = email();

        let outcome = sender(&url).send(&email).await;

        assert_eq!(outcome.unwrap(), SendOutcome::Sent);
        let data = messages.recv().await.unwrap();
        assert!(
            data.contains(&format!("Message-ID: <{}@clientele>", email.id)),
            "{data}"
        );
        assert!(data.contains("Subject: Cancelled"), "{data}");
        assert!(data.contains("multipart/alternative"), "{data}");
    }

    #[tokio::test]
    async fn pl_18_a_5xx_refusal_is_permanent() {
        let (url, _messages) = fake_server("550 no such user").await;

        let outcome = sender(&url).send(&email()).await;

        assert!(
            matches!(outcome, Err(SendError::Permanent(_))),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn pl_18_a_4xx_refusal_is_transient() {
        let (url, _messages) = fake_server("451 try again later").await;

        let outcome = sender(&url).send(&email()).await;

        assert!(
            matches!(outcome, Err(SendError::Transient(_))),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn pl_18_an_unreachable_server_is_transient() {
        // Bound then closed at once: nothing listens there any more.
        let port = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port();

        let outcome = sender(&format!("smtp://127.0.0.1:{port}"))
            .send(&email())
            .await;

        assert!(
            matches!(outcome, Err(SendError::Transient(_))),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn pl_21_a_bad_smtp_url_is_a_clear_error_that_does_not_repeat_the_password() {
        let outcome = SmtpEmailSender::new(
            "ftp://user:secret@example.com",
            EmailFrom::parse(DEFAULT_EMAIL_FROM).unwrap(),
        );

        let error = outcome.unwrap_err().to_string();
        assert!(error.contains("smtps://"), "{error}");
        assert!(!error.contains("secret"), "{error}");
    }
}
