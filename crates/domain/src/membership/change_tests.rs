//! Changes by staff, clients and settings (ME-4, ME-10, ME-11, ME-12, ME-14, ME-15,
//! ME-20).

use super::tests::{
    business, card, create, day, eur, euros, gold, kind_of, membership, new_membership, retry,
    type_input,
};
use super::*;
use crate::payment::ProcessorKind;

fn limit() -> CatchUpLimit {
    CatchUpLimit::DEFAULT
}

#[test]
fn me_10_cancel_stops_charges_and_keeps_the_balance_until_the_next_billing_date() {
    let mut m = membership(day(2027, 1, 10));
    m.charge_succeeded(day(2027, 1, 10), day(2027, 1, 10))
        .unwrap();

    let cancelled = m.cancel(day(2027, 1, 25)).unwrap();

    assert_eq!(cancelled.usable_until, day(2027, 2, 10));
    assert_eq!(m.status(), Status::Cancelled);
    assert_eq!(m.cancelled_on(), Some(day(2027, 1, 25)));
    assert_eq!(
        m.due(day(2027, 2, 10), limit()),
        Due::Nothing(NotDue::Cancelled)
    );
    assert_eq!(
        m.charge_succeeded(day(2027, 2, 10), day(2027, 2, 10)),
        Err(ChargeError::Cancelled)
    );
    assert_eq!(m.cancel(day(2027, 1, 26)), Err(ChangeError::Cancelled));
}

#[test]
fn me_10_reactivating_after_the_paid_period_bills_from_today_or_a_chosen_date() {
    let cancelled = || {
        let mut m = membership(day(2027, 1, 10));
        m.charge_succeeded(day(2027, 1, 10), day(2027, 1, 10))
            .unwrap();
        m.cancel(day(2027, 1, 25)).unwrap();
        m
    };
    let today = day(2027, 3, 3);
    let mut from_today = cancelled();
    let mut from_chosen = cancelled();
    let mut without_card = cancelled();

    let reactivated = from_today.reactivate(today, None, true).unwrap();
    from_chosen
        .reactivate(today, Some(day(2027, 3, 15)), true)
        .unwrap();

    assert_eq!(
        reactivated,
        Reactivated {
            next_billing_date: today,
            status: Status::Active
        }
    );
    assert_eq!(from_today.cancelled_on(), None);
    assert_eq!(
        from_today.anchor(),
        Anchor::DayOfMonth(DayOfMonth::new(3).unwrap())
    );
    assert_eq!(from_chosen.next_billing_date(), day(2027, 3, 15));
    assert_eq!(
        from_chosen.anchor(),
        Anchor::DayOfMonth(DayOfMonth::new(15).unwrap())
    );
    assert_eq!(
        without_card.reactivate(today, None, false),
        Err(ChangeError::NoValidPaymentMethod)
    );
    assert_eq!(
        without_card.reactivate(today, Some(day(2027, 3, 2)), true),
        Err(ChangeError::DateInPast {
            date: day(2027, 3, 2),
            today
        })
    );
    assert_eq!(without_card.status(), Status::Cancelled);
    assert_eq!(
        from_today.reactivate(today, None, true),
        Err(ChangeError::NotCancelled)
    );
}

#[test]
fn me_10_reactivating_within_the_paid_period_keeps_the_next_billing_date() {
    let mut m = membership(day(2027, 1, 10));
    m.charge_succeeded(day(2027, 1, 10), day(2027, 1, 10))
        .unwrap();
    m.cancel(day(2027, 1, 20)).unwrap();

    assert_eq!(
        m.reactivate(day(2027, 1, 25), Some(day(2027, 1, 30)), true),
        Err(ChangeError::PeriodStillPaid {
            until: day(2027, 2, 10)
        })
    );
    let reactivated = m.reactivate(day(2027, 1, 25), None, true).unwrap();

    assert_eq!(reactivated.next_billing_date, day(2027, 2, 10));
    assert_eq!(m.anchor(), Anchor::DayOfMonth(DayOfMonth::new(10).unwrap()));
    assert_eq!(m.status(), Status::Active);
}

