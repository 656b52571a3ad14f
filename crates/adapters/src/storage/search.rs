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
//! - **drive**: start from the cheapest reading's own index, which finds few enough
//!   clients ([`COUNTED`], [`MAX_DRIVE`]), and sort those. A name prefix is a range of a
//!   name index; an inner word of a name, or a fragment of the email or phone, is a range
//!   of `client_search_terms` (word tails and every suffix of the email and phone, each
//!   with the client's name keys). In name order, when no other filter applies, a term
//!   range is sorted from that table alone; otherwise each of its clients is looked up.
//!
//! Counts come first, all in one statement of capped counts. Each branch then returns at
//! most one page of `(group, sort key, id)` in the list's order, read from the sort index
//! alone (it covers the email and phone) or from the terms, one `UNION` merges them, and
//! the page's rows are fetched by id.
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
    QueryFilter, QueryResult, QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use clientele_domain::search::ClientSearch;
use clientele_domain::{BusinessId, ClientSort, ClientSortKey};
use clientele_ports::StorageError;
use clientele_ports::storage::ClientQuery;

use super::clients::{Filtered, order_columns, strictly_after};
use super::conversions::ClientRow;
use super::entities::{client_search_terms, clients};
use super::{SeaTransaction, unexpected};

/// Above every character: `p <= key < p + MAX` is "key starts with p", a range both
/// databases answer from a byte-wise btree (`COLLATE "C"` on PostgreSQL).
const ABOVE_ALL: char = char::MAX;

/// The most clients a reading is counted to, by its own index: a name range by a name
/// index that holds every column a search filters on, a term range by the terms'
/// primary key, both without reading a client row. See [`Reading::cap`].
const COUNTED: usize = 20_000;

/// The most clients a prefix of the name the list is *not* sorted by is counted to. First
/// and last names are about independent, so when more clients than this have it, the walk
/// meets a page of them within `50 × clients / NAME_COUNTED` index entries.
const NAME_COUNTED: usize = 5_000;

/// What a client found by a term costs when it must be looked up (to filter it, or to
/// sort it by a date), in index entries read.
const LOOKUP_COST: usize = 10;

/// The most a branch of one reading may cost to drive, in index entries read; above
/// it, the branch walks the sort index, where its matches are common enough to fill a
/// page soon. A branch of several readings drives whenever one of them was counted: all
/// of them common does not make their conjunction common, and a walk for a rare one
/// reads the whole index.
const MAX_DRIVE: usize = 50_000;

/// Where a word starts inside a name key (see `clientele_domain::search::word_tails`).
const WORD_BOUNDARIES: [char; 3] = [' ', '-', '\''];

/// The characters of a term that `ix_client_search_terms_head` is keyed by, after its
/// field and before the last and first name keys (migration 000017).
const HEAD: usize = 3;

/// The most terms a phrase longer than [`HEAD`] that can be read from its head
/// ([`Reading::heads`]) is counted to. Above it, the head is walked in name order: it
/// matches one entry in `head / HEAD_COUNTED` of it or more, so a page costs at most
/// about as much as counting and sorting this many (the head of "gma", for gmail, is most
/// emails). A phrase of [`HEAD`] characters matches every entry of its head: it is walked
/// uncounted.
const HEAD_COUNTED: usize = 5_000;

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

/// What the terms of a `client_search_terms` field come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Terms {
    /// The tails of a name key from an inner word on: a term starts with the phrase when
    /// a word inside the name, after a space, hyphen or apostrophe, does (CL-5).
    Tail(NameField),
    /// The suffixes of a column: a term starts with the fragment when the column holds
    /// it (CL-6, CL-7).
    Substring(Searched),
}

impl Terms {
    /// Whether `ix_client_search_terms_head` holds its terms: all but the phone's, whose
    /// fragments are digits spread evenly, seldom common enough to need it.
    fn has_heads(self) -> bool {
        self != Terms::Substring(Searched::Phone)
    }

