//! PL-24: the worker's job that delivers webhook events: it claims the head of each
//! endpoint's queue under a lease, posts the events signed (Standard Webhooks), and
//! records each attempt; a failure is retried with backoff and jitter for about three
//! days, then the delivery fails and its endpoint is disabled, with an email to the
//! business's owners.
//!
//! The promise is at-least-once, in order, per endpoint: a delivery is posted until an
//! attempt is answered with a 2xx and that answer recorded. Two workers never hold the
//! same delivery at once (a claim is a lease, and an endpoint's next delivery is not
//! claimable before the one before it is done), so in normal operation each event is
//! received once. A worker killed after posting but before recording leaves its lease to
//! run out, and the event is posted again under the same `webhook-id`, which receivers
//! deduplicate on. The lease must outlast a batch's attempts (the sender's timeout).

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt as _;
use thiserror::Error;

use clientele_domain::email::EmailKind;
use clientele_domain::webhook::{
    AfterAttempt, DELIVERY_TIMEOUT_SECONDS, DeliveryAttempt, after_attempt, is_success, sign,
};
use clientele_domain::{BusinessId, Role, WebhookEndpointId};
use clientele_ports::storage::{ClaimToken, ClaimedDelivery, DeliveryNext};
use clientele_ports::{StorageError, Transaction, WebhookFailure, WebhookRequest, WebhookSender};

use crate::Clientele;
use crate::businesses::EveryBusiness;
use crate::error::{Classify, ErrorKind};

/// How deliveries are claimed and attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// How long claimed deliveries are reserved for the worker that claimed them: longer
    /// than a batch's attempts take (each is cut at `timeout`).
    pub lease: TimeDelta,
    /// Deliveries (so endpoints) one step claims at most.
    pub batch: u32,
    /// Attempts in flight at once.
    pub in_flight: usize,
    /// How long an endpoint has to answer.
    pub timeout: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            lease: TimeDelta::seconds(120),
            batch: 200,
            in_flight: 100,
            timeout: Duration::from_secs(DELIVERY_TIMEOUT_SECONDS),
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub claimed: u32,
    /// Answered with a 2xx.
    pub succeeded: u32,
    /// Failed, to be tried again.
    pub retried: u32,
    /// Failed for the last time: given up.
    pub failed: u32,
    /// Attempted, but another worker took the delivery over meanwhile (this worker's
    /// lease ran out): its outcome was not recorded.
    pub overtaken: u32,
    /// Endpoints disabled because a delivery to them failed for good.
    pub disabled: u32,
}

impl std::ops::AddAssign for DeliveryReport {
    fn add_assign(&mut self, step: Self) {
        self.claimed += step.claimed;
        self.succeeded += step.succeeded;
        self.retried += step.retried;
        self.failed += step.failed;
        self.overtaken += step.overtaken;
        self.disabled += step.disabled;
    }
}

#[derive(Debug, Error)]
pub enum DeliveryError {
    /// The application was built without `with_webhook_sender`.
    #[error("no webhook sender is configured, so events cannot be delivered")]
    NoSender,
    #[error(transparent)]
    Unexpected(#[from] StorageError),
}

impl Classify for DeliveryError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Unexpected
    }
}

/// One attempt made, to be recorded.
struct Made {
    business: BusinessId,
    endpoint: WebhookEndpointId,
    attempt: DeliveryAttempt,
    next: DeliveryNext,
}

/// How long the delivery log keeps a delivery once it is done, and an event once it has
/// no delivery left.
pub const WEBHOOK_RETENTION: TimeDelta = TimeDelta::days(30);

/// `duration` in whole milliseconds (saturating).
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A number in `[0, 1)` from an id's random bits (UUIDv7 ids end with 62 of them).
fn jitter(id: uuid::Uuid) -> f64 {
    let bits = id.as_u128() as u32;
    f64::from(bits) / (f64::from(u32::MAX) + 1.0)
}

