//! Memberships: types, creation and charges (ME-1 to ME-7, ME-9, ME-17). The fixtures
//! are shared with `change_tests` and `dunning_tests`.

use chrono::NaiveDate;
use uuid::Uuid;

use super::*;
use crate::ids::ProductId;
use crate::payment::ProcessorKind;

pub(super) fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

pub(super) fn euros(text: &str) -> Money {
    Money::parse("rate", text, eur()).unwrap()
}

pub(super) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn business() -> BusinessId {
    BusinessId::from_uuid(Uuid::from_u128(1))
}

pub(super) fn type_input() -> MembershipTypeInput {
    MembershipTypeInput {
        name: "Gold".into(),
        rate: euros("49.90"),
        period_unit: PeriodUnit::Month,
        period_every: 1,
        appointments: Some((ProductId::from_uuid(Uuid::from_u128(2)), 2)),
        credits: 0,
        payment: PaymentKind::Card,
        fixed_day: None,
        prorate: false,
    }
}

pub(super) fn kind_of(n: u128, input: MembershipTypeInput) -> MembershipType {
    MembershipType::define(
        MembershipTypeId::from_uuid(Uuid::from_u128(n)),
        business(),
        MembershipTypeDetails::parse(&input, eur()).unwrap(),
    )
}

pub(super) fn gold() -> MembershipType {
    kind_of(10, type_input())
}

pub(super) fn card(processor: ProcessorKind, last4: &str) -> StoredCard {
    StoredCard::new(processor, "tok_1", "visa", last4).unwrap()
}

pub(super) fn new_membership(start: NaiveDate, payment_method: PaymentMethod) -> NewMembership {
    NewMembership {
        client_id: ClientId::from_uuid(Uuid::from_u128(3)),
        individual_rate: None,
        start_date: start,
        end_date: None,
        member_since: None,
        first_billing: FirstBilling::FirstBillingDay,
        payment_method,
        order_id: None,
    }
}

pub(super) fn create(
    kind: &MembershipType,
    new: NewMembership,
    today: NaiveDate,
) -> Result<Created, CreateError> {
    Membership::create(
        MembershipId::from_uuid(Uuid::from_u128(4)),
        MembershipNumber::from_sequence(42).unwrap(),
        kind,
        new,
        eur(),
        today,
    )
}

/// A card membership of [`gold`] starting (and first billed) on `start`, created that day.
pub(super) fn membership(start: NaiveDate) -> Membership {
    let method = PaymentMethod::Card(card(ProcessorKind::StubCard, "4242"));
    create(&gold(), new_membership(start, method), start)
        .unwrap()
        .membership
}

pub(super) fn retry(then: AfterRetries) -> DunningPolicy {
    DunningPolicy::Retry {
        schedule: RetrySchedule::default(),
        then,
    }
}

fn limit(n: u32) -> CatchUpLimit {
    CatchUpLimit::new(n).unwrap()
}

#[test]
fn me_1_a_type_is_named_priced_above_zero_in_the_business_currency() {
    let chf = Money::parse("rate", "10", Currency::parse("CHF").unwrap()).unwrap();
    let cases: Vec<(MembershipTypeInput, MembershipTypeError)> = vec![
        (
            MembershipTypeInput {
                name: "  ".into(),
                ..type_input()
            },
            MembershipTypeError::NameEmpty,
        ),
        (
            MembershipTypeInput {
                name: "Gold\u{0}".into(),
                ..type_input()
            },
            MembershipTypeError::NameControlCharacters,
        ),
        (
            MembershipTypeInput {
                rate: euros("0"),
                ..type_input()
            },
            MembershipTypeError::RateNotPositive,
        ),
        (
            MembershipTypeInput {
                rate: chf,
                ..type_input()
            },
            MembershipTypeError::OtherCurrency {
                rate: chf.currency(),
                business: eur(),
            },
        ),
        (
            MembershipTypeInput {
                period_every: 0,
                ..type_input()
            },
            MembershipTypeError::Period(PeriodError::Interval {
                every: 0,
                max: Period::MAX_EVERY,
            }),
        ),
        (
            MembershipTypeInput {
                appointments: Some((ProductId::from_uuid(Uuid::from_u128(2)), 0)),
                ..type_input()
            },
            MembershipTypeError::AppointmentCount {
                given: 0,
                max: AppointmentGrant::MAX,
            },
        ),
        (
            MembershipTypeInput {
                prorate: true,
                ..type_input()
            },
            MembershipTypeError::ProrataNeedsFixedDay,
        ),
        (
            MembershipTypeInput {
                fixed_day: Some(Anchor::Weekday(chrono::Weekday::Mon)),
                ..type_input()
            },
            MembershipTypeError::Anchor(AnchorError::Mismatch {
                period: PeriodUnit::Month,
                anchor: PeriodUnit::Week,
            }),
        ),
    ];
    for (input, error) in cases {
        assert_eq!(
            MembershipTypeDetails::parse(&input, eur()),
            Err(error.clone()),
            "{error}"
        );
    }
    let details = MembershipTypeDetails::parse(
        &MembershipTypeInput {
            name: " Gold ".into(),
            credits: 2,
            ..type_input()
        },
        eur(),
    )
    .unwrap();
    assert_eq!(details.name.as_str(), "Gold");
    assert_eq!(details.period, Period::monthly(1).unwrap());
    assert_eq!(details.grants.credits(), 2);
    assert_eq!(details.grants.appointments().map(|a| a.count()), Some(2));
    assert_eq!(details.alignment, Alignment::StartDate);
    assert_eq!(
        PaymentKind::parse(details.payment.as_str()),
        Some(PaymentKind::Card)
    );
}

