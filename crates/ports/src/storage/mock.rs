//! A mocked [`Transaction`] for use-case unit tests (feature `mocks`).
//!
//! mockall cannot generate a mock of a trait from its supertraits, so this one is
//! composed: one generated mock per repository in a field named after what it stores
//! (`tx.clients.expect_client()`), and [`MockCommit`] for the transaction's own method
//! (`tx.commit.expect_commit()`). Each repository method delegates to its field; the
//! delegation is generated from the one-line signatures below, and a signature that
//! drifts from its trait does not compile.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use chrono::NaiveDate;
use clientele_domain::account::throttle::Failures;
use clientele_domain::account::{AccountToken, ClientAccount, Session};
use clientele_domain::appointment::{Appointment, AppointmentType};
use clientele_domain::audit::{AttendanceChange, ClientAuditEntry};
use clientele_domain::client_duplicate::{Block, DuplicateKeys};
use clientele_domain::client_import::{ClientImport, RowReport};
use clientele_domain::client_merge::ClientMerge;
use clientele_domain::code::{Code, CodeAudit, CodeText, Entry};
use clientele_domain::custom_field::CustomField;
use clientele_domain::document::ClientDocument;
use clientele_domain::email::OutgoingEmail;
use clientele_domain::label::Label;
use clientele_domain::marketing::{ConsentChange, MarketingPreference};
use clientele_domain::membership::{
    Credit, Membership, MembershipAudit, MembershipNumber, MembershipType,
};
use clientele_domain::note::ClientNote;
use clientele_domain::order::Order;
use clientele_domain::payment::{Invoice, Payment, PaymentMethod};
use clientele_domain::product::Product;
use clientele_domain::webhook::{DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent};
use clientele_domain::{
    AccountId, ApiToken, AppointmentId, AppointmentTypeId, AuditId, Business, BusinessId, Client,
    ClientId, CodeId, CreditId, CustomFieldId, DocumentId, EmailId, ImportId, LabelId,
    MarketingPreferenceId, MembershipId, MembershipTypeId, MergeId, Money, OrderId, PaymentId,
    PaymentMethodId, ProductId, Site, SiteId, SiteScope, StaffId, StaffMember, TokenId, Version,
    WebhookDeliveryId, WebhookEndpointId,
};

use super::*;

mockall::mock! {
    /// Expectations on [`Transaction::commit`].
    pub Commit {
        pub fn commit(&self) -> Result<(), StorageError>;
    }
}

/// A transaction whose every method is mocked: set expectations on the field of the
/// repository, then hand it out from a `MockStorage` with `return_once`. A call nobody
/// expected panics, as with any mockall mock.
#[derive(Default)]
pub struct MockTransaction {
    pub businesses: MockBusinessRepository,
    pub sites: MockSiteRepository,
    pub staff: MockStaffRepository,
    pub tokens: MockTokenRepository,
    pub clients: MockClientRepository,
    pub appointment_types: MockAppointmentTypeRepository,
    pub appointments: MockAppointmentRepository,
    pub audit: MockAuditRepository,
    pub outbox: MockOutboxRepository,
    pub payments: MockPaymentRepository,
    pub idempotency: MockIdempotencyRepository,
    pub labels: MockLabelRepository,
    pub custom_fields: MockCustomFieldRepository,
    pub marketing: MockMarketingRepository,
    pub notes: MockNoteRepository,
    pub documents: MockDocumentRepository,
    pub products: MockProductRepository,
    pub codes: MockCodeRepository,
    pub orders: MockOrderRepository,
    pub memberships: MockMembershipRepository,
    pub test_clocks: MockTestClockRepository,
    pub client_imports: MockClientImportRepository,
    pub client_merges: MockClientMergeRepository,
    pub client_duplicates: MockClientDuplicateRepository,
    pub client_deletions: MockClientDeletionRepository,
    pub client_erasures: MockClientErasureRepository,
    pub accounts: MockAccountRepository,
    pub account_appointments: MockAccountAppointmentRepository,
    pub webhooks: MockWebhookRepository,
    pub deliveries: MockWebhookDeliveryRepository,
    pub commit: MockCommit,
}

