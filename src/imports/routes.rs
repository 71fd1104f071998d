//! Admin import routes: `POST /admin/imports/donations?channel=` (raw CSV body) and the import list.

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::csv::LineError;
use super::import;
use super::store;
use crate::auth::AdminUser;
use crate::error::{Error, ErrorCode, Result};
use crate::http::{page_route, read_page, Page, PageQuery};
use crate::openapi::problems::QueryErrors;
use crate::state::AppState;

/// At most this many line problems are listed in one rejection.
pub const MAX_LISTED_ERRORS: usize = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The portal: 1-40 characters of a-z, 0-9, `_` and `-` (e.g. `rakuten`, `furusato_choice`).
    pub channel: String,
    /// The uploaded file's name, kept with the import record (optional, at most 200 characters).
    pub file_name: Option<String>,
    /// Read the file with this channel's import profile instead of `channel`'s own (which is
    /// used when stored); the profile must exist, and is used whatever the file's header.
    pub profile: Option<String>,
}

/// `201` answer of an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub import_id: String,
    pub channel: String,
    /// Data rows in the file.
    pub rows: i64,
    /// Rows added to the ledger.
    pub imported: i64,
    /// Rows whose (channel, external_id) was already in the ledger (an earlier import).
    pub skipped: i64,
    /// Imported rows that break a storefront rule and carry `import_flags` (e.g. `resident_gift`).
    pub flagged: i64,
}

/// A recorded import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportSummary {
    pub id: String,
    pub channel: String,
    pub file_name: Option<String>,
    pub rows: i32,
    pub imported: i32,
    pub skipped: i32,
    pub flagged: i32,
    /// The staff user's id.
    pub imported_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The problem+json of a rejected file: every bad line with its column.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportProblem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// `import_rejected`.
    pub code: String,
    pub errors: Vec<LineError>,
}

pub fn rejected(mut errors: Vec<LineError>) -> HttpResponse {
    let total = errors.len();
    errors.truncate(MAX_LISTED_ERRORS);
    let detail = if total > MAX_LISTED_ERRORS {
        format!("The file was not imported: {total} problems, the first {MAX_LISTED_ERRORS} listed. Nothing was stored.")
    } else {
        format!("The file was not imported: {total} problem(s). Nothing was stored; fix the lines listed and send the whole file again.")
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    HttpResponse::build(status)
        .content_type("application/problem+json")
        .json(ImportProblem {
            problem_type: "/problems/import_rejected".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: "import_rejected".to_owned(),
            errors,
        })
}

/// The body must be the CSV file itself; multipart uploads are refused with a clear message.
pub fn check_content_type(req: &HttpRequest) -> Result<()> {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let mime = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "text/csv" | "application/csv" | "text/plain" | "application/octet-stream"
        | "application/vnd.ms-excel" => Ok(()),
        _ => Err(Error::rejected(
ErrorCode::UnsupportedMediaType,
            "Send the CSV file itself as the request body with Content-Type: text/csv (multipart uploads are not accepted).",
        )),
    }
}

crate::problems!(
    /// Importing a portal file.
    ImportErrors: Unauthorized, Forbidden, InvalidQuery, PayloadTooLarge, UnsupportedMediaType, ImportInProgress, ImportRejected, ValidationFailed
);

