//! The time at the head of every log line: RFC 3339 in UTC with microseconds, exactly as
//! tracing's default timer prints it (`2026-11-25T07:56:24.800886Z`). The date and the time of
//! day are formatted once a second per thread; each line adds only its microseconds.

use std::cell::RefCell;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

/// The subscriber's timer.
pub struct Rfc3339Micros;

impl tracing_subscriber::fmt::time::FormatTime for Rfc3339Micros {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        let mut line = String::with_capacity(27);
        push_now(&mut line);
        w.write_str(&line)
    }
}

/// Appends the current time to `out`.
pub fn push_now(out: &mut String) {
    push(out, Utc::now());
}

fn push(out: &mut String, at: DateTime<Utc>) {
    thread_local! {
        /// The second last formatted on this thread, and its text up to the seconds.
        static SECOND: RefCell<(i64, String)> = const { RefCell::new((i64::MIN, String::new())) };
    }
    SECOND.with_borrow_mut(|(second, text)| {
        if *second != at.timestamp() {
            *second = at.timestamp();
            text.clear();
            let _ = write!(text, "{}", at.format("%Y-%m-%dT%H:%M:%S"));
        }
        out.push_str(text);
    });
    // A leap second's extra microseconds (chrono counts them past 999,999) stay in the second.
    let micros = at.timestamp_subsec_micros().min(999_999);
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(micros);
    out.push('.');
    out.push_str(&"000000"[digits.len()..]);
    out.push_str(digits);
    out.push('Z');
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn text(at: DateTime<Utc>) -> String {
        let mut out = String::new();
        push(&mut out, at);
        out
    }

    #[test]
    fn prints_what_the_default_timer_prints() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 7, 56, 24).unwrap();
        let micro = chrono::TimeDelta::microseconds;
        assert_eq!(text(at + micro(800_886)), "2026-11-25T07:56:24.800886Z");
        assert_eq!(text(at + micro(42)), "2026-11-25T07:56:24.000042Z");
        // The next second on the same thread is formatted afresh.
        assert_eq!(text(at + micro(1_000_000)), "2026-11-25T07:56:25.000000Z");
        assert_eq!(text(at), "2026-11-25T07:56:24.000000Z");
    }

    /// Ours and the subscriber's default timer, read one after the other.
    fn both_timers() -> (String, String) {
        use tracing_subscriber::fmt::format::Writer;
        use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
        let (mut ours, mut theirs) = (String::new(), String::new());
        Rfc3339Micros
            .format_time(&mut Writer::new(&mut ours))
            .unwrap();
        SystemTime
            .format_time(&mut Writer::new(&mut theirs))
            .unwrap();
        (ours, theirs)
    }

    #[test]
    fn matches_the_subscribers_own_timer_to_the_second() {
        let (ours, theirs) = both_timers();
        assert_eq!(ours.len(), theirs.len(), "{ours} / {theirs}");
        // Taken a moment apart: equal up to the seconds unless a second turned between them.
        if ours[..19] != theirs[..19] {
            let (again, theirs_again) = both_timers();
            assert_eq!(again[..19], theirs_again[..19]);
        }
    }
}
