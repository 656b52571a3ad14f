//! Pro-rata (ME-17): a membership of a type billed on a fixed day that starts mid-cycle
//! pays the part of the first period it is a member for, by days.
//!
//! Rounding: the exact amount `rate × days / period_days` is rounded to the currency's
//! minor units half away from zero ("half-up", as a receipt is read: 0.005 → 0.01), never
//! with banker's rounding. It is computed in `Decimal` from the rate's exact value, so no
//! float ever touches it.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use super::billing::Schedule;
use crate::money::Money;

/// The pro-rated first period of a mid-cycle start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProRata {
    /// The start date: the first day paid for.
    pub from: NaiveDate,
    /// The first fixed billing day: the first day not paid for by it.
    pub until: NaiveDate,
    /// Days paid for (`until - from`).
    pub days: u32,
    /// Days of the whole period it is part of.
    pub period_days: u32,
    /// The rate for the whole period.
    pub rate: Money,
    /// The pro-rated amount the order charges.
    pub amount: Money,
}

/// `rate × days / period_days`, rounded half-up to `rate`'s currency's minor units; the
/// whole rate for a whole period or more, zero for no day. `None` when `period_days` is 0.
pub fn prorate(rate: Money, days: u32, period_days: u32) -> Option<Money> {
    if period_days == 0 {
        return None;
    }
    if days >= period_days {
        return Some(rate);
    }
    let exact = rate.amount().checked_mul(Decimal::from(days))? / Decimal::from(period_days);
    let rounded = exact.round_dp_with_strategy(
        rate.currency().minor_digits(),
        RoundingStrategy::MidpointAwayFromZero,
    );
    Money::new(rounded, rate.currency()).ok()
}

/// ME-17: the pro-rated first period of a membership on `schedule` (a type's fixed day)
/// that starts on `start`. `None` when `start` is an anchor day: its first period is whole
/// and billed at the full rate on that day.
pub fn first_period(rate: Money, schedule: &Schedule, start: NaiveDate) -> Option<ProRata> {
    let until = schedule.first_on_or_after(start)?;
    if until == start {
        return None;
    }
    let period_start = schedule.previous_before(until)?;
    let days = u32::try_from(until.signed_duration_since(start).num_days()).ok()?;
    let period_days = u32::try_from(until.signed_duration_since(period_start).num_days()).ok()?;
    Some(ProRata {
        from: start,
        until,
        days,
        period_days,
        rate,
        amount: prorate(rate, days, period_days)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::membership::billing::{Anchor, DayOfMonth, Period};
    use crate::money::Currency;
    use chrono::Weekday;

    fn money(amount: &str, currency: &str) -> Money {
        Money::parse("rate", amount, Currency::parse(currency).unwrap()).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn me_17_a_part_of_a_period_costs_its_share_of_the_rate_rounded_half_up() {
        let cases = [
            // rate, currency, days, period days, expected
            ("30.00", "EUR", 15, 30, "15.00"),
            ("100.00", "EUR", 1, 3, "33.33"),
            ("100.00", "EUR", 2, 3, "66.67"),
            // 10.01 × 1/2 = 5.005: half-up gives 5.01 (banker's would give 5.00).
            ("10.01", "EUR", 1, 2, "5.01"),
            // 0.03 × 1/2 = 0.015 → 0.02 (banker's would also give 0.02).
            ("0.03", "EUR", 1, 2, "0.02"),
            ("1000", "JPY", 1, 3, "333"),
            ("1001", "JPY", 1, 2, "501"),
            ("10.000", "KWD", 1, 3, "3.333"),
            ("49.90", "EUR", 31, 31, "49.90"),
            ("49.90", "EUR", 40, 31, "49.90"),
            ("49.90", "EUR", 0, 31, "0.00"),
        ];
        for (rate, currency, days, period_days, expected) in cases {
            assert_eq!(
                prorate(money(rate, currency), days, period_days),
                Some(money(expected, currency)),
                "{rate} {currency} × {days}/{period_days}"
            );
        }
        assert_eq!(prorate(money("10", "EUR"), 1, 0), None);
    }

    #[test]
    fn me_17_a_mid_cycle_start_pays_the_days_until_the_fixed_day() {
        let monthly_on_1st = Schedule::new(
            Period::monthly(1).unwrap(),
            Anchor::DayOfMonth(DayOfMonth::new(1).unwrap()),
        )
        .unwrap();
        let weekly_on_monday =
            Schedule::new(Period::weekly(1).unwrap(), Anchor::Weekday(Weekday::Mon)).unwrap();
        let rate = money("31.00", "EUR");
        let cases = [
            // schedule, start, first billing day, days, period days, amount
            (
                monthly_on_1st,
                day(2027, 1, 17),
                day(2027, 2, 1),
                15,
                31,
                "15.00",
            ),
            (
                monthly_on_1st,
                day(2027, 2, 15),
                day(2027, 3, 1),
                14,
                28,
                "15.50",
            ),
            (
                monthly_on_1st,
                day(2028, 2, 15),
                day(2028, 3, 1),
                15,
                29,
                "16.03",
            ),
            (
                monthly_on_1st,
                day(2027, 4, 30),
                day(2027, 5, 1),
                1,
                30,
                "1.03",
            ),
            // 2027-01-06 is a Wednesday: Wed to Sun, 5 of 7 days.
            (
                weekly_on_monday,
                day(2027, 1, 6),
                day(2027, 1, 11),
                5,
                7,
                "22.14",
            ),
        ];
        for (schedule, start, until, days, period_days, amount) in cases {
            let pro_rata = first_period(rate, &schedule, start).unwrap();
            assert_eq!(
                (
                    pro_rata.from,
                    pro_rata.until,
                    pro_rata.days,
                    pro_rata.period_days
                ),
                (start, until, days, period_days),
                "{start}"
            );
            assert_eq!(pro_rata.amount, money(amount, "EUR"), "{start}");
            assert_eq!(pro_rata.rate, rate);
        }
        assert_eq!(first_period(rate, &monthly_on_1st, day(2027, 3, 1)), None);
    }
}
