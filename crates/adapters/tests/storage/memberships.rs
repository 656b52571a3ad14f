//! Memberships: types and memberships round trip with every schedule and payment method,
//! stale versions are refused, numbers are sequential per business even under concurrent
//! transactions, the list's filters, quick views and pages, credits (ME-1 to ME-3,
//! ME-16, ME-18, PL-11, PL-26). The fixtures are shared with `membership_billing`.

use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday};

use clientele_adapters::SeaStorage;
use clientele_adapters::testing::fresh_storage;
use clientele_domain::membership::{
    Anchor, AttentionReason, Credit, CreditOrigin, DayOfMonth, DayOfYear, Dunning, FirstBilling,
    Mandate, MandateStatus, Membership, MembershipNumber, MembershipParts, MembershipType,
    MembershipTypeDetails, MembershipTypeInput, NewMembership, PaymentKind, PaymentMethod,
    PeriodUnit, Status, StoredCard,
};
use clientele_domain::payment::ProcessorKind;
use clientele_domain::{
    AppointmentId, Business, BusinessId, Client, ClientId, CreditId, Currency, MembershipId,
    MembershipTypeId, StaffId, Version,
};
use clientele_ports::storage::{DateRange, MembershipQuery, QuickView, StatusFilter};
use clientele_ports::{Storage, StorageError};

use crate::helpers::{base_time, business_with_site, client, eur, insert_clients, new_uuid};

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The day the fixtures' memberships start: 2026-12-01.
pub fn start() -> NaiveDate {
    day(2026, 12, 1)
}

pub fn type_input(name: &str, payment: PaymentKind) -> MembershipTypeInput {
    MembershipTypeInput {
        name: name.into(),
        rate: eur("49.90"),
        period_unit: PeriodUnit::Month,
        period_every: 1,
        appointments: None,
        credits: 2,
        payment,
        fixed_day: None,
        prorate: false,
    }
}

pub fn kind(business: BusinessId, input: &MembershipTypeInput) -> MembershipType {
    let details = MembershipTypeDetails::parse(input, Currency::parse("EUR").unwrap()).unwrap();
    MembershipType::define(MembershipTypeId::from_uuid(new_uuid()), business, details)
}

pub fn card(last4: &str) -> PaymentMethod {
    PaymentMethod::Card(StoredCard::new(ProcessorKind::StubCard, "tok_1", "visa", last4).unwrap())
}

/// A new membership of `kind` for `client`, starting (and created) on `start`.
pub fn member(
    kind: &MembershipType,
    client: ClientId,
    number: u64,
    start: NaiveDate,
    method: PaymentMethod,
) -> Membership {
    let new = NewMembership {
        client_id: client,
        individual_rate: None,
        start_date: start,
        end_date: None,
        member_since: None,
        first_billing: FirstBilling::FirstBillingDay,
        payment_method: method,
        order_id: None,
    };
    Membership::create(
        MembershipId::from_uuid(new_uuid()),
        MembershipNumber::from_sequence(number).unwrap(),
        kind,
        new,
        Currency::parse("EUR").unwrap(),
        start,
    )
    .unwrap()
    .membership
}

/// `membership` with its parts changed by `change`.
pub fn changed(membership: &Membership, change: impl FnOnce(&mut MembershipParts)) -> Membership {
    let mut parts = membership.clone().into_parts();
    change(&mut parts);
    Membership::restore(parts)
}

/// A business with two clients and a monthly card type, stored.
pub struct World {
    pub business: Business,
    pub ana: Client,
    pub bruno: Client,
    pub gold: MembershipType,
}

pub async fn world(storage: &SeaStorage) -> World {
    let (business, site) = business_with_site(storage).await;
    let ana = client(business.id, "Ana", "Silva", &[site.id]);
    let bruno = client(business.id, "Bruno", "Costa", &[site.id]);
    insert_clients(storage, &[ana.clone(), bruno.clone()]).await;
    let gold = kind(business.id, &type_input("Gold", PaymentKind::Card));
    let mut tx = storage.begin().await.unwrap();
    tx.insert_membership_type(&gold).await.unwrap();
    tx.commit().await.unwrap();
    World {
        business,
        ana,
        bruno,
        gold,
    }
}

