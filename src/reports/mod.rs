//! Admin reporting: yearly targets, monthly totals against the target, and breakdowns of the one ledger.

pub mod routes;
pub mod store;
pub mod types;
