//! AC-7 to AC-9: which appointments are assigned to which client account.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use clientele_domain::appointment::Appointment;
use clientele_domain::{AccountId, AppointmentId, BusinessId};

use super::StorageError;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AccountAppointmentRepository: Send {
    /// Assigns the business's appointment to the account at `at` (replacing any other
    /// assignment of it).
    async fn assign_appointment(
        &mut self,
        business: BusinessId,
        appointment: AppointmentId,
        account: AccountId,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError>;

    /// AC-8 c: the accounts the appointments of clients with this email key are assigned
    /// to, without repeats, at most `limit`.
    async fn accounts_of_email(
        &mut self,
        business: BusinessId,
        email_key: &str,
        limit: u32,
    ) -> Result<Vec<AccountId>, StorageError>;

    /// AC-8 b: assigns to the account, at `at`, every appointment of a client with this
    /// email key made before `before` and assigned to no account; how many.
    async fn assign_earlier_appointments(
        &mut self,
        business: BusinessId,
        account: AccountId,
        email_key: &str,
        before: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<u64, StorageError>;

    /// AC-7: the account's appointments, latest first (ties by id, descending), strictly
    /// after `after` in that order, at most `limit`.
    async fn appointments_of_account(
        &mut self,
        business: BusinessId,
        account: AccountId,
        after: Option<(DateTime<Utc>, AppointmentId)>,
        limit: u32,
    ) -> Result<Vec<Appointment>, StorageError>;
}
