//! The plan each branch gets from the counts, what a reading is counted to, and how
//! branches share a walk: pure, so tested without a database.

use std::collections::HashMap;

use clientele_domain::ClientSort;

use super::*;

fn starts(field: NameField, phrase: &str) -> Reading {
    Reading::Starts(field, phrase.to_owned())
}

fn tail(field: NameField, phrase: &str) -> Reading {
    Reading::Term(Terms::Tail(field), phrase.to_owned())
}

fn email(fragment: &str) -> Reading {
    Reading::Term(Terms::Substring(Searched::Email), fragment.to_owned())
}

fn phone(digits: &str) -> Reading {
    Reading::Term(Terms::Substring(Searched::Phone), digits.to_owned())
}

fn counts(pairs: &[(&Reading, Found)]) -> HashMap<Reading, Found> {
    pairs
        .iter()
        .map(|(reading, found)| ((*reading).clone(), *found))
        .collect()
}

const LAST: ClientSort = ClientSort::LastName;
const FIRST: ClientSort = ClientSort::FirstName;
const CREATED: ClientSort = ClientSort::CreatedAt;

// plan

#[test]
fn a_branch_with_a_reading_found_by_nobody_is_empty_whatever_the_others() {
    let (a, b) = (starts(NameField::Last, "ler"), tail(NameField::First, "zz"));
    let found = counts(&[(&a, Found::Many), (&b, Found::Few(0))]);
    assert_eq!(plan(&[a, b], &found, LAST, true), Plan::Empty);
}

#[test]
fn a_rare_email_fragment_drives_from_the_terms() {
    let fragment = email("ines@");
    let found = counts(&[(&fragment, Found::Few(3))]);
    let branch = [fragment.clone()];
    assert_eq!(plan(&branch, &found, LAST, true), Plan::Drive(&fragment));
}

#[test]
fn a_term_range_looked_up_costs_ten_entries_a_client_so_a_middling_one_walks() {
    // 6,000 clients looked up is 60,000 entries, above MAX_DRIVE; sorted from the terms
    // alone it is 6,000 and drives.
    let fragment = email("ma");
    let found = counts(&[(&fragment, Found::Few(6_000))]);
    let branch = [fragment.clone()];
    assert_eq!(plan(&branch, &found, CREATED, false), Plan::Walk);
    assert_eq!(plan(&branch, &found, LAST, true), Plan::Drive(&fragment));
}

#[test]
fn the_drive_limit_is_inclusive() {
    let at = starts(NameField::First, "an");
    let above = starts(NameField::First, "a");
    let found = counts(&[
        (&at, Found::Few(MAX_DRIVE)),
        (&above, Found::Few(MAX_DRIVE + 1)),
    ]);
    assert_eq!(
        plan(std::slice::from_ref(&at), &found, LAST, false),
        Plan::Drive(&at)
    );
    assert_eq!(plan(&[above], &found, LAST, false), Plan::Walk);
}

#[test]
fn a_common_email_fragment_walks_its_head_in_last_name_order() {
    let fragment = email("gmail");
    let found = counts(&[(&fragment, Found::Many)]);
    assert_eq!(
        plan(&[fragment], &found, LAST, true),
        Plan::Heads(Terms::Substring(Searched::Email), "gmail")
    );
}

#[test]
fn a_common_inner_word_walks_its_head_too() {
    let word = tail(NameField::Last, "mor");
    let found = HashMap::new();
    assert_eq!(
        plan(&[word], &found, LAST, true),
        Plan::Heads(Terms::Tail(NameField::Last), "mor")
    );
}

#[test]
fn heads_are_walked_only_in_last_name_order_from_the_terms_alone() {
    let fragment = email("gmail");
    let found = counts(&[(&fragment, Found::Many)]);
    let branch = [fragment];
    assert_eq!(plan(&branch, &found, FIRST, true), Plan::Walk);
    assert_eq!(plan(&branch, &found, LAST, false), Plan::Walk);
}

#[test]
fn phone_fragments_and_phrases_shorter_than_a_head_have_no_head_to_walk() {
    let digits = phone("0612");
    let short = email("gm");
    let found = counts(&[(&digits, Found::Many), (&short, Found::Many)]);
    assert_eq!(plan(&[digits], &found, LAST, true), Plan::Walk);
    assert_eq!(plan(&[short], &found, LAST, true), Plan::Walk);
}

#[test]
fn a_prefix_of_the_leading_sort_key_is_walked_as_a_range_even_when_rare() {
    let prefix = starts(NameField::Last, "zyl");
    let found = counts(&[(&prefix, Found::Few(2))]);
    assert_eq!(
        plan(std::slice::from_ref(&prefix), &found, LAST, false),
        Plan::Walk
    );
    // In first-name order the same prefix is not a range of the sort index: it drives.
    assert_eq!(
        plan(std::slice::from_ref(&prefix), &found, FIRST, false),
        Plan::Drive(&prefix)
    );
}

