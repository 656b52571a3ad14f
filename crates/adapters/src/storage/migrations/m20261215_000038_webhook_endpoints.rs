//! PL-24: the endpoints a business sends webhook events to. The secret is kept as shown
//! (`whsec_…`): every delivery is signed with it, so it cannot be kept as a hash.

use sea_orm_migration::prelude::*;

use super::columns::{boolean, instant, optional_instant, optional_text, text, uuid};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    BusinessId,
    Id,
    Url,
    /// The event types' names, sorted, separated by spaces.
    Events,
    Description,
    Secret,
    PreviousSecret,
    PreviousUntil,
    Enabled,
    DisabledReason,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum Businesses {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use WebhookEndpoints as W;
        manager
            .create_table(
                Table::create()
                    .table(W::Table)
                    .col(uuid(W::BusinessId))
                    .col(uuid(W::Id))
                    .col(text(W::Url))
                    .col(text(W::Events))
                    .col(optional_text(W::Description))
                    .col(text(W::Secret))
                    .col(optional_text(W::PreviousSecret))
                    .col(optional_instant(W::PreviousUntil))
                    .col(boolean(W::Enabled))
                    .col(optional_text(W::DisabledReason))
                    .col(instant(W::CreatedAt))
                    .col(instant(W::UpdatedAt))
                    .col(ColumnDef::new(W::Version).big_integer().not_null().take())
                    .primary_key(Index::create().col(W::BusinessId).col(W::Id))
                    .foreign_key(
                        &mut ForeignKey::create()
                            .name("fk_webhook_endpoints_business")
                            .from(W::Table, W::BusinessId)
                            .to(Businesses::Table, Businesses::Id)
                            .take(),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookEndpoints::Table).take())
            .await
    }
}