impl MockTransaction {
    /// A transaction that expects nothing yet, except that use cases may ask which
    /// webhook endpoints want an event (none do: no event is written).
    pub fn new() -> Self {
        let mut tx = Self::default();
        tx.deliveries
            .expect_webhook_subscribers()
            .returning(|_| Ok(Vec::new()));
        tx
    }
}

#[async_trait]
impl Transaction for MockTransaction {
    async fn commit(self: Box<Self>) -> Result<(), StorageError> {
        self.commit.commit()
    }
}

/// `impl Repository for MockTransaction`, each method handing its arguments to the
/// repository's field: `fn name(arg: Type, ...) -> Ok;` stands for
/// `async fn name(&mut self, arg: Type, ...) -> Result<Ok, StorageError>`.
macro_rules! delegate {
    ($($repository:ident to $field:ident {
        $(fn $method:ident($($arg:ident: $type:ty),*) -> $ok:ty;)*
    })*) => {$(
        #[async_trait]
        impl $repository for MockTransaction {
            $(async fn $method(&mut self, $($arg: $type),*) -> Result<$ok, StorageError> {
                $repository::$method(&mut self.$field, $($arg),*).await
            })*
        }
    )*};
}

delegate! {
    BusinessRepository to businesses {
        fn insert_business(business: &Business) -> ();
        fn business(id: BusinessId) -> Option<Business>;
        fn update_business(business: &Business, expected: Version) -> ();
        fn businesses(after: Option<BusinessId>, limit: u32) -> Vec<Business>;
        fn record_bootstrap(business: BusinessId, at: DateTime<Utc>) -> ();
        fn bootstrap_business() -> Option<BusinessId>;
    }

    SiteRepository to sites {
        fn insert_site(site: &Site) -> ();
        fn site(business: BusinessId, id: SiteId) -> Option<Site>;
        fn sites(business: BusinessId, scope: &SiteScope, after: Option<SiteId>, limit: u32) -> Vec<Site>;
        fn missing_sites(business: BusinessId, ids: &[SiteId]) -> Vec<SiteId>;
        fn first_site(business: BusinessId) -> Option<SiteId>;
        fn update_site(site: &Site, expected: Version) -> ();
        fn delete_site(business: BusinessId, id: SiteId) -> ();
    }

    StaffRepository to staff {
        fn insert_staff(member: &StaffMember) -> ();
        fn staff_member(business: BusinessId, id: StaffId) -> Option<StaffMember>;
        fn staff(business: BusinessId, after: Option<StaffId>, limit: u32) -> Vec<StaffMember>;
        fn update_staff(member: &StaffMember, expected: Version) -> ();
        fn delete_staff(business: BusinessId, id: StaffId) -> ();
        fn count_owners(business: BusinessId) -> u64;
    }

    TokenRepository to tokens {
        fn insert_token(token: &ApiToken, secret_hash: &str) -> ();
        fn token_by_hash(business: BusinessId, secret_hash: &str) -> Option<ApiToken>;
        fn tokens(business: BusinessId, staff: Option<StaffId>, after: Option<TokenId>, limit: u32) -> Vec<ApiToken>;
        fn token(business: BusinessId, id: TokenId) -> Option<ApiToken>;
        fn owner_tokens_for_update(business: BusinessId) -> Vec<ApiToken>;
        fn delete_token(business: BusinessId, id: TokenId) -> ();
    }

    ClientRepository to clients {
        fn insert_client(client: &Client) -> ();
        fn insert_clients(clients: &[Client]) -> ();
        fn client(business: BusinessId, id: ClientId) -> Option<Client>;
        fn update_client(client: &Client, expected: Version) -> ();
        fn clients(business: BusinessId, query: &ClientQuery) -> Vec<Client>;
        fn client_export_page(business: BusinessId, query: &ClientQuery) -> ClientExportPage;
        fn clients_by_email(business: BusinessId, email_key: &str, limit: u32) -> Vec<Client>;
        fn clients_by_name(business: BusinessId, first_name_key: &str, last_name_key: &str, limit: u32) -> Vec<Client>;
        fn clients_by_names(business: BusinessId, names: &[(String, String)]) -> Vec<Client>;
        fn clients_by_emails(business: BusinessId, email_keys: &[String]) -> Vec<Client>;
        fn client_contacts(business: BusinessId, ids: &[ClientId]) -> Vec<ClientContact>;
        fn email_banned(business: BusinessId, email_key: &str) -> bool;
    }

    AppointmentTypeRepository to appointment_types {
        fn insert_appointment_type(kind: &AppointmentType) -> ();
        fn appointment_type(business: BusinessId, id: AppointmentTypeId) -> Option<AppointmentType>;
        fn appointment_types(business: BusinessId, after: Option<AppointmentTypeId>, limit: u32) -> Vec<AppointmentType>;
        fn update_appointment_type(kind: &AppointmentType, expected: Version) -> ();
    }

    AppointmentRepository to appointments {
        fn insert_appointment(appointment: &Appointment) -> ();
        fn appointment(business: BusinessId, id: AppointmentId) -> Option<Appointment>;
        fn appointment_for_update(business: BusinessId, id: AppointmentId) -> Option<Appointment>;
        fn update_appointment(appointment: &Appointment, expected: Version) -> ();
        fn appointments_of_client(business: BusinessId, client: ClientId, after: Option<(DateTime<Utc>, AppointmentId)>, limit: u32) -> Vec<Appointment>;
    }

    AuditRepository to audit {
        fn record_client_audit(entry: &ClientAuditEntry) -> ();
        fn client_audit(business: BusinessId, client: ClientId, limit: u32) -> Vec<ClientAuditEntry>;
        fn record_attendance_change(change: &AttendanceChange) -> ();
        fn attendance_changes(business: BusinessId, appointment: AppointmentId) -> Vec<AttendanceChange>;
    }

    OutboxRepository to outbox {
        fn enqueue_email(email: &OutgoingEmail) -> ();
        fn enqueue_emails(emails: &[OutgoingEmail]) -> ();
        fn emails(business: BusinessId, scope: &SiteScope, after: Option<EmailId>, limit: u32) -> Vec<OutboxEmail>;
        fn claim_due_emails(business: BusinessId, claim: ClaimToken, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> Vec<OutboxEmail>;
        fn confirm_email_claim(business: BusinessId, id: EmailId, claim: ClaimToken, lease_until: DateTime<Utc>) -> bool;
        fn mark_email_sent(business: BusinessId, id: EmailId, at: DateTime<Utc>) -> ();
        fn mark_email_retry(business: BusinessId, id: EmailId, claim: ClaimToken, next_attempt_at: DateTime<Utc>, error: &str) -> ();
        fn mark_email_failed(business: BusinessId, id: EmailId, claim: ClaimToken, error: &str) -> ();
    }

    PaymentRepository to payments {
        fn insert_payment_method(method: &PaymentMethod) -> ();
        fn payment_method(business: BusinessId, id: PaymentMethodId) -> Option<PaymentMethod>;
        fn payment_methods_of_client(business: BusinessId, client: ClientId) -> Vec<PaymentMethod>;
        fn insert_payment(payment: &Payment) -> ();
        fn payments_of_appointment(business: BusinessId, appointment: AppointmentId) -> Vec<Payment>;
        fn set_payment_refunded(business: BusinessId, id: PaymentId, refunded: Money) -> ();
        fn insert_invoice(invoice: &Invoice) -> ();
        fn invoices_of_appointment(business: BusinessId, appointment: AppointmentId) -> Vec<Invoice>;
    }

    IdempotencyRepository to idempotency {
        fn idempotency_record(business: BusinessId, key: &str) -> Option<IdempotencyRecord>;
        fn insert_idempotency_record(record: &IdempotencyRecord) -> ();
        fn complete_idempotency_record(business: BusinessId, key: &str, response: &StoredResponse) -> ();
        fn delete_idempotency_record(business: BusinessId, key: &str) -> ();
    }

    LabelRepository to labels {
        fn insert_label(label: &Label) -> ();
        fn label(business: BusinessId, id: LabelId) -> Option<Label>;
        fn labels(business: BusinessId, after: Option<LabelId>, limit: u32) -> Vec<Label>;
        fn update_label(label: &Label, expected: Version) -> ();
        fn delete_label(business: BusinessId, id: LabelId) -> ();
        fn missing_labels(business: BusinessId, ids: &[LabelId]) -> Vec<LabelId>;
    }

    CustomFieldRepository to custom_fields {
        fn insert_custom_field(field: &CustomField) -> ();
        fn custom_field(business: BusinessId, id: CustomFieldId) -> Option<CustomField>;
        fn custom_fields(business: BusinessId, after: Option<CustomFieldId>, limit: u32) -> Vec<CustomField>;
        fn custom_fields_with_ids(business: BusinessId, ids: &[CustomFieldId]) -> Vec<CustomField>;
        fn update_custom_field(field: &CustomField, expected: Version) -> ();
        fn custom_value_keys_in_use(business: BusinessId, field: CustomFieldId, keys: &[String]) -> Vec<String>;
        fn custom_field_in_use(business: BusinessId, field: CustomFieldId) -> bool;
    }

    MarketingRepository to marketing {
        fn insert_preference(preference: &MarketingPreference) -> ();
        fn preference(business: BusinessId, id: MarketingPreferenceId) -> Option<MarketingPreference>;
        fn preferences(business: BusinessId, after: Option<MarketingPreferenceId>, limit: u32) -> Vec<MarketingPreference>;
        fn record_consent(change: &ConsentChange) -> ();
        fn consents_of_client(business: BusinessId, client: ClientId) -> Vec<(MarketingPreferenceId, bool)>;
        fn consent_history(business: BusinessId, client: ClientId, limit: u32) -> Vec<ConsentChange>;
        fn opted_in_emails(business: BusinessId, preference: MarketingPreferenceId, scope: &SiteScope, after: Option<ClientId>, limit: u32) -> Vec<(ClientId, String)>;
    }

    NoteRepository to notes {
        fn insert_note(note: &ClientNote) -> ();
        fn notes_of_client(business: BusinessId, client: ClientId, limit: u32) -> Vec<ClientNote>;
    }

    DocumentRepository to documents {
        fn insert_document(document: &ClientDocument) -> ();
        fn document(business: BusinessId, id: DocumentId) -> Option<ClientDocument>;
        fn documents_of_client(business: BusinessId, client: ClientId, limit: u32) -> Vec<ClientDocument>;
    }

    ProductRepository to products {
        fn insert_product(product: &Product) -> ();
        fn product(business: BusinessId, id: ProductId) -> Option<Product>;
        fn products(business: BusinessId, archived: bool, after: Option<ProductId>, limit: u32) -> Vec<Product>;
        fn update_product(product: &Product, expected: Version) -> ();
    }

    CodeRepository to codes {
        fn insert_code(code: &Code, first: &Entry) -> ();
        fn code(business: BusinessId, id: CodeId) -> Option<Code>;
        fn code_for_update(business: BusinessId, id: CodeId) -> Option<Code>;
        fn code_by_text(business: BusinessId, text: &CodeText) -> Option<Code>;
        fn code_for_use(business: BusinessId, text: &CodeText) -> Option<(Code, Product)>;
        fn update_code(code: &Code, expected: Version, entries: &[Entry]) -> ();
        fn ledger(business: BusinessId, code: CodeId, after: Option<u32>, limit: u32) -> Vec<LedgerLine>;
        fn ledger_of_appointment(business: BusinessId, code: CodeId, appointment: AppointmentId) -> Vec<Entry>;
        fn codes_of_client(business: BusinessId, client: ClientId, after: Option<(DateTime<Utc>, CodeId)>, limit: u32) -> Vec<Code>;
        fn active_codes_assigned_to(business: BusinessId, email_key: &str, after: Option<(DateTime<Utc>, CodeId)>, limit: u32) -> Vec<Code>;
        fn active_codes_of_product(business: BusinessId, product: ProductId, after: Option<CodeId>, limit: u32) -> Vec<Code>;
        fn codes_past_their_last_day(before: NaiveDate, only: Option<BusinessId>, after: Option<(BusinessId, CodeId)>, limit: u32) -> Vec<Code>;
        fn record_code_audit(audit: &CodeAudit) -> ();
        fn code_audit(business: BusinessId, code: CodeId) -> Vec<CodeAudit>;
        fn set_membership_code(business: BusinessId, membership: MembershipId, code: CodeId) -> ();
        fn membership_code_for_update(business: BusinessId, membership: MembershipId) -> Option<Code>;
    }

    OrderRepository to orders {
        fn insert_order(order: &Order) -> ();
        fn order(business: BusinessId, id: OrderId) -> Option<Order>;
        fn order_for_update(business: BusinessId, id: OrderId) -> Option<Order>;
        fn update_order(order: &Order) -> ();
        fn orders(business: BusinessId, query: &OrderQuery, after: Option<(DateTime<Utc>, OrderId)>, limit: u32) -> Vec<OrderLine>;
        fn order_export_page(business: BusinessId, query: &OrderQuery, after: Option<(DateTime<Utc>, OrderId)>, limit: u32) -> Vec<OrderExportLine>;
    }

    MembershipRepository to memberships {
        fn insert_membership_type(kind: &MembershipType) -> ();
        fn membership_type(business: BusinessId, id: MembershipTypeId) -> Option<MembershipType>;
        fn membership_types(business: BusinessId, after: Option<MembershipTypeId>, limit: u32) -> Vec<MembershipType>;
        fn membership_types_granting(business: BusinessId, product: ProductId, limit: u32) -> Vec<MembershipType>;
        fn update_membership_type(kind: &MembershipType, expected: Version) -> ();
        fn next_membership_number(business: BusinessId) -> MembershipNumber;
        fn insert_membership(membership: &Membership, created_at: DateTime<Utc>, due_at: Option<DateTime<Utc>>) -> ();
        fn membership(business: BusinessId, id: MembershipId) -> Option<Membership>;
        fn membership_for_update(business: BusinessId, id: MembershipId) -> Option<Membership>;
        fn update_membership(membership: &Membership, expected: Version, due_at: Option<DateTime<Utc>>) -> ();
        fn update_memberships(writes: &[MembershipWrite]) -> Vec<MembershipId>;
        fn claim_due_memberships(now: DateTime<Utc>, scope: ClaimScope, worker: &str, lease_until: DateTime<Utc>, limit: u32) -> Vec<Membership>;
        fn release_memberships(worker: &str, memberships: &[(BusinessId, MembershipId)]) -> ();
        fn memberships(business: BusinessId, query: &MembershipQuery, after: Option<MembershipId>, limit: u32) -> Vec<MembershipLine>;
        fn membership_counts(business: BusinessId, today: NaiveDate, horizon: NaiveDate) -> QuickViewCounts;
        fn memberships_of_clients(business: BusinessId, clients: &[ClientId]) -> Vec<MembershipLine>;
        fn memberships_of_client(business: BusinessId, client: ClientId) -> Vec<Membership>;
        fn insert_charges(charges: &[Charge]) -> Vec<ChargeId>;
        fn settle_charges(settlements: &[ChargeSettlement]) -> Vec<ChargeId>;
        fn charge(business: BusinessId, id: ChargeId) -> Option<Charge>;
        fn pending_charges(business: Option<BusinessId>, older_than: DateTime<Utc>, after: Option<(DateTime<Utc>, ChargeId)>, limit: u32) -> Vec<Charge>;
        fn pending_charges_of(memberships: &[(BusinessId, MembershipId)]) -> Vec<Charge>;
        fn charges_of_membership(business: BusinessId, membership: MembershipId, after: Option<(DateTime<Utc>, ChargeId)>, limit: u32) -> Vec<Charge>;
        fn insert_credits(credits: &[Credit]) -> ();
        fn credit(business: BusinessId, id: CreditId) -> Option<Credit>;
        fn update_credit(credit: &Credit, expected: Version) -> ();
        fn credits_of_client(business: BusinessId, client: ClientId, after: Option<CreditId>, limit: u32) -> Vec<Credit>;
        fn record_membership_audit(entries: &[MembershipAudit]) -> ();
        fn membership_audit(business: BusinessId, membership: MembershipId, after: Option<(DateTime<Utc>, AuditId)>, limit: u32) -> Vec<MembershipAudit>;
    }

    TestClockRepository to test_clocks {
        fn businesses_behind_their_clock(real: DateTime<Utc>, limit: u32) -> Vec<Business>;
        fn record_clock_work(business: BusinessId, from: DateTime<Utc>, to: DateTime<Utc>) -> bool;
    }

    ClientImportRepository to client_imports {
        fn insert_client_import(import: &ClientImport) -> ();
        fn insert_import_chunk(business: BusinessId, import: ImportId, seq: u32, bytes: &[u8]) -> ();
        fn import_chunks(business: BusinessId, import: ImportId, from: u32, to: u32) -> Vec<Vec<u8>>;
        fn client_import(business: BusinessId, id: ImportId) -> Option<ClientImport>;
        fn claim_client_import(now: DateTime<Utc>, until: DateTime<Utc>) -> Option<ClientImport>;
        fn record_import_batch(import: &ClientImport, expected: Version, rows: &[(RowReport, Option<String>)]) -> ();
        fn import_rows(business: BusinessId, import: ImportId, after: Option<u32>, limit: u32) -> Vec<RowReport>;
        fn import_saw_email(business: BusinessId, import: ImportId, email_key: &str) -> bool;
    }

    ClientMergeRepository to client_merges {
        fn insert_client_merge(merge: &ClientMerge) -> ();
        fn absorb_client(merge: &ClientMerge, absorbed: &Client, position: u32) -> ();
        fn client_merge(business: BusinessId, id: MergeId) -> Option<ClientMerge>;
        fn merged_into(business: BusinessId, id: ClientId) -> Option<(MergeId, ClientId)>;
        fn restore_absorbed(merge: &ClientMerge) -> ();
        fn record_merge_undone(merge: &ClientMerge) -> ();
    }

    ClientDuplicateRepository to client_duplicates {
        fn duplicate_candidates(business: BusinessId, block: &Block, limit: u32) -> Vec<DuplicateKeys>;
        fn dismiss_duplicate(business: BusinessId, a: ClientId, b: ClientId, at: DateTime<Utc>) -> ();
        fn undismiss_duplicate(business: BusinessId, a: ClientId, b: ClientId) -> bool;
        fn dismissed_duplicates(business: BusinessId, id: ClientId) -> Vec<ClientId>;
    }

    ClientDeletionRepository to client_deletions {
        fn delete_client(business: BusinessId, id: ClientId) -> ();
    }

    ClientErasureRepository to client_erasures {
        fn erase_client_traces(business: BusinessId, id: ClientId, emails: &[String]) -> ();
    }

    AccountRepository to accounts {
        fn insert_account(account: &ClientAccount, password_hash: &str, sign_up: AppointmentId) -> ();
        fn account_by_email(business: BusinessId, email_key: &str) -> Option<(ClientAccount, String)>;
        fn account(business: BusinessId, id: AccountId) -> Option<ClientAccount>;
        fn record_verification(account: &ClientAccount) -> ();
        fn set_password_hash(business: BusinessId, id: AccountId, password_hash: &str) -> ();
        fn insert_session(session: &Session, token_hash: &str) -> ();
        fn session(business: BusinessId, token_hash: &str) -> Option<Session>;
        fn revoke_session(business: BusinessId, token_hash: &str, at: DateTime<Utc>) -> bool;
        fn revoke_sessions(business: BusinessId, account: AccountId, at: DateTime<Utc>) -> ();
        fn insert_account_token(token: &AccountToken, token_hash: &str) -> ();
        fn account_token_for_update(business: BusinessId, token_hash: &str) -> Option<AccountToken>;
        fn record_token_use(token: &AccountToken, token_hash: &str) -> ();
        fn purge_account_secrets(now: DateTime<Utc>, limit: u32) -> u64;
        fn login_failures(business: BusinessId, subject: &str) -> Option<Failures>;
        fn login_failures_for_update(business: BusinessId, subject: &str) -> Option<Failures>;
        fn record_login_failures(business: BusinessId, subject: &str, failures: &Failures) -> ();
        fn clear_login_failures(business: BusinessId, subject: &str) -> ();
        fn known_address(business: BusinessId, account: AccountId, address_hash: &str) -> bool;
        fn record_address(business: BusinessId, account: AccountId, address_hash: &str, at: DateTime<Utc>) -> ();
    }

    AccountAppointmentRepository to account_appointments {
        fn accounts_of_email(business: BusinessId, email_key: &str, limit: u32) -> Vec<AccountId>;
        fn accounts_of_client(business: BusinessId, client: ClientId, limit: u32) -> Vec<AccountId>;
        fn assign_earlier_appointments(business: BusinessId, account: AccountId, email_key: &str, before: DateTime<Utc>, at: DateTime<Utc>) -> u64;
        fn assign_client_appointments(business: BusinessId, client: ClientId, account: AccountId, at: DateTime<Utc>) -> u64;
        fn appointments_of_account(business: BusinessId, account: AccountId, after: Option<(DateTime<Utc>, AppointmentId)>, limit: u32) -> Vec<Appointment>;
        fn memberships_of_email(business: BusinessId, email_key: &str, after: Option<MembershipId>, limit: u32) -> Vec<Membership>;
    }

    WebhookRepository to webhooks {
        fn insert_webhook_endpoint(endpoint: &WebhookEndpoint) -> ();
        fn webhook_endpoint(business: BusinessId, id: WebhookEndpointId) -> Option<WebhookEndpoint>;
        fn webhook_endpoints(business: BusinessId, after: Option<WebhookEndpointId>, limit: u32) -> Vec<WebhookEndpoint>;
        fn update_webhook_endpoint(endpoint: &WebhookEndpoint, expected: Version) -> ();
        fn delete_webhook_endpoint(business: BusinessId, id: WebhookEndpointId) -> ();
    }
    WebhookDeliveryRepository to deliveries {
        fn webhook_subscribers(business: BusinessId) -> Vec<Subscriber>;
        fn insert_webhook_event(event: &WebhookEvent, deliveries: &[WebhookDelivery]) -> ();
        fn claim_due_deliveries(claim: ClaimToken, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> Vec<ClaimedDelivery>;
        fn record_delivery_attempt(business: BusinessId, claim: ClaimToken, attempt: &DeliveryAttempt, next: DeliveryNext, at: DateTime<Utc>) -> bool;
        fn webhook_deliveries(business: BusinessId, endpoint: WebhookEndpointId, before: Option<WebhookDeliveryId>, limit: u32) -> Vec<WebhookDelivery>;
        fn webhook_delivery(business: BusinessId, id: WebhookDeliveryId) -> Option<WebhookDelivery>;
        fn delivery_attempts(business: BusinessId, id: WebhookDeliveryId) -> Vec<DeliveryAttempt>;
        fn insert_webhook_deliveries(deliveries: &[WebhookDelivery]) -> ();
        fn purge_webhook_history(business: BusinessId, before: DateTime<Utc>, limit: u32) -> u64;
        fn first_deliveries_since(business: BusinessId, endpoint: WebhookEndpointId, since: DateTime<Utc>, after: Option<WebhookDeliveryId>, limit: u32) -> Vec<WebhookDelivery>;
    }
}
