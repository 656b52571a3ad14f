//! Background jobs, each exposed as one step that does one unit of work and says whether
//! more is waiting (`ExecutionOutcome`), so the worker's loop stays thin and every job can
//! be run once, in tests, at an injected "now" (PL-16, PL-17).

use thiserror::Error;

use clientele_ports::StorageError;

use crate::Clientele;
use crate::error::{Classify, ErrorKind};

/// What one step of a job did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionOutcome {
    /// One item was processed; there may be more.
    TaskCompleted,
    /// Nothing was waiting.
    EmptyQueue,
}

/// The jobs the worker runs, in the order of a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Checks that storage answers; the place-holder until real jobs arrive (billing,
    /// dunning, expiry, email outbox).
    Heartbeat,
}

impl Job {
    pub const ALL: [Job; 1] = [Job::Heartbeat];

    pub fn name(&self) -> &'static str {
        match self {
            Job::Heartbeat => "heartbeat",
        }
    }
}

#[derive(Debug, Error)]
pub enum JobError {
    #[error(transparent)]
    Unexpected(#[from] StorageError),
}

impl Classify for JobError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }
}

impl Clientele {
    /// Runs one step of `job` at the clock's "now".
    pub async fn run_job_step(&self, job: Job) -> Result<ExecutionOutcome, JobError> {
        match job {
            Job::Heartbeat => {
                self.storage.ready().await?;
                tracing::debug!(now = %self.clock.now(), "heartbeat");
                Ok(ExecutionOutcome::EmptyQueue)
            }
        }
    }
}
