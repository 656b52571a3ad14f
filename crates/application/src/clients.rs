//! Clients (CL-1 to CL-4): create, read, change and list, always within the caller's
//! business and sites (PL-14, PL-26).

use thiserror::Error;

use clientele_domain::audit::{ClientAuditAction, ClientAuditEntry, client_changes};
use clientele_domain::client::{ClientChanges, ClientChangesInput, ClientInput};
use clientele_domain::client_merge::ClientMerge;
use clientele_domain::label::LabelFilter;
use clientele_domain::paging::Activity;
use clientele_domain::product::Family;
use clientele_domain::search::ClientSearch;
use clientele_domain::{
    Actor, AuditId, BusinessId, Client, ClientId, ClientSort, ClientSortKey, FieldError, Forbidden,
    MarketingPreferenceId, NewClient, PageLimit, Permission, SiteId, ValidationErrors, Version,
};
use clientele_ports::storage::{ClientQuery, StatusFilter};
use clientele_ports::{StorageError, Transaction};

use crate::access::{
    AccessError, business_of, check_labels_exist, check_sites_exist, check_sites_in_scope,
    check_sites_usable, default_site, visible_client,
};
use crate::client_merges::MergeError;
use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::webhook_events::Resource;
use crate::{Clientele, Page};
use clientele_domain::webhook::EventType;

#[derive(Debug, Error)]
pub enum ClientError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Absent, or of no site the caller may see (PL-14: both answer alike).
    #[error("the client does not exist")]
    NotFound,
    #[error("you have no access to site {0}")]
    SiteOutOfScope(SiteId),
    #[error("there is no site to put the client in: name one in `sites`")]
    NoDefaultSite,
    #[error("the client was changed since the version you sent: read it again")]
    VersionConflict,
    #[error(transparent)]
    Access(AccessError),
    /// CL-18: the merge a change of name led to failed.
    #[error(transparent)]
    Merge(Box<MergeError>),
    #[error(transparent)]
    Unexpected(StorageError),
}

impl From<MergeError> for ClientError {
    fn from(error: MergeError) -> Self {
        Self::Merge(Box::new(error))
    }
}

/// A client as a change left it, and the merge it led to, if any (CL-18).
#[derive(Debug, Clone)]
pub struct ClientUpdate {
    pub client: Client,
    pub merge: Option<ClientMerge>,
}

impl Classify for ClientError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) | Self::NoDefaultSite => ErrorKind::RuleViolated,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound => ErrorKind::NotFound,
            Self::SiteOutOfScope(_) | Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::VersionConflict => ErrorKind::Conflict,
            Self::Access(error) => error.kind(),
            Self::Merge(error) => error.kind(),
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => &errors.0,
            Self::Merge(error) => error.field_errors(),
            _ => &[],
        }
    }
}

impl From<StorageError> for ClientError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            StorageError::VersionConflict => Self::VersionConflict,
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for ClientError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::ClientNotFound | AccessError::AppointmentNotFound => Self::NotFound,
            AccessError::SiteOutOfScope(site) => Self::SiteOutOfScope(site),
            AccessError::NoDefaultSite => Self::NoDefaultSite,
            AccessError::Unknown(errors) => Self::Invalid(errors),
            AccessError::Storage(error) => error.into(),
            other => Self::Access(other),
        }
    }
}

/// What the client list is asked for (CL-3, CL-4, PL-9).
#[derive(Debug, Clone, Default)]
pub struct ClientListRequest {
    pub limit: PageLimit,
    pub cursor: Option<String>,
    pub sort: ClientSort,
    /// CL-10: which site's clients (by default the caller's current site).
    pub site: SiteChoice,
    /// CL-5 to CL-8: the search box (a name, an email or a phone number).
    pub q: Option<String>,
    /// CL-10: only clients with any / all of these labels.
    pub labels: Option<LabelFilter>,
    /// CL-10: only banned / not banned clients.
    pub banned: Option<bool>,
    /// CL-10: only clients with / without a client account.
    pub has_account: Option<bool>,
    /// CL-9: only clients who had an appointment in the last N days.
    pub recent_days: Option<u32>,
    /// CL-9: only clients with no appointment for N days.
    pub inactive_days: Option<u32>,
    /// CL-10: only clients opted in to this marketing preference.
    pub opted_in: Option<MarketingPreferenceId>,
    /// CL-10: only clients holding an active package, gift certificate or subscription.
    pub holding: Option<Family>,
    /// CL-10: only clients with / without an active membership.
    pub has_membership: Option<bool>,
    /// CL-10: only clients with a membership of this status.
    pub membership_status: Option<StatusFilter>,
    /// CL-10, CL-24: only clients whose custom field has this value, each as
    /// `<field id>:<value>` (every one must hold).
    pub custom_fields: Vec<String>,
}

