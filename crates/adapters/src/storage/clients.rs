//! `ClientRepository` over a [`SeaTransaction`]: clients, their sites and labels, and the
//! client list with keyset pagination in the four orders of CL-4, filtered by site (PL-14),
//! by label, by marketing consent and by custom field value (CL-10, CL-24).

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::sea_query::{Alias, ColumnRef, Expr, ExprTrait, IntoColumnRef, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityName,
    EntityTrait, IdenStatic, JoinType, QueryFilter, QueryOrder, QueryResult, QuerySelect,
    QueryTrait, Select,
};
use thiserror::Error;
use uuid::Uuid;

use chrono::{DateTime, Utc};
use clientele_domain::label::LabelFilter;
use clientele_domain::paging::Activity;
use clientele_domain::{
    BusinessId, Client, ClientId, ClientSort, ClientSortKey, LabelId, MarketingPreferenceId,
    SiteId, SiteScope, Version,
};
use clientele_ports::StorageError;
use clientele_ports::storage::{ClientQuery, ClientRepository};

use super::conversions::{
    ClientRow, SearchKeys, client_changes, client_label_rows, client_label_site_rows, client_row,
    client_site_rows, instant, search_term_rows, search_terms,
};
use super::custom_fields::custom_value_condition;
use super::entities::{
    appointments, client_consents, client_label_sites, client_labels, client_search_terms,
    client_sites, clients,
};
use super::{SeaTransaction, unexpected, unique_violation};

/// A cursor of one order used with another: the caller should have refused it.
#[derive(Debug, Error)]
#[error("a {sort:?} client list cannot start after a cursor of another order")]
struct CursorOfAnotherOrder {
    sort: ClientSort,
}

/// The row a list's site filter is correlated with: the client's own, or in a list read
/// from membership rows ([`with_members`]) its membership row ([`MEMBER`]), so that SQLite
/// checks the site from that row before it looks the client up (it checks a condition as
/// soon as the rows it names are read; PostgreSQL finds that order itself).
#[derive(Debug, Clone, Copy)]
enum Owner {
    Client,
    Member,
}

/// The alias of the membership rows a list reads ([`with_members`]): `client_labels`,
/// `client_sites` or `client_label_sites`, whose columns read through it are named alike.
const MEMBER: &str = "member";

/// `column` of the membership row ([`MEMBER`]), named as in any of its tables.
fn member(column: impl IdenStatic) -> Expr {
    Expr::col((Alias::new(MEMBER), Alias::new(column.as_str())))
}

impl Owner {
    fn business_and_id(self) -> (ColumnRef, ColumnRef) {
        match self {
            Owner::Client => (
                (clients::Entity, clients::Column::BusinessId).into_column_ref(),
                (clients::Entity, clients::Column::Id).into_column_ref(),
            ),
            Owner::Member => (
                (Alias::new(MEMBER), client_labels::Column::BusinessId).into_column_ref(),
                (Alias::new(MEMBER), client_labels::Column::ClientId).into_column_ref(),
            ),
        }
    }
}

/// `EXISTS (SELECT 1 FROM client_sites WHERE business and client match `owner`'s AND <site
/// filter>)`.
fn has_site_where(site_filter: Expr, owner: Owner) -> Expr {
    let (business, id) = owner.business_and_id();
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from(client_sites::Entity)
        .and_where(
            Expr::col((client_sites::Entity, client_sites::Column::BusinessId)).equals(business),
        )
        .and_where(Expr::col((client_sites::Entity, client_sites::Column::ClientId)).equals(id))
        .and_where(site_filter);
    Expr::exists(sub.take())
}

