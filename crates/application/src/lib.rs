//! Clientele's use cases: each public method of [`Clientele`] is one thing a person or a
//! job asks for ("create a client", "list clients"), orchestrating domain rules over the
//! ports in one transaction.
//!
//! This crate must not depend on sea-orm, poem or any adapter: it sees storage, clocks and
//! ids only through `clientele-ports`. HTTP handlers and worker jobs call it and nothing
//! else.

use std::sync::Arc;

use clientele_ports::email::EmailSender;
use clientele_ports::{BlobStore, Clock, IdGenerator, PasswordHasher, Processors, Storage};

pub mod access;
mod account_assignments;
pub mod account_bookings;
pub mod account_logins;
mod account_resets;
pub mod accounts;
pub mod appointment_accounts;
pub mod appointments;
pub mod auth;
pub mod billing;
pub mod businesses;
pub mod client_data;
pub mod client_deletion;
pub mod client_duplicates;
pub mod client_erasure;
pub mod client_export;
mod client_import_batch;
mod client_import_file;
pub mod client_imports;
pub mod client_merges;
pub mod clients;
pub mod codes;
pub mod contact_card;
pub mod credits;
pub mod cursor;
pub mod custom_fields;
pub mod emails;
pub mod error;
pub mod founding;
pub mod idempotency;
pub mod jobs;
pub mod labels;
pub mod links;
pub mod marketing;
pub mod membership_audit;
pub mod membership_cards;
mod membership_codes;
pub mod membership_export;
pub mod membership_mandates;
pub mod membership_payments;
pub mod memberships;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod products;
mod redemption;
pub mod self_service;
pub mod sites;
pub mod staff;
mod subscription_sales;
pub mod test_clock;
pub mod tokens;
pub mod webhook_deliveries;
pub mod webhook_events;
pub mod webhook_log;
pub mod webhooks;

pub use error::{Classify, ErrorKind};

/// One page of a list and where the next one starts (PL-9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A list with nothing in it.
    pub fn empty() -> Self {
        Self {
            items: Vec::new(),
            next_cursor: None,
        }
    }
}

/// Settings fixed when the application starts.
#[derive(Debug, Clone)]
pub struct Config {
    /// The platform operator's token (PL-26); `None` disables the operator routes.
    pub operator_token: Option<String>,
    /// Where clients reach this deployment: the base of the links in emails.
    pub public_url: String,
    /// PL-24, for development: webhook endpoints may be plain `http` to localhost, and
    /// deliveries may go to loopback addresses. Off in production.
    pub webhooks_to_localhost: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            operator_token: None,
            public_url: "http://127.0.0.1:8080".to_owned(),
            webhooks_to_localhost: false,
        }
    }
}

/// The application: every use case, over the ports it was given.
#[derive(Clone)]
pub struct Clientele {
    storage: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    config: Config,
    /// Seals and opens the lists' cursors (PL-9).
    cursors: cursor::Cursors,
    /// How the outbox is delivered (the worker sets it; the API does not send mail).
    email_sender: Option<Arc<dyn EmailSender>>,
    /// How the outbox's dispatch claims and retries (`with_outbox_policy`).
    outbox: outbox::OutboxPolicy,
    /// How the billing run claims and charges (`with_billing_policy`).
    billing: billing::BillingPolicy,
    /// The payment processors (PL-19); payments are refused without them.
    processors: Option<Arc<dyn Processors>>,
    /// Where the bytes of client documents are kept (AP-9); uploads are refused without.
    blobs: Option<Arc<dyn BlobStore>>,
    /// How client accounts' passwords are hashed (AC-2); sign-ups and logins are refused
    /// without.
    passwords: Option<Arc<dyn PasswordHasher>>,
    /// AC-4: the hash an unknown email's login is checked against, made on first use.
    dummy_hash: Arc<std::sync::OnceLock<String>>,
    /// AC-2: how many passwords are hashed at once — one core fewer than the machine
    /// has (at least one), so that logins saturating the hash leave a core to every
    /// other request; the others wait their turn.
    hashing: Arc<tokio::sync::Semaphore>,
    /// PL-24: how events show their resource (`with_resource_views`; ids only without).
    views: Arc<dyn webhook_events::ResourceViews>,
    /// PL-24: how the worker posts events (`with_webhook_sender`).
    webhook_sender: Option<Arc<dyn clientele_ports::WebhookSender>>,
    /// PL-24: how deliveries are claimed (`with_delivery_policy`).
    deliveries: webhook_deliveries::DeliveryPolicy,
}

/// AC-2: the passwords hashed at once: one core fewer than the machine's, at least one.
fn hashing_permits() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |cores| cores.get().saturating_sub(1))
        .max(1)
}

