//! The billing worker's storage: claims under a lease (disjoint between concurrent
//! claimers), the batch write-back by version, charges inserted and settled in batches
//! with at most one success and one charge in flight per period, reconciliation and a
//! membership's charges (ME-7 to ME-9, ME-19, PL-11).

use chrono::{DateTime, Duration, NaiveDate, Utc};

use clientele_adapters::testing::{execute_sql, fresh_storage};
use clientele_adapters::{DatabaseBackend, SeaStorage};
use clientele_domain::membership::{Membership, Status};
use clientele_domain::payment::ProcessorKind;
use clientele_domain::{BusinessId, MembershipId};
use clientele_ports::storage::{
    Charge, ChargeId, ChargeOutcome, ChargeSettlement, ChargeStatus, ClaimScope, MembershipWrite,
};
use clientele_ports::{Storage, StorageError};

use crate::helpers::{base_time, business_with_site, new_uuid};
use crate::memberships::{
    World, card, changed, day, insert_memberships, member, start, stored, world,
};

/// `n` new active memberships of the world's type, alternately Ana's and Bruno's.
fn memberships(world: &World, n: u64) -> Vec<Membership> {
    (1..=n)
        .map(|i| {
            let client = if i % 2 == 0 {
                world.bruno.id()
            } else {
                world.ana.id()
            };
            member(&world.gold, client, i, start(), card("4242"))
        })
        .collect()
}

/// Stores `memberships[i]` due at `due[i]`.
async fn insert_due(
    storage: &SeaStorage,
    memberships: &[Membership],
    due: &[Option<DateTime<Utc>>],
) {
    let mut tx = storage.begin().await.unwrap();
    for (membership, due_at) in memberships.iter().zip(due) {
        tx.insert_membership(membership, base_time(), *due_at)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn claim(
    storage: &SeaStorage,
    now: DateTime<Utc>,
    worker: &str,
    limit: u32,
) -> Vec<MembershipId> {
    let mut tx = storage.begin().await.unwrap();
    let lease_until = now + Duration::minutes(5);
    let claimed = tx
        .claim_due_memberships(now, ClaimScope::All, worker, lease_until, limit)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    claimed.iter().map(Membership::id).collect()
}

fn pair(membership: &Membership) -> (BusinessId, MembershipId) {
    (membership.business_id(), membership.id())
}

#[tokio::test]
async fn me_7_a_claim_takes_due_open_unclaimed_memberships_earliest_first_under_a_lease() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = world(&storage).await;
    let now = base_time();
    let ms = memberships(&world, 6);
    let ms = [
        ms[0].clone(),
        ms[1].clone(),
        ms[2].clone(),
        changed(&ms[3], |p| p.status = Status::Cancelled),
        ms[4].clone(),
        changed(&ms[5], |p| {
            p.status = Status::NeedsAttention(
                clientele_domain::membership::AttentionReason::PaymentFailed,
            );
        }),
    ];
    let due = [
        Some(now - Duration::hours(2)),
        Some(now - Duration::hours(1)),
        Some(now + Duration::hours(1)),
        Some(now - Duration::hours(3)),
        None,
        Some(now - Duration::minutes(30)),
    ];
    insert_due(&storage, &ms, &due).await;
    let later = now + Duration::minutes(6);

    // Act
    let first = claim(&storage, now, "w1", 2).await;
    let second = claim(&storage, now, "w2", 10).await;
    let after_leases = claim(&storage, later, "w3", 10).await;
    let mut tx = storage.begin().await.unwrap();
    tx.release_memberships("w1", &[pair(&ms[0])]).await.unwrap();
    tx.release_memberships("w3", &[pair(&ms[0]), pair(&ms[1])])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let released = claim(&storage, later, "w4", 10).await;

    // Assert
    assert_eq!(first, vec![ms[0].id(), ms[1].id()]);
    assert_eq!(second, vec![ms[5].id()]);
    assert_eq!(after_leases, vec![ms[0].id(), ms[1].id(), ms[5].id()]);
    assert_eq!(released, vec![ms[0].id(), ms[1].id()]);
    assert_eq!(stored(&storage, &ms[0]).await, Some(ms[0].clone()));
}

#[tokio::test]
async fn me_9_two_concurrent_claimers_never_get_the_same_membership() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = world(&storage).await;
    let now = base_time();
    let ms = memberships(&world, 6);
    insert_due(&storage, &ms, &[Some(now - Duration::minutes(1)); 6]).await;
    let lease = now + Duration::minutes(5);

    // Act: on PostgreSQL the first claim is not committed when the second runs (its rows
    // stay locked); SQLite has one writer, so the second claim comes after the first.
    let (first, second) = if storage.backend() == DatabaseBackend::Postgres {
        let mut one = storage.begin().await.unwrap();
        let mut two = storage.begin().await.unwrap();
        let first = one
            .claim_due_memberships(now, ClaimScope::All, "w1", lease, 3)
            .await
            .unwrap();
        let second = two
            .claim_due_memberships(now, ClaimScope::All, "w2", lease, 10)
            .await
            .unwrap();
        two.commit().await.unwrap();
        one.commit().await.unwrap();
        (first, second)
    } else {
        let mut one = storage.begin().await.unwrap();
        let first = one
            .claim_due_memberships(now, ClaimScope::All, "w1", lease, 3)
            .await
            .unwrap();
        one.commit().await.unwrap();
        let mut two = storage.begin().await.unwrap();
        let second = two
            .claim_due_memberships(now, ClaimScope::All, "w2", lease, 10)
            .await
            .unwrap();
        two.commit().await.unwrap();
        (first, second)
    };
    let third = claim(&storage, now, "w3", 10).await;

    // Assert
    let mut all: Vec<MembershipId> = first.iter().chain(&second).map(Membership::id).collect();
    assert_eq!(first.len(), 3);
    assert_eq!(second.len(), 3);
    all.sort_unstable();
    let mut expected: Vec<MembershipId> = ms.iter().map(Membership::id).collect();
    expected.sort_unstable();
    assert_eq!(all, expected, "each membership claimed once");
    assert!(third.is_empty(), "every one is leased");
}