/// CL-10, PL-14: the site filter of the client list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SiteChoice {
    /// The caller's current site: the oldest site they may access, or the business's
    /// oldest site for an owner.
    #[default]
    Current,
    /// Every site the caller may access.
    All,
    /// This site, which the caller must be able to access.
    One(SiteId),
}

/// Where a search list's cursor stands: among the exact matches or past them (CL-8).
#[derive(serde::Serialize, serde::Deserialize)]
struct SearchPosition {
    past_exact_matches: bool,
    key: ClientSortKey,
}

/// What a client list's cursor is bound to (PL-9): the business, the order, the search
/// and every filter of the request, normalised (sets of labels or of field values in
/// any order ask the same). A cursor is then refused by a list that asks otherwise.
fn client_listing(
    business: BusinessId,
    request: &ClientListRequest,
    search: Option<&ClientSearch>,
) -> Listing {
    let site = match request.site {
        SiteChoice::Current => "current".to_owned(),
        SiteChoice::All => "all".to_owned(),
        SiteChoice::One(site) => site.to_string(),
    };
    let mut listing = Listing::of(business, list_name(request.sort)).with("site", site);
    if let Some(search) = search {
        listing = listing.with("q", search.text());
    }
    if let Some(labels) = &request.labels {
        let (how, ids) = match labels {
            LabelFilter::AnyOf(ids) => ("any", ids),
            LabelFilter::AllOf(ids) => ("all", ids),
        };
        let mut ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        ids.sort();
        ids.dedup();
        listing = listing.with("labels", format!("{how}:{}", ids.join(",")));
    }
    let flags = [
        ("banned", request.banned),
        ("has_account", request.has_account),
        ("has_membership", request.has_membership),
    ];
    for (name, flag) in flags {
        if let Some(flag) = flag {
            listing = listing.with(name, flag);
        }
    }
    let days = [
        ("recent_days", request.recent_days),
        ("inactive_days", request.inactive_days),
    ];
    for (name, days) in days {
        if let Some(days) = days {
            listing = listing.with(name, days);
        }
    }
    if let Some(family) = request.holding {
        listing = listing.with("holding", family.as_str());
    }
    if let Some(status) = request.membership_status {
        listing = listing.with("membership_status", format!("{status:?}"));
    }
    if let Some(preference) = request.opted_in {
        listing = listing.with("opted_in", preference);
    }
    let mut fields: Vec<&str> = request.custom_fields.iter().map(String::as_str).collect();
    fields.sort_unstable();
    fields.dedup();
    for field in fields {
        listing = listing.with("field", field);
    }
    listing
}

fn list_name(sort: ClientSort) -> &'static str {
    match sort {
        ClientSort::LastName => "clients:last_name",
        ClientSort::FirstName => "clients:first_name",
        ClientSort::CreatedAt => "clients:created_at",
        ClientSort::AdminUpdatedAt => "clients:admin_updated_at",
    }
}

impl Clientele {
    /// CL-2: creates a client, in the named sites or the caller's current one.
    pub async fn create_client(
        &self,
        actor: &Actor,
        input: &ClientInput,
    ) -> Result<Client, ClientError> {
        let mut new = NewClient::parse(input)?;
        let mut tx = self.storage.begin().await?;
        new.custom_fields =
            crate::custom_fields::parse_client_values(tx.as_mut(), actor, &input.custom_fields)
                .await??
                .into_iter()
                .filter_map(|(field, value)| value.map(|value| (field, value)))
                .collect();
        let sites = match &new.sites {
            Some(sites) => {
                check_sites_usable(tx.as_mut(), actor, sites).await?;
                sites.clone()
            }
            None => vec![default_site(tx.as_mut(), actor).await?],
        };
        let business = business_of(tx.as_mut(), actor).await?;
        let country = business.settings.default_country;
        new.phone = new.phone.take().map(|p| p.in_country(country));
        let now = self.clock.now();
        let client = Client::create(
            ClientId::from_uuid(self.ids.new_id()),
            actor.business_id,
            new,
            sites,
            now,
            business.settings.time_zone.today(now),
        );
        tx.insert_client(&client).await?;
        self.emit(
            tx.as_mut(),
            actor.business_id,
            EventType::ClientCreated,
            Resource::Client(&client),
        )
        .await?;
        tx.commit().await?;
        Ok(client)
    }

