//! CL-5 to CL-8 on storage: one search as a few index-friendly queries whose first pages
//! are merged, exact matches first.
//!
//! A single `WHERE name OR email OR phone` query leaves the planner to guess how many
//! rows match, and a wrong guess walks the whole sort index (STACK.md measured 0.2–1.3 s
//! at a million clients). Instead the query is cut into *branches*, each an `AND` of
//! [`Reading`]s (a prefix of a name key, an inner word of it, a substring of the email or
//! phone), and every branch is given one of two plans, chosen from counts rather than
//! from the planner's estimates:
//!
//! - **walk**: read the list's sort index in order and keep the rows that match, until a
//!   page is full. Cheap when matches are common, or when a reading is a prefix of the
//!   sort's own leading key (the walk is then a range of the index).
//! - **drive**: start from the cheapest reading's own index (a name index range, the
//!   `client_name_tails` of inner words, the trigram index of a substring), which finds
//!   few enough clients ([`Reading::cap`], [`MAX_DRIVE`]), and sort those.
//!
//! Counts come first: one statement of capped counts for the name readings, and one
//! trigram probe per substring, which returns the ids. Each branch then returns at most
//! one page of `(group, sort key, id)` in the list's order, read from the sort index
//! alone (it covers the email and phone), one `UNION` merges them, and the page's rows
//! are fetched by id.
//! The first `limit` of the union of each branch's first `limit` rows is the first
//! `limit` of the union. Exact matches (CL-8) are a group of their own that comes first;
//! the other branches exclude them.
//!
//! Neither planner is left to choose between the two: without statistics SQLite always
//! prefers the walk that avoids a sort, and PostgreSQL, which has them, misjudges the
//! inner-word ranges (it walked a million index entries probing the tails of each for a
//! name no client has: 2 s, against 7 ms driven). So a drive orders by, and compares its
//! other readings on, columns written so that no index serves them (`+column` on SQLite,
//! `COALESCE(column, column)` on PostgreSQL): the database can only start from the
//! driving reading's index and sort what it finds. A walk is given the plain columns.

use std::collections::HashMap;

use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Func, LikeExpr, Order, Query, SelectStatement, UnionType,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, IdenStatic,
    QueryFilter, QuerySelect, QueryTrait, Select, Statement,
};
use uuid::Uuid;

use clientele_domain::search::ClientSearch;
use clientele_domain::{BusinessId, ClientSort, ClientSortKey};
use clientele_ports::StorageError;
use clientele_ports::storage::ClientQuery;

use super::clients::{order_columns, strictly_after};
use super::entities::{client_name_tails, clients};
use super::{SeaTransaction, unexpected};

/// Above every character: `p <= key < p + MAX` is "key starts with p", a range both
/// databases answer from a byte-wise btree (`COLLATE "C"` on PostgreSQL).
const ABOVE_ALL: char = char::MAX;

/// Neither trigram index finds anything for a pattern shorter than a trigram.
const TRIGRAM: usize = 3;

/// The most candidates a substring reading is asked for (their ids come back). Each
/// costs a lookup of its client; a fragment found more often is common enough for the
/// walk of the sort index to meet a page of it soon (a page of 50 in about
/// `50 × clients / CANDIDATES` index entries, when the matches are spread).
const CANDIDATES: usize = 2000;

/// The most inner-word tails a tail reading is counted to (from their own index).
const TAIL_COUNT: usize = 5000;

/// The most clients a name range is counted to. A range is read from a name index that
/// holds every column a search filters on, so reading it costs about a tenth of a
/// candidate's lookup ([`LOOKUP_COST`]).
const RANGE_COUNT: usize = 20_000;

/// What a candidate of a tail or substring costs, in index entries read.
const LOOKUP_COST: usize = 10;

