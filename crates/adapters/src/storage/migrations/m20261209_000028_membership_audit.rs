//! ME-11: the history of a membership, one row per field changed by staff (`staff_id`)
//! or by its client through the self-service link (`staff_id` null), newest first per
//! membership.

use sea_orm_migration::prelude::*;

use super::columns::{fk, instant, one_of, optional_text, optional_uuid, text, uuid};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum MembershipAudit {
    Table,
    BusinessId,
    Id,
    MembershipId,
    ChangedBy,
    StaffId,
    At,
    Field,
    OldValue,
    NewValue,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MembershipAudit as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(uuid(A::BusinessId))
                    .col(uuid(A::Id))
                    .col(uuid(A::MembershipId))
                    .col(one_of(A::ChangedBy, ["staff", "client"], false))
                    // No foreign key: the history outlives the staff member.
                    .col(optional_uuid(A::StaffId))
                    .col(instant(A::At))
                    .col(text(A::Field))
                    .col(optional_text(A::OldValue))
                    .col(optional_text(A::NewValue))
                    .primary_key(Index::create().col(A::BusinessId).col(A::Id))
                    .foreign_key(&mut fk(A::Table, A::MembershipId, Memberships::Table))
                    .check(Check::named(
                        "ck_membership_audit_staff",
                        Expr::cust(
                            "(changed_by = 'staff' AND staff_id IS NOT NULL) \
                             OR (changed_by = 'client' AND staff_id IS NULL)",
                        ),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_membership_audit_membership")
                    .table(A::Table)
                    .col(A::BusinessId)
                    .col(A::MembershipId)
                    .col(A::At)
                    .col(A::Id)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MembershipAudit::Table).take())
            .await
    }
}
