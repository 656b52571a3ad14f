//! [`FileEmailSender`]: each email becomes one RFC 5322 file, `<email id>.eml`, in a
//! folder, where a person can open it with any mail reader or a text editor. The default
//! sender, for development and rehearsals.
//!
//! Depends on the file system and lettre's message builder only; never on storage.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use uuid::Uuid;

use clientele_domain::EmailId;
use clientele_domain::email::OutgoingEmail;
use clientele_ports::{EmailSender, SendError, SendOutcome};

use super::{Bodies, EmailConfigError, EmailFrom, message};

/// Writes one `<email id>.eml` per email into a folder.
///
/// A file appears whole or not at all: the message is written and flushed to a hidden
/// temporary file (`.<id>.<random>.partial`) in the same folder, then hard-linked to its
/// final name, which fails if that name exists. So a process killed mid-write never leaves
/// a half email under the final name (at most a hidden `.partial` file), and of two sends
/// of the same id, by one process or two, exactly one creates the file and the other is
/// told [`SendOutcome::AlreadySent`].
#[derive(Debug, Clone)]
pub struct FileEmailSender {
    dir: PathBuf,
    from: EmailFrom,
}

impl FileEmailSender {
    /// A sender into `dir`, which is created (with its parents) if missing.
    pub fn new(dir: impl Into<PathBuf>, from: EmailFrom) -> Result<Self, EmailConfigError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|source| EmailConfigError::Directory {
            path: dir.display().to_string(),
            source,
        })?;
        Ok(Self { dir, from })
    }

    /// The folder the emails are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the email with this id is (or will be) written.
    pub fn path_of(&self, id: EmailId) -> PathBuf {
        self.dir.join(format!("{id}.eml"))
    }
}

#[async_trait]
impl EmailSender for FileEmailSender {
    async fn send(&self, email: &OutgoingEmail) -> Result<SendOutcome, SendError> {
        let bytes = message(&self.from, email, Bodies::ForReading)?.formatted();
        let dir = self.dir.clone();
        let target = self.path_of(email.id);
        let temporary = dir.join(format!(".{}.{}.partial", email.id, Uuid::new_v4().simple()));
        tokio::task::spawn_blocking(move || write_once(&dir, &temporary, &target, &bytes))
            .await
            .map_err(|e| SendError::Transient(format!("the file writer stopped: {e}")))?
    }
}

/// Writes `bytes` to `target` unless it exists, through `temporary`; see
/// [`FileEmailSender`].
fn write_once(
    dir: &Path,
    temporary: &Path,
    target: &Path,
    bytes: &[u8],
) -> Result<SendOutcome, SendError> {
    // The cheap answer for the common repeat (a worker restarted after a kill).
    if fs::symlink_metadata(target).is_ok() {
        return Ok(SendOutcome::AlreadySent);
    }
    let written = write_flushed(temporary, bytes);
    let linked = written.and_then(|()| fs::hard_link(temporary, target));
    // The temporary name is ours alone; whatever happened, it is not needed any more.
    let _ = fs::remove_file(temporary);
    match linked {
        Ok(()) => {
            // Make the new name itself durable, so a machine crash cannot lose a file the
            // outbox already records as sent. Failing here changes nothing about this send.
            if let Err(error) = File::open(dir).and_then(|d| d.sync_all()) {
                tracing::warn!(%error, dir = %dir.display(), "could not sync the email folder");
            }
            Ok(SendOutcome::Sent)
        }
        Err(error) if error.kind() == ErrorKind::AlreadyExists => Ok(SendOutcome::AlreadySent),
        Err(error) => Err(SendError::Transient(format!(
            "cannot write {}: {error}",
            target.display()
        ))),
    }
}

