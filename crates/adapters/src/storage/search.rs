//! CL-5 to CL-8 on storage: one search as a few index-friendly queries whose first pages
//! are merged, exact matches first.
//!
//! A single `WHERE name OR email OR phone` query leaves the planner to guess how many
//! rows match, and a wrong guess walks the whole sort index (STACK.md measured 0.2–1.3 s
//! at a million clients). Instead every reading of the query is its own query (a prefix
//! range of a name key, the inner-word tails of a name, a trigram match of the email or
//! phone), each returns at most one page in the list's order, and one `UNION` merges
//! them in the same round trip: the first `limit` of the union of each branch's first
//! `limit` rows is the first `limit` of the union. Exact matches (CL-8) are a branch of
//! their own that comes first; the other branches exclude them.

use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Func, LikeExpr, Order, Query, SelectStatement, UnionType,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QuerySelect, QueryTrait, Select, Statement,
};
use uuid::Uuid;

use clientele_domain::search::{ClientSearch, NameSplit};
use clientele_domain::{BusinessId, ClientSort};
use clientele_ports::StorageError;
use clientele_ports::storage::ClientQuery;

use super::clients::{order_columns, ordered};
use super::entities::{client_name_tails, clients};
use super::{SeaTransaction, unexpected};

/// Above every character: `p <= key < p + MAX` is "key starts with p", a range both
/// databases answer from a byte-wise btree (`COLLATE "C"` on PostgreSQL).
const ABOVE_ALL: char = char::MAX;

/// Neither trigram index finds anything for a pattern shorter than a trigram.
const TRIGRAM: usize = 3;

/// `column` starts with `phrase`, as a range.
fn starts_with(column: clients::Column, phrase: &str) -> Condition {
    Condition::all()
        .add(column.gte(phrase))
        .add(column.lt(format!("{phrase}{ABOVE_ALL}")))
}

/// The client has a `field` (`f` or `l`) name tail starting with `phrase`.
fn tail_starts_with(business: BusinessId, field: &str, phrase: &str) -> Expr {
    let mut tails = Query::select();
    tails
        .column(client_name_tails::Column::ClientId)
        .from(client_name_tails::Entity)
        .and_where(client_name_tails::Column::BusinessId.eq(business.as_uuid()))
        .and_where(client_name_tails::Column::Field.eq(field))
        .and_where(client_name_tails::Column::Tail.gte(phrase))
        .and_where(client_name_tails::Column::Tail.lt(format!("{phrase}{ABOVE_ALL}")));
    Expr::col((clients::Entity, clients::Column::Id)).in_subquery(tails.take())
}

/// The name matches `phrase` from its start or from an inner word.
fn name_branches(
    business: BusinessId,
    field: &str,
    column: clients::Column,
    phrase: &str,
) -> [Condition; 2] {
    [
        starts_with(column, phrase),
        Condition::all().add(tail_starts_with(business, field, phrase)),
    ]
}

/// CL-5: one branch per split and per way the last (or only) part can match.
fn split_branches(business: BusinessId, split: &NameSplit) -> Vec<Condition> {
    let first = split
        .first
        .as_deref()
        .map(|phrase| name_branches(business, "f", clients::Column::FirstNameKey, phrase));
    let last = split
        .last
        .as_deref()
        .map(|phrase| name_branches(business, "l", clients::Column::LastNameKey, phrase));
    match (first, last) {
        (Some(first), None) => first.to_vec(),
        (None, Some(last)) => last.to_vec(),
        (Some([first_start, first_tail]), Some(last)) => {
            let first_matches = Condition::any().add(first_start).add(first_tail);
            last.into_iter()
                .map(|last| Condition::all().add(last).add(first_matches.clone()))
                .collect()
        }
        (None, None) => Vec::new(),
    }
}

/// `column` holds `fragment`, as a plain filter no index answers (`instr` on SQLite,
/// `strpos` on PostgreSQL: the same arguments, nothing to escape).
fn contains(backend: DbBackend, column: clients::Column, fragment: &str) -> Condition {
    let position = match backend {
        DbBackend::Postgres => "strpos",
        _ => "instr",
    };
    Condition::all()
        .add(Expr::expr(Func::cust(position).arg(Expr::col(column)).arg(fragment)).gt(0))
}

/// `column LIKE '%fragment%'` with `%`, `_` and `\` taken literally.
fn like_contains(column: clients::Column, fragment: &str) -> Condition {
    let escaped: String = fragment
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    Condition::all().add(Expr::col(column).like(LikeExpr::new(format!("%{escaped}%")).escape('\\')))
}

/// At most this many candidates of a substring are fetched from its trigram index; a
/// fragment found more often is common enough for the list's own order to meet a page of
/// it soon.
const CANDIDATES: usize = 2000;

