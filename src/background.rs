//! Background workers that run beside the HTTP server and stop with it.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::db::write_transaction;
use crate::donations::{lifecycle, store};
use crate::email::worker::EmailWorker;
use crate::error::Result;
use crate::state::AppState;

/// Starts every background worker; each stops when `stop` turns true.
pub fn spawn(state: AppState, stop: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut workers = vec![tokio::spawn(sweeper(state.clone(), stop.clone()))];
    if state.settings.email.worker_enabled {
        match EmailWorker::new(state.db.clone(), state.settings.clone()) {
            Ok(worker) => workers.push(tokio::spawn(worker.run(stop.clone()))),
            // Emails stay safe in the outbox; they go out once the setting is fixed.
            Err(e) => tracing::error!(error = %e, "email worker not started"),
        }
    }
    workers
}

/// Cancels donations unpaid past their hold (releasing stock), forgets old idempotency keys and
/// deletes My Numbers kept past their retention period.
async fn sweeper(state: AppState, mut stop: watch::Receiver<bool>) {
    let every = Duration::from_secs(state.settings.payment.sweep_interval_seconds.max(1));
    loop {
        let db = state.db.clone();
        match db.run(sweep_once).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(cancelled = n, "unpaid donations past their hold cancelled"),
            Err(e) => tracing::warn!(error = %e, "sweep failed; will retry"),
        }
        // My Numbers past their retention period (`one_stop.my_number_retention_days`).
        crate::one_stop::my_number::sweep(&state).await;
        // Sign-in failures no longer remembered.
        let memory = state.settings.auth.failure_memory_seconds;
        let forgotten = state
            .db
            .write(move |c| crate::auth::slowdown::purge_forgotten(c, memory))
            .await;
        if let Err(e) = forgotten {
            tracing::warn!(error = %e, "purging old sign-in failures failed; will retry");
        }
        // Search terms of imports whose own catch-up did not finish (a restart, an outage).
        if let Err(e) = crate::donations::search_terms::catch_up(&state.db).await {
            tracing::warn!(error = %e, "writing donor search terms failed; will retry");
        }
        // Donor identities (名寄せ) kept current; one read when every donation is linked.
        if let Err(e) = crate::identities::matching::catch_up(&state.db).await {
            tracing::warn!(error = %e, "linking donor identities failed; will retry");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// One pass; each cancellation is its own transaction. Returns how many were cancelled.
pub fn sweep_once(conn: &mut crate::db::DbConnection) -> Result<usize> {
    let mut cancelled = 0;
    for id in store::expired_holds(conn, 500)? {
        let done = write_transaction(conn, |c| {
            let donation = store::get(c, &id)?;
            lifecycle::cancel(c, &donation, "payment_timeout")
        })?;
        cancelled += usize::from(done);
    }
    write_transaction(conn, crate::idempotency::purge_expired)?;
    write_transaction(conn, crate::donors::sign_in::purge_expired)?;
    Ok(cancelled)
}