#[test]
fn me_11_an_edit_lists_each_change_bumps_the_version_and_refuses_a_stale_one() {
    let mut m = membership(day(2027, 1, 10));
    let today = day(2027, 1, 12);
    m.charge_succeeded(day(2027, 1, 10), today).unwrap();
    let version = m.version();

    let changes = m
        .edit(
            &gold(),
            MembershipEdit {
                rate: Some(RateChoice::Individual(euros("39.00"))),
                end_date: Some(Some(day(2027, 12, 31))),
                next_billing_date: Some(day(2027, 2, 20)),
                ..MembershipEdit::default()
            },
            version,
            eur(),
            today,
        )
        .unwrap();

    let listed: Vec<_> = changes
        .iter()
        .map(|c| (c.field.as_str(), c.old.as_deref(), c.new.as_deref()))
        .collect();
    assert_eq!(
        listed,
        [
            ("rate", Some("49.90 EUR"), Some("39.00 EUR (individual)")),
            ("end_date", None, Some("2027-12-31")),
            ("next_billing_date", Some("2027-02-10"), Some("2027-02-20")),
            ("anchor", Some("10"), Some("20")),
        ]
    );
    assert_eq!(m.version(), version.next());
    assert_eq!(m.rate(), Rate::Individual(euros("39.00")));
    // ME-4: the anchor moved with the next billing date.
    assert_eq!(
        m.schedule().next_after(m.next_billing_date()),
        Some(day(2027, 3, 20))
    );
    assert_eq!(
        m.edit(&gold(), MembershipEdit::default(), version, eur(), today),
        Err(EditError::Stale {
            expected: version,
            current: version.next()
        })
    );
    let unchanged = m
        .edit(
            &gold(),
            MembershipEdit::default(),
            version.next(),
            eur(),
            today,
        )
        .unwrap();
    assert!(unchanged.is_empty());
    assert_eq!(m.version(), version.next());
}

#[test]
fn me_11_an_edit_refuses_inconsistent_values_and_changes_nothing() {
    let today = day(2027, 1, 12);
    let m = membership(day(2027, 1, 10));
    let chf = Money::parse("rate", "10", Currency::parse("CHF").unwrap()).unwrap();
    let manual = kind_of(
        12,
        MembershipTypeInput {
            payment: PaymentKind::Manual,
            ..type_input()
        },
    );
    let cases = [
        (
            gold(),
            MembershipEdit {
                end_date: Some(Some(day(2027, 1, 9))),
                ..MembershipEdit::default()
            },
            EditError::EndBeforeStart {
                start: day(2027, 1, 10),
                end: day(2027, 1, 9),
            },
        ),
        (
            gold(),
            MembershipEdit {
                next_billing_date: Some(day(2027, 1, 11)),
                ..MembershipEdit::default()
            },
            EditError::NextBillingInPast {
                date: day(2027, 1, 11),
                today,
            },
        ),
        (
            gold(),
            MembershipEdit {
                rate: Some(RateChoice::Individual(chf)),
                ..MembershipEdit::default()
            },
            EditError::OtherCurrency {
                rate: chf.currency(),
                business: eur(),
            },
        ),
        (
            manual,
            MembershipEdit::default(),
            EditError::PaymentKindMismatch {
                required: PaymentKind::Manual,
                given: PaymentKind::Card,
            },
        ),
    ];
    for (kind, edit, error) in cases {
        let mut edited = m.clone();
        assert_eq!(
            edited.edit(&kind, edit, m.version(), eur(), today),
            Err(error.clone()),
            "{error}"
        );
        assert_eq!(edited, m);
    }
}

#[test]
fn me_11_me_4_a_type_of_another_period_re_anchors_on_the_next_billing_date() {
    let mut m = membership(day(2027, 1, 10));
    let today = day(2027, 1, 12);
    m.charge_succeeded(day(2027, 1, 10), today).unwrap();
    let weekly = kind_of(
        14,
        MembershipTypeInput {
            rate: euros("12.00"),
            period_unit: PeriodUnit::Week,
            ..type_input()
        },
    );

    let changes = m
        .edit(
            &weekly,
            MembershipEdit::default(),
            m.version(),
            eur(),
            today,
        )
        .unwrap();

    let fields: Vec<_> = changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["type", "rate", "period", "anchor"]);
    assert_eq!(m.type_id(), weekly.id());
    assert_eq!(m.rate(), Rate::OfType(euros("12.00")));
    // 2027-02-10 is a Wednesday.
    assert_eq!(m.anchor(), Anchor::Weekday(chrono::Weekday::Wed));
    assert_eq!(
        m.schedule().next_after(day(2027, 2, 10)),
        Some(day(2027, 2, 17))
    );
    assert_eq!(m.business_id(), business());
}

