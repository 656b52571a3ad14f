//! Billing dates (ME-4 to ME-7): tables of anchors and dates, and the properties every
//! series of billing dates keeps.

use chrono::{Datelike, NaiveDate, Weekday};
use proptest::prelude::*;

use super::billing::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn monthly(every: u32, anchor: u32) -> Schedule {
    Schedule::new(
        Period::monthly(every).unwrap(),
        Anchor::DayOfMonth(DayOfMonth::new(anchor).unwrap()),
    )
    .unwrap()
}

fn yearly(month: u32, anchor: u32) -> Schedule {
    Schedule::new(
        Period::yearly(1).unwrap(),
        Anchor::DayOfYear(DayOfYear::new(month, anchor).unwrap()),
    )
    .unwrap()
}

fn weekly(every: u32, weekday: Weekday) -> Schedule {
    Schedule::new(Period::weekly(every).unwrap(), Anchor::Weekday(weekday)).unwrap()
}

/// The `count` billing dates after `first`.
fn series(schedule: &Schedule, first: NaiveDate, count: usize) -> Vec<NaiveDate> {
    std::iter::successors(Some(first), |d| schedule.next_after(*d))
        .skip(1)
        .take(count)
        .collect()
}

#[test]
fn me_17_a_fixed_billing_day_is_read_as_it_is_written() {
    use crate::product::PeriodUnit::{Month, Week, Year};
    let cases = [
        (Week, "Mon", Some(Anchor::Weekday(Weekday::Mon))),
        (Week, "friday", Some(Anchor::Weekday(Weekday::Fri))),
        (
            Month,
            " 31 ",
            Some(Anchor::DayOfMonth(DayOfMonth::new(31).unwrap())),
        ),
        (
            Year,
            "02-29",
            Some(Anchor::DayOfYear(DayOfYear::new(2, 29).unwrap())),
        ),
        (Week, "15", None),
        (Month, "0", None),
        (Month, "32", None),
        (Month, "Mon", None),
        (Year, "02-30", None),
        (Year, "12", None),
    ];
    for (unit, raw, expected) in cases {
        let parsed = Anchor::parse(unit, raw);
        assert_eq!(
            parsed.as_ref().ok(),
            expected.as_ref(),
            "{raw} for {unit:?}"
        );
        if let Ok(anchor) = parsed {
            assert_eq!(
                Anchor::parse(unit, &anchor.to_string()),
                Ok(anchor),
                "round trip"
            );
        }
    }
}

#[test]
fn me_4_the_anchor_is_the_weekday_day_of_month_or_day_of_year_of_the_billing_date() {
    let cases = [
        (
            PeriodUnit::Week,
            day(2027, 1, 6),
            Anchor::Weekday(Weekday::Wed),
        ),
        (
            PeriodUnit::Month,
            day(2027, 1, 20),
            Anchor::DayOfMonth(DayOfMonth::new(20).unwrap()),
        ),
        (
            PeriodUnit::Month,
            day(2027, 1, 31),
            Anchor::DayOfMonth(DayOfMonth::new(31).unwrap()),
        ),
        (
            PeriodUnit::Year,
            day(2028, 2, 29),
            Anchor::DayOfYear(DayOfYear::new(2, 29).unwrap()),
        ),
    ];
    for (unit, date, anchor) in cases {
        assert_eq!(Anchor::of(unit, date), anchor, "{date}");
    }
}

#[test]
fn me_4_moving_the_next_billing_date_moves_the_anchor() {
    let on_the_15th = Schedule::anchored_at(Period::monthly(1).unwrap(), day(2027, 3, 15));
    assert_eq!(
        on_the_15th.next_after(day(2027, 3, 15)),
        Some(day(2027, 4, 15))
    );

    // Staff move the next payment from 15 April to the 20th.
    let moved = Schedule::anchored_at(on_the_15th.period(), day(2027, 4, 20));

    assert_eq!(
        moved.anchor(),
        Anchor::DayOfMonth(DayOfMonth::new(20).unwrap())
    );
    assert_eq!(
        series(&moved, day(2027, 4, 20), 3),
        [day(2027, 5, 20), day(2027, 6, 20), day(2027, 7, 20)]
    );
}

