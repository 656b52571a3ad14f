//! Codes and their ledgers: round trips, unique texts, the balance as the ledger's sum,
//! the append-only ledger, pages, audit, an appointment's code, tenancy (CO-3, CO-5,
//! CO-7, CO-9, CO-12, PL-16, PL-26).

use chrono::{Duration, NaiveDate};

use clientele_adapters::testing::{execute_sql, fresh_storage};
use clientele_domain::audit::FieldChange;
use clientele_domain::code::{CodeAudit, CodeEdit, Entry, Holder, Reason, Use};
use clientele_domain::product::{Coverage, ProductKind};
use clientele_domain::{AppointmentId, AuditId, OrderId, StaffId, Version};
use clientele_ports::{Storage, StorageError};

use crate::helpers::{
    after_entries, appointment_type, base_time, booking, business_with_site, client, eur,
    granted_code, insert_codes, insert_products, new_uuid, package, product,
};

fn staff() -> StaffId {
    StaffId::from_uuid(new_uuid())
}

fn entry(reason: Reason, delta: i64) -> Entry {
    Entry {
        at: base_time() + Duration::seconds(1),
        actor: Some(staff()),
        reason,
        delta,
    }
}

#[tokio::test]
async fn co_3_a_code_round_trips_with_its_first_entry_and_its_text_is_unique_in_its_business() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    let (other, _) = business_with_site(&storage).await;
    let ana = client(business.id, "Ana", "Silva", &[site.id]);
    let mut tx = storage.begin().await.unwrap();
    tx.insert_client(&ana).await.unwrap();
    let mut types = vec![
        appointment_type(business.id, "Massage", "60"),
        appointment_type(business.id, "Soin visage", "45"),
    ];
    for kind in &types {
        tx.insert_appointment_type(kind).await.unwrap();
    }
    tx.commit().await.unwrap();
    types.sort_by_key(|t| t.id);
    let (package, gift) = (
        package(business.id),
        product(
            business.id,
            "Bon 80",
            ProductKind::MoneyGift {
                value: eur("80.05"),
            },
            Coverage::Types(types.iter().map(|t| t.id).collect()),
        ),
    );
    let other_package = crate::helpers::package(other.id);
    insert_products(
        &storage,
        &[package.clone(), gift.clone(), other_package.clone()],
    )
    .await;
    let (counted, first) = granted_code(&package, Some(&ana), staff(), base_time());
    let (money, money_first) = granted_code(&gift, None, staff(), base_time());
    let (mut same_text, same_text_first) = granted_code(&package, None, staff(), base_time());
    let mut parts = same_text.into_parts();
    parts.text = counted.text().clone();
    same_text = clientele_domain::code::Code::restore(parts);
    let (mut same_id, same_id_first) = granted_code(&package, None, staff(), base_time());
    let mut parts = same_id.into_parts();
    parts.id = counted.id();
    same_id = clientele_domain::code::Code::restore(parts);
    let (mut elsewhere, elsewhere_first) = granted_code(&other_package, None, staff(), base_time());
    let mut parts = elsewhere.into_parts();
    parts.text = counted.text().clone();
    elsewhere = clientele_domain::code::Code::restore(parts);
    let wrong_first = Entry { delta: 9, ..first };
    let (unbalanced, _) = granted_code(&package, None, staff(), base_time());

    // Act
    insert_codes(
        &storage,
        &[(counted.clone(), first), (money.clone(), money_first)],
    )
    .await;
    let mut tx = storage.begin().await.unwrap();
    let text_taken = tx.insert_code(&same_text, &same_text_first).await;
    let id_taken = tx.insert_code(&same_id, &same_id_first).await;
    tx.insert_code(&elsewhere, &elsewhere_first).await.unwrap();
    let wrong = tx.insert_code(&unbalanced, &wrong_first).await;
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    let read = tx.code(business.id, counted.id()).await.unwrap();
    let by_text = tx.code_by_text(business.id, counted.text()).await.unwrap();
    let read_money = tx.code(business.id, money.id()).await.unwrap();
    let ledger = tx.ledger(business.id, money.id(), None, 10).await.unwrap();
    let elsewhere_read = tx.code_by_text(other.id, counted.text()).await.unwrap();
    let not_written = tx.code(business.id, unbalanced.id()).await.unwrap();
    drop(tx);
    let mut tx = storage.begin().await.unwrap();
    let locked = tx.code_for_use(business.id, counted.text()).await.unwrap();
    let locked_money = tx.code_for_use(business.id, money.text()).await.unwrap();
    let locked_elsewhere = tx.code_for_use(other.id, counted.text()).await.unwrap();
    drop(tx);

    // Assert
    assert_eq!(locked, by_text.clone().map(|code| (code, package.clone())));
    assert_eq!(
        locked_money,
        Some((money.clone(), gift.clone())),
        "with both types"
    );
    assert_eq!(
        locked_elsewhere,
        elsewhere_read
            .clone()
            .map(|code| (code, other_package.clone()))
    );
    assert_eq!(read, Some(counted.clone()));
    assert_eq!(by_text, Some(counted));
    assert_eq!(read_money, Some(money.clone()));
    assert_eq!(money.remaining(), 8005);
    assert_eq!(ledger.len(), 1);
    assert_eq!((ledger[0].seq, ledger[0].entry), (1, money_first));
    assert!(matches!(
        text_taken,
        Err(StorageError::Duplicate("code_text"))
    ));
    assert!(matches!(id_taken, Err(StorageError::Duplicate("code"))));
    assert_eq!(elsewhere_read, Some(elsewhere));
    assert!(matches!(wrong, Err(StorageError::Unexpected(_))));
    assert_eq!(not_written, None);
}

