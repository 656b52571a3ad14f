//! Clientele's worker: runs every job of `clientele-application` in passes, either once
//! (`clientele-worker once`) or in a loop until SIGTERM (`clientele-worker run`), PL-16,
//! PL-17.
//!
//! This crate is a thin inbound adapter: the loop, the schedule and the signals. What a
//! job does lives in the application's use cases; it must not touch the database itself.

use std::future::Future;
use std::time::Duration;

use futures_util::FutureExt as _;

use clientele_application::Clientele;
use clientele_application::jobs::{ExecutionOutcome, Job, JobError};

/// What one pass did, job by job: how many items each processed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PassReport {
    pub processed: Vec<(&'static str, u64)>,
}

/// Runs every job until its queue is empty (or `max_steps` items, so that one busy job
/// cannot starve the others or delay a shutdown for long).
pub async fn run_pass(app: &Clientele, max_steps: u64) -> Result<PassReport, JobError> {
    run_pass_while(app, max_steps, || false).await
}

/// [`run_pass`], stopping between two steps once `stopping()` says so: the step in
/// progress is finished (a billing step records its outcomes and releases its claims),
/// none is started after it.
async fn run_pass_while(
    app: &Clientele,
    max_steps: u64,
    mut stopping: impl FnMut() -> bool,
) -> Result<PassReport, JobError> {
    let mut report = PassReport::default();
    for job in Job::ALL {
        let mut processed = 0;
        while processed < max_steps {
            if stopping() {
                tracing::info!(job = job.name(), processed, "stopping between two steps");
                report.processed.push((job.name(), processed));
                return Ok(report);
            }
            match app.run_job_step(job).await? {
                ExecutionOutcome::TaskCompleted => processed += 1,
                ExecutionOutcome::EmptyQueue => break,
            }
        }
        tracing::info!(job = job.name(), processed, "job pass done");
        report.processed.push((job.name(), processed));
    }
    Ok(report)
}

/// Runs passes every `interval` until `shutdown` completes. Once it has, the step in
/// progress is finished and no other is started, so no item is left half-done and the
/// process exits soon (PL-17). A failing pass is logged and retried at the next
/// interval: the supervisor needs the process alive, not restarted.
pub async fn run_until(
    app: &Clientele,
    interval: Duration,
    max_steps: u64,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut requested = false;
    loop {
        let pass = run_pass_while(app, max_steps, || {
            requested = requested || (&mut shutdown).now_or_never().is_some();
            requested
        })
        .await;
        if let Err(error) = pass {
            tracing::error!(%error, "worker pass failed; retrying at the next interval");
        }
        if requested {
            tracing::info!("shutdown requested; exiting");
            return;
        }
        tokio::select! {
            () = &mut shutdown => {
                tracing::info!("shutdown requested; exiting");
                return;
            }
            () = tokio::time::sleep(interval) => {}
        }
    }
}
