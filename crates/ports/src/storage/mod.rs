//! Storage: one repository trait per aggregate, each in its own module, all reached
//! through a [`Transaction`] opened by [`Storage`]. A transaction that is dropped without
//! [`Transaction::commit`] is rolled back, so a use case that fails half-way leaves
//! nothing behind (PL-6).
//!
//! What every adapter MUST guarantee, for every repository (each trait states the rest):
//! - **Isolation by business (PL-26).** A method given a business id reads and changes
//!   only that business's rows, whatever other ids it is given; a method given a record
//!   uses the record's `business_id`. Another business's row is answered exactly as an
//!   absent one: `None`, `NotFound`, or left out of a list.
//! - **Absent rows.** A read of one record answers `Ok(None)` when there is none; a
//!   change or delete of one record answers `NotFound`, unless its doc says otherwise.
//! - **Expected failures change nothing.** A method answering `NotFound`,
//!   `VersionConflict`, `Duplicate` or `InUse` has written nothing and leaves the
//!   transaction usable: the caller may go on, or commit what it did before. After
//!   `Unexpected` the caller drops the transaction.
//! - **Pages.** A list with `after` and `limit` answers the records strictly after
//!   `after` in its stated order, at most `limit` of them.
//! - **Optimistic updates (PL-11).** An `update_*` given `expected` stores the record
//!   only if the stored version is `expected`: else `VersionConflict`, or `NotFound` if
//!   the record is absent. It stores the record as given, its new version included.
//!
//! Must not depend on any database library: adapters implement these traits.

mod account;
mod account_appointment;
mod appointment;
mod appointment_type;
mod audit;
mod business;
mod client;
mod client_deletion;
mod client_duplicate;
mod client_erasure;
mod client_import;
mod client_merge;
mod code;
mod custom_field;
mod document;
mod idempotency;
mod label;
mod marketing;
mod membership;
#[cfg(any(test, feature = "mocks"))]
mod mock;
mod note;
mod order;
mod outbox;
mod payment;
mod product;
mod site;
mod staff;
mod test_clock;
mod token;
mod webhook;
mod webhook_delivery;

use async_trait::async_trait;
use thiserror::Error;

pub use account::AccountRepository;
pub use account_appointment::AccountAppointmentRepository;
pub use appointment::AppointmentRepository;
pub use appointment_type::AppointmentTypeRepository;
pub use audit::AuditRepository;
pub use business::BusinessRepository;
pub use client::{
    ClientContact, ClientExportLine, ClientExportPage, ClientQuery, ClientRepository,
};
pub use client_deletion::ClientDeletionRepository;
pub use client_duplicate::ClientDuplicateRepository;
pub use client_erasure::ClientErasureRepository;
pub use client_import::ClientImportRepository;
pub use client_merge::ClientMergeRepository;
pub use code::{CodeRepository, LedgerLine};
pub use custom_field::CustomFieldRepository;
pub use document::DocumentRepository;
pub use idempotency::{IdempotencyRecord, IdempotencyRepository, StoredResponse};
pub use label::LabelRepository;
pub use marketing::MarketingRepository;
pub use membership::{
    Charge, ChargeId, ChargeOutcome, ChargeSettlement, ChargeStatus, ClaimScope, DateRange,
    MembershipLine, MembershipQuery, MembershipRepository, MembershipWrite, QuickView,
    QuickViewCounts, StatusFilter,
};
pub use note::NoteRepository;
pub use order::{OrderExportLine, OrderLine, OrderQuery, OrderRepository};
pub use outbox::{ClaimToken, EmailState, OutboxEmail, OutboxRepository};
pub use payment::PaymentRepository;
pub use product::ProductRepository;
pub use site::SiteRepository;
pub use staff::StaffRepository;
pub use test_clock::TestClockRepository;
pub use token::TokenRepository;
pub use webhook::WebhookRepository;
pub use webhook_delivery::{ClaimedDelivery, DeliveryNext, Subscriber, WebhookDeliveryRepository};

