//! The schema's history: versioned sea-orm-migration steps, written with the sea-query
//! schema builder so that each step runs unchanged on SQLite and PostgreSQL.
//!
//! A step is never edited once released; a change is a new step. Steps must not use the
//! entities (they change with the code, a migration must not) nor any domain type.

use sea_orm_migration::{MigrationTrait, MigratorTrait};

mod columns;
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
mod m20261122_000014_label_name_order;
mod m20261122_000015_site_name_order;
mod m20261122_000016_client_membership_ids;
mod m20261122_000017_search_term_heads;
mod m20261122_000018_client_has_custom_values;
mod m20261122_000019_server_secrets;
mod m20261122_000020_outbox_email_sites;
mod m20261206_000021_outbox_claim_tokens;
mod m20261206_000022_business_staff_may_refund;
mod m20261206_000023_products_and_codes;
mod m20261207_000024_memberships;
mod m20261208_000025_membership_billing_order;
mod m20261208_000026_business_dunning;
mod m20261209_000027_business_test_clock;
mod m20261209_000028_membership_audit;
mod m20261210_000029_membership_codes;
mod m20261210_000030_client_imports;
mod m20261211_000031_client_merges;
mod m20261211_000032_default_country;
mod m20261212_000033_duplicate_dismissals;
mod m20261213_000034_client_accounts;
mod m20261213_000035_account_appointments;
mod m20261213_000036_code_assignment_index;
mod m20261214_000037_appointment_account;
mod m20261215_000038_webhook_endpoints;
mod m20261216_000039_webhook_deliveries;

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