/// Stores `memberships`, each made at its position's minute after [`base_time`] and due
/// at `due_at`.
pub async fn insert_memberships(
    storage: &SeaStorage,
    memberships: &[Membership],
    due_at: Option<DateTime<Utc>>,
) {
    let mut tx = storage.begin().await.unwrap();
    for (n, membership) in (0..).zip(memberships) {
        let created_at = base_time() + Duration::minutes(n);
        tx.insert_membership(membership, created_at, due_at)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

pub async fn stored(storage: &SeaStorage, membership: &Membership) -> Option<Membership> {
    let mut tx = storage.read().await.unwrap();
    tx.membership(membership.business_id(), membership.id())
        .await
        .unwrap()
}

#[tokio::test]
async fn me_1_membership_types_round_trip_with_their_anchors_and_updates_check_the_version() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let (other, _) = business_with_site(&storage).await;
    let weekly = kind(
        business.id,
        &MembershipTypeInput {
            period_unit: PeriodUnit::Week,
            period_every: 2,
            fixed_day: Some(Anchor::Weekday(Weekday::Sun)),
            ..type_input("Yoga", PaymentKind::Manual)
        },
    );
    let yearly = kind(
        business.id,
        &MembershipTypeInput {
            period_unit: PeriodUnit::Year,
            fixed_day: Some(Anchor::DayOfYear(DayOfYear::new(2, 29).unwrap())),
            prorate: true,
            credits: 0,
            ..type_input("Annual", PaymentKind::DirectDebit)
        },
    );
    let monthly = kind(
        business.id,
        &MembershipTypeInput {
            fixed_day: Some(Anchor::DayOfMonth(DayOfMonth::new(31).unwrap())),
            ..type_input("Gold", PaymentKind::Card)
        },
    );
    let plain = kind(business.id, &type_input("Silver", PaymentKind::Card));
    let mut types = vec![weekly, yearly, monthly, plain];
    types.sort_by_key(|t| t.id());

    // Act
    let mut tx = storage.begin().await.unwrap();
    for kind in &types {
        tx.insert_membership_type(kind).await.unwrap();
    }
    let duplicate = tx.insert_membership_type(&types[0]).await;
    let mut revised = types[1].clone();
    revised.revise(
        MembershipTypeDetails::parse(
            &type_input("Renamed", revised.payment()),
            Currency::parse("EUR").unwrap(),
        )
        .unwrap(),
    );
    tx.update_membership_type(&revised, types[1].version())
        .await
        .unwrap();
    let stale = tx
        .update_membership_type(&revised, types[1].version())
        .await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(
        duplicate,
        Err(StorageError::Duplicate("membership_type"))
    ));
    assert!(matches!(stale, Err(StorageError::VersionConflict)));
    let mut tx = storage.read().await.unwrap();
    let first = tx.membership_types(business.id, None, 3).await.unwrap();
    let rest = tx
        .membership_types(business.id, Some(first[2].id()), 3)
        .await
        .unwrap();
    let mut expected = types.clone();
    expected[1] = revised.clone();
    assert_eq!([first, rest].concat(), expected);
    assert_eq!(
        tx.membership_type(business.id, types[0].id())
            .await
            .unwrap(),
        Some(types[0].clone())
    );
    assert_eq!(
        tx.membership_type(other.id, types[0].id()).await.unwrap(),
        None
    );
    assert!(
        tx.membership_types(other.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn me_2_a_membership_round_trips_with_each_payment_method_dunning_and_pause() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = world(&storage).await;
    let debit = kind(
        world.business.id,
        &type_input("Debit", PaymentKind::DirectDebit),
    );
    let manual = kind(world.business.id, &type_input("Cash", PaymentKind::Manual));
    let mut tx = storage.begin().await.unwrap();
    tx.insert_membership_type(&debit).await.unwrap();
    tx.insert_membership_type(&manual).await.unwrap();
    tx.commit().await.unwrap();
    let by_card = member(&world.gold, world.ana.id(), 1, start(), card("4242"));
    let mandate = Mandate::new("MD-1", MandateStatus::Active).unwrap();
    let by_debit = member(
        &debit,
        world.ana.id(),
        2,
        start(),
        PaymentMethod::DirectDebit(Some(mandate)),
    );
    let without_mandate = member(
        &debit,
        world.bruno.id(),
        3,
        start(),
        PaymentMethod::DirectDebit(None),
    );
    let dunned = changed(
        &member(&manual, world.bruno.id(), 4, start(), PaymentMethod::Manual),
        |parts| {
            parts.status = Status::NeedsAttention(AttentionReason::PaymentFailed);
            parts.dunning = Some(Dunning {
                period_start: start(),
                first_declined_on: start(),
                attempts: 2,
                next_attempt_on: Some(day(2026, 12, 6)),
            });
            parts.end_date = Some(day(2027, 11, 30));
            parts.member_since = day(2020, 1, 1);
            parts.paused_until = Some(day(2027, 2, 1));
            parts.cancelled_on = Some(day(2026, 12, 2));
            parts.rate = clientele_domain::membership::Rate::Individual(eur("39.00"));
        },
    );
    let all = [by_card, by_debit, without_mandate, dunned];

    // Act
    insert_memberships(&storage, &all, Some(base_time())).await;

    // Assert
    for membership in &all {
        assert_eq!(
            stored(&storage, membership).await.as_ref(),
            Some(membership)
        );
    }
    assert_eq!(
        all[2].status(),
        Status::NeedsAttention(AttentionReason::NeedsMandate)
    );
    let mut tx = storage.read().await.unwrap();
    let of_ana = tx
        .memberships_of_client(world.business.id, world.ana.id())
        .await
        .unwrap();
    assert_eq!(of_ana.len(), 2);
    assert!(of_ana[0].id() > of_ana[1].id(), "newest first");
    let (other, _) = business_with_site(&storage).await;
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.membership(other.id, all[0].id()).await.unwrap(), None);
    assert!(
        tx.memberships_of_client(other.id, world.ana.id())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn me_2_a_taken_id_or_number_is_a_duplicate_and_another_businesss_client_is_not_found() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = world(&storage).await;
    let (other, other_site) = business_with_site(&storage).await;
    let stranger = client(other.id, "Carla", "Dias", &[other_site.id]);
    insert_clients(&storage, std::slice::from_ref(&stranger)).await;
    let first = member(&world.gold, world.ana.id(), 1, start(), card("4242"));
    insert_memberships(&storage, std::slice::from_ref(&first), None).await;
    let same_id = changed(&first, |parts| {
        parts.number = MembershipNumber::from_sequence(2).unwrap()
    });
    let same_number = member(&world.gold, world.bruno.id(), 1, start(), card("4242"));
    let foreign_client = member(&world.gold, stranger.id(), 3, start(), card("4242"));
    let fine = member(&world.gold, world.bruno.id(), 4, start(), card("4242"));

    // Act
    let mut tx = storage.begin().await.unwrap();
    let id_taken = tx.insert_membership(&same_id, base_time(), None).await;
    let number_taken = tx.insert_membership(&same_number, base_time(), None).await;
    let not_found = tx
        .insert_membership(&foreign_client, base_time(), None)
        .await;
    tx.insert_membership(&fine, base_time(), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert: the failures left the transaction usable.
    assert!(matches!(
        id_taken,
        Err(StorageError::Duplicate("membership"))
    ));
    assert!(matches!(
        number_taken,
        Err(StorageError::Duplicate("membership_number"))
    ));
    assert!(matches!(not_found, Err(StorageError::NotFound)));
    assert_eq!(stored(&storage, &fine).await, Some(fine));
    assert_eq!(stored(&storage, &first).await, Some(first));
}

#[tokio::test]
async fn pl_11_a_stale_membership_version_is_a_conflict_and_changes_nothing() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = world(&storage).await;
    let original = member(&world.gold, world.ana.id(), 1, start(), card("4242"));
    insert_memberships(&storage, std::slice::from_ref(&original), None).await;
    let mut cancelled = original.clone();
    cancelled.cancel(start()).unwrap();
    let mut paused = original.clone();
    paused
        .pause(clientele_domain::membership::Pause::Periods(1), start())
        .unwrap();
    let absent = member(&world.gold, world.ana.id(), 2, start(), card("4242"));

    // Act
    let mut tx = storage.begin().await.unwrap();
    let locked = tx
        .membership_for_update(original.business_id(), original.id())
        .await
        .unwrap();
    tx.update_membership(&cancelled, original.version(), None)
        .await
        .unwrap();
    let stale = tx
        .update_membership(&paused, original.version(), Some(base_time()))
        .await;
    let missing = tx.update_membership(&absent, absent.version(), None).await;
    tx.commit().await.unwrap();

    // Assert
    assert_eq!(locked, Some(original.clone()));
    assert!(matches!(stale, Err(StorageError::VersionConflict)));
    assert!(matches!(missing, Err(StorageError::NotFound)));
    assert_eq!(stored(&storage, &original).await, Some(cancelled));
}

#[tokio::test]
async fn me_2_membership_numbers_are_sequential_per_business_and_unique_under_concurrency() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let (other, _) = business_with_site(&storage).await;

    // Act: 20 transactions at once each take a number and commit; one more rolls back.
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let storage = storage.clone();
            tokio::spawn(async move {
                let mut tx = storage.begin().await.unwrap();
                let number = tx.next_membership_number(business.id).await.unwrap();
                tokio::task::yield_now().await;
                tx.commit().await.unwrap();
                number.sequence()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap());
    }
    {
        let mut tx = storage.begin().await.unwrap();
        tx.next_membership_number(business.id).await.unwrap();
        drop(tx);
    }
    let mut tx = storage.begin().await.unwrap();
    let next = tx.next_membership_number(business.id).await.unwrap();
    let first_of_other = tx.next_membership_number(other.id).await.unwrap();
    tx.commit().await.unwrap();

    // Assert
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=20).collect::<Vec<u64>>());
    assert_eq!(next.sequence(), 21, "a rolled-back number is given again");
    assert_eq!(first_of_other.to_string(), "M-000001");
}

