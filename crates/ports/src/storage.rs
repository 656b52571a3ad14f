//! Storage: one repository trait per aggregate, all reached through a [`Transaction`]
//! opened by [`Storage`]. A transaction that is dropped without [`Transaction::commit`]
//! is rolled back, so a use case that fails half-way leaves nothing behind (PL-6).
//!
//! Every method is scoped by a business id (PL-26): a repository never reads or changes
//! another business's rows, whatever ids it is given.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;

use clientele_domain::appointment::{Appointment, AppointmentType};
use clientele_domain::audit::{AttendanceChange, ClientAuditEntry};
use clientele_domain::custom_field::CustomField;
use clientele_domain::document::ClientDocument;
use clientele_domain::email::OutgoingEmail;
use clientele_domain::label::{Label, LabelFilter};
use clientele_domain::marketing::{ConsentChange, MarketingPreference};
use clientele_domain::note::ClientNote;
use clientele_domain::paging::Activity;
use clientele_domain::payment::{Invoice, Payment, PaymentMethod};
use clientele_domain::search::ClientSearch;
use clientele_domain::{
    ApiToken, AppointmentId, AppointmentTypeId, Business, BusinessId, Client, ClientId, ClientSort,
    ClientSortKey, CustomFieldId, DocumentId, EmailId, LabelId, MarketingPreferenceId, Money,
    PaymentId, PaymentMethodId, Site, SiteId, SiteScope, StaffId, StaffMember, TokenId, Version,
};

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
    /// writers queue instead of failing half-way.
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
    + Send
{
    /// Makes every change of this transaction durable, or none of them.
    async fn commit(self: Box<Self>) -> Result<(), StorageError>;
}

#[async_trait]
pub trait BusinessRepository: Send {
    /// MUST return `Duplicate("business")` if the id is taken.
    async fn insert_business(&mut self, business: &Business) -> Result<(), StorageError>;

    async fn business(&mut self, id: BusinessId) -> Result<Option<Business>, StorageError>;

    /// Stores `business` if the stored version is `expected`. MUST return
    /// `VersionConflict` if it is not and `NotFound` if there is no such business.
    async fn update_business(
        &mut self,
        business: &Business,
        expected: Version,
    ) -> Result<(), StorageError>;

    /// Businesses ordered by id, strictly after `after`, at most `limit`.
    async fn businesses(
        &mut self,
        after: Option<BusinessId>,
        limit: u32,
    ) -> Result<Vec<Business>, StorageError>;

    /// Records that the platform's first start created `business`. MUST return
    /// `Duplicate("bootstrap")` when a first start was already recorded, so that of
    /// several processes starting at once on an empty database exactly one bootstraps.
    async fn record_bootstrap(
        &mut self,
        business: BusinessId,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError>;

    /// The business the first start created, if one was recorded.
    async fn bootstrap_business(&mut self) -> Result<Option<BusinessId>, StorageError>;
}

#[async_trait]
pub trait SiteRepository: Send {
    /// MUST return `Duplicate("site_name")` if the business has a site of that name
    /// (compared by its key).
    async fn insert_site(&mut self, site: &Site) -> Result<(), StorageError>;

    async fn site(
        &mut self,
        business: BusinessId,
        id: SiteId,
    ) -> Result<Option<Site>, StorageError>;

    /// Sites in `scope`, ordered by id, strictly after `after`, at most `limit`.
    async fn sites(
        &mut self,
        business: BusinessId,
        scope: &SiteScope,
        after: Option<SiteId>,
        limit: u32,
    ) -> Result<Vec<Site>, StorageError>;

    /// Which of `ids` are not sites of the business.
    async fn missing_sites(
        &mut self,
        business: BusinessId,
        ids: &[SiteId],
    ) -> Result<Vec<SiteId>, StorageError>;

    /// The business's oldest site, its default.
    async fn first_site(&mut self, business: BusinessId) -> Result<Option<SiteId>, StorageError>;

    /// Same contract as [`BusinessRepository::update_business`], plus `Duplicate("site_name")`.
    async fn update_site(&mut self, site: &Site, expected: Version) -> Result<(), StorageError>;

    /// MUST return `NotFound` if absent and `InUse("clients")`, `InUse("staff")` or
    /// `InUse("appointments")` while any belong to the site.
    async fn delete_site(&mut self, business: BusinessId, id: SiteId) -> Result<(), StorageError>;
}

#[async_trait]
pub trait StaffRepository: Send {
    /// MUST return `Duplicate("staff_email")` if the business has a member with that
    /// email (case-insensitive).
    async fn insert_staff(&mut self, member: &StaffMember) -> Result<(), StorageError>;

