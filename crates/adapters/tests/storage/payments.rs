//! Business payment settings, payment methods, payments and refunds, invoices and
//! idempotency keys (AP-8, PL-10, PL-20, PL-26).

use chrono::{DateTime, Duration, Utc};

use clientele_adapters::SeaStorage;
use clientele_adapters::testing::fresh_storage;
use clientele_domain::appointment::Appointment;
use clientele_domain::payment::{
    Invoice, Payment, PaymentDirection, PaymentMeans, PaymentMethod, PaymentType, ProcessorKind,
};
use clientele_domain::{
    BusinessId, ClientId, Currency, InvoiceId, Money, PaymentId, PaymentMethodId, StaffId,
};
use clientele_ports::storage::{IdempotencyRecord, StoredResponse};
use clientele_ports::{Storage, StorageError};

use crate::helpers::{
    Booking, appointment, base_time, booking, business, business_with_site, client, eur,
    insert_appointments, insert_clients, new_uuid,
};

fn payment_type(name: &str) -> PaymentType {
    PaymentType::parse(name).unwrap()
}

fn card(business: BusinessId, client: ClientId, last4: &str, at: DateTime<Utc>) -> PaymentMethod {
    PaymentMethod {
        id: PaymentMethodId::from_uuid(new_uuid()),
        business_id: business,
        client_id: client,
        processor: ProcessorKind::StubCard,
        token: format!("tok_ok_{}", new_uuid().simple()),
        brand: "visa".into(),
        last4: last4.into(),
        created_at: at,
    }
}

/// A charge of `amount` on `appointment` by card, with the processor's `reference`.
fn card_charge(appointment: &Appointment, amount: &str, reference: &str) -> Payment {
    Payment {
        id: PaymentId::from_uuid(new_uuid()),
        business_id: appointment.business_id(),
        appointment_id: appointment.id(),
        client_id: appointment.client_id(),
        direction: PaymentDirection::Charge,
        amount: eur(amount),
        processor: ProcessorKind::StubCard,
        means: PaymentMeans::Card {
            brand: "visa".into(),
            last4: "4242".into(),
        },
        reference: reference.into(),
        refund_of: None,
        refunded: eur("0"),
        actor: StaffId::from_uuid(new_uuid()),
        created_at: base_time(),
    }
}

fn manual_charge(appointment: &Appointment, amount: &str, kind: &str, reference: &str) -> Payment {
    Payment {
        processor: ProcessorKind::Manual,
        means: PaymentMeans::Manual(payment_type(kind)),
        ..card_charge(appointment, amount, reference)
    }
}

/// A refund of `amount` of `charge`, by the charge's processor and means.
fn refund_of(charge: &Payment, amount: &str, reference: &str) -> Payment {
    Payment {
        id: PaymentId::from_uuid(new_uuid()),
        direction: PaymentDirection::Refund,
        amount: eur(amount),
        reference: reference.into(),
        refund_of: Some(charge.id),
        refunded: eur("0"),
        ..charge.clone()
    }
}

fn invoice(appointment: &Appointment, number: &str, amount: &str, at: DateTime<Utc>) -> Invoice {
    Invoice {
        id: InvoiceId::from_uuid(new_uuid()),
        business_id: appointment.business_id(),
        appointment_id: appointment.id(),
        client_id: appointment.client_id(),
        number: number.into(),
        amount: eur(amount),
        created_at: at,
    }
}

fn idempotency_record(business: BusinessId, key: &str) -> IdempotencyRecord {
    IdempotencyRecord {
        business_id: business,
        key: key.into(),
        operation: "refund:appointment".into(),
        fingerprint: "9f86d081884c7d65".into(),
        response: None,
        created_at: base_time(),
    }
}

/// A stored booking with one stored appointment of its client.
async fn booked_appointment(storage: &SeaStorage) -> (Booking, Appointment) {
    let world = booking(storage).await;
    let appointment = appointment(&world, world.client.id(), base_time() + Duration::days(1));
    insert_appointments(storage, std::slice::from_ref(&appointment)).await;
    (world, appointment)
}