/// `EXISTS (SELECT 1 FROM client_labels WHERE business and client match AND label_id IN
/// labels)`.
fn has_label_in(labels: &[LabelId]) -> Expr {
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from(client_labels::Entity)
        .and_where(
            Expr::col((client_labels::Entity, client_labels::Column::BusinessId))
                .equals((clients::Entity, clients::Column::BusinessId)),
        )
        .and_where(
            Expr::col((client_labels::Entity, client_labels::Column::ClientId))
                .equals((clients::Entity, clients::Column::Id)),
        )
        .and_where(
            Expr::col((client_labels::Entity, client_labels::Column::LabelId))
                .is_in(labels.iter().map(LabelId::as_uuid)),
        );
    Expr::exists(sub.take())
}

/// `EXISTS (SELECT 1 FROM client_consents WHERE business and client match AND
/// preference_id = preference AND opted_in)`: the client is opted in to `preference` now.
pub(crate) fn has_opted_in(preference: MarketingPreferenceId) -> Expr {
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from(client_consents::Entity)
        .and_where(
            Expr::col((client_consents::Entity, client_consents::Column::BusinessId))
                .equals((clients::Entity, clients::Column::BusinessId)),
        )
        .and_where(
            Expr::col((client_consents::Entity, client_consents::Column::ClientId))
                .equals((clients::Entity, clients::Column::Id)),
        )
        .and_where(
            Expr::col((
                client_consents::Entity,
                client_consents::Column::PreferenceId,
            ))
            .eq(preference.as_uuid()),
        )
        .and_where(Expr::col((client_consents::Entity, client_consents::Column::OptedIn)).eq(true));
    Expr::exists(sub.take())
}

/// `EXISTS` a scheduled (not cancelled) appointment of the client starting from `since`
/// (and up to `until` when given).
fn has_appointment_between(since: DateTime<Utc>, until: Option<DateTime<Utc>>) -> Expr {
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from(appointments::Entity)
        .and_where(
            Expr::col((appointments::Entity, appointments::Column::BusinessId))
                .equals((clients::Entity, clients::Column::BusinessId)),
        )
        .and_where(
            Expr::col((appointments::Entity, appointments::Column::ClientId))
                .equals((clients::Entity, clients::Column::Id)),
        )
        .and_where(Expr::col((appointments::Entity, appointments::Column::Status)).eq("scheduled"))
        .and_where(
            Expr::col((appointments::Entity, appointments::Column::StartsAt)).gte(instant(since)),
        );
    if let Some(until) = until {
        sub.and_where(
            Expr::col((appointments::Entity, appointments::Column::StartsAt)).lte(instant(until)),
        );
    }
    Expr::exists(sub.take())
}

/// CL-9 as a condition.
fn activity_condition(activity: Activity) -> Condition {
    match activity {
        Activity::Recent { since, until } => {
            Condition::all().add(has_appointment_between(since, Some(until)))
        }
        Activity::Inactive { since } => Condition::all()
            .add(clients::Column::CreatedAt.lte(instant(since)))
            .add(has_appointment_between(since, None).not()),
    }
}

/// CL-10 as a condition, or `None` when no client can match (an empty "any of").
/// "All of" is one `EXISTS` per label, each answered by the primary key; an empty one
/// matches every client.
fn label_condition(filter: &LabelFilter) -> Option<Condition> {
    match filter {
        LabelFilter::AnyOf(labels) if labels.is_empty() => None,
        LabelFilter::AnyOf(labels) => Some(Condition::all().add(has_label_in(labels))),
        LabelFilter::AllOf(labels) => {
            let mut each = labels.clone();
            each.sort();
            each.dedup();
            Some(each.iter().fold(Condition::all(), |all, label| {
                all.add(has_label_in(std::slice::from_ref(label)))
            }))
        }
    }
}

/// The columns of an order, most significant first; the id always ends it.
pub(super) fn order_columns(sort: ClientSort) -> &'static [clients::Column] {
    use clients::Column::*;
    match sort {
        ClientSort::LastName => &[LastNameKey, FirstNameKey, Id],
        ClientSort::FirstName => &[FirstNameKey, LastNameKey, Id],
        ClientSort::CreatedAt => &[CreatedAt, Id],
        ClientSort::AdminUpdatedAt => &[AdminUpdatedAt, Id],
    }
}

