//! A client's audit trail and the attendance changes of an appointment.

use chrono::{DateTime, Duration, Utc};

use clientele_adapters::testing::fresh_storage;
use clientele_domain::appointment::Attendance;
use clientele_domain::audit::{AttendanceChange, ClientAuditAction, ClientAuditEntry};
use clientele_domain::{AppointmentId, AuditId, BusinessId, ClientId, StaffId};
use clientele_ports::Storage;

use crate::helpers::{
    appointment, base_time, booking, client, insert_appointments, insert_clients, new_uuid,
};

#[tokio::test]
async fn a_clients_audit_trail_lists_newest_first_and_attendance_changes_oldest_first() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let other_client = client(world.business.id, "Bruno", "Martin", &[world.site.id]);
    insert_clients(&storage, std::slice::from_ref(&other_client)).await;
    let attended = appointment(&world, world.client.id(), base_time());
    let other_appointment = appointment(&world, other_client.id(), base_time());
    insert_appointments(&storage, &[attended.clone(), other_appointment.clone()]).await;
    let actor = StaffId::from_uuid(new_uuid());
    let t = base_time();
    let audit = |client: ClientId, at: DateTime<Utc>, action| {
        // CL-14: a profile change carries its field and values; a ban carries none.
        let updated = action == ClientAuditAction::Updated;
        ClientAuditEntry {
            id: AuditId::from_uuid(new_uuid()),
            business_id: world.business.id,
            client_id: client,
            actor,
            at,
            action,
            field: updated.then(|| "email".to_owned()),
            old_value: updated.then(|| "Ana@Example.com".to_owned()),
            new_value: None,
        }
    };
    let entries = vec![
        audit(world.client.id(), t, ClientAuditAction::Banned),
        audit(
            world.client.id(),
            t + Duration::seconds(2),
            ClientAuditAction::Banned,
        ),
        audit(
            world.client.id(),
            t + Duration::microseconds(1),
            ClientAuditAction::Unbanned,
        ),
        audit(
            world.client.id(),
            t + Duration::seconds(3),
            ClientAuditAction::Unbanned,
        ),
        audit(
            world.client.id(),
            t + Duration::seconds(3),
            ClientAuditAction::Updated,
        ),
    ];
    let not_theirs = audit(
        other_client.id(),
        t + Duration::days(1),
        ClientAuditAction::Banned,
    );
    let change = |appointment: AppointmentId, at: DateTime<Utc>, from, to| AttendanceChange {
        id: AuditId::from_uuid(new_uuid()),
        business_id: world.business.id,
        appointment_id: appointment,
        from,
        to,
        actor,
        at,
    };
    use Attendance::{Booked, CheckedIn, NoShow};
    let changes = vec![
        change(attended.id(), t + Duration::seconds(2), NoShow, CheckedIn),
        change(attended.id(), t, Booked, NoShow),
        change(attended.id(), t + Duration::seconds(2), CheckedIn, NoShow),
    ];
    let other_change = change(other_appointment.id(), t, Booked, CheckedIn);
    let mut tx = storage.begin().await.unwrap();
    for entry in entries.iter().chain([&not_theirs]) {
        tx.record_client_audit(entry).await.unwrap();
    }
    for change in changes.iter().chain([&other_change]) {
        tx.record_attendance_change(change).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut newest_first = entries.clone();
    newest_first.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
    let mut oldest_first = changes.clone();
    oldest_first.sort_by_key(|c| (c.at, c.id));

    // Act
    let mut tx = storage.read().await.unwrap();
    let trail = tx
        .client_audit(world.business.id, world.client.id(), 10)
        .await
        .unwrap();
    let latest_two = tx
        .client_audit(world.business.id, world.client.id(), 2)
        .await
        .unwrap();
    let attendance = tx
        .attendance_changes(world.business.id, attended.id())
        .await
        .unwrap();
    let elsewhere = tx
        .client_audit(BusinessId::from_uuid(new_uuid()), world.client.id(), 10)
        .await
        .unwrap();

    // Assert
    assert_eq!(trail, newest_first);
    assert_eq!(latest_two, newest_first[..2]);
    assert_eq!(attendance, oldest_first);
    assert!(elsewhere.is_empty());
}
