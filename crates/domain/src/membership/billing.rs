//! Billing dates (ME-4 to ME-7): a membership's period, its anchor, and the calendar
//! arithmetic that turns them into the days it is charged on. Everything here is a pure
//! function of calendar dates in the business's time zone: no clock, no storage.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use thiserror::Error;

pub use crate::product::PeriodUnit;

/// Why a period is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PeriodError {
    #[error("a period is every 1 to {max} weeks, months or years, not every {every}")]
    Interval { every: u32, max: u32 },
}

/// How often a membership is billed: every `every` weeks, months or years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    unit: PeriodUnit,
    every: u32,
}

impl Period {
    /// The longest interval: a year of weeks, and far more months or years than any
    /// business offers, while keeping every date computation inside chrono's range.
    pub const MAX_EVERY: u32 = 52;

    pub fn new(unit: PeriodUnit, every: u32) -> Result<Self, PeriodError> {
        if (1..=Self::MAX_EVERY).contains(&every) {
            Ok(Self { unit, every })
        } else {
            Err(PeriodError::Interval {
                every,
                max: Self::MAX_EVERY,
            })
        }
    }

    pub fn weekly(every: u32) -> Result<Self, PeriodError> {
        Self::new(PeriodUnit::Week, every)
    }

    pub fn monthly(every: u32) -> Result<Self, PeriodError> {
        Self::new(PeriodUnit::Month, every)
    }

    pub fn yearly(every: u32) -> Result<Self, PeriodError> {
        Self::new(PeriodUnit::Year, every)
    }

    pub fn unit(&self) -> PeriodUnit {
        self.unit
    }

    pub fn every(&self) -> u32 {
        self.every
    }
}

impl std::fmt::Display for Period {
    /// "1 month", "2 weeks".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = if self.every == 1 { "" } else { "s" };
        write!(f, "{} {}{plural}", self.every, self.unit.as_str())
    }
}

impl TryFrom<crate::product::Period> for Period {
    type Error = PeriodError;

    /// The period of a subscription product (CO-1), for the membership type it is sold as.
    fn try_from(period: crate::product::Period) -> Result<Self, Self::Error> {
        Self::new(period.unit, period.every)
    }
}

/// Why an anchor is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AnchorError {
    #[error("a monthly billing day is 1 to 31, not {0}")]
    DayOfMonth(u32),
    #[error(
        "`{raw}` is no {}ly billing day: a weekday (\"Mon\"), a day of the month (\"15\") or a month and day (\"03-01\") as the period is",
        .unit.as_str()
    )]
    Unreadable { unit: PeriodUnit, raw: String },
    #[error("{month}/{day} is not a day of the year")]
    DayOfYear { month: u32, day: u32 },
    #[error(
        "the anchor is for {}ly periods, the period is {}ly",
        .anchor.as_str(),
        .period.as_str()
    )]
    Mismatch {
        period: PeriodUnit,
        anchor: PeriodUnit,
    },
}

/// A monthly billing day, 1 to 31 (ME-5: months without it bill on their last day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DayOfMonth(u32);

