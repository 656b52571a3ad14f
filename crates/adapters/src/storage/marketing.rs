//! `MarketingRepository` over a [`SeaTransaction`]: the business's marketing preferences,
//! each client's current consent and the ledger of every change (CL-13). The client list
//! filters by consent in `client_list/filters.rs`.

use async_trait::async_trait;
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};
use uuid::Uuid;

use clientele_domain::marketing::{ConsentChange, MarketingPreference};
use clientele_domain::{BusinessId, ClientId, MarketingPreferenceId, SiteId, SiteScope};
use clientele_ports::StorageError;
use clientele_ports::storage::MarketingRepository;

use super::client_list::has_opted_in;
use super::conversions::{client_consent_row, consent_ledger_row, preference_row};
use super::entities::{
    client_consents, client_sites, clients, consent_ledger, marketing_preferences,
};
use super::{SeaTransaction, foreign_key_violation, unexpected, unique_violation};

/// A unique violation on `marketing_preferences` is about the name unless it names the
/// primary key.
fn preference_write_error(err: DbErr) -> StorageError {
    match unique_violation(&err) {
        Some(message) if message.contains("name_key") => StorageError::Duplicate("preference_name"),
        Some(_) => StorageError::Duplicate("preference"),
        None => unexpected(err),
    }
}

/// A ledger id used twice is a duplicate; a client or preference missing from the
/// business is `NotFound`.
fn consent_write_error(err: DbErr) -> StorageError {
    if unique_violation(&err).is_some() {
        StorageError::Duplicate("consent")
    } else if foreign_key_violation(&err).is_some() {
        StorageError::NotFound
    } else {
        unexpected(err)
    }
}

#[async_trait]
impl MarketingRepository for SeaTransaction {
    async fn insert_preference(
        &mut self,
        preference: &MarketingPreference,
    ) -> Result<(), StorageError> {
        self.guarded(&marketing_preferences::Entity::insert(preference_row(
            preference,
        )))
        .await
        .map_err(preference_write_error)?;
        Ok(())
    }

    async fn preference(
        &mut self,
        business: BusinessId,
        id: MarketingPreferenceId,
    ) -> Result<Option<MarketingPreference>, StorageError> {
        marketing_preferences::Entity::find()
            .filter(marketing_preferences::Column::BusinessId.eq(business.as_uuid()))
            .filter(marketing_preferences::Column::Id.eq(id.as_uuid()))
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(MarketingPreference::try_from)
            .transpose()
    }

    async fn preferences(
        &mut self,
        business: BusinessId,
        after: Option<MarketingPreferenceId>,
        limit: u32,
    ) -> Result<Vec<MarketingPreference>, StorageError> {
        let mut query = marketing_preferences::Entity::find()
            .filter(marketing_preferences::Column::BusinessId.eq(business.as_uuid()));
        if let Some(after) = after {
            query = query.filter(marketing_preferences::Column::Id.gt(after.as_uuid()));
        }
        query
            .order_by_asc(marketing_preferences::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(MarketingPreference::try_from)
            .collect()
    }

    async fn record_consent(&mut self, change: &ConsentChange) -> Result<(), StorageError> {
        let backend = self.txn.get_database_backend();
        let ledger = consent_ledger::Entity::insert(consent_ledger_row(change)).build(backend);
        // The current state: insert, or overwrite the previous answer (both databases
        // support `ON CONFLICT … DO UPDATE`).
        let current = client_consents::Entity::insert(client_consent_row(change))
            .on_conflict(
                OnConflict::columns([
                    client_consents::Column::BusinessId,
                    client_consents::Column::ClientId,
                    client_consents::Column::PreferenceId,
                ])
                .update_columns([
                    client_consents::Column::OptedIn,
                    client_consents::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .build(backend);
        // One savepoint: the ledger row never stays without the state it explains.
        self.guarded_all(&[ledger, current])
            .await
            .map_err(consent_write_error)
    }

    async fn consents_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
    ) -> Result<Vec<(MarketingPreferenceId, bool)>, StorageError> {
        let rows = client_consents::Entity::find()
            .select_only()
            .column(client_consents::Column::PreferenceId)
            .column(client_consents::Column::OptedIn)
            .filter(client_consents::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_consents::Column::ClientId.eq(client.as_uuid()))
            .order_by_asc(client_consents::Column::PreferenceId)
            .into_tuple::<(Uuid, bool)>()
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(rows
            .into_iter()
            .map(|(preference, opted_in)| (preference.into(), opted_in))
            .collect())
    }

    async fn consent_history(
        &mut self,
        business: BusinessId,
        client: ClientId,
        limit: u32,
    ) -> Result<Vec<ConsentChange>, StorageError> {
        consent_ledger::Entity::find()
            .filter(consent_ledger::Column::BusinessId.eq(business.as_uuid()))
            .filter(consent_ledger::Column::ClientId.eq(client.as_uuid()))
            .order_by_desc(consent_ledger::Column::At)
            .order_by_desc(consent_ledger::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(ConsentChange::try_from)
            .collect()
    }

    async fn opted_in_emails(
        &mut self,
        business: BusinessId,
        preference: MarketingPreferenceId,
        scope: &SiteScope,
        after: Option<ClientId>,
        limit: u32,
    ) -> Result<Vec<(ClientId, String)>, StorageError> {
        let mut query = clients::Entity::find()
            .select_only()
            .column(clients::Column::Id)
            .column(clients::Column::Email)
            .filter(clients::Column::BusinessId.eq(business.as_uuid()))
            .filter(clients::Column::Email.is_not_null())
            .filter(has_opted_in(preference));
        match scope {
            SiteScope::All => {}
            SiteScope::Only(sites) if sites.is_empty() => return Ok(Vec::new()),
            SiteScope::Only(sites) => {
                let of_sites = Query::select()
                    .column(client_sites::Column::ClientId)
                    .from(client_sites::Entity)
                    .and_where(client_sites::Column::BusinessId.eq(business.as_uuid()))
                    .and_where(
                        client_sites::Column::SiteId.is_in(sites.iter().map(SiteId::as_uuid)),
                    )
                    .to_owned();
                query = query.filter(clients::Column::Id.in_subquery(of_sites));
            }
        }
        if let Some(after) = after {
            query = query.filter(clients::Column::Id.gt(after.as_uuid()));
        }
        let rows = query
            .order_by_asc(clients::Column::Id)
            .limit(u64::from(limit))
            .into_tuple::<(Uuid, String)>()
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(rows
            .into_iter()
            .map(|(client, email)| (client.into(), email))
            .collect())
    }
}
