//! `ClientDuplicateRepository` over a [`SeaTransaction`] (CL-19).
//!
//! Every block is one range of an index the client list already has: the email and the
//! phone indexes, and the two name-order indexes, which carry the email and phone keys
//! too, so that a name block is read from its index alone.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use clientele_domain::client_duplicate::{Block, DuplicateKeys, prefix_end};
use clientele_domain::{BusinessId, ClientId};
use clientele_ports::StorageError;
use clientele_ports::storage::ClientDuplicateRepository;

use super::conversions::instant;
use super::entities::{client_duplicate_dismissals as dismissals, clients};
use super::{SeaTransaction, unexpected};

type KeysRow = (Uuid, String, String, Option<String>, Option<String>);

/// `column` within the range of keys starting with `prefix`.
fn starting_with(column: clients::Column, prefix: &str) -> Condition {
    let condition = Condition::all().add(column.gte(prefix));
    match prefix_end(prefix) {
        Some(end) => condition.add(column.lt(end)),
        None => condition,
    }
}

fn block_condition(block: &Block) -> Condition {
    use clients::Column::{EmailKey, FirstNameKey, LastNameKey, PhoneDigits};
    match block {
        Block::Email(email) => Condition::all().add(EmailKey.eq(email.as_str())),
        Block::Phone(phone) => Condition::all().add(PhoneDigits.eq(phone.as_str())),
        Block::LastName { last, first_prefix } => Condition::all()
            .add(LastNameKey.eq(last.as_str()))
            .add(starting_with(FirstNameKey, first_prefix)),
        Block::FirstName { first, last_prefix } => Condition::all()
            .add(FirstNameKey.eq(first.as_str()))
            .add(starting_with(LastNameKey, last_prefix)),
        Block::Nicknames { last, firsts } => Condition::all()
            .add(LastNameKey.eq(last.as_str()))
            .add(FirstNameKey.is_in(firsts.iter().map(String::as_str))),
        Block::Swapped { first, last } => Condition::all()
            .add(FirstNameKey.eq(first.as_str()))
            .add(LastNameKey.eq(last.as_str())),
    }
}

#[async_trait]
impl ClientDuplicateRepository for SeaTransaction {
    async fn duplicate_candidates(
        &mut self,
        business: BusinessId,
        block: &Block,
        limit: u32,
    ) -> Result<Vec<DuplicateKeys>, StorageError> {
        let rows: Vec<KeysRow> = clients::Entity::find()
            .select_only()
            .columns([
                clients::Column::Id,
                clients::Column::FirstNameKey,
                clients::Column::LastNameKey,
                clients::Column::EmailKey,
                clients::Column::PhoneDigits,
            ])
            .filter(clients::Column::BusinessId.eq(business.as_uuid()))
            .filter(block_condition(block))
            .limit(u64::from(limit))
            .into_tuple()
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(rows
            .into_iter()
            .map(|(id, first, last, email, phone)| DuplicateKeys {
                id: ClientId::from_uuid(id),
                first_name_key: first,
                last_name_key: last,
                email_key: email,
                phone,
            })
            .collect())
    }

    async fn dismiss_duplicate(
        &mut self,
        business: BusinessId,
        a: ClientId,
        b: ClientId,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let ids = [a.as_uuid(), b.as_uuid()];
        let found: Vec<Uuid> = clients::Entity::find()
            .select_only()
            .column(clients::Column::Id)
            .filter(clients::Column::BusinessId.eq(business.as_uuid()))
            .filter(clients::Column::Id.is_in(ids))
            .into_tuple()
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        if !ids.iter().all(|id| found.contains(id)) {
            return Err(StorageError::NotFound);
        }
        let mut insert = Query::insert();
        insert.into_table(dismissals::Entity).columns([
            dismissals::Column::BusinessId,
            dismissals::Column::ClientId,
            dismissals::Column::OtherId,
            dismissals::Column::DismissedAt,
        ]);
        for (client, other) in [(a, b), (b, a)] {
            insert
                .values([
                    business.as_uuid().into(),
                    client.as_uuid().into(),
                    other.as_uuid().into(),
                    instant(at).into(),
                ])
                .map_err(unexpected)?;
        }
        insert.on_conflict(
            OnConflict::columns([
                dismissals::Column::BusinessId,
                dismissals::Column::ClientId,
                dismissals::Column::OtherId,
            ])
            .do_nothing()
            .to_owned(),
        );
        self.txn.execute(&insert).await.map_err(unexpected)?;
        Ok(())
    }

    async fn undismiss_duplicate(
        &mut self,
        business: BusinessId,
        a: ClientId,
        b: ClientId,
    ) -> Result<bool, StorageError> {
        let pair = |client: ClientId, other: ClientId| {
            Condition::all()
                .add(dismissals::Column::ClientId.eq(client.as_uuid()))
                .add(dismissals::Column::OtherId.eq(other.as_uuid()))
        };
        let deleted = dismissals::Entity::delete_many()
            .filter(dismissals::Column::BusinessId.eq(business.as_uuid()))
            .filter(Condition::any().add(pair(a, b)).add(pair(b, a)))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(deleted.rows_affected > 0)
    }

    async fn dismissed_duplicates(
        &mut self,
        business: BusinessId,
        id: ClientId,
    ) -> Result<Vec<ClientId>, StorageError> {
        let others: Vec<Uuid> = dismissals::Entity::find()
            .select_only()
            .column(dismissals::Column::OtherId)
            .filter(dismissals::Column::BusinessId.eq(business.as_uuid()))
            .filter(dismissals::Column::ClientId.eq(id.as_uuid()))
            .into_tuple()
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(others.into_iter().map(ClientId::from_uuid).collect())
    }
}