#[tokio::test]
async fn co_12_every_reason_round_trips_and_the_ledger_pages_in_the_order_it_was_written() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let package = package(business.id);
    insert_products(&storage, std::slice::from_ref(&package)).await;
    let (code, first) = granted_code(&package, None, staff(), base_time());
    insert_codes(&storage, &[(code.clone(), first)]).await;
    let appointment = AppointmentId::from_uuid(new_uuid());
    let entries = [
        entry(Reason::Purchase(OrderId::from_uuid(new_uuid())), 1),
        entry(Reason::Grant, 2),
        entry(Reason::Redemption(appointment), -1),
        Entry {
            actor: None,
            ..entry(Reason::GiveBack(appointment), 1)
        },
        entry(Reason::Refresh, 3),
        entry(Reason::StaffEdit, -4),
        entry(Reason::Expiry, -12),
    ];
    let once = after_entries(&code, &entries[..2], base_time());
    let twice = after_entries(&once, &entries[2..], base_time());

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.update_code(&once, code.version(), &entries[..2])
        .await
        .unwrap();
    tx.update_code(&twice, once.version(), &entries[2..])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut lines = Vec::new();
    let mut after = None;
    loop {
        let mut tx = storage.read().await.unwrap();
        let page = tx.ledger(business.id, code.id(), after, 3).await.unwrap();
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        after = Some(last.seq);
        lines.extend(page);
    }
    let mut tx = storage.read().await.unwrap();
    let of_appointment = tx
        .ledger_of_appointment(business.id, code.id(), appointment)
        .await
        .unwrap();

    // Assert
    let seqs: Vec<u32> = lines.iter().map(|l| l.seq).collect();
    let written: Vec<Entry> = lines.iter().map(|l| l.entry).collect();
    assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
    assert_eq!(written[0], first);
    assert_eq!(written[1..], entries);
    assert_eq!(of_appointment, entries[2..4]);
    assert_eq!(twice.remaining(), 0);
}