#[test]
fn me_2_a_new_membership_is_active_numbered_and_billed_from_its_start_date() {
    let created = create(
        &gold(),
        new_membership(
            day(2027, 1, 31),
            PaymentMethod::Card(card(ProcessorKind::StubCard, "4242")),
        ),
        day(2027, 1, 20),
    )
    .unwrap();
    let m = created.membership;

    assert_eq!(created.pro_rata, None);
    assert_eq!(m.number().to_string(), "M-000042");
    assert_eq!(m.status(), Status::Active);
    assert_eq!(m.rate(), Rate::OfType(euros("49.90")));
    assert_eq!(m.member_since(), day(2027, 1, 31));
    assert_eq!(m.next_billing_date(), day(2027, 1, 31));
    assert_eq!(m.anchor(), Anchor::DayOfMonth(DayOfMonth::new(31).unwrap()));
    assert_eq!(m.type_id(), gold().id());
    assert_eq!(m.business_id(), business());
    assert_eq!(m.version(), Version::initial());
    assert_eq!(m.payment_method().describe(), "visa •••• 4242");
    assert_eq!(Membership::restore(m.clone().into_parts()), m);
}

#[test]
fn me_2_creation_refuses_inconsistent_dates_rates_and_payment_methods() {
    let today = day(2027, 1, 20);
    let card = || PaymentMethod::Card(card(ProcessorKind::StubCard, "4242"));
    let chf = Money::parse("rate", "10", Currency::parse("CHF").unwrap()).unwrap();
    let cases = [
        (
            NewMembership {
                end_date: Some(day(2027, 1, 30)),
                ..new_membership(day(2027, 1, 31), card())
            },
            CreateError::EndBeforeStart {
                start: day(2027, 1, 31),
                end: day(2027, 1, 30),
            },
        ),
        (
            new_membership(day(2027, 1, 19), card()),
            CreateError::NextBillingInPast {
                date: day(2027, 1, 19),
                today,
            },
        ),
        (
            NewMembership {
                first_billing: FirstBilling::On(day(2027, 1, 1)),
                ..new_membership(day(2026, 12, 1), card())
            },
            CreateError::NextBillingInPast {
                date: day(2027, 1, 1),
                today,
            },
        ),
        (
            NewMembership {
                individual_rate: Some(chf),
                ..new_membership(day(2027, 1, 31), card())
            },
            CreateError::OtherCurrency {
                rate: chf.currency(),
                business: eur(),
            },
        ),
        (
            NewMembership {
                individual_rate: Some(euros("0")),
                ..new_membership(day(2027, 1, 31), card())
            },
            CreateError::RateNotPositive,
        ),
        (
            new_membership(day(2027, 1, 31), PaymentMethod::Manual),
            CreateError::PaymentMethodMismatch {
                required: PaymentKind::Card,
                given: PaymentKind::Manual,
            },
        ),
        (
            NewMembership {
                member_since: Some(day(2027, 2, 1)),
                ..new_membership(day(2027, 1, 31), card())
            },
            CreateError::MemberSinceAfterStart {
                start: day(2027, 1, 31),
                member_since: day(2027, 2, 1),
            },
        ),
    ];
    for (new, error) in cases {
        assert_eq!(create(&gold(), new, today), Err(error.clone()), "{error}");
    }
}

