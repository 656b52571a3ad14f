//! The schema's history: versioned sea-orm-migration steps, written with the sea-query
//! schema builder so that each step runs unchanged on SQLite and PostgreSQL.
//!
//! A step is never edited once released; a change is a new step. Steps must not use the
//! entities (they change with the code, a migration must not) nor any domain type.

use sea_orm_migration::{MigrationTrait, MigratorTrait};

mod m20261122_000001_foundation;
mod m20261122_000002_appointments_and_outbox;

pub(crate) struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_appointments_and_outbox::Migration),
        ]
    }
}