#[tokio::test]
async fn co_12_remaining_is_the_ledgers_sum() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let booking = booking(&storage).await;
    let package = package(booking.business.id);
    insert_products(&storage, std::slice::from_ref(&package)).await;
    let (code, first) = granted_code(&package, Some(&booking.client), staff(), base_time());
    insert_codes(&storage, &[(code.clone(), first)]).await;
    let (a, b) = (
        AppointmentId::from_uuid(new_uuid()),
        AppointmentId::from_uuid(new_uuid()),
    );
    let usage = |appointment| Use {
        appointment,
        kind: booking.service.id,
        price: booking.service.price,
        holder: Holder {
            client: booking.client.id(),
            email: None,
        },
        actor: None,
        today: base_time().date_naive(),
        now: base_time() + Duration::minutes(1),
    };

    // Act
    let mut current = code.clone();
    for step in 0..4 {
        let mut tx = storage.begin().await.unwrap();
        let mut next = tx
            .code_for_update(booking.business.id, code.id())
            .await
            .unwrap()
            .unwrap();
        let entries = match step {
            0 => vec![next.redeem(&package, usage(a)).unwrap().entry],
            1 => vec![next.redeem(&package, usage(b)).unwrap().entry],
            2 => {
                let taken = tx
                    .ledger_of_appointment(booking.business.id, code.id(), a)
                    .await
                    .unwrap();
                next.give_back(&taken, a, None, base_time())
                    .into_iter()
                    .collect()
            }
            _ => {
                let edit = CodeEdit {
                    remaining: Some(7),
                    ..CodeEdit::default()
                };
                next.edit(edit, staff(), base_time())
                    .unwrap()
                    .entry
                    .into_iter()
                    .collect()
            }
        };
        tx.update_code(&next, current.version(), &entries)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        current = next;
    }
    let mut tx = storage.read().await.unwrap();
    let stored = tx
        .code(booking.business.id, code.id())
        .await
        .unwrap()
        .unwrap();
    let ledger = tx
        .ledger(booking.business.id, code.id(), None, 100)
        .await
        .unwrap();

    // Assert
    let sum: i64 = ledger.iter().map(|line| line.entry.delta).sum();
    assert_eq!(ledger.len(), 5);
    assert_eq!(stored, current);
    assert_eq!((stored.remaining(), sum), (7, 7));
}

#[tokio::test]
async fn co_12_update_code_refuses_entries_that_disagree_with_the_balance_and_writes_nothing() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let package = package(business.id);
    insert_products(&storage, std::slice::from_ref(&package)).await;
    let (code, first) = granted_code(&package, None, staff(), base_time());
    insert_codes(&storage, &[(code.clone(), first)]).await;
    let spent = [entry(Reason::StaffEdit, -1)];
    let changed = after_entries(&code, &spent, base_time());
    let (never_stored, _) = granted_code(&package, None, staff(), base_time());

    // Act
    let mut tx = storage.begin().await.unwrap();
    let disagreeing = tx
        .update_code(&changed, code.version(), &[entry(Reason::StaffEdit, -2)])
        .await;
    let missing_entries = tx.update_code(&changed, code.version(), &[]).await;
    let stale = tx.update_code(&changed, Version::new(7), &spent).await;
    let absent = tx
        .update_code(&never_stored, never_stored.version(), &[])
        .await;
    let within = tx.code(business.id, code.id()).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    let stored = tx.code(business.id, code.id()).await.unwrap();
    let ledger = tx.ledger(business.id, code.id(), None, 10).await.unwrap();

    // Assert
    assert!(matches!(disagreeing, Err(StorageError::Unexpected(_))));
    assert!(matches!(missing_entries, Err(StorageError::Unexpected(_))));
    assert!(matches!(stale, Err(StorageError::VersionConflict)));
    assert!(matches!(absent, Err(StorageError::NotFound)));
    assert_eq!(within, Some(code.clone()));
    assert_eq!(stored, Some(code));
    assert_eq!(ledger.len(), 1);
}

#[tokio::test]
async fn co_12_ledger_rows_cannot_be_updated_or_deleted() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let package = package(business.id);
    insert_products(&storage, std::slice::from_ref(&package)).await;
    let (code, first) = granted_code(&package, None, staff(), base_time());
    insert_codes(&storage, &[(code.clone(), first)]).await;

    // Act
    let updated = execute_sql(&storage, "UPDATE code_ledger SET delta = 0").await;
    let deleted = execute_sql(&storage, "DELETE FROM code_ledger").await;
    let mut tx = storage.read().await.unwrap();
    let ledger = tx.ledger(business.id, code.id(), None, 10).await.unwrap();

    // Assert
    for refused in [updated, deleted] {
        let message = refused.expect_err("the ledger is append-only");
        assert!(message.contains("append-only"), "{message}");
    }
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].entry, first);
}