/// The most a branch of one reading may cost to drive, in index entries read; above
/// it, the branch walks the sort index, where its matches are common enough to fill a
/// page soon. A branch of several readings drives whenever one of them was counted: all
/// of them common does not make their conjunction common, and a walk for a rare one
/// reads the whole index.
const MAX_DRIVE: usize = 50_000;

/// Where a word starts inside a name key (see `clientele_domain::search::word_tails`).
const WORD_BOUNDARIES: [char; 3] = [' ', '-', '\''];

/// One of the two name keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum NameField {
    First,
    Last,
}

impl NameField {
    fn column(self) -> clients::Column {
        match self {
            NameField::First => clients::Column::FirstNameKey,
            NameField::Last => clients::Column::LastNameKey,
        }
    }

    /// Its code in `client_name_tails.field`.
    fn code(self) -> &'static str {
        match self {
            NameField::First => "f",
            NameField::Last => "l",
        }
    }

    /// The field the list's order starts with, if a name.
    fn leading(sort: ClientSort) -> Option<NameField> {
        match sort {
            ClientSort::LastName => Some(NameField::Last),
            ClientSort::FirstName => Some(NameField::First),
            ClientSort::CreatedAt | ClientSort::AdminUpdatedAt => None,
        }
    }
}

/// A column searched by substring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Searched {
    Phone,
    Email,
}

impl Searched {
    fn column(self) -> clients::Column {
        match self {
            Searched::Phone => clients::Column::PhoneDigits,
            Searched::Email => clients::Column::EmailKey,
        }
    }
}

/// One condition a branch puts on a client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Reading {
    /// The name key is the phrase (CL-8).
    Equals(NameField, String),
    /// The name key starts with the phrase (CL-5).
    Starts(NameField, String),
    /// A word inside the name key, after a space, hyphen or apostrophe, starts with the
    /// phrase (CL-5).
    Tail(NameField, String),
    /// The column holds the fragment (CL-6, CL-7).
    Substring(Searched, String),
}

/// What the counts say of a reading.
#[derive(Debug, Clone)]
enum Found {
    /// Up to its cap ([`Reading::cap`]) clients, and for a substring
    /// which ones.
    Few {
        count: usize,
        ids: Option<Vec<Uuid>>,
    },
    /// More than its cap, or nothing to count them with.
    Many,
}

impl Reading {
    /// Whether the reading is a range of the sort's own index: walking that range gives
    /// its clients in the list's order.
    fn in_order(&self, sort: ClientSort) -> bool {
        match self {
            Reading::Equals(field, _) | Reading::Starts(field, _) => {
                Some(*field) == NameField::leading(sort)
            }
            Reading::Tail(..) | Reading::Substring(..) => false,
        }
    }

    /// What reading one of its clients costs, in index entries: a name range is read
    /// from a covering index, the others look each client up.
    fn cost(&self) -> usize {
        match self {
            Reading::Equals(..) | Reading::Starts(..) => 1,
            Reading::Tail(..) | Reading::Substring(..) => LOOKUP_COST,
        }
    }

    /// The most clients it is counted to.
    fn cap(&self) -> usize {
        match self {
            Reading::Substring(..) => CANDIDATES,
            Reading::Tail(..) => TAIL_COUNT,
            Reading::Equals(..) | Reading::Starts(..) => RANGE_COUNT,
        }
    }
}

/// How a branch is read.
enum Plan<'a> {
    Walk,
    Drive(&'a Reading),
    /// A reading finds nobody.
    Empty,
}

/// The branch's plan, from the cost of reading all the clients of each of its readings
/// (the counts): the cheapest, if cheap enough, drives (or, when it is a range of the
/// sort index, is walked in order); otherwise the sort index is walked until a page is
/// found, which is quick when the branch is common.
fn plan<'a>(branch: &'a [Reading], found: &HashMap<Reading, Found>, sort: ClientSort) -> Plan<'a> {
    let mut cheapest: Option<(&Reading, usize)> = None;
    for reading in branch {
        match found.get(reading) {
            Some(Found::Few { count: 0, .. }) => return Plan::Empty,
            Some(Found::Few { count, .. }) => {
                let cost = count * reading.cost();
                if cheapest.is_none_or(|(_, least)| cost < least) {
                    cheapest = Some((reading, cost));
                }
            }
            _ => {}
        }
    }
    match cheapest {
        Some((reading, cost))
            if (cost <= MAX_DRIVE || branch.len() > 1) && !reading.in_order(sort) =>
        {
            Plan::Drive(reading)
        }
        _ => Plan::Walk,
    }
}

