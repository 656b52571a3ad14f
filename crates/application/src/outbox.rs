//! The outbox's dispatch (PL-16, PL-18): the worker's job that hands queued emails to the
//! email port, retries transient failures with backoff, and gives up on permanent ones.
//!
//! Must not depend on any concrete sender or on storage details: it sees the outbox
//! through `OutboxRepository` and the world through `EmailSender`.
//!
//! Why nothing is lost or sent twice: an email is claimed under a lease and a fresh claim
//! token in one short transaction (claims never overlap, even across processes). Just
//! before it is sent, the claim is confirmed and extended in another short transaction:
//! if its lease ran out meanwhile (a slow batch) and another worker claimed the email,
//! the confirmation fails and this worker does not send it, whatever sender each worker
//! uses. It is sent outside any transaction, and its outcome recorded in a third. A worker
//! killed after the claim leaves the lease to run out, and the email is claimed again.
//! The one window left is a worker killed after sending but before recording: the email
//! is sent again under the same id, which a sender that can (the file sender, per
//! folder) answers "already sent" (`EmailSender`'s idempotence contract); SMTP carries
//! the id as the Message-ID for the receiving side to recognise. The lease must outlast
//! one send (the SMTP sender's timeout), or a slow send could be overtaken.

use chrono::TimeDelta;
use thiserror::Error;

use clientele_domain::BusinessId;
use clientele_ports::storage::{ClaimToken, EmailState, OutboxEmail};
use clientele_ports::{SendError, SendOutcome, StorageError};

use crate::Clientele;
use crate::businesses::EveryBusiness;
use crate::error::{Classify, ErrorKind};

/// How the dispatch claims and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxPolicy {
    /// How long a claimed email is reserved for the worker that claimed it. Longer than
    /// any send takes; a worker that dies holds its emails this long.
    pub lease: TimeDelta,
    /// How many emails of one business one step claims at most.
    pub batch: u32,
    /// After this many failed attempts an email is given up (marked failed).
    pub max_attempts: u32,
}

impl Default for OutboxPolicy {
    fn default() -> Self {
        Self {
            lease: TimeDelta::minutes(5),
            batch: 10,
            max_attempts: 8,
        }
    }
}

/// The wait before the next attempt after `attempts` attempts failed transiently:
/// 30 s, 1 min, 2 min, … doubling, never more than 6 h.
pub fn retry_delay(attempts: u32) -> TimeDelta {
    const FIRST_SECONDS: i64 = 30;
    const MAX_SECONDS: i64 = 6 * 60 * 60;
    let doublings = attempts.saturating_sub(1);
    let seconds = 2_i64
        .checked_pow(doublings)
        .and_then(|factor| factor.checked_mul(FIRST_SECONDS))
        .map_or(MAX_SECONDS, |seconds| seconds.min(MAX_SECONDS));
    TimeDelta::seconds(seconds)
}

/// What becomes of an email after a transient failure of its `attempts`-th attempt:
/// `Some(delay)` to try again after `delay`, `None` to give up.
pub fn after_transient_failure(attempts: u32, max_attempts: u32) -> Option<TimeDelta> {
    (attempts < max_attempts).then(|| retry_delay(attempts))
}

/// What one dispatch step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Emails claimed (and so attempted).
    pub claimed: u32,
    /// Handed over to the sender now.
    pub sent: u32,
    /// Found sent already by an earlier attempt whose outcome was never recorded (a
    /// worker killed between sending and recording): recorded as sent, not delivered again.
    pub already_sent: u32,
    /// Not sent: the claim could not be confirmed before sending (the lease ran out and
    /// another worker took the email over, or it was recorded meanwhile).
    pub overtaken: u32,
    /// To be tried again later.
    pub retried: u32,
    /// Given up.
    pub failed: u32,
}

#[derive(Debug, Error)]
pub enum DispatchError {
    /// The application was built without `with_email_sender`: dispatching would only
    /// pretend to send.
    #[error("no email sender is configured, so the outbox cannot be dispatched")]
    NoSender,
    #[error(transparent)]
    Unexpected(#[from] StorageError),
}

impl Classify for DispatchError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Unexpected
    }
}