/// "Strictly after `key`" as an expanded OR chain, which both databases plan well and
/// which, unlike row-value comparison, reads the same everywhere:
/// `(a > ?) OR (a = ? AND b > ?) OR (a = ? AND b = ? AND id > ?)`, each column written
/// as `column` gives it.
pub(super) fn strictly_after(
    sort: ClientSort,
    key: &ClientSortKey,
    column: &dyn Fn(clients::Column) -> Expr,
) -> Result<Condition, StorageError> {
    if !sort.accepts(key) {
        return Err(unexpected(CursorOfAnotherOrder { sort }));
    }
    let values: Vec<sea_orm::Value> = match key {
        ClientSortKey::Names {
            primary,
            secondary,
            id,
        } => vec![
            primary.clone().into(),
            secondary.clone().into(),
            id.as_uuid().into(),
        ],
        ClientSortKey::Instant { at, id } => vec![instant(*at).into(), id.as_uuid().into()],
    };
    let columns = order_columns(sort);
    let mut chain = Condition::any();
    for position in 0..columns.len() {
        let mut step = Condition::all();
        for (c, value) in columns.iter().zip(&values).take(position) {
            step = step.add(column(*c).eq(value.clone()));
        }
        step = step.add(column(columns[position]).gt(values[position].clone()));
        chain = chain.add(step);
    }
    Ok(chain)
}

/// The clients of `business` that pass every filter of `query` but the search, in no
/// order: `Unfiltered` when there is no filter, `None` when no client can pass.
pub(super) enum Filtered {
    Unfiltered(Select<clients::Entity>),
    Filtered(Select<clients::Entity>),
}

impl Filtered {
    pub(super) fn select(&self) -> &Select<clients::Entity> {
        match self {
            Filtered::Unfiltered(select) | Filtered::Filtered(select) => select,
        }
    }
}

/// CL-4, CL-10, PL-14: how a list in a name order filtered by a label or a site reads
/// the membership rows of that label or site ([`with_members`]), which carry the name
/// keys and are indexed in both name orders after the label and site, rather than walk
/// the business's whole sort index probing each client's labels and sites (for a label a
/// few percent of clients have, that walk reads tens of thousands of entries for a page).
enum ByMembers {
    /// Read the clients of this label (or of the site alone) in order, checking the label
    /// filter left on each: the one label of "any of" (nothing left), or the first of
    /// "all of" (the others).
    One(Option<LabelId>, Option<LabelFilter>),
    /// "Any of" several labels: each label's first page in order, merged.
    Each(Vec<LabelId>),
}

impl ByMembers {
    /// `None` for a search (it plans its own reads), an order by date (walked), a list
    /// filtered by neither a label nor a site, or a label filter that matches nobody (an
    /// empty "any of", which `filtered_clients` answers).
    fn of(query: &ClientQuery) -> Option<ByMembers> {
        let in_name_order = matches!(query.sort, ClientSort::LastName | ClientSort::FirstName);
        if query.search.is_some() || !in_name_order {
            return None;
        }
        let (any, mut labels) = match &query.labels {
            Some(LabelFilter::AnyOf(labels)) if labels.is_empty() => return None,
            Some(LabelFilter::AnyOf(labels)) => (true, labels.clone()),
            Some(LabelFilter::AllOf(labels)) => (false, labels.clone()),
            None => (false, Vec::new()),
        };
        labels.sort();
        labels.dedup();
        let Some(&first) = labels.first() else {
            return query.site.map(|_| ByMembers::One(None, None));
        };
        let rest = labels[1..].to_vec();
        Some(match (any, rest.is_empty()) {
            (_, true) => ByMembers::One(Some(first), None),
            (true, false) => ByMembers::Each(labels),
            (false, false) => ByMembers::One(Some(first), Some(LabelFilter::AllOf(rest))),
        })
    }