    async fn staff_member(
        &mut self,
        business: BusinessId,
        id: StaffId,
    ) -> Result<Option<StaffMember>, StorageError>;

    /// Members ordered by id, strictly after `after`, at most `limit`.
    async fn staff(
        &mut self,
        business: BusinessId,
        after: Option<StaffId>,
        limit: u32,
    ) -> Result<Vec<StaffMember>, StorageError>;

    /// Same contract as [`BusinessRepository::update_business`], plus
    /// `Duplicate("staff_email")`.
    async fn update_staff(
        &mut self,
        member: &StaffMember,
        expected: Version,
    ) -> Result<(), StorageError>;

    /// Removes the member and their tokens. MUST return `NotFound` if absent.
    async fn delete_staff(&mut self, business: BusinessId, id: StaffId)
    -> Result<(), StorageError>;

    /// How many owners the business has.
    async fn count_owners(&mut self, business: BusinessId) -> Result<u64, StorageError>;
}

#[async_trait]
pub trait TokenRepository: Send {
    /// Stores a token with the hash of its secret. MUST return `Duplicate("token")` if
    /// the business already has a token with that hash.
    async fn insert_token(
        &mut self,
        token: &ApiToken,
        secret_hash: &str,
    ) -> Result<(), StorageError>;

    /// The business's token whose secret hashes to `secret_hash`.
    async fn token_by_hash(
        &mut self,
        business: BusinessId,
        secret_hash: &str,
    ) -> Result<Option<ApiToken>, StorageError>;

    /// Tokens ordered by id, strictly after `after`, at most `limit`; only `staff`'s
    /// when given.
    async fn tokens(
        &mut self,
        business: BusinessId,
        staff: Option<StaffId>,
        after: Option<TokenId>,
        limit: u32,
    ) -> Result<Vec<ApiToken>, StorageError>;

    async fn token(
        &mut self,
        business: BusinessId,
        id: TokenId,
    ) -> Result<Option<ApiToken>, StorageError>;

    /// MUST return `NotFound` if absent.
    async fn delete_token(&mut self, business: BusinessId, id: TokenId)
    -> Result<(), StorageError>;
}

/// One page of the client list: who may be seen, in which order, from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientQuery {
    /// Only clients with at least one site in this scope (PL-14).
    pub scope: SiteScope,
    /// Only clients of this site.
    pub site: Option<SiteId>,
    /// CL-10: only clients with any or all of these labels.
    pub labels: Option<LabelFilter>,
    /// CL-10: only banned (`true`) or not banned (`false`) clients.
    pub banned: Option<bool>,
    /// CL-10: only clients with (`true`) or without (`false`) a client account.
    pub has_account: Option<bool>,
    /// CL-9: only recent or inactive clients.
    pub activity: Option<Activity>,
    /// CL-10: only clients opted in to this marketing preference.
    pub opted_in: Option<MarketingPreferenceId>,
    /// CL-5 to CL-8: only clients this search finds, its exact matches
    /// ([`ClientSearch::is_exact`]) first, each group in `sort`.
    pub search: Option<ClientSearch>,
    /// With `search`: `after` is a position among the other matches, past every exact
    /// one; without it `after` (if any) is a position among the exact matches.
    pub past_exact_matches: bool,
    /// CL-10, CL-24: only clients whose value of each of these custom fields has this key
    /// (`CustomValue::key`); every pair must hold.
    pub custom_fields: Vec<(CustomFieldId, String)>,
    pub sort: ClientSort,
    /// Strictly after this position in `sort`.
    pub after: Option<ClientSortKey>,
    pub limit: u32,
}

#[async_trait]
pub trait ClientRepository: Send {
    /// MUST return `Duplicate("client")` if the id is taken.
    async fn insert_client(&mut self, client: &Client) -> Result<(), StorageError>;

    async fn client(
        &mut self,
        business: BusinessId,
        id: ClientId,
    ) -> Result<Option<Client>, StorageError>;

    /// Same contract as [`BusinessRepository::update_business`].
    async fn update_client(
        &mut self,
        client: &Client,
        expected: Version,
    ) -> Result<(), StorageError>;

    /// The page described by `query`, in its order.
    async fn clients(
        &mut self,
        business: BusinessId,
        query: &ClientQuery,
    ) -> Result<Vec<Client>, StorageError>;

