//! `imports::import_file`: a portal's CSV file brought into the donation ledger, all or nothing.

use chrono::NaiveDate;

use super::csv::{decode, read_rows, LineError};
use super::store::{self, ImportFailure, ImportOutcome, ImportRequest};
use crate::db::{write_transaction, DbConnection};
use crate::domain::portal_import::ImportRow;

/// Decodes (UTF-8 or Shift_JIS) and checks every line of a file; every bad line is reported.
/// CPU work without the database: run it off the async workers.
pub fn parse_file(bytes: &[u8], today: NaiveDate) -> Result<Vec<ImportRow>, Vec<LineError>> {
    let (text, _) = decode(bytes).map_err(|e| vec![e])?;
    read_rows(&text, today)
}

/// Stores the checked rows in one write transaction of its own: rows already in the ledger are
/// skipped, and any refusal stores nothing.
pub fn import_file(
    conn: &mut DbConnection,
    request: &ImportRequest,
    rows: &[ImportRow],
) -> Result<ImportOutcome, ImportFailure> {
    let outcome = write_transaction(conn, |c| store::import(c, request, rows))?;
    tracing::info!(
        import_id = %outcome.import_id,
        channel = %outcome.channel,
        rows = outcome.rows,
        imported = outcome.imported,
        skipped = outcome.skipped,
        flagged = outcome.flagged,
        "donations imported"
    );
    Ok(outcome)
}
