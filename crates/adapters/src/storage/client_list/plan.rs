//! Choosing how each branch of a search is read, from the query and the counts, without
//! touching the database: the readings a branch is made of, what a count caps them at,
//! and the plan (walk, drive, heads or nothing) the counts give each branch. Everything
//! here is pure; [`super::counts`] reads the counts and [`super::sql`] writes the plans
//! as SQL.

use std::collections::HashMap;

use clientele_domain::ClientSort;

use crate::storage::entities::{client_search_terms, clients};

#[cfg(test)]
mod tests;

/// The most clients a reading is counted to, by its own index: a name range by a name
/// index that holds every column a search filters on, a term range by the terms'
/// primary key, both without reading a client row. See [`Reading::cap`].
pub(super) const COUNTED: usize = 20_000;

/// The most clients a prefix of the name the list is *not* sorted by is counted to. First
/// and last names are about independent, so when more clients than this have it, the walk
/// meets a page of them within `50 × clients / NAME_COUNTED` index entries.
pub(super) const NAME_COUNTED: usize = 5_000;

/// What a client found by a term costs when it must be looked up (to filter it, or to
/// sort it by a date), in index entries read.
pub(super) const LOOKUP_COST: usize = 10;

/// The most a branch of one reading may cost to drive, in index entries read; above
/// it, the branch walks the sort index, where its matches are common enough to fill a
/// page soon. A branch of several readings drives whenever one of them was counted: all
/// of them common does not make their conjunction common, and a walk for a rare one
/// reads the whole index.
pub(super) const MAX_DRIVE: usize = 50_000;

/// Where a word starts inside a name key (see `clientele_domain::search::word_tails`).
pub(super) const WORD_BOUNDARIES: [char; 3] = [' ', '-', '\''];

/// The characters of a term that `ix_client_search_terms_head` is keyed by, after its
/// field and before the last and first name keys (migration 000017).
pub(super) const HEAD: usize = 3;

/// The most terms a phrase longer than [`HEAD`] that can be read from its head
/// ([`Reading::heads`]) is counted to. Above it, the head is walked in name order: it
/// matches one entry in `head / HEAD_COUNTED` of it or more, so a page costs at most
/// about as much as counting and sorting this many (the head of "gma", for gmail, is most
/// emails). A phrase of [`HEAD`] characters matches every entry of its head: it is walked
/// uncounted.
pub(super) const HEAD_COUNTED: usize = 5_000;

/// One of the two name keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum NameField {
    First,
    Last,
}

impl NameField {
    pub(super) fn column(self) -> clients::Column {
        match self {
            NameField::First => clients::Column::FirstNameKey,
            NameField::Last => clients::Column::LastNameKey,
        }
    }

    /// The field the list's order starts with, if a name.
    pub(super) fn leading(sort: ClientSort) -> Option<NameField> {
        match sort {
            ClientSort::LastName => Some(NameField::Last),
            ClientSort::FirstName => Some(NameField::First),
            ClientSort::CreatedAt | ClientSort::AdminUpdatedAt => None,
        }
    }
}

/// A column searched by substring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Searched {
    Phone,
    Email,
}

impl Searched {
    pub(super) fn column(self) -> clients::Column {
        match self {
            Searched::Phone => clients::Column::PhoneDigits,
            Searched::Email => clients::Column::EmailKey,
        }
    }
}

/// What the terms of a `client_search_terms` field come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Terms {
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
    pub(super) fn code(self) -> &'static str {
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
pub(super) enum Reading {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Found {
    /// Up to its cap ([`Reading::cap`]) of clients (of terms, for a term range: see
    /// [`super::counts`]).
    Few(usize),
    /// More.
    Many,
}

impl Reading {
    /// Whether the reading is a range of the sort's own index: walking that range gives
    /// its clients in the list's order.
    pub(super) fn in_order(&self, sort: ClientSort) -> bool {
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
    pub(super) fn on_names(&self) -> bool {
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
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Plan<'a> {
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
pub(super) fn plan<'a>(
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
pub(super) fn shared_walks<'a>(
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
pub(super) fn walked_along(branch: &[Reading], range: &Reading) -> bool {
    branch.len() == 2 && branch.contains(range)
}

/// The readings of `branches` that need a count ([`Reading::cap`]), each once with the
/// largest cap a branch gives it, and what is known of others without one: an inner word
/// that starts with a word boundary finds nobody (no tail starts with one). A reading
/// neither counted nor known is walked.
pub(super) fn to_count(
    branches: &[Vec<Reading>],
    sort: ClientSort,
    terms_sorted: bool,
) -> (HashMap<Reading, Found>, Vec<(&Reading, usize)>) {
    let mut known = HashMap::new();
    let mut to_count: Vec<(&Reading, usize)> = Vec::new();
    for branch in branches {
        for reading in branch {
            match reading {
                Reading::Term(Terms::Tail(_), phrase) if phrase.starts_with(WORD_BOUNDARIES) => {
                    known.insert(reading.clone(), Found::Few(0));
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
    (known, to_count)
}

/// What the counts say of the readings: `known` ([`to_count`]), and each reading of
/// `counted` with its count (read up to one more than its cap): more than the cap is
/// [`Found::Many`].
pub(super) fn found(
    mut known: HashMap<Reading, Found>,
    counted: Vec<(&Reading, usize)>,
    counts: Vec<usize>,
) -> HashMap<Reading, Found> {
    for ((reading, cap), count) in counted.into_iter().zip(counts) {
        let what = match count {
            count if count > cap => Found::Many,
            count => Found::Few(count),
        };
        known.entry(reading.clone()).or_insert(what);
    }
    known
}
