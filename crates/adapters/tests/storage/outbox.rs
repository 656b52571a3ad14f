//! The email outbox: enqueue, claim with a lease, retry, send and fail (PL-18).

use chrono::{DateTime, Duration, Utc};

use clientele_adapters::testing::fresh_storage;
use clientele_adapters::{DatabaseBackend, SeaStorage};
use clientele_domain::email::{EmailContent, EmailKind, OutgoingEmail};
use clientele_domain::{BusinessId, EmailAddress, EmailId, SiteScope};
use clientele_ports::storage::{ClaimToken, EmailState, OutboxEmail};
use clientele_ports::{Storage, StorageError};

use crate::helpers::{base_time, business_with_site, new_uuid};

fn outgoing(business: BusinessId, to: &str, created_at: DateTime<Utc>) -> OutgoingEmail {
    OutgoingEmail {
        id: EmailId::from_uuid(new_uuid()),
        business_id: business,
        site_id: None,
        kind: EmailKind::BookingConfirmation,
        to: EmailAddress::parse("to", to).unwrap(),
        content: EmailContent {
            subject: "Your appointment at Spa Lumière is confirmed".into(),
            text: "Hello Ana,\n\nYour appointment is confirmed.\n".into(),
            html: "<p>Hello Ana,</p>\n<p>Spa &lt;Lumière&gt;</p>".into(),
        },
        created_at,
    }
}

