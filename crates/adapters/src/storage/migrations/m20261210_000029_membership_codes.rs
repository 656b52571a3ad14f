//! CO-10, ME-2, ME-17: a membership's current code (`membership_codes`, one row per
//! membership, refreshed at each paid period), and on an order that sold a subscription
//! the membership it started and the pro-rated part of a mid-cycle start
//! (`orders.membership_id`, `orders.prorata_*`, all null otherwise).

use sea_orm_migration::prelude::*;

use super::columns::{fk, optional_date, optional_int, optional_uuid, uuid};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum MembershipCodes {
    Table,
    BusinessId,
    MembershipId,
    CodeId,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
}

#[derive(DeriveIden)]
enum Codes {
    Table,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    MembershipId,
    ProrataFrom,
    ProrataUntil,
    ProrataDays,
    ProrataPeriodDays,
    ProrataMinor,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MembershipCodes as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(uuid(M::BusinessId))
                    .col(uuid(M::MembershipId))
                    .col(uuid(M::CodeId))
                    .primary_key(Index::create().col(M::BusinessId).col(M::MembershipId))
                    .foreign_key(&mut fk(M::Table, M::MembershipId, Memberships::Table))
                    .foreign_key(&mut fk(M::Table, M::CodeId, Codes::Table))
                    .take(),
            )
            .await?;
        // SQLite adds one column per statement.
        for column in [
            optional_uuid(Orders::MembershipId),
            optional_date(Orders::ProrataFrom),
            optional_date(Orders::ProrataUntil),
            optional_int(Orders::ProrataDays),
            optional_int(Orders::ProrataPeriodDays),
            ColumnDef::new(Orders::ProrataMinor)
                .big_integer()
                .null()
                .take(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Orders::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Orders::ProrataMinor,
            Orders::ProrataPeriodDays,
            Orders::ProrataDays,
            Orders::ProrataUntil,
            Orders::ProrataFrom,
            Orders::MembershipId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Orders::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(MembershipCodes::Table).take())
            .await
    }
}