    /// A client the caller can see (PL-14). Another business's client is `NotFound`.
    pub async fn client(&self, actor: &Actor, id: ClientId) -> Result<Client, ClientError> {
        let mut tx = self.storage.read().await?;
        Ok(visible_client(tx.as_mut(), actor, id).await?)
    }

    /// Changes a client's profile, based on `version` (PL-11), custom field values
    /// included (CL-24: any staff member who sees the client). A caller limited to some
    /// sites may add and remove only those; the client's other sites stay as they are.
    /// The profile as changed, or the one it was merged into ([`Self::change_client`]).
    pub async fn update_client(
        &self,
        actor: &Actor,
        id: ClientId,
        version: Version,
        input: &ClientChangesInput,
    ) -> Result<Client, ClientError> {
        Ok(self.change_client(actor, id, version, input).await?.client)
    }

    /// [`Self::update_client`], saying whether the change merged profiles: with the
    /// business's `merge_on_identical_name` on, a change of name that makes the profile
    /// another's namesake merges it into that one, which keeps its contact details
    /// (CL-18); `client` is then the kept profile.
    pub async fn change_client(
        &self,
        actor: &Actor,
        id: ClientId,
        version: Version,
        input: &ClientChangesInput,
    ) -> Result<ClientUpdate, ClientError> {
        let mut changes = ClientChanges::parse(input)?;
        let mut tx = self.storage.begin().await?;
        changes.custom_fields =
            crate::custom_fields::parse_client_values(tx.as_mut(), actor, &input.custom_fields)
                .await??;
        let mut client = visible_client(tx.as_mut(), actor, id).await?;
        if client.version() != version {
            return Err(ClientError::VersionConflict);
        }
        if let Some(requested) = changes.sites.take() {
            changes.sites =
                Some(allowed_site_change(tx.as_mut(), actor, client.sites(), requested).await?);
        }
        let business = business_of(tx.as_mut(), actor).await?;
        if let Some(Some(phone)) = &mut changes.phone {
            *phone = phone.clone().in_country(business.settings.default_country);
        }
        let before = client.clone();
        let now = self.clock.now();
        if !client.apply(changes, now) {
            return Ok(ClientUpdate {
                client,
                merge: None,
            });
        }
        tx.update_client(&client, version).await?;
        self.audit_changes(tx.as_mut(), actor, &before, &client, now)
            .await?;
        self.emit(
            tx.as_mut(),
            actor.business_id,
            EventType::ClientUpdated,
            Resource::Client(&client),
        )
        .await?;
        let renamed = (before.first_name().key(), before.last_name().key())
            != (client.first_name().key(), client.last_name().key());
        let merged = match renamed && business.settings.merge_on_identical_name {
            true => {
                self.merge_same_name(tx.as_mut(), actor, &client, now)
                    .await?
            }
            false => None,
        };
        tx.commit().await?;
        Ok(match merged {
            Some(outcome) => ClientUpdate {
                client: outcome.kept,
                merge: Some(outcome.merge),
            },
            None => ClientUpdate {
                client,
                merge: None,
            },
        })
    }

    /// CL-3 to CL-10, PL-9: one page of the clients the caller can see, searched and
    /// filtered.
    pub async fn list_clients(
        &self,
        actor: &Actor,
        request: &ClientListRequest,
    ) -> Result<Page<Client>, ClientError> {
        let search = request
            .q
            .as_deref()
            .map(|q| ClientSearch::parse("q", q))
            .transpose()
            .map_err(|e| ClientError::Invalid(ValidationErrors(vec![e])))?;
        let listing = client_listing(actor.business_id, request, search.as_ref());
        let cursor = request.cursor.as_deref();
        let (past_exact_matches, after) = match &search {
            None => (
                false,
                self.cursors.decode_opt::<ClientSortKey>(&listing, cursor)?,
            ),
            Some(_) => self
                .cursors
                .decode_opt::<SearchPosition>(&listing, cursor)?
                .map_or((false, None), |p| (p.past_exact_matches, Some(p.key))),
        };
        if after.as_ref().is_some_and(|key| !request.sort.accepts(key)) {
            return Err(ForeignCursor.into());
        }
        let mut tx = self.storage.read().await?;
        let limit = request.limit.get();
        let query = ClientQuery {
            past_exact_matches,
            after,
            ..self
                .client_query(tx.as_mut(), actor, request, search.clone(), limit + 1)
                .await?
        };
        let rows = tx.clients(actor.business_id, &query).await?;
        Ok(match &search {
            None => self
                .cursors
                .paginate(&listing, rows, limit, |c| request.sort.key_of(c)),
            Some(search) => self
                .cursors
                .paginate(&listing, rows, limit, |c| SearchPosition {
                    past_exact_matches: !search.is_exact(c),
                    key: request.sort.key_of(c),
                }),
        })
    }