async fn insert_payments(storage: &SeaStorage, payments: &[Payment]) {
    let mut tx = storage.begin().await.unwrap();
    for payment in payments {
        tx.insert_payment(payment).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn stored_payments(storage: &SeaStorage, appointment: &Appointment) -> Vec<Payment> {
    let mut tx = storage.read().await.unwrap();
    tx.payments_of_appointment(appointment.business_id(), appointment.id())
        .await
        .unwrap()
}

#[tokio::test]
async fn pl_20_business_settings_round_trip_with_the_active_processor_and_payment_types() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let original = business();
    let mut tx = storage.begin().await.unwrap();
    tx.insert_business(&original).await.unwrap();
    tx.commit().await.unwrap();
    let mut changed = original.clone();
    changed.apply(
        clientele_domain::business::SettingsChanges {
            active_processor: Some(ProcessorKind::Manual),
            payment_types: Some(vec![payment_type("voucher"), payment_type("cash")]),
            ..Default::default()
        },
        base_time() + Duration::minutes(1),
    );
    let mut emptied = changed.clone();
    emptied.apply(
        clientele_domain::business::SettingsChanges {
            payment_types: Some(Vec::new()),
            ..Default::default()
        },
        base_time() + Duration::minutes(2),
    );

    // Act
    let mut tx = storage.read().await.unwrap();
    let inserted = tx.business(original.id).await.unwrap();
    drop(tx);
    let mut tx = storage.begin().await.unwrap();
    tx.update_business(&changed, original.version)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    let updated = tx.business(original.id).await.unwrap();
    drop(tx);
    let mut tx = storage.begin().await.unwrap();
    tx.update_business(&emptied, changed.version).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    let without_types = tx.business(original.id).await.unwrap();

    // Assert: the defaults of a new business, then each change, read back equal.
    let defaults = inserted.unwrap();
    assert_eq!(defaults.settings.active_processor, ProcessorKind::StubCard);
    assert_eq!(
        defaults.settings.payment_types,
        ["cash", "cheque", "bank_transfer"]
            .map(payment_type)
            .to_vec()
    );
    assert_eq!(defaults, original);
    assert_eq!(updated, Some(changed));
    assert_eq!(without_types, Some(emptied));
}

#[tokio::test]
async fn a_payment_method_round_trips_and_a_clients_cards_list_oldest_first() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let other_client = client(world.business.id, "Léa", "Dubois", &[world.site.id]);
    insert_clients(&storage, std::slice::from_ref(&other_client)).await;
    let newer = card(
        world.business.id,
        world.client.id(),
        "4242",
        base_time() + Duration::days(1),
    );
    let older = card(world.business.id, world.client.id(), "0002", base_time());
    let not_theirs = card(world.business.id, other_client.id(), "9995", base_time());

    // Act
    let mut tx = storage.begin().await.unwrap();
    for method in [&newer, &older, &not_theirs] {
        tx.insert_payment_method(method).await.unwrap();
    }
    let duplicate = tx.insert_payment_method(&newer).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(
        duplicate,
        Err(StorageError::Duplicate("payment_method"))
    ));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(
        tx.payment_method(world.business.id, newer.id)
            .await
            .unwrap(),
        Some(newer.clone())
    );
    assert_eq!(
        tx.payment_methods_of_client(world.business.id, world.client.id())
            .await
            .unwrap(),
        vec![older, newer]
    );
    assert_eq!(
        tx.payment_method(world.business.id, PaymentMethodId::from_uuid(new_uuid()))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn card_and_manual_payments_and_a_refund_round_trip_equal_newest_first() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (_world, booked) = booked_appointment(&storage).await;
    let deposit = card_charge(&booked, "20.55", "ch_deposit");
    let mut remainder = manual_charge(&booked, "40", "cash", "man_remainder");
    remainder.created_at = base_time() + Duration::minutes(5);
    let mut refund = refund_of(&deposit, "0.01", "re_deposit");
    refund.created_at = base_time() + Duration::minutes(10);

    // Act
    insert_payments(
        &storage,
        &[deposit.clone(), remainder.clone(), refund.clone()],
    )
    .await;

    // Assert
    assert_eq!(
        stored_payments(&storage, &booked).await,
        vec![refund, remainder, deposit]
    );
}

#[tokio::test]
async fn payments_made_at_the_same_instant_list_by_id_descending() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (_world, booked) = booked_appointment(&storage).await;
    let first = card_charge(&booked, "10", "ch_a");
    let second = card_charge(&booked, "10", "ch_b");

    // Act
    insert_payments(&storage, &[second.clone(), first.clone()]).await;

    // Assert: UUIDv7 ids, so the later id is the newer payment.
    assert_eq!(
        stored_payments(&storage, &booked).await,
        vec![second, first]
    );
}