#[test]
fn me_2_a_sold_membership_is_billed_after_its_paid_first_period_and_an_import_on_its_date() {
    let today = day(2027, 1, 31);
    let card = || PaymentMethod::Card(card(ProcessorKind::StubCard, "4242"));
    let sold = create(
        &gold(),
        NewMembership {
            first_billing: FirstBilling::AfterFirstPeriod,
            individual_rate: Some(euros("39.00")),
            ..new_membership(today, card())
        },
        today,
    )
    .unwrap()
    .membership;
    let imported = create(
        &gold(),
        NewMembership {
            member_since: Some(day(2019, 5, 4)),
            first_billing: FirstBilling::On(day(2027, 2, 20)),
            ..new_membership(day(2026, 11, 20), card())
        },
        today,
    )
    .unwrap()
    .membership;

    assert_eq!(sold.next_billing_date(), day(2027, 2, 28));
    assert_eq!(
        sold.anchor(),
        Anchor::DayOfMonth(DayOfMonth::new(31).unwrap())
    );
    assert_eq!(sold.rate(), Rate::Individual(euros("39.00")));
    assert_eq!(imported.member_since(), day(2019, 5, 4));
    assert_eq!(imported.next_billing_date(), day(2027, 2, 20));
    assert_eq!(
        imported.anchor(),
        Anchor::DayOfMonth(DayOfMonth::new(20).unwrap())
    );
}

#[test]
fn me_17_a_fixed_day_type_prorates_a_mid_cycle_start_and_bills_on_its_day() {
    let on_the_1st = |prorate| {
        kind_of(
            11,
            MembershipTypeInput {
                rate: euros("31.00"),
                fixed_day: Some(Anchor::DayOfMonth(DayOfMonth::new(1).unwrap())),
                prorate,
                ..type_input()
            },
        )
    };
    let method = || PaymentMethod::Card(card(ProcessorKind::StubCard, "4242"));
    let start = day(2027, 1, 17);

    let prorated = create(&on_the_1st(true), new_membership(start, method()), start).unwrap();
    let free = create(&on_the_1st(false), new_membership(start, method()), start).unwrap();
    let on_day = create(
        &on_the_1st(true),
        new_membership(day(2027, 2, 1), method()),
        start,
    )
    .unwrap();

    let pro_rata = prorated.pro_rata.unwrap();
    assert_eq!((pro_rata.days, pro_rata.period_days), (15, 31));
    assert_eq!(pro_rata.amount, euros("15.00"));
    assert_eq!(prorated.membership.next_billing_date(), day(2027, 2, 1));
    assert_eq!(free.pro_rata, None);
    assert_eq!(free.membership.next_billing_date(), day(2027, 2, 1));
    assert_eq!(on_day.pro_rata, None);
    assert_eq!(on_day.membership.next_billing_date(), day(2027, 2, 1));
}

#[test]
fn me_7_a_charge_advances_the_next_billing_date_from_the_anchor() {
    let mut m = membership(day(2027, 1, 31));
    let mut billed = Vec::new();
    for today in [
        day(2027, 1, 31),
        day(2027, 2, 28),
        day(2027, 3, 31),
        day(2027, 4, 30),
    ] {
        let Due::Charge(due) = m.due(today, limit(3)) else {
            panic!("due on {today}");
        };
        assert_eq!(due.charge, [today]);
        let charged = m.charge_succeeded(today, today).unwrap();
        billed.push((charged.period_start, charged.period_end));
        assert_eq!(
            m.due(today, limit(3)),
            Due::Nothing(NotDue::NotYet(charged.next_billing_date))
        );
    }

    assert_eq!(
        billed,
        [
            (day(2027, 1, 31), day(2027, 2, 27)),
            (day(2027, 2, 28), day(2027, 3, 30)),
            (day(2027, 3, 31), day(2027, 4, 29)),
            (day(2027, 4, 30), day(2027, 5, 30)),
        ]
    );
    assert_eq!(m.next_billing_date(), day(2027, 5, 31));
    assert_eq!(m.version(), Version::new(5));
}