    /// The storage query of the list `request` asks for, from its first page, with
    /// `search` (parsed from `request.q`) and at most `limit` rows: its site, labels,
    /// marketing preference and custom fields checked, its activity as of now.
    pub(crate) async fn client_query(
        &self,
        tx: &mut dyn Transaction,
        actor: &Actor,
        request: &ClientListRequest,
        search: Option<ClientSearch>,
        limit: u32,
    ) -> Result<ClientQuery, ClientError> {
        let site = match request.site {
            SiteChoice::All => None,
            SiteChoice::Current => Some(default_site(&mut *tx, actor).await?),
            SiteChoice::One(site) => {
                check_sites_usable(&mut *tx, actor, &[site]).await?;
                Some(site)
            }
        };
        if let Some(LabelFilter::AnyOf(labels) | LabelFilter::AllOf(labels)) = &request.labels {
            check_labels_exist(&mut *tx, actor, labels, "labels").await?;
        }
        if let Some(preference) = request.opted_in
            && tx
                .preference(actor.business_id, preference)
                .await?
                .is_none()
        {
            return Err(
                ValidationErrors::single("opted_in", "no such marketing preference").into(),
            );
        }
        let custom_fields =
            crate::custom_fields::filter_keys(&mut *tx, actor, "field", &request.custom_fields)
                .await??;
        let now = self.clock.now();
        let activity = match (request.recent_days, request.inactive_days) {
            (None, None) => None,
            (Some(days), None) => Some(Activity::recent(days, now)),
            (None, Some(days)) => Some(Activity::inactive(days, now)),
            (Some(_), Some(_)) => Some(Err(FieldError::new(
                "inactive_days",
                "ask for recent or inactive clients, not both",
            ))),
        }
        .transpose()
        .map_err(|e| ClientError::Invalid(ValidationErrors(vec![e])))?;
        Ok(ClientQuery {
            banned: request.banned,
            has_account: request.has_account,
            activity,
            opted_in: request.opted_in,
            holding: request.holding,
            has_membership: request.has_membership,
            membership_status: request.membership_status,
            custom_fields,
            scope: actor.scope.clone(),
            site,
            labels: request.labels.clone(),
            search,
            past_exact_matches: false,
            sort: request.sort,
            after: None,
            limit,
        })
    }
}

impl Clientele {
    /// CL-20: bans a client (owner, admin): new bookings with their email are refused.
    /// Existing appointments stay. Audited.
    pub async fn ban_client(&self, actor: &Actor, id: ClientId) -> Result<Client, ClientError> {
        self.set_ban(actor, id, true).await
    }

    /// CL-20: lifts a ban (owner, admin). Audited.
    pub async fn unban_client(&self, actor: &Actor, id: ClientId) -> Result<Client, ClientError> {
        self.set_ban(actor, id, false).await
    }

    async fn set_ban(
        &self,
        actor: &Actor,
        id: ClientId,
        banned: bool,
    ) -> Result<Client, ClientError> {
        actor.require(Permission::BanClients)?;
        let mut tx = self.storage.begin().await?;
        let mut client = visible_client(tx.as_mut(), actor, id).await?;
        let version = client.version();
        let now = self.clock.now();
        let (changed, action) = if banned {
            (client.ban(now), ClientAuditAction::Banned)
        } else {
            (client.unban(now), ClientAuditAction::Unbanned)
        };
        if changed {
            tx.update_client(&client, version).await?;
            self.emit(
                tx.as_mut(),
                actor.business_id,
                EventType::ClientUpdated,
                Resource::Client(&client),
            )
            .await?;
            tx.record_client_audit(&ClientAuditEntry {
                id: AuditId::from_uuid(self.ids.new_id()),
                business_id: actor.business_id,
                client_id: client.id(),
                actor: actor.staff_id,
                at: now,
                action,
                field: None,
                old_value: None,
                new_value: None,
            })
            .await?;
            tx.commit().await?;
        }
        Ok(client)
    }

