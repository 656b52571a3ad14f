//! AC-7 to AC-9: what a client account is assigned (appointments) and sees (its
//! memberships, by its email). An appointment's account is a field of the appointment
//! (AP-1): a booking stores it, and the ordinary appointment update changes it; these
//! are the reads and the changes of many appointments at once.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use clientele_domain::appointment::Appointment;
use clientele_domain::membership::Membership;
use clientele_domain::{AccountId, AppointmentId, BusinessId, ClientId, MembershipId};

use super::StorageError;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AccountAppointmentRepository: Send {
    /// AC-8 c: the accounts the appointments of clients with this email key are assigned
    /// to, without repeats, at most `limit`.
    async fn accounts_of_email(
        &mut self,
        business: BusinessId,
        email_key: &str,
        limit: u32,
    ) -> Result<Vec<AccountId>, StorageError>;

    /// AC-9: the accounts the client's appointments are assigned to, without repeats, at
    /// most `limit`.
    async fn accounts_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
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

    /// AC-9: assigns to the account, at `at`, every appointment of the client assigned to
    /// no account; how many.
    async fn assign_client_appointments(
        &mut self,
        business: BusinessId,
        client: ClientId,
        account: AccountId,
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

    /// AC-7, ME-12: the memberships of the business's clients with this email key, newest
    /// first, strictly after `after`, at most `limit`.
    async fn memberships_of_email(
        &mut self,
        business: BusinessId,
        email_key: &str,
        after: Option<MembershipId>,
        limit: u32,
    ) -> Result<Vec<Membership>, StorageError>;
}