#[test]
fn me_5_anchor_31_clamps_to_month_end_and_returns_to_the_31st() {
    let cases = [
        // anchor, first, the next dates
        (
            31,
            day(2027, 1, 31),
            vec![
                day(2027, 2, 28),
                day(2027, 3, 31),
                day(2027, 4, 30),
                day(2027, 5, 31),
                day(2027, 6, 30),
            ],
        ),
        (
            31,
            day(2028, 1, 31),
            vec![day(2028, 2, 29), day(2028, 3, 31)],
        ),
        (
            30,
            day(2027, 1, 30),
            vec![day(2027, 2, 28), day(2027, 3, 30)],
        ),
        (
            29,
            day(2027, 1, 29),
            vec![day(2027, 2, 28), day(2027, 3, 29)],
        ),
        (
            29,
            day(2028, 1, 29),
            vec![day(2028, 2, 29), day(2028, 3, 29)],
        ),
        (
            31,
            day(2027, 11, 30),
            vec![day(2027, 12, 31), day(2028, 1, 31)],
        ),
        (
            15,
            day(2027, 12, 15),
            vec![day(2028, 1, 15), day(2028, 2, 15)],
        ),
    ];
    for (anchor, first, expected) in cases {
        assert_eq!(
            series(&monthly(1, anchor), first, expected.len()),
            expected,
            "anchor {anchor} from {first}"
        );
    }
}

#[test]
fn me_5_a_yearly_29_february_bills_on_28_february_in_common_years() {
    assert_eq!(
        series(&yearly(2, 29), day(2024, 2, 29), 4),
        [
            day(2025, 2, 28),
            day(2026, 2, 28),
            day(2027, 2, 28),
            day(2028, 2, 29)
        ]
    );
    assert_eq!(
        series(&yearly(6, 30), day(2027, 6, 30), 2),
        [day(2028, 6, 30), day(2029, 6, 30)]
    );
}

#[test]
fn me_5_interval_counts_step_several_periods_from_the_anchor() {
    let cases = [
        (
            monthly(2, 31),
            day(2027, 1, 31),
            vec![day(2027, 3, 31), day(2027, 5, 31), day(2027, 7, 31)],
        ),
        (
            monthly(2, 30),
            day(2027, 12, 30),
            vec![day(2028, 2, 29), day(2028, 4, 30), day(2028, 6, 30)],
        ),
        (
            monthly(3, 31),
            day(2027, 11, 30),
            vec![day(2028, 2, 29), day(2028, 5, 31)],
        ),
        (
            monthly(12, 31),
            day(2027, 2, 28),
            vec![day(2028, 2, 29), day(2029, 2, 28)],
        ),
        (
            weekly(1, Weekday::Wed),
            day(2027, 1, 6),
            vec![day(2027, 1, 13), day(2027, 1, 20)],
        ),
        (
            weekly(2, Weekday::Mon),
            day(2027, 12, 27),
            vec![day(2028, 1, 10), day(2028, 1, 24)],
        ),
    ];
    for (schedule, first, expected) in cases {
        assert_eq!(
            series(&schedule, first, expected.len()),
            expected,
            "{first}"
        );
        for (before, date) in std::iter::once(first)
            .chain(expected.clone())
            .zip(&expected)
        {
            assert_eq!(schedule.previous_before(*date), Some(before), "{date}");
        }
    }
}

#[test]
fn me_5_weekly_anchors_are_a_weekday_even_from_an_off_anchor_date() {
    // Staff moved the anchor to Friday but the stored date is a Wednesday: the next date
    // lands on the Friday of the following week's window, never after a full period.
    let fridays = weekly(1, Weekday::Fri);
    assert_eq!(fridays.next_after(day(2027, 1, 6)), Some(day(2027, 1, 8)));
    assert_eq!(fridays.next_after(day(2027, 1, 8)), Some(day(2027, 1, 15)));
}

