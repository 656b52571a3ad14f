//! The traits Clientele's use cases need from the outside world: storage (one repository
//! per aggregate behind a transaction boundary), a clock, id / secret generation, and the
//! senders of emails, payments and webhooks.
//!
//! This crate holds contracts only. It must not depend on sea-orm, poem or any concrete
//! adapter; adapters implement these traits, `main` wires them.

pub mod blobs;
pub mod clock;
pub mod email;
pub mod ids;
pub mod passwords;
pub mod payments;
pub mod secrets;
pub mod storage;
pub mod webhooks;

pub use blobs::{BlobError, BlobStore};
pub use clock::Clock;
pub use email::{EmailSender, SendError, SendOutcome};
pub use ids::IdGenerator;
pub use passwords::{HashError, PasswordHasher};
pub use payments::{PaymentProcessor, Processors};
pub use secrets::ServerSecrets;
pub use storage::{Storage, StorageError, Transaction};
pub use webhooks::{WebhookFailure, WebhookRequest, WebhookResponse, WebhookSender};
