//! `ClientRepository` over a [`SeaTransaction`]: clients, their sites and labels, and the
//! client list with keyset pagination in the four orders of CL-4, filtered by site (PL-14),
//! by label, by marketing consent and by custom field value (CL-10, CL-24).

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
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
    ClientWithChildren, SearchKeys, client_changes, client_label_rows, client_row,
    client_site_rows, instant, labels_by_owner, search_term_rows, search_terms, sites_by_owner,
};
use super::custom_fields::custom_value_condition;
use super::entities::{
    appointments, client_consents, client_labels, client_search_terms, client_sites, clients,
};
use super::{SeaTransaction, unexpected, unique_violation};

/// A cursor of one order used with another: the caller should have refused it.
#[derive(Debug, Error)]
#[error("a {sort:?} client list cannot start after a cursor of another order")]
struct CursorOfAnotherOrder {
    sort: ClientSort,
}

/// `EXISTS (SELECT 1 FROM client_sites WHERE business and client match AND <site filter>)`.
fn has_site_where(site_filter: Expr) -> Expr {
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from(client_sites::Entity)
        .and_where(
            Expr::col((client_sites::Entity, client_sites::Column::BusinessId))
                .equals((clients::Entity, clients::Column::BusinessId)),
        )
        .and_where(
            Expr::col((client_sites::Entity, client_sites::Column::ClientId))
                .equals((clients::Entity, clients::Column::Id)),
        )
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

fn filtered_clients(business: BusinessId, query: &ClientQuery) -> Option<Filtered> {
    // A walk of the sort index checks these on each client in this order (SQLite keeps
    // it): the usually rarest first, so that most clients fail at the first probe.
    let mut filters = Condition::all();
    if let Some(filter) = &query.labels {
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
            filters = filters.add(has_site_where(in_scope));
        }
    }
    if let Some(site) = query.site {
        let this_site =
            Expr::col((client_sites::Entity, client_sites::Column::SiteId)).eq(site.as_uuid());
        filters = filters.add(has_site_where(this_site));
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

/// `select` in the order of `sort`, strictly after `after`, at most `limit` rows.
pub(super) fn ordered(
    mut select: Select<clients::Entity>,
    sort: ClientSort,
    after: Option<&ClientSortKey>,
    limit: u32,
) -> Result<Select<clients::Entity>, StorageError> {
    if let Some(after) = after {
        let qualified = |column| Expr::col((clients::Entity, column));
        select = select.filter(strictly_after(sort, after, &qualified)?);
    }
    for column in order_columns(sort) {
        select = select.order_by_asc(*column);
    }
    Ok(select.limit(u64::from(limit)))
}

impl SeaTransaction {
    /// The sites of these clients, in one query.
    async fn client_sites_of(
        &self,
        business: BusinessId,
        clients: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<SiteId>>, StorageError> {
        if clients.is_empty() {
            return Ok(HashMap::new());
        }
        let pairs = client_sites::Entity::find()
            .select_only()
            .column(client_sites::Column::ClientId)
            .column(client_sites::Column::SiteId)
            .filter(client_sites::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_sites::Column::ClientId.is_in(clients.iter().copied()))
            .into_tuple::<(Uuid, Uuid)>()
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(sites_by_owner(pairs))
    }

    /// The labels of these clients, in one query.
    async fn client_labels_of(
        &self,
        business: BusinessId,
        clients: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<LabelId>>, StorageError> {
        if clients.is_empty() {
            return Ok(HashMap::new());
        }
        let pairs = client_labels::Entity::find()
            .select_only()
            .column(client_labels::Column::ClientId)
            .column(client_labels::Column::LabelId)
            .filter(client_labels::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_labels::Column::ClientId.is_in(clients.iter().copied()))
            .into_tuple::<(Uuid, Uuid)>()
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(labels_by_owner(pairs))
    }

    /// Clients from their rows: one query for the page's sites, one for its labels, and
    /// those of `custom_values_of` for its custom field values (CL-24).
    async fn with_client_children(
        &self,
        business: BusinessId,
        rows: Vec<clients::Model>,
    ) -> Result<Vec<Client>, StorageError> {
        let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
        let mut sites = self.client_sites_of(business, &ids).await?;
        let mut labels = self.client_labels_of(business, &ids).await?;
        let mut custom_values = self.custom_values_of(business, &ids).await?;
        rows.into_iter()
            .map(|row| {
                let sites = sites.remove(&row.id).unwrap_or_default();
                let labels = labels.remove(&row.id).unwrap_or_default();
                let values = custom_values.remove(&row.id).unwrap_or_default();
                let mut client = Client::try_from(ClientWithChildren { row, sites, labels })?;
                client.custom_fields = values;
                Ok(client)
            })
            .collect()
    }

    async fn insert_client_sites(&self, client: &Client) -> Result<(), StorageError> {
        let rows = client_site_rows(client);
        if rows.is_empty() {
            return Ok(());
        }
        client_sites::Entity::insert_many(rows)
            .exec_without_returning(&self.txn)
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
        let rows = search_term_rows(business, client, keys);
        if rows.is_empty() {
            return Ok(());
        }
        client_search_terms::Entity::insert_many(rows)
            .exec_without_returning(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(())
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

    async fn insert_client_labels(&self, client: &Client) -> Result<(), StorageError> {
        let rows = client_label_rows(client);
        if rows.is_empty() {
            return Ok(());
        }
        client_labels::Entity::insert_many(rows)
            .exec_without_returning(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(())
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
        self.insert_client_sites(client).await?;
        let (business, id) = (client.business_id.as_uuid(), client.id.as_uuid());
        self.insert_search_terms(business, id, &SearchKeys::of(client))
            .await?;
        self.insert_client_labels(client).await?;
        self.write_custom_values(client, false).await
    }

    async fn client(
        &mut self,
        business: BusinessId,
        id: ClientId,
    ) -> Result<Option<Client>, StorageError> {
        let row = clients::Entity::find()
            .filter(clients::Column::BusinessId.eq(business.as_uuid()))
            .filter(clients::Column::Id.eq(id.as_uuid()))
            .one(&self.txn)
            .await
            .map_err(unexpected)?;
        match row {
            None => Ok(None),
            Some(row) => Ok(self.with_client_children(business, vec![row]).await?.pop()),
        }
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
        client_sites::Entity::delete_many()
            .filter(client_sites::Column::BusinessId.eq(business))
            .filter(client_sites::Column::ClientId.eq(client.id.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        self.insert_client_sites(client).await?;
        self.replace_search_terms(client, &old).await?;
        client_labels::Entity::delete_many()
            .filter(client_labels::Column::BusinessId.eq(business))
            .filter(client_labels::Column::ClientId.eq(client.id.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        self.insert_client_labels(client).await?;
        self.write_custom_values(client, true).await
    }

    async fn clients(
        &mut self,
        business: BusinessId,
        query: &ClientQuery,
    ) -> Result<Vec<Client>, StorageError> {
        let Some(filtered) = filtered_clients(business, query) else {
            return Ok(Vec::new());
        };
        let rows = match &query.search {
            Some(search) => self.search_rows(business, filtered, query, search).await?,
            None => ordered(
                filtered.select().clone(),
                query.sort,
                query.after.as_ref(),
                query.limit,
            )?
            .all(&self.txn)
            .await
            .map_err(unexpected)?,
        };
        self.with_client_children(business, rows).await
    }

    async fn clients_by_email(
        &mut self,
        business: BusinessId,
        email_key: &str,
        limit: u32,
    ) -> Result<Vec<Client>, StorageError> {
        let rows = clients::Entity::find()
            .filter(clients::Column::BusinessId.eq(business.as_uuid()))
            .filter(clients::Column::EmailKey.eq(email_key))
            .order_by_asc(clients::Column::CreatedAt)
            .order_by_asc(clients::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        self.with_client_children(business, rows).await
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
