//! `CodeRepository` over a [`SeaTransaction`]: codes with their append-only ledgers
//! (CO-12) and audited staff changes (CO-5).
//!
//! A code's `remaining` is the sum of its ledger, kept so by every write: a new code is
//! stored with its first entry (its value), and an update stores the code only if the
//! stored balance plus the new entries' deltas is the code's, in the same statement that
//! checks the version; then the entries are appended, numbered after the last one. The
//! row is written by then (locked until the transaction ends on PostgreSQL, the database
//! write-locked on SQLite), so no one else appends to its ledger meanwhile.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, JoinType, LockType, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, IdenStatic,
    Iterable, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use clientele_domain::code::{Code, CodeAudit, CodeText, Entry, Status};
use clientele_domain::product::Product;
use clientele_domain::{
    AppointmentId, BusinessId, ClientId, CodeId, MembershipId, ProductId, Version,
};
use clientele_ports::StorageError;
use clientele_ports::storage::{CodeRepository, LedgerLine};

use super::conversions::{
    WithTypes, code_audit_row, code_changes, code_row, instant, next_ledger_entry,
    update_with_ledger_entry,
};
use super::entities::{
    code_audit, code_ledger, codes, membership_codes, product_appointment_types, products,
};
use super::joins::join_in_business;
use super::keyset::{after_ascending, after_descending};
use super::{SeaTransaction, unexpected, unique_violation};

/// A unique violation on `codes` is about the text unless it names the primary key.
fn code_write_error(err: DbErr) -> StorageError {
    match unique_violation(&err) {
        Some(message) if message.contains("ux_codes_text") || message.contains("codes.text") => {
            StorageError::Duplicate("code_text")
        }
        Some(_) => StorageError::Duplicate("code"),
        None => unexpected(err),
    }
}

/// `Unexpected`: what the caller gives breaks CO-12 (the balance is the ledger's sum).
fn disagree(what: &str) -> StorageError {
    StorageError::Unexpected(format!("the ledger and the balance disagree: {what}").into())
}

fn code_of(business: BusinessId, id: CodeId) -> sea_orm::Select<codes::Entity> {
    codes::Entity::find()
        .filter(codes::Column::BusinessId.eq(business.as_uuid()))
        .filter(codes::Column::Id.eq(id.as_uuid()))
}

fn ledger_of(business: BusinessId, code: CodeId) -> sea_orm::Select<code_ledger::Entity> {
    code_ledger::Entity::find()
        .filter(code_ledger::Column::BusinessId.eq(business.as_uuid()))
        .filter(code_ledger::Column::CodeId.eq(code.as_uuid()))
}

/// The ledger rows of `entries`, numbered from `first`.
fn code_with_text(business: BusinessId, text: &CodeText) -> sea_orm::Select<codes::Entity> {
    codes::Entity::find()
        .filter(codes::Column::BusinessId.eq(business.as_uuid()))
        .filter(codes::Column::Text.eq(text.as_str()))
}

/// The prefix of the product's columns beside the code's (no column of `codes` starts
/// with it), and the name of a type it covers (one row per type, or one with NULL), in
/// `code_for_use`.
const PRODUCT: &str = "product__";
const COVERED_TYPE: &str = "covered_type_id";

/// CO-9: the code with `text`, its product and the types the product covers, in one
/// statement; on PostgreSQL the code's row is locked (not the product's: bookings with
/// other codes of the product go on).
fn code_for_use(
    business: BusinessId,
    text: &CodeText,
    backend: DbBackend,
) -> sea_orm::Select<codes::Entity> {
    use product_appointment_types as covered;
    let mut select = code_with_text(business, text);
    join_in_business(
        &mut select,
        (codes::Column::BusinessId, codes::Column::ProductId),
        products::Entity,
        (products::Column::BusinessId, products::Column::Id),
    );
    let on = Condition::all()
        .add(
            Expr::col((covered::Entity, covered::Column::BusinessId))
                .equals((products::Entity, products::Column::BusinessId)),
        )
        .add(
            Expr::col((covered::Entity, covered::Column::ProductId))
                .equals((products::Entity, products::Column::Id)),
        );
    QuerySelect::query(&mut select).join(JoinType::LeftJoin, covered::Entity, on);
    for column in products::Column::iter() {
        select = select.expr_as(
            Expr::col((products::Entity, column)),
            format!("{PRODUCT}{}", column.as_str()),
        );
    }
    let mut select = select
        .expr_as(
            Expr::col((covered::Entity, covered::Column::AppointmentTypeId)),
            COVERED_TYPE,
        )
        .order_by_asc(Expr::col((
            covered::Entity,
            covered::Column::AppointmentTypeId,
        )));
    if backend == DbBackend::Postgres {
        QuerySelect::query(&mut select).lock_with_tables(LockType::Update, [codes::Entity]);
    }
    select
}

