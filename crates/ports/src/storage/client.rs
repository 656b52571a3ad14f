//! A business's clients (CL-*), stored with their sites, labels and custom values, and
//! the one query that lists, filters and searches them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use clientele_domain::custom_field::CustomValues;
use clientele_domain::label::LabelFilter;
use clientele_domain::paging::Activity;
use clientele_domain::product::Family;
use clientele_domain::search::ClientSearch;
use clientele_domain::{
    BusinessId, Client, ClientId, ClientSort, ClientSortKey, CustomFieldId, EmailAddress,
    MarketingPreferenceId, SiteId, SiteScope, Version,
};

use super::StorageError;
use super::membership::StatusFilter;

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
    /// CL-10: only clients holding an active code of this family (a package, a gift
    /// certificate, a subscription).
    pub holding: Option<Family>,
    /// CL-10: only clients with (`true`) or without (`false`) an active membership.
    pub has_membership: Option<bool>,
    /// CL-10: only clients with a membership of this status.
    pub membership_status: Option<StatusFilter>,
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

impl ClientQuery {
    /// The first `limit` clients in `scope` by `sort`, with no filter and no search.
    pub fn unfiltered(scope: SiteScope, sort: ClientSort, limit: u32) -> Self {
        Self {
            scope,
            site: None,
            labels: None,
            banned: None,
            has_account: None,
            activity: None,
            opted_in: None,
            holding: None,
            has_membership: None,
            membership_status: None,
            search: None,
            past_exact_matches: false,
            custom_fields: Vec::new(),
            sort,
            after: None,
            limit,
        }
    }
}

/// CL-16: a client as the export shows it, read with nothing else: the names, email and
/// phone as typed (they were checked when stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientExportLine {
    pub id: ClientId,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub custom_fields: CustomValues,
}

/// CL-16: a page of the client export.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientExportPage {
    pub lines: Vec<ClientExportLine>,
    /// The last line's key in the query's order: the next page starts after it.
    pub last: Option<ClientSortKey>,
}

/// A client's first name and email, as an email to them needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientContact {
    pub id: ClientId,
    pub first_name: String,
    pub email: Option<EmailAddress>,
}

/// Clients with everything stored with them: `Client::sites`, `Client::labels` and
/// `Client::custom_fields` are read and written whole with the client.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ClientRepository: Send {
    /// Stores the client with their sites, labels and custom values. MUST return
    /// `Duplicate("client")` if the id is taken.
    async fn insert_client(&mut self, client: &Client) -> Result<(), StorageError>;

    /// CL-15: stores new clients as `insert_client` does, in a few statements per table
    /// rather than several per client (the import, the generator). All or nothing: if an id
    /// is taken, `Duplicate("client")` and none of them is stored.
    async fn insert_clients(&mut self, clients: &[Client]) -> Result<(), StorageError>;

    /// CL-15: the business's clients whose email key (`EmailAddress::key`) is one of
    /// `email_keys`, oldest first for each key (ties by id): one read for a batch of rows.
    async fn clients_by_emails(
        &mut self,
        business: BusinessId,
        email_keys: &[String],
    ) -> Result<Vec<Client>, StorageError>;

    /// The business's client with their sites, labels and custom values, or `None`.
    async fn client(
        &mut self,
        business: BusinessId,
        id: ClientId,
    ) -> Result<Option<Client>, StorageError>;

    /// The optimistic update of the module's contract; the client's sites, labels,
    /// custom values and search keys are replaced by the given ones.
    async fn update_client(
        &mut self,
        client: &Client,
        expected: Version,
    ) -> Result<(), StorageError>;

    /// The page described by `query`, in its order (`query.sort`, ties by id, exact
    /// search matches first); empty when no client can pass its filters. An `after` of
    /// another sort than `query.sort` is `Unexpected`: the caller checks it first.
    async fn clients(
        &mut self,
        business: BusinessId,
        query: &ClientQuery,
    ) -> Result<Vec<Client>, StorageError>;

    /// CL-16: what [`Self::clients`] lists for `query`, in the same order, as export
    /// lines. `query` has no search (`Unexpected` if it has: a search is exported
    /// through [`Self::clients`]).
    async fn client_export_page(
        &mut self,
        business: BusinessId,
        query: &ClientQuery,
    ) -> Result<ClientExportPage, StorageError>;

    /// Clients whose email key (`EmailAddress::key`) is `email_key`, oldest first (ties by
    /// id), at most `limit`.
    async fn clients_by_email(
        &mut self,
        business: BusinessId,
        email_key: &str,
        limit: u32,
    ) -> Result<Vec<Client>, StorageError>;

    /// CL-18: the business's clients whose first and last name keys (`text::name_key`)
    /// are these, oldest first (ties by id), at most `limit`.
    async fn clients_by_name(
        &mut self,
        business: BusinessId,
        first_name_key: &str,
        last_name_key: &str,
        limit: u32,
    ) -> Result<Vec<Client>, StorageError>;

    /// CL-15: the business's clients without an email whose (first, last) name keys
    /// (`text::name_key`) are one of `names`, oldest first for each name (ties by id).
    async fn clients_by_names(
        &mut self,
        business: BusinessId,
        names: &[(String, String)],
    ) -> Result<Vec<Client>, StorageError>;

    /// How to address the business's clients `ids` by email (those that exist), in no
    /// particular order: one read for a batch of emails (the billing run's receipts).
    async fn client_contacts(
        &mut self,
        business: BusinessId,
        ids: &[ClientId],
    ) -> Result<Vec<ClientContact>, StorageError>;

    /// CL-20: whether a banned client of the business has this email key.
    async fn email_banned(
        &mut self,
        business: BusinessId,
        email_key: &str,
    ) -> Result<bool, StorageError>;
}
