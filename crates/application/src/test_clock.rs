//! PL-25: the test clock. The owner of a business founded in test mode moves its "now"
//! forward; the worker then does each day in between what it would have done on that
//! day (renewals, retries, dunning, expiries, and the emails they queue), one day of one
//! business per step.

use chrono::{DateTime, Utc};
use thiserror::Error;

use clientele_domain::test_clock::ClockError;
use clientele_domain::{
    Actor, Business, BusinessId, FieldError, Forbidden, Permission, ValidationErrors,
};
use clientele_ports::StorageError;
use clientele_ports::storage::ClaimScope;

use crate::Clientele;
use crate::billing::{BillingError, BillingReport};
use crate::codes::CodeError;
use crate::error::{Classify, ErrorKind};

#[derive(Debug, Error)]
pub enum TestClockError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("the business is live: its clock is the real one and cannot be moved")]
    Live,
    #[error("the business was changed meanwhile: try again")]
    Conflict,
    #[error("the business does not exist")]
    NotFound,
    #[error(transparent)]
    Billing(#[from] BillingError),
    #[error(transparent)]
    Codes(#[from] CodeError),
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for TestClockError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::Live | Self::Conflict => ErrorKind::Conflict,
            Self::NotFound => ErrorKind::NotFound,
            Self::Billing(error) => error.kind(),
            Self::Codes(error) => error.kind(),
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => &errors.0,
            _ => &[],
        }
    }
}

impl From<StorageError> for TestClockError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            StorageError::VersionConflict => Self::Conflict,
            other => Self::Unexpected(other),
        }
    }
}

impl From<ClockError> for TestClockError {
    fn from(error: ClockError) -> Self {
        match error {
            ClockError::Live => Self::Live,
            ClockError::NotForward { .. } => {
                ValidationErrors::single("now", error.to_string()).into()
            }
        }
    }
}

/// One day of a test business's work, done by [`Clientele::work_test_clock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockDay {
    pub business: BusinessId,
    /// The instant worked to: a local midnight, or the instant the clock was moved to.
    pub at: DateTime<Utc>,
    pub billing: BillingReport,
    pub codes_expired: usize,
}

/// Codes expired per transaction on a test business's day.
const EXPIRY_BATCH: u32 = 500;

impl Clientele {
    /// PL-25: moves the caller's business's clock forward to `to` (owner only). A live
    /// business refuses; a test business's clock never goes back.
    pub async fn move_test_clock(
        &self,
        actor: &Actor,
        to: DateTime<Utc>,
    ) -> Result<Business, TestClockError> {
        actor.require(Permission::ManageSettings)?;
        let mut tx = self.storage.begin().await?;
        let mut business = tx
            .business(actor.business_id)
            .await?
            .ok_or(TestClockError::NotFound)?;
        let version = business.version;
        business.move_clock(to, self.clock.now())?;
        tx.update_business(&business, version).await?;
        tx.commit().await?;
        tracing::info!(business = %business.id, %to, "test clock moved");
        Ok(business)
    }

    /// PL-25: one step of the worker's walk along the test clocks: the next day of one
    /// test business whose clock is ahead, worked as the ordinary run would have worked
    /// it (its memberships billed, its codes expired), then recorded as done. None when
    /// no test business is owed a day.
    ///
    /// Two workers may work the same day at once: billing and expiry are idempotent, and
    /// only one of them records the day.
    pub async fn work_test_clock(&self) -> Result<Option<ClockDay>, TestClockError> {
        let real = self.clock.now();
        let behind = self
            .storage
            .read()
            .await?
            .businesses_behind_their_clock(real, 1)
            .await?;
        let Some(business) = behind.into_iter().next() else {
            return Ok(None);
        };
        let Some(step) = business.mode.next_step(business.settings.time_zone, real) else {
            return Ok(None);
        };
        let mut billing = BillingReport::default();
        loop {
            let report = self
                .bill_memberships_at(&self.billing, step.at, ClaimScope::Business(business.id))
                .await?;
            if report.claimed == 0 {
                break;
            }
            billing += report;
        }
        let codes_expired = self
            .expire_codes_at(EXPIRY_BATCH, step.at, Some(business.id))
            .await?;
        let mut tx = self.storage.begin().await?;
        tx.record_clock_work(business.id, step.from, step.at)
            .await?;
        tx.commit().await?;
        Ok(Some(ClockDay {
            business: business.id,
            at: step.at,
            billing,
            codes_expired,
        }))
    }
}