/// `query`'s codes newest first (ties by id, descending), strictly after `after`, at most
/// `limit` (CO-7, AC-7).
fn newest_first(
    query: sea_orm::Select<codes::Entity>,
    after: Option<(DateTime<Utc>, CodeId)>,
    limit: u32,
) -> sea_orm::Select<codes::Entity> {
    let query = match after {
        Some((created_at, id)) => query.filter(after_descending(
            [
                Expr::col(codes::Column::CreatedAt),
                Expr::col(codes::Column::Id),
            ],
            (instant(created_at), id.as_uuid()),
        )),
        None => query,
    };
    query
        .order_by_desc(codes::Column::CreatedAt)
        .order_by_desc(codes::Column::Id)
        .limit(u64::from(limit))
}

impl SeaTransaction {
    /// The one code `select` finds, its row locked until the transaction ends. SQLite has
    /// no row locks: its write transactions (BEGIN IMMEDIATE) already hold the database's
    /// only write lock.
    async fn one_locked_code(
        &self,
        select: sea_orm::Select<codes::Entity>,
    ) -> Result<Option<Code>, StorageError> {
        let select = match self.txn.get_database_backend() {
            DbBackend::Postgres => select.lock_exclusive(),
            _ => select,
        };
        self.one_code(select).await
    }

    async fn one_code(
        &self,
        select: sea_orm::Select<codes::Entity>,
    ) -> Result<Option<Code>, StorageError> {
        select
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(Code::try_from)
            .transpose()
    }

    async fn codes_of(
        &self,
        select: sea_orm::Select<codes::Entity>,
    ) -> Result<Vec<Code>, StorageError> {
        select
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(Code::try_from)
            .collect()
    }

    /// Why an update of `code` changed no row: it is absent, its version moved on, or its
    /// stored balance is not the one the entries were made from.
    async fn missed_code_update(&self, code: &Code, expected: Version) -> StorageError {
        match code_of(code.business_id(), code.id()).one(&self.txn).await {
            Ok(None) => StorageError::NotFound,
            Ok(Some(row)) if row.version != expected.get() => StorageError::VersionConflict,
            Ok(Some(row)) => disagree(&format!(
                "stored {}, entries lead to {}",
                row.remaining,
                code.remaining()
            )),
            Err(err) => unexpected(err),
        }
    }
}

#[async_trait]
impl CodeRepository for SeaTransaction {
    async fn insert_code(&mut self, code: &Code, first: &Entry) -> Result<(), StorageError> {
        if first.delta != code.remaining() {
            return Err(disagree(&format!(
                "a first entry of {} for a value of {}",
                first.delta,
                code.remaining()
            )));
        }
        let backend = self.txn.get_database_backend();
        let writes = [
            codes::Entity::insert(code_row(code)).build(backend),
            backend.build(&next_ledger_entry(code.business_id(), code.id(), first)?),
        ];
        // One savepoint: a code never stays without its ledger.
        self.guarded_all(&writes).await.map_err(code_write_error)
    }

    async fn code(
        &mut self,
        business: BusinessId,
        id: CodeId,
    ) -> Result<Option<Code>, StorageError> {
        self.one_code(code_of(business, id)).await
    }

    async fn code_for_update(
        &mut self,
        business: BusinessId,
        id: CodeId,
    ) -> Result<Option<Code>, StorageError> {
        self.one_locked_code(code_of(business, id)).await
    }

    async fn code_by_text(
        &mut self,
        business: BusinessId,
        text: &CodeText,
    ) -> Result<Option<Code>, StorageError> {
        self.one_code(code_with_text(business, text)).await
    }

