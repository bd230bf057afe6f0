//! The time use cases see: the system's, or a fixed one in tests.

use chrono::{DateTime, NaiveDate, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Today in Viet Nam: deadlines and entry windows are days there.
    fn today(&self) -> NaiveDate {
        baocao_domain::clock::vietnam_date(self.now())
    }
}

/// A clock standing still at one instant (tests of deadlines).
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