#[tokio::test]
async fn the_same_processor_direction_and_reference_twice_is_a_duplicate_payment() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (_world, booked) = booked_appointment(&storage).await;
    let charge = card_charge(&booked, "20", "ch_same");
    insert_payments(&storage, std::slice::from_ref(&charge)).await;
    let retried = card_charge(&booked, "20", "ch_same");
    let same_id = Payment {
        reference: "ch_other".into(),
        ..charge.clone()
    };
    // The same reference in another direction or from another processor is another record.
    let refund = refund_of(&charge, "5", "ch_same");
    let manual = manual_charge(&booked, "20", "cash", "ch_same");

    // Act
    let mut tx = storage.begin().await.unwrap();
    let twice = tx.insert_payment(&retried).await;
    let taken_id = tx.insert_payment(&same_id).await;
    // The refusals leave the transaction usable (on PostgreSQL too).
    tx.insert_payment(&refund).await.unwrap();
    tx.insert_payment(&manual).await.unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(twice, Err(StorageError::Duplicate("payment"))));
    assert!(matches!(taken_id, Err(StorageError::Duplicate("payment"))));
    let mut stored = stored_payments(&storage, &booked).await;
    stored.sort_by_key(|p| p.id);
    let mut expected = vec![charge, refund, manual];
    expected.sort_by_key(|p| p.id);
    assert_eq!(stored, expected);
}

#[tokio::test]
async fn ap_8_a_charge_records_its_refunds_and_the_database_refuses_more_than_its_amount() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (_world, booked) = booked_appointment(&storage).await;
    let charge = card_charge(&booked, "60.50", "ch_full");
    insert_payments(&storage, std::slice::from_ref(&charge)).await;
    let usd = Money::parse("amount", "1", Currency::parse("USD").unwrap()).unwrap();

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.set_payment_refunded(booked.business_id(), charge.id, eur("25.25"))
        .await
        .unwrap();
    let beyond = tx
        .set_payment_refunded(booked.business_id(), charge.id, eur("60.51"))
        .await;
    let other_currency = tx
        .set_payment_refunded(booked.business_id(), charge.id, usd)
        .await;
    let absent = tx
        .set_payment_refunded(
            booked.business_id(),
            PaymentId::from_uuid(new_uuid()),
            eur("1"),
        )
        .await;
    // The refusals leave the transaction usable (on PostgreSQL too).
    let within = tx
        .payments_of_appointment(booked.business_id(), booked.id())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(beyond, Err(StorageError::Unexpected(_))));
    assert!(matches!(other_currency, Err(StorageError::Unexpected(_))));
    assert!(matches!(absent, Err(StorageError::NotFound)));
    let refunded = Payment {
        refunded: eur("25.25"),
        ..charge
    };
    assert_eq!(within, vec![refunded.clone()]);
    assert_eq!(stored_payments(&storage, &booked).await, vec![refunded]);
}

#[tokio::test]
async fn ap_8_the_database_refuses_a_new_charge_refunded_beyond_its_amount() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (_world, booked) = booked_appointment(&storage).await;
    let over_refunded = Payment {
        refunded: eur("20.01"),
        ..card_charge(&booked, "20", "ch_over")
    };
    let zero = card_charge(&booked, "0", "ch_zero");

    // Act
    let mut tx = storage.begin().await.unwrap();
    let over = tx.insert_payment(&over_refunded).await;
    let nothing = tx.insert_payment(&zero).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(over, Err(StorageError::Unexpected(_))));
    assert!(matches!(nothing, Err(StorageError::Unexpected(_))));
    assert!(stored_payments(&storage, &booked).await.is_empty());
}

#[tokio::test]
async fn an_invoice_round_trips_oldest_first_and_a_number_is_taken_once_per_business() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (_world, booked) = booked_appointment(&storage).await;
    let (_other_world, other_booked) = booked_appointment(&storage).await;
    let later = invoice(
        &booked,
        "2026-0002",
        "40.00",
        base_time() + Duration::hours(1),
    );
    let first = invoice(&booked, "2026-0001", "60.50", base_time());
    let same_number = invoice(&booked, "2026-0001", "1", base_time());
    let same_id = Invoice {
        number: "2026-0003".into(),
        ..first.clone()
    };
    // Another business numbers its invoices on its own.
    let elsewhere = invoice(&other_booked, "2026-0001", "60.50", base_time());

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.insert_invoice(&later).await.unwrap();
    tx.insert_invoice(&first).await.unwrap();
    let number_taken = tx.insert_invoice(&same_number).await;
    let id_taken = tx.insert_invoice(&same_id).await;
    tx.insert_invoice(&elsewhere).await.unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(
        number_taken,
        Err(StorageError::Duplicate("invoice"))
    ));
    assert!(matches!(id_taken, Err(StorageError::Duplicate("invoice"))));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(
        tx.invoices_of_appointment(booked.business_id(), booked.id())
            .await
            .unwrap(),
        vec![first, later]
    );
    assert_eq!(
        tx.invoices_of_appointment(other_booked.business_id(), other_booked.id())
            .await
            .unwrap(),
        vec![elsewhere]
    );
}