    async fn code_for_use(
        &mut self,
        business: BusinessId,
        text: &CodeText,
    ) -> Result<Option<(Code, Product)>, StorageError> {
        let backend = self.txn.get_database_backend();
        let rows = self
            .txn
            .query_all_raw(code_for_use(business, text, backend).build(backend))
            .await
            .map_err(unexpected)?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let code = Code::try_from(codes::Model::from_query_result(first, "").map_err(unexpected)?)?;
        let row = products::Model::from_query_result(first, PRODUCT).map_err(unexpected)?;
        let types = rows
            .iter()
            .filter_map(|row| row.try_get::<Option<Uuid>>("", COVERED_TYPE).transpose())
            .collect::<Result<Vec<Uuid>, _>>()
            .map_err(unexpected)?;
        let product = Product::try_from(WithTypes { row, types })?;
        Ok(Some((code, product)))
    }

    async fn update_code(
        &mut self,
        code: &Code,
        expected: Version,
        entries: &[Entry],
    ) -> Result<(), StorageError> {
        let before = entries
            .iter()
            .try_fold(code.remaining(), |left, entry| {
                left.checked_sub(entry.delta)
            })
            .ok_or_else(|| disagree("the deltas overflow"))?;
        let update = codes::Entity::update_many()
            .set(code_changes(code))
            .filter(codes::Column::BusinessId.eq(code.business_id().as_uuid()))
            .filter(codes::Column::Id.eq(code.id().as_uuid()))
            .filter(codes::Column::Version.eq(expected.get()))
            .filter(codes::Column::Remaining.eq(before));
        // PostgreSQL: a single entry (a redemption, a give-back) goes with the update in
        // one statement, a round trip fewer in a booking.
        if let ([entry], DbBackend::Postgres) = (entries, self.txn.get_database_backend()) {
            let both = update_with_ledger_entry(
                update.into_query(),
                code.business_id(),
                code.id(),
                entry,
            )?;
            let written = self.txn.execute(&both).await.map_err(unexpected)?;
            if written.rows_affected() == 0 {
                return Err(self.missed_code_update(code, expected).await);
            }
            return Ok(());
        }
        // No savepoint: a version or balance that does not match writes nothing, and any
        // other error leaves a transaction its caller abandons (PostgreSQL has already
        // aborted it), so the code and its entries are still written together or not at
        // all. Each entry numbers itself: one round trip per entry, none to read the
        // ledger's last number.
        if update
            .exec(&self.txn)
            .await
            .map_err(unexpected)?
            .rows_affected
            == 0
        {
            return Err(self.missed_code_update(code, expected).await);
        }
        for entry in entries {
            let insert = next_ledger_entry(code.business_id(), code.id(), entry)?;
            self.txn.execute(&insert).await.map_err(unexpected)?;
        }
        Ok(())
    }

    async fn ledger(
        &mut self,
        business: BusinessId,
        code: CodeId,
        after: Option<u32>,
        limit: u32,
    ) -> Result<Vec<LedgerLine>, StorageError> {
        let mut query = ledger_of(business, code);
        if let Some(after) = after {
            query = query.filter(code_ledger::Column::Seq.gt(i64::from(after)));
        }
        query
            .order_by_asc(code_ledger::Column::Seq)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(LedgerLine::try_from)
            .collect()
    }

    async fn ledger_of_appointment(
        &mut self,
        business: BusinessId,
        code: CodeId,
        appointment: AppointmentId,
    ) -> Result<Vec<Entry>, StorageError> {
        ledger_of(business, code)
            .filter(code_ledger::Column::AppointmentId.eq(appointment.as_uuid()))
            .order_by_asc(code_ledger::Column::Seq)
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(|row| LedgerLine::try_from(row).map(|line| line.entry))
            .collect()
    }

