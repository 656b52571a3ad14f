//! AC-1 to AC-6: client accounts, their sessions and their single-use tokens, and the
//! business setting `client_accounts_enabled` (on).
//!
//! An account's email key is unique in its business (the login); a booking confirmation
//! opens at most one account (`sign_up_appointment_id`). Sessions and tokens are stored as
//! the SHA-256 of their secret, which leads their primary key.

use sea_orm_migration::prelude::*;

use super::columns::{fk, instant, int, optional_instant, text, uuid};
use super::run_all;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ClientAccounts {
    Table,
    BusinessId,
    Id,
    Email,
    EmailKey,
    PasswordHash,
    VerifiedAt,
    TermsVersion,
    TermsAcceptedAt,
    PrivacyVersion,
    PrivacyAcknowledgedAt,
    SignUpAppointmentId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ClientSessions {
    Table,
    BusinessId,
    TokenHash,
    AccountId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AccountTokens {
    Table,
    BusinessId,
    TokenHash,
    AccountId,
    Purpose,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

/// AC-4: failed logins in the current window, per subject (`address:<hash>` or
/// `email:<key>`).
#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    BusinessId,
    Subject,
    WindowStart,
    Failures,
}

/// AC-4: the addresses (hashed) each account logged in from.
#[derive(DeriveIden)]
enum AccountAddresses {
    Table,
    BusinessId,
    AccountId,
    AddressHash,
    LastLoginAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(
            manager,
            &[
                "ALTER TABLE businesses ADD COLUMN client_accounts_enabled boolean NOT NULL \
               DEFAULT TRUE",
            ],
        )
        .await?;
        use ClientAccounts as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(uuid(A::BusinessId))
                    .col(uuid(A::Id))
                    .col(text(A::Email))
                    .col(text(A::EmailKey))
                    .col(text(A::PasswordHash))
                    .col(optional_instant(A::VerifiedAt))
                    .col(text(A::TermsVersion))
                    .col(instant(A::TermsAcceptedAt))
                    .col(text(A::PrivacyVersion))
                    .col(instant(A::PrivacyAcknowledgedAt))
                    .col(uuid(A::SignUpAppointmentId))
                    .col(instant(A::CreatedAt))
                    .primary_key(Index::create().col(A::BusinessId).col(A::Id))
                    .take(),
            )
            .await?;
        for (name, column) in [
            ("ux_client_accounts_email_key", A::EmailKey),
            ("ux_client_accounts_sign_up", A::SignUpAppointmentId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(A::Table)
                        .col(A::BusinessId)
                        .col(column)
                        .unique()
                        .take(),
                )
                .await?;
        }
        use ClientSessions as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(uuid(S::BusinessId))
                    .col(text(S::TokenHash))
                    .col(uuid(S::AccountId))
                    .col(instant(S::CreatedAt))
                    .col(instant(S::ExpiresAt))
                    .col(optional_instant(S::RevokedAt))
                    .primary_key(Index::create().col(S::BusinessId).col(S::TokenHash))
                    .foreign_key(&mut fk(S::Table, S::AccountId, A::Table))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_sessions_account")
                    .table(S::Table)
                    .col(S::BusinessId)
                    .col(S::AccountId)
                    .take(),
            )
            .await?;
        // PL-16: the purge finds the expired ones across businesses.
        manager
            .create_index(
                Index::create()
                    .name("ix_client_sessions_expiry")
                    .table(S::Table)
                    .col(S::ExpiresAt)
                    .take(),
            )
            .await?;
        use AccountTokens as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(uuid(T::BusinessId))
                    .col(text(T::TokenHash))
                    .col(uuid(T::AccountId))
                    .col(text(T::Purpose))
                    .col(instant(T::ExpiresAt))
                    .col(optional_instant(T::UsedAt))
                    .col(instant(T::CreatedAt))
                    .primary_key(Index::create().col(T::BusinessId).col(T::TokenHash))
                    .foreign_key(&mut fk(T::Table, T::AccountId, A::Table))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_account_tokens_account")
                    .table(T::Table)
                    .col(T::BusinessId)
                    .col(T::AccountId)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_account_tokens_expiry")
                    .table(T::Table)
                    .col(T::ExpiresAt)
                    .take(),
            )
            .await?;
        use LoginFailures as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(uuid(F::BusinessId))
                    .col(text(F::Subject))
                    .col(instant(F::WindowStart))
                    .col(int(F::Failures))
                    .primary_key(Index::create().col(F::BusinessId).col(F::Subject))
                    .take(),
            )
            .await?;
        use AccountAddresses as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(uuid(D::BusinessId))
                    .col(uuid(D::AccountId))
                    .col(text(D::AddressHash))
                    .col(instant(D::LastLoginAt))
                    .primary_key(
                        Index::create()
                            .col(D::BusinessId)
                            .col(D::AccountId)
                            .col(D::AddressHash),
                    )
                    .foreign_key(&mut fk(D::Table, D::AccountId, A::Table))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AccountAddresses::Table.into_iden(),
            LoginFailures::Table.into_iden(),
            AccountTokens::Table.into_iden(),
            ClientSessions::Table.into_iden(),
            ClientAccounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        run_all(
            manager,
            &["ALTER TABLE businesses DROP COLUMN client_accounts_enabled"],
        )
        .await
    }
}
