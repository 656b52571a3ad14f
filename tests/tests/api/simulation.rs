//! PL-25 with ME-7, ME-8, ME-9, ME-10, ME-20: two years of a test business rehearsed with
//! its test clock. A few hundred memberships, each following one scenario (paying,
//! declined, out of funds, a processor that never answers, paused, cancelled, cancelled
//! then reactivated, yearly); the clock moves month by month, staff act between moves,
//! and at the end every membership's charges, status and emails are compared with what
//! the billing rules give, computed here on calendar dates alone.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::test_clock::{
    DECLINED, SUCCEEDS, card_membership, card_type, membership, months, move_clock, test_business,
    tokyo_day, tokyo_noon, work,
};

const FUNDS: &str = "4000 0000 0000 9995";
const TIMES_OUT: &str = "4000 0000 0000 0119";

/// Moves of the clock: one a month, ten days after the monthly anchor, so that a
/// decline's retries (1, 3 and 5 days later) are over by the next move.
const MONTHS: u32 = 24;
const PAUSED_AT: u32 = 3;
const CANCELLED_AT: u32 = 6;
const REACTIVATED_AT: u32 = 9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Paying,
    Declined,
    NoFunds,
    NeverAnswered,
    /// Paused for two periods at month 3.
    Paused,
    /// Cancelled by staff at month 6.
    Cancelled,
    /// Cancelled at month 6, reactivated at month 9.
    Reactivated,
    Yearly,
}

const SCENARIOS: [Scenario; 8] = [
    Scenario::Paying,
    Scenario::Declined,
    Scenario::NoFunds,
    Scenario::NeverAnswered,
    Scenario::Paused,
    Scenario::Cancelled,
    Scenario::Reactivated,
    Scenario::Yearly,
];

/// What a membership should have gone through: its charges (period start, status) in
/// order, its final status and the emails its client got, by kind.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    charges: Vec<(NaiveDate, String)>,
    status: String,
    emails: BTreeMap<String, usize>,
}

/// The day of the clock's `m`-th move.
fn move_day(start: NaiveDate, m: u32) -> NaiveDate {
    months(start, m) + Days::new(10)
}

/// The billing rules on calendar dates: monthly periods from the anchor (ME-4, ME-5),
/// the default dunning (three retries, then cancelled; one "payment failed" email and a
/// cancellation notice, ME-8), a pause skipping two periods and resuming on the anchor
/// (ME-20), a reactivation of a lapsed membership billing again from its day (ME-10).
fn expected(scenario: Scenario, start: NaiveDate) -> Outcome {
    let last = move_day(start, MONTHS);
    let paid = |days: Vec<NaiveDate>| -> Vec<(NaiveDate, String)> {
        days.into_iter()
            .map(|day| (day, "succeeded".to_owned()))
            .collect()
    };
    let monthly = |from: NaiveDate, months_: std::ops::RangeInclusive<u32>| -> Vec<NaiveDate> {
        months_
            .map(|n| months(from, n))
            .filter(|day| *day <= last)
            .collect()
    };
    let (charges, status) = match scenario {
        Scenario::Paying => (paid(monthly(start, 0..=MONTHS + 1)), "active"),
        Scenario::Declined | Scenario::NoFunds => {
            (vec![(start, "declined".to_owned()); 4], "cancelled")
        }
        Scenario::NeverAnswered => (vec![(start, "pending".to_owned())], "active"),
        Scenario::Paused => {
            let mut days = monthly(start, 0..=PAUSED_AT);
            days.extend(monthly(start, PAUSED_AT + 3..=MONTHS + 1));
            (paid(days), "active")
        }
        Scenario::Cancelled => (paid(monthly(start, 0..=CANCELLED_AT)), "cancelled"),
        Scenario::Reactivated => {
            let mut days = monthly(start, 0..=CANCELLED_AT);
            days.extend(monthly(move_day(start, REACTIVATED_AT), 0..=MONTHS));
            (paid(days), "active")
        }
        Scenario::Yearly => (
            paid(
                (0..=3)
                    .map(|n| months(start, 12 * n))
                    .filter(|day| *day <= last)
                    .collect(),
            ),
            "active",
        ),
    };
    let mut emails = BTreeMap::new();
    let receipts = charges.iter().filter(|(_, s)| s == "succeeded").count();
    if receipts > 0 {
        emails.insert("membership_receipt".to_owned(), receipts);
    }
    if matches!(scenario, Scenario::Declined | Scenario::NoFunds) {
        emails.insert("payment_failed".to_owned(), 1);
        emails.insert("membership_cancelled".to_owned(), 1);
    }
    Outcome {
        charges,
        status: status.to_owned(),
        emails,
    }
}