    /// The label filter the clients read this way are still to pass.
    fn left(&self) -> Option<&LabelFilter> {
        match self {
            ByMembers::One(_, left) => left.as_ref(),
            ByMembers::Each(_) => None,
        }
    }
}

/// `select` (over `clients`) restricted to the clients of `label` and of `site` (at
/// least one given), joined to their membership row ([`MEMBER`]) whose columns
/// [`member_column`] orders by: of `client_labels` for a label, `client_sites` for a site,
/// `client_label_sites` for both. Its index gives those clients in order, none to skip.
fn with_members(
    mut select: Select<clients::Entity>,
    business: BusinessId,
    label: Option<LabelId>,
    site: Option<SiteId>,
) -> Select<clients::Entity> {
    let table = match (label, site) {
        (Some(_), None) => client_labels::Entity.table_ref(),
        (None, _) => client_sites::Entity.table_ref(),
        (Some(_), Some(_)) => client_label_sites::Entity.table_ref(),
    };
    let on = Condition::all()
        .add(
            member(client_labels::Column::BusinessId)
                .equals((clients::Entity, clients::Column::BusinessId)),
        )
        .add(
            member(client_labels::Column::ClientId).equals((clients::Entity, clients::Column::Id)),
        );
    QuerySelect::query(&mut select).join_as(JoinType::InnerJoin, table, Alias::new(MEMBER), on);
    select = select.filter(member(client_labels::Column::BusinessId).eq(business.as_uuid()));
    if let Some(label) = label {
        select = select.filter(member(client_labels::Column::LabelId).eq(label.as_uuid()));
    }
    if let Some(site) = site {
        select = select.filter(member(client_sites::Column::SiteId).eq(site.as_uuid()));
    }
    select
}

/// A sort column of a list read through [`with_members`]: the name keys and id from the
/// membership row, so that its index gives the order.
fn member_column(column: clients::Column) -> Expr {
    match column {
        clients::Column::LastNameKey => member(client_labels::Column::LastNameKey),
        clients::Column::FirstNameKey => member(client_labels::Column::FirstNameKey),
        clients::Column::Id => member(client_labels::Column::ClientId),
        other => Expr::col((clients::Entity, other)),
    }
}

/// The clients of `business` that pass every filter of `query` but the search, with
/// `labels` for its label filter, `site` for its site filter, and the site filters
/// correlated with `sites_of`.
fn filtered_clients(
    business: BusinessId,
    query: &ClientQuery,
    labels: Option<&LabelFilter>,
    site: Option<SiteId>,
    sites_of: Owner,
) -> Option<Filtered> {
    // A walk of the sort index checks these on each client in this order (SQLite keeps
    // it): the usually rarest first, so that most clients fail at the first probe.
    let mut filters = Condition::all();
    if let Some(filter) = labels {
        filters = filters.add(label_condition(filter)?);
    }
    if !query.custom_fields.is_empty() {
        filters = filters.add(custom_value_condition(&query.custom_fields));
    }
    if let Some(preference) = query.opted_in {
        filters = filters.add(has_opted_in(preference));
    }
    match &query.scope {
        SiteScope::All => {}
        SiteScope::Only(sites) if sites.is_empty() => return None,
        SiteScope::Only(sites) => {
            let in_scope = Expr::col((client_sites::Entity, client_sites::Column::SiteId))
                .is_in(sites.iter().map(SiteId::as_uuid));
            filters = filters.add(has_site_where(in_scope, sites_of));
        }
    }
    if let Some(site) = site {
        let this_site =
            Expr::col((client_sites::Entity, client_sites::Column::SiteId)).eq(site.as_uuid());
        filters = filters.add(has_site_where(this_site, sites_of));
    }
    if let Some(banned) = query.banned {
        filters = filters.add(clients::Column::Banned.eq(banned));
    }
    if let Some(has_account) = query.has_account {
        filters = filters.add(clients::Column::HasAccount.eq(has_account));
    }
    if let Some(activity) = query.activity {
        filters = filters.add(activity_condition(activity));
    }
    let select = clients::Entity::find().filter(clients::Column::BusinessId.eq(business.as_uuid()));
    Some(match filters.is_empty() {
        true => Filtered::Unfiltered(select),
        false => Filtered::Filtered(select.filter(filters)),
    })
}

