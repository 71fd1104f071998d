//! How failed staff and partner sign-ins slow the next attempt down. Nothing locks: a client that
//! keeps guessing waits longer and longer (capped), while the account's owner, signing in from a
//! client that has not been failing, gets through even while someone else guesses.

use chrono::{Duration, NaiveDateTime};

/// Failures allowed free, then a wait that doubles with each further failure, up to a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slowdown {
    pub free_failures: i64,
    pub base_seconds: i64,
    pub cap_seconds: i64,
}

/// Failures recorded against one bucket (an account, or an account from one client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub count: i64,
    pub last_failed_at: NaiveDateTime,
}

impl Failures {
    /// No failures; the time is any that both engines store (never read while the count is 0).
    pub const NONE: Failures = Failures {
        count: 0,
        last_failed_at: chrono::DateTime::UNIX_EPOCH.naive_utc(),
    };

    /// The failures that still count at `now`: a bucket quiet for `memory_seconds` starts over.
    pub fn remembered(self, now: NaiveDateTime, memory_seconds: i64) -> Failures {
        if now - self.last_failed_at >= Duration::seconds(memory_seconds) {
            Failures::NONE
        } else {
            self
        }
    }

    /// The bucket after one more failure at `now`.
    pub fn after_failure(self, now: NaiveDateTime) -> Failures {
        Failures {
            count: self.count + 1,
            last_failed_at: now,
        }
    }
}

impl Slowdown {
    /// The wait imposed after `count` failures: none while free, then base, 2×base, 4×base, …
    pub fn delay_seconds(self, count: i64) -> i64 {
        let beyond = count - self.free_failures;
        if beyond < 0 {
            return 0;
        }
        // 2^beyond overflows long before the cap matters; stop doubling at the cap.
        let doublings = u32::try_from(beyond.min(62)).unwrap_or(62);
        self.base_seconds
            .checked_mul(1_i64 << doublings)
            .unwrap_or(i64::MAX)
            .min(self.cap_seconds)
    }

    /// Seconds the next attempt must still wait at `now`, if any.
    pub fn wait(self, failures: Failures, now: NaiveDateTime) -> Option<i64> {
        let delay = self.delay_seconds(failures.count);
        if delay == 0 {
            return None;
        }
        let ready = failures.last_failed_at + Duration::seconds(delay);
        // Rounded up: a client told to wait 1 s must not come back a few milliseconds early.
        (ready > now).then(|| (((ready - now).num_milliseconds() + 999) / 1000).max(1))
    }
}

/// The two rules together: a client's own failures on the account slow that client; the account's
/// failures from every client together slow only clients that have themselves failed on it, so a
/// guesser spread over many addresses is slowed, and the owner from a clean client is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInPolicy {
    pub per_client: Slowdown,
    pub per_account: Slowdown,
}

impl SignInPolicy {
    pub fn wait(self, client: Failures, account: Failures, now: NaiveDateTime) -> Option<i64> {
        let own = self.per_client.wait(client, now);
        let shared = if client.count > 0 {
            self.per_account.wait(account, now)
        } else {
            None
        };
        own.max(shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + seconds, 0)
            .expect("valid")
            .naive_utc()
    }

    const CLIENT: Slowdown = Slowdown {
        free_failures: 5,
        base_seconds: 1,
        cap_seconds: 900,
    };

    #[test]
    fn the_wait_doubles_after_the_free_failures_and_stops_at_the_cap() {
        let delays: Vec<i64> = (0..=8).map(|n| CLIENT.delay_seconds(n)).collect();
        assert_eq!(delays, [0, 0, 0, 0, 0, 1, 2, 4, 8]);
        assert_eq!(CLIENT.delay_seconds(15), 900);
        assert_eq!(CLIENT.delay_seconds(i64::MAX), 900);
    }

    #[test]
    fn the_wait_runs_from_the_last_failure() {
        let failures = Failures {
            count: 7,
            last_failed_at: at(0),
        };
        assert_eq!(CLIENT.wait(failures, at(0)), Some(4));
        assert_eq!(CLIENT.wait(failures, at(3)), Some(1));
        assert_eq!(CLIENT.wait(failures, at(4)), None);
        assert_eq!(
            CLIENT.wait(
                Failures {
                    count: 4,
                    ..failures
                },
                at(0)
            ),
            None
        );
    }

    #[test]
    fn quiet_buckets_are_forgotten() {
        let failures = Failures {
            count: 30,
            last_failed_at: at(0),
        };
        assert_eq!(failures.remembered(at(3599), 3600), failures);
        assert_eq!(failures.remembered(at(3600), 3600), Failures::NONE);
        assert_eq!(Failures::NONE.after_failure(at(5)).count, 1);
    }

    #[test]
    fn the_account_rule_slows_only_clients_that_have_failed() {
        let policy = SignInPolicy {
            per_client: CLIENT,
            per_account: Slowdown {
                free_failures: 20,
                base_seconds: 1,
                cap_seconds: 900,
            },
        };
        let account = Failures {
            count: 25,
            last_failed_at: at(0),
        };
        assert_eq!(policy.wait(Failures::NONE, account, at(1)), None);
        let once = Failures {
            count: 1,
            last_failed_at: at(0),
        };
        assert_eq!(policy.wait(once, account, at(1)), Some(31));
    }
}
