//! The outbox dispatched by real `clientele-worker` processes (PL-16, PL-18): two workers
//! share one outbox and one email folder, one is killed with SIGKILL in the middle of a
//! batch, and still every email ends up written exactly once and recorded as sent.
//!
//! How the kill is made to land mid-batch, every run: the doomed worker is frozen
//! (SIGSTOP), its log is read to see whether it holds claimed emails whose outcome it has
//! not recorded yet (it logs "emails claimed" after committing a claim and one line per
//! recorded outcome after committing it), and only then killed with SIGKILL; otherwise
//! it is let go on (SIGCONT) and looked at again a moment later.
//!
//! Two workers that write to separate folders (so that no sender can tell it was sent
//! already) still send every email once: a worker whose claim was taken over after its
//! lease ran out does not send (PL-16).
//!
//! Runs on SQLite by default and on PostgreSQL with `CLIENTELE_TEST_DATABASE_URL`.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use async_trait::async_trait;
use clientele_adapters::testing::fresh_storage;
use clientele_adapters::{EmailFrom, FileEmailSender, SeaStorage, SystemClock, UuidV7Ids};
use clientele_application::cursor::Cursors;
use clientele_application::outbox::OutboxPolicy;
use clientele_application::{Clientele, Config};
use clientele_domain::email::{EmailContent, EmailKind, OutgoingEmail};
use clientele_domain::{BusinessId, EmailAddress, EmailId, SiteScope};
use clientele_ports::storage::EmailState;
use clientele_ports::{Clock, EmailSender, SendError, SendOutcome, Storage};

mod support;

use support::Scratch;

const EMAILS: usize = 200;
/// Short, so that the killed worker's claims run out within the test.
const LEASE_SECONDS: &str = "3";
/// Bounded waits: at most this many polls (of `POLL` each, where they sleep that long).
const POLL: Duration = Duration::from_millis(10);
const MAX_POLLS: u32 = 6_000;

/// The default business (created as on a first start) with `count` emails queued for it
/// now, as a booking would queue them.
async fn queue_emails(storage: &SeaStorage, count: usize) -> (BusinessId, BTreeSet<EmailId>) {
    let business = default_business(storage).await;
    let ids = queue_emails_at(storage, business, count, SystemClock.now()).await;
    (business, ids)
}

/// The application on `storage`, on the real clock.
fn app_on(storage: &SeaStorage) -> Clientele {
    Clientele::new(
        Arc::new(storage.clone()),
        Arc::new(SystemClock),
        Arc::new(UuidV7Ids),
        Config::default(),
        Cursors::ephemeral(),
    )
}

async fn default_business(storage: &SeaStorage) -> BusinessId {
    app_on(storage)
        .bootstrap(None)
        .await
        .expect("bootstrap")
        .expect("a fresh database bootstraps")
        .business
}

/// `count` emails queued at `at` for `business`.
async fn queue_emails_at(
    storage: &SeaStorage,
    business: BusinessId,
    count: usize,
    at: DateTime<Utc>,
) -> BTreeSet<EmailId> {
    let mut ids = BTreeSet::new();
    let mut tx = storage.begin().await.expect("begin");
    for n in 0..count {
        let email = OutgoingEmail {
            id: EmailId::from_uuid(uuid::Uuid::now_v7()),
            business_id: business,
            site_id: None,
            kind: EmailKind::BookingConfirmation,
            to: EmailAddress::parse("to", &format!("client{n}@example.com")).expect("address"),
            content: EmailContent {
                subject: format!("Appointment {n} confirmed"),
                text: format!("Hello,\n\nappointment {n} is confirmed.\n"),
                html: format!("<p>Hello,</p>\n<p>appointment {n} is confirmed.</p>\n"),
            },
            created_at: at,
        };
        tx.enqueue_email(&email).await.expect("enqueue");
        ids.insert(email.id);
    }
    tx.commit().await.expect("commit");
    ids
}