    async fn codes_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
        after: Option<(DateTime<Utc>, CodeId)>,
        limit: u32,
    ) -> Result<Vec<Code>, StorageError> {
        let query = codes::Entity::find()
            .filter(codes::Column::BusinessId.eq(business.as_uuid()))
            .filter(codes::Column::ClientId.eq(client.as_uuid()));
        self.codes_of(newest_first(query, after, limit)).await
    }

    async fn active_codes_assigned_to(
        &mut self,
        business: BusinessId,
        email_key: &str,
        after: Option<(DateTime<Utc>, CodeId)>,
        limit: u32,
    ) -> Result<Vec<Code>, StorageError> {
        // `lower(assigned_to)`, as the index `ix_codes_assigned` has it.
        let assigned = Expr::expr(Func::lower(Expr::col(codes::Column::AssignedTo)));
        let query = codes::Entity::find()
            .filter(codes::Column::BusinessId.eq(business.as_uuid()))
            .filter(assigned.eq(email_key))
            .filter(codes::Column::Status.eq(Status::Active.as_str()));
        self.codes_of(newest_first(query, after, limit)).await
    }

    async fn active_codes_of_product(
        &mut self,
        business: BusinessId,
        product: ProductId,
        after: Option<CodeId>,
        limit: u32,
    ) -> Result<Vec<Code>, StorageError> {
        let mut query = codes::Entity::find()
            .filter(codes::Column::BusinessId.eq(business.as_uuid()))
            .filter(codes::Column::ProductId.eq(product.as_uuid()))
            .filter(codes::Column::Status.eq(Status::Active.as_str()));
        if let Some(after) = after {
            query = query.filter(codes::Column::Id.gt(after.as_uuid()));
        }
        self.codes_of(
            query
                .order_by_asc(codes::Column::Id)
                .limit(u64::from(limit)),
        )
        .await
    }

    async fn codes_past_their_last_day(
        &mut self,
        before: NaiveDate,
        only: Option<BusinessId>,
        after: Option<(BusinessId, CodeId)>,
        limit: u32,
    ) -> Result<Vec<Code>, StorageError> {
        let mut query = codes::Entity::find()
            .filter(codes::Column::Status.eq(Status::Active.as_str()))
            .filter(codes::Column::ExpiresOn.lt(before));
        if let Some(business) = only {
            query = query.filter(codes::Column::BusinessId.eq(business.as_uuid()));
        }
        if let Some((business, id)) = after {
            query = query.filter(after_ascending(
                [
                    Expr::col(codes::Column::BusinessId),
                    Expr::col(codes::Column::Id),
                ],
                (business.as_uuid(), id.as_uuid()),
            ));
        }
        self.codes_of(
            query
                .order_by_asc(codes::Column::BusinessId)
                .order_by_asc(codes::Column::Id)
                .limit(u64::from(limit)),
        )
        .await
    }

    async fn record_code_audit(&mut self, audit: &CodeAudit) -> Result<(), StorageError> {
        let insert = code_audit::Entity::insert(code_audit_row(audit));
        self.guarded(&insert)
            .await
            .map_err(|err| match unique_violation(&err) {
                Some(_) => StorageError::Duplicate("code_audit"),
                None => unexpected(err),
            })?;
        Ok(())
    }

    async fn code_audit(
        &mut self,
        business: BusinessId,
        code: CodeId,
    ) -> Result<Vec<CodeAudit>, StorageError> {
        code_audit::Entity::find()
            .filter(code_audit::Column::BusinessId.eq(business.as_uuid()))
            .filter(code_audit::Column::CodeId.eq(code.as_uuid()))
            .order_by_asc(code_audit::Column::At)
            .order_by_asc(code_audit::Column::Id)
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(CodeAudit::try_from)
            .collect()
    }

    async fn set_membership_code(
        &mut self,
        business: BusinessId,
        membership: MembershipId,
        code: CodeId,
    ) -> Result<(), StorageError> {
        membership_codes::Entity::insert(membership_codes::ActiveModel {
            business_id: Set(business.as_uuid()),
            membership_id: Set(membership.as_uuid()),
            code_id: Set(code.as_uuid()),
        })
        .on_conflict(
            OnConflict::columns([
                membership_codes::Column::BusinessId,
                membership_codes::Column::MembershipId,
            ])
            .update_column(membership_codes::Column::CodeId)
            .to_owned(),
        )
        .exec(&self.txn)
        .await
        .map_err(unexpected)?;
        Ok(())
    }

    async fn membership_code_for_update(
        &mut self,
        business: BusinessId,
        membership: MembershipId,
    ) -> Result<Option<Code>, StorageError> {
        let current = Query::select()
            .column(membership_codes::Column::CodeId)
            .from(membership_codes::Entity)
            .and_where(membership_codes::Column::BusinessId.eq(business.as_uuid()))
            .and_where(membership_codes::Column::MembershipId.eq(membership.as_uuid()))
            .to_owned();
        self.one_locked_code(
            codes::Entity::find()
                .filter(codes::Column::BusinessId.eq(business.as_uuid()))
                .filter(codes::Column::Id.in_subquery(current)),
        )
        .await
    }
}
