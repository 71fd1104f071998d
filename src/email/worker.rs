//! The delivery worker: claims due outbox messages one at a time, sends them, records the outcome.
//!
//! Several service instances may run a worker against one PostgreSQL database: claiming uses
//! `FOR UPDATE SKIP LOCKED` and a lease (`locked_until`), so no two workers hold the same message at
//! once. A worker that dies between sending and marking leaves the row `sending`; after its lease
//! passes another worker sends it again with the same Message-ID, so receivers can drop the copy.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use lettre::message::Mailbox;
use rand::Rng;
use tokio::sync::watch;

use super::outbox::{self, AfterFailure, OutboxRow};
use super::transport::{build_message, Mailer, SendError};
use crate::config::{EmailSettings, Settings};
use crate::db::Db;
use crate::error::Result;

/// The retry delay after the `attempts`-th failed attempt: `min(max, base × 2^(attempts−1))`, scaled by
/// `1 + jitter` (jitter is clamped to ±20%) so that messages that failed together spread out.
pub fn backoff(attempts: i32, base_seconds: i64, max_seconds: i64, jitter: f64) -> Duration {
    let exponent = attempts.saturating_sub(1).clamp(0, 62) as u32;
    let raw = base_seconds.max(0).saturating_mul(1_i64 << exponent);
    let capped = raw.min(max_seconds.max(0));
    let factor = 1.0 + jitter.clamp(-0.2, 0.2);
    let millis = (capped as f64 * 1000.0 * factor).round() as i64;
    Duration::milliseconds(millis.max(0))
}

/// The longest one send may take before it counts as failed: connect, greeting, commands and data.
fn send_deadline(settings: &EmailSettings) -> StdDuration {
    StdDuration::from_secs(settings.smtp_timeout_seconds.max(1).saturating_mul(3))
}

/// How long a claim holds a message: the send deadline plus time to record the outcome. Only after
/// this may another worker take over a message whose worker went silent.
fn lease(settings: &EmailSettings) -> Duration {
    let seconds = send_deadline(settings).as_secs().saturating_add(30);
    Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 1000))
}

pub struct EmailWorker {
    db: Db,
    settings: Arc<Settings>,
    mailer: Mailer,
    from: Mailbox,
}

impl EmailWorker {
    pub fn new(db: Db, settings: Arc<Settings>) -> anyhow::Result<EmailWorker> {
        let mailer = Mailer::from_settings(&settings.email)?;
        let from = settings
            .email
            .from
            .parse::<Mailbox>()
            .map_err(|e| anyhow::anyhow!("invalid setting `email.from`: {e}"))?;
        Ok(EmailWorker {
            db,
            settings,
            mailer,
            from,
        })
    }

    /// Delivers until `stop` turns true (or its sender is gone). A message in hand is finished first.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let poll = StdDuration::from_millis(self.settings.email.poll_interval_ms.max(1));
        tracing::info!(transport = %self.settings.email.transport, "email worker started");
        loop {
            if *stop.borrow() {
                break;
            }
            let found = match self.deliver_next().await {
                Ok(found) => found,
                Err(e) => {
                    tracing::error!(error = ?e, "email worker could not reach the outbox");
                    false
                }
            };
            if found {
                // More may be due: go on at once, but still between messages check for stop.
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                changed = stop.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        tracing::info!("email worker stopped");
    }

    /// Claims, sends and marks one due message. False when none was due.
    pub async fn deliver_next(&self) -> Result<bool> {
        let lease = lease(&self.settings.email);
        let claimed = self
            .db
            .run(move |conn| outbox::claim_next(conn, lease))
            .await?;
        let Some(row) = claimed else {
            return Ok(false);
        };
        let outcome = self.send(&row).await;
        self.record(&row, outcome).await;
        Ok(true)
    }

    async fn send(&self, row: &OutboxRow) -> std::result::Result<(), SendError> {
        let message = build_message(row, &self.from)?;
        let deadline = send_deadline(&self.settings.email);
        match tokio::time::timeout(deadline, self.mailer.send(message)).await {
            Ok(result) => result,
            Err(_) => Err(SendError {
                permanent: false,
                category: "send_deadline",
                detail: format!("no answer within {} s", deadline.as_secs()),
            }),
        }
    }

    /// Writes the outcome, retrying briefly if the database hiccups: a success left unrecorded would
    /// be sent again once the lease expires.
    async fn record(&self, row: &OutboxRow, outcome: std::result::Result<(), SendError>) {
        let email = &self.settings.email;
        let id = row.id.clone();
        let attempts = row.attempts;
        for round in 0..5u32 {
            let id = id.clone();
            let result = match &outcome {
                Ok(()) => self
                    .db
                    .run(move |conn| outbox::mark_sent(conn, &id, attempts))
                    .await
                    .map(|held| {
                        if held {
                            tracing::info!(outbox_id = %row.id, attempts, "email sent");
                        } else {
                            tracing::warn!(outbox_id = %row.id, "email sent after its claim expired");
                        }
                    }),
                Err(e) => {
                    let give_up = e.permanent || attempts >= email.max_attempts;
                    let delay = backoff(
                        attempts,
                        email.base_backoff_seconds,
                        email.max_backoff_seconds,
                        rand::thread_rng().gen_range(-0.2..=0.2),
                    );
                    let detail = format!("{}: {}", e.category, e.detail);
                    self.db
                        .run(move |conn| {
                            outbox::mark_failed_attempt(conn, &id, attempts, &detail, give_up, delay)
                        })
                        .await
                        .map(|after| match after {
                            AfterFailure::RetryAt(at) => tracing::warn!(
                                outbox_id = %row.id,
                                attempts,
                                error = e.category,
                                retry_at = %at,
                                "email attempt failed; will retry"
                            ),
                            AfterFailure::Failed => tracing::error!(
                                outbox_id = %row.id,
                                attempts,
                                error = e.category,
                                "email failed for good; see last_error in the outbox"
                            ),
                            AfterFailure::ClaimLost => tracing::warn!(
                                outbox_id = %row.id,
                                "email attempt failed after its claim expired"
                            ),
                        })
                }
            };
            match result {
                Ok(()) => return,
                Err(e) => {
                    tracing::error!(outbox_id = %row.id, round, error = ?e, "could not record email outcome");
                    tokio::time::sleep(StdDuration::from_millis(200 * u64::from(round + 1))).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = |secs: i64| Duration::seconds(secs);
        assert_eq!(backoff(1, 30, 3600, 0.0), s(30));
        assert_eq!(backoff(2, 30, 3600, 0.0), s(60));
        assert_eq!(backoff(3, 30, 3600, 0.0), s(120));
        assert_eq!(backoff(8, 30, 3600, 0.0), s(3600));
        assert_eq!(backoff(1000, 30, 3600, 0.0), s(3600));
        assert_eq!(backoff(0, 30, 3600, 0.0), s(30));
        assert_eq!(backoff(5, 0, 0, 0.2), s(0));
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        assert_eq!(backoff(1, 100, 3600, 0.2), Duration::seconds(120));
        assert_eq!(backoff(1, 100, 3600, -0.2), Duration::seconds(80));
        assert_eq!(backoff(1, 100, 3600, 5.0), Duration::seconds(120));
        assert_eq!(backoff(1, 100, 3600, -5.0), Duration::seconds(80));
    }
}