/// A worker process, SIGKILLed when dropped if still there, so that a failing test leaves
/// no worker behind (not even a stopped one).
struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `clientele-worker run` on `database_url`, writing emails into `scratch` and its log to
/// `scratch/<name>.log`, on the real clock with a short lease.
fn start_worker(name: &str, database_url: &str, scratch: &Scratch) -> Worker {
    let log = File::create(scratch.path().join(format!("{name}.log"))).expect("a log file");
    Command::new(env!("CARGO_BIN_EXE_clientele-worker"))
        .args(["run", "--interval", "1"])
        .env("DATABASE_URL", database_url)
        .env("CLIENTELE_EMAIL_DIR", scratch.emails())
        .env("CLIENTELE_EMAIL_LEASE_SECONDS", LEASE_SECONDS)
        // Claims and recorded outcomes are logged at debug; the test reads them back.
        .env("CLIENTELE_LOG", "info,clientele_application::outbox=debug")
        // Plain log lines, without colours, to be read back.
        .env("NO_COLOR", "1")
        .env_remove("CLIENTELE_SMTP_URL")
        .env_remove("CLIENTELE_NOW")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map(Worker)
        .expect("the worker starts")
}

/// The visible files of the email folder (hidden ones are a writer's temporary files).
fn written(dir: &Path) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeSet::new();
    };
    entries
        .map_while(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect()
}

fn hidden(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("the email folder")
        .map_while(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect()
}

/// How many of the business's emails are recorded as sent, and how many there are.
async fn sent_count(storage: &SeaStorage, business: BusinessId) -> (usize, usize) {
    let mut tx = storage.read().await.expect("read");
    let (mut sent, mut total, mut after) = (0, 0, None);
    loop {
        let page = tx
            .emails(business, &SiteScope::All, after, 100)
            .await
            .expect("emails");
        sent += page
            .iter()
            .filter(|e| matches!(e.state, EmailState::Sent { .. }))
            .count();
        total += page.len();
        match page.last() {
            Some(last) if page.len() == 100 => after = Some(last.email.id),
            _ => return (sent, total),
        }
    }
}

/// What a worker's log says about its claims.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Claims {
    /// Emails claimed, over all its batches.
    claimed: u32,
    /// Emails of its last batch whose outcome it has not recorded (yet).
    unrecorded: u32,
    /// Emails it found already sent (by an earlier, unrecorded attempt).
    already_sent: u32,
}

/// The number after `field=` in `line`.
fn field(line: &str, field: &str) -> Option<u32> {
    let rest = line.split(&format!(" {field}=")).nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn claims_in(log: &Path) -> Claims {
    let mut claims = Claims::default();
    for line in std::fs::read_to_string(log).unwrap_or_default().lines() {
        if line.contains("emails claimed") {
            let batch = field(line, "claimed").expect("a claim line counts its emails");
            claims.claimed += batch;
            claims.unrecorded = batch;
        } else if line.contains("email sent")
            || line.contains("email not sent")
            || line.contains("email refused")
        {
            claims.unrecorded = claims.unrecorded.saturating_sub(1);
            if line.contains("outcome=AlreadySent") {
                claims.already_sent += 1;
            }
        }
    }
    claims
}

fn signal(worker: &Worker, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &worker.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {signal} failed");
}

/// Whether the process is stopped (Linux: state `T` in `/proc/PID/stat`).
fn stopped(worker: &Worker) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", worker.0.id())).unwrap_or_default();
    // The state follows the command name, which is in parentheses.
    stat.rsplit_once(") ")
        .is_some_and(|(_, rest)| rest.starts_with('T'))
}

/// Freezes `worker`, and SIGKILLs it if its log shows at least two claimed emails it has
/// not recorded and some email was written; otherwise lets it go on. Returns the claims
/// it died with.
///
/// A worker logs an outcome just after committing it, so the log may lag by one: of the
/// `unrecorded` emails the log shows, at least `unrecorded - 1` really were unrecorded.
fn kill_if_mid_batch(worker: &mut Worker, log: &Path, emails: &Path) -> Option<Claims> {
    signal(worker, "-STOP");
    let mut polls = 0;
    while !stopped(worker) {
        polls += 1;
        assert!(polls < MAX_POLLS, "the worker never stopped");
        std::thread::sleep(Duration::from_millis(1));
    }
    let claims = claims_in(log);
    if claims.unrecorded >= 2 && !written(emails).is_empty() {
        worker.0.kill().expect("SIGKILL"); // std's kill is SIGKILL: the worker gets no say.
        worker.0.wait().expect("the killed worker is reaped");
        Some(claims)
    } else {
        signal(worker, "-CONT");
        None
    }
}