#[test]
fn a_common_prefix_of_the_other_name_walks() {
    let prefix = starts(NameField::First, "marie");
    let found = counts(&[(&prefix, Found::Many)]);
    assert_eq!(plan(&[prefix], &found, LAST, false), Plan::Walk);
}

#[test]
fn a_branch_of_two_drives_from_its_counted_reading_whatever_its_count() {
    let (common, counted) = (starts(NameField::Last, "m"), starts(NameField::First, "a"));
    let found = counts(&[(&common, Found::Many), (&counted, Found::Few(40_000_000))]);
    let branch = [common, counted.clone()];
    assert_eq!(plan(&branch, &found, CREATED, false), Plan::Drive(&counted));
}

#[test]
fn the_cheapest_reading_drives_counting_lookups_of_terms() {
    let (word, prefix) = (
        tail(NameField::First, "sophie"),
        starts(NameField::Last, "ler"),
    );
    let found = counts(&[(&word, Found::Few(100)), (&prefix, Found::Few(500))]);
    let branch = [word.clone(), prefix.clone()];
    // Looked up, the word's 100 clients cost 1,000 entries: the prefix's 500 are cheaper.
    assert_eq!(plan(&branch, &found, CREATED, false), Plan::Drive(&prefix));
    // Read from the terms alone they cost 100.
    assert_eq!(plan(&branch, &found, CREATED, true), Plan::Drive(&word));
}

#[test]
fn a_tie_keeps_the_first_reading_of_the_branch() {
    let (a, b) = (starts(NameField::First, "an"), tail(NameField::Last, "no"));
    let found = counts(&[(&a, Found::Few(7)), (&b, Found::Few(7))]);
    assert_eq!(
        plan(&[a.clone(), b.clone()], &found, LAST, true),
        Plan::Drive(&a)
    );
    assert_eq!(plan(&[b.clone(), a], &found, LAST, true), Plan::Drive(&b));
}

#[test]
fn readings_without_a_count_walk() {
    let (a, b) = (
        starts(NameField::Last, "du"),
        starts(NameField::First, "jean"),
    );
    assert_eq!(plan(&[a, b], &HashMap::new(), LAST, false), Plan::Walk);
    assert_eq!(plan(&[], &HashMap::new(), LAST, false), Plan::Walk);
}

// what a reading is counted to

#[test]
fn a_prefix_of_the_leading_sort_key_is_never_counted() {
    assert_eq!(starts(NameField::Last, "du").cap(LAST, 1, true), None);
    assert_eq!(starts(NameField::First, "du").cap(FIRST, 2, false), None);
    let exact = Reading::Equals(NameField::Last, "dupont".to_owned());
    assert_eq!(exact.cap(LAST, 2, false), None);
}

#[test]
fn a_prefix_of_another_name_or_in_a_date_order_is_counted_to_name_counted() {
    assert_eq!(
        starts(NameField::First, "an").cap(LAST, 1, true),
        Some(NAME_COUNTED)
    );
    let longer = Reading::Extends(NameField::Last, "emma".to_owned());
    assert_eq!(longer.cap(CREATED, 1, false), Some(NAME_COUNTED));
    assert_eq!(longer.cap(FIRST, 1, false), Some(NAME_COUNTED));
}

#[test]
fn a_term_range_is_counted_to_what_its_plan_can_afford() {
    // A branch of two: any count may drive.
    assert_eq!(email("ab").cap(LAST, 2, true), Some(COUNTED));
    // Alone and looked up: MAX_DRIVE entries is a tenth as many clients.
    assert_eq!(
        phone("06").cap(CREATED, 1, false),
        Some(MAX_DRIVE / LOOKUP_COST)
    );
    // Alone, sorted from the terms, without a head: COUNTED.
    assert_eq!(phone("0612").cap(LAST, 1, true), Some(COUNTED));
    assert_eq!(email("ab").cap(LAST, 1, true), Some(COUNTED));
}

#[test]
fn a_term_range_read_from_its_head_is_counted_to_head_counted_or_not_at_all() {
    assert_eq!(email("gmail").cap(LAST, 1, true), Some(HEAD_COUNTED));
    assert_eq!(
        tail(NameField::First, "soph").cap(LAST, 1, true),
        Some(HEAD_COUNTED)
    );
    // A whole head matches every entry of it: walked uncounted.
    assert_eq!(email("gma").cap(LAST, 1, true), None);
    // Characters, not bytes: "éle" is three.
    assert_eq!(tail(NameField::Last, "éle").cap(LAST, 1, true), None);
}