#[test]
fn me_17_the_first_anchor_day_on_or_after_a_date() {
    let cases = [
        (monthly(1, 1), day(2027, 1, 1), day(2027, 1, 1)),
        (monthly(1, 1), day(2027, 1, 2), day(2027, 2, 1)),
        (monthly(1, 31), day(2027, 2, 10), day(2027, 2, 28)),
        (monthly(1, 15), day(2027, 12, 16), day(2028, 1, 15)),
        (yearly(2, 29), day(2027, 3, 1), day(2028, 2, 29)),
        (yearly(2, 29), day(2027, 1, 1), day(2027, 2, 28)),
        (weekly(1, Weekday::Mon), day(2027, 1, 6), day(2027, 1, 11)),
        (weekly(1, Weekday::Wed), day(2027, 1, 6), day(2027, 1, 6)),
    ];
    for (schedule, date, expected) in cases {
        assert_eq!(schedule.first_on_or_after(date), Some(expected), "{date}");
        assert!(schedule.is_anchor_day(expected));
    }
    assert!(!monthly(1, 31).is_anchor_day(day(2027, 3, 30)));
    assert!(monthly(1, 31).is_anchor_day(day(2027, 4, 30)));
}

#[test]
fn me_7_periods_due_are_charged_in_order_up_to_the_catch_up_limit() {
    let schedule = monthly(1, 31);
    let limit = |n| CatchUpLimit::new(n).unwrap();
    let cases = [
        // next, today, limit, charged, skipped
        (day(2027, 3, 31), day(2027, 3, 30), limit(3), vec![], vec![]),
        (
            day(2027, 3, 31),
            day(2027, 3, 31),
            limit(3),
            vec![day(2027, 3, 31)],
            vec![],
        ),
        (
            day(2027, 1, 31),
            day(2027, 4, 29),
            limit(3),
            vec![day(2027, 1, 31), day(2027, 2, 28), day(2027, 3, 31)],
            vec![],
        ),
        (
            day(2027, 1, 31),
            day(2027, 5, 31),
            limit(2),
            vec![day(2027, 4, 30), day(2027, 5, 31)],
            vec![day(2027, 1, 31), day(2027, 2, 28), day(2027, 3, 31)],
        ),
        (
            day(2027, 1, 31),
            day(2027, 3, 1),
            limit(1),
            vec![day(2027, 2, 28)],
            vec![day(2027, 1, 31)],
        ),
    ];
    for (next, today, limit, charge, skipped) in cases {
        assert_eq!(
            schedule.due_dates(next, today, None, limit),
            DueDates { charge, skipped },
            "{next} on {today}"
        );
    }
}

#[test]
fn me_6_no_period_starting_after_the_end_date_is_charged() {
    let schedule = monthly(1, 10);
    let due = schedule.due_dates(
        day(2027, 1, 10),
        day(2027, 6, 1),
        Some(day(2027, 3, 10)),
        CatchUpLimit::new(12).unwrap(),
    );
    assert_eq!(
        due.charge,
        [day(2027, 1, 10), day(2027, 2, 10), day(2027, 3, 10)]
    );
    let cases = [
        // period start, end date, chargeable
        (day(2027, 3, 10), None, true),
        (day(2027, 3, 10), Some(day(2027, 3, 10)), true),
        (day(2027, 3, 10), Some(day(2027, 3, 9)), false),
        (day(2027, 3, 10), Some(day(2027, 4, 9)), true),
    ];
    for (start, end, expected) in cases {
        assert_eq!(chargeable(start, end), expected, "{start} / {end:?}");
    }
}

#[test]
fn me_6_a_membership_expires_once_its_end_date_has_passed() {
    let cases = [
        (None, day(2027, 3, 10), false),
        (Some(day(2027, 3, 10)), day(2027, 3, 9), false),
        (Some(day(2027, 3, 10)), day(2027, 3, 10), false),
        (Some(day(2027, 3, 10)), day(2027, 3, 11), true),
    ];
    for (end, today, expected) in cases {
        assert_eq!(is_expired(end, today), expected, "{end:?} on {today}");
    }
}

