//! The plans of [`super::plan`] as SQL: the conditions each reading becomes (a range of
//! its own index when it drives, a filter when it does not), a branch's page from the
//! clients or from the terms alone, and the `UNION` that merges the pages. It builds
//! statements and runs none.
//!
//! Neither database's planner is left to choose between a walk and a drive: without
//! statistics SQLite always prefers the walk that avoids a sort, and PostgreSQL, which
//! has them, misjudges the inner-word ranges (it walked a million index entries probing
//! the tails of each for a name no client has: 2 s, against 7 ms driven). So a drive
//! orders by, and compares its other readings on, columns written so that no index
//! serves them (`+column` on SQLite, `COALESCE(column, column)` on PostgreSQL): the
//! database can only start from the driving reading's index and sort what it finds. A
//! walk is given the plain columns.

use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Func, LikeExpr, Order, Query, SelectStatement, UnionType,
};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, IdenStatic, QueryFilter, QuerySelect, QueryTrait, Select,
};

use clientele_domain::{BusinessId, ClientSort, ClientSortKey};
use clientele_ports::StorageError;
use clientele_ports::storage::ClientQuery;

use super::cursor::{order_columns, strictly_after};
use super::plan::{HEAD, NameField, Reading, Terms, WORD_BOUNDARIES};
use crate::storage::entities::{client_search_terms, clients};

#[cfg(test)]
mod tests;

/// Above every character: `p <= key < p + MAX` is "key starts with p", a range both
/// databases answer from a byte-wise btree (`COLLATE "C"` on PostgreSQL).
const ABOVE_ALL: char = char::MAX;

/// A column as written in a branch: plainly where an index may serve it, and where none
/// must, as `+column` on SQLite and `COALESCE(column, column)` on PostgreSQL (the same
/// value and collation, which no index serves; see the module documentation).
fn column_expr(backend: DbBackend, column: clients::Column, indexed: bool) -> Expr {
    match indexed {
        true => Expr::col(column),
        false => unindexed(backend, column.as_str()),
    }
}

/// The column `name` written so that no index serves it (see [`column_expr`]).
fn unindexed(backend: DbBackend, name: &str) -> Expr {
    match backend {
        DbBackend::Sqlite => Expr::cust(format!("+\"{name}\"")),
        _ => Expr::cust(format!("COALESCE(\"{name}\", \"{name}\")")),
    }
}

/// `column` starts with `phrase`, as a range.
fn starts_with(column: Expr, phrase: &str) -> Condition {
    Condition::all()
        .add(column.clone().gte(phrase))
        .add(column.lt(format!("{phrase}{ABOVE_ALL}")))
}

/// `column` starts with `phrase` and is longer, as a range.
fn extends(column: Expr, phrase: &str) -> Condition {
    Condition::all()
        .add(column.clone().gt(phrase))
        .add(column.lt(format!("{phrase}{ABOVE_ALL}")))
}

/// `text` holds `fragment`, as a plain filter no index answers (`instr` on SQLite,
/// `strpos` on PostgreSQL: the same arguments, nothing to escape).
fn contains(backend: DbBackend, text: Expr, fragment: &str) -> Expr {
    let position = match backend {
        DbBackend::Postgres => "strpos",
        _ => "instr",
    };
    Expr::expr(Func::cust(position).arg(text).arg(fragment)).gt(0)
}

/// A condition no row meets.
fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

/// The terms of `business` of one field starting with `prefix`, from
/// `client_search_terms`: the range of its primary key, selecting nothing yet.
pub(super) fn term_range(business: BusinessId, terms: Terms, prefix: &str) -> SelectStatement {
    Query::select()
        .from(client_search_terms::Entity)
        .and_where(client_search_terms::Column::BusinessId.eq(business.as_uuid()))
        .and_where(client_search_terms::Column::Field.eq(terms.code()))
        .and_where(client_search_terms::Column::Term.gte(prefix))
        .and_where(client_search_terms::Column::Term.lt(format!("{prefix}{ABOVE_ALL}")))
        .take()
}

