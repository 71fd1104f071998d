//! Admin catalogue routes: gifts (writes in `gifts`), organisations and usage purposes.
//! Every write is one transaction that also records the audit entry; the cache is then dropped.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use super::bases::{self, BasisReport};
use super::images::{self, GiftImage};
use super::store::{self};
use super::types::{AdminGift, AdminGiftQuery, GiftActionRequest, GiftPatch, NewGiftRequest};
use super::{approval, gifts};
use crate::auth::{AdminUser, StaffUser};
use crate::domain::image::ImageFormat;
use crate::error::Result;
use crate::http::{Page, Paging};
use crate::openapi::problems::StaffErrors;
use crate::reports::routes::answer;
use crate::state::AppState;

crate::problems!(
    /// Creating a gift: the 30% rule, the wording rule, a unique code.
    GiftWriteErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, GiftCodeTaken, ReturnRatioExceeded, ProhibitedWording, BasisNotApproved, GiftStateConflict
);
crate::problems!(
    /// Paging and filters of the admin gift list.
    AdminGiftListErrors: Unauthorized, Forbidden, InvalidQuery, ValidationFailed
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
    let actor = admin.0.id;
    let gift_id = id.into_inner();
    let image = state
        .db
        .write(move |conn| images::add(conn, &actor, &gift_id, format, &body))
        .await?;
    state.catalogue_cache.invalidate();
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
    let (gift_id, image_id) = path.into_inner();
    let actor = admin.0.id;
    state
        .db
        .write(move |conn| images::remove(conn, &actor, &gift_id, &image_id))
        .await?;
    state.catalogue_cache.invalidate();
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
    let b = body.into_inner();
    let settings = state.settings.clone();
    let actor = admin.0.id;
    let gift = state
        .db
        .write(move |conn| gifts::create(conn, &settings, &actor, b))
        .await?;
    state.catalogue_cache.invalidate();
    Ok(HttpResponse::Created().json(gift))
}
/// List gifts in any state.
#[utoipa::path(
    operation_id = "admin_list_gifts",
    params(AdminGiftQuery),
    responses(
        (status = 200, body = Page<AdminGift>),
        AdminGiftListErrors,
    )
)]
#[get("/admin/gifts")]
pub async fn list_gifts(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<AdminGiftQuery>,
) -> Result<web::Json<Page<AdminGift>>> {
    let q = query.into_inner();
    let paging = Paging::from_query(q.page, q.per_page)?;
    let (rows, total) = state
        .db
        .run(move |conn| {
            store::admin_gifts(
                conn,
                q.status,
                q.category,
                q.vendor_id.as_deref(),
                paging.offset(),
                paging.per_page,
            )
        })
        .await?;
    let items: Vec<AdminGift> = rows.iter().map(|(g, v)| g.admin(v)).collect();
    Ok(web::Json(Page::new(items, paging, total)))
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
    let id = id.into_inner();
    let patch = body.into_inner();
    let settings = state.settings.clone();
    let actor = admin.0.id;
    let gift = state
        .db
        .write(move |conn| gifts::update(conn, &settings, &actor, &id, patch))
        .await?;
    state.catalogue_cache.invalidate();
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
    let id = id.into_inner();
    let actor = admin.0.id;
    let gift = state
        .db
        .write(move |conn| gifts::suspend(conn, &actor, &id))
        .await?;
    state.catalogue_cache.invalidate();
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
    let id = id.into_inner();
    let GiftActionRequest { action, note } = body.into_inner();
    let settings = state.settings.clone();
    let actor = admin.0.id;
    let gift = state
        .db
        .write(move |conn| approval::act(conn, &settings, &actor, &id, action, &note))
        .await?;
    state.catalogue_cache.invalidate();
    Ok(web::Json(gift))
}

/// The catalogue by 地場産品 basis: every gift, in any state, under the criterion of 告示第5条 it
/// claims (in the order of the criteria; gifts without a basis last), with its justification,
/// evidence and whether the basis is approved. With `Accept: text/csv`, a table for Excel.
#[utoipa::path(
    operation_id = "gift_basis_report",
    responses(
        (status = 200, body = BasisReport, content(
            (BasisReport = "application/json"),
            (String = "text/csv"),
        )),
        StaffErrors,
    )
)]
#[get("/admin/reports/gift-bases")]
pub async fn basis_report(
    state: web::Data<AppState>,
    _staff: StaffUser,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let report = state.db.run(bases::report).await?;
    answer(&req, report, bases::csv, "gift-bases.csv")
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
