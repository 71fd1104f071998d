//! In-memory cache of serialized public catalogue responses, invalidated by a version counter
//! kept in the database so that a write on any instance reaches every instance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;
use chrono::NaiveDate;

use super::browse::Browse;
use super::named_items::NamedList;
use crate::http::Paging;

/// What a cached answer answers: compared and hashed as it is, so a hit formats nothing.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum CacheKey {
    /// A page of the gift list on a Japan date (availability windows move daily).
    Gifts(NaiveDate, Browse),
    /// One gift on a Japan date.
    Gift(NaiveDate, String),
    /// A page of a named list's active entries.
    Named(NamedList, Paging),
}

/// A serialized response and its entity tag (a header value already: a hit copies nothing).
#[derive(Clone)]
pub struct Cached {
    pub etag: HeaderValue,
    pub body: Bytes,
    pub built_at: Instant,
}

struct Inner {
    /// The catalogue version the entries were built from.
    version: i64,
    /// When `version` was last confirmed against the database.
    checked_at: Option<Instant>,
    entries: HashMap<CacheKey, Cached>,
}

pub struct CatalogueCache {
    check_every: Duration,
    /// Stock counts and popularity change without a version bump; entries are rebuilt after this.
    max_age: Duration,
    inner: Mutex<Inner>,
}

/// Most distinct keys kept; crawlers can vary them without bound.
const MAX_ENTRIES: usize = 2048;

impl CatalogueCache {
    pub fn new(check_every: Duration, max_age: Duration) -> CatalogueCache {
        CatalogueCache {
            check_every,
            max_age,
            inner: Mutex::new(Inner {
                version: -1,
                checked_at: None,
                entries: HashMap::new(),
            }),
        }
    }

    /// Whether the version was confirmed recently enough to skip the database.
    fn confirmed_recently(&self, inner: &Inner, now: Instant) -> bool {
        inner
            .checked_at
            .is_some_and(|at| now.duration_since(at) < self.check_every)
    }

    /// The entry for `key`, unless it is older than `max_age`.
    fn young_entry(&self, inner: &Inner, key: &CacheKey, now: Instant) -> Option<Cached> {
        inner
            .entries
            .get(key)
            .filter(|entry| now.duration_since(entry.built_at) < self.max_age)
            .cloned()
    }

    /// The version to validate against, if it was confirmed recently enough to skip the database.
    pub fn fresh_version(&self) -> Option<i64> {
        let inner = self.inner.lock().ok()?;
        self.confirmed_recently(&inner, Instant::now())
            .then_some(inner.version)
    }

    /// Records the database's current version; a change drops every entry.
    pub fn confirm_version(&self, version: i64) {
        if let Ok(mut inner) = self.inner.lock() {
            if inner.version != version {
                inner.entries.clear();
                inner.version = version;
            }
            inner.checked_at = Some(Instant::now());
        }
    }

    /// Forgets everything; the next read re-checks the database (after a local write).
    pub fn invalidate(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.entries.clear();
            inner.checked_at = None;
        }
    }

    /// The entry for `key` when the version was confirmed recently enough to skip the database:
    /// the common read, under one lock.
    pub fn fresh_hit(&self, key: &CacheKey) -> Option<Cached> {
        // One clock read serves both checks.
        let now = Instant::now();
        let inner = self.inner.lock().ok()?;
        self.confirmed_recently(&inner, now)
            .then(|| self.young_entry(&inner, key, now))
            .flatten()
    }

    pub fn get(&self, key: &CacheKey, version: i64) -> Option<Cached> {
        let inner = self.inner.lock().ok()?;
        (inner.version == version)
            .then(|| self.young_entry(&inner, key, Instant::now()))
            .flatten()
    }

    pub fn put(&self, key: CacheKey, version: i64, value: Cached) {
        if let Ok(mut inner) = self.inner.lock() {
            if inner.version != version {
                return;
            }
            if inner.entries.len() >= MAX_ENTRIES {
                inner.entries.clear();
            }
            inner.entries.insert(key, value);
        }
    }
}