#[cfg(any(test, feature = "mocks"))]
pub use account::MockAccountRepository;
#[cfg(any(test, feature = "mocks"))]
pub use account_appointment::MockAccountAppointmentRepository;
#[cfg(any(test, feature = "mocks"))]
pub use appointment::MockAppointmentRepository;
#[cfg(any(test, feature = "mocks"))]
pub use appointment_type::MockAppointmentTypeRepository;
#[cfg(any(test, feature = "mocks"))]
pub use audit::MockAuditRepository;
#[cfg(any(test, feature = "mocks"))]
pub use business::MockBusinessRepository;
#[cfg(any(test, feature = "mocks"))]
pub use client::MockClientRepository;
#[cfg(any(test, feature = "mocks"))]
pub use client_deletion::MockClientDeletionRepository;
#[cfg(any(test, feature = "mocks"))]
pub use client_duplicate::MockClientDuplicateRepository;
#[cfg(any(test, feature = "mocks"))]
pub use client_erasure::MockClientErasureRepository;
#[cfg(any(test, feature = "mocks"))]
pub use client_import::MockClientImportRepository;
#[cfg(any(test, feature = "mocks"))]
pub use client_merge::MockClientMergeRepository;
#[cfg(any(test, feature = "mocks"))]
pub use code::MockCodeRepository;
#[cfg(any(test, feature = "mocks"))]
pub use custom_field::MockCustomFieldRepository;
#[cfg(any(test, feature = "mocks"))]
pub use document::MockDocumentRepository;
#[cfg(any(test, feature = "mocks"))]
pub use idempotency::MockIdempotencyRepository;
#[cfg(any(test, feature = "mocks"))]
pub use label::MockLabelRepository;
#[cfg(any(test, feature = "mocks"))]
pub use marketing::MockMarketingRepository;
#[cfg(any(test, feature = "mocks"))]
pub use membership::MockMembershipRepository;
#[cfg(any(test, feature = "mocks"))]
pub use mock::{MockCommit, MockTransaction};
#[cfg(any(test, feature = "mocks"))]
pub use note::MockNoteRepository;
#[cfg(any(test, feature = "mocks"))]
pub use order::MockOrderRepository;
#[cfg(any(test, feature = "mocks"))]
pub use outbox::MockOutboxRepository;
#[cfg(any(test, feature = "mocks"))]
pub use payment::MockPaymentRepository;
#[cfg(any(test, feature = "mocks"))]
pub use product::MockProductRepository;
#[cfg(any(test, feature = "mocks"))]
pub use site::MockSiteRepository;
#[cfg(any(test, feature = "mocks"))]
pub use staff::MockStaffRepository;
#[cfg(any(test, feature = "mocks"))]
pub use test_clock::MockTestClockRepository;
#[cfg(any(test, feature = "mocks"))]
pub use token::MockTokenRepository;
#[cfg(any(test, feature = "mocks"))]
pub use webhook::MockWebhookRepository;
#[cfg(any(test, feature = "mocks"))]
pub use webhook_delivery::MockWebhookDeliveryRepository;

/// What storage can report. Use cases turn these into their own errors.
#[derive(Debug, Error)]
pub enum StorageError {
    /// The record does not exist (in this business).
    #[error("not found")]
    NotFound,
    /// The stored version is not the one the change was based on (PL-11).
    #[error("the record was changed since version was read")]
    VersionConflict,
    /// A unique rule was hit; names what is duplicated (e.g. `"site_name"`).
    #[error("a record with the same {0} already exists")]
    Duplicate(&'static str),
    /// Other records still refer to this one; names them (e.g. `"clients"`).
    #[error("still referred to by {0}")]
    InUse(&'static str),
    /// The database failed or answered something unexpected.
    #[error("storage failure: {0}")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Opens transactions. Implementations MUST be safe to share between tasks and between
/// processes using the same database (PL-4).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Storage: Send + Sync {
    /// A transaction that may write. On SQLite it takes the write lock at once, so two
    /// writers queue instead of failing half-way; on PostgreSQL it reads committed rows
    /// and a write waits for a concurrent write to the same row.
    async fn begin(&self) -> Result<Box<dyn Transaction>, StorageError>;

    /// A transaction for reading only: it sees one consistent snapshot.
    async fn read(&self) -> Result<Box<dyn Transaction>, StorageError>;

    /// Succeeds when the database answers and its migrations are all applied.
    async fn ready(&self) -> Result<(), StorageError>;
}

/// One unit of work over every repository.
#[async_trait]
pub trait Transaction:
    BusinessRepository
    + SiteRepository
    + StaffRepository
    + TokenRepository
    + ClientRepository
    + AppointmentTypeRepository
    + AppointmentRepository
    + AuditRepository
    + OutboxRepository
    + PaymentRepository
    + IdempotencyRepository
    + LabelRepository
    + CustomFieldRepository
    + MarketingRepository
    + NoteRepository
    + DocumentRepository
    + ProductRepository
    + CodeRepository
    + OrderRepository
    + MembershipRepository
    + TestClockRepository
    + ClientImportRepository
    + ClientMergeRepository
    + ClientDuplicateRepository
    + ClientDeletionRepository
    + ClientErasureRepository
    + AccountRepository
    + AccountAppointmentRepository
    + WebhookRepository
    + WebhookDeliveryRepository
    + Send
{
    /// Makes every change of this transaction durable, or none of them.
    async fn commit(self: Box<Self>) -> Result<(), StorageError>;
}
