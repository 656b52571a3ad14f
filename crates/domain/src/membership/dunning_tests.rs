//! Dunning and the billing run's outcomes (ME-8, ME-9, ME-15, ME-21): declines, retries,
//! reminders, transient failures, and the property that a period is paid at most once.

use chrono::NaiveDate;

use super::tests::{card, create, day, kind_of, membership, new_membership, retry, type_input};
use super::*;
use crate::payment::ProcessorKind;

fn limit(n: u32) -> CatchUpLimit {
    CatchUpLimit::new(n).unwrap()
}

#[test]
fn me_8_a_transient_failure_is_not_a_dunning_attempt_and_reuses_the_key() {
    let m = membership(day(2027, 1, 10));
    let today = day(2027, 1, 10);

    let failure = m.transient_failure(today, today).unwrap();

    assert_eq!(failure.key, m.charge_key(today));
    assert_eq!(m.status(), Status::Active);
    assert_eq!(m.dunning(), None);
    assert_eq!(m.version(), Version::initial());
    assert!(matches!(m.due(today, limit(3)), Due::Charge(_)));
}

#[test]
fn me_8_cancel_immediately_cancels_on_the_first_decline() {
    let mut m = membership(day(2027, 1, 10));
    let today = day(2027, 1, 10);

    let declined = m
        .charge_declined(today, &DunningPolicy::CancelImmediately, today)
        .unwrap();

    assert_eq!(
        declined,
        Declined {
            action: DunningAction::Cancel {
                usable_until: today
            },
            attempts: 1,
            first: true
        }
    );
    assert_eq!(m.status(), Status::Cancelled);
    assert_eq!(
        m.due(day(2027, 2, 10), limit(3)),
        Due::Nothing(NotDue::Cancelled)
    );
}

#[test]
fn me_8_a_declined_card_is_retried_1_3_and_5_days_later_then_cancelled() {
    let mut m = membership(day(2027, 1, 10));
    let policy = retry(AfterRetries::Cancel);
    let period = day(2027, 1, 10);
    let mut actions = Vec::new();
    for today in [
        day(2027, 1, 10),
        day(2027, 1, 11),
        day(2027, 1, 13),
        day(2027, 1, 15),
    ] {
        let due = m.due(today, limit(3));
        assert!(
            matches!(&due, Due::Charge(d) if d.charge == [period])
                || due
                    == Due::Retry {
                        period_start: period
                    },
            "{today}: {due:?}"
        );
        actions.push(m.charge_declined(period, &policy, today).unwrap());
        if let Some(on) = m.dunning().and_then(|d| d.next_attempt_on) {
            assert_eq!(m.due(today, limit(3)), Due::Nothing(NotDue::RetryOn(on)));
            assert_eq!(
                m.status(),
                Status::NeedsAttention(AttentionReason::PaymentFailed)
            );
        }
    }

    assert_eq!(
        actions.iter().map(|d| d.action).collect::<Vec<_>>(),
        [
            DunningAction::Retry {
                on: day(2027, 1, 11)
            },
            DunningAction::Retry {
                on: day(2027, 1, 13)
            },
            DunningAction::Retry {
                on: day(2027, 1, 15)
            },
            DunningAction::Cancel {
                usable_until: period
            },
        ]
    );
    assert_eq!(
        actions
            .iter()
            .map(|d| (d.attempts, d.first))
            .collect::<Vec<_>>(),
        [(1, true), (2, false), (3, false), (4, false)]
    );
    assert_eq!(m.status(), Status::Cancelled);
    assert_eq!(m.dunning(), None);
}