/// Import donations from a portal site's CSV file.
///
/// The body is the file itself (`Content-Type: text/csv`; not multipart), at most
/// `server.upload_limit_bytes`, in UTF-8 (with or without BOM) or Shift_JIS/CP932 (detected: valid
/// UTF-8 is UTF-8, anything else must decode as Shift_JIS without errors).
///
/// When the channel has an import profile (`PUT /admin/import-profiles/{channel}`), the file is
/// read with it: the portal's own headers (compared after NFKC and trim, any order, other columns
/// ignored), its date, amount and one-stop formats, and its item codes mapped to gift codes; every
/// column the profile names must be in the header, an unmapped item code is a line error, and
/// problems are named by the portal's headers. A file in the project's own format (its header has
/// every required column below) is still read as such. `profile=` reads the file with another
/// channel's profile, whatever its header; the donations still belong to `channel`.
///
/// Without a profile the first line is a header; column names are case-insensitive, in any order,
/// and unknown columns are ignored. Columns:
///
/// | column | required | value |
/// |---|---|---|
/// | `external_id` | yes | the portal's donation id, 1-100 characters, unique per channel |
/// | `received_on` | yes | receipt date (受領日), Japan date: `YYYY-MM-DD` or `YYYY/MM/DD` (`2025/7/4` too); not in the future |
/// | `amount` | yes | whole yen, e.g. `34000` or `34,000` |
/// | `kind` | yes | `gift`, `support`, `on_site`, `general` (or 返礼品あり, 応援, 現地決済, 寄附のみ) |
/// | `gift_code` | for `gift` | the code of a gift in the catalogue; must be empty for other kinds |
/// | `organization` | for `support` | an organisation's id or exact name; must be empty for other kinds |
/// | `purpose` | no | a usage purpose's (使い道) id or exact name |
/// | `donor_name`, `donor_name_kana`, `donor_email`, `donor_phone`, `donor_postal_code`, `donor_prefecture`, `donor_city`, `donor_address_line` | yes | as for storefront donations (kana may be half-width) |
/// | `one_stop` | no | `true`/`false`, `1`/`0`, `はい`/`いいえ`; empty = false |
///
/// All or nothing: a file with any bad row stores nothing and answers `422 import_rejected`
/// listing every bad line (`line` 1 is the header). A good file is stored in one transaction.
/// Rows whose (channel, external_id) is already in the ledger are skipped, so sending the same
/// file again adds nothing. Imported donations are `paid` on their `received_on`, count in every
/// report, skip the storefront's residency and stock checks, and carry `import_flags`
/// (`resident_gift`) when a gift or on-site donor lives in the municipality.
#[utoipa::path(
    params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses(
        (status = 201, body = ImportResult),
        (status = 422, description = "import_rejected (every bad line), validation_failed (channel, profile)", body = ImportProblem, content_type = "application/problem+json"),
        ImportErrors,
    )
)]
#[post("/admin/imports/donations")]
pub async fn import_donations(
    state: web::Data<AppState>,
    admin: AdminUser,
    req: HttpRequest,
    query: web::Query<ImportQuery>,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let ImportQuery {
        channel,
        file_name,
        profile,
    } = query.into_inner();
    import::check_upload(&channel, file_name.clone())?;
    check_content_type(&req)?;
    match import::upload(&state, admin.0.id, channel, file_name, profile, body).await? {
        Ok(o) => Ok(HttpResponse::Created().json(ImportResult {
            import_id: o.import_id,
            channel: o.channel,
            rows: o.rows,
            imported: o.imported,
            skipped: o.skipped,
            flagged: o.flagged,
        })),
        Err(errors) => Ok(rejected(errors)),
    }
}

/// Recorded imports, newest first, with the total count.
pub fn history(
    conn: &mut crate::db::DbConnection,
    offset: i64,
    limit: i64,
) -> Result<(Vec<ImportSummary>, i64)> {
    let (rows, total) = store::list(conn, offset, limit)?;
    let items = rows
        .into_iter()
        .map(
            |(id, channel, file_name, rows, imported, skipped, flagged, imported_by, at)| {
                ImportSummary {
                    id,
                    channel,
                    file_name,
                    rows,
                    imported,
                    skipped,
                    flagged,
                    imported_by,
                    created_at: at.and_utc(),
                }
            },
        )
        .collect();
    Ok((items, total))
}

page_route! {
    /// Recorded imports, newest first.
    GET "/admin/imports" => Page<ImportSummary>;
    async fn list_imports(state, _staff, query: PageQuery) {
        read_page(&state.db, query.paging()?, |conn, paging| {
            history(conn, paging.offset(), paging.per_page)
        })
        .await
    }
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(import_donations).service(list_imports);
    super::profile_routes::services(cfg);
}