    /// Clients whose email key (`EmailAddress::key`) is `email_key`, oldest first, at
    /// most `limit`.
    async fn clients_by_email(
        &mut self,
        business: BusinessId,
        email_key: &str,
        limit: u32,
    ) -> Result<Vec<Client>, StorageError>;

    /// CL-20: whether a banned client has this email key.
    async fn email_banned(
        &mut self,
        business: BusinessId,
        email_key: &str,
    ) -> Result<bool, StorageError>;
}

#[async_trait]
pub trait AppointmentTypeRepository: Send {
    /// MUST return `Duplicate("appointment_type")` if the id is taken.
    async fn insert_appointment_type(&mut self, kind: &AppointmentType)
    -> Result<(), StorageError>;

    async fn appointment_type(
        &mut self,
        business: BusinessId,
        id: AppointmentTypeId,
    ) -> Result<Option<AppointmentType>, StorageError>;

    /// Types ordered by id, strictly after `after`, at most `limit`.
    async fn appointment_types(
        &mut self,
        business: BusinessId,
        after: Option<AppointmentTypeId>,
        limit: u32,
    ) -> Result<Vec<AppointmentType>, StorageError>;

    /// Same contract as [`BusinessRepository::update_business`].
    async fn update_appointment_type(
        &mut self,
        kind: &AppointmentType,
        expected: Version,
    ) -> Result<(), StorageError>;
}

#[async_trait]
pub trait AppointmentRepository: Send {
    /// MUST return `Duplicate("appointment")` if the id is taken.
    async fn insert_appointment(&mut self, appointment: &Appointment) -> Result<(), StorageError>;

    async fn appointment(
        &mut self,
        business: BusinessId,
        id: AppointmentId,
    ) -> Result<Option<Appointment>, StorageError>;

    /// The appointment, with its row locked until the transaction ends (`FOR UPDATE` on
    /// PostgreSQL; SQLite's write transactions are already exclusive). For changes of
    /// money, where two requests must not both read the same amounts.
    async fn appointment_for_update(
        &mut self,
        business: BusinessId,
        id: AppointmentId,
    ) -> Result<Option<Appointment>, StorageError>;

    /// Same contract as [`BusinessRepository::update_business`].
    async fn update_appointment(
        &mut self,
        appointment: &Appointment,
        expected: Version,
    ) -> Result<(), StorageError>;

    /// A client's appointments, latest start first, strictly after `after` in that order,
    /// at most `limit`.
    async fn appointments_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
        after: Option<(DateTime<Utc>, AppointmentId)>,
        limit: u32,
    ) -> Result<Vec<Appointment>, StorageError>;
}

#[async_trait]
pub trait AuditRepository: Send {
    async fn record_client_audit(&mut self, entry: &ClientAuditEntry) -> Result<(), StorageError>;

    /// A client's audit trail, newest first, at most `limit`.
    async fn client_audit(
        &mut self,
        business: BusinessId,
        client: ClientId,
        limit: u32,
    ) -> Result<Vec<ClientAuditEntry>, StorageError>;

    async fn record_attendance_change(
        &mut self,
        change: &AttendanceChange,
    ) -> Result<(), StorageError>;

    /// An appointment's attendance changes, oldest first.
    async fn attendance_changes(
        &mut self,
        business: BusinessId,
        appointment: AppointmentId,
    ) -> Result<Vec<AttendanceChange>, StorageError>;
}

/// The state of an email in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailState {
    /// Waiting to be sent (again) from `next_attempt_at`.
    Pending {
        attempts: u32,
        next_attempt_at: DateTime<Utc>,
    },
    Sent {
        at: DateTime<Utc>,
    },
    /// Given up after too many attempts.
    Failed {
        attempts: u32,
        last_error: String,
    },
}

/// An email of the outbox with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEmail {
    pub email: OutgoingEmail,
    pub state: EmailState,
}

#[async_trait]
pub trait OutboxRepository: Send {
    /// Queues `email`, pending from its creation. MUST be called in the transaction of the
    /// change that causes the email (PL-18).
    async fn enqueue_email(&mut self, email: &OutgoingEmail) -> Result<(), StorageError>;

    /// The business's emails, newest first, strictly after `after`, at most `limit`.
    async fn emails(
        &mut self,
        business: BusinessId,
        after: Option<EmailId>,
        limit: u32,
    ) -> Result<Vec<OutboxEmail>, StorageError>;

