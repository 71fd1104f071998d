//! `imports::import_file`: a portal's CSV file brought into the donation ledger, all or nothing.

use chrono::NaiveDate;

use super::csv::{decode, read_rows_with, Layout, LineError, ReadRows};
use super::profiles;
use super::store::{self, ImportFailure, ImportOutcome, ImportRequest};
use crate::db::{write_transaction, DbConnection};
use crate::domain::calendar::japan_today;
use crate::domain::donation::check_channel;
use crate::domain::import_profile::ImportProfile;
use crate::domain::portal_import::ImportRow;
use crate::error::{Error, Result};
use crate::state::AppState;

/// The channel and file name of an upload, checked.
pub fn check_upload(channel: &str, file_name: Option<String>) -> Result<Option<String>> {
    check_channel("channel", channel).map_err(|e| Error::Validation(vec![e]))?;
    let file_name = file_name
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty());
    if file_name.as_ref().is_some_and(|f| f.chars().count() > 200) {
        return Err(Error::field("file_name", "must be at most 200 characters"));
    }
    Ok(file_name)
}

/// The profile an upload is read with: the one chosen by `?profile=` (which must exist), else
/// the channel's own if one is stored.
async fn profile_for(
    state: &AppState,
    channel: &str,
    chosen: Option<String>,
) -> Result<(Option<ImportProfile>, bool)> {
    let forced = chosen.is_some();
    if let Some(p) = chosen.as_deref() {
        check_channel("profile", p).map_err(|e| Error::Validation(vec![e]))?;
    }
    let wanted = chosen.unwrap_or_else(|| channel.to_owned());
    let profile = state
        .db
        .run(move |conn| profiles::find(conn, &wanted))
        .await?;
    if forced && profile.is_none() {
        return Err(Error::field(
            "profile",
            "no import profile is stored for this channel",
        ));
    }
    Ok((profile, forced))
}

/// A portal file brought in by a staff member (the API's upload and the console's): checked,
/// decoded and validated off the async workers, then stored all or nothing. The file is read
/// with the channel's import profile when one is stored (or the one `profile` names).
/// `Ok(Err(lines))` is a file refused with every bad line.
pub async fn upload(
    state: &AppState,
    actor_id: String,
    channel: String,
    file_name: Option<String>,
    profile: Option<String>,
    body: actix_web::web::Bytes,
) -> Result<std::result::Result<ImportOutcome, Vec<LineError>>> {
    let file_name = check_upload(&channel, file_name)?;
    let (profile, forced) = profile_for(state, &channel, profile).await?;
    // Decoding and validating a large file is CPU work: keep it off the async workers.
    let today = japan_today();
    let reading = profile.clone();
    let parsed = actix_web::web::block(move || {
        let layout = match (&reading, forced) {
            (None, _) => Layout::Own,
            (Some(p), false) => Layout::ChannelProfile(p),
            (Some(p), true) => Layout::ChosenProfile(p),
        };
        parse_file_with(&body, today, layout)
    })
    .await?;
    let (rows, by_profile) = match parsed {
        Ok(read) => (read.rows, read.by_profile),
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
        Ok(o) => {
            // The new donations' search terms, written while staff read the answer.
            let db = state.db.clone();
            actix_web::rt::spawn(async move {
                if let Err(e) = crate::donations::search_terms::catch_up(&db).await {
                    tracing::warn!(error = %e, "donor search terms of an import not written; the sweeper retries");
                }
            });
            Ok(Ok(o))
        }
        Err(ImportFailure::Rejected(errors)) => {
            let read_with = profile.as_ref().filter(|_| by_profile);
            Ok(Err(portal_columns(read_with, errors)))
        }
        Err(ImportFailure::Failed(e)) => Err(e),
    }
}

/// Catalogue refusals (`gift_code`, `organization`, `purpose`) under the portal's headers, when
/// the file was read through a profile.
fn portal_columns(profile: Option<&ImportProfile>, errors: Vec<LineError>) -> Vec<LineError> {
    let Some(profile) = profile else {
        return errors;
    };
    errors
        .into_iter()
        .map(|e| LineError {
            field: profile.column(&e.field).to_owned(),
            ..e
        })
        .collect()
}

/// Decodes (UTF-8 or Shift_JIS) and checks every line of a file; every bad line is reported.
/// CPU work without the database: run it off the async workers.
pub fn parse_file(bytes: &[u8], today: NaiveDate) -> Result<Vec<ImportRow>, Vec<LineError>> {
    parse_file_with(bytes, today, Layout::Own).map(|read| read.rows)
}

/// `parse_file` in the given layout (the own columns, or a portal's profile).
pub fn parse_file_with(
    bytes: &[u8],
    today: NaiveDate,
    layout: Layout<'_>,
) -> Result<ReadRows, Vec<LineError>> {
    let (text, _) = decode(bytes).map_err(|e| vec![e])?;
    read_rows_with(&text, today, layout)
}

/// Stores the checked rows in one write transaction of its own: rows already in the ledger are
/// skipped, and any refusal stores nothing.
pub fn import_file(
    conn: &mut DbConnection,
    request: &ImportRequest,
    rows: &[ImportRow],
) -> Result<ImportOutcome, ImportFailure> {
    let outcome = crate::db::with_large_cache(conn, |conn| {
        write_transaction(conn, |c| store::import(c, request, rows))
    })??;
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
