//! Appointment types and appointments: round trips in cents and microseconds, pages,
//! refunds and tenancy (AP-8, PL-26).

use chrono::Duration;
use clientele_domain::appointment::AppointmentParts;
use clientele_domain::{Client, ClientParts};

use clientele_adapters::testing::fresh_storage;
use clientele_domain::appointment::{
    Appointment, AppointmentTypeDetails, AppointmentTypeInput, Attendance,
};
use clientele_domain::{AppointmentId, Currency, StaffId, Version};
use clientele_ports::{Storage, StorageError};

use crate::helpers::{
    appointment, appointment_type, base_time, booking, business_with_site, client, eur,
    insert_appointments, insert_clients, new_uuid, site, stored_appointment,
};

#[tokio::test]
async fn an_appointment_type_round_trips_equal_with_cents_and_updates_with_its_version() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let massage = appointment_type(business.id, "Massage 90 min", "60.55");
    let facial = appointment_type(business.id, "Soin visage", "0.01");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_appointment_type(&massage).await.unwrap();
    tx.insert_appointment_type(&facial).await.unwrap();
    tx.commit().await.unwrap();
    let mut changed = massage.clone();
    changed.replace(
        AppointmentTypeDetails::parse(
            &AppointmentTypeInput {
                name: "Massage 60 min".into(),
                duration_minutes: 60,
                price: "999999999.99".into(),
                currency: Some("CHF".into()),
            },
            Currency::parse("EUR").unwrap(),
        )
        .unwrap(),
        base_time() + Duration::microseconds(1),
    );

    // Act
    let mut tx = storage.begin().await.unwrap();
    let stored = tx.appointment_type(business.id, massage.id).await.unwrap();
    let duplicate = tx.insert_appointment_type(&massage).await;
    tx.update_appointment_type(&changed, massage.version)
        .await
        .unwrap();
    let stale = tx.update_appointment_type(&changed, massage.version).await;
    let absent = tx
        .update_appointment_type(
            &appointment_type(business.id, "Never stored", "1"),
            Version::initial(),
        )
        .await;
    tx.commit().await.unwrap();

    // Assert
    assert_eq!(stored, Some(massage.clone()));
    assert!(matches!(
        duplicate,
        Err(StorageError::Duplicate("appointment_type"))
    ));
    assert!(matches!(stale, Err(StorageError::VersionConflict)));
    assert!(matches!(absent, Err(StorageError::NotFound)));
    let mut tx = storage.read().await.unwrap();
    let mut expected = vec![changed.clone(), facial];
    expected.sort_by_key(|t| t.id);
    assert_eq!(
        tx.appointment_types(business.id, None, 10).await.unwrap(),
        expected
    );
    assert_eq!(
        tx.appointment_types(business.id, Some(expected[0].id), 10)
            .await
            .unwrap(),
        vec![expected[1].clone()]
    );
    assert_eq!(
        tx.appointment_type(business.id, massage.id).await.unwrap(),
        Some(changed)
    );
}

#[tokio::test]
async fn an_appointment_round_trips_equal_with_cents_microseconds_staff_and_cancellation() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let t = base_time();
    let mut attended = appointment(
        &world,
        world.client.id(),
        t + Duration::days(1) + Duration::microseconds(7),
    );
    attended = Appointment::restore(AppointmentParts {
        staff_id: Some(StaffId::from_uuid(new_uuid())),
        ..attended.into_parts()
    });
    attended = Appointment::restore(AppointmentParts {
        paid: eur("60.49"),
        ..attended.into_parts()
    });
    attended = Appointment::restore(AppointmentParts {
        refunded: eur("0.01"),
        ..attended.into_parts()
    });
    attended
        .set_attendance(Attendance::CheckedIn, t + Duration::microseconds(999_999))
        .unwrap();
    let mut cancelled = appointment(&world, world.client.id(), t + Duration::days(2));
    cancelled
        .cancel(t + Duration::seconds(1) + Duration::microseconds(654_321))
        .unwrap();

    // Act
    insert_appointments(&storage, &[attended.clone(), cancelled.clone()]).await;
    let mut tx = storage.begin().await.unwrap();
    let read = tx
        .appointment(world.business.id, attended.id())
        .await
        .unwrap();
    let locked = tx
        .appointment_for_update(world.business.id, cancelled.id())
        .await
        .unwrap();
    let duplicate = tx.insert_appointment(&attended).await;
    let absent = tx
        .appointment_for_update(world.business.id, AppointmentId::from_uuid(new_uuid()))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert_eq!(read, Some(attended));
    assert_eq!(locked, Some(cancelled));
    assert!(matches!(
        duplicate,
        Err(StorageError::Duplicate("appointment"))
    ));
    assert_eq!(absent, None);
}