impl Clientele {
    /// One step of the outbox: for every business, claims up to a batch of due emails,
    /// sends them and records each outcome. Claims nothing when nothing is due.
    pub async fn dispatch_emails(&self) -> Result<DispatchReport, DispatchError> {
        if self.email_sender.is_none() {
            return Err(DispatchError::NoSender);
        }
        let mut report = DispatchReport::default();
        let mut businesses = EveryBusiness::default();
        loop {
            let page = businesses.next_page(self.storage.as_ref()).await?;
            if page.is_empty() {
                return Ok(report);
            }
            for business in &page {
                self.dispatch_business(business.id, &mut report).await?;
            }
        }
    }

    async fn dispatch_business(
        &self,
        business: BusinessId,
        report: &mut DispatchReport,
    ) -> Result<(), DispatchError> {
        let sender = self.email_sender.as_ref().ok_or(DispatchError::NoSender)?;
        let now = self.clock.now();
        let claim = ClaimToken::from_uuid(self.ids.new_id());
        let claimed = {
            let mut tx = self.storage.begin().await?;
            let claimed = tx
                .claim_due_emails(
                    business,
                    claim,
                    now,
                    now + self.outbox.lease,
                    self.outbox.batch,
                )
                .await?;
            tx.commit().await?;
            claimed
        };
        if !claimed.is_empty() {
            tracing::debug!(%business, claimed = claimed.len(), "emails claimed");
        }
        for email in claimed {
            report.claimed += 1;
            if !self.confirm(business, &email, claim).await? {
                report.overtaken += 1;
                tracing::debug!(id = %email.email.id, "email claim ran out; not sent");
                continue;
            }
            // Outside any transaction: a slow server must not hold a database lock.
            let outcome = sender.send(&email.email).await;
            self.record(business, &email, claim, outcome, report)
                .await?;
        }
        Ok(())
    }

    /// Confirms, in its own short transaction, that `claim` still holds `email`, and
    /// extends the lease for the send about to be made.
    async fn confirm(
        &self,
        business: BusinessId,
        email: &OutboxEmail,
        claim: ClaimToken,
    ) -> Result<bool, DispatchError> {
        let now = self.clock.now();
        let mut tx = self.storage.begin().await?;
        let confirmed = tx
            .confirm_email_claim(business, email.email.id, claim, now + self.outbox.lease)
            .await?;
        tx.commit().await?;
        Ok(confirmed)
    }

    /// Records one send's outcome in its own short transaction, then logs it (a logged
    /// outcome is a recorded one).
    async fn record(
        &self,
        business: BusinessId,
        email: &OutboxEmail,
        claim: ClaimToken,
        outcome: Result<SendOutcome, SendError>,
        report: &mut DispatchReport,
    ) -> Result<(), DispatchError> {
        let id = email.email.id;
        let attempts = attempts_of(email);
        let now = self.clock.now();
        let recorded = match outcome {
            Ok(outcome) => Recorded::Sent(outcome),
            Err(SendError::Transient(error)) => {
                match after_transient_failure(attempts, self.outbox.max_attempts) {
                    Some(delay) => Recorded::Retry { delay, error },
                    None => Recorded::GaveUp(error),
                }
            }
            Err(SendError::Permanent(error)) => Recorded::Refused(error),
        };
        let mut tx = self.storage.begin().await?;
        match &recorded {
            Recorded::Sent(_) => tx.mark_email_sent(business, id, now).await?,
            Recorded::Retry { delay, error } => {
                tx.mark_email_retry(business, id, claim, now + *delay, error)
                    .await?;
            }
            Recorded::GaveUp(error) | Recorded::Refused(error) => {
                tx.mark_email_failed(business, id, claim, error).await?;
            }
        }
        tx.commit().await?;
        match recorded {
            Recorded::Sent(outcome) => {
                match outcome {
                    SendOutcome::Sent => report.sent += 1,
                    SendOutcome::AlreadySent => report.already_sent += 1,
                }
                tracing::debug!(%id, ?outcome, "email sent");
            }
            Recorded::Retry { delay, error } => {
                report.retried += 1;
                tracing::warn!(%id, attempts, %error, retry_in = %delay, "email not sent; will retry");
            }
            Recorded::GaveUp(error) => {
                report.failed += 1;
                tracing::warn!(%id, attempts, %error, "email not sent; giving up after too many attempts");
            }
            Recorded::Refused(error) => {
                report.failed += 1;
                tracing::warn!(%id, attempts, %error, "email refused; giving up");
            }
        }
        Ok(())
    }
}

