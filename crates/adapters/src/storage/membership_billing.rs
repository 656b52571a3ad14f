//! The billing worker's side of `MembershipRepository` (ME-7 to ME-9): claiming due
//! memberships under a lease, writing a batch of them back by version, and charges —
//! inserted and settled in batches, listed per membership, and the pending ones found
//! again after a crash.
//!
//! Batches are one statement per chunk of rows over a derived table of parameters,
//! `(SELECT column1 AS v_a, … FROM (VALUES (…), (…)) AS r) AS v`: both databases name the
//! columns of a `VALUES` list `column1`, `column2`…, and both run `UPDATE … FROM` and
//! `INSERT … SELECT … ON CONFLICT DO NOTHING` with `RETURNING`. The rules of ME-9 are the
//! database's partial unique indexes; the statements only avoid hitting them.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr,
    EntityTrait, IdenStatic, Iterable, QueryFilter, QueryOrder, QueryResult, QuerySelect,
    QueryTrait, Statement, TransactionTrait, Value,
};
use uuid::Uuid;

use clientele_domain::membership::Membership;
use clientele_domain::{BusinessId, MembershipId};
use clientele_ports::StorageError;
use clientele_ports::storage::{
    Charge, ChargeId, ChargeOutcome, ChargeSettlement, ChargeStatus, ClaimScope, MembershipWrite,
};

use super::conversions::{charge_row, instant, membership_changes};
use super::entities::{membership_charges, memberships};
use super::memberships::placeholder;
use super::{SeaTransaction, foreign_key_violation, unexpected};

/// Rows per statement: far below SQLite's 32 766 parameters for the widest row (a
/// membership, about 40 columns).
const CHUNK: usize = 200;

/// A text from outside (a processor's message or reference) as it can be stored:
/// PostgreSQL refuses NUL characters in text.
fn storable(text: &str) -> String {
    text.replace('\0', "\u{FFFD}")
}

