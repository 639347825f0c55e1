//! SLA clocks on business-hours calendars: a clock runs only during working hours of working
//! days in the organization's time zone, skipping holidays; it warns before its deadline and
//! breaches after it.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::lead::string_enum;
use crate::rule::Rule;
use crate::violation::Violation;

string_enum!(
    /// The SLA clocks the domain watches.
    ClockKind {
        FirstContact = "FIRST_CONTACT",
        NeedsAnalysis = "NEEDS_ANALYSIS",
        Demo = "DEMO",
        LegalReview = "LEGAL_REVIEW",
        FirstPayment = "FIRST_PAYMENT",
    }
);

/// When work happens: working days and hours in a time zone, minus holidays.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub tz: Tz,
    /// Monday first.
    pub work_days: [bool; 7],
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub holidays: Vec<NaiveDate>,
}

impl Calendar {
    /// Monday to Friday, 09:00 to 17:00, in the given zone, no holidays.
    pub fn office(tz: Tz) -> Self {
        Calendar {
            tz,
            work_days: [true, true, true, true, true, false, false],
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
            holidays: vec![],
        }
    }

    /// Every hour of every day counts (for clocks that run on calendar time).
    pub fn always() -> Self {
        Calendar {
            tz: chrono_tz::UTC,
            work_days: [true; 7],
            start: NaiveTime::MIN,
            end: NaiveTime::MIN,
            holidays: vec![],
        }
    }

    fn is_workday(&self, d: NaiveDate) -> bool {
        self.work_days[d.weekday().num_days_from_monday() as usize] && !self.holidays.contains(&d)
    }

    /// The working interval of a local date, in UTC (a whole day when start == end).
    fn interval(&self, d: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.is_workday(d) {
            return None;
        }
        let local = |t: NaiveTime, day: NaiveDate| {
            self.tz.from_local_datetime(&day.and_time(t)).earliest().map(|x| x.with_timezone(&Utc))
        };
        let from = local(self.start, d)?;
        let to = if self.end <= self.start { local(self.end, d.succ_opt()?)? } else { local(self.end, d)? };
        Some((from, to))
    }

    /// The instant `work` of working time after `from`.
    pub fn add(&self, from: DateTime<Utc>, work: Duration) -> DateTime<Utc> {
        let mut left = work;
        let mut day = from.with_timezone(&self.tz).date_naive();
        // Working time is bounded (a clock of years would be a configuration error); stop after ten years.
        for _ in 0..3660 {
            if let Some((open, close)) = self.interval(day) {
                let begin = open.max(from);
                if begin < close {
                    let available = close - begin;
                    if left <= available {
                        return begin + left;
                    }
                    left -= available;
                }
            }
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
        from + work
    }

    /// Working time between two instants (zero when `to` is not after `from`).
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let mut total = Duration::zero();
        let mut day = from.with_timezone(&self.tz).date_naive();
        let last = to.with_timezone(&self.tz).date_naive();
        while day <= last {
            if let Some((open, close)) = self.interval(day) {
                let (a, b) = (open.max(from), close.min(to));
                if a < b {
                    total += b - a;
                }
            }
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
        total
    }
}

/// Parses a weekday list such as `MON,TUE,WED,THU,FRI`.
pub fn parse_work_days(s: &str) -> Result<[bool; 7], String> {
    let mut days = [false; 7];
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let d: Weekday = part.parse().map_err(|_| format!("`{part}` is not a weekday (MON … SUN)"))?;
        days[d.num_days_from_monday() as usize] = true;
    }
    if days.iter().any(|d| *d) { Ok(days) } else { Err("at least one working day is needed".into()) }
}

/// A clock's deadline and its warning time (at 75 % of the working time).
pub fn deadlines(cal: &Calendar, started: DateTime<Utc>, work: Duration) -> (DateTime<Utc>, DateTime<Utc>) {
    let warn = cal.add(started, work * 3 / 4);
    (warn, cal.add(started, work))
}

string_enum!(
    /// Where a task stands.
    TaskStatus { Open = "OPEN", Done = "DONE" }
);

