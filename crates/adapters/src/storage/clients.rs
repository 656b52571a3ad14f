//! `ClientRepository` over a [`SeaTransaction`]: a client with their sites, labels,
//! custom values and search terms, written and read whole. The client list itself (CL-4
//! to CL-10, CL-24, PL-14) is the `client_list` wing, which `clients` delegates to.

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseTransaction, DbErr, EntityTrait, Iterable,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use clientele_domain::{BusinessId, Client, ClientId, EmailAddress, Version};
use clientele_ports::StorageError;
use clientele_ports::storage::{ClientContact, ClientExportPage, ClientQuery, ClientRepository};

use super::client_list::{ClientRow, SearchKeys, search_term_rows, search_terms};
use super::conversions::{
    client_changes, client_field_value_rows, client_label_rows, client_label_site_rows, client_row,
    client_site_rows,
};
use super::entities::{client_labels, client_search_terms, client_sites, clients};
use super::{SeaTransaction, unexpected, unique_violation};

/// Bound values per statement: under SQLite's limit (32,766) and PostgreSQL's (65,535).
const BOUND_VALUES: usize = 30_000;

/// Inserts `rows` of one table, if any, in as few multi-row statements as the limit on
/// bound values allows.
async fn insert_rows<A>(txn: &DatabaseTransaction, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    let columns = <<A::Entity as EntityTrait>::Column as Iterable>::iter().count();
    let per_statement = (BOUND_VALUES / columns.max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Every row of `clients` and of what is stored with them, a few statements per table.
async fn write_clients(txn: &DatabaseTransaction, clients: &[Client]) -> Result<(), StorageError> {
    insert_rows(txn, clients.iter().map(client_row).collect())
        .await
        .map_err(|err| match unique_violation(&err) {
            Some(_) => StorageError::Duplicate("client"),
            None => unexpected(err),
        })?;
    let sites = clients.iter().flat_map(client_site_rows).collect();
    insert_rows(txn, sites).await.map_err(unexpected)?;
    let labels = clients.iter().flat_map(client_label_rows).collect();
    insert_rows(txn, labels).await.map_err(unexpected)?;
    let pairs = clients.iter().flat_map(client_label_site_rows).collect();
    insert_rows(txn, pairs).await.map_err(unexpected)?;
    let terms = clients.iter().flat_map(|client| {
        let (business, id) = (client.business_id().as_uuid(), client.id().as_uuid());
        search_term_rows(business, id, &SearchKeys::of(client))
    });
    insert_rows(txn, terms.collect())
        .await
        .map_err(unexpected)?;
    let values = clients.iter().flat_map(client_field_value_rows).collect();
    insert_rows(txn, values).await.map_err(unexpected)
}

/// Keys looked up per statement by the batch lookups.
const LOOKUPS: usize = 1_000;

impl SeaTransaction {
    /// The clients `select` finds, oldest first (ties by id), whole.
    async fn oldest_first(
        &self,
        business: BusinessId,
        select: sea_orm::Select<clients::Entity>,
    ) -> Result<Vec<Client>, StorageError> {
        let select = select
            .order_by_asc(clients::Column::CreatedAt)
            .order_by_asc(clients::Column::Id);
        let rows = self.client_rows(select, ClientRow::COLUMNS).await?;
        self.with_client_children(business, &rows).await
    }

    /// Writes a client's sites, labels and label-site pairs (which refer to both).
    pub(super) async fn insert_memberships(&self, client: &Client) -> Result<(), StorageError> {
        insert_rows(&self.txn, client_site_rows(client))
            .await
            .map_err(unexpected)?;
        insert_rows(&self.txn, client_label_rows(client))
            .await
            .map_err(unexpected)?;
        insert_rows(&self.txn, client_label_site_rows(client))
            .await
            .map_err(unexpected)
    }

    /// Removes a client's sites and labels; their label-site pairs go with them (`ON
    /// DELETE CASCADE`).
    pub(super) async fn delete_memberships(&self, client: &Client) -> Result<(), StorageError> {
        let (business, id) = (client.business_id().as_uuid(), client.id().as_uuid());
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
        insert_rows(&self.txn, search_term_rows(business, client, keys))
            .await
            .map_err(unexpected)
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
        let (business, id) = (client.business_id().as_uuid(), client.id().as_uuid());
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
        let (business, id) = (client.business_id().as_uuid(), client.id().as_uuid());
        self.insert_search_terms(business, id, &SearchKeys::of(client))
            .await?;
        self.write_custom_values(client, false).await
    }

    async fn insert_clients(&mut self, clients: &[Client]) -> Result<(), StorageError> {
        if clients.is_empty() {
            return Ok(());
        }
        // One savepoint for the batch: all of it is stored, or none.
        let batch = self.txn.begin().await.map_err(unexpected)?;
        match write_clients(&batch, clients).await {
            Ok(()) => batch.commit().await.map_err(unexpected),
            Err(err) => {
                batch.rollback().await.map_err(unexpected)?;
                Err(err)
            }
        }
    }

    async fn client(
        &mut self,
        business: BusinessId,
        id: ClientId,
    ) -> Result<Option<Client>, StorageError> {
        let select = clients::Entity::find()
            .filter(clients::Column::BusinessId.eq(business.as_uuid()))
            .filter(clients::Column::Id.eq(id.as_uuid()));
        let rows = self.client_rows(select, ClientRow::COLUMNS).await?;
        Ok(self.with_client_children(business, &rows).await?.pop())
    }

    async fn client_contacts(
        &mut self,
        business: BusinessId,
        ids: &[ClientId],
    ) -> Result<Vec<ClientContact>, StorageError> {
        let mut contacts = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let rows: Vec<(Uuid, String, Option<String>)> = clients::Entity::find()
                .select_only()
                .column(clients::Column::Id)
                .column(clients::Column::FirstName)
                .column(clients::Column::Email)
                .filter(clients::Column::BusinessId.eq(business.as_uuid()))
                .filter(clients::Column::Id.is_in(chunk.iter().map(ClientId::as_uuid)))
                .into_tuple()
                .all(&self.txn)
                .await
                .map_err(unexpected)?;
            for (id, first_name, email) in rows {
                let email = email
                    .map(|e| EmailAddress::parse("email", &e))
                    .transpose()
                    .map_err(|e| StorageError::Unexpected(e.message.into()))?;
                contacts.push(ClientContact {
                    id: ClientId::from_uuid(id),
                    first_name,
                    email,
                });
            }
        }
        Ok(contacts)
    }

    async fn update_client(
        &mut self,
        client: &Client,
        expected: Version,
    ) -> Result<(), StorageError> {
        let business = client.business_id().as_uuid();
        let row = || {
            clients::Entity::find()
                .filter(clients::Column::BusinessId.eq(business))
                .filter(clients::Column::Id.eq(client.id().as_uuid()))
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
            .filter(clients::Column::Id.eq(client.id().as_uuid()))
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
        self.client_list(business, query).await
    }

    async fn client_export_page(
        &mut self,
        business: BusinessId,
        query: &ClientQuery,
    ) -> Result<ClientExportPage, StorageError> {
        self.client_export_lines(business, query).await
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
            .limit(u64::from(limit));
        self.oldest_first(business, select).await
    }

    async fn clients_by_name(
        &mut self,
        business: BusinessId,
        first_name_key: &str,
        last_name_key: &str,
        limit: u32,
    ) -> Result<Vec<Client>, StorageError> {
        let select = clients::Entity::find()
            .filter(clients::Column::BusinessId.eq(business.as_uuid()))
            .filter(clients::Column::LastNameKey.eq(last_name_key))
            .filter(clients::Column::FirstNameKey.eq(first_name_key))
            .limit(u64::from(limit));
        self.oldest_first(business, select).await
    }

    async fn clients_by_emails(
        &mut self,
        business: BusinessId,
        email_keys: &[String],
    ) -> Result<Vec<Client>, StorageError> {
        let mut clients = Vec::new();
        for keys in email_keys.chunks(LOOKUPS) {
            let select = clients::Entity::find()
                .filter(clients::Column::BusinessId.eq(business.as_uuid()))
                .filter(clients::Column::EmailKey.is_in(keys.iter().map(String::as_str)));
            clients.extend(self.oldest_first(business, select).await?);
        }
        Ok(clients)
    }

    async fn clients_by_names(
        &mut self,
        business: BusinessId,
        names: &[(String, String)],
    ) -> Result<Vec<Client>, StorageError> {
        let mut clients = Vec::new();
        for names in names.chunks(LOOKUPS / 2) {
            let any = names.iter().fold(Condition::any(), |any, (first, last)| {
                any.add(
                    Condition::all()
                        .add(clients::Column::LastNameKey.eq(last.as_str()))
                        .add(clients::Column::FirstNameKey.eq(first.as_str())),
                )
            });
            let select = clients::Entity::find()
                .filter(clients::Column::BusinessId.eq(business.as_uuid()))
                .filter(clients::Column::EmailKey.is_null())
                .filter(any);
            clients.extend(self.oldest_first(business, select).await?);
        }
        Ok(clients)
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