/// A column as written in a branch: plainly where an index may serve it, and where none
/// must, as `+column` on SQLite and `COALESCE(column, column)` on PostgreSQL (the same
/// value and collation, which no index serves; see the module documentation).
fn column_expr(backend: DbBackend, column: clients::Column, indexed: bool) -> Expr {
    let name = column.as_str();
    match (backend, indexed) {
        (_, true) => Expr::col(column),
        (DbBackend::Sqlite, false) => Expr::cust(format!("+\"{name}\"")),
        (_, false) => Expr::cust(format!("COALESCE(\"{name}\", \"{name}\")")),
    }
}

/// `column` starts with `phrase`, as a range.
fn starts_with(column: Expr, phrase: &str) -> Condition {
    Condition::all()
        .add(column.clone().gte(phrase))
        .add(column.lt(format!("{phrase}{ABOVE_ALL}")))
}

/// `column` holds `fragment`, as a plain filter no index answers (`instr` on SQLite,
/// `strpos` on PostgreSQL: the same arguments, nothing to escape).
fn contains(backend: DbBackend, column: clients::Column, fragment: &str) -> Expr {
    let position = match backend {
        DbBackend::Postgres => "strpos",
        _ => "instr",
    };
    Expr::expr(Func::cust(position).arg(Expr::col(column)).arg(fragment)).gt(0)
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

/// A condition no row meets.
fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

/// The clients of `business` with a `field` name tail starting with `phrase`, from
/// `client_name_tails`: their ids.
fn tails_starting_with(business: BusinessId, field: NameField, phrase: &str) -> SelectStatement {
    Query::select()
        .column(client_name_tails::Column::ClientId)
        .from(client_name_tails::Entity)
        .and_where(client_name_tails::Column::BusinessId.eq(business.as_uuid()))
        .and_where(client_name_tails::Column::Field.eq(field.code()))
        .and_where(client_name_tails::Column::Tail.gte(phrase))
        .and_where(client_name_tails::Column::Tail.lt(format!("{phrase}{ABOVE_ALL}")))
        .take()
}

/// The client has a `field` name tail starting with `phrase`, from `client_name_tails`.
fn tail_in_index(business: BusinessId, field: NameField, phrase: &str) -> Condition {
    let tails = tails_starting_with(business, field, phrase);
    Condition::all().add(Expr::col((clients::Entity, clients::Column::Id)).in_subquery(tails))
}

/// The same as a filter on the name key itself: a word boundary followed by `phrase`.
/// A tail never starts with a boundary, so neither does a phrase that finds one.
fn tail_in_key(backend: DbBackend, field: NameField, phrase: &str) -> Condition {
    if phrase.starts_with(WORD_BOUNDARIES) {
        return nothing();
    }
    WORD_BOUNDARIES
        .iter()
        .fold(Condition::any(), |any, boundary| {
            any.add(contains(
                backend,
                field.column(),
                &format!("{boundary}{phrase}"),
            ))
        })
}

/// `reading` as the condition that drives its branch: the form its own index serves.
fn driving(
    backend: DbBackend,
    business: BusinessId,
    reading: &Reading,
    found: &Found,
) -> Condition {
    match reading {
        Reading::Equals(field, phrase) => Condition::all().add(field.column().eq(phrase.as_str())),
        Reading::Starts(field, phrase) => starts_with(Expr::col(field.column()), phrase),
        Reading::Tail(field, phrase) => tail_in_index(business, *field, phrase),
        Reading::Substring(searched, fragment) => match found {
            Found::Few { ids: Some(ids), .. } => Condition::all()
                .add(clients::Column::Id.is_in(ids.iter().copied()))
                .add(contains(backend, searched.column(), fragment)),
            _ => filtering(backend, reading, true),
        },
    }
}

/// `reading` as a filter on rows found otherwise: the sort index holds every column
/// these read. `in_order` keeps a prefix of the leading sort key indexable, so that the
/// walk is the range it gives.
fn filtering(backend: DbBackend, reading: &Reading, in_order: bool) -> Condition {
    match reading {
        Reading::Equals(field, phrase) => {
            Condition::all().add(column_expr(backend, field.column(), in_order).eq(phrase.as_str()))
        }
        Reading::Starts(field, phrase) => {
            starts_with(column_expr(backend, field.column(), in_order), phrase)
        }
        Reading::Tail(field, phrase) => tail_in_key(backend, *field, phrase),
        Reading::Substring(searched, fragment) => {
            Condition::all().add(contains(backend, searched.column(), fragment))
        }
    }
}

/// CL-5: a split as the branches of every way its parts can match, one reading each.
fn name_branches(search: &ClientSearch) -> Vec<Vec<Reading>> {
    let mut branches = Vec::new();
    for split in search.names().map(|n| n.splits()).unwrap_or_default() {
        let ways = |field: NameField, phrase: &Option<String>| -> Vec<Reading> {
            phrase.as_ref().map_or_else(Vec::new, |p| {
                vec![
                    Reading::Starts(field, p.clone()),
                    Reading::Tail(field, p.clone()),
                ]
            })
        };
        let first = ways(NameField::First, &split.first);
        let last = ways(NameField::Last, &split.last);
        match (first.is_empty(), last.is_empty()) {
            (false, true) => branches.extend(first.into_iter().map(|r| vec![r])),
            (true, false) => branches.extend(last.into_iter().map(|r| vec![r])),
            (false, false) => {
                for l in &last {
                    for f in &first {
                        branches.push(vec![l.clone(), f.clone()]);
                    }
                }
            }
            (true, true) => {}
        }
    }
    branches
}

/// CL-8: the name readings of the words as a whole (first and/or last name equal to a
/// split), one branch each.
fn exact_name_branches(search: &ClientSearch) -> Vec<Vec<Reading>> {
    search
        .names()
        .map(|n| n.splits())
        .unwrap_or_default()
        .into_iter()
        .map(|split| {
            let first = split.first.map(|p| Reading::Equals(NameField::First, p));
            let last = split.last.map(|p| Reading::Equals(NameField::Last, p));
            last.into_iter().chain(first).collect()
        })
        .collect()
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

/// CL-8: the whole phone number and the whole email, each a lookup of its own index.
fn exact_contacts(search: &ClientSearch, null_safe: bool) -> Vec<Condition> {
    let mut exact = Vec::new();
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

/// Any exact reading (CL-8), as one condition to exclude them from the other branches.
fn exact_condition(search: &ClientSearch) -> Condition {
    let names = exact_name_branches(search).into_iter().map(|branch| {
        branch
            .iter()
            .fold(Condition::all(), |all, reading| match reading {
                Reading::Equals(field, phrase) => all.add(field.column().eq(phrase.as_str())),
                _ => all,
            })
    });
    names
        .chain(exact_contacts(search, true))
        .fold(Condition::any(), Condition::add)
}

/// One branch's page: `(sort key, id)` of the clients of `select` in the list's order,
/// strictly after `after`, at most `limit`. `sorted` orders by `+column` on SQLite, so
/// that the rows come from the condition's index and are sorted (see the module
/// documentation).
fn branch_page(
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

/// The branches' pages as one statement: `SELECT group, page.* FROM (page) UNION …`, in
/// group then `sort` order, `limit` rows. `UNION` drops the rows several branches find.
fn merged(
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

/// A capped count of the clients of `business` a name reading finds, by its own index.
fn name_count(
    backend: DbBackend,
    business: BusinessId,
    reading: &Reading,
) -> Option<SelectStatement> {
    let mut rows = match reading {
        Reading::Substring(..) => return None,
        Reading::Tail(field, phrase) => tails_starting_with(business, *field, phrase),
        Reading::Equals(..) | Reading::Starts(..) => Query::select()
            .expr(Expr::cust("1"))
            .from(clients::Entity)
            .and_where(clients::Column::BusinessId.eq(business.as_uuid()))
            .cond_where(filtering(backend, reading, true))
            .take(),
    };
    Some(rows.limit(reading.cap() as u64 + 1).take())
}

impl SeaTransaction {
    /// Asks the trigram index which clients of `business` hold `fragment` in `column`,
    /// up to [`CANDIDATES`].
    async fn substring_candidates(
        &self,
        business: BusinessId,
        column: clients::Column,
        fragment: &str,
    ) -> Result<Found, StorageError> {
        if fragment.chars().count() < TRIGRAM {
            return Ok(Found::Many);
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
            _ if fragment.contains(['%', '_']) => return Ok(Found::Many),
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
            return Ok(Found::Many);
        }
        let ids: Vec<Uuid> = rows
            .into_iter()
            .filter(|(owner, _)| *owner == business.as_uuid())
            .map(|(_, id)| id)
            .collect();
        Ok(Found::Few {
            count: ids.len(),
            ids: Some(ids),
        })
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

    /// The capped counts of these name readings, in one statement.
    async fn name_counts(
        &self,
        business: BusinessId,
        readings: &[&Reading],
    ) -> Result<Vec<usize>, StorageError> {
        let backend = self.txn.get_database_backend();
        let mut counts = readings.iter().enumerate().filter_map(|(n, reading)| {
            let rows = name_count(backend, business, reading)?;
            Some(
                Query::select()
                    .expr_as(
                        Expr::cust(format!("CAST({n} AS BIGINT)")),
                        Alias::new("probe"),
                    )
                    .expr_as(Expr::cust("COUNT(*)"), Alias::new("found"))
                    .from_subquery(rows, Alias::new(format!("probe_{n}")))
                    .take(),
            )
        });
        let Some(mut statement) = counts.next() else {
            return Ok(vec![0; readings.len()]);
        };
        for count in counts {
            statement.union(UnionType::All, count);
        }
        let rows = self
            .txn
            .query_all_raw(backend.build(&statement))
            .await
            .map_err(unexpected)?;
        let mut counts = vec![0; readings.len()];
        for row in rows {
            let probe: i64 = row.try_get("", "probe").map_err(unexpected)?;
            let found: i64 = row.try_get("", "found").map_err(unexpected)?;
            if let Some(count) = counts.get_mut(probe as usize) {
                *count = found as usize;
            }
        }
        Ok(counts)
    }

    /// What the counts say of every reading of `branches`.
    async fn found(
        &self,
        business: BusinessId,
        branches: &[Vec<Reading>],
    ) -> Result<HashMap<Reading, Found>, StorageError> {
        let mut found = HashMap::new();
        let mut to_count = Vec::new();
        for reading in branches.iter().flatten() {
            if found.contains_key(reading) || to_count.contains(&reading) {
                continue;
            }
            match reading {
                Reading::Tail(_, phrase) if phrase.starts_with(WORD_BOUNDARIES) => {
                    found.insert(
                        reading.clone(),
                        Found::Few {
                            count: 0,
                            ids: None,
                        },
                    );
                }
                Reading::Substring(searched, fragment) => {
                    let candidates = self
                        .substring_candidates(business, searched.column(), fragment)
                        .await?;
                    found.insert(reading.clone(), candidates);
                }
                _ => to_count.push(reading),
            }
        }
        let counts = self.name_counts(business, &to_count).await?;
        for (reading, count) in to_count.into_iter().zip(counts) {
            let what = match count {
                count if count > reading.cap() => Found::Many,
                count => Found::Few { count, ids: None },
            };
            found.insert(reading.clone(), what);
        }
        Ok(found)
    }

    /// Each branch's page query, after its plan.
    fn branch_pages(
        &self,
        business: BusinessId,
        select: &Select<clients::Entity>,
        query: &ClientQuery,
        after: Option<&ClientSortKey>,
        branches: &[Vec<Reading>],
        found: &HashMap<Reading, Found>,
    ) -> Result<Vec<SelectStatement>, StorageError> {
        let backend = self.txn.get_database_backend();
        let mut pages = Vec::new();
        for branch in branches {
            let in_order = |reading: &Reading| reading.in_order(query.sort);
            let (condition, sorted) = match plan(branch, found, query.sort) {
                Plan::Empty => continue,
                Plan::Walk => (
                    branch.iter().fold(Condition::all(), |all, reading| {
                        all.add(filtering(backend, reading, in_order(reading)))
                    }),
                    false,
                ),
                Plan::Drive(driver) => {
                    let how = found.get(driver).cloned().unwrap_or(Found::Many);
                    let condition = branch
                        .iter()
                        .filter(|reading| *reading != driver)
                        .fold(driving(backend, business, driver, &how), |all, reading| {
                            all.add(filtering(backend, reading, false))
                        });
                    (condition, true)
                }
            };
            let select = select.clone().filter(condition);
            pages.push(branch_page(backend, select, query, after, sorted)?);
        }
        Ok(pages)
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
        let exact_names = match query.past_exact_matches {
            true => Vec::new(),
            false => exact_name_branches(search),
        };
        let mut branches = name_branches(search);
        if let Some(digits) = search.phone_digits() {
            branches.push(vec![Reading::Substring(Searched::Phone, digits.to_owned())]);
        }
        if let Some(fragment) = search.email_fragment() {
            branches.push(vec![Reading::Substring(
                Searched::Email,
                fragment.to_owned(),
            )]);
        }
        let all: Vec<Vec<Reading>> = exact_names.iter().chain(&branches).cloned().collect();
        let found = self.found(business, &all).await?;

        let mut parts = Vec::new();
        if !query.past_exact_matches {
            let after = query.after.as_ref();
            for page in
                self.branch_pages(business, &filtered, query, after, &exact_names, &found)?
            {
                parts.push((0, page));
            }
            for contact in exact_contacts(search, false) {
                let select = filtered.clone().filter(contact);
                parts.push((0, branch_page(backend, select, query, after, true)?));
            }
        }
        let after = query.after.as_ref().filter(|_| query.past_exact_matches);
        let not_exact = filtered.filter(exact_condition(search).not());
        for page in self.branch_pages(business, &not_exact, query, after, &branches, &found)? {
            parts.push((1, page));
        }
        let Some(statement) = merged(parts, query.sort, query.limit) else {
            return Ok(Vec::new());
        };
        let ids: Vec<Uuid> = self
            .txn
            .query_all_raw(backend.build(&statement))
            .await
            .map_err(unexpected)?
            .iter()
            .map(|row| row.try_get::<Uuid>("", "id"))
            .collect::<Result<_, DbErr>>()
            .map_err(unexpected)?;
        self.rows_in_order(business, &ids).await
    }

    /// The rows of these clients, in the order of `ids`.
    async fn rows_in_order(
        &self,
        business: BusinessId,
        ids: &[Uuid],
    ) -> Result<Vec<clients::Model>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows: HashMap<Uuid, clients::Model> = clients::Entity::find()
            .filter(clients::Column::BusinessId.eq(business.as_uuid()))
            .filter(clients::Column::Id.is_in(ids.iter().copied()))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
    }
}