impl Clientele {
    /// One step: claims up to a batch of due deliveries (one per endpoint), attempts them
    /// concurrently and records every attempt in one transaction.
    pub async fn deliver_webhooks(&self) -> Result<DeliveryReport, DeliveryError> {
        let sender = self
            .webhook_sender
            .as_ref()
            .ok_or(DeliveryError::NoSender)?;
        let policy = self.deliveries;
        let now = self.clock.now();
        let claim = ClaimToken::from_uuid(self.ids.new_id());
        let claimed = {
            let mut tx = self.storage.begin().await?;
            let claimed = tx
                .claim_due_deliveries(claim, now, now + policy.lease, policy.batch)
                .await?;
            tx.commit().await?;
            claimed
        };
        let mut report = DeliveryReport {
            claimed: u32::try_from(claimed.len()).unwrap_or(u32::MAX),
            ..DeliveryReport::default()
        };
        if claimed.is_empty() {
            return Ok(report);
        }
        // Outside any transaction: a slow endpoint must not hold a database lock.
        let made: Vec<Made> = futures_util::stream::iter(claimed)
            .map(|claimed| self.attempt(sender.as_ref(), claimed, policy.timeout))
            .buffer_unordered(policy.in_flight.max(1))
            .collect()
            .await;
        let at = self.clock.now();
        let mut tx = self.storage.begin().await?;
        for made in &made {
            if !tx
                .record_delivery_attempt(made.business, claim, &made.attempt, made.next, at)
                .await?
            {
                report.overtaken += 1;
                continue;
            }
            match made.next {
                DeliveryNext::Succeeded => report.succeeded += 1,
                DeliveryNext::RetryAt(_) => report.retried += 1,
                DeliveryNext::Failed => {
                    report.failed += 1;
                    if self.disable_failing(tx.as_mut(), made, at).await? {
                        report.disabled += 1;
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Deletes, business by business, up to `limit` deliveries done more than
    /// [`WEBHOOK_RETENTION`] ago (with their attempts) and events left without delivery;
    /// how many rows.
    pub async fn purge_webhook_history(&self, limit: u32) -> Result<u64, StorageError> {
        let before = self.clock.now() - WEBHOOK_RETENTION;
        let mut purged = 0;
        let mut businesses = EveryBusiness::default();
        loop {
            let page = businesses.next_page(self.storage.as_ref()).await?;
            if page.is_empty() {
                return Ok(purged);
            }
            for business in &page {
                let mut tx = self.storage.begin().await?;
                purged += tx.purge_webhook_history(business.id, before, limit).await?;
                tx.commit().await?;
            }
        }
    }

    /// Posts one claimed delivery, signed at this instant, and says what becomes of it.
    async fn attempt(
        &self,
        sender: &dyn WebhookSender,
        claimed: ClaimedDelivery,
        timeout: Duration,
    ) -> Made {
        let ClaimedDelivery {
            delivery,
            endpoint,
            body,
        } = claimed;
        let now = self.clock.now();
        let id = delivery.event_id.to_string();
        let signed = sign(
            &endpoint.signing_secrets(now),
            &id,
            now.timestamp(),
            body.as_bytes(),
        );
        let request = WebhookRequest {
            url: endpoint.url().as_str().to_owned(),
            id,
            timestamp: signed.timestamp,
            signature: signed.signature,
            body,
        };
        let answer = sender.post(&request, timeout).await;
        let mut attempt = DeliveryAttempt {
            delivery_id: delivery.id,
            number: delivery.attempts,
            attempted_at: now,
            succeeded: false,
            status_code: None,
            latency_ms: None,
            response: None,
            error: None,
        };
        match answer {
            Ok(response) => {
                attempt.succeeded = is_success(response.status);
                attempt.status_code = Some(response.status);
                attempt.latency_ms = Some(millis(response.latency));
                attempt.response = Some(response.body);
            }
            Err(failure) => {
                if let WebhookFailure::Timeout(after) = &failure {
                    attempt.latency_ms = Some(millis(*after));
                }
                attempt.error = Some(failure.to_string());
            }
        }
        let first = delivery.first_attempt_at.unwrap_or(now);
        let next = match after_attempt(
            delivery.attempts,
            first,
            attempt.succeeded,
            now,
            jitter(self.ids.new_id()),
        ) {
            AfterAttempt::Succeeded => DeliveryNext::Succeeded,
            AfterAttempt::RetryAt(at) => DeliveryNext::RetryAt(at),
            AfterAttempt::GaveUp => DeliveryNext::Failed,
        };
        tracing::debug!(
            delivery = %delivery.id,
            event = %delivery.event_id,
            attempt = attempt.number,
            status = ?attempt.status_code,
            error = ?attempt.error,
            ?next,
            "webhook attempt"
        );
        Made {
            business: delivery.business_id,
            endpoint: delivery.endpoint_id,
            attempt,
            next,
        }
    }

    /// Disables the endpoint a delivery failed for good to, and tells the owners; `false`
    /// if it was gone or disabled already.
    async fn disable_failing(
        &self,
        tx: &mut dyn Transaction,
        made: &Made,
        at: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let reason = match (&made.attempt.status_code, &made.attempt.error) {
            (Some(status), _) => format!("the last attempt was answered with HTTP {status}"),
            (None, Some(error)) => format!("the last attempt failed: {error}"),
            (None, None) => "no attempt succeeded".to_owned(),
        };
        let mut conflicts = 0;
        let endpoint = loop {
            let Some(mut endpoint) = tx.webhook_endpoint(made.business, made.endpoint).await?
            else {
                return Ok(false);
            };
            if !endpoint.enabled() {
                return Ok(false);
            }
            let expected = endpoint.version();
            endpoint.disable_failing(&reason, at);
            match tx.update_webhook_endpoint(&endpoint, expected).await {
                Ok(()) => break endpoint,
                // Changed by staff meanwhile: read again (the transaction is still usable).
                Err(StorageError::VersionConflict) if conflicts < 3 => conflicts += 1,
                Err(error) => return Err(error),
            }
        };
        tracing::warn!(endpoint = %endpoint.id(), %reason, "webhook endpoint disabled after failing for days");
        let Some(business) = tx.business(made.business).await? else {
            return Ok(true);
        };
        let content = endpoint.disabled_email(business.name.as_str());
        let mut after = None;
        loop {
            let page = tx.staff(made.business, after, 100).await?;
            for owner in page.iter().filter(|member| member.role == Role::Owner) {
                self.enqueue(
                    tx,
                    &business,
                    None,
                    EmailKind::WebhookEndpointDisabled,
                    &owner.email,
                    content.clone(),
                )
                .await?;
            }
            match page.last() {
                Some(last) if page.len() == 100 => after = Some(last.id),
                _ => return Ok(true),
            }
        }
    }
}