    /// Its code in `client_search_terms.field`.
    fn code(self) -> &'static str {
        match self {
            Terms::Tail(NameField::First) => client_search_terms::FIRST_NAME_TAIL,
            Terms::Tail(NameField::Last) => client_search_terms::LAST_NAME_TAIL,
            Terms::Substring(Searched::Email) => client_search_terms::EMAIL_SUFFIX,
            Terms::Substring(Searched::Phone) => client_search_terms::PHONE_SUFFIX,
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
    /// The name key starts with the phrase and is longer: the matches of a split of one
    /// name, less the exact ones (CL-8), which the branches after the exact group
    /// exclude. Counted as such, or a prefix all of whose clients are exact ("emma")
    /// would look common and be walked to the end of the list.
    Extends(NameField, String),
    /// A term of the client starts with the phrase.
    Term(Terms, String),
}

/// What the counts say of a reading.
#[derive(Debug, Clone, Copy)]
enum Found {
    /// Up to its cap ([`Reading::cap`]) of clients (of terms, for a term range: see
    /// [`counted`]).
    Few(usize),
    /// More.
    Many,
}

impl Reading {
    /// Whether the reading is a range of the sort's own index: walking that range gives
    /// its clients in the list's order.
    fn in_order(&self, sort: ClientSort) -> bool {
        match self {
            Reading::Equals(field, _) | Reading::Starts(field, _) | Reading::Extends(field, _) => {
                Some(*field) == NameField::leading(sort)
            }
            Reading::Term(..) => false,
        }
    }

    /// Whether, as a branch of `readings` readings, its clients can be walked in the
    /// list's order from the heads of the terms (`ix_client_search_terms_head`): an email
    /// fragment or an inner word of [`HEAD`] characters or more by itself, in last-name
    /// order, read from the terms alone (`terms_sorted`).
    fn heads(&self, sort: ClientSort, readings: usize, terms_sorted: bool) -> bool {
        matches!(self, Reading::Term(terms, phrase)
            if terms.has_heads() && phrase.chars().count() >= HEAD)
            && readings == 1
            && terms_sorted
            && sort == ClientSort::LastName
    }

    /// The most clients it is counted to in a branch of `readings` readings, if it needs
    /// a count at all: a range of the sort index is walked whatever its size (a short
    /// range is a short walk), or, in a branch with another reading found few, the other
    /// drives (up to [`NAME_COUNTED`] clients, sorted). A term range that is a branch
    /// by itself drives up to [`MAX_DRIVE`] entries; looked up (`terms_sorted` false),
    /// that is [`LOOKUP_COST`] times fewer clients, so it is counted no further. One whose
    /// head can be walked drives up to [`HEAD_COUNTED`], or is walked uncounted when it is
    /// a whole head.
    fn cap(&self, sort: ClientSort, readings: usize, terms_sorted: bool) -> Option<usize> {
        match self {
            Reading::Term(_, phrase) if self.heads(sort, readings, terms_sorted) => {
                (phrase.chars().count() > HEAD).then_some(HEAD_COUNTED)
            }
            Reading::Term(..) if readings == 1 && !terms_sorted => Some(MAX_DRIVE / LOOKUP_COST),
            Reading::Term(..) => Some(COUNTED),
            _ if !self.in_order(sort) => Some(NAME_COUNTED),
            _ => None,
        }
    }

    /// Whether it reads the name keys only, which the terms carry too.
    fn on_names(&self) -> bool {
        matches!(
            self,
            Reading::Equals(..)
                | Reading::Starts(..)
                | Reading::Extends(..)
                | Reading::Term(Terms::Tail(_), _)
        )
    }