/// `select` in the order of `sort`, strictly after `after`, at most `limit` rows, each
/// sort column written as `column` gives it.
fn ordered(
    mut select: Select<clients::Entity>,
    query: &ClientQuery,
    column: &dyn Fn(clients::Column) -> Expr,
) -> Result<Select<clients::Entity>, StorageError> {
    if let Some(after) = &query.after {
        select = select.filter(strictly_after(query.sort, after, column)?);
    }
    for sorted in order_columns(query.sort) {
        select = select.order_by_asc(column(*sorted));
    }
    Ok(select.limit(u64::from(query.limit)))
}

/// Inserts `rows` of one table, if any.
async fn insert_rows<A>(txn: &DatabaseTransaction, rows: Vec<A>) -> Result<(), StorageError>
where
    A: ActiveModelTrait + Send,
{
    if rows.is_empty() {
        return Ok(());
    }
    <A::Entity as EntityTrait>::insert_many(rows)
        .exec_without_returning(txn)
        .await
        .map_err(unexpected)?;
    Ok(())
}

impl SeaTransaction {
    /// The client rows `select` finds (each with its site and label ids), as fetched: the
    /// select's columns are replaced with [`ClientRow::COLUMNS`], which
    /// [`Self::with_client_children`] reads.
    pub(super) async fn client_rows(
        &self,
        select: Select<clients::Entity>,
    ) -> Result<Vec<QueryResult>, StorageError> {
        let select = select.select_only().columns(ClientRow::COLUMNS);
        let statement = select.build(self.txn.get_database_backend());
        self.txn.query_all_raw(statement).await.map_err(unexpected)
    }

    /// Clients from their rows read by [`Self::client_rows`], and the custom field
    /// values of those of them that may have any by one more query (CL-24).
    async fn with_client_children(
        &self,
        business: BusinessId,
        rows: &[QueryResult],
    ) -> Result<Vec<Client>, StorageError> {
        let rows: Vec<ClientRow<'_>> = rows
            .iter()
            .map(ClientRow::decode)
            .collect::<Result<_, _>>()?;
        let ids: Vec<Uuid> = (rows.iter())
            .filter(|row| row.has_custom_values)
            .map(|row| row.id)
            .collect();
        let mut custom_values = self.custom_values_of(business, &ids).await?;
        let mut clients = Vec::with_capacity(rows.len());
        for row in rows {
            let (id, flagged) = (row.id, row.has_custom_values);
            let mut client = Client::try_from(row)?;
            if flagged && let Some(values) = custom_values.remove(&id) {
                client.custom_fields = values;
            }
            clients.push(client);
        }
        Ok(clients)
    }

    /// CL-10: a page of the clients of `select` with any of `labels`, in a name order:
    /// each label's first page read in order from its rows ([`with_members`]), one `UNION`
    /// to merge them (a client with several of the labels has the same sort key in each),
    /// then the page's rows by id.
    async fn rows_of_labels(
        &self,
        business: BusinessId,
        select: &Select<clients::Entity>,
        query: &ClientQuery,
        labels: &[LabelId],
    ) -> Result<Vec<QueryResult>, StorageError> {
        let mut parts = Vec::new();
        for label in labels {
            let mut page = ordered(
                with_members(select.clone(), business, Some(*label), query.site),
                query,
                &member_column,
            )?
            .select_only();
            for column in order_columns(query.sort) {
                page = page.column_as(member_column(*column), column.as_str());
            }
            parts.push((0, page.into_query()));
        }
        self.merged_rows(business, parts, query).await
    }