#[test]
fn only_name_readings_and_name_words_read_the_name_keys_alone() {
    assert!(starts(NameField::Last, "a").on_names());
    assert!(Reading::Equals(NameField::First, "a".to_owned()).on_names());
    assert!(tail(NameField::First, "a").on_names());
    assert!(!email("a").on_names());
    assert!(!phone("12").on_names());
}

// which readings are counted

#[test]
fn a_word_starting_with_a_boundary_is_known_to_find_nobody_without_a_count() {
    let branches = vec![
        vec![tail(NameField::Last, "-x")],
        vec![tail(NameField::First, " y")],
    ];
    let (known, to_count) = to_count(&branches, LAST, true);
    assert!(to_count.is_empty());
    assert_eq!(known.len(), 2);
    assert!(known.values().all(|found| *found == Found::Few(0)));
}

#[test]
fn a_reading_in_several_branches_is_counted_once_to_its_largest_cap() {
    let word = tail(NameField::First, "sophie");
    let branches = vec![
        vec![word.clone()],
        vec![starts(NameField::Last, "ler"), word.clone()],
    ];
    let (known, to_count) = to_count(&branches, LAST, true);
    assert!(known.is_empty());
    // Alone it reads its head (HEAD_COUNTED); beside another it may drive (COUNTED).
    assert_eq!(to_count, vec![(&word, COUNTED)]);
}

#[test]
fn readings_of_the_sort_index_are_left_out_of_the_counts() {
    let branches = vec![
        vec![starts(NameField::Last, "du")],
        vec![starts(NameField::First, "du")],
        vec![email("gma")],
    ];
    let (_, to_count) = to_count(&branches, LAST, true);
    assert_eq!(to_count, vec![(&branches[1][0], NAME_COUNTED)]);
}

#[test]
fn a_count_above_its_cap_is_many_and_known_readings_are_kept() {
    let (a, b, c, d) = (
        email("abc"),
        email("abd"),
        email("abe"),
        tail(NameField::Last, "-x"),
    );
    let known = counts(&[(&d, Found::Few(0))]);
    let counted = vec![(&a, 10), (&b, 10), (&c, 10)];
    let found = found(known, counted, vec![11, 10, 0]);
    assert_eq!(found.len(), 4);
    assert_eq!(found[&a], Found::Many);
    assert_eq!(found[&b], Found::Few(10));
    assert_eq!(found[&c], Found::Few(0));
    assert_eq!(found[&d], Found::Few(0));
}

// shared walks

#[test]
fn branches_of_two_along_one_range_share_one_walk_of_it() {
    let ler = starts(NameField::Last, "ler");
    let (first, word) = (
        starts(NameField::First, "sophie"),
        tail(NameField::First, "sophie"),
    );
    let branches = vec![
        vec![ler.clone(), first.clone()],
        vec![ler.clone(), word.clone()],
    ];
    let plans = [Plan::Walk, Plan::Drive(&branches[1][1])];
    let walks = shared_walks(&branches, &plans, LAST);
    assert_eq!(walks, vec![(&ler, vec![&first, &word])]);
    assert!(walked_along(&branches[1], &ler));
}

#[test]
fn no_walk_is_shared_when_no_branch_of_two_walks_a_range_of_the_sort_index() {
    let (a, b) = (
        tail(NameField::Last, "ler"),
        starts(NameField::First, "sophie"),
    );
    let branches = vec![vec![a.clone(), b.clone()]];
    // Neither reading is a range of the last-name index.
    assert!(shared_walks(&branches, &[Plan::Walk], LAST).is_empty());
    // The first-name prefix is one in first-name order, but the branch drives.
    assert!(shared_walks(&branches, &[Plan::Drive(&a)], FIRST).is_empty());
    assert_eq!(
        shared_walks(&branches, &[Plan::Walk], FIRST),
        vec![(&b, vec![&a])]
    );
}

#[test]
fn empty_and_head_branches_take_no_part_in_a_shared_walk() {
    let ler = starts(NameField::Last, "ler");
    let (first, word) = (
        starts(NameField::First, "ana"),
        tail(NameField::First, "ana"),
    );
    let branches = vec![vec![ler.clone(), first.clone()], vec![ler.clone(), word]];
    let plans = [Plan::Walk, Plan::Empty];
    assert_eq!(
        shared_walks(&branches, &plans, LAST),
        vec![(&ler, vec![&first])]
    );
}

#[test]
fn only_branches_of_exactly_two_are_walked_along_a_range() {
    let ler = starts(NameField::Last, "ler");
    assert!(!walked_along(std::slice::from_ref(&ler), &ler));
    let three = [ler.clone(), email("a"), phone("12")];
    assert!(!walked_along(&three, &ler));
    assert!(!walked_along(&[email("a"), phone("12")], &ler));
}
