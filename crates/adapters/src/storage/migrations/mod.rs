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

/// Runs `statements` in order: for steps written as SQL per backend. (Steps released
/// before it keep their own copies: a released step is never edited.)
async fn run_all(
    manager: &sea_orm_migration::SchemaManager<'_>,
    statements: &[&str],
) -> Result<(), sea_orm::DbErr> {
    use sea_orm::ConnectionTrait;
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

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

#[cfg(all(test, feature = "testing"))]
mod search_terms_tests {
    use chrono::{TimeZone as _, Utc};
    use sea_orm::sea_query::{Alias, Order, Query};
    use sea_orm::{ConnectionTrait, DbErr};
    use sea_orm_migration::MigratorTrait;
    use uuid::Uuid;

    use clientele_domain::business::BusinessName;
    use clientele_domain::client::ClientInput;
    use clientele_domain::site::{SiteDetails, SiteInput};
    use clientele_domain::{
        Business, BusinessId, BusinessSettings, Client, ClientId, Currency, NewClient, Site,
        SiteId, TimeZone, Version,
    };
    use clientele_ports::Storage;

    use super::Migrator;
    use crate::SeaStorage;
    use crate::testing::fresh_database;

    /// The step that builds `client_search_terms` from the clients.
    const TERMS_STEP: usize = 13;

    type TermRow = (Uuid, String, String, Uuid, String, String);

    async fn terms(storage: &SeaStorage) -> Result<Vec<TermRow>, DbErr> {
        let columns = [
            "business_id",
            "field",
            "term",
            "client_id",
            "last_name_key",
            "first_name_key",
        ];
        let mut select = Query::select();
        select.from(Alias::new("client_search_terms"));
        for column in columns {
            select
                .column(Alias::new(column))
                .order_by(Alias::new(column), Order::Asc);
        }
        storage
            .db
            .query_all(&select)
            .await?
            .iter()
            .map(|row| {
                Ok((
                    row.try_get("", "business_id")?,
                    row.try_get("", "field")?,
                    row.try_get("", "term")?,
                    row.try_get("", "client_id")?,
                    row.try_get("", "last_name_key")?,
                    row.try_get("", "first_name_key")?,
                ))
            })
            .collect()
    }

    #[tokio::test]
    async fn cl_5_to_cl_7_the_migration_builds_the_terms_the_adapter_writes() {
        // Arrange: clients written by the adapter, which writes their terms itself.
        let database = fresh_database().await;
        let storage = SeaStorage::connect(database.url()).await.unwrap();
        storage.migrate().await.unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
        let business = Business {
            id: BusinessId::from_uuid(Uuid::new_v4()),
            name: BusinessName::parse("Spa Lumière").unwrap(),
            settings: BusinessSettings::new(
                TimeZone::parse("Europe/Paris").unwrap(),
                Currency::parse("EUR").unwrap(),
            ),
            created_at: at,
            updated_at: at,
            version: Version::initial(),
        };
        let details = SiteDetails::parse(&SiteInput {
            name: "Opéra".into(),
            address: None,
        })
        .unwrap();
        let site = Site::new(SiteId::from_uuid(Uuid::new_v4()), business.id, details, at);
        let mut tx = storage.begin().await.unwrap();
        tx.insert_business(&business).await.unwrap();
        tx.insert_site(&site).await.unwrap();
        for (first, last, email, phone) in [
            (
                "Marie-Claire",
                "de la Cruz",
                Some("MC.Cruz@Orange.fr"),
                Some("06 12 34 56 78"),
            ),
            (
                "Zoé",
                "Núñez",
                Some("zoé.núñez@exemple.es"),
                Some("+33 6 12 34 56 78"),
            ),
            (
                "Anne-Marie",
                "de la Lande-Lamy",
                Some("lala.lamy@lalande.fr"),
                None,
            ),
            ("Jean", "N'Diaye", None, Some("(555) 123-4567")),
            ("Ana", "Silva", None, None),
        ] {
            let input = ClientInput {
                first_name: first.into(),
                last_name: last.into(),
                email: email.map(Into::into),
                phone: phone.map(Into::into),
                ..ClientInput::default()
            };
            let client = Client::create(
                ClientId::from_uuid(Uuid::new_v4()),
                business.id,
                NewClient::parse(&input).unwrap(),
                vec![site.id],
                at,
                at.date_naive(),
            );
            tx.insert_client(&client).await.unwrap();
        }
        tx.commit().await.unwrap();
        let written = terms(&storage).await.unwrap();

        // Act: back to the step before, then the terms built again by the migration.
        let after = Migrator::migrations().len() - (TERMS_STEP - 1);
        Migrator::down(&storage.db, Some(after as u32))
            .await
            .unwrap();
        Migrator::up(&storage.db, None).await.unwrap();
        let built = terms(&storage).await.unwrap();

        // Assert
        assert!(written.iter().any(|t| t.1 == "e" && t.2 == "@exemple.es"));
        assert!(written.iter().any(|t| t.1 == "l" && t.2 == "lamy"));
        assert_eq!(built, written);
    }
}
