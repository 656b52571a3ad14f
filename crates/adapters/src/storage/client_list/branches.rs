//! CL-5 to CL-8: a search as branches, each an `AND` of [`Reading`]s that a client must
//! pass to be found by one way of reading the query: the splits of its name words (the
//! exact ones, CL-8, apart), the phone digits, the email fragment. Pure.

use clientele_domain::search::ClientSearch;

use super::plan::{NameField, Reading, Searched, Terms};

/// The branches of the matches that are not exact (CL-5 to CL-7): the name branches,
/// then the phone fragment's, then the email fragment's.
pub(super) fn search_branches(search: &ClientSearch) -> Vec<Vec<Reading>> {
    let mut branches = name_branches(search);
    if let Some(digits) = search.phone_digits() {
        let phone = Terms::Substring(Searched::Phone);
        branches.push(vec![Reading::Term(phone, digits.to_owned())]);
    }
    if let Some(fragment) = search.email_fragment() {
        let email = Terms::Substring(Searched::Email);
        branches.push(vec![Reading::Term(email, fragment.to_owned())]);
    }
    branches
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
pub(super) fn exact_splits(search: &ClientSearch) -> Vec<Vec<(NameField, String)>> {
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
pub(super) fn exact_name_branches(search: &ClientSearch) -> Vec<Vec<Reading>> {
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