/// A task is completed, snoozed or reassigned only while it is open.
pub fn change_task(s: TaskStatus) -> Result<(), Vec<Violation>> {
    match s {
        TaskStatus::Open => Ok(()),
        TaskStatus::Done => Err(vec![Violation::new(Rule::InvalidTransition, "the task is already done")]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).unwrap_or_default()
    }

    #[test]
    fn working_time_skips_nights_and_weekends() {
        let cal = Calendar::office(chrono_tz::UTC);
        // Thursday 16:00 + 2 working hours = Friday 10:00.
        assert_eq!(cal.add(utc("2026-11-26T16:00:00Z"), Duration::hours(2)), utc("2026-11-27T10:00:00Z"));
        // Friday 16:00 + 2 h = Monday 10:00.
        assert_eq!(cal.add(utc("2026-11-27T16:00:00Z"), Duration::hours(2)), utc("2026-11-30T10:00:00Z"));
        // Saturday night + 1 h = Monday 10:00.
        assert_eq!(cal.add(utc("2026-11-28T22:00:00Z"), Duration::hours(1)), utc("2026-11-30T10:00:00Z"));
        // 24 working hours from Monday 09:00 = Wednesday 17:00.
        assert_eq!(cal.add(utc("2026-11-30T09:00:00Z"), Duration::hours(24)), utc("2026-12-02T17:00:00Z"));
        assert_eq!(cal.between(utc("2026-11-27T16:00:00Z"), utc("2026-11-30T10:00:00Z")), Duration::hours(2));
    }

    #[test]
    fn holidays_do_not_count() {
        let mut cal = Calendar::office(chrono_tz::UTC);
        cal.holidays.push(NaiveDate::from_ymd_opt(2026, 12, 25).unwrap_or_default());
        // Thursday 24 Dec 16:00 + 2 h: Friday 25 is a holiday, so Monday 28 10:00.
        assert_eq!(cal.add(utc("2026-12-24T16:00:00Z"), Duration::hours(2)), utc("2026-12-28T10:00:00Z"));
    }

    #[test]
    fn time_zones_and_daylight_saving_are_respected() {
        let cal = Calendar::office(chrono_tz::Europe::Berlin);
        // 09:00 in Berlin is 08:00 UTC in winter.
        assert_eq!(cal.add(utc("2026-01-05T07:00:00Z"), Duration::hours(1)), utc("2026-01-05T09:00:00Z"));
        // Across the spring change (29 March 2026): Friday 16:00 CET (15:00 UTC) + 2 h = Monday
        // 10:00 CEST, which is 08:00 UTC.
        assert_eq!(cal.add(utc("2026-03-27T15:00:00Z"), Duration::hours(2)), utc("2026-03-30T08:00:00Z"));
        let ny = Calendar::office(chrono_tz::America::New_York);
        // Across the autumn change (1 November 2026): Friday 16:00 EDT (20:00 UTC) + 2 h = Monday
        // 10:00 EST, which is 15:00 UTC.
        assert_eq!(ny.add(utc("2026-10-30T20:00:00Z"), Duration::hours(2)), utc("2026-11-02T15:00:00Z"));
    }

    #[test]
    fn always_on_clocks_count_every_hour_and_warnings_come_at_three_quarters() {
        let cal = Calendar::always();
        assert_eq!(cal.add(utc("2026-11-28T22:00:00Z"), Duration::hours(24)), utc("2026-11-29T22:00:00Z"));
        let office = Calendar::office(chrono_tz::UTC);
        let (warn, due) = deadlines(&office, utc("2026-11-30T09:00:00Z"), Duration::hours(8));
        assert_eq!((warn, due), (utc("2026-11-30T15:00:00Z"), utc("2026-11-30T17:00:00Z")));
        assert_eq!(parse_work_days("MON, wed,FRI"), Ok([true, false, true, false, true, false, false]));
        assert!(parse_work_days("").is_err());
        assert!(parse_work_days("FUNDAY").is_err());
    }

    #[test]
    fn only_an_open_task_changes() {
        assert_eq!(change_task(TaskStatus::Open), Ok(()));
        assert_eq!(change_task(TaskStatus::Done).unwrap_err()[0].rule, Rule::InvalidTransition);
    }
}