/// The derived table `v` of `rows` (one value per name each), its parameters appended to
/// `values`: its columns are the names prefixed with `v_`.
fn derived(
    backend: DbBackend,
    names: &[&str],
    rows: &[Vec<Value>],
    values: &mut Vec<Value>,
) -> String {
    let columns: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, name)| format!("column{} AS v_{name}", i + 1))
        .collect();
    let tuples: Vec<String> = rows
        .iter()
        .map(|row| {
            let params: Vec<String> = row
                .iter()
                .map(|value| {
                    values.push(value.clone());
                    placeholder(backend, values.len())
                })
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    format!(
        "(SELECT {} FROM (VALUES {}) AS r) AS v",
        columns.join(", "),
        tuples.join(", ")
    )
}

/// The columns an active model sets, with their values, in the entity's column order.
fn set_columns<A: ActiveModelTrait>(row: &A) -> Vec<(&'static str, Value)> {
    <A::Entity as EntityTrait>::Column::iter()
        .filter_map(|column| match row.get(column) {
            ActiveValue::Set(value) | ActiveValue::Unchanged(value) => {
                Some((column.as_str(), value))
            }
            ActiveValue::NotSet => None,
        })
        .collect()
}

/// The `id` column of each row a statement returned.
fn returned_ids(rows: &[QueryResult]) -> Result<HashSet<Uuid>, StorageError> {
    rows.iter()
        .map(|row| row.try_get::<Uuid>("", "id").map_err(unexpected))
        .collect()
}

fn charge_of(business: BusinessId, id: ChargeId) -> sea_orm::Select<membership_charges::Entity> {
    membership_charges::Entity::find()
        .filter(membership_charges::Column::BusinessId.eq(business.as_uuid()))
        .filter(membership_charges::Column::Id.eq(id.as_uuid()))
}

/// Strictly after `(created_at, id)` in `(created_at, id)` order, ascending or not.
fn charges_after(
    select: sea_orm::Select<membership_charges::Entity>,
    after: Option<(DateTime<Utc>, ChargeId)>,
    ascending: bool,
) -> sea_orm::Select<membership_charges::Entity> {
    use membership_charges::Column as C;
    let Some((at, id)) = after else {
        return select;
    };
    let (at, id) = (instant(at), id.as_uuid());
    let (later, next) = if ascending {
        (C::CreatedAt.gt(at), C::Id.gt(id))
    } else {
        (C::CreatedAt.lt(at), C::Id.lt(id))
    };
    select.filter(
        Condition::any()
            .add(later)
            .add(Condition::all().add(C::CreatedAt.eq(at)).add(next)),
    )
}

/// `(business, id)` is one of `pairs`, for a table whose columns `business` and `id` name
/// a membership (its own row, or a charge's membership).
fn one_of_memberships(
    business: impl ColumnTrait,
    id: impl ColumnTrait,
    pairs: &[(BusinessId, MembershipId)],
) -> Condition {
    pairs.iter().fold(Condition::any(), |any, (b, m)| {
        any.add(
            Condition::all()
                .add(business.eq(b.as_uuid()))
                .add(id.eq(m.as_uuid())),
        )
    })
}

impl SeaTransaction {
    /// Runs `statements` in one savepoint and answers the ids they returned: a failure
    /// of any undoes them all and leaves the transaction usable.
    async fn returning_all(&self, statements: Vec<Statement>) -> Result<HashSet<Uuid>, DbErr> {
        let savepoint = self.txn.begin().await?;
        let mut ids = HashSet::new();
        for statement in statements {
            match savepoint.query_all_raw(statement).await {
                Ok(rows) => {
                    for row in rows {
                        ids.insert(row.try_get::<Uuid>("", "id")?);
                    }
                }
                Err(err) => {
                    savepoint.rollback().await?;
                    return Err(err);
                }
            }
        }
        savepoint.commit().await?;
        Ok(ids)
    }

    pub(super) async fn write_back(
        &self,
        writes: &[MembershipWrite],
    ) -> Result<Vec<MembershipId>, StorageError> {
        let backend = self.txn.get_database_backend();
        let mut written = HashSet::new();
        for chunk in writes.chunks(CHUNK) {
            let mut names: Vec<&str> = vec!["business_id", "id", "expected"];
            let mut rows = Vec::with_capacity(chunk.len());
            for write in chunk {
                let membership = &write.membership;
                let changes = set_columns(&membership_changes(membership, write.due_at)?);
                if names.len() == 3 {
                    names.extend(changes.iter().map(|(name, _)| *name));
                }
                let mut row: Vec<Value> = vec![
                    membership.business_id().as_uuid().into(),
                    membership.id().as_uuid().into(),
                    write.expected.get().into(),
                ];
                row.extend(changes.into_iter().map(|(_, value)| value));
                rows.push(row);
            }
            let mut values = Vec::new();
            let table = derived(backend, &names, &rows, &mut values);
            let sets: Vec<String> = names[3..]
                .iter()
                .map(|name| format!(r#""{name}" = v.v_{name}"#))
                .collect();
            let sql = format!(
                "UPDATE memberships SET {}, claimed_by = NULL, claimed_until = NULL \
                 FROM {table} \
                 WHERE memberships.business_id = v.v_business_id \
                 AND memberships.id = v.v_id AND memberships.version = v.v_expected \
                 RETURNING id",
                sets.join(", ")
            );
            let statement = Statement::from_sql_and_values(backend, sql, values);
            let rows = self
                .txn
                .query_all_raw(statement)
                .await
                .map_err(unexpected)?;
            written.extend(returned_ids(&rows)?);
        }
        Ok(writes
            .iter()
            .map(|write| write.membership.id())
            .filter(|id| !written.contains(&id.as_uuid()))
            .collect())
    }

    pub(super) async fn claim_due(
        &self,
        now: DateTime<Utc>,
        scope: ClaimScope,
        worker: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Membership>, StorageError> {
        use memberships::Column as M;
        let now = instant(now);
        let due = match scope {
            ClaimScope::All => memberships::Entity::find(),
            ClaimScope::Business(business) => {
                memberships::Entity::find().filter(M::BusinessId.eq(business.as_uuid()))
            }
            ClaimScope::Membership(business, id) => memberships::Entity::find()
                .filter(M::BusinessId.eq(business.as_uuid()))
                .filter(M::Id.eq(id.as_uuid())),
        };
        let due = due
            .select_only()
            .column(M::BusinessId)
            .column(M::Id)
            .filter(M::DueAt.lte(now))
            .filter(M::Status.is_in(["active", "needs_attention"]))
            .filter(
                Condition::any()
                    .add(M::ClaimedUntil.is_null())
                    .add(M::ClaimedUntil.lt(now)),
            )
            .order_by_asc(M::DueAt)
            .order_by_asc(M::BusinessId)
            .order_by_asc(M::Id)
            .limit(u64::from(limit));
        let due = match self.txn.get_database_backend() {
            // Rows another claimer has locked are skipped, not waited for: two workers
            // claiming at once get disjoint batches.
            DbBackend::Postgres => {
                due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            }
            // The single writer: nobody else can claim until this transaction ends.
            _ => due,
        };
        // One statement: the batch is picked (and on PostgreSQL locked) by the subquery
        // and claimed by the update around it.
        let picked = Expr::tuple([Expr::col(M::BusinessId), Expr::col(M::Id)])
            .in_subquery(QueryTrait::into_query(due));
        let mut claimed = memberships::Entity::update_many()
            .col_expr(M::ClaimedBy, Expr::value(storable(worker)))
            .col_expr(M::ClaimedUntil, Expr::value(instant(lease_until)))
            .filter(picked)
            .exec_with_returning(&self.txn)
            .await
            .map_err(unexpected)?;
        // RETURNING keeps no order: back to earliest due first.
        claimed.sort_by_key(|row| (row.due_at, row.business_id, row.id));
        claimed.into_iter().map(Membership::try_from).collect()
    }

    pub(super) async fn release(
        &self,
        worker: &str,
        pairs: &[(BusinessId, MembershipId)],
    ) -> Result<(), StorageError> {
        use memberships::Column as M;
        for chunk in pairs.chunks(CHUNK) {
            memberships::Entity::update_many()
                .col_expr(M::ClaimedBy, Expr::value(Option::<String>::None))
                .col_expr(M::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
                .filter(M::ClaimedBy.eq(storable(worker)))
                .filter(one_of_memberships(
                    memberships::Column::BusinessId,
                    memberships::Column::Id,
                    chunk,
                ))
                .exec(&self.txn)
                .await
                .map_err(unexpected)?;
        }
        Ok(())
    }

    pub(super) async fn insert_new_charges(
        &self,
        charges: &[Charge],
    ) -> Result<Vec<ChargeId>, StorageError> {
        let backend = self.txn.get_database_backend();
        let mut statements = Vec::new();
        for chunk in charges.chunks(CHUNK) {
            let mut names: Vec<&str> = Vec::new();
            let mut rows = Vec::with_capacity(chunk.len());
            for charge in chunk {
                let columns = set_columns(&charge_row(charge)?);
                if names.is_empty() {
                    names = columns.iter().map(|(name, _)| *name).collect();
                }
                rows.push(columns.into_iter().map(|(_, value)| value).collect());
            }
            let mut values = Vec::new();
            let table = derived(backend, &names, &rows, &mut values);
            let picked: Vec<String> = names.iter().map(|name| format!("v.v_{name}")).collect();
            // ME-9: a charge of a paid period is not even stored (and so never sent); a
            // second pending charge of a period, or a taken key, is skipped by the unique
            // indexes.
            let sql = format!(
                "INSERT INTO membership_charges ({}) SELECT {} FROM {table} \
                 WHERE NOT EXISTS (SELECT 1 FROM membership_charges AS s \
                     WHERE s.business_id = v.v_business_id \
                     AND s.membership_id = v.v_membership_id \
                     AND s.period_start = v.v_period_start AND s.status = 'succeeded') \
                 ON CONFLICT DO NOTHING RETURNING id",
                names.join(", "),
                picked.join(", ")
            );
            statements.push(Statement::from_sql_and_values(backend, sql, values));
        }
        let stored =
            self.returning_all(statements).await.map_err(|err| {
                match foreign_key_violation(&err) {
                    Some(_) => StorageError::NotFound,
                    None => unexpected(err),
                }
            })?;
        Ok(charges
            .iter()
            .map(|charge| charge.id)
            .filter(|id| stored.contains(&id.as_uuid()))
            .collect())
    }

    pub(super) async fn settle(
        &self,
        settlements: &[ChargeSettlement],
    ) -> Result<Vec<ChargeId>, StorageError> {
        let backend = self.txn.get_database_backend();
        let names = [
            "business_id",
            "id",
            "status",
            "reference",
            "message",
            "settled_at",
        ];
        let mut statements = Vec::new();
        for chunk in settlements.chunks(CHUNK) {
            let rows: Vec<Vec<Value>> = chunk
                .iter()
                .map(|settlement| {
                    let (status, reference, message) = match &settlement.outcome {
                        ChargeOutcome::Succeeded { reference } => {
                            (ChargeStatus::Succeeded, reference.as_deref(), None)
                        }
                        ChargeOutcome::Declined { message } => {
                            (ChargeStatus::Declined, None, Some(message.as_str()))
                        }
                        ChargeOutcome::Failed { message } => {
                            (ChargeStatus::Failed, None, Some(message.as_str()))
                        }
                    };
                    vec![
                        settlement.business_id.as_uuid().into(),
                        settlement.id.as_uuid().into(),
                        status.as_str().into(),
                        reference.map(storable).into(),
                        message.map(storable).into(),
                        instant(settlement.at).into(),
                    ]
                })
                .collect();
            let mut values = Vec::new();
            let table = derived(backend, &names, &rows, &mut values);
            // Only a pending charge is settled, and a success only if its period has none
            // yet: the partial unique index would refuse it, and fail the whole batch.
            let sql = format!(
                "UPDATE membership_charges SET status = v.v_status, \
                 reference = COALESCE(v.v_reference, membership_charges.reference), \
                 message = v.v_message, settled_at = v.v_settled_at \
                 FROM {table} \
                 WHERE membership_charges.business_id = v.v_business_id \
                 AND membership_charges.id = v.v_id \
                 AND membership_charges.status = 'pending' \
                 AND (v.v_status <> 'succeeded' OR NOT EXISTS ( \
                     SELECT 1 FROM membership_charges AS s \
                     WHERE s.business_id = membership_charges.business_id \
                     AND s.membership_id = membership_charges.membership_id \
                     AND s.period_start = membership_charges.period_start \
                     AND s.status = 'succeeded')) \
                 RETURNING id"
            );
            statements.push(Statement::from_sql_and_values(backend, sql, values));
        }
        let settled = self.returning_all(statements).await.map_err(unexpected)?;
        Ok(settlements
            .iter()
            .map(|settlement| settlement.id)
            .filter(|id| settled.contains(&id.as_uuid()))
            .collect())
    }

    pub(super) async fn one_charge(
        &self,
        business: BusinessId,
        id: ChargeId,
    ) -> Result<Option<Charge>, StorageError> {
        charge_of(business, id)
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(Charge::try_from)
            .transpose()
    }

    async fn charges(
        &self,
        select: sea_orm::Select<membership_charges::Entity>,
    ) -> Result<Vec<Charge>, StorageError> {
        select
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(Charge::try_from)
            .collect()
    }

    pub(super) async fn pending(
        &self,
        business: Option<BusinessId>,
        older_than: DateTime<Utc>,
        after: Option<(DateTime<Utc>, ChargeId)>,
        limit: u32,
    ) -> Result<Vec<Charge>, StorageError> {
        use membership_charges::Column as C;
        let mut select = membership_charges::Entity::find()
            .filter(C::Status.eq(ChargeStatus::Pending.as_str()))
            .filter(C::CreatedAt.lt(instant(older_than)));
        if let Some(business) = business {
            select = select.filter(C::BusinessId.eq(business.as_uuid()));
        }
        let select = charges_after(select, after, true)
            .order_by_asc(C::CreatedAt)
            .order_by_asc(C::Id)
            .limit(u64::from(limit));
        self.charges(select).await
    }

    pub(super) async fn pending_of(
        &self,
        pairs: &[(BusinessId, MembershipId)],
    ) -> Result<Vec<Charge>, StorageError> {
        use membership_charges::Column as C;
        let mut found = Vec::new();
        for chunk in pairs.chunks(CHUNK) {
            let select = membership_charges::Entity::find()
                .filter(C::Status.eq(ChargeStatus::Pending.as_str()))
                .filter(one_of_memberships(C::BusinessId, C::MembershipId, chunk));
            found.extend(self.charges(select).await?);
        }
        found.sort_by_key(|charge| (charge.membership_id, charge.created_at, charge.id));
        Ok(found)
    }

    pub(super) async fn charges_of(
        &self,
        business: BusinessId,
        membership: MembershipId,
        after: Option<(DateTime<Utc>, ChargeId)>,
        limit: u32,
    ) -> Result<Vec<Charge>, StorageError> {
        use membership_charges::Column as C;
        let select = membership_charges::Entity::find()
            .filter(C::BusinessId.eq(business.as_uuid()))
            .filter(C::MembershipId.eq(membership.as_uuid()));
        let select = charges_after(select, after, false)
            .order_by_desc(C::CreatedAt)
            .order_by_desc(C::Id)
            .limit(u64::from(limit));
        self.charges(select).await
    }
}
