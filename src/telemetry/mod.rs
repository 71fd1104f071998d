//! Log output: human-readable or JSON lines, filtered by level (RUST_LOG wins when set), written
//! off the request path: a request only queues its line, a background thread writes it to stdout
//! (`tracing_appender::non_blocking`), so a slow terminal or log collector never slows a request.
//! That thread writes through a buffer it flushes whenever the queue runs dry: under load many
//! lines leave in one `write`, when idle each line leaves at once.
//!
//! The one line every request writes is built by `request_line`, not by the subscriber's
//! formatter: the same text, at a fraction of the cost (see there).

pub mod request_line;
mod timestamp;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::config::LogSettings;

/// Installs the subscriber. Keep the guard until the process ends: dropping it flushes the lines
/// still queued.
pub fn init(settings: &LogSettings) -> WorkerGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{},actix_server=warn", settings.level)));
    // Lossy only past 128k queued lines: under such a flood, dropping lines beats stalling requests.
    let (writer, guard) = tracing_appender::non_blocking(batched_stdout());
    // Colours only for a person at a terminal; a file or collector gets plain text (and the
    // escape codes cost a tenth of the line's formatting).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let json = settings.format == "json";
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(ansi)
        .with_timer(timestamp::Rfc3339Micros)
        .with_writer(writer.clone());
    // A second initialisation (tests) keeps the first subscriber.
    let installed = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // A terminal gets the subscriber's coloured line: a person reads it, nobody floods it.
    if installed.is_ok() && !ansi {
        request_line::install(writer, json);
    }
    guard
}

/// Standard output without its line buffering (one `write` per line), behind a 64 KiB buffer; the
/// non-blocking writer's thread flushes it each time its queue is empty.
fn batched_stdout() -> Box<dyn std::io::Write + Send> {
    use std::os::fd::AsFd;
    match std::io::stdout().as_fd().try_clone_to_owned() {
        Ok(fd) => Box::new(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::fs::File::from(fd),
        )),
        Err(_) => Box::new(std::io::stdout()),
    }
}