#[test]
fn me_1_periods_anchors_and_limits_are_validated() {
    assert_eq!(
        Period::monthly(0),
        Err(PeriodError::Interval {
            every: 0,
            max: Period::MAX_EVERY
        })
    );
    assert!(Period::weekly(Period::MAX_EVERY + 1).is_err());
    assert_eq!(Period::monthly(2).unwrap().to_string(), "2 months");
    assert_eq!(Period::yearly(1).unwrap().to_string(), "1 year");
    assert_eq!(DayOfMonth::new(0), Err(AnchorError::DayOfMonth(0)));
    assert_eq!(DayOfMonth::new(32), Err(AnchorError::DayOfMonth(32)));
    assert!(DayOfYear::new(2, 29).is_ok());
    assert_eq!(
        DayOfYear::new(2, 30),
        Err(AnchorError::DayOfYear { month: 2, day: 30 })
    );
    assert!(DayOfYear::new(13, 1).is_err());
    assert_eq!(
        Schedule::new(Period::monthly(1).unwrap(), Anchor::Weekday(Weekday::Mon)),
        Err(AnchorError::Mismatch {
            period: PeriodUnit::Month,
            anchor: PeriodUnit::Week
        })
    );
    assert_eq!(CatchUpLimit::default().get(), 3);
    assert!(CatchUpLimit::new(0).is_err());
    assert_eq!(
        Period::try_from(crate::product::Period {
            every: 3,
            unit: PeriodUnit::Week
        }),
        Period::weekly(3)
    );
    assert_eq!(days_in_month(2028, 2), Some(29));
    assert_eq!(days_in_month(2027, 12), Some(31));
}

fn schedule_strategy() -> impl Strategy<Value = Schedule> {
    let monthly = (1_u32..=13, 1_u32..=31).prop_map(|(every, day)| monthly(every, day));
    let yearly = (1_u32..=4, 1_u32..=12, 1_u32..=31).prop_map(|(every, month, day)| {
        let day = day.min(days_in_month(2000, month).unwrap());
        Schedule::new(
            Period::yearly(every).unwrap(),
            Anchor::DayOfYear(DayOfYear::new(month, day).unwrap()),
        )
        .unwrap()
    });
    let weekly = (1_u32..=5, 0_u8..7)
        .prop_map(|(every, weekday)| weekly(every, Weekday::try_from(weekday).unwrap()));
    prop_oneof![monthly, yearly, weekly]
}

/// Whether `date` falls on `anchor`: its weekday, or its day (the month's last day when
/// the month is shorter than the anchor).
fn on_anchor(anchor: Anchor, date: NaiveDate) -> bool {
    let clamped = |wanted: u32| {
        let last = days_in_month(date.year(), date.month()).unwrap();
        date.day() == wanted.min(last)
    };
    match anchor {
        Anchor::Weekday(weekday) => date.weekday() == weekday,
        Anchor::DayOfMonth(day) => clamped(day.get()),
        Anchor::DayOfYear(day) => date.month() == day.month() && clamped(day.day()),
    }
}

proptest! {
    /// ME-5: from any start, billing dates strictly increase by one period each, always
    /// fall on the anchor (or the last day of a shorter month), and are back on the anchor
    /// day itself whenever the month has it.
    #[test]
    fn me_5_next_dates_increase_stay_on_the_anchor_and_return_to_it(
        schedule in schedule_strategy(),
        offset in 0_u64..3_000,
    ) {
        let start = day(2020, 1, 1) + chrono::Days::new(offset);
        let first = schedule.first_on_or_after(start).unwrap();
        prop_assert!(first >= start);
        let mut previous = first;
        for _ in 0..40 {
            let next = schedule.next_after(previous).unwrap();
            prop_assert!(next > previous, "{} then {}", previous, next);
            prop_assert!(on_anchor(schedule.anchor(), next), "{} off {}", next, schedule.anchor());
            let anchor_day = match schedule.anchor() {
                Anchor::DayOfMonth(day) => Some(day.get()),
                Anchor::DayOfYear(day) => Some(day.day()),
                Anchor::Weekday(_) => None,
            };
            if let Some(anchor_day) = anchor_day
                && days_in_month(next.year(), next.month()).unwrap() >= anchor_day
            {
                prop_assert_eq!(next.day(), anchor_day);
            }
            let every = i64::from(schedule.period().every());
            match schedule.period().unit() {
                PeriodUnit::Week => prop_assert_eq!((next - previous).num_days(), 7 * every),
                PeriodUnit::Month => prop_assert_eq!(
                    (next.year() - previous.year()) as i64 * 12
                        + i64::from(next.month()) - i64::from(previous.month()),
                    every
                ),
                PeriodUnit::Year => prop_assert_eq!(i64::from(next.year() - previous.year()), every),
            }
            prop_assert_eq!(schedule.previous_before(next), Some(previous));
            previous = next;
        }
    }
}