fn terminate(worker: &mut Worker) -> std::process::ExitStatus {
    signal(worker, "-TERM");
    worker.0.wait().expect("the worker exits")
}

#[tokio::test(flavor = "multi_thread")]
async fn pl_18_two_workers_send_every_email_exactly_once_even_when_one_is_killed_mid_batch() {
    // Arrange: one business, EMAILS queued emails, and two workers started at once on them.
    let (storage, database) = fresh_storage().await;
    let (business, ids) = queue_emails(&storage, EMAILS).await;
    let scratch = Scratch::new();
    let emails = scratch.emails();
    let (doomed_log, survivor_log) = (
        scratch.path().join("doomed.log"),
        scratch.path().join("survivor.log"),
    );
    let mut doomed = start_worker("doomed", database.url(), &scratch);
    let mut survivor = start_worker("survivor", database.url(), &scratch);

    // Act: SIGKILL one worker while it holds claimed emails it has not recorded.
    let mut polls = 0;
    let held = loop {
        if let Some(claims) = kill_if_mid_batch(&mut doomed, &doomed_log, &emails) {
            break claims.unrecorded;
        }
        polls += 1;
        assert!(polls < MAX_POLLS, "never caught the worker mid-batch");
        std::thread::sleep(Duration::from_millis(2));
    };
    let at_kill = written(&emails).len();
    eprintln!(
        "killed a worker holding {held} unrecorded emails; {at_kill} of {EMAILS} were written"
    );

    // The survivor finishes: its own share, then the dead worker's once their leases run out.
    let mut polls = 0;
    loop {
        let (sent, _) = sent_count(&storage, business).await;
        if sent == EMAILS {
            break;
        }
        polls += 1;
        assert!(
            polls < MAX_POLLS,
            "after the kill, {sent} of {EMAILS} emails recorded as sent"
        );
        tokio::time::sleep(POLL).await;
    }
    let status = terminate(&mut survivor);

    // Assert: one file per email, named by its id, whole; nothing else; every row sent.
    assert!(
        status.success(),
        "the survivor exits 0 on SIGTERM: {status:?}"
    );
    let expected: BTreeSet<String> = ids.iter().map(|id| format!("{id}.eml")).collect();
    assert_eq!(written(&emails), expected, "exactly one file per email");
    for id in &ids {
        let message = std::fs::read_to_string(emails.join(format!("{id}.eml"))).expect("a file");
        assert!(message.contains(&format!("Message-ID: <{id}@clientele>")));
        assert!(message.trim_end().ends_with("--"), "{id}.eml is whole");
    }
    // The killed worker sent one email at a time: at most one temporary file is left.
    let leftovers = hidden(&emails);
    assert!(leftovers.len() <= 1, "temporary files left: {leftovers:?}");
    assert_eq!(sent_count(&storage, business).await, (EMAILS, EMAILS));
    // Claims never overlapped: every email was claimed once, except the ones the killed
    // worker held (`held`, or one less if its last outcome was committed but not yet
    // logged), claimed again once their lease ran out. Of those, only the one it may have
    // been writing when it died can have been written already.
    let (dead, alive) = (claims_in(&doomed_log), claims_in(&survivor_log));
    eprintln!("claims: killed worker {dead:?}, survivor {alive:?}");
    let claimed = dead.claimed + alive.claimed;
    let expected = EMAILS as u32 + held;
    assert!(
        claimed == expected || claimed == expected - 1,
        "{claimed} claims for {EMAILS} emails and {held} held by the killed worker"
    );
    assert!(alive.already_sent <= 1, "{alive:?}");
}

