//! `AccountRepository` over a [`SeaTransaction`] (AC-1 to AC-5).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QuerySelect,
};

use clientele_domain::account::throttle::Failures;
use clientele_domain::account::{AccountToken, ClientAccount, Session};
use clientele_domain::{AccountId, AppointmentId, BusinessId};
use clientele_ports::StorageError;
use clientele_ports::storage::AccountRepository;

use super::conversions::{account_row, account_token_row, instant, session_row};
use super::entities::{
    account_addresses, account_tokens, client_accounts, client_sessions, login_failures,
};
use super::{SeaTransaction, col, unexpected, unique_violation};

/// A unique violation on `client_accounts` names the email unless it names the sign-up.
fn account_write_error(err: DbErr) -> StorageError {
    match unique_violation(&err) {
        Some(message) if message.contains("sign_up") => StorageError::Duplicate("account_sign_up"),
        Some(_) => StorageError::Duplicate("account_email"),
        None => unexpected(err),
    }
}

/// `NotFound` when a change of one row changed none.
fn found(rows_affected: u64) -> Result<(), StorageError> {
    match rows_affected {
        0 => Err(StorageError::NotFound),
        _ => Ok(()),
    }
}

impl SeaTransaction {
    /// The failed logins of `subject`, locked when `lock` (PostgreSQL: SQLite's write
    /// transactions already hold its one write lock).
    async fn failures_of(
        &self,
        business: BusinessId,
        subject: &str,
        lock: bool,
    ) -> Result<Option<Failures>, StorageError> {
        let select = login_failures::Entity::find_by_id((business.as_uuid(), subject.to_owned()));
        let select = match self.txn.get_database_backend() {
            DbBackend::Postgres if lock => select.lock_exclusive(),
            _ => select,
        };
        let row = select.one(&self.txn).await.map_err(unexpected)?;
        Ok(row.map(|row| Failures {
            window_start: row.window_start,
            count: u32::try_from(row.failures).unwrap_or(0),
        }))
    }
}

#[async_trait]
impl AccountRepository for SeaTransaction {
    async fn insert_account(
        &mut self,
        account: &ClientAccount,
        password_hash: &str,
        sign_up: AppointmentId,
    ) -> Result<(), StorageError> {
        client_accounts::Entity::insert(account_row(account, password_hash, sign_up))
            .exec_without_returning(&self.txn)
            .await
            .map_err(account_write_error)?;
        Ok(())
    }

    async fn account_by_email(
        &mut self,
        business: BusinessId,
        email_key: &str,
    ) -> Result<Option<(ClientAccount, String)>, StorageError> {
        let row = client_accounts::Entity::find()
            .filter(client_accounts::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_accounts::Column::EmailKey.eq(email_key))
            .one(&self.txn)
            .await
            .map_err(unexpected)?;
        row.map(|row| {
            let hash = row.password_hash.clone();
            ClientAccount::try_from(row).map(|account| (account, hash))
        })
        .transpose()
    }

    async fn account(
        &mut self,
        business: BusinessId,
        id: AccountId,
    ) -> Result<Option<ClientAccount>, StorageError> {
        client_accounts::Entity::find_by_id((business.as_uuid(), id.as_uuid()))
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(ClientAccount::try_from)
            .transpose()
    }

