//! Background jobs, each exposed as one step that does one unit of work and says whether
//! more is waiting (`ExecutionOutcome`), so the worker's loop stays thin and every job can
//! be run once, in tests, at an injected "now" (PL-16, PL-17).

use thiserror::Error;

use clientele_ports::StorageError;

use crate::Clientele;
use crate::accounts::AccountError;
use crate::billing::BillingError;
use crate::client_imports::{ImportError, ImportPolicy};
use crate::codes::CodeError;
use crate::error::{Classify, ErrorKind};
use crate::outbox::DispatchError;
use crate::test_clock::TestClockError;
use crate::webhook_deliveries::DeliveryError;

/// What one step of a job did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionOutcome {
    /// Something was processed; there may be more.
    TaskCompleted,
    /// Nothing was waiting.
    EmptyQueue,
}

/// The jobs the worker runs, in the order of a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// ME-7 to ME-9: charges the due memberships, a batch per step
    /// (`Clientele::bill_memberships`).
    BillMemberships,
    /// PL-25: works one day of a test business whose clock was moved forward
    /// (`Clientele::work_test_clock`).
    WorkTestClocks,
    /// PL-18: sends the outbox's due emails, a batch per business per step
    /// (`Clientele::dispatch_emails`).
    DispatchEmails,
    /// PL-24: posts the due webhook deliveries, one per endpoint per step
    /// (`Clientele::deliver_webhooks`).
    DeliverWebhooks,
    /// PL-16: expires the codes past their last day (`Clientele::expire_codes`).
    ExpireCodes,
    /// CL-15: imports a batch of rows of a client import
    /// (`Clientele::import_clients_step`).
    ImportClients,
    /// PL-16: deletes the client sessions and account tokens that no longer work
    /// (`Clientele::purge_account_secrets`).
    PurgeAccountSecrets,
    /// PL-24: deletes the webhook deliveries and events past their retention
    /// (`Clientele::purge_webhook_history`).
    PurgeWebhookHistory,
}

impl Job {
    /// Billing first (the real clock's, then the test clocks'), so that its receipts go
    /// out in the same pass.
    pub const ALL: [Job; 8] = [
        Job::BillMemberships,
        Job::WorkTestClocks,
        Job::DispatchEmails,
        Job::DeliverWebhooks,
        Job::ExpireCodes,
        Job::ImportClients,
        Job::PurgeAccountSecrets,
        Job::PurgeWebhookHistory,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Job::BillMemberships => "bill_memberships",
            Job::WorkTestClocks => "work_test_clocks",
            Job::DispatchEmails => "dispatch_emails",
            Job::DeliverWebhooks => "deliver_webhooks",
            Job::ExpireCodes => "expire_codes",
            Job::ImportClients => "import_clients",
            Job::PurgeAccountSecrets => "purge_account_secrets",
            Job::PurgeWebhookHistory => "purge_webhook_history",
        }
    }
}

/// Codes expired per transaction.
const EXPIRY_BATCH: u32 = 500;
/// Sessions and tokens purged per transaction (of each).
const PURGE_BATCH: u32 = 1000;

#[derive(Debug, Error)]
pub enum JobError {
    #[error(transparent)]
    Dispatch(#[from] DispatchError),
    #[error(transparent)]
    Webhooks(#[from] DeliveryError),
    #[error(transparent)]
    Codes(#[from] CodeError),
    #[error(transparent)]
    Billing(#[from] BillingError),
    #[error(transparent)]
    TestClock(#[from] TestClockError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Accounts(#[from] AccountError),
    #[error(transparent)]
    Unexpected(#[from] StorageError),
}

impl Classify for JobError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Dispatch(error) => error.kind(),
            Self::Webhooks(error) => error.kind(),
            Self::Codes(error) => error.kind(),
            Self::Billing(error) => error.kind(),
            Self::TestClock(error) => error.kind(),
            Self::Import(error) => error.kind(),
            Self::Accounts(error) => error.kind(),
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }
}

impl Clientele {
    /// Runs one step of `job` at the clock's "now".
    pub async fn run_job_step(&self, job: Job) -> Result<ExecutionOutcome, JobError> {
        match job {
            Job::BillMemberships => {
                let report = self.bill_memberships(&self.billing).await?;
                if report.claimed == 0 {
                    return Ok(ExecutionOutcome::EmptyQueue);
                }
                tracing::info!(
                    claimed = report.claimed,
                    charged = report.charged,
                    declined = report.declined,
                    transient = report.transient,
                    reconciled = report.reconciled,
                    reminded = report.reminded,
                    expired = report.expired,
                    conflicts = report.conflicts,
                    "memberships billed"
                );
                Ok(ExecutionOutcome::TaskCompleted)
            }
            Job::WorkTestClocks => {
                let Some(day) = self.work_test_clock().await? else {
                    return Ok(ExecutionOutcome::EmptyQueue);
                };
                tracing::info!(
                    business = %day.business,
                    at = %day.at,
                    claimed = day.billing.claimed,
                    charged = day.billing.charged,
                    declined = day.billing.declined,
                    transient = day.billing.transient,
                    reminded = day.billing.reminded,
                    expired = day.billing.expired,
                    codes_expired = day.codes_expired,
                    "test clock: a day worked"
                );
                Ok(ExecutionOutcome::TaskCompleted)
            }
            Job::DispatchEmails => {
                let report = self.dispatch_emails().await?;
                if report.claimed == 0 {
                    return Ok(ExecutionOutcome::EmptyQueue);
                }
                tracing::info!(
                    claimed = report.claimed,
                    sent = report.sent,
                    already_sent = report.already_sent,
                    retried = report.retried,
                    failed = report.failed,
                    "emails dispatched"
                );
                Ok(ExecutionOutcome::TaskCompleted)
            }
            Job::DeliverWebhooks => {
                let report = self.deliver_webhooks().await?;
                if report.claimed == 0 {
                    return Ok(ExecutionOutcome::EmptyQueue);
                }
                tracing::info!(
                    claimed = report.claimed,
                    succeeded = report.succeeded,
                    retried = report.retried,
                    failed = report.failed,
                    overtaken = report.overtaken,
                    disabled = report.disabled,
                    "webhook deliveries attempted"
                );
                Ok(ExecutionOutcome::TaskCompleted)
            }
            Job::ExpireCodes => {
                let expired = self.expire_codes(EXPIRY_BATCH).await?;
                if expired == 0 {
                    return Ok(ExecutionOutcome::EmptyQueue);
                }
                tracing::info!(expired, "codes expired");
                Ok(ExecutionOutcome::TaskCompleted)
            }
            Job::ImportClients => {
                if !self.import_clients_step(ImportPolicy::default()).await? {
                    return Ok(ExecutionOutcome::EmptyQueue);
                }
                tracing::info!("a batch of a client import worked");
                Ok(ExecutionOutcome::TaskCompleted)
            }
            Job::PurgeAccountSecrets => {
                let purged = self.purge_account_secrets(PURGE_BATCH).await?;
                if purged == 0 {
                    return Ok(ExecutionOutcome::EmptyQueue);
                }
                tracing::info!(purged, "client sessions and account tokens purged");
                Ok(ExecutionOutcome::TaskCompleted)
            }
            Job::PurgeWebhookHistory => {
                let purged = self.purge_webhook_history(PURGE_BATCH).await?;
                if purged == 0 {
                    return Ok(ExecutionOutcome::EmptyQueue);
                }
                tracing::info!(purged, "webhook deliveries and events purged");
                Ok(ExecutionOutcome::TaskCompleted)
            }
        }
    }
}