#[tokio::test]
async fn co_7_a_client_codes_page_newest_first_and_a_product_active_codes_by_id() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    let (ana, bea) = (
        client(business.id, "Ana", "Silva", &[site.id]),
        client(business.id, "Bea", "Silva", &[site.id]),
    );
    let mut tx = storage.begin().await.unwrap();
    tx.insert_client(&ana).await.unwrap();
    tx.insert_client(&bea).await.unwrap();
    tx.commit().await.unwrap();
    let (first, second) = (package(business.id), package(business.id));
    insert_products(&storage, &[first.clone(), second.clone()]).await;
    let mut codes: Vec<_> = [0, 1, 1, 2, 3]
        .into_iter()
        .map(|s| {
            granted_code(
                &first,
                Some(&ana),
                staff(),
                base_time() + Duration::seconds(s),
            )
        })
        .collect();
    codes.push(granted_code(&first, Some(&bea), staff(), base_time()));
    codes.push(granted_code(&second, Some(&ana), staff(), base_time()));
    insert_codes(&storage, &codes).await;
    let mut cancelled = codes[2].0.clone();
    cancelled.cancel(base_time()).unwrap();
    let mut tx = storage.begin().await.unwrap();
    tx.update_code(&cancelled, codes[2].0.version(), &[])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    codes[2].0 = cancelled;
    let mut of_ana: Vec<_> = codes
        .iter()
        .map(|(c, _)| c.clone())
        .filter(|c| c.client_id() == Some(ana.id()))
        .collect();
    of_ana.sort_by_key(|c| std::cmp::Reverse((c.created_at(), c.id())));
    let mut active_of_first: Vec<_> = codes[..6]
        .iter()
        .map(|(c, _)| c.clone())
        .filter(|c| c.id() != codes[2].0.id())
        .collect();
    active_of_first.sort_by_key(|c| c.id());

    // Act
    let (mut by_client, mut after) = (Vec::new(), None);
    loop {
        let mut tx = storage.read().await.unwrap();
        let page = tx
            .codes_of_client(business.id, ana.id(), after, 2)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.created_at(), last.id()));
        by_client.extend(page);
    }
    let (mut by_product, mut after) = (Vec::new(), None);
    loop {
        let mut tx = storage.read().await.unwrap();
        let page = tx
            .active_codes_of_product(business.id, first.id, after, 2)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id());
        by_product.extend(page);
    }

    // Assert
    assert_eq!(by_client, of_ana);
    assert_eq!(by_product, active_of_first);
}

#[tokio::test]
async fn pl_16_codes_past_their_last_day_of_every_business_page_by_business_and_id() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (one, _) = business_with_site(&storage).await;
    let (two, _) = business_with_site(&storage).await;
    let (p1, p2, mut forever) = (package(one.id), package(two.id), package(one.id));
    forever.details.validity = None;
    insert_products(&storage, &[p1.clone(), p2.clone(), forever.clone()]).await;
    let mut codes: Vec<_> = (0..3)
        .map(|_| granted_code(&p1, None, staff(), base_time()))
        .chain((0..2).map(|_| granted_code(&p2, None, staff(), base_time())))
        .collect();
    codes.push(granted_code(&forever, None, staff(), base_time()));
    insert_codes(&storage, &codes).await;
    let mut cancelled = codes[0].0.clone();
    cancelled.cancel(base_time()).unwrap();
    let mut tx = storage.begin().await.unwrap();
    tx.update_code(&cancelled, codes[0].0.version(), &[])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let last_day = codes[1].0.expires_on().unwrap();
    assert_eq!(last_day, NaiveDate::from_ymd_opt(2027, 11, 22).unwrap());
    let mut due: Vec<_> = codes[1..5].iter().map(|(c, _)| c.clone()).collect();
    due.sort_by_key(|c| (c.business_id(), c.id()));

    // Act
    let (mut listed, mut after) = (Vec::new(), None);
    loop {
        let mut tx = storage.read().await.unwrap();
        let page = tx
            .codes_past_their_last_day(last_day.succ_opt().unwrap(), None, after, 3)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.business_id(), last.id()));
        listed.extend(page);
    }
    let mut tx = storage.read().await.unwrap();
    let on_the_day = tx
        .codes_past_their_last_day(last_day, None, None, 10)
        .await
        .unwrap();

    // Assert
    assert_eq!(listed, due);
    assert!(on_the_day.is_empty());
}