    /// What reading one of its clients costs, in index entries: a name range, and a term
    /// range sorted by itself, are read from one index; otherwise a term's clients are
    /// looked up.
    fn cost(&self, terms_sorted: bool) -> usize {
        match self {
            Reading::Term(..) if !terms_sorted => LOOKUP_COST,
            _ => 1,
        }
    }
}

/// How a branch is read.
enum Plan<'a> {
    Walk,
    Drive(&'a Reading),
    /// A term range's head, walked in the list's order ([`Reading::heads`]).
    Heads(Terms, &'a str),
    /// A reading finds nobody.
    Empty,
}

/// The branch's plan, from the cost of reading all the clients of each of its readings
/// (the counts): the cheapest, if cheap enough, drives (or, when it is a range of the
/// sort index, is walked in order); otherwise the head of a common term range is
/// walked when it can be, or else the sort index until a page is found, which is quick
/// when the branch is common.
fn plan<'a>(
    branch: &'a [Reading],
    found: &HashMap<Reading, Found>,
    sort: ClientSort,
    terms_sorted: bool,
) -> Plan<'a> {
    let mut cheapest: Option<(&Reading, usize)> = None;
    for reading in branch {
        match found.get(reading) {
            Some(Found::Few(0)) => return Plan::Empty,
            Some(Found::Few(count)) => {
                let cost = count * reading.cost(terms_sorted);
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
        _ => match branch {
            [reading @ Reading::Term(terms, phrase)] if reading.heads(sort, 1, terms_sorted) => {
                Plan::Heads(*terms, phrase)
            }
            _ => Plan::Walk,
        },
    }
}

/// The ranges of the sort index that a branch of two readings is walked along, each with
/// the other readings of every branch of two along it that is walked or driven: one walk
/// of the range, filtered by any of them, reads them all. It stops no later than the walk
/// of the branch planned to walk it (it only meets more matches), and the others' drives
/// are saved ("sophie ler": the first names starting with "sophie" walk the last names
/// from "ler", and the 7,006 first-name words "sophie" no longer drive a page of their
/// own).
fn shared_walks<'a>(
    branches: &'a [Vec<Reading>],
    plans: &[Plan<'_>],
    sort: ClientSort,
) -> Vec<(&'a Reading, Vec<&'a Reading>)> {
    let mut walks: Vec<(&Reading, Vec<&Reading>)> = Vec::new();
    for (branch, plan) in branches.iter().zip(plans) {
        if let (Plan::Walk, [a, b]) = (plan, branch.as_slice())
            && let Some(range) = [a, b].into_iter().find(|r| r.in_order(sort))
            && walks.iter().all(|(walked, _)| *walked != range)
        {
            walks.push((range, Vec::new()));
        }
    }
    for (branch, plan) in branches.iter().zip(plans) {
        if !matches!(plan, Plan::Walk | Plan::Drive(_)) {
            continue;
        }
        for (range, others) in &mut walks {
            if walked_along(branch, range) {
                others.extend(branch.iter().filter(|r| *r != *range));
            }
        }
    }
    walks
}

/// Whether `branch` is two readings, one of them `range`.
fn walked_along(branch: &[Reading], range: &Reading) -> bool {
    branch.len() == 2 && branch.contains(range)
}

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
fn term_range(business: BusinessId, terms: Terms, prefix: &str) -> SelectStatement {
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
fn head_range(
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
fn driving(business: BusinessId, reading: &Reading) -> Condition {
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
fn filtering(backend: DbBackend, reading: &Reading, in_order: bool) -> Condition {
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

/// CL-5: a split as the branches of every way its parts can match, one reading each,
/// for the branches after the exact group (CL-8): the prefix of a split of one name is
/// read without the name itself ([`Reading::Extends`]).
fn name_branches(search: &ClientSearch) -> Vec<Vec<Reading>> {
    let mut branches = Vec::new();
    for split in search.names().map(|n| n.splits()).unwrap_or_default() {
        let one_name = split.first.is_none() || split.last.is_none();
        let ways = |field: NameField, phrase: &Option<String>| -> Vec<Reading> {
            phrase.as_ref().map_or_else(Vec::new, |p| {
                vec![
                    match one_name {
                        true => Reading::Extends(field, p.clone()),
                        false => Reading::Starts(field, p.clone()),
                    },
                    Reading::Term(Terms::Tail(field), p.clone()),
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

/// CL-8: the words as a whole name: for each split, the name keys it says equal.
fn exact_splits(search: &ClientSearch) -> Vec<Vec<(NameField, String)>> {
    search
        .names()
        .map(|n| n.splits())
        .unwrap_or_default()
        .into_iter()
        .map(|split| {
            let first = split.first.map(|p| (NameField::First, p));
            let last = split.last.map(|p| (NameField::Last, p));
            last.into_iter().chain(first).collect()
        })
        .collect()
}

/// CL-8: the exact name readings, one branch per split.
fn exact_name_branches(search: &ClientSearch) -> Vec<Vec<Reading>> {
    exact_splits(search)
        .into_iter()
        .map(|split| {
            split
                .into_iter()
                .map(|(field, phrase)| Reading::Equals(field, phrase))
                .collect()
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

/// CL-8: a name equal to a split of the words, on the unqualified name keys (which
/// `clients` and `client_search_terms` both have).
fn exact_names(search: &ClientSearch) -> Condition {
    exact_splits(search)
        .into_iter()
        .map(|split| {
            split
                .into_iter()
                .fold(Condition::all(), |all, (field, phrase)| {
                    all.add(Expr::col(field.column()).eq(phrase))
                })
        })
        .fold(Condition::any(), Condition::add)
}

/// Any exact reading (CL-8) of a client row, as one condition to exclude them from the
/// other branches.
fn exact_condition(search: &ClientSearch) -> Condition {
    exact_contacts(search, true)
        .into_iter()
        .fold(exact_names(search), Condition::add)
}

/// The same of a term row: its name keys, or its client among those whose phone or email
/// is the query (an index lookup each).
fn exact_term(business: BusinessId, search: &ClientSearch) -> Condition {
    let contacts = exact_contacts(search, false);
    if contacts.is_empty() {
        return exact_names(search);
    }
    let ids = Query::select()
        .column(clients::Column::Id)
        .from(clients::Entity)
        .and_where(clients::Column::BusinessId.eq(business.as_uuid()))
        .cond_where(contacts.into_iter().fold(Condition::any(), Condition::add))
        .take();
    exact_names(search).add(Expr::col(client_search_terms::Column::ClientId).in_subquery(ids))
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

/// A branch's page from the terms alone, in a name order: `(sort key, id)` of the
/// clients with a term that `statement` reads (the terms of `terms` starting with
/// `prefix`, from [`term_range`] or [`head_range`]) that pass `condition` (on the name
/// keys), strictly after `after`, at most `limit`. A client with several terms in the
/// range is one row, its last term's ([`last_in_range`]).
fn term_page(
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

/// The rows a reading's count reads, by its own index, up to one more than `cap`: one
/// per client for a name range; one per term for a term range, so a client whose value
/// holds the fragment twice counts twice. That bound plans as well as the exact count,
/// and reads the key alone: without [`last_in_range`] counting 18,000 terms took 4 ms on
/// PostgreSQL instead of 7.
fn counted(
    backend: DbBackend,
    business: BusinessId,
    reading: &Reading,
    cap: usize,
) -> SelectStatement {
    let mut rows = match reading {
        Reading::Term(terms, prefix) => term_range(business, *terms, prefix),
        Reading::Equals(..) | Reading::Starts(..) | Reading::Extends(..) => Query::select()
            .from(clients::Entity)
            .and_where(clients::Column::BusinessId.eq(business.as_uuid()))
            .cond_where(filtering(backend, reading, true))
            .take(),
    };
    rows.expr(Expr::cust("1")).limit(cap as u64 + 1).take()
}

/// Where a branch's page is read from, besides the sort index.
struct Sources<'a> {
    /// The clients that pass the list's filters.
    clients: &'a Select<clients::Entity>,
    /// When the list has no filter and is in a name order, what excludes a term row from
    /// the branches (the exact matches, for the others): a term range is then sorted from
    /// the terms alone.
    terms: Option<Condition>,
}

impl SeaTransaction {
    /// The counts of these readings, each up to one more than its cap, in one statement.
    async fn counts(
        &self,
        business: BusinessId,
        readings: &[(&Reading, usize)],
    ) -> Result<Vec<usize>, StorageError> {
        let backend = self.txn.get_database_backend();
        let mut counts = readings.iter().enumerate().map(|(n, (reading, cap))| {
            Query::select()
                .expr_as(
                    Expr::cust(format!("CAST({n} AS BIGINT)")),
                    Alias::new("probe"),
                )
                .expr_as(Expr::cust("COUNT(*)"), Alias::new("found"))
                .from_subquery(
                    counted(backend, business, reading, *cap),
                    Alias::new(format!("probe_{n}")),
                )
                .take()
        });
        let Some(mut statement) = counts.next() else {
            return Ok(Vec::new());
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

    /// What the counts say of the readings of `branches` that need one
    /// ([`Reading::cap`]); a reading without a count is walked.
    async fn found(
        &self,
        business: BusinessId,
        branches: &[Vec<Reading>],
        sort: ClientSort,
        terms_sorted: bool,
    ) -> Result<HashMap<Reading, Found>, StorageError> {
        let mut found = HashMap::new();
        let mut to_count: Vec<(&Reading, usize)> = Vec::new();
        for branch in branches {
            for reading in branch {
                match reading {
                    Reading::Term(Terms::Tail(_), phrase)
                        if phrase.starts_with(WORD_BOUNDARIES) =>
                    {
                        found.insert(reading.clone(), Found::Few(0));
                    }
                    _ => {
                        let Some(cap) = reading.cap(sort, branch.len(), terms_sorted) else {
                            continue;
                        };
                        match to_count.iter_mut().find(|(counted, _)| *counted == reading) {
                            Some((_, most)) => *most = cap.max(*most),
                            None => to_count.push((reading, cap)),
                        }
                    }
                }
            }
        }
        let counts = self.counts(business, &to_count).await?;
        for ((reading, cap), count) in to_count.into_iter().zip(counts) {
            let what = match count {
                count if count > cap => Found::Many,
                count => Found::Few(count),
            };
            found.entry(reading.clone()).or_insert(what);
        }
        Ok(found)
    }

    /// Each branch's page query, after its plan.
    fn branch_pages(
        &self,
        business: BusinessId,
        sources: &Sources<'_>,
        query: &ClientQuery,
        after: Option<&ClientSortKey>,
        branches: &[Vec<Reading>],
        found: &HashMap<Reading, Found>,
    ) -> Result<Vec<SelectStatement>, StorageError> {
        let backend = self.txn.get_database_backend();
        let in_order = |reading: &Reading| reading.in_order(query.sort);
        // A term page filters the branch's other readings on the name keys it carries:
        // fine when there are none, or they all read names.
        let excludes: Vec<Option<&Condition>> = (branches.iter())
            .map(|branch| {
                (sources.terms.as_ref())
                    .filter(|_| branch.len() == 1 || branch.iter().all(Reading::on_names))
            })
            .collect();
        let plans: Vec<Plan<'_>> = (branches.iter().zip(&excludes))
            .map(|(branch, exclude)| plan(branch, found, query.sort, exclude.is_some()))
            .collect();
        let walks = shared_walks(branches, &plans, query.sort);
        let mut pages = Vec::new();
        for (range, others) in &walks {
            let others = (others.iter()).fold(Condition::any(), |any, other| {
                any.add(filtering(backend, other, false))
            });
            let condition = filtering(backend, range, true).add(others);
            let select = sources.clients.clone().filter(condition);
            pages.push(branch_page(backend, select, query, after, false)?);
        }
        for ((branch, exclude), plan) in branches.iter().zip(excludes).zip(plans) {
            if walks.iter().any(|(range, _)| walked_along(branch, range)) {
                continue;
            }
            let others = |driver: &Reading| {
                branch
                    .iter()
                    .filter(|reading| *reading != driver)
                    .fold(Condition::all(), |all, reading| {
                        all.add(filtering(backend, reading, false))
                    })
            };
            let page = match (plan, exclude) {
                (Plan::Empty, _) => continue,
                (Plan::Walk, _) | (Plan::Heads(..), None) => {
                    let condition = branch.iter().fold(Condition::all(), |all, reading| {
                        all.add(filtering(backend, reading, in_order(reading)))
                    });
                    let select = sources.clients.clone().filter(condition);
                    branch_page(backend, select, query, after, false)?
                }
                (Plan::Heads(terms, phrase), Some(exclude)) => {
                    let range = head_range(backend, business, terms, phrase);
                    term_page(
                        backend,
                        range,
                        (terms, phrase),
                        exclude.clone(),
                        query,
                        after,
                    )?
                }
                (Plan::Drive(driver @ Reading::Term(terms, prefix)), Some(exclude)) => {
                    let condition = others(driver).add(exclude.clone());
                    let range = term_range(business, *terms, prefix);
                    term_page(backend, range, (*terms, prefix), condition, query, after)?
                }
                (Plan::Drive(driver), _) => {
                    let condition = driving(business, driver).add(others(driver));
                    let select = sources.clients.clone().filter(condition);
                    branch_page(backend, select, query, after, true)?
                }
            };
            pages.push(page);
        }
        Ok(pages)
    }

    /// One page of the clients `search` finds among those `filtered` selects: the exact
    /// matches first, then the others, each group in `query.sort`.
    pub(super) async fn search_rows(
        &self,
        business: BusinessId,
        filtered: Filtered,
        query: &ClientQuery,
        search: &ClientSearch,
    ) -> Result<Vec<QueryResult>, StorageError> {
        let backend = self.txn.get_database_backend();
        let exact_names = match query.past_exact_matches {
            true => Vec::new(),
            false => exact_name_branches(search),
        };
        let mut branches = name_branches(search);
        if let Some(digits) = search.phone_digits() {
            let phone = Terms::Substring(Searched::Phone);
            branches.push(vec![Reading::Term(phone, digits.to_owned())]);
        }
        if let Some(fragment) = search.email_fragment() {
            let email = Terms::Substring(Searched::Email);
            branches.push(vec![Reading::Term(email, fragment.to_owned())]);
        }
        let all: Vec<Vec<Reading>> = exact_names.iter().chain(&branches).cloned().collect();
        let terms_sorted =
            matches!(filtered, Filtered::Unfiltered(_)) && NameField::leading(query.sort).is_some();
        let found = self.found(business, &all, query.sort, terms_sorted).await?;

        let mut parts = Vec::new();
        if !query.past_exact_matches {
            let after = query.after.as_ref();
            let sources = Sources {
                clients: filtered.select(),
                terms: None,
            };
            for page in self.branch_pages(business, &sources, query, after, &exact_names, &found)? {
                parts.push((0, page));
            }
            for contact in exact_contacts(search, false) {
                let select = filtered.select().clone().filter(contact);
                parts.push((0, branch_page(backend, select, query, after, true)?));
            }
        }
        let after = query.after.as_ref().filter(|_| query.past_exact_matches);
        let not_exact = filtered
            .select()
            .clone()
            .filter(exact_condition(search).not());
        let sources = Sources {
            clients: &not_exact,
            terms: terms_sorted.then(|| exact_term(business, search).not()),
        };
        for page in self.branch_pages(business, &sources, query, after, &branches, &found)? {
            parts.push((1, page));
        }
        self.merged_rows(business, parts, query).await
    }

    /// The rows of the first `query.limit` of the union of `parts`, each a `(group, part)`
    /// whose part selects `(sort key, id)` in the list's order, in group then sort order:
    /// one `UNION` (which drops the rows several parts find), then the rows by id.
    pub(super) async fn merged_rows(
        &self,
        business: BusinessId,
        parts: Vec<(i32, SelectStatement)>,
        query: &ClientQuery,
    ) -> Result<Vec<QueryResult>, StorageError> {
        let Some(statement) = merged(parts, query.sort, query.limit) else {
            return Ok(Vec::new());
        };
        let backend = self.txn.get_database_backend();
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
    ) -> Result<Vec<QueryResult>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let select = clients::Entity::find()
            .filter(clients::Column::BusinessId.eq(business.as_uuid()))
            .filter(clients::Column::Id.is_in(ids.iter().copied()));
        let rows = self.client_rows(select).await?;
        let mut by_id: HashMap<Uuid, QueryResult> = HashMap::with_capacity(rows.len());
        for row in rows {
            by_id.insert(ClientRow::id_of(&row)?, row);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }
}