/// Every page of `path` (a list with `items` and `next_cursor`).
async fn every_item(t: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(cursor) => format!("{path}?limit=1000&cursor={cursor}"),
            None => format!("{path}?limit=1000"),
        };
        let reply = t.get(&url, token).await;
        reply.assert_status(200);
        items.extend(reply.body["items"].as_array().cloned().unwrap_or_default());
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

async fn act(t: &TestApp, token: &str, id: &str, action: &str, mut body: Value) {
    let version = membership(t, token, id).await["version"].clone();
    body["version"] = version;
    t.post(&format!("/v1/memberships/{id}/{action}"), token, body)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn pl_25_two_years_of_billing_rehearsed_with_the_test_clock() {
    let t = spawn_app().await;
    let token = test_business(&t).await;
    let monthly = card_type(&t, &token, "month").await;
    let yearly = card_type(&t, &token, "year").await;
    let start = tokyo_day(Utc::now());
    let per_scenario = std::env::var("CLIENTELE_SIMULATION_EACH")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(30_usize);
    let mut members = Vec::new();
    for scenario in SCENARIOS {
        let (kind, card) = match scenario {
            Scenario::Declined => (&monthly, DECLINED),
            Scenario::NoFunds => (&monthly, FUNDS),
            Scenario::NeverAnswered => (&monthly, TIMES_OUT),
            Scenario::Yearly => (&yearly, SUCCEEDS),
            _ => (&monthly, SUCCEEDS),
        };
        for _ in 0..per_scenario {
            let (id, email) = card_membership(&t, &token, kind, card, start).await;
            members.push((scenario, id, email));
        }
    }

    for m in 0..=MONTHS {
        move_clock(&t, &token, tokyo_noon(move_day(start, m))).await;
        work(&t).await;
        for (scenario, id, _) in &members {
            match (scenario, m) {
                (Scenario::Paused, PAUSED_AT) => {
                    act(&t, &token, id, "pause", json!({ "periods": 2 })).await;
                }
                (Scenario::Cancelled | Scenario::Reactivated, CANCELLED_AT) => {
                    act(&t, &token, id, "cancel", json!({})).await;
                }
                (Scenario::Reactivated, REACTIVATED_AT) => {
                    act(&t, &token, id, "reactivate", json!({})).await;
                }
                _ => {}
            }
        }
    }

    let mut emails: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for email in every_item(&t, &token, "/v1/emails").await {
        let to = email["to"].as_str().expect("a recipient").to_owned();
        let kind = email["kind"].as_str().expect("a kind").to_owned();
        *emails.entry(to).or_default().entry(kind).or_default() += 1;
    }
    let mut wrong = Vec::new();
    for (scenario, id, email) in &members {
        let mut charges: Vec<(NaiveDate, String)> =
            every_item(&t, &token, &format!("/v1/memberships/{id}/charges"))
                .await
                .iter()
                .map(|c| {
                    (
                        c["period_start"]
                            .as_str()
                            .expect("a day")
                            .parse()
                            .expect("a date"),
                        c["status"].as_str().expect("a status").to_owned(),
                    )
                })
                .collect();
        charges.reverse();
        let actual = Outcome {
            charges,
            status: membership(&t, &token, id).await["status"]
                .as_str()
                .expect("a status")
                .to_owned(),
            emails: emails.remove(email).unwrap_or_default(),
        };
        let expected = expected(*scenario, start);
        if actual != expected {
            wrong.push(format!(
                "{scenario:?} {id}:\n  expected {expected:?}\n  got      {actual:?}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} memberships differ:\n{}",
        wrong.len(),
        members.len(),
        wrong.iter().take(8).cloned().collect::<Vec<_>>().join("\n")
    );
    assert!(emails.is_empty(), "emails to nobody expected: {emails:?}");
}
