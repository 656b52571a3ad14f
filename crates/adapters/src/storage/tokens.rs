//! `TokenRepository` over a [`SeaTransaction`]: staff API tokens, found by the hash of
//! their secret.

use async_trait::async_trait;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use clientele_domain::{ApiToken, BusinessId, Role, StaffId, TokenId};
use clientele_ports::StorageError;
use clientele_ports::storage::TokenRepository;

use super::conversions::token_row;
use super::entities::{api_tokens, staff_members};
use super::{SeaTransaction, unexpected, unique_violation};

#[async_trait]
impl TokenRepository for SeaTransaction {
    async fn insert_token(
        &mut self,
        token: &ApiToken,
        secret_hash: &str,
    ) -> Result<(), StorageError> {
        self.guarded(&api_tokens::Entity::insert(token_row(token, secret_hash)))
            .await
            .map_err(|err| match unique_violation(&err) {
                Some(_) => StorageError::Duplicate("token"),
                None => unexpected(err),
            })?;
        Ok(())
    }

    async fn token_by_hash(
        &mut self,
        business: BusinessId,
        secret_hash: &str,
    ) -> Result<Option<ApiToken>, StorageError> {
        api_tokens::Entity::find()
            .filter(api_tokens::Column::BusinessId.eq(business.as_uuid()))
            .filter(api_tokens::Column::SecretHash.eq(secret_hash))
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(ApiToken::try_from)
            .transpose()
    }

    async fn tokens(
        &mut self,
        business: BusinessId,
        staff: Option<StaffId>,
        after: Option<TokenId>,
        limit: u32,
    ) -> Result<Vec<ApiToken>, StorageError> {
        let mut query = api_tokens::Entity::find()
            .filter(api_tokens::Column::BusinessId.eq(business.as_uuid()));
        if let Some(staff) = staff {
            query = query.filter(api_tokens::Column::StaffId.eq(staff.as_uuid()));
        }
        if let Some(after) = after {
            query = query.filter(api_tokens::Column::Id.gt(after.as_uuid()));
        }
        query
            .order_by_asc(api_tokens::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(ApiToken::try_from)
            .collect()
    }

    async fn token(
        &mut self,
        business: BusinessId,
        id: TokenId,
    ) -> Result<Option<ApiToken>, StorageError> {
        api_tokens::Entity::find()
            .filter(api_tokens::Column::BusinessId.eq(business.as_uuid()))
            .filter(api_tokens::Column::Id.eq(id.as_uuid()))
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(ApiToken::try_from)
            .transpose()
    }

    async fn owner_tokens_for_update(
        &mut self,
        business: BusinessId,
    ) -> Result<Vec<ApiToken>, StorageError> {
        let owners = Query::select()
            .column(staff_members::Column::Id)
            .from(staff_members::Entity)
            .and_where(staff_members::Column::BusinessId.eq(business.as_uuid()))
            .and_where(staff_members::Column::Role.eq(Role::Owner.as_str()))
            .to_owned();
        let select = api_tokens::Entity::find()
            .filter(api_tokens::Column::BusinessId.eq(business.as_uuid()))
            .filter(api_tokens::Column::StaffId.in_subquery(owners))
            .order_by_asc(api_tokens::Column::Id);
        // SQLite has no row locks: its write transactions (BEGIN IMMEDIATE) already hold
        // the database's only write lock.
        let select = match self.txn.get_database_backend() {
            DbBackend::Postgres => select.lock_exclusive(),
            _ => select,
        };
        select
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(ApiToken::try_from)
            .collect()
    }

    async fn delete_token(
        &mut self,
        business: BusinessId,
        id: TokenId,
    ) -> Result<(), StorageError> {
        let result = api_tokens::Entity::delete_many()
            .filter(api_tokens::Column::BusinessId.eq(business.as_uuid()))
            .filter(api_tokens::Column::Id.eq(id.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        if result.rows_affected == 0 {
            Err(StorageError::NotFound)
        } else {
            Ok(())
        }
    }
}