#[test]
fn me_8_after_the_last_retry_it_can_stay_needing_attention_until_paid() {
    let mut m = membership(day(2027, 1, 10));
    let policy = DunningPolicy::Retry {
        schedule: RetrySchedule::new(vec![2]).unwrap(),
        then: AfterRetries::LeaveNeedsAttention,
    };
    let period = day(2027, 1, 10);
    m.charge_declined(period, &policy, period).unwrap();

    let last = m
        .charge_declined(period, &policy, day(2027, 1, 12))
        .unwrap();

    assert_eq!(last.action, DunningAction::LeaveNeedsAttention);
    assert_eq!(
        m.status(),
        Status::NeedsAttention(AttentionReason::PaymentFailed)
    );
    assert_eq!(
        m.due(day(2027, 1, 20), limit(3)),
        Due::Nothing(NotDue::RetriesUsedUp)
    );
    // ME-13: staff record the payment made at the desk.
    let paid = m.charge_succeeded(period, day(2027, 1, 20)).unwrap();
    assert!(paid.reactivated);
    assert_eq!(m.status(), Status::Active);
    assert_eq!(m.dunning(), None);
    assert_eq!(m.next_billing_date(), day(2027, 2, 10));
}

#[test]
fn me_8_a_successful_retry_reactivates_and_only_the_outstanding_period_is_taken() {
    let mut m = membership(day(2027, 1, 10));
    let policy = DunningPolicy::default();
    m.charge_declined(day(2027, 1, 10), &policy, day(2027, 1, 10))
        .unwrap();

    // The worker ran late: February is due too, but January is settled first.
    assert_eq!(
        m.charge_succeeded(day(2027, 2, 10), day(2027, 2, 12)),
        Err(ChargeError::NotOutstanding {
            outstanding: day(2027, 1, 10)
        })
    );
    let charged = m
        .charge_succeeded(day(2027, 1, 10), day(2027, 2, 12))
        .unwrap();

    assert!(charged.reactivated);
    assert_eq!(m.status(), Status::Active);
    assert_eq!(m.dunning(), None);
    assert!(
        matches!(m.due(day(2027, 2, 12), limit(3)), Due::Charge(d) if d.charge == [day(2027, 2, 10)])
    );
    assert_eq!(
        RetrySchedule::new(vec![3, 1]),
        Err(RetryScheduleError::Days {
            max: RetrySchedule::MAX_DAYS
        })
    );
    assert!(RetrySchedule::new(vec![]).is_err());
}

#[test]
fn me_21_manual_payments_get_reminders_instead_of_retries() {
    let manual = kind_of(
        12,
        MembershipTypeInput {
            payment: PaymentKind::Manual,
            ..type_input()
        },
    );
    let start = day(2027, 1, 10);
    let mut m = create(&manual, new_membership(start, PaymentMethod::Manual), start)
        .unwrap()
        .membership;

    let due = m.due(start, limit(3));
    let first = m
        .charge_declined(start, &DunningPolicy::CancelImmediately, start)
        .unwrap();
    let reminder_due = m.due(day(2027, 1, 11), limit(3));

    assert_eq!(
        due,
        Due::Remind {
            period_start: start
        }
    );
    assert_eq!(
        first.action,
        DunningAction::Remind {
            next_on: day(2027, 1, 11)
        }
    );
    assert_eq!(
        m.status(),
        Status::NeedsAttention(AttentionReason::PaymentFailed)
    );
    assert_eq!(
        reminder_due,
        Due::Remind {
            period_start: start
        }
    );
    m.charge_succeeded(start, day(2027, 1, 11)).unwrap();
    assert_eq!(m.status(), Status::Active);
}