#[tokio::test]
async fn pl_10_an_idempotency_key_is_stored_once_completed_and_forgotten() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _site) = business_with_site(&storage).await;
    let record = idempotency_record(business.id, "3f1c-refund-1");
    let response = StoredResponse {
        status: 201,
        body: r#"{"id":"p1","amount":"20.00"}"#.into(),
    };

    // Act and Assert
    let mut tx = storage.begin().await.unwrap();
    tx.insert_idempotency_record(&record).await.unwrap();
    let again = tx
        .insert_idempotency_record(&IdempotencyRecord {
            fingerprint: "another body".into(),
            ..record.clone()
        })
        .await;
    assert!(matches!(
        again,
        Err(StorageError::Duplicate("idempotency_key"))
    ));
    // The refusal leaves the transaction usable (on PostgreSQL too).
    assert_eq!(
        tx.idempotency_record(business.id, &record.key)
            .await
            .unwrap(),
        Some(record.clone())
    );
    tx.commit().await.unwrap();

    let mut tx = storage.begin().await.unwrap();
    tx.complete_idempotency_record(business.id, &record.key, &response)
        .await
        .unwrap();
    let absent = tx
        .complete_idempotency_record(business.id, "never-used", &response)
        .await;
    tx.commit().await.unwrap();
    assert!(matches!(absent, Err(StorageError::NotFound)));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(
        tx.idempotency_record(business.id, &record.key)
            .await
            .unwrap(),
        Some(IdempotencyRecord {
            response: Some(response),
            ..record.clone()
        })
    );
    drop(tx);

    let mut tx = storage.begin().await.unwrap();
    tx.delete_idempotency_record(business.id, &record.key)
        .await
        .unwrap();
    tx.delete_idempotency_record(business.id, &record.key)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    assert_eq!(
        tx.idempotency_record(business.id, &record.key)
            .await
            .unwrap(),
        None
    );
    drop(tx);
    // A forgotten key may be used again.
    let mut tx = storage.begin().await.unwrap();
    tx.insert_idempotency_record(&record).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn pl_26_cards_payments_invoices_and_idempotency_keys_of_another_business_are_invisible() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (world, booked) = booked_appointment(&storage).await;
    let (other, _) = business_with_site(&storage).await;
    let method = card(world.business.id, world.client.id(), "4242", base_time());
    let charge = card_charge(&booked, "20", "ch_1");
    let bill = invoice(&booked, "2026-0001", "60.50", base_time());
    let record = idempotency_record(world.business.id, "shared-key");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_payment_method(&method).await.unwrap();
    tx.insert_payment(&charge).await.unwrap();
    tx.insert_invoice(&bill).await.unwrap();
    tx.insert_idempotency_record(&record).await.unwrap();
    tx.commit().await.unwrap();
    let response = StoredResponse {
        status: 200,
        body: "{}".into(),
    };

    // Act and Assert
    let mut tx = storage.begin().await.unwrap();
    assert_eq!(tx.payment_method(other.id, method.id).await.unwrap(), None);
    assert!(
        tx.payment_methods_of_client(other.id, world.client.id())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        tx.payments_of_appointment(other.id, booked.id())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        tx.invoices_of_appointment(other.id, booked.id())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        tx.idempotency_record(other.id, &record.key).await.unwrap(),
        None
    );
    assert!(matches!(
        tx.set_payment_refunded(other.id, charge.id, eur("20"))
            .await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        tx.complete_idempotency_record(other.id, &record.key, &response)
            .await,
        Err(StorageError::NotFound)
    ));
    tx.delete_idempotency_record(other.id, &record.key)
        .await
        .unwrap();
    // The other business may use the same key for itself.
    tx.insert_idempotency_record(&idempotency_record(other.id, &record.key))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = storage.read().await.unwrap();
    assert_eq!(
        tx.payments_of_appointment(world.business.id, booked.id())
            .await
            .unwrap(),
        vec![charge]
    );
    assert_eq!(
        tx.idempotency_record(world.business.id, &record.key)
            .await
            .unwrap(),
        Some(record)
    );
}