#[test]
fn me_20_a_paused_membership_is_not_charged_and_resumes_on_its_anchor() {
    let mut m = membership(day(2027, 1, 31));
    m.charge_succeeded(day(2027, 1, 31), day(2027, 1, 31))
        .unwrap();

    let paused = m
        .pause(Pause::Until(day(2027, 4, 15)), day(2027, 2, 5))
        .unwrap();

    assert_eq!(
        paused,
        Paused {
            until: day(2027, 4, 15),
            resumes_on: day(2027, 4, 30)
        }
    );
    assert_eq!(
        m.due(day(2027, 2, 28), limit()),
        Due::Nothing(NotDue::Paused {
            until: day(2027, 4, 15)
        })
    );
    assert_eq!(
        m.charge_succeeded(day(2027, 2, 28), day(2027, 2, 28)),
        Err(ChargeError::Paused {
            period_start: day(2027, 2, 28)
        })
    );
    assert_eq!(
        m.due(day(2027, 4, 20), limit()),
        Due::Nothing(NotDue::NotYet(day(2027, 4, 30)))
    );
    let Due::Charge(due) = m.due(day(2027, 4, 30), limit()) else {
        panic!("due on the anchor after the pause");
    };
    assert_eq!(due.charge, [day(2027, 4, 30)]);
    m.charge_succeeded(day(2027, 4, 30), day(2027, 4, 30))
        .unwrap();
    assert_eq!(m.next_billing_date(), day(2027, 5, 31));
    assert_eq!(m.paused_until(), None);
}

#[test]
fn me_20_a_pause_for_periods_skips_that_many_and_can_end_early() {
    let mut m = membership(day(2027, 1, 15));
    m.charge_succeeded(day(2027, 1, 15), day(2027, 1, 15))
        .unwrap();

    let paused = m.pause(Pause::Periods(2), day(2027, 1, 20)).unwrap();
    let resumed = m.resume(day(2027, 2, 20)).unwrap();

    assert_eq!(paused.until, day(2027, 4, 15));
    assert_eq!(paused.resumes_on, day(2027, 4, 15));
    assert_eq!(resumed.next_billing_date, day(2027, 3, 15));
    assert!(!m.is_paused(day(2027, 2, 21)));
    assert_eq!(m.resume(day(2027, 2, 21)), Err(ChangeError::NotPaused));
    assert_eq!(
        m.pause(Pause::Periods(0), day(2027, 2, 21)),
        Err(ChangeError::NoPeriods)
    );
    assert_eq!(
        m.pause(Pause::Until(day(2027, 2, 21)), day(2027, 2, 21)),
        Err(ChangeError::DateInPast {
            date: day(2027, 2, 21),
            today: day(2027, 2, 21)
        })
    );
}

#[test]
fn me_20_a_cancelled_or_dunned_membership_is_not_paused() {
    let mut cancelled = membership(day(2027, 1, 15));
    cancelled.cancel(day(2027, 1, 16)).unwrap();
    let mut dunned = membership(day(2027, 1, 15));
    dunned
        .charge_declined(
            day(2027, 1, 15),
            &retry(AfterRetries::Cancel),
            day(2027, 1, 15),
        )
        .unwrap();

    assert_eq!(
        cancelled.pause(Pause::Periods(1), day(2027, 1, 20)),
        Err(ChangeError::Cancelled)
    );
    assert_eq!(
        dunned.pause(Pause::Periods(1), day(2027, 1, 20)),
        Err(ChangeError::PaymentOutstanding)
    );
    assert_eq!(cancelled.paused_until(), None);
}