#[tokio::test]
async fn pl_17_worker_once_at_an_injected_now_sends_the_emails_due_then_and_exits_0() {
    // Arrange: two emails queued at 10:00, one at 11:00.
    let (storage, database) = fresh_storage().await;
    let business = default_business(&storage).await;
    let ten = "2026-11-22T10:00:00Z"
        .parse::<DateTime<Utc>>()
        .expect("an instant");
    let due = queue_emails_at(&storage, business, 2, ten).await;
    let later = queue_emails_at(&storage, business, 1, ten + TimeDelta::hours(1)).await;
    let scratch = Scratch::new();

    // Act: one pass at 10:30.
    let output = Command::new(env!("CARGO_BIN_EXE_clientele-worker"))
        .args(["once", "--now", "2026-11-22T10:30:00Z"])
        .env("DATABASE_URL", database.url())
        .env("CLIENTELE_EMAIL_DIR", scratch.emails())
        .env("CLIENTELE_LOG", "warn")
        .env_remove("CLIENTELE_SMTP_URL")
        .output()
        .expect("the worker runs");

    // Assert: the two due emails are written and recorded as sent at 10:30; not the other.
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected: BTreeSet<String> = due.iter().map(|id| format!("{id}.eml")).collect();
    assert_eq!(written(&scratch.emails()), expected);
    let mut tx = storage.read().await.expect("read");
    for email in tx
        .emails(business, &SiteScope::All, None, 10)
        .await
        .expect("emails")
    {
        if later.contains(&email.email.id) {
            assert!(matches!(
                email.state,
                EmailState::Pending { attempts: 0, .. }
            ));
        } else {
            let at = ten + TimeDelta::minutes(30);
            assert_eq!(email.state, EmailState::Sent { at });
        }
    }
}

/// A sender into its own folder that takes `delay` per email, as a slow SMTP server does.
struct SlowSender {
    inner: FileEmailSender,
    delay: Duration,
}

#[async_trait]
impl EmailSender for SlowSender {
    async fn send(&self, email: &OutgoingEmail) -> Result<SendOutcome, SendError> {
        tokio::time::sleep(self.delay).await;
        self.inner.send(email).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pl_16_two_workers_with_separate_folders_send_every_email_once_though_leases_run_out() {
    // Arrange: the first worker's batch (10 emails, 25 ms each) takes longer than a lease
    // (100 ms), and the second claims one email at a time, so it claims emails of the
    // first's batch that are still to be sent.
    let (storage, _db) = fresh_storage().await;
    let (business, ids) = queue_emails(&storage, 60).await;
    let scratch = Scratch::new();
    let worker = |name: &str, batch: u32| {
        let folder = scratch.path().join(name);
        let from = EmailFrom::parse("Spa <spa@example.com>").expect("from");
        let sender = SlowSender {
            inner: FileEmailSender::new(&folder, from).expect("a folder"),
            delay: Duration::from_millis(25),
        };
        let app = app_on(&storage)
            .with_email_sender(Arc::new(sender))
            .with_outbox_policy(OutboxPolicy {
                lease: TimeDelta::milliseconds(100),
                batch,
                max_attempts: 8,
            });
        (app, folder)
    };
    let (first, first_folder) = worker("first", 10);
    let (second, second_folder) = worker("second", 1);

    // Act: both dispatch in a loop until every email is recorded as sent.
    let dispatch = |app: Clientele, storage: SeaStorage| async move {
        let mut overtaken = 0;
        for _ in 0..MAX_POLLS {
            if sent_count(&storage, business).await.0 == 60 {
                return overtaken;
            }
            overtaken += app.dispatch_emails().await.expect("dispatch").overtaken;
            tokio::time::sleep(POLL).await;
        }
        panic!("the emails were not all sent in time");
    };
    let (overtaken_first, overtaken_second) = tokio::join!(
        tokio::spawn(dispatch(first, storage.clone())),
        tokio::spawn(dispatch(second, storage.clone())),
    );
    let overtaken = overtaken_first.expect("first") + overtaken_second.expect("second");

    // Assert: each email is in exactly one of the two folders.
    let (in_first, in_second) = (written(&first_folder), written(&second_folder));
    let twice: Vec<&String> = in_first.intersection(&in_second).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    let all: BTreeSet<String> = in_first.union(&in_second).cloned().collect();
    let expected: BTreeSet<String> = ids.iter().map(|id| format!("{id}.eml")).collect();
    assert_eq!(all, expected);
    assert!(
        overtaken > 0,
        "the leases never ran out: the test proved nothing"
    );
}