    /// Claims up to `limit` of the business's pending emails that are due at `now` and not
    /// claimed by someone else (or whose claim ran out), oldest due first: each is
    /// leased until `lease_until` and its attempts go up by one. Two transactions claiming
    /// at once MUST get disjoint emails (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's
    /// single writer). Returns them in their claimed state.
    async fn claim_due_emails(
        &mut self,
        business: BusinessId,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OutboxEmail>, StorageError>;

    /// Records that the email was sent. MUST return `NotFound` if absent.
    async fn mark_email_sent(
        &mut self,
        business: BusinessId,
        id: EmailId,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError>;

    /// Records a failed attempt: pending again from `next_attempt_at`, claim released.
    /// No effect on an email that is no longer pending (sent meanwhile by another worker
    /// after this one's lease ran out).
    async fn mark_email_retry(
        &mut self,
        business: BusinessId,
        id: EmailId,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StorageError>;

    /// Records that the email will not be sent: too many failed attempts. No effect on an
    /// email that is no longer pending.
    async fn mark_email_failed(
        &mut self,
        business: BusinessId,
        id: EmailId,
        error: &str,
    ) -> Result<(), StorageError>;
}

#[async_trait]
pub trait PaymentRepository: Send {
    /// MUST return `Duplicate("payment_method")` if the id is taken.
    async fn insert_payment_method(&mut self, method: &PaymentMethod) -> Result<(), StorageError>;

    async fn payment_method(
        &mut self,
        business: BusinessId,
        id: PaymentMethodId,
    ) -> Result<Option<PaymentMethod>, StorageError>;

    /// A client's stored cards, oldest first.
    async fn payment_methods_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
    ) -> Result<Vec<PaymentMethod>, StorageError>;

    /// MUST return `Duplicate("payment")` if the business already has a payment with this
    /// id, or with this processor, direction and reference (one processor charge or
    /// refund is recorded once, whatever retries happen).
    async fn insert_payment(&mut self, payment: &Payment) -> Result<(), StorageError>;

    /// An appointment's payments and refunds, newest first.
    async fn payments_of_appointment(
        &mut self,
        business: BusinessId,
        appointment: AppointmentId,
    ) -> Result<Vec<Payment>, StorageError>;

    /// Sets how much of a charge was refunded. MUST return `NotFound` if absent.
    async fn set_payment_refunded(
        &mut self,
        business: BusinessId,
        id: PaymentId,
        refunded: Money,
    ) -> Result<(), StorageError>;

    /// MUST return `Duplicate("invoice")` if the id or the business's number is taken.
    async fn insert_invoice(&mut self, invoice: &Invoice) -> Result<(), StorageError>;

    /// An appointment's invoices, oldest first.
    async fn invoices_of_appointment(
        &mut self,
        business: BusinessId,
        appointment: AppointmentId,
    ) -> Result<Vec<Invoice>, StorageError>;
}

/// CL-11: the business's labels. A client's labels are stored with the client
/// (`ClientRepository` reads and writes `Client::labels`).
#[async_trait]
pub trait LabelRepository: Send {
    /// MUST return `Duplicate("label_name")` if the business has a label of that name
    /// (compared by its key).
    async fn insert_label(&mut self, label: &Label) -> Result<(), StorageError>;

    async fn label(
        &mut self,
        business: BusinessId,
        id: LabelId,
    ) -> Result<Option<Label>, StorageError>;

    /// Labels ordered by id, strictly after `after`, at most `limit`.
    async fn labels(
        &mut self,
        business: BusinessId,
        after: Option<LabelId>,
        limit: u32,
    ) -> Result<Vec<Label>, StorageError>;

    /// Same contract as [`BusinessRepository::update_business`], plus
    /// `Duplicate("label_name")`.
    async fn update_label(&mut self, label: &Label, expected: Version) -> Result<(), StorageError>;

    /// Removes the label and takes it off every client. MUST return `NotFound` if absent.
    async fn delete_label(&mut self, business: BusinessId, id: LabelId)
    -> Result<(), StorageError>;

    /// Which of `ids` are not labels of the business.
    async fn missing_labels(
        &mut self,
        business: BusinessId,
        ids: &[LabelId],
    ) -> Result<Vec<LabelId>, StorageError>;
}

/// CL-24: the business's custom fields. A client's values are stored with the client
/// (`ClientRepository` reads and writes `Client::custom_fields`).
#[async_trait]
pub trait CustomFieldRepository: Send {
    /// MUST return `Duplicate("custom_field_name")` if the business has a field of that
    /// name (compared by its key), and `Duplicate("custom_field")` if the id is taken.
    async fn insert_custom_field(&mut self, field: &CustomField) -> Result<(), StorageError>;

    async fn custom_field(
        &mut self,
        business: BusinessId,
        id: CustomFieldId,
    ) -> Result<Option<CustomField>, StorageError>;

    /// Fields ordered by id, strictly after `after`, at most `limit`.
    async fn custom_fields(
        &mut self,
        business: BusinessId,
        after: Option<CustomFieldId>,
        limit: u32,
    ) -> Result<Vec<CustomField>, StorageError>;

    /// The business's fields among `ids`, ordered by id (ids of no field are left out).
    async fn custom_fields_with_ids(
        &mut self,
        business: BusinessId,
        ids: &[CustomFieldId],
    ) -> Result<Vec<CustomField>, StorageError>;

    /// Same contract as [`BusinessRepository::update_business`], plus
    /// `Duplicate("custom_field_name")`. Clients' values are not touched: the caller
    /// checks they still fit the field.
    async fn update_custom_field(
        &mut self,
        field: &CustomField,
        expected: Version,
    ) -> Result<(), StorageError>;

    /// Which of `keys` (`CustomValue::key`) some client of the business has as its value
    /// of `field`, sorted, without repeats (none for no keys).
    async fn custom_value_keys_in_use(
        &mut self,
        business: BusinessId,
        field: CustomFieldId,
        keys: &[String],
    ) -> Result<Vec<String>, StorageError>;

    /// Whether any client of the business has a value for `field`.
    async fn custom_field_in_use(
        &mut self,
        business: BusinessId,
        field: CustomFieldId,
    ) -> Result<bool, StorageError>;
}

/// CL-13: marketing preferences, clients' current consents, and the ledger of every
/// change (never updated, never deleted).
#[async_trait]
pub trait MarketingRepository: Send {
    /// MUST return `Duplicate("preference_name")` if the business has a preference of that
    /// name (compared by its key).
    async fn insert_preference(
        &mut self,
        preference: &MarketingPreference,
    ) -> Result<(), StorageError>;

    async fn preference(
        &mut self,
        business: BusinessId,
        id: MarketingPreferenceId,
    ) -> Result<Option<MarketingPreference>, StorageError>;

    /// Preferences ordered by id, strictly after `after`, at most `limit`.
    async fn preferences(
        &mut self,
        business: BusinessId,
        after: Option<MarketingPreferenceId>,
        limit: u32,
    ) -> Result<Vec<MarketingPreference>, StorageError>;

    /// Appends `change` to the ledger and makes it the client's current consent for its
    /// preference.
    async fn record_consent(&mut self, change: &ConsentChange) -> Result<(), StorageError>;

    /// A client's current consent per preference (the preferences never answered are
    /// absent), ordered by preference id.
    async fn consents_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
    ) -> Result<Vec<(MarketingPreferenceId, bool)>, StorageError>;

    /// A client's ledger, newest first, at most `limit`.
    async fn consent_history(
        &mut self,
        business: BusinessId,
        client: ClientId,
        limit: u32,
    ) -> Result<Vec<ConsentChange>, StorageError>;

    /// The clients opted in to `preference` that have an email: (client id, email as
    /// typed), ordered by client id, strictly after `after`, at most `limit`.
    async fn opted_in_emails(
        &mut self,
        business: BusinessId,
        preference: MarketingPreferenceId,
        after: Option<ClientId>,
        limit: u32,
    ) -> Result<Vec<(ClientId, String)>, StorageError>;
}

/// The response given to the first request with an idempotency key (PL-10), replayed to
/// every repeat. Opaque to storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// An idempotency key of a business and what it was first used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub business_id: BusinessId,
    pub key: String,
    /// What the key was used for (e.g. `refund:<appointment id>`).
    pub operation: String,
    /// A hash of the first request's body: a repeat with another body is refused.
    pub fingerprint: String,
    /// `None` while the first request is in progress.
    pub response: Option<StoredResponse>,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait IdempotencyRepository: Send {
    async fn idempotency_record(
        &mut self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StorageError>;

    /// MUST return `Duplicate("idempotency_key")` if the business already has the key, so
    /// that of two concurrent first requests exactly one proceeds.
    async fn insert_idempotency_record(
        &mut self,
        record: &IdempotencyRecord,
    ) -> Result<(), StorageError>;

    /// Stores the response of a key's first request. MUST return `NotFound` if absent.
    async fn complete_idempotency_record(
        &mut self,
        business: BusinessId,
        key: &str,
        response: &StoredResponse,
    ) -> Result<(), StorageError>;

    /// Forgets a key (its first request failed on our side and may be retried).
    async fn delete_idempotency_record(
        &mut self,
        business: BusinessId,
        key: &str,
    ) -> Result<(), StorageError>;
}

#[async_trait]
pub trait NoteRepository: Send {
    /// MUST return `Duplicate("note")` if the id is taken and `NotFound` if the business
    /// has no such client.
    async fn insert_note(&mut self, note: &ClientNote) -> Result<(), StorageError>;

    /// A client's notes, newest first (ties by id, descending), at most `limit`.
    async fn notes_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
        limit: u32,
    ) -> Result<Vec<ClientNote>, StorageError>;
}

#[async_trait]
pub trait DocumentRepository: Send {
    /// MUST return `Duplicate("document")` if the id is taken and `NotFound` if the
    /// business has no such client.
    async fn insert_document(&mut self, document: &ClientDocument) -> Result<(), StorageError>;