#[test]
fn me_15_me_21_a_direct_debit_is_charged_only_with_an_active_mandate() {
    let debit = kind_of(
        13,
        MembershipTypeInput {
            payment: PaymentKind::DirectDebit,
            ..type_input()
        },
    );
    let start = day(2027, 1, 10);
    let mut m = create(
        &debit,
        new_membership(start, PaymentMethod::DirectDebit(None)),
        start,
    )
    .unwrap()
    .membership;

    assert_eq!(
        m.status(),
        Status::NeedsAttention(AttentionReason::NeedsMandate)
    );
    assert_eq!(m.due(start, limit(3)), Due::Nothing(NotDue::NeedsMandate));
    assert_eq!(
        m.charge_declined(start, &DunningPolicy::default(), start),
        Err(ChargeError::NotChargeable(AttentionReason::NeedsMandate))
    );
    m.request_mandate("MD-1").unwrap();
    assert_eq!(m.due(start, limit(3)), Due::Nothing(NotDue::NeedsMandate));
    assert_eq!(
        m.mandate_changed("MD-1", MandateStatus::Active),
        Ok(Status::Active)
    );
    assert!(matches!(m.due(start, limit(3)), Due::Charge(_)));
    // The bank declines: with the mandate active, the retry schedule applies.
    let declined = m
        .charge_declined(start, &DunningPolicy::default(), start)
        .unwrap();
    assert_eq!(
        declined.action,
        DunningAction::Retry {
            on: day(2027, 1, 11)
        }
    );
    // The mandate is then cancelled at the bank: no retry until a new one is active.
    assert_eq!(
        m.mandate_changed("MD-1", MandateStatus::Cancelled),
        Ok(Status::NeedsAttention(AttentionReason::NeedsMandate))
    );
    assert_eq!(
        m.due(day(2027, 1, 11), limit(3)),
        Due::Nothing(NotDue::NeedsMandate)
    );
    assert_eq!(
        m.mandate_changed("MD-1", MandateStatus::Active),
        Ok(Status::NeedsAttention(AttentionReason::PaymentFailed))
    );
    assert_eq!(
        m.due(day(2027, 1, 11), limit(3)),
        Due::Retry {
            period_start: start
        }
    );
}

/// What the processor answers to one charge in the property test below.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Success,
    Decline,
    Transient,
    /// The worker is down that day.
    Skip,
}

fn outcome() -> impl proptest::strategy::Strategy<Value = Outcome> {
    use proptest::prelude::*;
    prop_oneof![
        4 => Just(Outcome::Success),
        2 => Just(Outcome::Decline),
        1 => Just(Outcome::Transient),
        1 => Just(Outcome::Skip),
    ]
}

proptest::proptest! {
    /// ME-9, ME-7: whatever the processor answers day after day (and however late the
    /// worker runs), every period is paid at most once, paid periods come in order, and
    /// the next billing date only moves forward.
    #[test]
    fn me_9_a_period_is_paid_at_most_once_whatever_happens(
        outcomes in proptest::collection::vec(outcome(), 1..120),
        leave in proptest::bool::ANY,
    ) {
        let mut m = membership(day(2027, 1, 31));
        let policy = retry(if leave { AfterRetries::LeaveNeedsAttention } else { AfterRetries::Cancel });
        let mut paid: Vec<NaiveDate> = Vec::new();
        let mut today = day(2027, 1, 31);
        for outcome in outcomes {
            let periods = match m.due(today, CatchUpLimit::DEFAULT) {
                Due::Charge(due) => due.charge,
                Due::Retry { period_start } => vec![period_start],
                _ => vec![],
            };
            for period in periods {
                let next_before = m.next_billing_date();
                match outcome {
                    Outcome::Success => {
                        let charged = m.charge_succeeded(period, today).unwrap();
                        proptest::prop_assert!(charged.next_billing_date > next_before);
                        paid.push(period);
                    }
                    Outcome::Decline => {
                        m.charge_declined(period, &policy, today).unwrap();
                        break;
                    }
                    Outcome::Transient => {
                        m.transient_failure(period, today).unwrap();
                        proptest::prop_assert_eq!(m.next_billing_date(), next_before);
                        break;
                    }
                    Outcome::Skip => break,
                }
                // Whatever a second worker reports for the same period is refused.
                proptest::prop_assert!(m.charge_succeeded(period, today).is_err());
            }
            today = today.succ_opt().unwrap();
        }
        proptest::prop_assert!(paid.windows(2).all(|w| w[0] < w[1]), "{:?}", paid);
        proptest::prop_assert!(paid.iter().all(|p| m.schedule().is_anchor_day(*p)));
    }
}