#[tokio::test]
async fn ap_8_the_database_refuses_a_refund_larger_than_what_was_paid() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let mut original = appointment(&world, world.client.id(), base_time() + Duration::days(1));
    original = Appointment::restore(AppointmentParts {
        paid: eur("20.00"),
        ..original.into_parts()
    });
    insert_appointments(&storage, std::slice::from_ref(&original)).await;
    let mut over_refunded = original.clone();
    over_refunded = Appointment::restore(AppointmentParts {
        refunded: eur("20.01"),
        ..over_refunded.into_parts()
    });
    over_refunded = Appointment::restore(AppointmentParts {
        version: original.version().next(),
        ..over_refunded.into_parts()
    });
    let mut new_over_refunded = appointment(&world, world.client.id(), base_time());
    new_over_refunded = Appointment::restore(AppointmentParts {
        refunded: eur("0.01"),
        ..new_over_refunded.into_parts()
    });

    // Act
    let mut tx = storage.begin().await.unwrap();
    let updated = tx
        .update_appointment(&over_refunded, original.version())
        .await;
    let inserted = tx.insert_appointment(&new_over_refunded).await;
    // The refusals leave the transaction usable (on PostgreSQL too).
    let within = tx
        .appointment(world.business.id, original.id())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(updated, Err(StorageError::Unexpected(_))));
    assert!(matches!(inserted, Err(StorageError::Unexpected(_))));
    assert_eq!(within, Some(original.clone()));
    assert_eq!(
        stored_appointment(&storage, &original).await,
        Some(original)
    );
    assert_eq!(stored_appointment(&storage, &new_over_refunded).await, None);
}

#[tokio::test]
async fn appointments_of_a_client_list_latest_first_in_keyset_pages() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let other_client = client(world.business.id, "Bruno", "Martin", &[world.site.id]);
    insert_clients(&storage, std::slice::from_ref(&other_client)).await;
    let t = base_time();
    let mine: Vec<Appointment> = [3, 1, 1, 2, 5, 1]
        .iter()
        .map(|days| appointment(&world, world.client.id(), t + Duration::days(*days)))
        .collect();
    let theirs = appointment(&world, other_client.id(), t + Duration::days(4));
    let mut all = mine.clone();
    all.push(theirs);
    insert_appointments(&storage, &all).await;
    let mut expected = mine.clone();
    expected.sort_by_key(|a| std::cmp::Reverse((a.slot().starts_at(), a.id())));

    // Act
    let mut tx = storage.read().await.unwrap();
    let whole = tx
        .appointments_of_client(world.business.id, world.client.id(), None, 100)
        .await
        .unwrap();
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = tx
            .appointments_of_client(world.business.id, world.client.id(), after, 2)
            .await
            .unwrap();
        assert!(page.len() <= 2, "a page holds at most its limit");
        let Some(last) = page.last() else { break };
        after = Some((last.slot().starts_at(), last.id()));
        paged.extend(page);
    }

    // Assert
    assert_eq!(whole, expected);
    assert_eq!(paged, expected);
}

