//! ME-9, PL-16, PL-17 under fault injection: real `clientele-worker run` processes bill
//! due memberships while they are killed with SIGKILL at random moments and restarted;
//! afterwards every membership's period was charged exactly once (by the processor's own
//! record, the stub's journal file shared by the workers, and by the database), nothing
//! was left pending, and every email was written exactly once.
//!
//! Small by default (for CI). The figures reported for ME-9 come from a larger run:
//! `CLIENTELE_FAULT_MEMBERSHIPS=3000 CLIENTELE_FAULT_KILLS=200 cargo test -p
//! clientele-worker --test billing_faults -- --nocapture`, with
//! `CLIENTELE_TEST_DATABASE_URL=postgres://…` for PostgreSQL. `CLIENTELE_FAULT_SEED`
//! replays a run's kill moments.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Months, Utc};

use clientele_adapters::testing::fresh_storage;
use clientele_adapters::{SeaStorage, SystemClock, UuidV7Ids, read_journal};
use clientele_application::cursor::Cursors;
use clientele_application::memberships::{MembershipRequest, MembershipTypeRequest};
use clientele_application::payments::NewCard;
use clientele_application::{Clientele, Config};
use clientele_domain::client::ClientInput;
use clientele_domain::membership::{ChargeKey, MembershipNumber, PaymentKind, PeriodUnit};
use clientele_domain::{Actor, BusinessId, MembershipId, SiteScope};
use clientele_ports::Storage;
use clientele_ports::payments::ChargeRecord;
use clientele_ports::storage::{ChargeStatus, EmailState};

mod support;

use support::Scratch;

const DECLINED_CARD: &str = "4000 0000 0000 0002";
const GOOD_CARD: &str = "4242 4242 4242 4242";
/// Every this many memberships, one pays with a card that is declined.
const DECLINED_EVERY: usize = 7;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small xorshift generator: the kill moments, replayable from the seed.
struct Moments(u64);

impl Moments {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

type Made = BTreeMap<MembershipId, (MembershipNumber, bool)>;

/// The default business, and in it `count` clients each with a stored card and a monthly
/// card membership starting today: their ids, numbers and whether the card is declined.
async fn memberships(storage: &SeaStorage, count: usize) -> (BusinessId, Made) {
    let app = Clientele::new(
        Arc::new(storage.clone()),
        Arc::new(SystemClock),
        Arc::new(UuidV7Ids),
        Config::default(),
        Cursors::ephemeral(),
    )
    .with_processors(Arc::new(clientele_adapters::StubProcessors::new()));
    let boot = app
        .bootstrap(None)
        .await
        .expect("bootstrap")
        .expect("a fresh database");
    let owner: Actor = app
        .authenticate(&boot.owner_token)
        .await
        .expect("the owner");
    let kind = app
        .create_membership_type(
            &owner,
            &MembershipTypeRequest {
                name: "Gold".into(),
                rate: "49.90".into(),
                currency: None,
                period_unit: PeriodUnit::Month,
                period_every: 1,
                credits: 0,
                payment: PaymentKind::Card,
                appointments_product_id: None,
                fixed_day: None,
                prorate: false,
            },
        )
        .await
        .expect("a type");
    let mut made = BTreeMap::new();
    for n in 0..count {
        let client = app
            .create_client(
                &owner,
                &ClientInput {
                    first_name: format!("Client{n}"),
                    last_name: "Faults".into(),
                    email: Some(format!("client{n}@example.com")),
                    ..ClientInput::default()
                },
            )
            .await
            .expect("a client");
        let declined = n % DECLINED_EVERY == 0;
        let card = app
            .store_card(
                &owner,
                client.id(),
                &NewCard {
                    number: if declined { DECLINED_CARD } else { GOOD_CARD }.into(),
                    exp_month: 12,
                    exp_year: 2099,
                    cvc: "123".into(),
                },
            )
            .await
            .expect("a card");
        let membership = app
            .create_membership(
                &owner,
                &MembershipRequest {
                    client_id: client.id(),
                    type_id: kind.id(),
                    start_date: Utc::now().date_naive(),
                    end_date: None,
                    rate: None,
                    currency: None,
                    first_billing_date: None,
                    payment: PaymentKind::Card,
                    card: Some(card.id),
                },
            )
            .await
            .expect("a membership");
        made.insert(membership.id(), (membership.number(), declined));
    }
    (boot.business, made)
}

/// A worker process, SIGKILLed when dropped if still there.
struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_worker(name: &str, database_url: &str, scratch: &Scratch) -> Worker {
    worker_command(name, database_url, scratch, &["run", "--interval", "1"])
        .spawn()
        .map(Worker)
        .expect("the worker starts")
}

/// The worker binary with `args`, on the test's database, journal and mailbox, logging to
/// `scratch/<name>.log`.
fn worker_command(name: &str, database_url: &str, scratch: &Scratch, args: &[&str]) -> Command {
    let log = File::options()
        .create(true)
        .append(true)
        .open(scratch.path().join(format!("{name}.log")))
        .expect("a log file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_clientele-worker"));
    command
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("CLIENTELE_EMAIL_DIR", scratch.emails())
        .env("CLIENTELE_STUB_JOURNAL", scratch.path().join("journal.tsv"))
        // Slow enough that kills land in the middle of batches.
        .env(
            "CLIENTELE_STUB_LATENCY_MS",
            setting("CLIENTELE_FAULT_LATENCY_MS", 15).to_string(),
        )
        .env("CLIENTELE_BILLING_BATCH", "6")
        .env("CLIENTELE_BILLING_IN_FLIGHT", "2")
        .env("CLIENTELE_BILLING_LEASE_SECONDS", "2")
        .env("CLIENTELE_EMAIL_LEASE_SECONDS", "2")
        .env("CLIENTELE_WORKER_BATCH", "5")
        .env("CLIENTELE_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("CLIENTELE_SMTP_URL")
        .env_remove("CLIENTELE_NOW")
        .stdout(Stdio::null())
        .stderr(log);
    command
}

/// Whether every membership's first period is settled (paid or declined) and every
/// queued email is sent.
async fn done(storage: &SeaStorage, business: BusinessId, made: &Made) -> bool {
    let mut tx = storage.read().await.expect("read");
    for id in made.keys() {
        let charges = tx
            .charges_of_membership(business, *id, None, 10)
            .await
            .expect("charges");
        if charges.is_empty() || charges.iter().any(|c| c.status == ChargeStatus::Pending) {
            return false;
        }
    }
    let emails = tx
        .emails(business, &SiteScope::All, None, 100_000)
        .await
        .expect("emails");
    emails.len() == made.len()
        && emails
            .iter()
            .all(|e| matches!(e.state, EmailState::Sent { .. }))
}

/// How many billing steps a worker's log shows, over all its incarnations.
fn steps_logged(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .matches("memberships billed")
        .count()
}

/// The sum of `field=N` over a worker's "memberships billed" log lines.
fn logged(log: &Path, field: &str) -> u64 {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|line| line.contains("memberships billed"))
        .filter_map(|line| {
            let rest = line.split(&format!(" {field}=")).nth(1)?;
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u64>().ok()
        })
        .sum()
}