#[tokio::test]
async fn me_18_the_list_filters_counts_its_quick_views_and_pages_newest_first() {
    // Arrange: on 2026-12-01, eight memberships of two types in every state.
    let (storage, _db) = fresh_storage().await;
    let world = world(&storage).await;
    let debit = kind(
        world.business.id,
        &type_input("Debit", PaymentKind::DirectDebit),
    );
    let mut tx = storage.begin().await.unwrap();
    tx.insert_membership_type(&debit).await.unwrap();
    tx.commit().await.unwrap();
    let today = start();
    let horizon = today + Duration::days(7);
    let (ana, bruno) = (world.ana.id(), world.bruno.id());
    let base = |n: u64, client| member(&world.gold, client, n, today, card("4242"));
    let due_today = base(1, ana);
    let due_later = changed(&base(2, bruno), |p| p.next_billing_date = day(2026, 12, 20));
    let overdue = changed(&base(3, ana), |p| p.next_billing_date = day(2026, 11, 28));
    let paused = changed(&base(4, bruno), |p| p.paused_until = Some(day(2027, 1, 15)));
    let ending = changed(&base(5, ana), |p| {
        p.end_date = Some(day(2026, 12, 5));
        p.next_billing_date = day(2027, 1, 1);
    });
    let failed = changed(&base(6, bruno), |p| {
        p.status = Status::NeedsAttention(AttentionReason::PaymentFailed);
        p.end_date = Some(day(2026, 12, 8));
    });
    let cancelled = changed(&base(7, ana), |p| {
        p.status = Status::Cancelled;
        p.end_date = Some(day(2026, 12, 3));
    });
    let no_mandate = member(&debit, bruno, 8, today, PaymentMethod::DirectDebit(None));
    let all = [
        due_today.clone(),
        due_later.clone(),
        overdue.clone(),
        paused.clone(),
        ending.clone(),
        failed.clone(),
        cancelled.clone(),
        no_mandate.clone(),
    ];
    insert_memberships(&storage, &all, None).await;
    let (other, _) = business_with_site(&storage).await;

    // Act
    let mut tx = storage.read().await.unwrap();
    let counts = tx
        .membership_counts(world.business.id, today, horizon)
        .await
        .unwrap();
    let mut list = async |query: MembershipQuery| -> Vec<MembershipId> {
        let lines = tx
            .memberships(world.business.id, &query, None, 100)
            .await
            .unwrap();
        lines.iter().map(|l| l.membership.id()).collect()
    };
    let view = |v| MembershipQuery::quick_view(v, today, horizon);
    let needs_mandate = list(view(QuickView::NeedsMandate)).await;
    let payment_failed = list(view(QuickView::PaymentFailed)).await;
    let ending_soon = list(view(QuickView::EndingSoon)).await;
    let due_soon = list(view(QuickView::PaymentDueSoon)).await;
    let debit_type = list(MembershipQuery {
        type_id: Some(debit.id()),
        ..MembershipQuery::default()
    })
    .await;
    let of_bruno_attention = list(MembershipQuery {
        client: Some(bruno),
        status: Some(StatusFilter::NeedsAttention(None)),
        ..MembershipQuery::default()
    })
    .await;
    let created_window = list(MembershipQuery {
        created_from: Some(base_time() + Duration::minutes(2)),
        created_before: Some(base_time() + Duration::minutes(4)),
        ..MembershipQuery::default()
    })
    .await;
    let billing_window = list(MembershipQuery {
        next_billing: DateRange::between(day(2026, 12, 2), day(2027, 1, 1)),
        ..MembershipQuery::default()
    })
    .await;
    let ends_after = list(MembershipQuery {
        ends: DateRange {
            from: Some(day(2026, 12, 4)),
            to: None,
        },
        ..MembershipQuery::default()
    })
    .await;
    let lines = tx
        .memberships(world.business.id, &MembershipQuery::default(), None, 1)
        .await
        .unwrap();
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = tx
            .memberships(world.business.id, &MembershipQuery::default(), after, 3)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.membership.id());
        paged.extend(page.iter().map(|l| l.membership.id()));
    }
    let elsewhere = tx
        .memberships(other.id, &MembershipQuery::default(), None, 100)
        .await
        .unwrap();
    let elsewhere_counts = tx
        .membership_counts(other.id, today, horizon)
        .await
        .unwrap();

    // Assert
    let ids = |ms: &[&Membership]| {
        let mut ids: Vec<MembershipId> = ms.iter().map(|m| m.id()).collect();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids
    };
    assert_eq!(needs_mandate, ids(&[&no_mandate]));
    assert_eq!(payment_failed, ids(&[&failed]));
    assert_eq!(ending_soon, ids(&[&ending, &failed]));
    assert_eq!(due_soon, ids(&[&due_today, &overdue]));
    assert_eq!(counts.needs_mandate, 1);
    assert_eq!(counts.payment_failed, 1);
    assert_eq!(counts.ending_soon, 2);
    assert_eq!(counts.payment_due_soon, 2);
    assert_eq!(debit_type, ids(&[&no_mandate]));
    assert_eq!(of_bruno_attention, ids(&[&failed, &no_mandate]));
    assert_eq!(created_window, ids(&[&overdue, &paused]));
    assert_eq!(billing_window, ids(&[&due_later, &ending]));
    assert_eq!(ends_after, ids(&[&ending, &failed]));
    let newest = &lines[0];
    assert_eq!(newest.membership, no_mandate);
    assert_eq!(newest.created_at, base_time() + Duration::minutes(7));
    assert_eq!(
        (
            newest.client_first_name.as_str(),
            newest.client_last_name.as_str()
        ),
        ("Bruno", "Costa")
    );
    assert_eq!(newest.type_name.as_str(), "Debit");
    assert_eq!(paged, ids(&all.iter().collect::<Vec<_>>()));
    assert!(elsewhere.is_empty());
    assert_eq!(elsewhere_counts, Default::default());
}

