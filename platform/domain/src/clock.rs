//! The one place that knows Viet Nam's day starts at 00:00 UTC+7: deadlines,
//! entry windows and "sent on time" are all days in Viet Nam, whatever the
//! server's time zone.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Offset, Utc};

/// Viet Nam's offset from UTC, in hours (no daylight saving).
const OFFSET_HOURS: i64 = 7;

/// The day in Viet Nam at the instant `at`.
pub fn vietnam_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(OFFSET_HOURS)).date_naive()
}

/// The instant `at` on a clock in Viet Nam (+07:00), as a signature states its time.
pub fn vietnam_time(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt((OFFSET_HOURS * 3600) as i32).unwrap_or_else(|| Utc.fix());
    at.with_timezone(&offset)
}

/// The instant a day in Viet Nam begins.
pub fn vietnam_day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc() - Duration::hours(OFFSET_HOURS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_turns_at_midnight_in_hanoi() {
        let before = DateTime::parse_from_rfc3339("2026-03-31T16:59:59Z").unwrap().with_timezone(&Utc);
        let after = DateTime::parse_from_rfc3339("2026-03-31T17:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(vietnam_date(before), NaiveDate::from_ymd_opt(2026, 3, 31).unwrap());
        assert_eq!(vietnam_date(after), NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
        assert_eq!(vietnam_day_start(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()), after);
    }
}