fn visible_files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map_while(Result::ok)
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn me_9_pl_16_killed_workers_charge_every_period_exactly_once() {
    let count = setting("CLIENTELE_FAULT_MEMBERSHIPS", 150) as usize;
    let kills = setting("CLIENTELE_FAULT_KILLS", 8);
    let seed = setting(
        "CLIENTELE_FAULT_SEED",
        u64::from(Utc::now().timestamp_subsec_nanos()) | 1,
    );
    eprintln!("fault injection: {count} memberships, {kills} kills, seed {seed}");
    let (storage, database) = fresh_storage().await;
    let (business, made) = memberships(&storage, count).await;
    let scratch = Scratch::new();
    let mut moments = Moments(seed);

    // Act: two workers; one of them, at random, SIGKILLed after a random moment and
    // started again, `kills` times; then both run until everything is done.
    let mut workers = [
        start_worker("a", database.url(), &scratch),
        start_worker("b", database.url(), &scratch),
    ];
    let mut made_kills = 0;
    for _ in 0..kills {
        let which = usize::try_from(moments.next(2)).expect("0 or 1");
        let name = ["a", "b"][which];
        let log = scratch.path().join(format!("{name}.log"));
        // Once this incarnation has billed a batch (it is connected and busy), at a
        // random moment of its next ones.
        let steps = steps_logged(&log);
        let waiting = Instant::now();
        while steps_logged(&log) == steps && waiting.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(5));
        }
        if steps_logged(&log) == steps {
            break; // Nothing left to bill.
        }
        std::thread::sleep(Duration::from_millis(moments.next(120)));
        workers[which].0.kill().expect("SIGKILL");
        workers[which].0.wait().expect("reaped");
        made_kills += 1;
        workers[which] = start_worker(name, database.url(), &scratch);
    }
    let started = Instant::now();
    while !done(&storage, business, &made).await {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the workers did not finish (logs in {})",
            scratch.path().display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for worker in &mut workers {
        let status = Command::new("kill")
            .args(["-TERM", &worker.0.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let exit = worker.0.wait().expect("the worker exits");
        assert!(exit.success(), "PL-17: SIGTERM exits 0: {exit:?}");
    }

    // Assert, by the processor's record: one charge per membership's period, taken for
    // the good cards and refused for the declined ones.
    let today = Utc::now().date_naive();
    let journal = read_journal(&scratch.path().join("journal.tsv")).expect("the journal");
    let mut by_period: HashMap<ChargeKey, Vec<&ChargeRecord>> = HashMap::new();
    for entry in &journal {
        let (key, _attempt) = ChargeKey::parse_attempt(&entry.key).expect("a membership key");
        by_period.entry(key).or_default().push(&entry.record);
    }
    assert_eq!(
        by_period.len(),
        made.len(),
        "one period charged per membership"
    );
    for (key, records) in &by_period {
        let (_, declined) = made[&key.membership_id()];
        assert_eq!(key.period_start(), today);
        assert_eq!(records.len(), 1, "{key}: charged once: {records:?}");
        assert_eq!(
            matches!(records[0], ChargeRecord::Charged(_)),
            !declined,
            "{key}"
        );
    }

    // By the database: one settled charge each, and the paid ones moved on a month.
    let mut tx = storage.read().await.expect("read");
    for (id, (_, declined)) in &made {
        let charges = tx
            .charges_of_membership(business, *id, None, 10)
            .await
            .expect("charges");
        let statuses: Vec<_> = charges.iter().map(|c| c.status).collect();
        let expected = if *declined {
            ChargeStatus::Declined
        } else {
            ChargeStatus::Succeeded
        };
        assert_eq!(statuses, [expected], "{id}");
        let membership = tx
            .membership(business, *id)
            .await
            .expect("read")
            .expect("there");
        let next = if *declined {
            today
        } else {
            today.checked_add_months(Months::new(1)).expect("a date")
        };
        assert_eq!(membership.next_billing_date(), next, "{id}");
    }

    // By the mailbox: one email per membership (a receipt, or "payment failed"), each
    // written once.
    let files = visible_files(&scratch.emails());
    assert_eq!(files.len(), made.len(), "one email file per membership");
    let mut seen = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("an email");
        let (_, (number, declined)) = made
            .iter()
            .find(|(_, (number, _))| text.contains(&number.to_string()))
            .expect("an email names its membership");
        assert!(seen.insert(*number), "{number}: two emails");
        let subject_says = if *declined { "failed" } else { "Receipt" };
        assert!(text.contains(subject_says), "{number}: {}", file.display());
    }
    let reconciled: u64 = ["a", "b"]
        .iter()
        .map(|name| logged(&scratch.path().join(format!("{name}.log")), "reconciled"))
        .sum();
    eprintln!(
        "fault injection done: {made_kills} kills, {reconciled} pending charges reconciled, {} \
         charges in the journal, {} emails",
        journal.len(),
        seen.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pl_17_sigterm_ends_the_billing_step_in_progress_and_starts_no_other() {
    let (storage, database) = fresh_storage().await;
    let (business, made) = memberships(&storage, 90).await;
    let scratch = Scratch::new();
    let log = scratch.path().join("w.log");
    let mut worker = start_worker("w", database.url(), &scratch);
    let waiting = Instant::now();
    while steps_logged(&log) == 0 {
        assert!(
            waiting.elapsed() < Duration::from_secs(60),
            "the worker never billed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }

    let signalled = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &worker.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = worker.0.wait().expect("the worker exits");
    let took = signalled.elapsed();
    let billed_before = billed(&storage, business, &made).await;
    // Whatever the stopped worker held is free at once: no lease to wait for.
    let once = worker_command(
        "once",
        database.url(),
        &scratch,
        &["once", "--batch", "1000"],
    )
    .status()
    .expect("a pass");

    assert!(exit.success(), "PL-17: exit 0 on SIGTERM: {exit:?}");
    assert!(took < Duration::from_secs(10), "stopped in {took:?}");
    // Ten or more steps of about 50 ms were left when the signal came.
    assert!(
        billed_before < made.len(),
        "it stopped before billing everything"
    );
    assert!(
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("stopping between two steps"),
        "it stopped between two steps"
    );
    assert!(once.success());
    assert_eq!(billed(&storage, business, &made).await, made.len());
    let mut tx = storage.read().await.expect("read");
    for id in made.keys() {
        let charges = tx
            .charges_of_membership(business, *id, None, 10)
            .await
            .expect("charges");
        assert_eq!(charges.len(), 1, "{id}: one charge, settled");
        assert_ne!(charges[0].status, ChargeStatus::Pending, "{id}");
    }
}

/// How many of the memberships have a settled charge.
async fn billed(storage: &SeaStorage, business: BusinessId, made: &Made) -> usize {
    let mut tx = storage.read().await.expect("read");
    let mut count = 0;
    for id in made.keys() {
        let charges = tx
            .charges_of_membership(business, *id, None, 10)
            .await
            .expect("charges");
        if charges.iter().any(|c| c.status != ChargeStatus::Pending) {
            count += 1;
        }
    }
    count
}
