//! Background workers that run beside the HTTP server and stop with it.

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::email::worker::EmailWorker;
use crate::state::AppState;

/// Starts every background worker; each stops when `stop` turns true.
pub fn spawn(state: AppState, stop: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut workers = Vec::new();
    if state.settings.email.worker_enabled {
        match EmailWorker::new(state.db.clone(), state.settings.clone()) {
            Ok(worker) => workers.push(tokio::spawn(worker.run(stop.clone()))),
            // Emails stay safe in the outbox; they go out once the setting is fixed.
            Err(e) => tracing::error!(error = %e, "email worker not started"),
        }
    }
    workers
}