/// The terms of `business` of one field starting with `phrase` (of [`HEAD`] characters or
/// more) as the range of `ix_client_search_terms_head` whose head is the phrase's, in
/// last-name order; the rest of the phrase is a filter no index serves, so that neither
/// database reads the primary key's range instead. The index's expression and its
/// condition (it is partial) are written out as it has them: bound values would not tell
/// either database that the index serves the query.
pub(super) fn head_range(
    backend: DbBackend,
    business: BusinessId,
    terms: Terms,
    phrase: &str,
) -> SelectStatement {
    let term = client_search_terms::Column::Term;
    let head: String = phrase.chars().take(HEAD).collect();
    let field = terms.code();
    let mut statement = Query::select()
        .from(client_search_terms::Entity)
        .and_where(client_search_terms::Column::BusinessId.eq(business.as_uuid()))
        .and_where(Expr::cust(format!(
            "field = '{field}' AND field <> '{}'",
            client_search_terms::PHONE_SUFFIX
        )))
        .and_where(Expr::cust(format!("substr(term, 1, {HEAD})")).eq(head.as_str()))
        .take();
    if head.len() < phrase.len() {
        statement.cond_where(starts_with(unindexed(backend, term.as_str()), phrase));
    }
    statement
}

/// The same as a filter on the name key itself: a word boundary followed by `phrase`.
/// A tail never starts with a boundary, so neither does a phrase that finds one.
fn tail_in_key(backend: DbBackend, field: NameField, phrase: &str) -> Condition {
    if phrase.starts_with(WORD_BOUNDARIES) {
        return nothing();
    }
    tail_in(backend, Expr::col(field.column()), phrase)
}

/// `text` holds a word boundary followed by `phrase`.
fn tail_in(backend: DbBackend, text: Expr, phrase: &str) -> Condition {
    WORD_BOUNDARIES
        .iter()
        .fold(Condition::any(), |any, boundary| {
            any.add(contains(
                backend,
                text.clone(),
                &format!("{boundary}{phrase}"),
            ))
        })
}

/// Of a client's terms in the range of `terms` starting with `prefix`, only the last:
/// the one no later term in the range starts inside of. A term is a suffix, so any later
/// occurrence of the fragment (or, for a name, of a boundary and the phrase) lies in the
/// term after its first character. So a range yields each client once, and a page of
/// it needs no `DISTINCT` (which sorts every row) but a plain top-`limit`.
///
/// PostgreSQL is given `term NOT LIKE '_%…%'`, which reads the term in place, where
/// `strpos(substr(term, 2), …)` copies it first: at a million clients a page of an email
/// fragment found 18,000 times took 7–8 ms instead of 9–13 (as measured when written).
fn last_in_range(backend: DbBackend, terms: Terms, prefix: &str) -> Condition {
    let fragments: Vec<String> = match terms {
        Terms::Tail(_) => WORD_BOUNDARIES
            .iter()
            .map(|boundary| format!("{boundary}{prefix}"))
            .collect(),
        Terms::Substring(_) => vec![prefix.to_owned()],
    };
    if backend == DbBackend::Postgres {
        return fragments.iter().fold(Condition::all(), |all, fragment| {
            let later = LikeExpr::new(format!("_%{}%", like_escaped(fragment))).escape('\\');
            all.add(Expr::col(client_search_terms::Column::Term).not_like(later))
        });
    }
    let rest = Expr::expr(
        Func::cust("substr")
            .arg(Expr::col(client_search_terms::Column::Term))
            .arg(2),
    );
    fragments
        .iter()
        .fold(Condition::any(), |any, fragment| {
            any.add(contains(backend, rest.clone(), fragment))
        })
        .not()
}

/// `text` with `LIKE`'s wildcards and its escape character escaped by `\`.
fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// `reading` as the condition that drives its branch over `clients`: the form its own
/// index serves (a name index, or the terms, whose clients are then looked up).
pub(super) fn driving(business: BusinessId, reading: &Reading) -> Condition {
    match reading {
        Reading::Equals(field, phrase) => Condition::all().add(field.column().eq(phrase.as_str())),
        Reading::Starts(field, phrase) => starts_with(Expr::col(field.column()), phrase),
        Reading::Extends(field, phrase) => extends(Expr::col(field.column()), phrase),
        Reading::Term(terms, prefix) => {
            let ids = term_range(business, *terms, prefix)
                .column(client_search_terms::Column::ClientId)
                .take();
            Condition::all().add(Expr::col((clients::Entity, clients::Column::Id)).in_subquery(ids))
        }
    }
}