#[tokio::test]
async fn me_16_credits_round_trip_update_by_version_and_list_by_client_newest_first() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = world(&storage).await;
    let membership = member(&world.gold, world.ana.id(), 1, start(), card("4242"));
    insert_memberships(&storage, std::slice::from_ref(&membership), None).await;
    let staff = StaffId::from_uuid(new_uuid());
    let issue = |client: ClientId, origin| {
        Credit::issue(
            CreditId::from_uuid(new_uuid()),
            world.business.id,
            client,
            origin,
            start(),
        )
    };
    let granted = CreditOrigin::Period {
        membership_id: membership.id(),
        period_start: start(),
    };
    let credits = [
        issue(world.ana.id(), granted),
        issue(world.ana.id(), granted),
        issue(world.ana.id(), CreditOrigin::Staff(staff)),
        issue(world.bruno.id(), CreditOrigin::Staff(staff)),
    ];
    let mut used = credits[0].clone();
    used.use_for(AppointmentId::from_uuid(new_uuid())).unwrap();
    let mut revoked = credits[0].clone();
    revoked.revoke().unwrap();

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.insert_credits(&credits).await.unwrap();
    tx.insert_credits(&[]).await.unwrap();
    let duplicate = tx.insert_credits(&credits[1..2]).await;
    tx.update_credit(&used, credits[0].version()).await.unwrap();
    let stale = tx.update_credit(&revoked, credits[0].version()).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(duplicate, Err(StorageError::Duplicate("credit"))));
    assert!(matches!(stale, Err(StorageError::VersionConflict)));
    let mut tx = storage.read().await.unwrap();
    let business = world.business.id;
    assert_eq!(
        tx.credit(business, used.id()).await.unwrap(),
        Some(used.clone())
    );
    let first = tx
        .credits_of_client(business, world.ana.id(), None, 2)
        .await
        .unwrap();
    let rest = tx
        .credits_of_client(business, world.ana.id(), Some(first[1].id()), 2)
        .await
        .unwrap();
    assert_eq!(used.version(), Version::initial().next());
    assert_eq!(
        [first, rest].concat(),
        vec![credits[2].clone(), credits[1].clone(), used]
    );
    let (other, _) = business_with_site(&storage).await;
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.credit(other.id, credits[0].id()).await.unwrap(), None);
}