async fn enqueue(storage: &SeaStorage, emails: &[OutgoingEmail]) {
    let mut tx = storage.begin().await.unwrap();
    for email in emails {
        tx.enqueue_email(email).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn fresh_claim() -> ClaimToken {
    ClaimToken::from_uuid(new_uuid())
}

/// Claims under a fresh claim token.
async fn claim(
    storage: &SeaStorage,
    business: BusinessId,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> Vec<OutboxEmail> {
    claim_as(storage, business, fresh_claim(), now, lease_until, limit).await
}

async fn claim_as(
    storage: &SeaStorage,
    business: BusinessId,
    token: ClaimToken,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> Vec<OutboxEmail> {
    let mut tx = storage.begin().await.unwrap();
    let claimed = tx
        .claim_due_emails(business, token, now, lease_until, limit)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    claimed
}

async fn confirm(
    storage: &SeaStorage,
    business: BusinessId,
    id: EmailId,
    token: ClaimToken,
    now: DateTime<Utc>,
) -> bool {
    let mut tx = storage.begin().await.unwrap();
    let confirmed = tx
        .confirm_email_claim(business, id, token, now + Duration::minutes(5))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    confirmed
}

fn pending(email: &OutgoingEmail, attempts: u32, next_attempt_at: DateTime<Utc>) -> OutboxEmail {
    OutboxEmail {
        email: email.clone(),
        state: EmailState::Pending {
            attempts,
            next_attempt_at,
        },
    }
}

#[tokio::test]
async fn pl_18_an_enqueued_email_is_listed_pending_newest_first() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let t = base_time();
    let mut emails: Vec<OutgoingEmail> = (0..3)
        .map(|i| {
            outgoing(
                business.id,
                "Ana@Example.com",
                t + Duration::microseconds(i),
            )
        })
        .collect();
    emails[1].kind = EmailKind::Refund;

    // Act
    enqueue(&storage, &emails).await;
    let mut tx = storage.read().await.unwrap();
    let listed = tx
        .emails(business.id, &SiteScope::All, None, 10)
        .await
        .unwrap();
    let after_newest = tx
        .emails(business.id, &SiteScope::All, Some(listed[0].email.id), 1)
        .await
        .unwrap();
    let elsewhere = tx
        .emails(BusinessId::from_uuid(new_uuid()), &SiteScope::All, None, 10)
        .await
        .unwrap();

    // Assert
    let mut newest_first: Vec<OutboxEmail> =
        emails.iter().map(|e| pending(e, 0, e.created_at)).collect();
    newest_first.sort_by_key(|e| std::cmp::Reverse(e.email.id));
    assert_eq!(listed, newest_first);
    assert_eq!(after_newest, newest_first[1..2]);
    assert!(elsewhere.is_empty());
}

#[tokio::test]
async fn pl_18_a_claimed_email_is_leased_until_its_claim_runs_out() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let now = base_time();
    let lease_until = now + Duration::minutes(5);
    let due_first = outgoing(business.id, "a@example.com", now - Duration::minutes(2));
    let due_second = outgoing(business.id, "b@example.com", now - Duration::minutes(1));
    let not_due = outgoing(business.id, "c@example.com", now + Duration::hours(1));
    // Enqueued out of order: the claim goes by due time, not by insertion.
    enqueue(&storage, &[not_due, due_second.clone(), due_first.clone()]).await;

    // Act
    let first = claim(&storage, business.id, now, lease_until, 1).await;
    let second = claim(&storage, business.id, now, lease_until, 10).await;
    let while_leased = claim(
        &storage,
        business.id,
        now + Duration::minutes(4),
        lease_until,
        10,
    )
    .await;
    let after_lease = claim(
        &storage,
        business.id,
        lease_until,
        lease_until + Duration::minutes(5),
        10,
    )
    .await;

    // Assert
    assert_eq!(first, vec![pending(&due_first, 1, due_first.created_at)]);
    assert_eq!(second, vec![pending(&due_second, 1, due_second.created_at)]);
    assert!(while_leased.is_empty());
    assert_eq!(
        after_lease,
        vec![
            pending(&due_first, 2, due_first.created_at),
            pending(&due_second, 2, due_second.created_at),
        ]
    );
}

#[tokio::test]
async fn pl_18_a_sent_or_failed_email_is_never_claimed_again() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let now = base_time();
    let sent = outgoing(business.id, "a@example.com", now - Duration::minutes(1));
    let failed = outgoing(business.id, "b@example.com", now - Duration::minutes(1));
    enqueue(&storage, &[sent.clone(), failed.clone()]).await;
    let token = fresh_claim();
    claim_as(
        &storage,
        business.id,
        token,
        now,
        now + Duration::minutes(5),
        10,
    )
    .await;
    let sent_at = now + Duration::seconds(1) + Duration::microseconds(1);
    let absent = EmailId::from_uuid(new_uuid());

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.mark_email_sent(business.id, sent.id, sent_at)
        .await
        .unwrap();
    // A NUL from an SMTP server is stored (replaced) rather than failing on PostgreSQL.
    tx.mark_email_failed(business.id, failed.id, token, "550 mailbox\0 unavailable")
        .await
        .unwrap();
    let sent_absent = tx.mark_email_sent(business.id, absent, sent_at).await;
    let retry_absent = tx
        .mark_email_retry(business.id, absent, token, now, "421 later")
        .await;
    let failed_absent = tx
        .mark_email_failed(business.id, absent, token, "550")
        .await;
    let sent_elsewhere = tx
        .mark_email_sent(BusinessId::from_uuid(new_uuid()), sent.id, sent_at)
        .await;
    tx.commit().await.unwrap();
    let later = claim(
        &storage,
        business.id,
        now + Duration::days(1),
        now + Duration::days(2),
        10,
    )
    .await;

    // Assert
    assert!(matches!(sent_absent, Err(StorageError::NotFound)));
    assert!(matches!(retry_absent, Err(StorageError::NotFound)));
    assert!(matches!(failed_absent, Err(StorageError::NotFound)));
    assert!(matches!(sent_elsewhere, Err(StorageError::NotFound)));
    assert!(later.is_empty());
    let mut tx = storage.read().await.unwrap();
    let mut listed = tx
        .emails(business.id, &SiteScope::All, None, 10)
        .await
        .unwrap();
    listed.sort_by_key(|e| e.email.id);
    let mut expected = vec![
        OutboxEmail {
            email: sent,
            state: EmailState::Sent { at: sent_at },
        },
        OutboxEmail {
            email: failed,
            state: EmailState::Failed {
                attempts: 1,
                last_error: "550 mailbox\u{FFFD} unavailable".into(),
            },
        },
    ];
    expected.sort_by_key(|e| e.email.id);
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn pl_18_a_retried_email_is_due_again_at_its_next_attempt_only() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let now = base_time();
    let email = outgoing(business.id, "a@example.com", now - Duration::minutes(1));
    enqueue(&storage, std::slice::from_ref(&email)).await;
    let token = fresh_claim();
    claim_as(
        &storage,
        business.id,
        token,
        now,
        now + Duration::minutes(5),
        10,
    )
    .await;
    let next_attempt_at = now + Duration::minutes(10);

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.mark_email_retry(
        business.id,
        email.id,
        token,
        next_attempt_at,
        "421 try again later",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    let listed = tx
        .emails(business.id, &SiteScope::All, None, 10)
        .await
        .unwrap();
    drop(tx);
    let too_early = claim(
        &storage,
        business.id,
        next_attempt_at - Duration::microseconds(1),
        next_attempt_at + Duration::minutes(5),
        10,
    )
    .await;
    let when_due = claim(
        &storage,
        business.id,
        next_attempt_at,
        next_attempt_at + Duration::minutes(5),
        10,
    )
    .await;

    // Assert: the claim was released, yet the email waits for its next attempt.
    assert_eq!(listed, vec![pending(&email, 1, next_attempt_at)]);
    assert!(too_early.is_empty());
    assert_eq!(when_due, vec![pending(&email, 2, next_attempt_at)]);
}

#[tokio::test]
async fn pl_18_two_transactions_claiming_at_once_get_disjoint_emails() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    if storage.backend() == DatabaseBackend::Sqlite {
        // SQLite's write transactions do not overlap at all: a second BEGIN IMMEDIATE
        // waits for the first to end, so there is no "at once" to test.
        return;
    }
    let (business, _) = business_with_site(&storage).await;
    let now = base_time();
    let emails: Vec<OutgoingEmail> = (0..4)
        .map(|i| {
            outgoing(
                business.id,
                "a@example.com",
                now - Duration::seconds(10 - i),
            )
        })
        .collect();
    enqueue(&storage, &emails).await;
    let lease_until = now + Duration::minutes(5);

    // Act
    let mut first = storage.begin().await.unwrap();
    let mut second = storage.begin().await.unwrap();
    let claimed_first = first
        .claim_due_emails(business.id, fresh_claim(), now, lease_until, 2)
        .await
        .unwrap();
    // Without SKIP LOCKED this would wait for the first transaction forever.
    let claimed_second = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        second.claim_due_emails(business.id, fresh_claim(), now, lease_until, 10),
    )
    .await
    .expect("the second claim must skip the rows the first one holds")
    .unwrap();
    first.commit().await.unwrap();
    second.commit().await.unwrap();

    // Assert
    let ids =
        |claimed: &[OutboxEmail]| -> Vec<EmailId> { claimed.iter().map(|e| e.email.id).collect() };
    assert_eq!(ids(&claimed_first), vec![emails[0].id, emails[1].id]);
    assert_eq!(ids(&claimed_second), vec![emails[2].id, emails[3].id]);
    let third = claim(&storage, business.id, now, lease_until, 10).await;
    assert!(third.is_empty());
}

