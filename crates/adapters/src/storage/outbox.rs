//! `OutboxRepository` over a [`SeaTransaction`]: emails queued in the transaction of the
//! change that causes them (PL-18), and the worker's side: claim due emails under a lease,
//! then record each one as sent, to retry, or failed.
//!
//! Claims never overlap: on PostgreSQL the claiming select takes the rows with `FOR UPDATE
//! SKIP LOCKED`, so a second worker passes over rows the first is claiming; on SQLite the
//! write transaction (BEGIN IMMEDIATE) is the only writer. A worker that dies leaves its
//! lease to run out (`claimed_until`), after which the email is claimed again under a new
//! `claim_token`. The confirmation before each send and the recording of a failure are
//! conditional updates on the claimant's token, so a worker whose lease ran out neither
//! sends nor overwrites what the new claimant does.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use clientele_domain::email::OutgoingEmail;
use clientele_domain::{BusinessId, EmailId, SiteId, SiteScope};
use clientele_ports::StorageError;
use clientele_ports::storage::{ClaimToken, OutboxEmail, OutboxRepository};

use super::conversions::{EMAIL_FAILED, EMAIL_PENDING, EMAIL_SENT, instant, outbox_row};
use super::entities::outbox_emails;
use super::{SeaTransaction, unexpected, unique_violation};

/// An error message as it can be stored: PostgreSQL refuses NUL characters in text, and
/// the message comes from outside (an SMTP server), so they are replaced.
fn storable(error: &str) -> String {
    error.replace('\0', "\u{FFFD}")
}

impl SeaTransaction {
    /// Applies `changes` to one email of the business; `NotFound` if there is none. With
    /// `only_under`, an email no longer pending under that claim (a worker whose lease ran
    /// out reports late, after another claimed or sent it) stays as it is.
    async fn change_email(
        &self,
        business: BusinessId,
        id: EmailId,
        changes: outbox_emails::ActiveModel,
        only_under: Option<ClaimToken>,
    ) -> Result<(), StorageError> {
        let mut update = outbox_emails::Entity::update_many()
            .set(changes)
            .filter(outbox_emails::Column::BusinessId.eq(business.as_uuid()))
            .filter(outbox_emails::Column::Id.eq(id.as_uuid()));
        if let Some(claim) = only_under {
            update = update
                .filter(outbox_emails::Column::Status.eq(EMAIL_PENDING))
                .filter(outbox_emails::Column::ClaimToken.eq(claim.as_uuid()));
        }
        let result = update.exec(&self.txn).await.map_err(unexpected)?;
        if result.rows_affected > 0 {
            return Ok(());
        }
        let exists = outbox_emails::Entity::find()
            .filter(outbox_emails::Column::BusinessId.eq(business.as_uuid()))
            .filter(outbox_emails::Column::Id.eq(id.as_uuid()))
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .is_some();
        if exists && only_under.is_some() {
            Ok(())
        } else {
            Err(StorageError::NotFound)
        }
    }
}

#[async_trait]
impl OutboxRepository for SeaTransaction {
    async fn enqueue_email(&mut self, email: &OutgoingEmail) -> Result<(), StorageError> {
        self.guarded(&outbox_emails::Entity::insert(outbox_row(email)))
            .await
            .map_err(|err| match unique_violation(&err) {
                Some(_) => StorageError::Duplicate("email"),
                None => unexpected(err),
            })?;
        Ok(())
    }

    async fn enqueue_emails(&mut self, emails: &[OutgoingEmail]) -> Result<(), StorageError> {
        // 100 rows of 10 columns a statement: far below SQLite's parameter limit.
        for chunk in emails.chunks(100) {
            outbox_emails::Entity::insert_many(chunk.iter().map(outbox_row))
                .exec_without_returning(&self.txn)
                .await
                .map_err(|err| match unique_violation(&err) {
                    Some(_) => StorageError::Duplicate("email"),
                    None => unexpected(err),
                })?;
        }
        Ok(())
    }