#[tokio::test]
async fn co_5_a_code_audit_reads_oldest_first_and_refuses_a_taken_id() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let package = package(business.id);
    insert_products(&storage, std::slice::from_ref(&package)).await;
    let (code, first) = granted_code(&package, None, staff(), base_time());
    insert_codes(&storage, &[(code.clone(), first)]).await;
    let audit = |seconds: i64, field: &str, old: Option<&str>, new: Option<&str>| CodeAudit {
        id: AuditId::from_uuid(new_uuid()),
        business_id: business.id,
        code_id: code.id(),
        actor: staff(),
        at: base_time() + Duration::seconds(seconds),
        change: FieldChange {
            field: field.into(),
            old: old.map(Into::into),
            new: new.map(Into::into),
        },
    };
    let mut audits = vec![
        audit(2, "assigned_to", None, Some("ana@example.com")),
        audit(1, "remaining", Some("10"), Some("7")),
        audit(1, "expires_on", Some("2027-11-22"), None),
    ];

    // Act
    let mut tx = storage.begin().await.unwrap();
    for audit in &audits {
        tx.record_code_audit(audit).await.unwrap();
    }
    let taken = tx.record_code_audit(&audits[0]).await;
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    let read = tx.code_audit(business.id, code.id()).await.unwrap();

    // Assert
    audits.sort_by_key(|a| (a.at, a.id));
    assert!(matches!(taken, Err(StorageError::Duplicate("code_audit"))));
    assert_eq!(read, audits);
}

#[tokio::test]
async fn pl_26_a_business_never_sees_or_changes_another_business_codes() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (owner, site) = business_with_site(&storage).await;
    let (other, _) = business_with_site(&storage).await;
    let ana = client(owner.id, "Ana", "Silva", &[site.id]);
    let mut tx = storage.begin().await.unwrap();
    tx.insert_client(&ana).await.unwrap();
    tx.commit().await.unwrap();
    let package = package(owner.id);
    insert_products(&storage, std::slice::from_ref(&package)).await;
    let (code, first) = granted_code(&package, Some(&ana), staff(), base_time());
    insert_codes(&storage, &[(code.clone(), first)]).await;
    let appointment = AppointmentId::from_uuid(new_uuid());
    let mut forged = code.clone().into_parts();
    forged.business_id = other.id;
    let forged = clientele_domain::code::Code::restore(forged);
    let past = code.expires_on().unwrap().succ_opt().unwrap();

    // Act and Assert
    let mut tx = storage.begin().await.unwrap();
    assert_eq!(tx.code(other.id, code.id()).await.unwrap(), None);
    assert_eq!(tx.code_for_update(other.id, code.id()).await.unwrap(), None);
    assert_eq!(tx.code_by_text(other.id, code.text()).await.unwrap(), None);
    assert!(
        tx.ledger(other.id, code.id(), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let of_appointment = tx
        .ledger_of_appointment(other.id, code.id(), appointment)
        .await
        .unwrap();
    assert!(of_appointment.is_empty());
    let of_client = tx
        .codes_of_client(other.id, ana.id(), None, 10)
        .await
        .unwrap();
    assert!(of_client.is_empty());
    let of_product = tx
        .active_codes_of_product(other.id, package.id, None, 10)
        .await
        .unwrap();
    assert!(of_product.is_empty());
    assert!(tx.code_audit(other.id, code.id()).await.unwrap().is_empty());
    let changed = tx.update_code(&forged, code.version(), &[]).await;
    assert!(matches!(changed, Err(StorageError::NotFound)));
    let due = tx
        .codes_past_their_last_day(past, None, None, 10)
        .await
        .unwrap();
    assert_eq!(due, vec![code.clone()]);
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.code(owner.id, code.id()).await.unwrap(), Some(code));
}
