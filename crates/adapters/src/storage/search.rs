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
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait,
    Select,
};

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

/// SQLite's FTS5 trigram index finds nothing for patterns shorter than a trigram.
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

/// `instr(column, fragment) > 0`: an exact substring test, with nothing to escape.
fn contains(column: clients::Column, fragment: &str) -> Condition {
    Condition::all().add(Expr::expr(Func::cust("instr").arg(Expr::col(column)).arg(fragment)).gt(0))
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

/// CL-6, CL-7: `column` contains `fragment`. PostgreSQL answers `LIKE` from its pg_trgm
/// index; SQLite from its FTS5 trigram index when the fragment has a trigram and no LIKE
/// wildcard, then checks the exact substring on the row.
fn substring_branch(
    backend: DbBackend,
    business: BusinessId,
    column: clients::Column,
    fts_column: &str,
    fragment: &str,
) -> Condition {
    match backend {
        DbBackend::Postgres => like_contains(column, fragment),
        _ if fragment.chars().count() < TRIGRAM || fragment.contains(['%', '_']) => {
            contains(column, fragment)
        }
        _ => {
            let in_fts = Expr::cust_with_values(
                format!(
                    "{table}.{id} IN (SELECT r.client_id FROM client_search_rows r \
                     WHERE r.business_id = ? AND r.row_id IN \
                     (SELECT rowid FROM client_search_fts WHERE {fts_column} LIKE ?))",
                    table = "\"clients\"",
                    id = "\"id\"",
                ),
                [
                    sea_orm::Value::from(business.as_uuid()),
                    sea_orm::Value::from(format!("%{fragment}%")),
                ],
            );
            Condition::all().add(in_fts).add(contains(column, fragment))
        }
    }
}

/// Every branch of the search other than the exact matches.
fn branches(backend: DbBackend, business: BusinessId, search: &ClientSearch) -> Vec<Condition> {
    let mut branches: Vec<Condition> = search
        .names()
        .map(|names| {
            names
                .splits()
                .iter()
                .flat_map(|split| split_branches(business, split))
                .collect()
        })
        .unwrap_or_default();
    if let Some(digits) = search.phone_digits() {
        branches.push(substring_branch(
            backend,
            business,
            clients::Column::PhoneDigits,
            "phone_digits",
            digits,
        ));
    }
    if let Some(fragment) = search.email_fragment() {
        branches.push(substring_branch(
            backend,
            business,
            clients::Column::EmailKey,
            "email_key",
            fragment,
        ));
    }
    branches
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
/// storage form of [`ClientSearch::is_exact`].
fn exact_condition(search: &ClientSearch, null_safe: bool) -> Condition {
    let mut exact = Condition::any();
    for split in search.names().map(|n| n.splits()).unwrap_or_default() {
        let mut both = Condition::all();
        if let Some(first) = &split.first {
            both = both.add(clients::Column::FirstNameKey.eq(first.as_str()));
        }
        if let Some(last) = &split.last {
            both = both.add(clients::Column::LastNameKey.eq(last.as_str()));
        }
        exact = exact.add(both);
    }
    if let Some(digits) = search.phone_digits() {
        exact = exact
            .add(equals(clients::Column::PhoneDigits, digits, null_safe))
            .add(equals(
                clients::Column::PhoneDigits,
                &format!("+{digits}"),
                null_safe,
            ));
    }
    if let Some(email) = search.email_fragment() {
        exact = exact.add(equals(clients::Column::EmailKey, email, null_safe));
    }
    exact
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
            let exact = filtered.clone().filter(exact_condition(search, false));
            parts.push((
                0,
                ordered(exact, query.sort, query.after.as_ref(), query.limit)?,
            ));
        }
        let after = query.after.as_ref().filter(|_| query.past_exact_matches);
        let not_exact = filtered.filter(exact_condition(search, true).not());
        for branch in branches(backend, business, search) {
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
