//! Rows read on nearly every request, kept for a moment. A signed-in
//! request needs its user (still active, password unchanged since the
//! session began); under a deadline-hour load the same few hundred users ask
//! thousands of times a second, and each read costs a round trip to the
//! database. This instance forgets a row as soon as it writes it; another
//! instance's write is seen within [`RECENT`].

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a row read for a request may be reused: the longest another
/// instance's lock or password change takes to reach this one.
pub const RECENT: Duration = Duration::from_secs(1);

pub(crate) struct Recent<K, V> {
    rows: Mutex<HashMap<K, (V, Instant)>>,
    ttl: Duration,
}

impl<K: Eq + Hash, V: Clone> Recent<K, V> {
    /// Past this many rows the cache starts again rather than grow.
    const MAX: usize = 50_000;

    pub(crate) fn new(ttl: Duration) -> Self {
        Recent { rows: Mutex::new(HashMap::new()), ttl }
    }

    pub(crate) fn get(&self, key: &K) -> Option<V> {
        let rows = self.rows.lock().ok()?;
        let (value, at) = rows.get(key)?;
        (at.elapsed() < self.ttl).then(|| value.clone())
    }

    pub(crate) fn put(&self, key: K, value: V) {
        if let Ok(mut rows) = self.rows.lock() {
            if rows.len() >= Self::MAX {
                rows.retain(|_, (_, at)| at.elapsed() < self.ttl);
                if rows.len() >= Self::MAX {
                    rows.clear();
                }
            }
            rows.insert(key, (value, Instant::now()));
        }
    }

    pub(crate) fn forget(&self, key: &K) {
        if let Ok(mut rows) = self.rows.lock() {
            rows.remove(key);
        }
    }

    pub(crate) fn forget_all(&self) {
        if let Ok(mut rows) = self.rows.lock() {
            rows.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_reused_until_it_is_forgotten_or_too_old() {
        let recent = Recent::new(Duration::from_millis(50));
        recent.put(1, "a");
        assert_eq!(recent.get(&1), Some("a"));
        recent.forget(&1);
        assert_eq!(recent.get(&1), None);
        recent.put(2, "b");
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(recent.get(&2), None, "an old row is read again");
        recent.put(3, "c");
        recent.forget_all();
        assert_eq!(recent.get(&3), None);
    }
}
