//! The one line every request writes (`request_log`), built straight into one string and queued
//! on the log's non-blocking writer.
//!
//! Through the subscriber's formatter this line cost a fifth of the catalogue's throughput at the
//! default level: a visitor and `Debug` for every field, the timer, a writer per event. The text
//! is the formatter's, to the byte, plain or JSON (the tests hold the two side by side), so a
//! reader or a log collector sees no difference. Other events keep the subscriber and its span
//! (`request_span`): an error inside a request is still logged under its request id.

use std::io::Write as _;
use std::sync::OnceLock;

use tracing::Span;
use tracing_appender::non_blocking::NonBlocking;
use tracing_subscriber::fmt::MakeWriter;

use super::timestamp;

/// What a request's line says. Never the raw path or query: they may hold codes or tokens.
pub struct RequestLine<'a> {
    pub request_id: &'a str,
    pub method: &'a str,
    /// The route template (`/api/v1/gifts/{id}`).
    pub route: &'a str,
    pub status: u16,
    /// Rounded to 0.1 ms, counted in tenths: printed as `latency_ms=12.3`.
    pub latency_tenths_ms: u64,
}

struct Output {
    writer: NonBlocking,
    json: bool,
}

static OUTPUT: OnceLock<Output> = OnceLock::new();

/// The line's target, as when the middleware logged it itself: `RUST_LOG` rules that name
/// `furusato::request_log` keep choosing or silencing it (the target is not printed).
const TARGET: &str = "furusato::request_log";

/// Lines go to `writer` from now on (`telemetry::init`, when the subscriber writes there too).
pub(super) fn install(writer: NonBlocking, json: bool) {
    let _ = OUTPUT.set(Output { writer, json });
}

/// The span a request runs in: every event inside it carries the request id.
pub fn request_span(request_id: &str) -> Span {
    tracing::info_span!(target: TARGET, "request", request_id = %request_id)
}

impl RequestLine<'_> {
    /// Writes the line when the level lets it through: on the installed writer, or through the
    /// subscriber where none is installed (a terminal, a test's subscriber).
    pub fn log(&self, span: &Span) {
        // Asked inside the span, as the event was: a rule scoped to it (`[request]=info`) applies.
        if !span.in_scope(|| tracing::enabled!(target: TARGET, tracing::Level::INFO)) {
            return;
        }
        match OUTPUT.get() {
            Some(output) => {
                let mut line = String::with_capacity(320);
                if output.json {
                    self.push_json(&mut line);
                } else {
                    self.push_text(&mut line);
                }
                // The non-blocking writer only queues the line; it cannot fail here.
                let _ = output.writer.make_writer().write_all(line.as_bytes());
            }
            None => span.in_scope(|| self.emit()),
        }
    }

    /// The same line as an event, for the subscriber to format.
    fn emit(&self) {
        let latency_ms = self.latency_tenths_ms as f64 / 10.0;
        tracing::info!(
            target: TARGET,
            method = self.method,
            route = %self.route,
            status = self.status,
            latency_ms,
            "request"
        );
    }

    /// `2026-11-25T07:56:24.800886Z  INFO request{request_id=…}: request method="GET"
    /// route=/api/v1/gifts status=200 latency_ms=0.2`
    fn push_text(&self, out: &mut String) {
        timestamp::push_now(out);
        out.push_str("  INFO request{request_id=");
        out.push_str(self.request_id);
        out.push_str("}: request method=");
        push_quoted(out, self.method);
        out.push_str(" route=");
        out.push_str(self.route);
        out.push_str(" status=");
        out.push_str(itoa::Buffer::new().format(self.status));
        out.push_str(" latency_ms=");
        self.push_latency(out);
        out.push('\n');
    }

    /// The subscriber's JSON line: fields, the span, and the list of spans.
    fn push_json(&self, out: &mut String) {
        out.push_str("{\"timestamp\":\"");
        timestamp::push_now(out);
        out.push_str("\",\"level\":\"INFO\",\"fields\":{\"message\":\"request\",\"method\":");
        push_quoted(out, self.method);
        out.push_str(",\"route\":");
        push_quoted(out, self.route);
        out.push_str(",\"status\":");
        out.push_str(itoa::Buffer::new().format(self.status));
        out.push_str(",\"latency_ms\":");
        self.push_latency(out);
        let span = |out: &mut String| {
            out.push_str("{\"request_id\":");
            push_quoted(out, self.request_id);
            out.push_str(",\"name\":\"request\"}");
        };
        out.push_str("},\"span\":");
        span(out);
        out.push_str(",\"spans\":[");
        span(out);
        out.push_str("]}\n");
    }

    /// `12.3`: what `f64`'s shortest form prints for a value rounded to tenths.
    fn push_latency(&self, out: &mut String) {
        out.push_str(itoa::Buffer::new().format(self.latency_tenths_ms / 10));
        out.push('.');
        out.push_str(itoa::Buffer::new().format(self.latency_tenths_ms % 10));
    }
}

