//! Fingerprints of logged SQL with a cache for texts that repeat verbatim (extended-protocol
//! statements, whose constants are parameters). One per worker thread.

use std::collections::HashMap;
use std::sync::Arc;

/// A normalized query's identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fp {
    /// pg_query fingerprint, 16 hex digits.
    pub hex: Arc<str>,
    /// The query with its constants replaced by `$n`.
    pub normalized: Arc<str>,
}

/// Texts kept in the cache at most; it is cleared when full (memory stays bounded whatever
/// the log).
const CACHE_LIMIT: usize = 50_000;

/// Fingerprints SQL with the real parser.
///
/// The normalized text returned is always that of the SQL given (the same fingerprint covers
/// texts that differ in IN-list lengths and comments): what a worker saw before never leaks
/// into it, so results do not depend on which thread read which chunk.
#[derive(Default)]
pub struct Fingerprinter {
    cache: HashMap<Box<str>, Option<Fp>>,
}

impl Fingerprinter {
    /// The fingerprint of `sql`, `None` when it does not parse.
    pub fn fingerprint(&mut self, sql: &str) -> Option<Fp> {
        // Texts with parameters repeat verbatim; others rarely do, and are not kept.
        let cacheable = sql.contains('$');
        if cacheable {
            if let Some(hit) = self.cache.get(sql) {
                return hit.clone();
            }
        }
        let fp = plumb_sql::fingerprint::fingerprint(sql).map(|f| Fp {
            hex: Arc::from(f.fingerprint),
            normalized: Arc::from(f.normalized),
        });
        if cacheable {
            if self.cache.len() >= CACHE_LIMIT {
                self.cache.clear();
            }
            self.cache.insert(Box::from(sql), fp.clone());
        }
        fp
    }
}
