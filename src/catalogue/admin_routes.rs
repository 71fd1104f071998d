//! Admin catalogue routes: gifts (writes in `gifts`), organisations and usage purposes.
//! Every write is one transaction that also records the audit entry; the cache is then dropped.

use actix_web::{delete, get, patch, post, web, HttpResponse};

use super::bases::{self, BasisReport};
use super::images::{self, GiftImage};
use super::store::{self};
use super::types::{AdminGift, AdminGiftQuery, GiftActionRequest, GiftPatch, NewGiftRequest};
use super::{approval, gifts};
use crate::auth::{AdminUser, StaffUser};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::domain::image::ImageFormat;
use crate::error::Result;
use crate::http::{page_route, read_page, read_report, report_route, Page, Paging};
use crate::openapi::problems::{QueryErrors, StaffErrors};
use crate::state::AppState;

/// A catalogue write: one transaction, given the settings, that also records the audit entry;
/// then the catalogue cache is dropped so that the public routes read the change.
pub(crate) async fn catalogue_write<T, F>(state: &AppState, write: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &Settings) -> Result<T> + Send + 'static,
{
    let settings = state.settings.clone();
    let written = state.db.write(move |conn| write(conn, &settings)).await?;
    state.catalogue_cache.invalidate();
    Ok(written)
}

crate::problems!(
    /// Creating a gift: the 30% rule, the wording rule, a unique code.
    GiftWriteErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, GiftCodeTaken, ReturnRatioExceeded, ProhibitedWording, BasisNotApproved, GiftStateConflict
);
crate::problems!(
    /// An unknown gift.
    AdminGiftErrors: Unauthorized, Forbidden, GiftNotFound
);
crate::problems!(
    /// Changing a gift: the rules on the gift as it would be.
    GiftChangeErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, GiftNotFound, GiftCodeTaken, ReturnRatioExceeded, ProhibitedWording, BasisNotApproved, GiftStateConflict, ApprovalBySubmitter
);
crate::problems!(
    /// A step of the basis approval: allowed from the gift's state, a complete basis to submit,
    /// an approver other than the submitter, an approved basis to publish.
    GiftActionErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, GiftNotFound, BasisNotApproved, GiftStateConflict, ApprovalBySubmitter
);

crate::problems!(
    /// Adding a picture: a PNG, JPEG or WebP file by content, within the size limit.
    GiftImageErrors: Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, GiftNotFound
);
crate::problems!(
    /// Removing a picture.
    GiftImageRemoveErrors: Unauthorized, Forbidden, ImageNotFound
);

/// Add a picture to a gift: the file itself as the body (PNG, JPEG or WebP, judged by its content).
#[utoipa::path(
    params(("id" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The image file (PNG, JPEG or WebP)"),
    responses(
        (status = 201, body = GiftImage),
        GiftImageErrors,
    )
)]
#[post("/admin/gifts/{id}/images")]
pub async fn add_gift_image(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let format = ImageFormat::check(&body, state.settings.catalogue.image_max_bytes)
        .map_err(images::image_error)?;
    let (actor, gift_id) = (admin.0.id, id.into_inner());
    let image = catalogue_write(&state, move |conn, _| {
        images::add(conn, &actor, &gift_id, format, &body)
    })
    .await?;
    Ok(HttpResponse::Created().json(image))
}