/// What the trigram index says of a fragment (CL-6, CL-7).
enum Substring {
    /// Every client of the business whose column holds it: few enough to sort.
    Few(Vec<Uuid>),
    /// More than [`CANDIDATES`] rows, or too short for trigrams.
    Many,
}

/// A substring as a branch. Neither planner estimates how many rows `LIKE '%…%'`
/// matches (STACK.md saw PostgreSQL walk a million rows for a rare fragment and sort a
/// hundred thousand for a common one), so the index is asked first, with a cap: a rare
/// fragment becomes a list of ids to look up and sort, a common one a plain filter on the
/// list's ordered walk, which meets a page of matches within a few thousand rows.
fn substring_branch(
    backend: DbBackend,
    column: clients::Column,
    fragment: &str,
    found: Substring,
) -> Option<Condition> {
    match found {
        Substring::Few(ids) if ids.is_empty() => None,
        Substring::Few(ids) => Some(
            Condition::all()
                .add(clients::Column::Id.is_in(ids))
                .add(contains(backend, column, fragment)),
        ),
        Substring::Many => Some(contains(backend, column, fragment)),
    }
}

/// Every name branch of the search.
fn name_branches_of(business: BusinessId, search: &ClientSearch) -> Vec<Condition> {
    search
        .names()
        .map(|names| {
            names
                .splits()
                .iter()
                .flat_map(|split| split_branches(business, split))
                .collect()
        })
        .unwrap_or_default()
}

/// `column` equals `value`; with `null_safe`, a NULL column is "not equal" rather than
/// unknown, so that the condition can be negated.
fn equals(column: clients::Column, value: &str, null_safe: bool) -> Condition {
    let condition = if null_safe {
        Expr::expr(Func::coalesce([Expr::col(column), Expr::val("")])).eq(value)
    } else {
        Expr::col(column).eq(value)
    };
    Condition::all().add(condition)
}

/// CL-8: the query read as a whole name, a whole phone number or a whole email, the
/// storage form of [`ClientSearch::is_exact`]: one condition per reading, each answered
/// by an equality on one index. (As one `OR`, SQLite takes a single index for the
/// business and reads every client of it.)
fn exact_readings(search: &ClientSearch, null_safe: bool) -> Vec<Condition> {
    let mut exact = Vec::new();
    for split in search.names().map(|n| n.splits()).unwrap_or_default() {
        let mut both = Condition::all();
        if let Some(first) = &split.first {
            both = both.add(clients::Column::FirstNameKey.eq(first.as_str()));
        }
        if let Some(last) = &split.last {
            both = both.add(clients::Column::LastNameKey.eq(last.as_str()));
        }
        exact.push(both);
    }
    if let Some(digits) = search.phone_digits() {
        let plus = format!("+{digits}");
        exact.push(match null_safe {
            true => Condition::any()
                .add(equals(clients::Column::PhoneDigits, digits, true))
                .add(equals(clients::Column::PhoneDigits, &plus, true)),
            false => Condition::all().add(clients::Column::PhoneDigits.is_in([digits, &plus])),
        });
    }
    if let Some(email) = search.email_fragment() {
        exact.push(equals(clients::Column::EmailKey, email, null_safe));
    }
    exact
}

/// Any of the exact readings, as one condition (to exclude them from the others).
fn exact_condition(search: &ClientSearch) -> Condition {
    exact_readings(search, true)
        .into_iter()
        .fold(Condition::any(), Condition::add)
}

/// The parts' rows as one statement: `SELECT group, part.* FROM (part) UNION …`, in
/// group then `sort` order, `limit` rows. Each part keeps its own order and limit, so the
/// database reads at most `limit` rows of each; `UNION` drops the rows that several
/// readings find.
fn merged(
    parts: Vec<(i32, Select<clients::Entity>)>,
    sort: ClientSort,
    limit: u32,
) -> Option<SelectStatement> {
    let group = Alias::new("search_group");
    let mut parts = parts.into_iter().enumerate().map(|(n, (rank, part))| {
        let alias = Alias::new(format!("reading_{n}"));
        Query::select()
            .expr_as(Expr::val(rank), group.clone())
            .column((alias.clone(), Asterisk))
            .from_subquery(part.into_query(), alias)
            .take()
    });
    let mut statement = parts.next()?;
    for part in parts {
        statement.union(UnionType::Distinct, part);
    }
    statement.order_by(group, Order::Asc);
    for column in order_columns(sort) {
        statement.order_by(*column, Order::Asc);
    }
    Some(statement.limit(u64::from(limit)).take())
}

