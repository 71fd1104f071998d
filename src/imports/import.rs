//! `imports::import_file`: a portal's CSV file brought into the donation ledger, all or nothing.

use chrono::NaiveDate;

use super::csv::{decode, read_rows, LineError};
use super::store::{self, ImportFailure, ImportOutcome, ImportRequest};
use crate::db::{write_transaction, DbConnection};
use crate::domain::calendar::japan_today;
use crate::domain::portal_import::{valid_channel, ImportRow};
use crate::error::{Error, Result};
use crate::state::AppState;

/// The channel and file name of an upload, checked.
pub fn check_upload(channel: &str, file_name: Option<String>) -> Result<Option<String>> {
    if !valid_channel(channel) {
        return Err(Error::field(
            "channel",
            "must be 1-40 characters of a-z, 0-9, _ and -",
        ));
    }
    let file_name = file_name
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty());
    if file_name.as_ref().is_some_and(|f| f.chars().count() > 200) {
        return Err(Error::field("file_name", "must be at most 200 characters"));
    }
    Ok(file_name)
}

/// A portal file brought in by a staff member (the API's upload and the console's): checked,
/// decoded and validated off the async workers, then stored all or nothing. `Ok(Err(lines))`
/// is a file refused with every bad line.
pub async fn upload(
    state: &AppState,
    actor_id: String,
    channel: String,
    file_name: Option<String>,
    body: actix_web::web::Bytes,
) -> Result<std::result::Result<ImportOutcome, Vec<LineError>>> {
    let file_name = check_upload(&channel, file_name)?;
    // Decoding and validating a large file is CPU work: keep it off the async workers.
    let today = japan_today();
    let parsed = actix_web::web::block(move || parse_file(&body, today)).await?;
    let rows = match parsed {
        Ok(rows) => rows,
        Err(errors) => return Ok(Err(errors)),
    };
    let request = ImportRequest {
        channel: channel.clone(),
        file_name,
        actor_id,
        home_prefecture: state.settings.municipality.prefecture.clone(),
        home_city: state.settings.municipality.city.clone(),
        fees: crate::costs::book::rates(&state.settings, &channel),
    };
    let outcome = state
        .db
        .run(move |conn| Ok(import_file(conn, &request, &rows)))
        .await?;
    match outcome {
        Ok(o) => Ok(Ok(o)),
        Err(ImportFailure::Rejected(errors)) => Ok(Err(errors)),
        Err(ImportFailure::Failed(e)) => Err(e),
    }
}

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