/// A string in double quotes, escaped as JSON (and as `Debug` prints a method or a template,
/// which hold no character where the two differ).
fn push_quoted(out: &mut String, text: &str) {
    if text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(&serde_json::Value::from(text).to_string());
    } else {
        out.push('"');
        out.push_str(text);
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A writer for a test's subscriber that keeps what it is given.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn lines() -> Vec<RequestLine<'static>> {
        let line = |method, route, status, latency_tenths_ms| RequestLine {
            request_id: "b7d791f0-b8b7-407b-be27-8b79d16365dd",
            method,
            route,
            status,
            latency_tenths_ms,
        };
        vec![
            line("GET", "/api/v1/gifts", 200, 2),
            line("POST", "/api/v1/donations", 415, 0),
            line("GET", "/api/v1/gifts/{id}", 304, 10),
            line("PATCH", "<unmatched>", 404, 123_456),
            line("GET", "/odd \"route\"\\", 200, 7),
        ]
    }

    /// The subscriber's own line for `line`, formatted as `telemetry::init` configures it.
    fn through_subscriber(line: &RequestLine<'_>, json: bool) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let builder = tracing_subscriber::fmt()
            .with_target(false)
            .with_ansi(false)
            .with_timer(timestamp::Rfc3339Micros)
            .with_writer(move || writer.clone());
        let emit = || request_span(line.request_id).in_scope(|| line.emit());
        if json {
            tracing::subscriber::with_default(builder.json().finish(), emit);
        } else {
            tracing::subscriber::with_default(builder.finish(), emit);
        }
        captured.text()
    }

    /// The line without its time, which differs between two calls.
    fn timeless(line: &str, json: bool) -> String {
        let at = if json { "{\"timestamp\":\"".len() } else { 0 };
        let stamp = "2026-11-25T07:56:24.800886Z".len();
        assert!(line[at..at + stamp].ends_with('Z'), "{line}");
        format!("{}{}", &line[..at], &line[at + stamp..])
    }

    #[test]
    fn writes_the_subscribers_own_line_plain_and_json() {
        for json in [false, true] {
            for line in lines() {
                let mut ours = String::new();
                if json {
                    line.push_json(&mut ours);
                } else {
                    line.push_text(&mut ours);
                }
                let theirs = through_subscriber(&line, json);
                assert_eq!(timeless(&ours, json), timeless(&theirs, json));
            }
        }
    }

    /// The line as `log` writes it under an `EnvFilter` of `rules` (no writer is installed in
    /// unit tests, so it goes through the subscriber).
    fn logged_under(rules: &str) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(rules))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let line = &lines()[0];
        tracing::subscriber::with_default(subscriber, || {
            line.log(&request_span(line.request_id));
        });
        captured.text()
    }

    #[test]
    fn log_rules_that_name_the_request_log_still_choose_the_line() {
        assert!(logged_under("info").contains("route=/api/v1/gifts status=200"));
        assert!(logged_under("warn,furusato::request_log=info").contains("status=200"));
        assert_eq!(logged_under("info,furusato::request_log=warn"), "");
        assert_eq!(logged_under("warn"), "");
    }

    #[test]
    fn json_lines_parse_with_the_fields_as_numbers_and_strings() {
        let mut out = String::new();
        lines()[4].push_json(&mut out);
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["fields"]["route"], "/odd \"route\"\\");
        assert_eq!(value["fields"]["latency_ms"], 0.7);
        assert_eq!(value["fields"]["status"], 200);
        assert_eq!(
            value["span"]["request_id"],
            "b7d791f0-b8b7-407b-be27-8b79d16365dd"
        );
    }
}