#[test]
fn me_7_a_membership_behind_is_charged_once_per_missed_period_up_to_the_limit() {
    let mut m = membership(day(2027, 1, 10));
    let today = day(2027, 6, 15);

    let Due::Charge(due) = m.due(today, limit(3)) else {
        panic!("due");
    };
    for period in &due.charge {
        m.charge_succeeded(*period, today).unwrap();
    }

    assert_eq!(
        due.charge,
        [day(2027, 4, 10), day(2027, 5, 10), day(2027, 6, 10)]
    );
    assert_eq!(
        due.skipped,
        [day(2027, 1, 10), day(2027, 2, 10), day(2027, 3, 10)]
    );
    assert_eq!(m.next_billing_date(), day(2027, 7, 10));
    assert_eq!(
        m.due(today, limit(3)),
        Due::Nothing(NotDue::NotYet(day(2027, 7, 10)))
    );
}

#[test]
fn me_9_a_paid_period_is_never_charged_twice_and_keeps_one_key() {
    let mut m = membership(day(2027, 1, 10));
    let today = day(2027, 1, 10);
    let key = m.charge_key(today);

    m.charge_succeeded(today, today).unwrap();

    assert_eq!(
        m.charge_succeeded(today, today),
        Err(ChargeError::AlreadyPaid {
            period_start: today,
            next_billing_date: day(2027, 2, 10)
        })
    );
    assert_eq!(
        m.charge_succeeded(day(2027, 2, 10), today),
        Err(ChargeError::NotStarted {
            period_start: day(2027, 2, 10),
            today
        })
    );
    assert_eq!(
        m.charge_succeeded(day(2027, 2, 11), day(2027, 2, 11)),
        Err(ChargeError::NotAPeriodStart(day(2027, 2, 11)))
    );
    assert_eq!(key, m.charge_key(day(2027, 1, 10)));
    assert_ne!(key, m.charge_key(day(2027, 2, 10)));
    assert_eq!(m.next_billing_date(), day(2027, 2, 10));
}

#[test]
fn me_6_no_period_after_the_end_date_is_charged_and_it_then_expires() {
    let start = day(2027, 1, 10);
    let method = PaymentMethod::Card(card(ProcessorKind::StubCard, "4242"));
    let mut m = create(
        &gold(),
        NewMembership {
            end_date: Some(day(2027, 2, 20)),
            ..new_membership(start, method)
        },
        start,
    )
    .unwrap()
    .membership;
    m.charge_succeeded(start, start).unwrap();
    m.charge_succeeded(day(2027, 2, 10), day(2027, 2, 10))
        .unwrap();

    assert_eq!(m.due(day(2027, 3, 10), limit(3)), Due::Expire);
    assert_eq!(
        m.due(day(2027, 2, 20), limit(3)),
        Due::Nothing(NotDue::NotYet(day(2027, 3, 10)))
    );
    assert_eq!(
        m.charge_succeeded(day(2027, 3, 10), day(2027, 3, 10)),
        Err(ChargeError::AfterEndDate {
            period_start: day(2027, 3, 10),
            end_date: day(2027, 2, 20)
        })
    );
    assert!(!m.expire(day(2027, 2, 20)));
    assert!(m.expire(day(2027, 2, 21)));
    assert_eq!(m.status(), Status::Expired);
    assert!(!m.expire(day(2027, 2, 22)));
    assert_eq!(
        m.due(day(2027, 3, 10), limit(3)),
        Due::Nothing(NotDue::Expired)
    );
}

#[test]
fn me_3_a_status_reads_back_from_its_name_and_reason() {
    let statuses = [
        Status::Active,
        Status::Cancelled,
        Status::Expired,
        Status::NeedsAttention(AttentionReason::PaymentFailed),
        Status::NeedsAttention(AttentionReason::NeedsMandate),
        Status::NeedsAttention(AttentionReason::PaymentMethodInvalid),
    ];
    for status in statuses {
        let reason = status.reason().map(AttentionReason::as_str);
        assert_eq!(Status::from_parts(status.as_str(), reason), Some(status));
    }
    assert_eq!(
        Status::NeedsAttention(AttentionReason::NeedsMandate).to_string(),
        "needs_attention/needs_mandate"
    );
    assert_eq!(Status::from_parts("needs_attention", None), None);
    assert_eq!(Status::from_parts("active", Some("needs_mandate")), None);
    assert_eq!(MandateStatus::parse("failed"), Some(MandateStatus::Failed));
    assert_eq!(
        StoredCard::new(ProcessorKind::StubCard, "tok", "visa", "42a2"),
        Err(PaymentMethodError::Last4)
    );
}
