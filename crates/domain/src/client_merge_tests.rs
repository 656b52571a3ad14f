use chrono::{NaiveDate, TimeDelta, TimeZone as _, Utc};
use uuid::Uuid;

use super::*;
use crate::NewClient;
use crate::client::ClientInput;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

/// A client `n` with these sites and labels, notes if given, created on `since`.
fn client(n: u128, sites: &[u128], labels: &[u128], notes: Option<&str>, since: u32) -> Client {
    let new = NewClient::parse(&ClientInput {
        first_name: format!("Ana{n}"),
        last_name: "Lima".into(),
        email: Some(format!("ana{n}@example.com")),
        client_notes: notes.map(Into::into),
        ..ClientInput::default()
    })
    .unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, since, 9, 0, 0).unwrap();
    let sites = sites.iter().map(|&s| SiteId::from_uuid(id(s))).collect();
    let mut parts = Client::create(
        ClientId::from_uuid(id(n)),
        BusinessId::from_uuid(id(99)),
        new,
        sites,
        at,
        day(since),
    )
    .into_parts();
    parts.labels = labels.iter().map(|&l| LabelId::from_uuid(id(l))).collect();
    Client::restore(parts)
}

#[test]
fn cl_17_the_absorbed_profiles_are_named_once_each_and_never_the_kept_one() {
    let kept = ClientId::from_uuid(id(1));
    let other = |n| ClientId::from_uuid(id(n));
    assert_eq!(
        absorbed_ids(kept, &[other(3), other(2)]).unwrap(),
        [other(3), other(2)]
    );
    for refused in [
        vec![],
        vec![kept],
        vec![other(2), other(2)],
        (2..=22).map(other).collect(),
    ] {
        let errors = absorbed_ids(kept, &refused).unwrap_err();
        assert_eq!(errors.0[0].field, "absorb", "{refused:?}");
    }
}

#[test]
fn cl_17_the_kept_profile_keeps_its_contact_details_and_unites_sites_and_labels() {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
    let kept = client(1, &[10], &[20], None, 20);
    let mut banned = client(2, &[11, 10], &[21], Some("likes quiet rooms"), 5).into_parts();
    banned.banned = true;
    let absorbed = [
        Client::restore(banned),
        client(3, &[12], &[20], Some("other"), 10),
    ];

    let (merged, added) = merged(&kept, &absorbed, now);

    assert_eq!(merged.email(), kept.email());
    assert_eq!(merged.first_name(), kept.first_name());
    let sites: Vec<u128> = merged
        .sites()
        .iter()
        .map(|s| s.as_uuid().as_u128())
        .collect();
    assert_eq!(sites, [10, 11, 12]);
    assert_eq!(merged.labels().len(), 2);
    assert_eq!(
        merged.client_notes().map(|n| n.as_str()),
        Some("likes quiet rooms")
    );
    assert!(merged.banned(), "a ban follows the person");
    assert_eq!(
        merged.client_since(),
        day(5),
        "a client since the earliest day"
    );
    assert_eq!(merged.version(), kept.version().next());
    assert_eq!(
        added,
        Added {
            sites: vec![SiteId::from_uuid(id(11)), SiteId::from_uuid(id(12))],
            labels: vec![LabelId::from_uuid(id(21))],
            custom_fields: vec![],
            notes: true,
            banned: true,
            client_since: Some(day(20)),
        }
    );
}

#[test]
fn cl_23_undoing_takes_off_what_the_merge_added_and_keeps_what_came_after() {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
    let kept = client(1, &[10], &[20], None, 20);
    let absorbed = [client(2, &[11], &[21], Some("notes"), 5)];
    let (merged, added) = merged(&kept, &absorbed, now);
    // After the merge, staff add a label of their own.
    let mut later = merged.into_parts();
    later.labels.push(LabelId::from_uuid(id(22)));
    let later = Client::restore(later);

    let undone = unmerged(&later, &added, now);

    let labels: Vec<u128> = undone
        .labels()
        .iter()
        .map(|l| l.as_uuid().as_u128())
        .collect();
    assert_eq!(labels, [20, 22]);
    assert_eq!(undone.sites(), kept.sites());
    assert_eq!(undone.client_notes(), None);
    assert_eq!(undone.client_since(), day(20));
    assert!(!undone.banned());
    assert_eq!(undone.version(), later.version().next());
}

#[test]
fn cl_23_a_merge_is_undone_once_and_only_for_30_days() {
    let at = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    let merge = ClientMerge {
        id: MergeId::from_uuid(id(7)),
        business_id: BusinessId::from_uuid(id(99)),
        kept_id: ClientId::from_uuid(id(1)),
        absorbed_ids: vec![ClientId::from_uuid(id(2))],
        added: Added::default(),
        staff_id: StaffId::from_uuid(id(5)),
        at,
        undone_at: None,
    };

    let mut in_time = merge.clone();
    let last = at + TimeDelta::days(30);
    assert_eq!(in_time.undo(last), Ok(()));
    assert_eq!(in_time.undone_at, Some(last));
    assert_eq!(in_time.undo(last), Err(UndoRefused::AlreadyUndone));
    let mut late = merge;
    assert_eq!(
        late.undo(last + TimeDelta::seconds(1)),
        Err(UndoRefused::TooLate)
    );
    assert_eq!(late.undone_at, None);
}
