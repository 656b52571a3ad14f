//! Storage: one repository trait per aggregate, all reached through a [`Transaction`]
//! opened by [`Storage`]. A transaction that is dropped without [`Transaction::commit`]
//! is rolled back, so a use case that fails half-way leaves nothing behind (PL-6).
//!
//! Every method is scoped by a business id (PL-26): a repository never reads or changes
//! another business's rows, whatever ids it is given.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;

use clientele_domain::{
    ApiToken, Business, BusinessId, Client, ClientId, ClientSort, ClientSortKey, Site, SiteId,
    SiteScope, StaffId, StaffMember, TokenId, Version,
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
    BusinessRepository + SiteRepository + StaffRepository + TokenRepository + ClientRepository + Send
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

    /// MUST return `NotFound` if absent and `InUse("clients")` or `InUse("staff")` while
    /// clients or staff members belong to the site.
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
    }

    #[async_trait]
    impl Transaction for Transaction {
        async fn commit(self: Box<Self>) -> Result<(), StorageError>;
    }
}