proptest::proptest! {
    /// ME-7: the day the worker next looks at a membership is never later than a day on
    /// which there is something to do (a charge, a retry, a reminder or an expiry), and
    /// there is nothing to do before it: billing on due days alone misses nothing.
    #[test]
    fn me_7_nothing_is_due_before_the_next_due_day_and_nothing_is_missed(
        outcomes in proptest::collection::vec(outcome(), 1..60),
        manual in proptest::bool::ANY,
        ends_after in proptest::option::of(0u64..200),
    ) {
        let start = day(2027, 1, 31);
        let (kind, method) = if manual {
            let input = MembershipTypeInput { payment: PaymentKind::Manual, ..type_input() };
            (kind_of(12, input), PaymentMethod::Manual)
        } else {
            (kind_of(11, type_input()), PaymentMethod::Card(card(ProcessorKind::StubCard, "4242")))
        };
        let new = NewMembership {
            end_date: ends_after.map(|days| start.checked_add_days(chrono::Days::new(days)).unwrap()),
            ..new_membership(start, method)
        };
        let mut m = create(&kind, new, start).unwrap().membership;
        let policy = retry(AfterRetries::Cancel);
        let mut today = start;
        for outcome in outcomes {
            let next = m.next_due_on();
            for offset in 0..45 {
                let t = today.checked_add_days(chrono::Days::new(offset)).unwrap();
                let actionable = !matches!(m.due(t, CatchUpLimit::DEFAULT), Due::Nothing(_));
                match next {
                    Some(next) if t < next => proptest::prop_assert!(!actionable, "{t} before {next}"),
                    Some(_) => {}
                    None => proptest::prop_assert!(!actionable, "{t} with no due day"),
                }
            }
            let Some(next) = next else { break };
            today = today.max(next);
            let period = match m.due(today, CatchUpLimit::DEFAULT) {
                Due::Charge(due) => due.charge[0],
                Due::Retry { period_start } | Due::Remind { period_start } => period_start,
                Due::Expire => {
                    proptest::prop_assert!(m.expire(today));
                    proptest::prop_assert_eq!(m.next_due_on(), None);
                    break;
                }
                Due::Nothing(reason) => {
                    proptest::prop_assert!(false, "nothing due on the due day {}: {:?}", today, reason);
                    unreachable!()
                }
            };
            match outcome {
                Outcome::Success => {
                    m.charge_succeeded(period, today).unwrap();
                }
                Outcome::Decline => {
                    m.charge_declined(period, &policy, today).unwrap();
                }
                Outcome::Transient | Outcome::Skip => {}
            }
            today = today.succ_opt().unwrap();
        }
    }
}

#[test]
fn me_8_a_dunning_setting_is_parsed_checked_and_stored_as_text() {
    let input = |policy: &str, days: Option<Vec<u32>>, after: Option<&str>| DunningInput {
        policy: policy.into(),
        retry_days: days,
        after_retries: after.map(Into::into),
    };
    let cases = [
        (
            input("cancel_immediately", None, None),
            Some(DunningPolicy::CancelImmediately),
        ),
        (input("retry", None, None), Some(DunningPolicy::default())),
        (
            input("retry", Some(vec![2, 7]), Some("leave_needs_attention")),
            Some(DunningPolicy::Retry {
                schedule: RetrySchedule::new(vec![2, 7]).unwrap(),
                then: AfterRetries::LeaveNeedsAttention,
            }),
        ),
        (input("retry", Some(vec![3, 1]), None), None),
        (input("retry", Some(vec![]), None), None),
        (input("retry", Some(vec![0]), None), None),
        (input("retry", None, Some("never")), None),
        (input("cancel_immediately", Some(vec![1]), None), None),
        (input("sometimes", None, None), None),
    ];
    for (given, expected) in cases {
        let parsed = DunningPolicy::parse(&given);
        assert_eq!(parsed.clone().ok(), expected, "{given:?}");
        if let Err(error) = parsed {
            assert_eq!(error.field, "dunning");
        }
        if let Some(policy) = expected {
            assert_eq!(
                DunningPolicy::from_setting(&policy.to_setting()),
                Some(policy)
            );
        }
    }
    assert_eq!(DunningPolicy::default().to_setting(), "retry 1,3,5 cancel");
    for bad in [
        "",
        "retry",
        "retry 1,3",
        "retry x cancel",
        "retry 1 cancel more",
    ] {
        assert_eq!(DunningPolicy::from_setting(bad), None, "{bad}");
    }
}