    async fn emails(
        &mut self,
        business: BusinessId,
        scope: &SiteScope,
        after: Option<EmailId>,
        limit: u32,
    ) -> Result<Vec<OutboxEmail>, StorageError> {
        // Ids are UUIDv7: ordered by id is ordered by creation.
        let mut query = outbox_emails::Entity::find()
            .filter(outbox_emails::Column::BusinessId.eq(business.as_uuid()));
        match scope {
            SiteScope::All => {}
            SiteScope::Only(sites) if sites.is_empty() => return Ok(Vec::new()),
            SiteScope::Only(sites) => {
                let in_scope = sites.iter().map(SiteId::as_uuid);
                query = query.filter(outbox_emails::Column::SiteId.is_in(in_scope));
            }
        }
        if let Some(after) = after {
            query = query.filter(outbox_emails::Column::Id.lt(after.as_uuid()));
        }
        query
            .order_by_desc(outbox_emails::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(OutboxEmail::try_from)
            .collect()
    }

    async fn claim_due_emails(
        &mut self,
        business: BusinessId,
        claim: ClaimToken,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OutboxEmail>, StorageError> {
        let now = instant(now);
        let due = outbox_emails::Entity::find()
            .select_only()
            .column(outbox_emails::Column::Id)
            .filter(outbox_emails::Column::BusinessId.eq(business.as_uuid()))
            .filter(outbox_emails::Column::Status.eq(EMAIL_PENDING))
            .filter(outbox_emails::Column::NextAttemptAt.lte(now))
            .filter(
                Condition::any()
                    .add(outbox_emails::Column::ClaimedUntil.is_null())
                    .add(outbox_emails::Column::ClaimedUntil.lte(now)),
            )
            .order_by_asc(outbox_emails::Column::NextAttemptAt)
            .order_by_asc(outbox_emails::Column::Id)
            .limit(u64::from(limit));
        let due = match self.txn.get_database_backend() {
            DbBackend::Postgres => {
                due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            }
            // The single writer: nobody else can claim until this transaction ends.
            _ => due,
        };
        let ids: Vec<Uuid> = due
            .into_tuple::<Uuid>()
            .all(&self.txn)
            .await
            .map_err(unexpected)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut claimed = outbox_emails::Entity::update_many()
            .col_expr(
                outbox_emails::Column::ClaimedUntil,
                Expr::value(instant(lease_until)),
            )
            .col_expr(
                outbox_emails::Column::ClaimToken,
                Expr::value(claim.as_uuid()),
            )
            .col_expr(
                outbox_emails::Column::Attempts,
                Expr::col(outbox_emails::Column::Attempts).add(1),
            )
            .filter(outbox_emails::Column::BusinessId.eq(business.as_uuid()))
            .filter(outbox_emails::Column::Id.is_in(ids))
            .exec_with_returning(&self.txn)
            .await
            .map_err(unexpected)?;
        // RETURNING keeps no order: back to oldest due first.
        claimed.sort_by_key(|row| (row.next_attempt_at, row.id));
        claimed.into_iter().map(OutboxEmail::try_from).collect()
    }

    async fn confirm_email_claim(
        &mut self,
        business: BusinessId,
        id: EmailId,
        claim: ClaimToken,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        // The token alone proves the claim: a new claim replaces it, and this one write
        // is atomic with respect to such a claim (row lock on PostgreSQL, single writer
        // on SQLite).
        let confirmed = outbox_emails::Entity::update_many()
            .col_expr(
                outbox_emails::Column::ClaimedUntil,
                Expr::value(instant(lease_until)),
            )
            .filter(outbox_emails::Column::BusinessId.eq(business.as_uuid()))
            .filter(outbox_emails::Column::Id.eq(id.as_uuid()))
            .filter(outbox_emails::Column::Status.eq(EMAIL_PENDING))
            .filter(outbox_emails::Column::ClaimToken.eq(claim.as_uuid()))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(confirmed.rows_affected > 0)
    }

    async fn mark_email_sent(
        &mut self,
        business: BusinessId,
        id: EmailId,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let changes = outbox_emails::ActiveModel {
            status: Set(EMAIL_SENT.to_owned()),
            sent_at: Set(Some(instant(at))),
            claimed_until: Set(None),
            claim_token: Set(None),
            ..Default::default()
        };
        self.change_email(business, id, changes, None).await
    }

    async fn mark_email_retry(
        &mut self,
        business: BusinessId,
        id: EmailId,
        claim: ClaimToken,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StorageError> {
        let changes = outbox_emails::ActiveModel {
            status: Set(EMAIL_PENDING.to_owned()),
            next_attempt_at: Set(instant(next_attempt_at)),
            last_error: Set(Some(storable(error))),
            claimed_until: Set(None),
            claim_token: Set(None),
            ..Default::default()
        };
        self.change_email(business, id, changes, Some(claim)).await
    }

    async fn mark_email_failed(
        &mut self,
        business: BusinessId,
        id: EmailId,
        claim: ClaimToken,
        error: &str,
    ) -> Result<(), StorageError> {
        let changes = outbox_emails::ActiveModel {
            status: Set(EMAIL_FAILED.to_owned()),
            last_error: Set(Some(storable(error))),
            claimed_until: Set(None),
            claim_token: Set(None),
            ..Default::default()
        };
        self.change_email(business, id, changes, Some(claim)).await
    }
}