    /// CL-14: records, field by field, what differs from `before` to `after`.
    pub(crate) async fn audit_changes(
        &self,
        tx: &mut dyn Transaction,
        actor: &Actor,
        before: &Client,
        after: &Client,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StorageError> {
        for change in client_changes(before, after) {
            tx.record_client_audit(&ClientAuditEntry {
                id: AuditId::from_uuid(self.ids.new_id()),
                business_id: actor.business_id,
                client_id: after.id(),
                actor: actor.staff_id,
                at,
                action: ClientAuditAction::Updated,
                field: Some(change.field),
                old_value: change.old,
                new_value: change.new,
            })
            .await?;
        }
        Ok(())
    }

    /// CL-14: a client's audit trail, newest first (the latest `limit` entries).
    pub async fn client_audit(
        &self,
        actor: &Actor,
        id: ClientId,
        limit: PageLimit,
    ) -> Result<Vec<ClientAuditEntry>, ClientError> {
        let mut tx = self.storage.read().await?;
        visible_client(tx.as_mut(), actor, id).await?;
        Ok(tx.client_audit(actor.business_id, id, limit.get()).await?)
    }
}

/// The sites a client ends up with when `actor` asks for `requested`: sites outside the
/// actor's scope can be neither added nor removed.
async fn allowed_site_change(
    tx: &mut dyn Transaction,
    actor: &Actor,
    current: &[SiteId],
    requested: Vec<SiteId>,
) -> Result<Vec<SiteId>, ClientError> {
    check_sites_exist(tx, actor, &requested).await?;
    let added = requested.iter().filter(|s| !current.contains(s));
    let removed = current.iter().filter(|s| !requested.contains(s));
    check_sites_in_scope(actor, added.chain(removed))?;
    Ok(requested)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{actor, app_with, business, now, site, uuid};
    use clientele_domain::{ClientParts, Role, SiteScope};
    use clientele_ports::storage::MockTransaction;

    fn stored_client(version: i64) -> Client {
        let new = NewClient::parse(&ClientInput {
            first_name: "Ana".into(),
            last_name: "Silva".into(),
            ..Default::default()
        })
        .unwrap();
        let client = Client::create(
            ClientId::from_uuid(uuid(50)),
            business(),
            new,
            vec![site(10)],
            now(),
            now().date_naive(),
        );
        Client::restore(ClientParts {
            version: Version::new(version),
            ..client.into_parts()
        })
    }

    #[tokio::test]
    async fn pl_11_a_stale_version_is_refused_before_anything_is_written() {
        let mut tx = MockTransaction::new();
        tx.clients
            .expect_client()
            .returning(|_, _| Ok(Some(stored_client(2))));
        tx.clients.expect_update_client().never();
        tx.commit.expect_commit().never();
        let change = ClientChangesInput {
            first_name: Some("Anna".into()),
            ..Default::default()
        };

        let outcome = app_with(tx)
            .update_client(
                &actor(Role::Owner, SiteScope::All),
                ClientId::from_uuid(uuid(50)),
                Version::new(1),
                &change,
            )
            .await;

        assert!(matches!(outcome, Err(ClientError::VersionConflict)));
    }

    #[tokio::test]
    async fn pl_14_a_member_with_no_site_cannot_create_a_client_without_naming_one() {
        let mut tx = MockTransaction::new();
        tx.clients.expect_insert_client().never();
        tx.commit.expect_commit().never();
        let input = ClientInput {
            first_name: "Ana".into(),
            last_name: "Silva".into(),
            ..Default::default()
        };

        let outcome = app_with(tx)
            .create_client(&actor(Role::Staff, SiteScope::Only(vec![])), &input)
            .await;

        assert!(matches!(outcome, Err(ClientError::NoDefaultSite)));
    }

    #[tokio::test]
    async fn pl_14_a_client_of_other_sites_is_hidden_from_a_scoped_member() {
        let mut tx = MockTransaction::new();
        tx.clients
            .expect_client()
            .returning(|_, _| Ok(Some(stored_client(1))));

        let outcome = app_with(tx)
            .client(
                &actor(Role::Staff, SiteScope::Only(vec![site(11)])),
                ClientId::from_uuid(uuid(50)),
            )
            .await;

        assert!(matches!(outcome, Err(ClientError::NotFound)));
    }
}