#[tokio::test]
async fn pl_18_a_late_retry_or_failure_never_undoes_a_send() {
    // Arrange: a worker whose lease ran out reports after another worker sent the email.
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let now = base_time();
    let email = outgoing(business.id, "a@example.com", now - Duration::minutes(1));
    enqueue(&storage, std::slice::from_ref(&email)).await;
    let token = fresh_claim();
    claim_as(
        &storage,
        business.id,
        token,
        now,
        now + Duration::minutes(5),
        10,
    )
    .await;
    let sent_at = now + Duration::seconds(1);
    let mut tx = storage.begin().await.unwrap();
    tx.mark_email_sent(business.id, email.id, sent_at)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Act
    let mut tx = storage.begin().await.unwrap();
    let retry = tx
        .mark_email_retry(business.id, email.id, token, now, "421 later")
        .await;
    let failed = tx
        .mark_email_failed(business.id, email.id, token, "550")
        .await;
    tx.commit().await.unwrap();

    // Assert
    assert!(retry.is_ok() && failed.is_ok());
    let mut tx = storage.read().await.unwrap();
    let listed = tx
        .emails(business.id, &SiteScope::All, None, 10)
        .await
        .unwrap();
    assert_eq!(listed[0].state, EmailState::Sent { at: sent_at });
}