    /// Writes a client's sites, labels and label-site pairs (which refer to both).
    async fn insert_memberships(&self, client: &Client) -> Result<(), StorageError> {
        insert_rows(&self.txn, client_site_rows(client)).await?;
        insert_rows(&self.txn, client_label_rows(client)).await?;
        insert_rows(&self.txn, client_label_site_rows(client)).await
    }

    /// Removes a client's sites and labels; their label-site pairs go with them (`ON
    /// DELETE CASCADE`).
    async fn delete_memberships(&self, client: &Client) -> Result<(), StorageError> {
        let (business, id) = (client.business_id.as_uuid(), client.id.as_uuid());
        client_sites::Entity::delete_many()
            .filter(client_sites::Column::BusinessId.eq(business))
            .filter(client_sites::Column::ClientId.eq(id))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        client_labels::Entity::delete_many()
            .filter(client_labels::Column::BusinessId.eq(business))
            .filter(client_labels::Column::ClientId.eq(id))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(())
    }

    /// CL-5 to CL-7: writes the search terms of a client with these keys.
    async fn insert_search_terms(
        &self,
        business: Uuid,
        client: Uuid,
        keys: &SearchKeys,
    ) -> Result<(), StorageError> {
        insert_rows(&self.txn, search_term_rows(business, client, keys)).await
    }

    /// CL-5 to CL-7: replaces the search terms of a client whose keys were `old`, when
    /// they changed. The old terms are found by their primary key, computed from `old`.
    async fn replace_search_terms(
        &self,
        client: &Client,
        old: &SearchKeys,
    ) -> Result<(), StorageError> {
        let new = SearchKeys::of(client);
        if *old == new {
            return Ok(());
        }
        let (business, id) = (client.business_id.as_uuid(), client.id.as_uuid());
        let mut by_field: HashMap<&str, Vec<String>> = HashMap::new();
        for (field, term) in search_terms(old) {
            by_field.entry(field).or_default().push(term);
        }
        if !by_field.is_empty() {
            let terms = by_field
                .into_iter()
                .fold(Condition::any(), |any, (field, terms)| {
                    any.add(
                        Condition::all()
                            .add(client_search_terms::Column::Field.eq(field))
                            .add(client_search_terms::Column::Term.is_in(terms)),
                    )
                });
            client_search_terms::Entity::delete_many()
                .filter(client_search_terms::Column::BusinessId.eq(business))
                .filter(client_search_terms::Column::ClientId.eq(id))
                .filter(terms)
                .exec(&self.txn)
                .await
                .map_err(unexpected)?;
        }
        self.insert_search_terms(business, id, &new).await
    }
}

#[async_trait]
impl ClientRepository for SeaTransaction {
    async fn insert_client(&mut self, client: &Client) -> Result<(), StorageError> {
        self.guarded(&clients::Entity::insert(client_row(client)))
            .await
            .map_err(|err| match unique_violation(&err) {
                Some(_) => StorageError::Duplicate("client"),
                None => unexpected(err),
            })?;
        self.insert_memberships(client).await?;
        let (business, id) = (client.business_id.as_uuid(), client.id.as_uuid());
        self.insert_search_terms(business, id, &SearchKeys::of(client))
            .await?;
        self.write_custom_values(client, false).await
    }

    async fn client(
        &mut self,
        business: BusinessId,
        id: ClientId,
    ) -> Result<Option<Client>, StorageError> {
        let select = clients::Entity::find()
            .filter(clients::Column::BusinessId.eq(business.as_uuid()))
            .filter(clients::Column::Id.eq(id.as_uuid()));
        let rows = self.client_rows(select).await?;
        Ok(self.with_client_children(business, &rows).await?.pop())
    }

