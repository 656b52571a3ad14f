//! Businesses, the bootstrap record, sites, staff members and their sites, API tokens,
//! clients and their sites.
//!
//! PL-26: every table carries `business_id`, and every primary key, unique constraint and
//! index leads with it, so that no query can reach across businesses by accident and every
//! lookup starts inside one business. (`businesses.id` is the business id itself;
//! `platform_bootstrap` is the one platform-wide row.)

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// PostgreSQL: compare and sort normalised keys byte-wise, exactly like SQLite's BINARY
/// collation, so that one ordinary btree serves both prefix search and the sort.
const BYTEWISE: &str = r#"COLLATE "C""#;

#[derive(DeriveIden)]
enum Businesses {
    Table,
    Id,
    Name,
    TimeZone,
    Currency,
    MergeOnIdenticalName,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum PlatformBootstrap {
    Table,
    Singleton,
    BusinessId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sites {
    Table,
    BusinessId,
    Id,
    Name,
    NameKey,
    Address,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum StaffMembers {
    Table,
    BusinessId,
    Id,
    Name,
    Email,
    EmailKey,
    Role,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum StaffSites {
    Table,
    BusinessId,
    StaffId,
    SiteId,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    BusinessId,
    Id,
    StaffId,
    Label,
    Prefix,
    SecretHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    BusinessId,
    Id,
    FirstName,
    LastName,
    FirstNameKey,
    LastNameKey,
    Email,
    EmailKey,
    Phone,
    PhoneDigits,
    Banned,
    HasAccount,
    ClientSince,
    CreatedAt,
    UpdatedAt,
    AdminUpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum ClientSites {
    Table,
    BusinessId,
    ClientId,
    SiteId,
}

/// The column definitions that differ between backends are built here, nowhere else.
struct Columns {
    backend: DbBackend,
}

impl Columns {
    fn uuid(&self, name: impl IntoIden) -> ColumnDef {
        ColumnDef::new(name).uuid().not_null().take()
    }

    fn text(&self, name: impl IntoIden) -> ColumnDef {
        ColumnDef::new(name).text().not_null().take()
    }

    fn optional_text(&self, name: impl IntoIden) -> ColumnDef {
        ColumnDef::new(name).text().null().take()
    }

    /// A normalised search or comparison key, compared byte-wise on both databases.
    fn key(&self, name: impl IntoIden, nullable: bool) -> ColumnDef {
        let mut column = ColumnDef::new(name);
        column.text();
        if nullable {
            column.null();
        } else {
            column.not_null();
        }
        if self.backend == DbBackend::Postgres {
            column.extra(BYTEWISE);
        }
        column.take()
    }

    fn instant(&self, name: impl IntoIden) -> ColumnDef {
        ColumnDef::new(name)
            .timestamp_with_time_zone()
            .not_null()
            .take()
    }

    fn flag(&self, name: impl IntoIden) -> ColumnDef {
        ColumnDef::new(name).boolean().not_null().take()
    }

    fn version(&self, name: impl IntoIden) -> ColumnDef {
        ColumnDef::new(name).big_integer().not_null().take()
    }
}

fn index(name: &str, table: impl IntoIden) -> IndexCreateStatement {
    Index::create().name(name).table(table).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns {
            backend: manager.get_database_backend(),
        };

        manager
            .create_table(
                Table::create()
                    .table(Businesses::Table)
                    .col(c.uuid(Businesses::Id).primary_key())
                    .col(c.text(Businesses::Name))
                    .col(c.text(Businesses::TimeZone))
                    .col(c.text(Businesses::Currency))
                    .col(c.flag(Businesses::MergeOnIdenticalName))
                    .col(c.instant(Businesses::CreatedAt))
                    .col(c.instant(Businesses::UpdatedAt))
                    .col(c.version(Businesses::Version))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PlatformBootstrap::Table)
                    .col(
                        ColumnDef::new(PlatformBootstrap::Singleton)
                            .integer()
                            .not_null()
                            .primary_key()
                            .check(Expr::col(PlatformBootstrap::Singleton).eq(1)),
                    )
                    .col(c.uuid(PlatformBootstrap::BusinessId))
                    .col(c.instant(PlatformBootstrap::CreatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sites::Table)
                    .col(c.uuid(Sites::BusinessId))
                    .col(c.uuid(Sites::Id))
                    .col(c.text(Sites::Name))
                    .col(c.key(Sites::NameKey, false))
                    .col(c.optional_text(Sites::Address))
                    .col(c.instant(Sites::CreatedAt))
                    .col(c.instant(Sites::UpdatedAt))
                    .col(c.version(Sites::Version))
                    .primary_key(Index::create().col(Sites::BusinessId).col(Sites::Id))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("ux_sites_name_key", Sites::Table)
                    .col(Sites::BusinessId)
                    .col(Sites::NameKey)
                    .unique()
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StaffMembers::Table)
                    .col(c.uuid(StaffMembers::BusinessId))
                    .col(c.uuid(StaffMembers::Id))
                    .col(c.text(StaffMembers::Name))
                    .col(c.text(StaffMembers::Email))
                    .col(c.key(StaffMembers::EmailKey, false))
                    .col(
                        c.text(StaffMembers::Role).check(
                            Expr::col(StaffMembers::Role).is_in(["owner", "admin", "staff"]),
                        ),
                    )
                    .col(c.instant(StaffMembers::CreatedAt))
                    .col(c.instant(StaffMembers::UpdatedAt))
                    .col(c.version(StaffMembers::Version))
                    .primary_key(
                        Index::create()
                            .col(StaffMembers::BusinessId)
                            .col(StaffMembers::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("ux_staff_members_email_key", StaffMembers::Table)
                    .col(StaffMembers::BusinessId)
                    .col(StaffMembers::EmailKey)
                    .unique()
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StaffSites::Table)
                    .col(c.uuid(StaffSites::BusinessId))
                    .col(c.uuid(StaffSites::StaffId))
                    .col(c.uuid(StaffSites::SiteId))
                    .primary_key(
                        Index::create()
                            .col(StaffSites::BusinessId)
                            .col(StaffSites::StaffId)
                            .col(StaffSites::SiteId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_sites_staff")
                            .from(
                                StaffSites::Table,
                                (StaffSites::BusinessId, StaffSites::StaffId),
                            )
                            .to(
                                StaffMembers::Table,
                                (StaffMembers::BusinessId, StaffMembers::Id),
                            )
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_sites_site")
                            .from(
                                StaffSites::Table,
                                (StaffSites::BusinessId, StaffSites::SiteId),
                            )
                            .to(Sites::Table, (Sites::BusinessId, Sites::Id))
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("ix_staff_sites_site", StaffSites::Table)
                    .col(StaffSites::BusinessId)
                    .col(StaffSites::SiteId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(c.uuid(ApiTokens::BusinessId))
                    .col(c.uuid(ApiTokens::Id))
                    .col(c.uuid(ApiTokens::StaffId))
                    .col(c.text(ApiTokens::Label))
                    .col(c.text(ApiTokens::Prefix))
                    .col(c.text(ApiTokens::SecretHash))
                    .col(c.instant(ApiTokens::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(ApiTokens::BusinessId)
                            .col(ApiTokens::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_staff")
                            .from(
                                ApiTokens::Table,
                                (ApiTokens::BusinessId, ApiTokens::StaffId),
                            )
                            .to(
                                StaffMembers::Table,
                                (StaffMembers::BusinessId, StaffMembers::Id),
                            )
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("ux_api_tokens_secret_hash", ApiTokens::Table)
                    .col(ApiTokens::BusinessId)
                    .col(ApiTokens::SecretHash)
                    .unique()
                    .take(),
            )
            .await?;
        // Serves the cascade from staff_members and the list of one member's tokens.
        manager
            .create_index(
                index("ix_api_tokens_staff", ApiTokens::Table)
                    .col(ApiTokens::BusinessId)
                    .col(ApiTokens::StaffId)
                    .col(ApiTokens::Id)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Clients::Table)
                    .col(c.uuid(Clients::BusinessId))
                    .col(c.uuid(Clients::Id))
                    .col(c.text(Clients::FirstName))
                    .col(c.text(Clients::LastName))
                    .col(c.key(Clients::FirstNameKey, false))
                    .col(c.key(Clients::LastNameKey, false))
                    .col(c.optional_text(Clients::Email))
                    .col(c.key(Clients::EmailKey, true))
                    .col(c.optional_text(Clients::Phone))
                    .col(c.key(Clients::PhoneDigits, true))
                    .col(c.flag(Clients::Banned))
                    .col(c.flag(Clients::HasAccount))
                    .col(ColumnDef::new(Clients::ClientSince).date().not_null())
                    .col(c.instant(Clients::CreatedAt))
                    .col(c.instant(Clients::UpdatedAt))
                    .col(c.instant(Clients::AdminUpdatedAt))
                    .col(c.version(Clients::Version))
                    .primary_key(Index::create().col(Clients::BusinessId).col(Clients::Id))
                    .take(),
            )
            .await?;
        // CL-4: one index per sort order, each ending with the id like the order itself.
        let client_indexes = [
            (
                "ix_clients_last_first",
                vec![Clients::LastNameKey, Clients::FirstNameKey, Clients::Id],
            ),
            (
                "ix_clients_first_last",
                vec![Clients::FirstNameKey, Clients::LastNameKey, Clients::Id],
            ),
            ("ix_clients_created", vec![Clients::CreatedAt, Clients::Id]),
            (
                "ix_clients_admin_updated",
                vec![Clients::AdminUpdatedAt, Clients::Id],
            ),
            ("ix_clients_email_key", vec![Clients::EmailKey]),
            ("ix_clients_phone_digits", vec![Clients::PhoneDigits]),
        ];
        for (name, columns) in client_indexes {
            let mut statement = index(name, Clients::Table);
            statement.col(Clients::BusinessId);
            for column in columns {
                statement.col(column);
            }
            manager.create_index(statement).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ClientSites::Table)
                    .col(c.uuid(ClientSites::BusinessId))
                    .col(c.uuid(ClientSites::ClientId))
                    .col(c.uuid(ClientSites::SiteId))
                    .primary_key(
                        Index::create()
                            .col(ClientSites::BusinessId)
                            .col(ClientSites::ClientId)
                            .col(ClientSites::SiteId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_sites_client")
                            .from(
                                ClientSites::Table,
                                (ClientSites::BusinessId, ClientSites::ClientId),
                            )
                            .to(Clients::Table, (Clients::BusinessId, Clients::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_sites_site")
                            .from(
                                ClientSites::Table,
                                (ClientSites::BusinessId, ClientSites::SiteId),
                            )
                            .to(Sites::Table, (Sites::BusinessId, Sites::Id))
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("ix_client_sites_site", ClientSites::Table)
                    .col(ClientSites::BusinessId)
                    .col(ClientSites::SiteId)
                    .col(ClientSites::ClientId)
                    .take(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ClientSites::Table.into_iden(),
            Clients::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            StaffSites::Table.into_iden(),
            StaffMembers::Table.into_iden(),
            Sites::Table.into_iden(),
            PlatformBootstrap::Table.into_iden(),
            Businesses::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