#[test]
fn me_14_switching_processor_invalidates_cards_of_the_previous_one_until_a_new_card() {
    let mut m = membership(day(2027, 1, 15));
    let manual = kind_of(
        12,
        MembershipTypeInput {
            payment: PaymentKind::Manual,
            ..type_input()
        },
    );
    let mut manual_member = create(
        &manual,
        new_membership(day(2027, 1, 15), PaymentMethod::Manual),
        day(2027, 1, 15),
    )
    .unwrap()
    .membership;

    assert!(!m.switch_processor(ProcessorKind::StubCard));
    assert!(m.switch_processor(ProcessorKind::Manual));
    assert!(!manual_member.switch_processor(ProcessorKind::Manual));

    assert_eq!(
        m.status(),
        Status::NeedsAttention(AttentionReason::PaymentMethodInvalid)
    );
    assert_eq!(
        m.due(day(2027, 1, 15), limit()),
        Due::Nothing(NotDue::PaymentMethodInvalid)
    );
    assert_eq!(
        m.update_card(
            card(ProcessorKind::StubCard, "1111"),
            ProcessorKind::Manual,
            day(2027, 1, 16)
        ),
        Err(ChangeError::CardOfOtherProcessor {
            card: ProcessorKind::StubCard,
            active: ProcessorKind::Manual
        })
    );
    let updated = m
        .update_card(
            card(ProcessorKind::Manual, "1111"),
            ProcessorKind::Manual,
            day(2027, 1, 16),
        )
        .unwrap();
    assert_eq!(updated.change.old.as_deref(), Some("visa •••• 4242"));
    assert_eq!(updated.change.new.as_deref(), Some("visa •••• 1111"));
    assert_eq!(updated.retry_now, None);
    assert_eq!(m.status(), Status::Active);
    assert_eq!(
        manual_member.update_card(
            card(ProcessorKind::Manual, "1111"),
            ProcessorKind::Manual,
            day(2027, 1, 16)
        ),
        Err(ChangeError::NotCard)
    );
}

#[test]
fn me_12_a_new_card_after_a_failed_payment_retries_the_outstanding_period_at_once() {
    let mut m = membership(day(2027, 1, 15));
    m.charge_declined(
        day(2027, 1, 15),
        &retry(AfterRetries::Cancel),
        day(2027, 1, 15),
    )
    .unwrap();

    let updated = m
        .update_card(
            card(ProcessorKind::StubCard, "5555"),
            ProcessorKind::StubCard,
            day(2027, 1, 15),
        )
        .unwrap();

    assert_eq!(updated.retry_now, Some(day(2027, 1, 15)));
    assert_eq!(
        m.due(day(2027, 1, 15), limit()),
        Due::Retry {
            period_start: day(2027, 1, 15)
        }
    );
    assert_eq!(
        m.status(),
        Status::NeedsAttention(AttentionReason::PaymentFailed)
    );
    assert!(
        m.charge_succeeded(day(2027, 1, 15), day(2027, 1, 15))
            .unwrap()
            .reactivated
    );
}

#[test]
fn me_15_a_mandate_request_for_a_card_membership_is_refused() {
    let mut m = membership(day(2027, 1, 15));
    let before = m.clone();

    assert_eq!(m.request_mandate("MD-1"), Err(ChangeError::NotDirectDebit));
    assert_eq!(
        m.mandate_changed("MD-1", MandateStatus::Active),
        Err(ChangeError::NotDirectDebit)
    );
    assert_eq!(m, before);
}

#[test]
fn me_15_a_mandate_is_pending_until_the_bank_activates_it_and_must_be_ours() {
    let debit = kind_of(
        13,
        MembershipTypeInput {
            payment: PaymentKind::DirectDebit,
            ..type_input()
        },
    );
    let start = day(2027, 1, 15);
    let mut m = create(
        &debit,
        new_membership(start, PaymentMethod::DirectDebit(None)),
        start,
    )
    .unwrap()
    .membership;

    let requested = m.request_mandate(" MD-7 ").unwrap();

    assert_eq!(
        requested,
        Status::NeedsAttention(AttentionReason::NeedsMandate)
    );
    assert_eq!(m.payment_method().describe(), "direct debit MD-7 (pending)");
    assert_eq!(
        m.mandate_changed("MD-8", MandateStatus::Active),
        Err(ChangeError::UnknownMandate)
    );
    assert_eq!(
        m.mandate_changed("MD-7", MandateStatus::Failed),
        Ok(Status::NeedsAttention(AttentionReason::NeedsMandate))
    );
    assert_eq!(m.due(start, limit()), Due::Nothing(NotDue::NeedsMandate));
    assert_eq!(
        m.mandate_changed("MD-7", MandateStatus::Active),
        Ok(Status::Active)
    );
    assert!(matches!(m.due(start, limit()), Due::Charge(_)));
    assert_eq!(
        m.request_mandate(""),
        Err(ChangeError::PaymentMethod(
            PaymentMethodError::MandateReference {
                max: Mandate::MAX_REFERENCE
            }
        ))
    );
}
