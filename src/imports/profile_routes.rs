//! Admin routes of import profiles: list them, read one channel's, and create or replace it.

use actix_web::{get, put, web};

use super::profiles::{self, ImportProfileList, ImportProfileView};
use crate::auth::{AdminUser, StaffUser};
use crate::domain::donation::check_channel;
use crate::domain::import_profile::{ImportProfile, ProfileDefinition};
use crate::error::{Error, ErrorCode, Result};
use crate::openapi::problems::StaffErrors;
use crate::state::AppState;

crate::problems!(
    /// Reading one channel's profile.
    ProfileErrors: Unauthorized, Forbidden, ValidationFailed, ImportProfileNotFound
);
crate::problems!(
    /// Saving a profile: its shape, and item codes that name gifts in the catalogue.
    SaveProfileErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
);

fn checked_channel(channel: &str) -> Result<()> {
    check_channel("channel", channel).map_err(|e| Error::Validation(vec![e]))
}

/// Import profiles of every channel that has one, by channel.
#[utoipa::path(responses((status = 200, body = ImportProfileList), StaffErrors))]
#[get("/admin/import-profiles")]
pub async fn list_import_profiles(
    state: web::Data<AppState>,
    _staff: StaffUser,
) -> Result<web::Json<ImportProfileList>> {
    let items = state.db.run(profiles::list).await?;
    Ok(web::Json(ImportProfileList { items }))
}

/// One channel's import profile.
#[utoipa::path(
    params(("channel" = String, Path, description = "The import channel, e.g. `rakuten`")),
    responses((status = 200, body = ImportProfileView), ProfileErrors)
)]
#[get("/admin/import-profiles/{channel}")]
pub async fn get_import_profile(
    state: web::Data<AppState>,
    _staff: StaffUser,
    channel: web::Path<String>,
) -> Result<web::Json<ImportProfileView>> {
    let channel = channel.into_inner();
    checked_channel(&channel)?;
    let found = state
        .db
        .run(move |conn| profiles::view(conn, &channel))
        .await?;
    found.map(web::Json).ok_or_else(|| {
        Error::rejected(
            ErrorCode::ImportProfileNotFound,
            "No import profile is stored for this channel.",
        )
    })
}

/// Create or replace a channel's import profile.
///
/// The body is the profile: `columns` maps each field an import reads (the project's own column
/// names: `external_id`, `received_on`, `amount`, `kind`, `gift_code`, `organization`,
/// `purpose`, `donor_name`, `donor_name_kana`, `donor_email`, `donor_phone`,
/// `donor_postal_code`, `donor_prefecture`, `donor_city`, `donor_address_line`, `one_stop`) to
/// the portal's header; all but `kind`, `gift_code`, `organization`, `purpose` and `one_stop`
/// are required. `date_format` is `%Y/%m/%d`, `%Y-%m-%d`, `%Y年%m月%d日` or `%Y%m%d` (a time
/// after the date is ignored); `amount_format` is `plain`, `commas` or `yen`;
/// `one_stop_values` lists what the portal writes for yes and no (`""` for an empty cell);
/// `item_codes` maps the portal's item codes to gift codes of the catalogue. Without a `kind`
/// column a row with an item code is a gift, one with an organisation support, any other
/// general. Every problem answers `422 validation_failed` under its JSON path
/// (`columns.amount`, `item_codes.A-001`).
#[utoipa::path(
    params(("channel" = String, Path, description = "The import channel, e.g. `rakuten`")),
    request_body = ProfileDefinition,
    responses((status = 200, body = ImportProfileView), SaveProfileErrors)
)]
#[put("/admin/import-profiles/{channel}")]
pub async fn put_import_profile(
    state: web::Data<AppState>,
    admin: AdminUser,
    channel: web::Path<String>,
    body: crate::http::Json<ProfileDefinition>,
) -> Result<web::Json<ImportProfileView>> {
    let channel = channel.into_inner();
    checked_channel(&channel)?;
    let profile = ImportProfile::new(&channel, body.into_inner()).map_err(Error::Validation)?;
    let actor = admin.0.id;
    let saved = state
        .db
        .write(move |conn| profiles::save(conn, Some(&actor), &profile))
        .await?;
    Ok(web::Json(saved))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_import_profiles)
        .service(get_import_profile)
        .service(put_import_profile);
}