#[tokio::test]
async fn pl_11_the_batch_write_back_stores_current_versions_and_answers_the_others() {
    // Arrange: three claimed memberships; one changed by staff since the worker read it.
    let (storage, _db) = fresh_storage().await;
    let world = world(&storage).await;
    let now = base_time();
    let ms = memberships(&world, 3);
    insert_due(&storage, &ms, &[Some(now - Duration::minutes(1)); 3]).await;
    assert_eq!(claim(&storage, now, "w1", 10).await.len(), 3);
    let mut by_staff = ms[1].clone();
    by_staff.cancel(start()).unwrap();
    let mut tx = storage.begin().await.unwrap();
    tx.update_membership(&by_staff, ms[1].version(), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let billed: Vec<Membership> = ms
        .iter()
        .map(|m| {
            let mut m = m.clone();
            m.charge_succeeded(start(), start()).unwrap();
            m
        })
        .collect();
    let never_stored = member(&world.gold, world.ana.id(), 9, start(), card("4242"));
    let writes: Vec<MembershipWrite> = billed
        .iter()
        .chain(std::iter::once(&never_stored))
        .map(|m| MembershipWrite {
            membership: m.clone(),
            expected: ms[0].version(),
            due_at: Some(now - Duration::seconds(1)),
        })
        .collect();

    // Act
    let mut tx = storage.begin().await.unwrap();
    let refused = tx.update_memberships(&writes).await.unwrap();
    let none = tx.update_memberships(&[]).await.unwrap();
    tx.commit().await.unwrap();
    let reclaimed = claim(&storage, now, "w2", 10).await;

    // Assert: the written ones are released (claimable again at once), the stale one is
    // as staff left it.
    assert_eq!(refused, vec![ms[1].id(), never_stored.id()]);
    assert!(none.is_empty());
    assert_eq!(stored(&storage, &ms[0]).await, Some(billed[0].clone()));
    assert_eq!(stored(&storage, &ms[2]).await, Some(billed[2].clone()));
    assert_eq!(stored(&storage, &ms[1]).await, Some(by_staff));
    assert_eq!(billed[0].next_billing_date(), day(2027, 1, 1));
    assert_eq!(reclaimed, vec![ms[0].id(), ms[2].id()]);
}

/// A pending charge of `membership`'s period starting `period`: its key is the period's
/// `ChargeKey` with `suffix`, made `minutes` after [`base_time`].
fn charge(membership: &Membership, period: NaiveDate, suffix: &str, minutes: i64) -> Charge {
    Charge {
        id: ChargeId::from_uuid(new_uuid()),
        business_id: membership.business_id(),
        membership_id: membership.id(),
        period_start: period,
        idempotency_key: format!("{}{suffix}", membership.charge_key(period)),
        amount: membership.rate().amount(),
        processor: ProcessorKind::StubCard,
        payment_type: None,
        reference: None,
        message: None,
        attempt: 1,
        status: ChargeStatus::Pending,
        created_at: base_time() + Duration::minutes(minutes),
        settled_at: None,
    }
}

fn settle(charge: &Charge, outcome: ChargeOutcome, minutes: i64) -> ChargeSettlement {
    ChargeSettlement {
        business_id: charge.business_id,
        id: charge.id,
        outcome,
        at: base_time() + Duration::minutes(minutes),
    }
}

fn declined() -> ChargeOutcome {
    ChargeOutcome::Declined {
        message: "insufficient funds\0".into(),
    }
}

fn succeeded(reference: &str) -> ChargeOutcome {
    ChargeOutcome::Succeeded {
        reference: Some(reference.into()),
    }
}

#[tokio::test]
async fn me_9_a_period_has_at_most_one_charge_in_flight_and_one_success() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = world(&storage).await;
    let ms = memberships(&world, 2);
    insert_memberships(&storage, &ms, None).await;
    let (m, p) = (&ms[0], start());
    let first = charge(m, p, "", 0);
    let second_in_flight = charge(m, p, "-2", 1);
    let same_key = Charge {
        idempotency_key: first.idempotency_key.clone(),
        ..charge(m, day(2027, 1, 1), "", 1)
    };
    let retry = Charge {
        attempt: 2,
        ..charge(m, p, "-2", 2)
    };
    let after_success = Charge {
        attempt: 3,
        ..charge(m, p, "-3", 3)
    };
    let other = charge(&ms[1], p, "", 0);
    let twin = charge(&ms[1], day(2027, 1, 1), "", 0);
    let twin_of_twin = charge(&ms[1], day(2027, 1, 1), "-b", 0);

    // Act
    let mut tx = storage.begin().await.unwrap();
    let stored_first = tx
        .insert_charges(&[first.clone(), other.clone()])
        .await
        .unwrap();
    let skipped = tx
        .insert_charges(&[second_in_flight.clone(), same_key.clone()])
        .await
        .unwrap();
    let one_of_twins = tx
        .insert_charges(&[twin.clone(), twin_of_twin.clone()])
        .await
        .unwrap();
    let settled_decline = tx
        .settle_charges(&[settle(&first, declined(), 1)])
        .await
        .unwrap();
    let settled_again = tx
        .settle_charges(&[settle(&first, succeeded("ch_0"), 2)])
        .await
        .unwrap();
    let stored_retry = tx
        .insert_charges(std::slice::from_ref(&retry))
        .await
        .unwrap();
    let settled_retry = tx
        .settle_charges(&[
            settle(&retry, succeeded("ch_1"), 3),
            settle(
                &other,
                ChargeOutcome::Failed {
                    message: "other processor".into(),
                },
                3,
            ),
        ])
        .await
        .unwrap();
    let paid_period = tx
        .insert_charges(std::slice::from_ref(&after_success))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // The database itself refuses a second success, or a second charge in flight.
    let second_success = execute_sql(
        &storage,
        "UPDATE membership_charges SET status = 'succeeded' WHERE status = 'declined'",
    )
    .await;
    let second_pending = execute_sql(
        &storage,
        "UPDATE membership_charges SET status = 'pending', settled_at = NULL \
         WHERE status = 'failed'",
    )
    .await;

    // Assert
    assert_eq!(stored_first, vec![first.id, other.id]);
    assert!(
        skipped.is_empty(),
        "a charge in flight, a key taken: {skipped:?}"
    );
    assert_eq!(one_of_twins, vec![twin.id]);
    assert_eq!(settled_decline, vec![first.id]);
    assert!(settled_again.is_empty(), "only a pending charge is settled");
    assert_eq!(stored_retry, vec![retry.id]);
    assert_eq!(settled_retry, vec![retry.id, other.id]);
    assert!(paid_period.is_empty(), "a paid period is not charged again");
    assert!(second_success.is_err());
    assert_eq!(
        second_pending,
        Ok(1),
        "another period's charge may be pending"
    );
    let mut tx = storage.read().await.unwrap();
    let business = world.business.id;
    let first_now = tx.charge(business, first.id).await.unwrap().unwrap();
    assert_eq!(first_now.status, ChargeStatus::Declined);
    assert_eq!(
        first_now.message.as_deref(),
        Some("insufficient funds\u{FFFD}")
    );
    assert_eq!(
        first_now.settled_at,
        Some(base_time() + Duration::minutes(1))
    );
    let paid = tx.charge(business, retry.id).await.unwrap().unwrap();
    assert_eq!(
        paid,
        Charge {
            status: ChargeStatus::Succeeded,
            reference: Some("ch_1".into()),
            settled_at: Some(base_time() + Duration::minutes(3)),
            ..retry.clone()
        }
    );
    assert_eq!(tx.charge(business, after_success.id).await.unwrap(), None);
}