/// What the outbox records after one attempt.
enum Recorded {
    /// Sent now or before: done.
    Sent(SendOutcome),
    /// A transient failure: due again after `delay`.
    Retry { delay: TimeDelta, error: String },
    /// A transient failure at the last allowed attempt.
    GaveUp(String),
    /// A permanent failure.
    Refused(String),
}

/// The attempt a claimed email is at (a claim counts it). A claimed email is pending by
/// the repository's contract; anything else counts as a first attempt.
fn attempts_of(email: &OutboxEmail) -> u32 {
    match email.state {
        EmailState::Pending { attempts, .. } => attempts.max(1),
        EmailState::Sent { .. } | EmailState::Failed { .. } => 1,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use chrono::TimeDelta;
    use clientele_domain::email::{EmailContent, EmailKind, OutgoingEmail};
    use clientele_domain::{
        Business, BusinessName, BusinessSettings, Currency, EmailAddress, EmailId, TimeZone,
        Version,
    };
    use clientele_ports::clock::MockClock;
    use clientele_ports::email::MockEmailSender;
    use clientele_ports::ids::MockIdGenerator;
    use clientele_ports::storage::{EmailState, MockStorage, MockTransaction, OutboxEmail};
    use clientele_ports::{SendError, SendOutcome};
    use mockall::predicate::eq;

    use super::*;
    use crate::Config;
    use crate::testing::{business, now, uuid};

    #[test]
    fn pl_18_retries_back_off_exponentially_from_30_seconds_up_to_6_hours() {
        let table = [
            (0, 30),
            (1, 30),
            (2, 60),
            (3, 120),
            (4, 240),
            (8, 3_840),
            (10, 15_360),
            (11, 21_600),
            (40, 21_600),
            (u32::MAX, 21_600),
        ];
        for (attempts, seconds) in table {
            assert_eq!(
                retry_delay(attempts),
                TimeDelta::seconds(seconds),
                "after {attempts} attempts"
            );
        }
    }

    #[test]
    fn pl_18_a_transient_failure_is_retried_until_the_last_allowed_attempt() {
        let table = [
            (1, 8, Some(30)),
            (7, 8, Some(1_920)),
            (8, 8, None),
            (9, 8, None),
            (1, 1, None),
        ];
        for (attempts, max, expected) in table {
            assert_eq!(
                after_transient_failure(attempts, max),
                expected.map(TimeDelta::seconds),
                "attempt {attempts} of {max}"
            );
        }
    }

    fn stored_business() -> Business {
        Business {
            id: business(),
            name: BusinessName::parse("Spa").unwrap(),
            settings: BusinessSettings::new(TimeZone::utc(), Currency::parse("EUR").unwrap()),
            mode: clientele_domain::test_clock::BusinessMode::Live,
            created_at: now(),
            updated_at: now(),
            version: Version::initial(),
        }
    }

    fn email_id() -> EmailId {
        EmailId::from_uuid(uuid(70))
    }

    fn claim() -> ClaimToken {
        ClaimToken::from_uuid(uuid(71))
    }

    fn claimed(attempts: u32) -> OutboxEmail {
        OutboxEmail {
            email: OutgoingEmail {
                id: email_id(),
                business_id: business(),
                site_id: None,
                kind: EmailKind::BookingConfirmation,
                to: EmailAddress::parse("to", "ana@example.com").unwrap(),
                content: EmailContent {
                    subject: "Hello".into(),
                    text: "Hello\n".into(),
                    html: "<p>Hello</p>".into(),
                },
                created_at: now(),
            },
            state: EmailState::Pending {
                attempts,
                next_attempt_at: now(),
            },
        }
    }

    /// The application over storage that hands out `transactions` in order (read or
    /// write alike) and `sender`.
    fn app_with(transactions: Vec<MockTransaction>, sender: MockEmailSender) -> Clientele {
        let queue = Arc::new(Mutex::new(transactions.into_iter()));
        let hand_out = move || {
            let tx = queue
                .lock()
                .unwrap()
                .next()
                .expect("no more transactions expected");
            Ok(Box::new(tx) as Box<dyn clientele_ports::Transaction>)
        };
        let hand_out = Arc::new(hand_out);
        let (write, read) = (hand_out.clone(), hand_out);
        let mut storage = MockStorage::new();
        storage.expect_begin().returning(move || write());
        storage.expect_read().returning(move || read());
        let mut clock = MockClock::new();
        clock.expect_now().returning(now);
        let mut ids = MockIdGenerator::new();
        ids.expect_new_id().returning(|| claim().as_uuid());
        Clientele::new(
            Arc::new(storage),
            Arc::new(clock),
            Arc::new(ids),
            Config::default(),
            crate::cursor::Cursors::ephemeral(),
        )
        .with_email_sender(Arc::new(sender))
    }

    /// The transactions of one step over one business with one due email: list the
    /// businesses, claim, confirm the claim, then `record` (expectations on the outcome's
    /// transaction).
    fn one_email_step(
        attempts: u32,
        record: impl FnOnce(&mut MockTransaction),
    ) -> Vec<MockTransaction> {
        let mut transactions = claiming_one(attempts);
        transactions.push(confirming(true));
        let mut outcome = MockTransaction::new();
        record(&mut outcome);
        outcome.commit.expect_commit().times(1).returning(|| Ok(()));
        transactions.push(outcome);
        transactions
    }

    /// The transactions that list the one business and claim its one due email.
    fn claiming_one(attempts: u32) -> Vec<MockTransaction> {
        let mut list = MockTransaction::new();
        list.businesses
            .expect_businesses()
            .with(eq(None), eq(EveryBusiness::PAGE))
            .return_once(|_, _| Ok(vec![stored_business()]));
        let mut claiming = MockTransaction::new();
        claiming
            .outbox
            .expect_claim_due_emails()
            .with(
                eq(business()),
                eq(claim()),
                eq(now()),
                eq(now() + TimeDelta::minutes(5)),
                eq(10),
            )
            .return_once(move |_, _, _, _, _| Ok(vec![claimed(attempts)]));
        claiming
            .commit
            .expect_commit()
            .times(1)
            .returning(|| Ok(()));
        vec![list, claiming]
    }

    /// The transaction that confirms the claim of the email before it is sent, answering
    /// `confirmed`.
    fn confirming(confirmed: bool) -> MockTransaction {
        let mut confirm = MockTransaction::new();
        confirm
            .outbox
            .expect_confirm_email_claim()
            .with(
                eq(business()),
                eq(email_id()),
                eq(claim()),
                eq(now() + TimeDelta::minutes(5)),
            )
            .times(1)
            .return_once(move |_, _, _, _| Ok(confirmed));
        confirm.commit.expect_commit().times(1).returning(|| Ok(()));
        confirm
    }

    fn sender_answering(answer: fn() -> Result<SendOutcome, SendError>) -> MockEmailSender {
        let mut sender = MockEmailSender::new();
        sender
            .expect_send()
            .withf(|email| email.id == email_id())
            .times(1)
            .returning(move |_| answer());
        sender
    }

    #[tokio::test]
    async fn pl_18_a_transient_failure_schedules_a_retry_with_backoff() {
        let transactions = one_email_step(3, |tx| {
            tx.outbox
                .expect_mark_email_retry()
                .with(
                    eq(business()),
                    eq(email_id()),
                    eq(claim()),
                    eq(now() + TimeDelta::minutes(2)),
                    eq("connection refused"),
                )
                .times(1)
                .returning(|_, _, _, _, _| Ok(()));
            tx.outbox.expect_mark_email_sent().never();
            tx.outbox.expect_mark_email_failed().never();
        });
        let sender = sender_answering(|| Err(SendError::Transient("connection refused".into())));

        let report = app_with(transactions, sender)
            .dispatch_emails()
            .await
            .unwrap();

        assert_eq!(report.claimed, 1);
        assert_eq!(report.retried, 1);
    }

    #[tokio::test]
    async fn pl_18_a_transient_failure_at_the_last_attempt_gives_up() {
        let transactions = one_email_step(8, |tx| {
            tx.outbox
                .expect_mark_email_failed()
                .with(eq(business()), eq(email_id()), eq(claim()), eq("timeout"))
                .times(1)
                .returning(|_, _, _, _| Ok(()));
            tx.outbox.expect_mark_email_sent().never();
            tx.outbox.expect_mark_email_retry().never();
        });
        let sender = sender_answering(|| Err(SendError::Transient("timeout".into())));

        let report = app_with(transactions, sender)
            .dispatch_emails()
            .await
            .unwrap();

        assert_eq!(report.failed, 1);
    }

    #[tokio::test]
    async fn pl_18_a_permanent_failure_marks_the_email_failed_at_once() {
        let transactions = one_email_step(1, |tx| {
            tx.outbox
                .expect_mark_email_failed()
                .with(
                    eq(business()),
                    eq(email_id()),
                    eq(claim()),
                    eq("550 no such user"),
                )
                .times(1)
                .returning(|_, _, _, _| Ok(()));
            tx.outbox.expect_mark_email_sent().never();
            tx.outbox.expect_mark_email_retry().never();
        });
        let sender = sender_answering(|| Err(SendError::Permanent("550 no such user".into())));

        let report = app_with(transactions, sender)
            .dispatch_emails()
            .await
            .unwrap();

        assert_eq!(report.failed, 1);
        assert_eq!(report.retried, 0);
    }

    #[tokio::test]
    async fn pl_16_an_email_already_sent_by_a_killed_worker_is_marked_sent_not_resent() {
        let transactions = one_email_step(2, |tx| {
            tx.outbox
                .expect_mark_email_sent()
                .with(eq(business()), eq(email_id()), eq(now()))
                .times(1)
                .returning(|_, _, _| Ok(()));
            tx.outbox.expect_mark_email_retry().never();
            tx.outbox.expect_mark_email_failed().never();
        });
        let sender = sender_answering(|| Ok(SendOutcome::AlreadySent));

        let report = app_with(transactions, sender)
            .dispatch_emails()
            .await
            .unwrap();

        assert_eq!(report.already_sent, 1);
        assert_eq!(report.sent, 0);
    }

    #[tokio::test]
    async fn pl_18_a_sent_email_is_marked_sent() {
        let transactions = one_email_step(1, |tx| {
            tx.outbox
                .expect_mark_email_sent()
                .times(1)
                .returning(|_, _, _| Ok(()));
            tx.outbox.expect_mark_email_retry().never();
            tx.outbox.expect_mark_email_failed().never();
        });
        let sender = sender_answering(|| Ok(SendOutcome::Sent));

        let report = app_with(transactions, sender)
            .dispatch_emails()
            .await
            .unwrap();

        assert_eq!(
            report,
            DispatchReport {
                claimed: 1,
                sent: 1,
                already_sent: 0,
                overtaken: 0,
                retried: 0,
                failed: 0
            }
        );
    }

    #[tokio::test]
    async fn pl_16_an_email_whose_claim_ran_out_and_was_taken_over_is_not_sent() {
        let mut transactions = claiming_one(1);
        transactions.push(confirming(false));
        let mut sender = MockEmailSender::new();
        sender.expect_send().never();

        let report = app_with(transactions, sender)
            .dispatch_emails()
            .await
            .unwrap();

        assert_eq!(
            report,
            DispatchReport {
                claimed: 1,
                overtaken: 1,
                ..DispatchReport::default()
            }
        );
    }

    #[tokio::test]
    async fn pl_18_nothing_due_claims_nothing_and_sends_nothing() {
        let mut list = MockTransaction::new();
        list.businesses
            .expect_businesses()
            .return_once(|_, _| Ok(vec![stored_business()]));
        let mut claim = MockTransaction::new();
        claim
            .outbox
            .expect_claim_due_emails()
            .return_once(|_, _, _, _, _| Ok(vec![]));
        claim.commit.expect_commit().times(1).returning(|| Ok(()));
        let mut sender = MockEmailSender::new();
        sender.expect_send().never();

        let report = app_with(vec![list, claim], sender)
            .dispatch_emails()
            .await
            .unwrap();

        assert_eq!(report, DispatchReport::default());
    }

    #[tokio::test]
    async fn pl_18_dispatching_without_a_sender_is_an_error_not_a_silent_skip() {
        let mut storage = MockStorage::new();
        storage.expect_begin().never();
        storage.expect_read().never();
        let app = Clientele::new(
            Arc::new(storage),
            Arc::new(MockClock::new()),
            Arc::new(MockIdGenerator::new()),
            Config::default(),
            crate::cursor::Cursors::ephemeral(),
        );

        let outcome = app.dispatch_emails().await;

        assert!(matches!(outcome, Err(DispatchError::NoSender)));
    }
}