fn write_flushed(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};
    use clientele_domain::email::{EmailContent, EmailKind};
    use clientele_domain::{BusinessId, EmailAddress};

    use super::*;
    use crate::email::DEFAULT_EMAIL_FROM;

    /// A fresh folder under the system's temporary directory, removed when dropped.
    struct Folder(PathBuf);

    impl Folder {
        fn new() -> Self {
            Self(
                std::env::temp_dir()
                    .join("clientele-tests")
                    .join(format!("emails-{}", Uuid::new_v4().simple())),
            )
        }

        /// The names in the folder, hidden ones included.
        fn names(&self) -> Vec<String> {
            let mut names: Vec<String> = fs::read_dir(&self.0)
                .unwrap()
                .map(|entry| entry.unwrap().file_name().into_string().unwrap())
                .collect();
            names.sort();
            names
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn sender(folder: &Folder) -> FileEmailSender {
        FileEmailSender::new(&folder.0, EmailFrom::parse(DEFAULT_EMAIL_FROM).unwrap()).unwrap()
    }

    fn email() -> OutgoingEmail {
        OutgoingEmail {
            id: EmailId::from_uuid(Uuid::now_v7()),
            business_id: BusinessId::from_uuid(Uuid::now_v7()),
            site_id: None,
            kind: EmailKind::BookingConfirmation,
            to: EmailAddress::parse("to", "ana@example.com").unwrap(),
            content: EmailContent {
                subject: "Your appointment at Spa is confirmed".into(),
                text: "Hello Zoé,\n\nYour appointment at Spa Lumière is confirmed.\n".into(),
                html: "<p>Hello Zoé,</p>\n<p>Your appointment at Spa Lumière is <b>confirmed</b>.</p>\n"
                    .into(),
            },
            created_at: Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
        }
    }

    #[tokio::test]
    async fn pl_18_an_email_becomes_one_readable_eml_file_with_both_parts() {
        let folder = Folder::new();
        let sender = sender(&folder);
        let email = email();

        let outcome = sender.send(&email).await.unwrap();

        assert_eq!(outcome, SendOutcome::Sent);
        assert_eq!(folder.names(), vec![format!("{}.eml", email.id)]);
        let written = fs::read_to_string(sender.path_of(email.id)).unwrap();
        for expected in [
            "From: Clientele <no-reply@localhost>",
            "To: ana@example.com",
            "Subject: Your appointment at Spa is confirmed",
            "Date: Mon, 23 Nov 2026 09:00:00 +0000",
            &format!("Message-ID: <{}@clientele>", email.id),
            "Content-Type: multipart/alternative",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Type: text/html; charset=utf-8",
            // Accented text stays as it is, for a person to read.
            "Your appointment at Spa Lumière is confirmed.",
            "<p>Your appointment at Spa Lumière is <b>confirmed</b>.</p>",
        ] {
            assert!(written.contains(expected), "no `{expected}` in:\n{written}");
        }
    }

    #[tokio::test]
    async fn pl_16_a_second_send_of_the_same_email_is_already_sent_and_leaves_the_file_alone() {
        let folder = Folder::new();
        let sender = sender(&folder);
        let email = email();
        sender.send(&email).await.unwrap();
        let first = fs::read(sender.path_of(email.id)).unwrap();

        let outcome = sender.send(&email).await.unwrap();

        assert_eq!(outcome, SendOutcome::AlreadySent);
        assert_eq!(fs::read(sender.path_of(email.id)).unwrap(), first);
        assert_eq!(folder.names().len(), 1);
    }

    #[tokio::test]
    async fn pl_16_of_simultaneous_sends_of_one_email_exactly_one_writes_it() {
        let folder = Folder::new();
        // Separate senders, as in separate worker processes, on the same folder.
        let senders: Vec<_> = (0..8).map(|_| Arc::new(sender(&folder))).collect();
        let email = Arc::new(email());

        let sends = senders.iter().map(|sender| {
            let (sender, email) = (Arc::clone(sender), Arc::clone(&email));
            tokio::spawn(async move { sender.send(&email).await.unwrap() })
        });
        let mut outcomes = Vec::new();
        for send in sends.collect::<Vec<_>>() {
            outcomes.push(send.await.unwrap());
        }

        let sent = outcomes.iter().filter(|o| **o == SendOutcome::Sent).count();
        assert_eq!(sent, 1, "{outcomes:?}");
        assert_eq!(folder.names(), vec![format!("{}.eml", email.id)]);
    }

    #[tokio::test]
    async fn pl_18_different_emails_get_different_files() {
        let folder = Folder::new();
        let sender = sender(&folder);
        let emails: Vec<_> = (0..3).map(|_| email()).collect();

        for email in &emails {
            assert_eq!(sender.send(email).await.unwrap(), SendOutcome::Sent);
        }

        let expected: HashSet<String> = emails.iter().map(|e| format!("{}.eml", e.id)).collect();
        assert_eq!(folder.names().into_iter().collect::<HashSet<_>>(), expected);
    }

    #[test]
    fn pl_21_a_folder_that_cannot_be_created_is_a_clear_error() {
        let folder = Folder::new();
        fs::create_dir_all(&folder.0).unwrap();
        let file = folder.0.join("a-file");
        fs::write(&file, b"").unwrap();

        let outcome = FileEmailSender::new(
            file.join("emails"),
            EmailFrom::parse(DEFAULT_EMAIL_FROM).unwrap(),
        );

        assert!(matches!(outcome, Err(EmailConfigError::Directory { .. })));
    }
}
