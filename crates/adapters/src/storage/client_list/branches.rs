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

#[cfg(test)]
mod tests {
    use clientele_domain::search::ClientSearch;

    use super::*;

    fn search(text: &str) -> ClientSearch {
        ClientSearch::parse("q", text).expect("a valid search")
    }

    fn tail(field: NameField, phrase: &str) -> Reading {
        Reading::Term(Terms::Tail(field), phrase.to_owned())
    }

    #[test]
    fn cl_5_one_word_is_either_name_without_the_name_itself_and_an_email_fragment() {
        let (last, first) = (NameField::Last, NameField::First);
        assert_eq!(
            search_branches(&search("Emma")),
            vec![
                vec![Reading::Extends(last, "emma".to_owned())],
                vec![tail(last, "emma")],
                vec![Reading::Extends(first, "emma".to_owned())],
                vec![tail(first, "emma")],
                vec![Reading::Term(
                    Terms::Substring(Searched::Email),
                    "emma".to_owned()
                )],
            ]
        );
    }

    #[test]
    fn cl_5_two_words_add_every_pairing_of_a_last_and_a_first_name_reading() {
        let (last, first) = (NameField::Last, NameField::First);
        let branches = search_branches(&search("Sophie Ler"));
        // Two words read as one name (four branches), then as first and last: no email
        // fragment has a space.
        assert_eq!(branches.len(), 8);
        assert_eq!(
            branches[..4],
            [
                vec![Reading::Extends(last, "sophie ler".to_owned())],
                vec![tail(last, "sophie ler")],
                vec![Reading::Extends(first, "sophie ler".to_owned())],
                vec![tail(first, "sophie ler")],
            ]
        );
        let (starts_last, starts_first) = (
            Reading::Starts(last, "ler".to_owned()),
            Reading::Starts(first, "sophie".to_owned()),
        );
        assert_eq!(
            branches[4..],
            [
                vec![starts_last.clone(), starts_first.clone()],
                vec![starts_last, tail(first, "sophie")],
                vec![tail(last, "ler"), starts_first],
                vec![tail(last, "ler"), tail(first, "sophie")],
            ]
        );
    }

    #[test]
    fn cl_6_digits_alone_are_one_phone_branch() {
        assert_eq!(
            search_branches(&search("06 12")),
            vec![vec![Reading::Term(
                Terms::Substring(Searched::Phone),
                "0612".to_owned()
            )]]
        );
        // Without a space the digits are an email fragment too.
        let branches = search_branches(&search("0612"));
        assert_eq!(branches.len(), 2);
        assert_eq!(
            branches[1],
            vec![Reading::Term(
                Terms::Substring(Searched::Email),
                "0612".to_owned()
            )]
        );
    }

    #[test]
    fn cl_8_the_exact_names_are_one_branch_per_split_last_name_first() {
        let (last, first) = (NameField::Last, NameField::First);
        let equals = |field, phrase: &str| Reading::Equals(field, phrase.to_owned());
        assert_eq!(
            exact_name_branches(&search("Sophie Ler")),
            vec![
                vec![equals(last, "sophie ler")],
                vec![equals(first, "sophie ler")],
                vec![equals(last, "ler"), equals(first, "sophie")],
            ]
        );
        assert!(exact_name_branches(&search("06 12")).is_empty());
        assert!(exact_splits(&search("0612")).is_empty());
    }
}