    async fn update_client(
        &mut self,
        client: &Client,
        expected: Version,
    ) -> Result<(), StorageError> {
        let business = client.business_id.as_uuid();
        let row = || {
            clients::Entity::find()
                .filter(clients::Column::BusinessId.eq(business))
                .filter(clients::Column::Id.eq(client.id.as_uuid()))
        };
        // The keys of the version being replaced: if the update below succeeds, the row
        // was still at that version, so these were its keys.
        let old = row()
            .filter(clients::Column::Version.eq(expected.get()))
            .one(&self.txn)
            .await
            .map_err(unexpected)?;
        let Some(old) = old.as_ref().map(SearchKeys::from) else {
            return Err(self.missed_update(row()).await);
        };
        let result = clients::Entity::update_many()
            .set(client_changes(client))
            .filter(clients::Column::BusinessId.eq(business))
            .filter(clients::Column::Id.eq(client.id.as_uuid()))
            .filter(clients::Column::Version.eq(expected.get()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        if result.rows_affected == 0 {
            return Err(self.missed_update(row()).await);
        }
        // Rewritten whole, so that the name keys they carry follow a rename.
        self.delete_memberships(client).await?;
        self.insert_memberships(client).await?;
        self.replace_search_terms(client, &old).await?;
        self.write_custom_values(client, true).await
    }

    async fn clients(
        &mut self,
        business: BusinessId,
        query: &ClientQuery,
    ) -> Result<Vec<Client>, StorageError> {
        let by_members = ByMembers::of(query);
        // A list read from membership rows reads those of its site, if it has one: its
        // site filter is answered by the rows themselves.
        let (labels, site, sites_of) = match &by_members {
            Some(by_members) => (by_members.left(), None, Owner::Member),
            None => (query.labels.as_ref(), query.site, Owner::Client),
        };
        let Some(filtered) = filtered_clients(business, query, labels, site, sites_of) else {
            return Ok(Vec::new());
        };
        let select = filtered.select().clone();
        let qualified = |column| Expr::col((clients::Entity, column));
        let rows = match (&query.search, by_members) {
            (Some(search), _) => self.search_rows(business, filtered, query, search).await?,
            (None, Some(ByMembers::Each(labels))) => {
                self.rows_of_labels(business, &select, query, &labels)
                    .await?
            }
            (None, Some(ByMembers::One(label, _))) => {
                let page = ordered(
                    with_members(select, business, label, query.site),
                    query,
                    &member_column,
                )?;
                self.client_rows(page).await?
            }
            (None, None) => {
                let page = ordered(select, query, &qualified)?;
                self.client_rows(page).await?
            }
        };
        self.with_client_children(business, &rows).await
    }

    async fn clients_by_email(
        &mut self,
        business: BusinessId,
        email_key: &str,
        limit: u32,
    ) -> Result<Vec<Client>, StorageError> {
        let select = clients::Entity::find()
            .filter(clients::Column::BusinessId.eq(business.as_uuid()))
            .filter(clients::Column::EmailKey.eq(email_key))
            .order_by_asc(clients::Column::CreatedAt)
            .order_by_asc(clients::Column::Id)
            .limit(u64::from(limit));
        let rows = self.client_rows(select).await?;
        self.with_client_children(business, &rows).await
    }

    async fn email_banned(
        &mut self,
        business: BusinessId,
        email_key: &str,
    ) -> Result<bool, StorageError> {
        let banned = clients::Entity::find()
            .select_only()
            .column(clients::Column::Id)
            .filter(clients::Column::BusinessId.eq(business.as_uuid()))
            .filter(clients::Column::EmailKey.eq(email_key))
            .filter(clients::Column::Banned.eq(true))
            .into_tuple::<Uuid>()
            .one(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(banned.is_some())
    }
}