/// Runs `postgres` or `sqlite`, whichever is for the connection's backend.
async fn run_for_backend(
    manager: &sea_orm_migration::SchemaManager<'_>,
    postgres: &[&str],
    sqlite: &[&str],
) -> Result<(), sea_orm::DbErr> {
    match manager.get_database_backend() {
        sea_orm::DbBackend::Postgres => run_all(manager, postgres).await,
        _ => run_all(manager, sqlite).await,
    }
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
            Box::new(m20261122_000014_label_name_order::Migration),
            Box::new(m20261122_000015_site_name_order::Migration),
            Box::new(m20261122_000016_client_membership_ids::Migration),
            Box::new(m20261122_000017_search_term_heads::Migration),
            Box::new(m20261122_000018_client_has_custom_values::Migration),
            Box::new(m20261122_000019_server_secrets::Migration),
            Box::new(m20261122_000020_outbox_email_sites::Migration),
            Box::new(m20261206_000021_outbox_claim_tokens::Migration),
            Box::new(m20261206_000022_business_staff_may_refund::Migration),
            Box::new(m20261206_000023_products_and_codes::Migration),
            Box::new(m20261207_000024_memberships::Migration),
            Box::new(m20261208_000025_membership_billing_order::Migration),
            Box::new(m20261208_000026_business_dunning::Migration),
            Box::new(m20261209_000027_business_test_clock::Migration),
            Box::new(m20261209_000028_membership_audit::Migration),
            Box::new(m20261210_000029_membership_codes::Migration),
            Box::new(m20261210_000030_client_imports::Migration),
            Box::new(m20261211_000031_client_merges::Migration),
            Box::new(m20261211_000032_default_country::Migration),
            Box::new(m20261212_000033_duplicate_dismissals::Migration),
            Box::new(m20261213_000034_client_accounts::Migration),
            Box::new(m20261213_000035_account_appointments::Migration),
            Box::new(m20261213_000036_code_assignment_index::Migration),
            Box::new(m20261214_000037_appointment_account::Migration),
            Box::new(m20261215_000038_webhook_endpoints::Migration),
            Box::new(m20261216_000039_webhook_deliveries::Migration),
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

    /// A transaction that may write, opened as the storage opens one (a PostgreSQL
    /// session's transactions are read-only unless they say otherwise).
    pub(super) async fn writing(storage: &SeaStorage) -> sea_orm::DatabaseTransaction {
        use sea_orm::TransactionTrait;
        let options = crate::storage::write_options(storage.db.get_database_backend());
        storage.db.begin_with_options(options).await.unwrap()
    }

    #[tokio::test]
    async fn pl_20_a_business_that_existed_before_payments_gets_the_default_processor_and_types() {
        // Arrange: a database at the second step, with a business in its shape then.
        let database = fresh_database().await;
        let storage = SeaStorage::connect(database.url()).await.unwrap();
        let txn = writing(&storage).await;
        Migrator::up(&txn, Some(2)).await.unwrap();
        txn.commit().await.unwrap();
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
        let txn = writing(&storage).await;
        txn.execute(&insert).await.unwrap();
        txn.commit().await.unwrap();

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
    use super::tests::writing;
    use chrono::{TimeZone as _, Utc};
    use sea_orm::sea_query::{Alias, Order, Query};
    use sea_orm::{ConnectionTrait, DbErr};
    use sea_orm_migration::MigratorTrait;
    use uuid::Uuid;

    use clientele_domain::business::BusinessName;
    use clientele_domain::client::ClientInput;
    use clientele_domain::custom_field::{
        CustomField, CustomFieldDetails, CustomFieldInput, CustomFieldType,
    };
    use clientele_domain::label::{Label, LabelDetails, LabelInput};
    use clientele_domain::site::{SiteDetails, SiteInput};
    use clientele_domain::{
        Business, BusinessId, BusinessSettings, Client, ClientId, Currency, CustomFieldId, LabelId,
        NewClient, Site, SiteId, TimeZone, Version,
    };
    use clientele_ports::Storage;

    use super::Migrator;
    use crate::SeaStorage;
    use crate::testing::fresh_database;

    /// The step that builds `client_search_terms` from the clients (the next one gives
    /// `client_labels` the name keys).
    const TERMS_STEP: usize = 13;

    /// Every row of `table`, each as the text of its `columns`, in order.
    async fn rows(
        storage: &SeaStorage,
        table: &str,
        columns: &[&str],
    ) -> Result<Vec<Vec<String>>, DbErr> {
        let mut select = Query::select();
        select.from(Alias::new(table));
        for column in columns {
            select
                .column(Alias::new(*column))
                .order_by(Alias::new(*column), Order::Asc);
        }
        storage
            .db
            .query_all(&select)
            .await?
            .iter()
            .map(|row| {
                columns
                    .iter()
                    .map(|column| match column {
                        _ if *column == "id" || column.ends_with("_id") => {
                            row.try_get::<Uuid>("", column).map(|id| id.to_string())
                        }
                        _ if column.starts_with("has_") => {
                            row.try_get::<bool>("", column).map(|flag| flag.to_string())
                        }
                        _ => row.try_get::<String>("", column),
                    })
                    .collect()
            })
            .collect()
    }

    const TERM_COLUMNS: &[&str] = &[
        "business_id",
        "field",
        "term",
        "client_id",
        "last_name_key",
        "first_name_key",
    ];

    const LABEL_COLUMNS: &[&str] = &[
        "business_id",
        "label_id",
        "last_name_key",
        "first_name_key",
        "client_id",
    ];

    const CLIENT_ID_COLUMNS: &[&str] = &["id", "site_ids", "label_ids", "has_custom_values"];

    const SITE_COLUMNS: &[&str] = &[
        "business_id",
        "site_id",
        "last_name_key",
        "first_name_key",
        "client_id",
    ];

    const LABEL_SITE_COLUMNS: &[&str] = &[
        "business_id",
        "label_id",
        "site_id",
        "last_name_key",
        "first_name_key",
        "client_id",
    ];

    #[tokio::test]
    async fn cl_5_to_cl_7_cl_10_cl_24_the_migrations_build_the_terms_site_and_label_rows_and_flags_the_adapter_writes()
     {
        // Arrange: clients written by the adapter, which writes their terms, sites, labels
        // and label-site pairs (with their name keys) itself.
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
            mode: clientele_domain::test_clock::BusinessMode::Live,
            created_at: at,
            updated_at: at,
            version: Version::initial(),
        };
        let site = |name: &str| {
            let details = SiteDetails::parse(&SiteInput {
                name: name.into(),
                address: None,
            })
            .unwrap();
            Site::new(SiteId::from_uuid(Uuid::new_v4()), business.id, details, at)
        };
        let (site, other_site) = (site("Opéra"), site("Bastille"));
        let label = |name: &str| {
            let details = LabelDetails::parse(&LabelInput {
                name: name.into(),
                colour: "#ffaa00".into(),
            })
            .unwrap();
            Label::new(LabelId::from_uuid(Uuid::new_v4()), business.id, details, at)
        };
        let labels = [label("VIP"), label("Fidèle")];
        let allergies = CustomField::new(
            CustomFieldId::from_uuid(Uuid::new_v4()),
            business.id,
            CustomFieldDetails::parse(&CustomFieldInput {
                name: "Allergies".into(),
                field_type: CustomFieldType::Text,
                options: None,
            })
            .unwrap(),
            at,
        );
        let mut tx = storage.begin().await.unwrap();
        tx.insert_custom_field(&allergies).await.unwrap();
        tx.insert_business(&business).await.unwrap();
        tx.insert_site(&site).await.unwrap();
        tx.insert_site(&other_site).await.unwrap();
        for label in &labels {
            tx.insert_label(label).await.unwrap();
        }
        for (n, (first, last, email, phone)) in [
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
        ]
        .into_iter()
        .enumerate()
        {
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
                match n % 2 {
                    0 => vec![site.id, other_site.id],
                    _ => vec![site.id],
                },
                at,
                at.date_naive(),
            );
            let mut parts = client.into_parts();
            parts.labels = labels.iter().take(n % 3).map(|l| l.id).collect();
            parts.labels.sort();
            if n == 1 {
                let value = allergies.parse_value("Pollen").unwrap();
                parts.custom_fields.insert(allergies.id, value);
            }
            tx.insert_client(&Client::restore(parts)).await.unwrap();
        }
        tx.commit().await.unwrap();
        let terms = || rows(&storage, "client_search_terms", TERM_COLUMNS);
        let labelled = || rows(&storage, "client_labels", LABEL_COLUMNS);
        let sited = || rows(&storage, "client_sites", SITE_COLUMNS);
        let copied = || rows(&storage, "clients", CLIENT_ID_COLUMNS);
        let written_copies = copied().await.unwrap();
        let paired = || rows(&storage, "client_label_sites", LABEL_SITE_COLUMNS);
        let (written_terms, written_labels) = (terms().await.unwrap(), labelled().await.unwrap());
        let (written_sites, written_pairs) = (sited().await.unwrap(), paired().await.unwrap());

        // Act: back to the step before, then the terms and keys built again by the
        // migrations.
        // (In one transaction, as `SeaStorage::migrate` runs them: on SQLite, steps run
        // over the pool's connections were seen to leave one with a stale schema.)
        let after = Migrator::migrations().len() - (TERMS_STEP - 1);
        let txn = writing(&storage).await;
        Migrator::down(&txn, Some(after as u32)).await.unwrap();
        Migrator::up(&txn, None).await.unwrap();
        txn.commit().await.unwrap();
        let (built_terms, built_labels) = (terms().await.unwrap(), labelled().await.unwrap());
        let (built_sites, built_pairs) = (sited().await.unwrap(), paired().await.unwrap());
        let built_copies = copied().await.unwrap();

        // Assert
        let has =
            |field: &str, term: &str| written_terms.iter().any(|t| t[1] == field && t[2] == term);
        assert!(has("e", "@exemple.es"));
        assert!(has("l", "lamy"));
        assert_eq!(built_terms, written_terms);
        assert!(
            written_labels
                .iter()
                .any(|l| l[2] == "de la lande-lamy" && l[3] == "anne-marie")
        );
        assert_eq!(written_labels.len(), 4);
        assert_eq!(built_labels, written_labels);
        assert_eq!(built_copies, written_copies);
        let flagged = written_copies.iter().filter(|c| c[3] == "true").count();
        assert_eq!(flagged, 1);
        assert!(
            written_copies
                .iter()
                .any(|c| c[1].contains(',') && c[2].contains(','))
        );
        assert_eq!(written_sites.len(), 8);
        assert_eq!(built_sites, written_sites);
        // Two labels at two sites, one at one, one at two.
        assert_eq!(written_pairs.len(), 7);
        assert_eq!(built_pairs, written_pairs);
    }
}