/// Remove a picture from a gift.
#[utoipa::path(
    params(("id" = String, Path), ("image_id" = String, Path)),
    responses(
        (status = 204, description = "Removed"),
        GiftImageRemoveErrors,
    )
)]
#[delete("/admin/gifts/{id}/images/{image_id}")]
pub async fn remove_gift_image(
    state: web::Data<AppState>,
    admin: AdminUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let ((gift_id, image_id), actor) = (path.into_inner(), admin.0.id);
    catalogue_write(&state, move |conn, _| {
        images::remove(conn, &actor, &gift_id, &image_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Create a gift; the 30% rule and the wording rule are checked.
#[utoipa::path(
    request_body = NewGiftRequest,
    responses(
        (status = 201, body = AdminGift),
        GiftWriteErrors,
    )
)]
#[post("/admin/gifts")]
pub async fn create_gift(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: crate::http::Json<NewGiftRequest>,
) -> Result<HttpResponse> {
    let (b, actor) = (body.into_inner(), admin.0.id);
    let gift = catalogue_write(&state, move |conn, settings| {
        gifts::create(conn, settings, &actor, b)
    })
    .await?;
    Ok(HttpResponse::Created().json(gift))
}

page_route! {
    /// List gifts in any state.
    GET "/admin/gifts" as "admin_list_gifts" => Page<AdminGift>;
    async fn list_gifts(state, _staff, query: AdminGiftQuery) {
        let q = query.into_inner();
        let paging = Paging::from_query(q.page, q.per_page)?;
        read_page(&state.db, paging, move |conn, paging| {
            let vendor = q.vendor_id.as_deref();
            let (offset, limit) = (paging.offset(), paging.per_page);
            let (rows, total) =
                store::admin_gifts(conn, q.status, q.category, vendor, offset, limit)?;
            Ok((rows.iter().map(|(g, v)| g.admin(v)).collect(), total))
        })
        .await
    }
}

/// One gift with its costs, state and pictures.
#[utoipa::path(
    operation_id = "admin_get_gift",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = AdminGift),
        AdminGiftErrors,
    )
)]
#[get("/admin/gifts/{id}")]
pub async fn get_gift(
    state: web::Data<AppState>,
    _staff: StaffUser,
    id: web::Path<String>,
) -> Result<web::Json<AdminGift>> {
    let id = id.into_inner();
    let gift = state
        .db
        .run(move |conn| gifts::admin_view(conn, &id))
        .await?;
    Ok(web::Json(gift))
}

/// Change a gift; the rules are checked on the gift as it would be after the change.
#[utoipa::path(
    params(("id" = String, Path)),
    request_body = GiftPatch,
    responses(
        (status = 200, body = AdminGift),
        GiftChangeErrors,
    )
)]
#[patch("/admin/gifts/{id}")]
pub async fn update_gift(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: crate::http::Json<GiftPatch>,
) -> Result<web::Json<AdminGift>> {
    let (id, patch, actor) = (id.into_inner(), body.into_inner(), admin.0.id);
    let gift = catalogue_write(&state, move |conn, settings| {
        gifts::update(conn, settings, &actor, &id, patch)
    })
    .await?;
    Ok(web::Json(gift))
}
/// Suspend a gift (nothing is ever deleted).
#[utoipa::path(
    params(("id" = String, Path)),
    responses(
        (status = 200, body = AdminGift, description = "The gift, now suspended"),
        AdminGiftErrors,
    )
)]
#[delete("/admin/gifts/{id}")]
pub async fn suspend_gift(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
) -> Result<web::Json<AdminGift>> {
    let (id, actor) = (id.into_inner(), admin.0.id);
    let gift = catalogue_write(&state, move |conn, _| gifts::suspend(conn, &actor, &id)).await?;
    Ok(web::Json(gift))
}
/// Take a step on the gift's way to the catalogue: `submit` its 地場産品 basis (criterion,
/// justification and evidence all given), `approve` it (someone other than the submitter),
/// `send_back` (with a note), `publish` (approved or suspended gifts only), `suspend`, `reopen`
/// (back to a draft to change the basis, which then needs approval again) or `withdraw` (for
/// good, with a note). Each step is recorded in the audit log with its note.
#[utoipa::path(
    params(("id" = String, Path)),
    request_body = GiftActionRequest,
    responses(
        (status = 200, body = AdminGift),
        GiftActionErrors,
    )
)]
#[post("/admin/gifts/{id}/actions")]
pub async fn gift_action(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: crate::http::Json<GiftActionRequest>,
) -> Result<web::Json<AdminGift>> {
    let (id, actor) = (id.into_inner(), admin.0.id);
    let GiftActionRequest { action, note } = body.into_inner();
    let gift = catalogue_write(&state, move |conn, settings| {
        approval::act(conn, settings, &actor, &id, action, &note)
    })
    .await?;
    Ok(web::Json(gift))
}

report_route! {
    /// The catalogue by 地場産品 basis: every gift, in any state, under the criterion of 告示第5条 it
    /// claims (in the order of the criteria; gifts without a basis last), with its justification,
    /// evidence and whether the basis is approved. With `Accept: text/csv`, a table for Excel.
    GET "/admin/reports/gift-bases" as "gift_basis_report" => BasisReport, StaffErrors;
    async fn basis_report(state, _staff, req) {
        read_report(&state.db, &req, bases::report, bases::csv, "gift-bases.csv").await
    }
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_gift)
        .service(list_gifts)
        .service(get_gift)
        .service(update_gift)
        .service(suspend_gift)
        .service(gift_action)
        .service(basis_report)
        .service(add_gift_image)
        .service(remove_gift_image)
        .configure(super::named_item_routes::services);
}
