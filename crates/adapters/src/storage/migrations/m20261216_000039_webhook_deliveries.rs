//! PL-24: webhook events, written in the transaction of the change that causes them, and
//! their deliveries, one per endpoint that wants the event, each with the log of its
//! attempts.
//!
//! A delivery is claimed by a worker under a lease (`claim_token`, `claimed_until`), as
//! the email outbox's are; only the oldest pending delivery of an endpoint may be claimed
//! (`webhook_deliveries_queue`), so that an endpoint receives events in their order.

use sea_orm_migration::prelude::*;

use super::columns::{
    boolean, instant, int, one_of, optional_instant, optional_int, optional_text, optional_uuid,
    text, uuid,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    BusinessId,
    Id,
    Type,
    OccurredAt,
    /// The event as delivered: its JSON, byte for byte the same on every attempt.
    Body,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    BusinessId,
    EndpointId,
    EventId,
    EventType,
    Status,
    Attempts,
    NextAttemptAt,
    FirstAttemptAt,
    ClaimToken,
    ClaimedUntil,
    LastStatusCode,
    LastError,
    /// The delivery this one replays, if any.
    ReplayOf,
    CreatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    BusinessId,
    DeliveryId,
    Number,
    AttemptedAt,
    Succeeded,
    StatusCode,
    LatencyMs,
    /// The start of the answer's body.
    Response,
    Error,
}

#[derive(DeriveIden)]
enum Businesses {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use WebhookAttempts as A;
        use WebhookDeliveries as D;
        use WebhookEvents as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(uuid(E::BusinessId))
                    .col(uuid(E::Id))
                    .col(text(E::Type))
                    .col(instant(E::OccurredAt))
                    .col(text(E::Body))
                    .primary_key(Index::create().col(E::BusinessId).col(E::Id))
                    .foreign_key(
                        &mut ForeignKey::create()
                            .name("fk_webhook_events_business")
                            .from(E::Table, E::BusinessId)
                            .to(Businesses::Table, Businesses::Id)
                            .take(),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_events_since")
                    .table(E::Table)
                    .col(E::BusinessId)
                    .col(E::OccurredAt)
                    .col(E::Id)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(uuid(D::BusinessId))
                    .col(uuid(D::Id))
                    .col(uuid(D::EndpointId))
                    .col(uuid(D::EventId))
                    .col(text(D::EventType))
                    .col(one_of(D::Status, ["pending", "succeeded", "failed"], false))
                    .col(int(D::Attempts))
                    .col(instant(D::NextAttemptAt))
                    .col(optional_instant(D::FirstAttemptAt))
                    .col(optional_uuid(D::ClaimToken))
                    .col(optional_instant(D::ClaimedUntil))
                    .col(optional_int(D::LastStatusCode))
                    .col(optional_text(D::LastError))
                    .col(optional_uuid(D::ReplayOf))
                    .col(instant(D::CreatedAt))
                    .col(optional_instant(D::CompletedAt))
                    .primary_key(Index::create().col(D::BusinessId).col(D::Id))
                    .foreign_key(
                        &mut ForeignKey::create()
                            .name("fk_webhook_deliveries_endpoint")
                            .from(D::Table, (D::BusinessId, D::EndpointId))
                            .to(
                                Alias::new("webhook_endpoints"),
                                (Alias::new("business_id"), Alias::new("id")),
                            )
                            .on_delete(ForeignKeyAction::Cascade)
                            .take(),
                    )
                    .foreign_key(
                        &mut ForeignKey::create()
                            .name("fk_webhook_deliveries_event")
                            .from(D::Table, (D::BusinessId, D::EventId))
                            .to(E::Table, (E::BusinessId, E::Id))
                            .take(),
                    )
                    .take(),
            )
            .await?;
        // The head of an endpoint's queue (its oldest pending delivery), and its log.
        manager
            .create_index(
                Index::create()
                    .name("webhook_deliveries_queue")
                    .table(D::Table)
                    .col(D::BusinessId)
                    .col(D::EndpointId)
                    .col(D::Status)
                    .col(D::Id)
                    .take(),
            )
            .await?;
        // The purge: deliveries done long ago, and the events they were of.
        for (name, column) in [
            ("webhook_deliveries_done", D::CompletedAt),
            ("webhook_deliveries_event", D::EventId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(D::Table)
                        .col(D::BusinessId)
                        .col(column)
                        .take(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(uuid(A::BusinessId))
                    .col(uuid(A::DeliveryId))
                    .col(int(A::Number))
                    .col(instant(A::AttemptedAt))
                    .col(boolean(A::Succeeded))
                    .col(optional_int(A::StatusCode))
                    .col(ColumnDef::new(A::LatencyMs).big_integer().null().take())
                    .col(optional_text(A::Response))
                    .col(optional_text(A::Error))
                    .primary_key(
                        Index::create()
                            .col(A::BusinessId)
                            .col(A::DeliveryId)
                            .col(A::Number),
                    )
                    .foreign_key(
                        &mut ForeignKey::create()
                            .name("fk_webhook_attempts_delivery")
                            .from(A::Table, (A::BusinessId, A::DeliveryId))
                            .to(D::Table, (D::BusinessId, D::Id))
                            .on_delete(ForeignKeyAction::Cascade)
                            .take(),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            WebhookEvents::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