    async fn record_verification(&mut self, account: &ClientAccount) -> Result<(), StorageError> {
        let done = client_accounts::Entity::update_many()
            .col_expr(
                client_accounts::Column::VerifiedAt,
                Expr::value(account.verified_at.map(instant)),
            )
            .filter(client_accounts::Column::BusinessId.eq(account.business_id.as_uuid()))
            .filter(client_accounts::Column::Id.eq(account.id.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        found(done.rows_affected)
    }

    async fn set_password_hash(
        &mut self,
        business: BusinessId,
        id: AccountId,
        password_hash: &str,
    ) -> Result<(), StorageError> {
        let done = client_accounts::Entity::update_many()
            .col_expr(
                client_accounts::Column::PasswordHash,
                Expr::value(password_hash.to_owned()),
            )
            .filter(client_accounts::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_accounts::Column::Id.eq(id.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        found(done.rows_affected)
    }

    async fn insert_session(
        &mut self,
        session: &Session,
        token_hash: &str,
    ) -> Result<(), StorageError> {
        session_row(session, token_hash)
            .insert(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(())
    }

    async fn session(
        &mut self,
        business: BusinessId,
        token_hash: &str,
    ) -> Result<Option<Session>, StorageError> {
        Ok(
            client_sessions::Entity::find_by_id((business.as_uuid(), token_hash.to_owned()))
                .one(&self.txn)
                .await
                .map_err(unexpected)?
                .map(Session::from),
        )
    }

    async fn revoke_session(
        &mut self,
        business: BusinessId,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let done = client_sessions::Entity::update_many()
            .col_expr(client_sessions::Column::RevokedAt, Expr::value(instant(at)))
            .filter(client_sessions::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_sessions::Column::TokenHash.eq(token_hash))
            .filter(client_sessions::Column::RevokedAt.is_null())
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(done.rows_affected > 0)
    }

    async fn revoke_sessions(
        &mut self,
        business: BusinessId,
        account: AccountId,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        client_sessions::Entity::update_many()
            .col_expr(client_sessions::Column::RevokedAt, Expr::value(instant(at)))
            .filter(client_sessions::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_sessions::Column::AccountId.eq(account.as_uuid()))
            .filter(client_sessions::Column::RevokedAt.is_null())
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(())
    }

    async fn insert_account_token(
        &mut self,
        token: &AccountToken,
        token_hash: &str,
    ) -> Result<(), StorageError> {
        account_token_row(token, token_hash)
            .insert(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(())
    }

    async fn account_token_for_update(
        &mut self,
        business: BusinessId,
        token_hash: &str,
    ) -> Result<Option<AccountToken>, StorageError> {
        let mut select =
            account_tokens::Entity::find_by_id((business.as_uuid(), token_hash.to_owned()));
        if self.txn.get_database_backend() == DbBackend::Postgres {
            select = select.lock_exclusive();
        }
        select
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(AccountToken::try_from)
            .transpose()
    }

    async fn purge_account_secrets(
        &mut self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<u64, StorageError> {
        let mut purged = 0;
        for (table, ended) in [
            ("client_sessions", "revoked_at"),
            ("account_tokens", "used_at"),
        ] {
            let over = Condition::any()
                .add(Expr::col(col("expires_at")).lt(instant(now)))
                .add(Expr::col(col(ended)).is_not_null());
            let hashes = Query::select()
                .column(col("token_hash"))
                .from(col(table))
                .cond_where(over)
                .limit(u64::from(limit))
                .to_owned();
            let delete = Query::delete()
                .from_table(col(table))
                .and_where(Expr::col(col("token_hash")).in_subquery(hashes))
                .to_owned();
            purged += self
                .txn
                .execute(&delete)
                .await
                .map_err(unexpected)?
                .rows_affected();
        }
        Ok(purged)
    }

    async fn login_failures(
        &mut self,
        business: BusinessId,
        subject: &str,
    ) -> Result<Option<Failures>, StorageError> {
        self.failures_of(business, subject, false).await
    }

    async fn login_failures_for_update(
        &mut self,
        business: BusinessId,
        subject: &str,
    ) -> Result<Option<Failures>, StorageError> {
        self.failures_of(business, subject, true).await
    }

    async fn record_login_failures(
        &mut self,
        business: BusinessId,
        subject: &str,
        failures: &Failures,
    ) -> Result<(), StorageError> {
        let row = login_failures::ActiveModel {
            business_id: Set(business.as_uuid()),
            subject: Set(subject.to_owned()),
            window_start: Set(instant(failures.window_start)),
            failures: Set(i32::try_from(failures.count).unwrap_or(i32::MAX)),
        };
        login_failures::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    login_failures::Column::BusinessId,
                    login_failures::Column::Subject,
                ])
                .update_columns([
                    login_failures::Column::WindowStart,
                    login_failures::Column::Failures,
                ])
                .to_owned(),
            )
            .exec_without_returning(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(())
    }

    async fn clear_login_failures(
        &mut self,
        business: BusinessId,
        subject: &str,
    ) -> Result<(), StorageError> {
        login_failures::Entity::delete_by_id((business.as_uuid(), subject.to_owned()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(())
    }

    async fn known_address(
        &mut self,
        business: BusinessId,
        account: AccountId,
        address_hash: &str,
    ) -> Result<bool, StorageError> {
        let row = account_addresses::Entity::find_by_id((
            business.as_uuid(),
            account.as_uuid(),
            address_hash.to_owned(),
        ))
        .one(&self.txn)
        .await
        .map_err(unexpected)?;
        Ok(row.is_some())
    }

    async fn record_address(
        &mut self,
        business: BusinessId,
        account: AccountId,
        address_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let row = account_addresses::ActiveModel {
            business_id: Set(business.as_uuid()),
            account_id: Set(account.as_uuid()),
            address_hash: Set(address_hash.to_owned()),
            last_login_at: Set(instant(at)),
        };
        account_addresses::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    account_addresses::Column::BusinessId,
                    account_addresses::Column::AccountId,
                    account_addresses::Column::AddressHash,
                ])
                .update_column(account_addresses::Column::LastLoginAt)
                .to_owned(),
            )
            .exec_without_returning(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(())
    }

    async fn record_token_use(
        &mut self,
        token: &AccountToken,
        token_hash: &str,
    ) -> Result<(), StorageError> {
        let done = account_tokens::Entity::update_many()
            .col_expr(
                account_tokens::Column::UsedAt,
                Expr::value(token.used_at.map(instant)),
            )
            .filter(account_tokens::Column::BusinessId.eq(token.business_id.as_uuid()))
            .filter(account_tokens::Column::TokenHash.eq(token_hash))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        found(done.rows_affected)
    }
}
