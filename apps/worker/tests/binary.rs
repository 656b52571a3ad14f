//! The real `clientele-worker` binary (PL-16, PL-17): `once` runs one pass and exits 0;
//! `run` loops until SIGTERM and then exits 0; a bad configuration exits non-zero with a
//! message.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use clientele_adapters::testing::fresh_database;

mod support;

use support::Scratch;

/// The worker, writing its emails into `scratch`.
fn worker(scratch: &Scratch) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clientele-worker"));
    command
        .env("CLIENTELE_LOG", "warn")
        .env("CLIENTELE_EMAIL_DIR", scratch.emails())
        .env_remove("CLIENTELE_SMTP_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

#[tokio::test]
async fn pl_17_worker_once_runs_one_pass_on_a_fresh_database_and_exits_0() {
    let database = fresh_database().await;
    let scratch = Scratch::new();

    let output = worker(&scratch)
        .args(["once", "--now", "2026-11-22T10:00:00Z"])
        .env("DATABASE_URL", database.url())
        .output()
        .expect("the worker runs");

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn pl_16_worker_run_exits_0_on_sigterm() {
    let database = fresh_database().await;
    let scratch = Scratch::new();
    let mut child = worker(&scratch)
        .args(["run", "--interval", "1"])
        .env("DATABASE_URL", database.url())
        .env("CLIENTELE_LOG", "info")
        .spawn()
        .expect("the worker starts");
    // Wait until it has completed a pass (its log says so), so the signal finds it looping.
    let mut log = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let passed = log
        .by_ref()
        .map_while(Result::ok)
        .any(|line| line.contains("job pass done"));
    assert!(passed, "the worker logged a finished pass");
    // Keep reading its log so that it never writes into a closed pipe.
    let drain = std::thread::spawn(move || log.map_while(Result::ok).count());
    assert!(child.try_wait().expect("status").is_none(), "still running");

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    let status = child.wait().expect("the worker exits");
    let _ = drain.join();

    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn pl_21_a_bad_database_url_is_a_clear_error_and_a_failure_exit() {
    let scratch = Scratch::new();
    let output = worker(&scratch)
        .args(["once"])
        .env("DATABASE_URL", "mysql://nope")
        .output()
        .expect("the worker runs");

    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("sqlite://"));
}

#[test]
fn pl_21_a_bad_from_address_is_a_clear_error_and_a_failure_exit() {
    let scratch = Scratch::new();
    let database = scratch.path().join("clientele.db");
    let output = worker(&scratch)
        .args(["once"])
        .env("DATABASE_URL", format!("sqlite://{}", database.display()))
        .env("CLIENTELE_EMAIL_FROM", "not an address")
        .output()
        .expect("the worker runs");

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a usable From address"), "{stderr}");
}