#[tokio::test]
async fn me_9_charges_of_another_businesss_membership_are_not_found_and_none_is_stored() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = world(&storage).await;
    let ms = memberships(&world, 1);
    insert_memberships(&storage, &ms, None).await;
    let (other, _) = business_with_site(&storage).await;
    let fine = charge(&ms[0], start(), "", 0);
    let foreign = Charge {
        business_id: other.id,
        ..charge(&ms[0], day(2027, 1, 1), "", 0)
    };

    // Act
    let mut tx = storage.begin().await.unwrap();
    let outcome = tx.insert_charges(&[fine.clone(), foreign]).await;
    let settled = tx
        .settle_charges(&[ChargeSettlement {
            business_id: other.id,
            ..settle(&fine, declined(), 1)
        }])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(outcome, Err(StorageError::NotFound)));
    assert!(settled.is_empty());
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.charge(world.business.id, fine.id).await.unwrap(), None);
}

#[tokio::test]
async fn me_19_a_memberships_charges_page_newest_first_and_pending_ones_are_found_for_reconciling()
{
    // Arrange: Ana's membership has five periods charged, one minute apart; the last
    // two are pending. Bruno's has one pending charge.
    let (storage, _db) = fresh_storage().await;
    let world = world(&storage).await;
    let ms = memberships(&world, 2);
    insert_memberships(&storage, &ms, None).await;
    let periods = [
        day(2026, 12, 1),
        day(2027, 1, 1),
        day(2027, 2, 1),
        day(2027, 3, 1),
        day(2027, 4, 1),
    ];
    let charges: Vec<Charge> = (0..)
        .zip(periods)
        .map(|(minute, period)| charge(&ms[0], period, "", minute))
        .collect();
    let bruno = charge(&ms[1], start(), "", 2);
    let mut tx = storage.begin().await.unwrap();
    let all: Vec<Charge> = charges.iter().cloned().chain([bruno.clone()]).collect();
    assert_eq!(tx.insert_charges(&all).await.unwrap().len(), 6);
    let paid: Vec<ChargeSettlement> = charges[..3]
        .iter()
        .map(|c| settle(c, succeeded("ch"), 10))
        .collect();
    assert_eq!(tx.settle_charges(&paid).await.unwrap().len(), 3);
    tx.commit().await.unwrap();
    let business = world.business.id;
    let (other, _) = business_with_site(&storage).await;

    // Act
    let mut tx = storage.read().await.unwrap();
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = tx
            .charges_of_membership(business, ms[0].id(), after, 2)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.created_at, last.id));
        pages.push(page.iter().map(|c| c.id).collect::<Vec<_>>());
    }
    let cutoff = base_time() + Duration::minutes(4);
    let pending = tx.pending_charges(None, cutoff, None, 10).await.unwrap();
    let first_pending = tx.pending_charges(None, cutoff, None, 1).await.unwrap();
    let after_first = tx
        .pending_charges(
            None,
            cutoff,
            Some((first_pending[0].created_at, first_pending[0].id)),
            10,
        )
        .await
        .unwrap();
    let of_business = tx
        .pending_charges(Some(business), base_time() + Duration::hours(1), None, 10)
        .await
        .unwrap();
    let of_other = tx
        .pending_charges(Some(other.id), base_time() + Duration::hours(1), None, 10)
        .await
        .unwrap();
    let foreign = tx
        .charges_of_membership(other.id, ms[0].id(), None, 10)
        .await
        .unwrap();

    // Assert
    let ids = |cs: &[&Charge]| cs.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        pages,
        vec![
            ids(&[&charges[4], &charges[3]]),
            ids(&[&charges[2], &charges[1]]),
            ids(&[&charges[0]]),
        ]
    );
    assert_eq!(
        ids(&pending.iter().collect::<Vec<_>>()),
        ids(&[&bruno, &charges[3]])
    );
    assert_eq!(
        ids(&after_first.iter().collect::<Vec<_>>()),
        ids(&[&charges[3]])
    );
    assert_eq!(
        ids(&of_business.iter().collect::<Vec<_>>()),
        ids(&[&bruno, &charges[3], &charges[4]])
    );
    assert!(of_other.is_empty());
    assert!(foreign.is_empty());
    assert_eq!(pending[0], bruno);
}
