use proptest::prelude::*;
use uuid::Uuid;

use super::*;

fn keys(
    n: u128,
    first: &str,
    last: &str,
    email: Option<&str>,
    phone: Option<&str>,
) -> DuplicateKeys {
    DuplicateKeys {
        id: ClientId::from_uuid(Uuid::from_u128(n)),
        first_name_key: first.to_owned(),
        last_name_key: last.to_owned(),
        email_key: email.map(str::to_owned),
        phone: phone.map(str::to_owned),
    }
}

fn reasons(a: &DuplicateKeys, b: &DuplicateKeys) -> Vec<DuplicateReason> {
    compare(a, b).map(|l| l.reasons).unwrap_or_default()
}

/// Whether one of `a`'s blocks holds `b`, as storage would look it up.
fn found_by_blocks(a: &DuplicateKeys, b: &DuplicateKeys) -> bool {
    a.blocks().iter().any(|block| match block {
        Block::Email(email) => b.email_key.as_ref() == Some(email),
        Block::Phone(phone) => b.phone.as_ref() == Some(phone),
        Block::LastName { last, first_prefix } => {
            &b.last_name_key == last && b.first_name_key.starts_with(first_prefix.as_str())
        }
        Block::FirstName { first, last_prefix } => {
            &b.first_name_key == first && b.last_name_key.starts_with(last_prefix.as_str())
        }
        Block::Nicknames { last, firsts } => {
            &b.last_name_key == last && firsts.contains(&b.first_name_key)
        }
        Block::Swapped { first, last } => &b.first_name_key == first && &b.last_name_key == last,
    })
}

#[test]
fn cl_19_a_shared_email_or_phone_is_a_reason() {
    let a = keys(1, "marie", "curie", Some("m@x.fr"), Some("+33612345678"));
    let b = keys(2, "pierre", "durand", Some("m@x.fr"), None);
    let c = keys(3, "paul", "leroy", None, Some("+33612345678"));
    assert_eq!(reasons(&a, &b), [DuplicateReason::SameEmail]);
    assert_eq!(reasons(&a, &c), [DuplicateReason::SamePhone]);
    assert!(found_by_blocks(&a, &b) && found_by_blocks(&a, &c));
    assert!(compare(&b, &c).is_none());
}

#[test]
fn cl_19_names_alike_by_typo_nickname_or_swap() {
    let anna = keys(1, "anna", "martin", None, None);
    let cases = [
        (
            keys(2, "anna", "martin", None, None),
            Some(DuplicateReason::SameName),
        ),
        (
            keys(3, "martin", "anna", None, None),
            Some(DuplicateReason::SwappedNames),
        ),
        (
            keys(4, "ana", "martin", None, None),
            Some(DuplicateReason::SimilarName),
        ),
        (
            keys(5, "anna", "martn", None, None),
            Some(DuplicateReason::SimilarName),
        ),
        (
            keys(6, "anna", "matrin", None, None),
            Some(DuplicateReason::SimilarName),
        ),
        (keys(7, "hanna", "martin", None, None), None),
        (keys(8, "anne", "marti", None, None), None),
        (keys(9, "paul", "martin", None, None), None),
    ];
    for (other, expected) in cases {
        let got = compare(&anna, &other).map(|l| l.reasons);
        assert_eq!(got, expected.map(|r| vec![r]), "{other:?}");
        if expected.is_some() {
            assert!(found_by_blocks(&anna, &other), "{other:?}");
        }
    }
    let bob = keys(10, "bob", "dylan", None, None);
    let robert = keys(11, "robert", "dylan", None, None);
    assert_eq!(reasons(&bob, &robert), [DuplicateReason::Nickname]);
    assert!(found_by_blocks(&bob, &robert) && found_by_blocks(&robert, &bob));
    assert!(compare(&bob, &keys(12, "robert", "zimmer", None, None)).is_none());
}

#[test]
fn cl_19_longer_names_allow_two_typos() {
    let a = keys(1, "jacqueline", "lefebvre", None, None);
    let b = keys(2, "jacqueline", "lefevbre", None, None);
    assert_eq!(reasons(&a, &b), [DuplicateReason::SimilarName]);
    assert!(found_by_blocks(&a, &b));
    let c = keys(3, "jaqueline", "lefevre", None, None);
    assert!(compare(&a, &c).is_none(), "a typo in each name is too far");
    let short = keys(4, "anna", "lu", None, None);
    assert!(compare(&short, &keys(5, "anna", "lo", None, None)).is_some());
    assert!(compare(&short, &keys(6, "anna", "luo", None, None)).is_some());
    assert!(compare(&short, &keys(7, "anna", "loo", None, None)).is_none());
}

#[test]
fn cl_19_more_evidence_scores_higher() {
    let a = keys(1, "marie", "curie", Some("m@x.fr"), Some("+33612345678"));
    let email_only = keys(2, "pierre", "durand", Some("m@x.fr"), None);
    let name_only = keys(3, "marie", "curie", None, None);
    let both = keys(4, "marie", "curie", Some("m@x.fr"), None);
    let all = keys(5, "marie", "curie", Some("m@x.fr"), Some("+33612345678"));
    let score = |b: &DuplicateKeys| compare(&a, b).map(|l| l.score).unwrap_or(0);
    assert!(score(&name_only) < score(&email_only));
    assert!(score(&email_only) < score(&both));
    assert!(score(&both) < score(&all));
    assert!(score(&all) <= 99);
    assert_eq!(
        reasons(&a, &all),
        [
            DuplicateReason::SameEmail,
            DuplicateReason::SamePhone,
            DuplicateReason::SameName
        ]
    );
}

#[test]
fn cl_19_a_client_is_not_its_own_duplicate_and_short_phones_are_no_evidence() {
    let a = keys(1, "marie", "curie", Some("m@x.fr"), Some("112"));
    assert!(compare(&a, &a).is_none());
    let b = keys(2, "paul", "leroy", None, Some("112"));
    assert!(compare(&a, &b).is_none());
    assert!(!a.blocks().iter().any(|b| matches!(b, Block::Phone(_))));
}

#[test]
fn prefix_end_bounds_every_key_with_the_prefix() {
    assert_eq!(prefix_end("a").as_deref(), Some("b"));
    assert_eq!(prefix_end("az").as_deref(), Some("a{"));
    assert_eq!(prefix_end(&char::MAX.to_string()), None);
    assert_eq!(prefix_end("").as_deref(), None);
}

proptest! {
    /// CL-19: comparing is symmetric, and whatever a comparison of names finds, the
    /// blocks of either side find.
    #[test]
    fn cl_19_blocks_find_every_name_match(
        af in "[a-c]{1,6}", al in "[a-c]{1,6}", bf in "[a-c]{1,6}", bl in "[a-c]{1,6}",
    ) {
        let a = keys(1, &af, &al, None, None);
        let b = keys(2, &bf, &bl, None, None);
        let ab = compare(&a, &b);
        prop_assert_eq!(&ab, &compare(&b, &a));
        if ab.is_some() {
            prop_assert!(found_by_blocks(&a, &b), "{:?} {:?}", a, b);
            prop_assert!(found_by_blocks(&b, &a), "{:?} {:?}", b, a);
        }
    }
}