impl DayOfMonth {
    pub fn new(day: u32) -> Result<Self, AnchorError> {
        if (1..=31).contains(&day) {
            Ok(Self(day))
        } else {
            Err(AnchorError::DayOfMonth(day))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// A yearly billing day: a month and a day that exists in a leap year, so 29 February is
/// allowed (ME-5: it bills on 28 February in common years).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DayOfYear {
    month: u32,
    day: u32,
}

impl DayOfYear {
    pub fn new(month: u32, day: u32) -> Result<Self, AnchorError> {
        // 2000 is a leap year: every day any year can have exists in it.
        NaiveDate::from_ymd_opt(2000, month, day)
            .map(|_| Self { month, day })
            .ok_or(AnchorError::DayOfYear { month, day })
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn day(self) -> u32 {
        self.day
    }
}

/// The day a membership is billed on each period (ME-4, ME-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Anchor {
    /// Weekly periods: a weekday.
    Weekday(Weekday),
    /// Monthly periods: a day of the month.
    DayOfMonth(DayOfMonth),
    /// Yearly periods: a month and day.
    DayOfYear(DayOfYear),
}

impl Anchor {
    /// ME-4: the anchor of a period of `unit` that bills on `date` — its weekday, its day
    /// of the month, or its month and day.
    pub fn of(unit: PeriodUnit, date: NaiveDate) -> Self {
        match unit {
            PeriodUnit::Week => Self::Weekday(date.weekday()),
            PeriodUnit::Month => Self::DayOfMonth(DayOfMonth(date.day())),
            PeriodUnit::Year => Self::DayOfYear(DayOfYear {
                month: date.month(),
                day: date.day(),
            }),
        }
    }

    /// The anchor of a period of `unit` as [`Display`](std::fmt::Display) writes it: a
    /// weekday ("Mon" or "Monday"), a day of the month ("15") or a month and day ("02-29").
    pub fn parse(unit: PeriodUnit, raw: &str) -> Result<Self, AnchorError> {
        let raw = raw.trim();
        let unreadable = || AnchorError::Unreadable {
            unit,
            raw: raw.to_owned(),
        };
        let number = |digits: &str| digits.parse::<u32>().map_err(|_| unreadable());
        match unit {
            PeriodUnit::Week => raw.parse().map(Self::Weekday).map_err(|_| unreadable()),
            PeriodUnit::Month => DayOfMonth::new(number(raw)?).map(Self::DayOfMonth),
            PeriodUnit::Year => {
                let (month, day) = raw.split_once('-').ok_or_else(unreadable)?;
                DayOfYear::new(number(month)?, number(day)?).map(Self::DayOfYear)
            }
        }
    }

    /// The unit of the periods this anchor fits.
    pub fn unit(&self) -> PeriodUnit {
        match self {
            Self::Weekday(_) => PeriodUnit::Week,
            Self::DayOfMonth(_) => PeriodUnit::Month,
            Self::DayOfYear(_) => PeriodUnit::Year,
        }
    }

    /// ME-5: the billing day of a monthly or yearly anchor in `year`/`month` (the anchor,
    /// or the month's last day when it is shorter). `None` for a weekday or out of range.
    fn day_in(&self, year: i32, month: u32) -> Option<NaiveDate> {
        let wanted = match self {
            Self::Weekday(_) => return None,
            Self::DayOfMonth(day) => day.0,
            Self::DayOfYear(day) => day.day,
        };
        NaiveDate::from_ymd_opt(year, month, wanted.min(days_in_month(year, month)?))
    }
}

impl std::fmt::Display for Anchor {
    /// "Mon" (weekly), "31" (monthly), "02-29" (yearly).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Weekday(weekday) => write!(f, "{weekday}"),
            Self::DayOfMonth(day) => write!(f, "{}", day.0),
            Self::DayOfYear(day) => write!(f, "{:02}-{:02}", day.month, day.day),
        }
    }
}

/// The number of days of `month` in `year`, `None` out of chrono's range.
pub fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    u32::try_from(next.signed_duration_since(first).num_days()).ok()
}

/// A period with the anchor it bills on: the two always agree (a monthly period has a day
/// of the month), so every date function below is total on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    period: Period,
    anchor: Anchor,
}

impl Schedule {
    /// `period` billed on `anchor`; refused when the anchor is of another unit.
    pub fn new(period: Period, anchor: Anchor) -> Result<Self, AnchorError> {
        if anchor.unit() == period.unit {
            Ok(Self { period, anchor })
        } else {
            Err(AnchorError::Mismatch {
                period: period.unit,
                anchor: anchor.unit(),
            })
        }
    }

    /// ME-4: `period` billed on the anchor of `date`.
    pub fn anchored_at(period: Period, date: NaiveDate) -> Self {
        Self {
            period,
            anchor: Anchor::of(period.unit, date),
        }
    }

    pub fn period(&self) -> Period {
        self.period
    }

    pub fn anchor(&self) -> Anchor {
        self.anchor
    }

    /// Whether `date` is an anchor day: the anchor's weekday, or its day of the month (the
    /// month's last day when the month is shorter, ME-5). The interval is not looked at.
    pub fn is_anchor_day(&self, date: NaiveDate) -> bool {
        self.first_on_or_after(date) == Some(date)
    }

    /// ME-5: the billing date one period after the billing date `date`, computed from the
    /// anchor (not from `date`'s day), so a clamped date returns to the anchor after:
    /// anchor 31 → 31 Jan, 28/29 Feb, 31 Mar, 30 Apr. `None` past chrono's range.
    pub fn next_after(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.step(date, i64::from(self.period.every))
    }

    /// The billing date one period before the billing date `date` (the inverse of
    /// [`Schedule::next_after`] on anchor days).
    pub fn previous_before(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.step(date, -i64::from(self.period.every))
    }

    /// `periods` periods (of the unit) from `date`, landed on the anchor.
    fn step(&self, date: NaiveDate, periods: i64) -> Option<NaiveDate> {
        match self.anchor {
            Anchor::Weekday(weekday) => {
                let target = add_days(date, periods.checked_mul(7)?)?;
                // The anchor's weekday on or before the target: the target itself when
                // `date` was on the anchor, and always within one week of it.
                let behind = (7 + target.weekday().num_days_from_monday()
                    - weekday.num_days_from_monday())
                    % 7;
                add_days(target, -i64::from(behind))
            }
            Anchor::DayOfMonth(_) => {
                let months = i64::from(date.year()) * 12 + i64::from(date.month0()) + periods;
                let year = i32::try_from(months.div_euclid(12)).ok()?;
                let month = u32::try_from(months.rem_euclid(12)).ok()? + 1;
                self.anchor.day_in(year, month)
            }
            Anchor::DayOfYear(day) => {
                let year = i32::try_from(i64::from(date.year()) + periods).ok()?;
                self.anchor.day_in(year, day.month)
            }
        }
    }

