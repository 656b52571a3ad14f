//! A business's appointments, with the amounts they owe and were paid.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use clientele_domain::appointment::Appointment;
use clientele_domain::{AppointmentId, BusinessId, ClientId, Version};

use super::StorageError;

/// Appointments. Never deleted. A row that breaks a rule the database also checks (a
/// refund beyond the amount paid, AP-8; an unknown client or type) is `Unexpected`: the
/// use case checks those rules first.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AppointmentRepository: Send {
    /// MUST return `Duplicate("appointment")` if the id is taken.
    async fn insert_appointment(&mut self, appointment: &Appointment) -> Result<(), StorageError>;

    /// The business's appointment, or `None`.
    async fn appointment(
        &mut self,
        business: BusinessId,
        id: AppointmentId,
    ) -> Result<Option<Appointment>, StorageError>;

    /// The appointment, with its row locked until the transaction ends (`FOR UPDATE` on
    /// PostgreSQL; SQLite's write transactions are already exclusive). For changes of
    /// money, where two requests must not both read the same amounts: a second caller
    /// waits, then reads what the first committed.
    async fn appointment_for_update(
        &mut self,
        business: BusinessId,
        id: AppointmentId,
    ) -> Result<Option<Appointment>, StorageError>;

    /// The optimistic update of the module's contract.
    async fn update_appointment(
        &mut self,
        appointment: &Appointment,
        expected: Version,
    ) -> Result<(), StorageError>;

    /// A client's appointments, latest start first (ties by id, descending), strictly
    /// after `after` in that order, at most `limit`.
    async fn appointments_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
        after: Option<(DateTime<Utc>, AppointmentId)>,
        limit: u32,
    ) -> Result<Vec<Appointment>, StorageError>;
}