impl SeaTransaction {
    /// Asks the trigram index which clients of `business` hold `fragment` in `column`,
    /// up to [`CANDIDATES`].
    async fn substring_candidates(
        &self,
        business: BusinessId,
        column: clients::Column,
        fragment: &str,
    ) -> Result<Substring, StorageError> {
        if fragment.chars().count() < TRIGRAM {
            return Ok(Substring::Many);
        }
        let backend = self.txn.get_database_backend();
        let cap = CANDIDATES as i64 + 1;
        let rows: Vec<(Uuid, Uuid)> = match backend {
            DbBackend::Postgres => {
                // Only the trigram index may answer: a planner that guesses "many" would
                // rather read the table, which for a rare fragment means all of it.
                self.set_local(&["enable_seqscan = off", "enable_indexscan = off"])
                    .await?;
                let rows = clients::Entity::find()
                    .select_only()
                    .column(clients::Column::BusinessId)
                    .column(clients::Column::Id)
                    .filter(clients::Column::BusinessId.eq(business.as_uuid()))
                    .filter(like_contains(column, fragment))
                    .limit(cap as u64)
                    .into_tuple()
                    .all(&self.txn)
                    .await
                    .map_err(unexpected);
                self.set_local(&["enable_seqscan = on", "enable_indexscan = on"])
                    .await?;
                rows?
            }
            _ if fragment.contains(['%', '_']) => return Ok(Substring::Many),
            _ => {
                let fts_column = match column {
                    clients::Column::PhoneDigits => "phone_digits",
                    _ => "email_key",
                };
                let sql = format!(
                    "SELECT r.business_id, r.client_id FROM client_search_rows r \
                     WHERE r.row_id IN (SELECT rowid FROM client_search_fts \
                     WHERE {fts_column} LIKE ? LIMIT ?)"
                );
                let statement = Statement::from_sql_and_values(
                    backend,
                    sql,
                    [format!("%{fragment}%").into(), cap.into()],
                );
                let rows = self
                    .txn
                    .query_all_raw(statement)
                    .await
                    .map_err(unexpected)?;
                rows.iter()
                    .map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
                    .collect::<Result<_, DbErr>>()
                    .map_err(unexpected)?
            }
        };
        if rows.len() > CANDIDATES {
            return Ok(Substring::Many);
        }
        Ok(Substring::Few(
            rows.into_iter()
                .filter(|(owner, _)| *owner == business.as_uuid())
                .map(|(_, id)| id)
                .collect(),
        ))
    }

    /// `SET LOCAL` each of `settings` (PostgreSQL) for the rest of the transaction, in
    /// one round trip.
    async fn set_local(&self, settings: &[&str]) -> Result<(), StorageError> {
        let statements: Vec<String> = settings
            .iter()
            .map(|setting| format!("SET LOCAL {setting}"))
            .collect();
        self.txn
            .execute_unprepared(&statements.join("; "))
            .await
            .map_err(unexpected)?;
        Ok(())
    }

    /// Every branch of the search other than the exact matches.
    async fn branches(
        &self,
        business: BusinessId,
        search: &ClientSearch,
    ) -> Result<Vec<Condition>, StorageError> {
        let backend = self.txn.get_database_backend();
        let mut branches = name_branches_of(business, search);
        for (column, fragment) in [
            (clients::Column::PhoneDigits, search.phone_digits()),
            (clients::Column::EmailKey, search.email_fragment()),
        ] {
            if let Some(fragment) = fragment {
                let found = self
                    .substring_candidates(business, column, fragment)
                    .await?;
                branches.extend(substring_branch(backend, column, fragment, found));
            }
        }
        Ok(branches)
    }

    /// One page of the clients `search` finds among those `filtered` selects: the exact
    /// matches first, then the others, each group in `query.sort`.
    pub(super) async fn search_rows(
        &self,
        business: BusinessId,
        filtered: Select<clients::Entity>,
        query: &ClientQuery,
        search: &ClientSearch,
    ) -> Result<Vec<clients::Model>, StorageError> {
        let backend = self.txn.get_database_backend();
        let mut parts = Vec::new();
        if !query.past_exact_matches {
            for reading in exact_readings(search, false) {
                let exact = filtered.clone().filter(reading);
                parts.push((
                    0,
                    ordered(exact, query.sort, query.after.as_ref(), query.limit)?,
                ));
            }
        }
        let after = query.after.as_ref().filter(|_| query.past_exact_matches);
        let not_exact = filtered.filter(exact_condition(search).not());
        for branch in self.branches(business, search).await? {
            let part = not_exact.clone().filter(branch);
            parts.push((1, ordered(part, query.sort, after, query.limit)?));
        }
        let Some(statement) = merged(parts, query.sort, query.limit) else {
            return Ok(Vec::new());
        };
        clients::Entity::find()
            .from_raw_sql(backend.build(&statement))
            .all(&self.txn)
            .await
            .map_err(unexpected)
    }
}