#[tokio::test]
async fn pl_16_a_claim_is_confirmed_by_its_claimant_until_another_worker_claims_again() {
    // Arrange: worker A claims; its lease runs out; worker B claims the email again.
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let now = base_time();
    let email = outgoing(business.id, "a@example.com", now - Duration::minutes(1));
    enqueue(&storage, std::slice::from_ref(&email)).await;
    let (a, b) = (fresh_claim(), fresh_claim());
    let minutes = Duration::minutes;
    claim_as(&storage, business.id, a, now, now + minutes(5), 10).await;

    // Act
    // Each confirmation extends the lease by 5 minutes from its time.
    let a_in_time = confirm(&storage, business.id, email.id, a, now + minutes(1)).await;
    let b_without_claim = confirm(&storage, business.id, email.id, b, now).await;
    let b_too_early = claim_as(
        &storage,
        business.id,
        b,
        now + minutes(5),
        now + minutes(10),
        10,
    )
    .await;
    // A's lease ran out at 6 minutes, but nobody claimed the email since: still A's.
    let a_late = confirm(&storage, business.id, email.id, a, now + minutes(7)).await;
    let at = now + minutes(13);
    let b_claimed = claim_as(&storage, business.id, b, at, at + minutes(5), 10).await;
    let a_after_b = confirm(&storage, business.id, email.id, a, at).await;
    let mut tx = storage.begin().await.unwrap();
    tx.mark_email_retry(business.id, email.id, a, at + minutes(60), "421")
        .await
        .unwrap();
    tx.mark_email_failed(business.id, email.id, a, "550")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let b_confirms = confirm(&storage, business.id, email.id, b, at).await;

    // Assert
    assert!(a_in_time);
    assert!(!b_without_claim);
    assert!(b_too_early.is_empty());
    assert!(a_late);
    assert_eq!(b_claimed, vec![pending(&email, 2, email.created_at)]);
    assert!(!a_after_b);
    assert!(b_confirms, "A's late reports left B's claim alone");
    let mut tx = storage.read().await.unwrap();
    let listed = tx
        .emails(business.id, &SiteScope::All, None, 10)
        .await
        .unwrap();
    assert_eq!(listed, vec![pending(&email, 2, email.created_at)]);
}

#[tokio::test]
async fn pl_16_a_recorded_email_is_no_longer_confirmed() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let now = base_time();
    let email = outgoing(business.id, "a@example.com", now - Duration::minutes(1));
    enqueue(&storage, std::slice::from_ref(&email)).await;
    let token = fresh_claim();
    claim_as(
        &storage,
        business.id,
        token,
        now,
        now + Duration::minutes(5),
        10,
    )
    .await;
    let mut tx = storage.begin().await.unwrap();
    tx.mark_email_sent(business.id, email.id, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Act
    let confirmed = confirm(&storage, business.id, email.id, token, now).await;
    let elsewhere = confirm(
        &storage,
        BusinessId::from_uuid(new_uuid()),
        email.id,
        token,
        now,
    )
    .await;

    // Assert
    assert!(!confirmed);
    assert!(!elsewhere);
}