/// `reading` as a filter on rows found otherwise: the sort index holds every column
/// these read (and the terms the name keys). `in_order` keeps a prefix of the leading
/// sort key indexable, so that the walk is the range it gives. Columns are unqualified.
pub(super) fn filtering(backend: DbBackend, reading: &Reading, in_order: bool) -> Condition {
    match reading {
        Reading::Equals(field, phrase) => {
            Condition::all().add(column_expr(backend, field.column(), in_order).eq(phrase.as_str()))
        }
        Reading::Starts(field, phrase) => {
            starts_with(column_expr(backend, field.column(), in_order), phrase)
        }
        Reading::Extends(field, phrase) => {
            extends(column_expr(backend, field.column(), in_order), phrase)
        }
        Reading::Term(Terms::Tail(field), phrase) => tail_in_key(backend, *field, phrase),
        Reading::Term(Terms::Substring(searched), fragment) => {
            Condition::all().add(contains(backend, Expr::col(searched.column()), fragment))
        }
    }
}

/// One branch's page: `(sort key, id)` of the clients of `select` in the list's order,
/// strictly after `after`, at most `limit`. `sorted` orders by `+column` on SQLite, so
/// that the rows come from the condition's index and are sorted (see the module
/// documentation).
pub(super) fn branch_page(
    backend: DbBackend,
    select: Select<clients::Entity>,
    query: &ClientQuery,
    after: Option<&ClientSortKey>,
    sorted: bool,
) -> Result<SelectStatement, StorageError> {
    let indexed = !sorted;
    let mut select = select.select_only();
    if let Some(after) = after {
        select = select.filter(strictly_after(query.sort, after, &|column| {
            column_expr(backend, column, indexed)
        })?);
    }
    let mut statement = select.into_query();
    for column in order_columns(query.sort) {
        statement.column(*column);
    }
    for column in order_columns(query.sort) {
        statement.order_by_expr(column_expr(backend, *column, indexed), Order::Asc);
    }
    Ok(statement.limit(u64::from(query.limit)).take())
}

/// A branch's page from the terms alone, in a name order: `(sort key, id)` of the
/// clients with a term that `statement` reads (the terms of `terms` starting with
/// `prefix`, from [`term_range`] or [`head_range`]) that pass `condition` (on the name
/// keys), strictly after `after`, at most `limit`. A client with several terms in the
/// range is one row, its last term's ([`last_in_range`]).
pub(super) fn term_page(
    backend: DbBackend,
    mut statement: SelectStatement,
    (terms, prefix): (Terms, &str),
    condition: Condition,
    query: &ClientQuery,
    after: Option<&ClientSortKey>,
) -> Result<SelectStatement, StorageError> {
    let column = |column: clients::Column| match column {
        clients::Column::Id => Expr::col(client_search_terms::Column::ClientId),
        other => Expr::col(other),
    };
    statement
        .cond_where(last_in_range(backend, terms, prefix))
        .cond_where(condition);
    for sorted in order_columns(query.sort) {
        statement.expr_as(column(*sorted), Alias::new(sorted.as_str()));
    }
    if let Some(after) = after {
        statement.cond_where(strictly_after(query.sort, after, &column)?);
    }
    for sorted in order_columns(query.sort) {
        statement.order_by_expr(column(*sorted), Order::Asc);
    }
    Ok(statement.limit(u64::from(query.limit)).take())
}

/// The branches' pages as one statement: `SELECT group, page.* FROM (page) UNION …`, in
/// group then `sort` order, `limit` rows. `UNION` drops the rows several branches find.
pub(super) fn merged(
    parts: Vec<(i32, SelectStatement)>,
    sort: ClientSort,
    limit: u32,
) -> Option<SelectStatement> {
    let group = Alias::new("search_group");
    let mut parts = parts.into_iter().enumerate().map(|(n, (rank, part))| {
        let alias = Alias::new(format!("reading_{n}"));
        Query::select()
            .expr_as(Expr::val(rank), group.clone())
            .column((alias.clone(), Asterisk))
            .from_subquery(part, alias)
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
