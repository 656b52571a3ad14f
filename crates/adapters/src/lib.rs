//! Clientele's outbound adapters: storage on SQLite or PostgreSQL through sea-orm, email
//! senders (files or SMTP), a blob store on the file system (client documents), stub
//! payment processors, the system clock, UUIDv7 ids and the operating system's shutdown
//! signals. They implement the traits of `clientele-ports`.
//!
//! Nothing here is imported by `domain`, `ports` or `application`; only `main` (the apps)
//! and tests wire these types in. sea-orm types never leave this crate: entities are
//! `pub(crate)` and every public function speaks in domain and port types.

pub mod blobs;
mod clock;
pub mod email;
mod ids;
pub mod passwords;
pub mod payments;
pub mod signals;
mod storage;
pub mod webhooks;

#[cfg(feature = "testing")]
pub mod testing;

pub use blobs::{DEFAULT_BLOB_DIR, FsBlobStore};
pub use clock::{FixedClock, SystemClock};
pub use email::{EmailFrom, FileEmailSender, SmtpEmailSender};
pub use ids::UuidV7Ids;
pub use passwords::Argon2Hasher;
pub use payments::{
    ChargeJournal, JournalEntry, ManualProcessor, REFUSED_IBAN, StubCardProcessor,
    StubDirectDebitProcessor, StubProcessors, read_journal,
};
pub use storage::{DEFAULT_DATABASE_URL, DatabaseBackend, SeaStorage};
pub use webhooks::{HttpWebhookSender, install_tls_provider};