    /// The first anchor day on or after `date` (the first billing date of a membership
    /// aligned to a fixed day that starts on `date`, ME-17).
    pub fn first_on_or_after(&self, date: NaiveDate) -> Option<NaiveDate> {
        match self.anchor {
            Anchor::Weekday(weekday) => {
                let ahead = (7 + weekday.num_days_from_monday()
                    - date.weekday().num_days_from_monday())
                    % 7;
                add_days(date, i64::from(ahead))
            }
            Anchor::DayOfMonth(_) => {
                let this_month = self.anchor.day_in(date.year(), date.month())?;
                if this_month >= date {
                    return Some(this_month);
                }
                let (year, month) = if date.month() == 12 {
                    (date.year().checked_add(1)?, 1)
                } else {
                    (date.year(), date.month() + 1)
                };
                self.anchor.day_in(year, month)
            }
            Anchor::DayOfYear(day) => {
                let this_year = self.anchor.day_in(date.year(), day.month)?;
                if this_year >= date {
                    return Some(this_year);
                }
                self.anchor.day_in(date.year().checked_add(1)?, day.month)
            }
        }
    }

    /// The first billing date of the series that starts at `from` (a billing date) which
    /// is on or after `date`: `from` itself when it is not before `date`. Used to skip the
    /// periods of a pause (ME-20) or to land back on the anchor.
    pub fn advance_to(&self, from: NaiveDate, date: NaiveDate) -> Option<NaiveDate> {
        let mut current = from;
        while current < date {
            current = self.next_after(current)?;
        }
        Some(current)
    }

    /// Whether `date` is in the series of billing dates that starts at `from`.
    pub fn in_series(&self, from: NaiveDate, date: NaiveDate) -> bool {
        self.advance_to(from, date) == Some(date)
    }

    /// ME-7, ME-6: the periods to charge on `today` for a membership whose next billing
    /// date is `next`: every period start from `next` up to `today`, in order, except
    /// those that start after `ends_on`. When more than `limit` are due, only the `limit`
    /// most recent are charged and the older ones are listed as skipped: a membership the
    /// worker left behind for months is not charged for all of them at once.
    pub fn due_dates(
        &self,
        next: NaiveDate,
        today: NaiveDate,
        ends_on: Option<NaiveDate>,
        limit: CatchUpLimit,
    ) -> DueDates {
        let mut due = Vec::new();
        let mut current = Some(next);
        while let Some(date) = current.filter(|d| *d <= today && ends_on.is_none_or(|e| *d <= e)) {
            due.push(date);
            current = self.next_after(date);
        }
        let keep = usize::try_from(limit.get()).unwrap_or(usize::MAX);
        let charge = due.split_off(due.len().saturating_sub(keep));
        DueDates {
            charge,
            skipped: due,
        }
    }
}

/// The periods due on a day (ME-7): the starts of those to charge, in order, and of those
/// left uncharged beyond the catch-up limit (older than all of `charge`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DueDates {
    pub charge: Vec<NaiveDate>,
    pub skipped: Vec<NaiveDate>,
}

impl DueDates {
    pub fn is_empty(&self) -> bool {
        self.charge.is_empty()
    }
}

/// Why a catch-up limit is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CatchUpLimitError {
    #[error("a catch-up limit is 1 to {max} periods, not {given}")]
    OutOfRange { given: u32, max: u32 },
}

/// ME-7: how many missed periods one billing run charges for a membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CatchUpLimit(u32);

impl CatchUpLimit {
    pub const MAX: u32 = 120;
    /// Three periods: a worker down for a weekend never bills more than a quarter of a
    /// monthly membership at once.
    pub const DEFAULT: Self = Self(3);

    pub fn new(periods: u32) -> Result<Self, CatchUpLimitError> {
        if (1..=Self::MAX).contains(&periods) {
            Ok(Self(periods))
        } else {
            Err(CatchUpLimitError::OutOfRange {
                given: periods,
                max: Self::MAX,
            })
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for CatchUpLimit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// ME-6: whether a period starting on `period_start` may be charged: not when it starts
/// after the end date.
pub fn chargeable(period_start: NaiveDate, ends_on: Option<NaiveDate>) -> bool {
    ends_on.is_none_or(|end| period_start <= end)
}

/// ME-6: whether a membership ending on `ends_on` is expired on `today`: its end date has
/// passed (it is still a member on the end date itself).
pub fn is_expired(ends_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    ends_on.is_some_and(|end| end < today)
}

fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    if days >= 0 {
        date.checked_add_days(Days::new(u64::try_from(days).ok()?))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    }
}