#[tokio::test]
async fn pl_26_appointments_and_services_of_another_business_are_invisible_and_untouchable() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let original = appointment(&world, world.client.id(), base_time() + Duration::days(1));
    insert_appointments(&storage, std::slice::from_ref(&original)).await;
    let (other, _) = business_with_site(&storage).await;
    let mut forged = original.clone();
    forged = Appointment::restore(AppointmentParts {
        business_id: other.id,
        ..forged.into_parts()
    });
    forged = Appointment::restore(AppointmentParts {
        version: original.version().next(),
        ..forged.into_parts()
    });
    let mut forged_service = world.service.clone();
    forged_service.business_id = other.id;

    // Act and Assert
    let mut tx = storage.begin().await.unwrap();
    assert_eq!(tx.appointment(other.id, original.id()).await.unwrap(), None);
    assert_eq!(
        tx.appointment_for_update(other.id, original.id())
            .await
            .unwrap(),
        None
    );
    assert!(
        tx.appointments_of_client(other.id, world.client.id(), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        tx.appointment_type(other.id, world.service.id)
            .await
            .unwrap(),
        None
    );
    assert!(
        tx.appointment_types(other.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        tx.update_appointment(&forged, original.version()).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        tx.update_appointment_type(&forged_service, world.service.version)
            .await,
        Err(StorageError::NotFound)
    ));
    tx.commit().await.unwrap();
    assert_eq!(
        stored_appointment(&storage, &original).await,
        Some(original)
    );
}

#[tokio::test]
async fn a_site_with_appointments_cannot_be_deleted() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let elsewhere = site(world.business.id, "Lyon");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_site(&elsewhere).await.unwrap();
    tx.commit().await.unwrap();
    // The client belongs to Lyon, the appointment takes place in Paris.
    let mut moved = world.client.clone();
    moved = Client::restore(ClientParts {
        sites: vec![elsewhere.id],
        ..moved.into_parts()
    });
    moved = Client::restore(ClientParts {
        version: world.client.version().next(),
        ..moved.into_parts()
    });
    let mut tx = storage.begin().await.unwrap();
    tx.update_client(&moved, world.client.version())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    insert_appointments(
        &storage,
        &[appointment(&world, world.client.id(), base_time())],
    )
    .await;

    // Act
    let mut tx = storage.begin().await.unwrap();
    let outcome = tx.delete_site(world.business.id, world.site.id).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(outcome, Err(StorageError::InUse("appointments"))));
    let mut tx = storage.read().await.unwrap();
    assert!(
        tx.site(world.business.id, world.site.id)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn co_9_an_appointment_keeps_the_code_that_pays_for_it_and_what_the_code_covers() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let booking = booking(&storage).await;
    let code = clientele_domain::CodeId::from_uuid(new_uuid());
    let paid_by_code =
        appointment(&booking, booking.client.id(), base_time()).with_code(code, eur("40.25"));
    let plain = appointment(&booking, booking.client.id(), base_time());
    insert_appointments(&storage, &[paid_by_code.clone(), plain.clone()]).await;
    let mut cancelled = paid_by_code.clone();
    cancelled.cancel(base_time()).unwrap();

    // Act
    let read = stored_appointment(&storage, &paid_by_code).await;
    let read_plain = stored_appointment(&storage, &plain).await;
    let mut tx = storage.begin().await.unwrap();
    tx.update_appointment(&cancelled, paid_by_code.version())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let after_cancel = stored_appointment(&storage, &paid_by_code).await.unwrap();

    // Assert
    assert_eq!(read, Some(paid_by_code));
    assert_eq!(
        read_plain.map(|a| (a.code_id(), a.covered())),
        Some((None, eur("0")))
    );
    assert_eq!(after_cancel, cancelled);
    assert_eq!(
        (after_cancel.code_id(), after_cancel.covered()),
        (Some(code), eur("0"))
    );
}