impl Clientele {
    /// The application over its ports. `cursors` must be the same for every process on
    /// the same database ([`cursor::Cursors::load`]).
    pub fn new(
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        config: Config,
        cursors: cursor::Cursors,
    ) -> Self {
        Self {
            storage,
            clock,
            ids,
            config,
            cursors,
            email_sender: None,
            outbox: outbox::OutboxPolicy::default(),
            billing: billing::BillingPolicy::default(),
            processors: None,
            blobs: None,
            passwords: None,
            dummy_hash: Arc::default(),
            hashing: Arc::new(tokio::sync::Semaphore::new(hashing_permits())),
            views: Arc::new(webhook_events::IdsOnly),
            webhook_sender: None,
            deliveries: webhook_deliveries::DeliveryPolicy::default(),
        }
    }

    /// The same application, showing resources in events as `views` renders them (the
    /// API's views, PL-24).
    pub fn with_resource_views(mut self, views: Arc<dyn webhook_events::ResourceViews>) -> Self {
        self.views = views;
        self
    }

    /// The same application, posting webhook events through `sender`.
    pub fn with_webhook_sender(mut self, sender: Arc<dyn clientele_ports::WebhookSender>) -> Self {
        self.webhook_sender = Some(sender);
        self
    }

    /// The same application, claiming webhook deliveries by `policy`.
    pub fn with_delivery_policy(mut self, policy: webhook_deliveries::DeliveryPolicy) -> Self {
        self.deliveries = policy;
        self
    }

    /// The same application, reading "now" from `clock` (a worker run as of another
    /// instant, a test).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The same application, delivering emails through `sender`.
    pub fn with_email_sender(mut self, sender: Arc<dyn EmailSender>) -> Self {
        self.email_sender = Some(sender);
        self
    }

    /// The same application, claiming and retrying the outbox's emails by `policy`.
    pub fn with_outbox_policy(mut self, policy: outbox::OutboxPolicy) -> Self {
        self.outbox = policy;
        self
    }

    /// The same application, billing memberships by `policy`.
    pub fn with_billing_policy(mut self, policy: billing::BillingPolicy) -> Self {
        self.billing = policy;
        self
    }

    /// The same application, taking payments through `processors`.
    pub fn with_processors(mut self, processors: Arc<dyn Processors>) -> Self {
        self.processors = Some(processors);
        self
    }

    /// The same application, keeping client documents in `blobs`.
    pub fn with_blob_store(mut self, blobs: Arc<dyn BlobStore>) -> Self {
        self.blobs = Some(blobs);
        self
    }

    /// The same application, hashing client accounts' passwords with `hasher`.
    pub fn with_password_hasher(mut self, hasher: Arc<dyn PasswordHasher>) -> Self {
        self.passwords = Some(hasher);
        self
    }

    /// PL-22: whether the database answers with every migration applied.
    pub async fn ready(&self) -> Result<(), clientele_ports::StorageError> {
        self.storage.ready().await
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Use cases over mocked ports: a fixed clock, counting ids, and one mocked
    //! transaction that the test sets expectations on.

    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use chrono::{DateTime, TimeZone, Utc};
    use clientele_domain::{Actor, BusinessId, Role, SiteId, SiteScope, StaffId};
    use clientele_ports::clock::MockClock;
    use clientele_ports::ids::MockIdGenerator;
    use clientele_ports::storage::{MockStorage, MockTransaction};

    use super::{Clientele, Config};

    pub fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap()
    }

    pub fn uuid(n: u128) -> uuid::Uuid {
        uuid::Uuid::from_u128(n)
    }

    /// The application, handing out `tx` for its one transaction (read or write).
    pub fn app_with(tx: MockTransaction) -> Clientele {
        let mut storage = MockStorage::new();
        let tx = std::sync::Mutex::new(Some(tx));
        let hand_out = move || {
            let tx = tx
                .lock()
                .unwrap()
                .take()
                .expect("one transaction per use case");
            Ok(Box::new(tx) as Box<dyn clientele_ports::Transaction>)
        };
        let hand_out = Arc::new(hand_out);
        let (write, read) = (hand_out.clone(), hand_out);
        storage.expect_begin().returning(move || write());
        storage.expect_read().returning(move || read());
        let mut clock = MockClock::new();
        clock.expect_now().returning(now);
        let counter = Arc::new(AtomicU64::new(1000));
        let mut ids = MockIdGenerator::new();
        ids.expect_new_id()
            .returning(move || uuid(u128::from(counter.fetch_add(1, Ordering::SeqCst))));
        ids.expect_new_secret().returning(|| "s".repeat(64));
        Clientele::new(
            Arc::new(storage),
            Arc::new(clock),
            Arc::new(ids),
            Config::default(),
            crate::cursor::Cursors::ephemeral(),
        )
    }

    pub fn business() -> BusinessId {
        BusinessId::from_uuid(uuid(1))
    }

    pub fn actor(role: Role, scope: SiteScope) -> Actor {
        Actor {
            business_id: business(),
            staff_id: StaffId::from_uuid(uuid(2)),
            role,
            scope,
        }
    }

    pub fn site(n: u128) -> SiteId {
        SiteId::from_uuid(uuid(n))
    }
}
