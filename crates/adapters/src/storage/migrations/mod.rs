//! The schema's history: versioned sea-orm-migration steps, written with the sea-query
//! schema builder so that each step runs unchanged on SQLite and PostgreSQL.
//!
//! A step is never edited once released; a change is a new step. Steps must not use the
//! entities (they change with the code, a migration must not) nor any domain type.

use sea_orm_migration::{MigrationTrait, MigratorTrait};

mod m20261122_000001_foundation;
mod m20261122_000002_appointments_and_outbox;
mod m20261122_000003_payments;
mod m20261122_000004_notes_and_documents;
mod m20261122_000005_labels;
mod m20261122_000006_audit_changes;
mod m20261122_000007_client_notes_field;
mod m20261122_000008_marketing;
mod m20261122_000009_client_search;
mod m20261122_000010_custom_fields;
mod m20261122_000011_covering_name_indexes;
mod m20261122_000012_sqlite_planner_statistics;
mod m20261122_000013_client_search_terms;

pub(crate) struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_appointments_and_outbox::Migration),
            Box::new(m20261122_000003_payments::Migration),
            Box::new(m20261122_000004_notes_and_documents::Migration),
            Box::new(m20261122_000005_labels::Migration),
            Box::new(m20261122_000006_audit_changes::Migration),
            Box::new(m20261122_000007_client_notes_field::Migration),
            Box::new(m20261122_000008_marketing::Migration),
            Box::new(m20261122_000009_client_search::Migration),
            Box::new(m20261122_000010_custom_fields::Migration),
            Box::new(m20261122_000011_covering_name_indexes::Migration),
            Box::new(m20261122_000012_sqlite_planner_statistics::Migration),
            Box::new(m20261122_000013_client_search_terms::Migration),
        ]
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use chrono::{TimeZone as _, Utc};
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::{Alias, Query};
    use sea_orm_migration::MigratorTrait;
    use uuid::Uuid;

    use clientele_domain::BusinessId;
    use clientele_domain::payment::{PaymentType, ProcessorKind};
    use clientele_ports::Storage;

    use super::Migrator;
    use crate::SeaStorage;
    use crate::testing::fresh_database;

    #[tokio::test]
    async fn pl_20_a_business_that_existed_before_payments_gets_the_default_processor_and_types() {
        // Arrange: a database at the second step, with a business in its shape then.
        let database = fresh_database().await;
        let storage = SeaStorage::connect(database.url()).await.unwrap();
        Migrator::up(&storage.db, Some(2)).await.unwrap();
        let id = Uuid::new_v4();
        let at = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
        let insert = Query::insert()
            .into_table(Alias::new("businesses"))
            .columns(
                [
                    "id",
                    "name",
                    "time_zone",
                    "currency",
                    "merge_on_identical_name",
                    "created_at",
                    "updated_at",
                    "version",
                ]
                .map(Alias::new),
            )
            .values_panic([
                id.into(),
                "Spa Lumière".into(),
                "Europe/Paris".into(),
                "EUR".into(),
                false.into(),
                at.into(),
                at.into(),
                1_i64.into(),
            ])
            .take();
        storage.db.execute(&insert).await.unwrap();

        // Act
        storage.migrate().await.unwrap();
        let mut tx = storage.read().await.unwrap();
        let business = tx
            .business(BusinessId::from_uuid(id))
            .await
            .unwrap()
            .unwrap();

        // Assert
        assert_eq!(business.settings.active_processor, ProcessorKind::StubCard);
        let types: Vec<PaymentType> = ["bank_transfer", "cash", "cheque"]
            .into_iter()
            .map(|t| PaymentType::parse(t).unwrap())
            .collect();
        assert_eq!(business.settings.payment_types, types);
    }
}