    async fn document(
        &mut self,
        business: BusinessId,
        id: DocumentId,
    ) -> Result<Option<ClientDocument>, StorageError>;

    /// A client's documents, newest first (ties by id, descending), at most `limit`.
    async fn documents_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
        limit: u32,
    ) -> Result<Vec<ClientDocument>, StorageError>;
}

#[cfg(any(test, feature = "mocks"))]
mockall::mock! {
    /// A transaction whose every repository method is mocked, for use-case unit tests:
    /// hand it out from a `MockStorage` with `return_once`.
    pub Transaction {}

    #[async_trait]
    impl BusinessRepository for Transaction {
        async fn insert_business(&mut self, business: &Business) -> Result<(), StorageError>;
        async fn business(&mut self, id: BusinessId) -> Result<Option<Business>, StorageError>;
        async fn update_business(&mut self, business: &Business, expected: Version) -> Result<(), StorageError>;
        async fn businesses(&mut self, after: Option<BusinessId>, limit: u32) -> Result<Vec<Business>, StorageError>;
        async fn record_bootstrap(&mut self, business: BusinessId, at: DateTime<Utc>) -> Result<(), StorageError>;
        async fn bootstrap_business(&mut self) -> Result<Option<BusinessId>, StorageError>;
    }

    #[async_trait]
    impl SiteRepository for Transaction {
        async fn insert_site(&mut self, site: &Site) -> Result<(), StorageError>;
        async fn site(&mut self, business: BusinessId, id: SiteId) -> Result<Option<Site>, StorageError>;
        async fn sites(&mut self, business: BusinessId, scope: &SiteScope, after: Option<SiteId>, limit: u32) -> Result<Vec<Site>, StorageError>;
        async fn missing_sites(&mut self, business: BusinessId, ids: &[SiteId]) -> Result<Vec<SiteId>, StorageError>;
        async fn first_site(&mut self, business: BusinessId) -> Result<Option<SiteId>, StorageError>;
        async fn update_site(&mut self, site: &Site, expected: Version) -> Result<(), StorageError>;
        async fn delete_site(&mut self, business: BusinessId, id: SiteId) -> Result<(), StorageError>;
    }

    #[async_trait]
    impl StaffRepository for Transaction {
        async fn insert_staff(&mut self, member: &StaffMember) -> Result<(), StorageError>;
        async fn staff_member(&mut self, business: BusinessId, id: StaffId) -> Result<Option<StaffMember>, StorageError>;
        async fn staff(&mut self, business: BusinessId, after: Option<StaffId>, limit: u32) -> Result<Vec<StaffMember>, StorageError>;
        async fn update_staff(&mut self, member: &StaffMember, expected: Version) -> Result<(), StorageError>;
        async fn delete_staff(&mut self, business: BusinessId, id: StaffId) -> Result<(), StorageError>;
        async fn count_owners(&mut self, business: BusinessId) -> Result<u64, StorageError>;
    }

    #[async_trait]
    impl TokenRepository for Transaction {
        async fn insert_token(&mut self, token: &ApiToken, secret_hash: &str) -> Result<(), StorageError>;
        async fn token_by_hash(&mut self, business: BusinessId, secret_hash: &str) -> Result<Option<ApiToken>, StorageError>;
        async fn tokens(&mut self, business: BusinessId, staff: Option<StaffId>, after: Option<TokenId>, limit: u32) -> Result<Vec<ApiToken>, StorageError>;
        async fn token(&mut self, business: BusinessId, id: TokenId) -> Result<Option<ApiToken>, StorageError>;
        async fn delete_token(&mut self, business: BusinessId, id: TokenId) -> Result<(), StorageError>;
    }

    #[async_trait]
    impl ClientRepository for Transaction {
        async fn insert_client(&mut self, client: &Client) -> Result<(), StorageError>;
        async fn client(&mut self, business: BusinessId, id: ClientId) -> Result<Option<Client>, StorageError>;
        async fn update_client(&mut self, client: &Client, expected: Version) -> Result<(), StorageError>;
        async fn clients(&mut self, business: BusinessId, query: &ClientQuery) -> Result<Vec<Client>, StorageError>;
        async fn clients_by_email(&mut self, business: BusinessId, email_key: &str, limit: u32) -> Result<Vec<Client>, StorageError>;
        async fn email_banned(&mut self, business: BusinessId, email_key: &str) -> Result<bool, StorageError>;
    }

    #[async_trait]
    impl AppointmentTypeRepository for Transaction {
        async fn insert_appointment_type(&mut self, kind: &AppointmentType) -> Result<(), StorageError>;
        async fn appointment_type(&mut self, business: BusinessId, id: AppointmentTypeId) -> Result<Option<AppointmentType>, StorageError>;
        async fn appointment_types(&mut self, business: BusinessId, after: Option<AppointmentTypeId>, limit: u32) -> Result<Vec<AppointmentType>, StorageError>;
        async fn update_appointment_type(&mut self, kind: &AppointmentType, expected: Version) -> Result<(), StorageError>;
    }

    #[async_trait]
    impl AppointmentRepository for Transaction {
        async fn insert_appointment(&mut self, appointment: &Appointment) -> Result<(), StorageError>;
        async fn appointment(&mut self, business: BusinessId, id: AppointmentId) -> Result<Option<Appointment>, StorageError>;
        async fn appointment_for_update(&mut self, business: BusinessId, id: AppointmentId) -> Result<Option<Appointment>, StorageError>;
        async fn update_appointment(&mut self, appointment: &Appointment, expected: Version) -> Result<(), StorageError>;
        async fn appointments_of_client(&mut self, business: BusinessId, client: ClientId, after: Option<(DateTime<Utc>, AppointmentId)>, limit: u32) -> Result<Vec<Appointment>, StorageError>;
    }

    #[async_trait]
    impl AuditRepository for Transaction {
        async fn record_client_audit(&mut self, entry: &ClientAuditEntry) -> Result<(), StorageError>;
        async fn client_audit(&mut self, business: BusinessId, client: ClientId, limit: u32) -> Result<Vec<ClientAuditEntry>, StorageError>;
        async fn record_attendance_change(&mut self, change: &AttendanceChange) -> Result<(), StorageError>;
        async fn attendance_changes(&mut self, business: BusinessId, appointment: AppointmentId) -> Result<Vec<AttendanceChange>, StorageError>;
    }

    #[async_trait]
    impl OutboxRepository for Transaction {
        async fn enqueue_email(&mut self, email: &OutgoingEmail) -> Result<(), StorageError>;
        async fn emails(&mut self, business: BusinessId, after: Option<EmailId>, limit: u32) -> Result<Vec<OutboxEmail>, StorageError>;
        async fn claim_due_emails(&mut self, business: BusinessId, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> Result<Vec<OutboxEmail>, StorageError>;
        async fn mark_email_sent(&mut self, business: BusinessId, id: EmailId, at: DateTime<Utc>) -> Result<(), StorageError>;
        async fn mark_email_retry(&mut self, business: BusinessId, id: EmailId, next_attempt_at: DateTime<Utc>, error: &str) -> Result<(), StorageError>;
        async fn mark_email_failed(&mut self, business: BusinessId, id: EmailId, error: &str) -> Result<(), StorageError>;
    }

    #[async_trait]
    impl PaymentRepository for Transaction {
        async fn insert_payment_method(&mut self, method: &PaymentMethod) -> Result<(), StorageError>;
        async fn payment_method(&mut self, business: BusinessId, id: PaymentMethodId) -> Result<Option<PaymentMethod>, StorageError>;
        async fn payment_methods_of_client(&mut self, business: BusinessId, client: ClientId) -> Result<Vec<PaymentMethod>, StorageError>;
        async fn insert_payment(&mut self, payment: &Payment) -> Result<(), StorageError>;
        async fn payments_of_appointment(&mut self, business: BusinessId, appointment: AppointmentId) -> Result<Vec<Payment>, StorageError>;
        async fn set_payment_refunded(&mut self, business: BusinessId, id: PaymentId, refunded: Money) -> Result<(), StorageError>;
        async fn insert_invoice(&mut self, invoice: &Invoice) -> Result<(), StorageError>;
        async fn invoices_of_appointment(&mut self, business: BusinessId, appointment: AppointmentId) -> Result<Vec<Invoice>, StorageError>;
    }

    #[async_trait]
    impl IdempotencyRepository for Transaction {
        async fn idempotency_record(&mut self, business: BusinessId, key: &str) -> Result<Option<IdempotencyRecord>, StorageError>;
        async fn insert_idempotency_record(&mut self, record: &IdempotencyRecord) -> Result<(), StorageError>;
        async fn complete_idempotency_record(&mut self, business: BusinessId, key: &str, response: &StoredResponse) -> Result<(), StorageError>;
        async fn delete_idempotency_record(&mut self, business: BusinessId, key: &str) -> Result<(), StorageError>;
    }

    #[async_trait]
    impl NoteRepository for Transaction {
        async fn insert_note(&mut self, note: &ClientNote) -> Result<(), StorageError>;
        async fn notes_of_client(&mut self, business: BusinessId, client: ClientId, limit: u32) -> Result<Vec<ClientNote>, StorageError>;
    }

    #[async_trait]
    impl DocumentRepository for Transaction {
        async fn insert_document(&mut self, document: &ClientDocument) -> Result<(), StorageError>;
        async fn document(&mut self, business: BusinessId, id: DocumentId) -> Result<Option<ClientDocument>, StorageError>;
        async fn documents_of_client(&mut self, business: BusinessId, client: ClientId, limit: u32) -> Result<Vec<ClientDocument>, StorageError>;
    }

    #[async_trait]
    impl LabelRepository for Transaction {
        async fn insert_label(&mut self, label: &Label) -> Result<(), StorageError>;
        async fn label(&mut self, business: BusinessId, id: LabelId) -> Result<Option<Label>, StorageError>;
        async fn labels(&mut self, business: BusinessId, after: Option<LabelId>, limit: u32) -> Result<Vec<Label>, StorageError>;
        async fn update_label(&mut self, label: &Label, expected: Version) -> Result<(), StorageError>;
        async fn delete_label(&mut self, business: BusinessId, id: LabelId) -> Result<(), StorageError>;
        async fn missing_labels(&mut self, business: BusinessId, ids: &[LabelId]) -> Result<Vec<LabelId>, StorageError>;
    }

    #[async_trait]
    impl CustomFieldRepository for Transaction {
        async fn insert_custom_field(&mut self, field: &CustomField) -> Result<(), StorageError>;
        async fn custom_field(&mut self, business: BusinessId, id: CustomFieldId) -> Result<Option<CustomField>, StorageError>;
        async fn custom_fields(&mut self, business: BusinessId, after: Option<CustomFieldId>, limit: u32) -> Result<Vec<CustomField>, StorageError>;
        async fn custom_fields_with_ids(&mut self, business: BusinessId, ids: &[CustomFieldId]) -> Result<Vec<CustomField>, StorageError>;
        async fn update_custom_field(&mut self, field: &CustomField, expected: Version) -> Result<(), StorageError>;
        async fn custom_value_keys_in_use(&mut self, business: BusinessId, field: CustomFieldId, keys: &[String]) -> Result<Vec<String>, StorageError>;
        async fn custom_field_in_use(&mut self, business: BusinessId, field: CustomFieldId) -> Result<bool, StorageError>;
    }

    #[async_trait]
    impl MarketingRepository for Transaction {
        async fn insert_preference(&mut self, preference: &MarketingPreference) -> Result<(), StorageError>;
        async fn preference(&mut self, business: BusinessId, id: MarketingPreferenceId) -> Result<Option<MarketingPreference>, StorageError>;
        async fn preferences(&mut self, business: BusinessId, after: Option<MarketingPreferenceId>, limit: u32) -> Result<Vec<MarketingPreference>, StorageError>;
        async fn record_consent(&mut self, change: &ConsentChange) -> Result<(), StorageError>;
        async fn consents_of_client(&mut self, business: BusinessId, client: ClientId) -> Result<Vec<(MarketingPreferenceId, bool)>, StorageError>;
        async fn consent_history(&mut self, business: BusinessId, client: ClientId, limit: u32) -> Result<Vec<ConsentChange>, StorageError>;
        async fn opted_in_emails(&mut self, business: BusinessId, preference: MarketingPreferenceId, after: Option<ClientId>, limit: u32) -> Result<Vec<(ClientId, String)>, StorageError>;
    }

    #[async_trait]
    impl Transaction for Transaction {
        async fn commit(self: Box<Self>) -> Result<(), StorageError>;
    }
}
