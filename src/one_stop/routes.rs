//! Staff routes of one-stop applications: record, list, read and change them, and the audited
//! read of an application's My Number.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpResponse};

use super::applications;
use super::my_number;
use super::types::{
    MyNumberAnswer, NewOneStopApplication, OneStopApplication, OneStopApplicationChange,
    OneStopApplicationQuery,
};
use crate::auth::{AdminUser, StaffUser};
use crate::domain::calendar::japan_today;
use crate::error::Result;
use crate::http::{page_route, Page};
use crate::openapi::problems::QueryErrors;
use crate::state::AppState;

crate::problems!(
    /// Recording an application: its fields, its donation, one open per donor and tax year.
    CreateApplicationErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, DonationNotFound, OneStopApplicationExists
);
crate::problems!(
    /// An unknown application.
    ApplicationErrors: Unauthorized, Forbidden, OneStopApplicationNotFound
);
crate::problems!(
    /// Changing an application: its fields, and only the state changes the rules allow.
    ChangeApplicationErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, OneStopApplicationNotFound, OneStopStateConflict
);
crate::problems!(
    /// Reading a My Number: the login's permission, an application that holds one.
    MyNumberErrors: Unauthorized, Forbidden, OneStopApplicationNotFound, MyNumberNotHeld
);

/// Record a ワンストップ特例 application as received (paper or online).
///
/// It belongs to the donor identity (名寄せ) of `donation_id`; the applicant's name and address
/// default to that donation's donor, and the home municipality (`municipality_code`, the body
/// that receives the notice) to the one the address lies in, from the official list of
/// 全国地方公共団体コード (`422` on `city` when the address names none). It starts `received`, or
/// `invalid` with `received_after_deadline` when `received_on` is after 10 January of the year
/// after `tax_year`. A `my_number` is sealed at rest and never shown in this or any list answer
/// (`has_my_number` says one is held). One application per donor and tax year.
#[utoipa::path(
    request_body = NewOneStopApplication,
    responses((status = 201, body = OneStopApplication), CreateApplicationErrors)
)]
#[post("/admin/one-stop/applications")]
pub async fn create_one_stop_application(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: crate::http::Json<NewOneStopApplication>,
) -> Result<HttpResponse> {
    let new = applications::check_new(body.into_inner(), japan_today())?;
    let (keys, actor) = (state.my_number_keys.clone(), admin.0.id);
    // A backlog is linked in batches of its own, not inside this one write.
    crate::identities::matching::catch_up(&state.db).await?;
    let created = state
        .db
        .write(move |conn| applications::create(conn, &keys, &actor, new))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

page_route! {
    /// Applications, newest tax year first and then in the order received; `tax_year`, `status`
    /// and `municipality_code` narrow the list. No My Number in it.
    GET "/admin/one-stop/applications" => Page<OneStopApplication>;
    async fn list_one_stop_applications(state, _staff, query: OneStopApplicationQuery) {
        let (filter, paging) = applications::check_query(&query)?;
        let page = state
            .db
            .run(move |conn| applications::list(conn, &filter, paging))
            .await?;
        Ok(web::Json(page))
    }
}

/// One application, with `has_my_number` in place of the number.
#[utoipa::path(
    params(("id" = String, Path)),
    responses((status = 200, body = OneStopApplication), ApplicationErrors)
)]
#[get("/admin/one-stop/applications/{id}")]
pub async fn get_one_stop_application(
    state: web::Data<AppState>,
    _staff: StaffUser,
    id: web::Path<String>,
) -> Result<web::Json<OneStopApplication>> {
    let id = id.into_inner();
    let found = state
        .db
        .run(move |conn| applications::get(conn, &id))
        .await?;
    Ok(web::Json(found))
}

/// Change an application: `status` (with `invalid_reason` when `invalid`), `note`, the
/// applicant's details (a changed address derives `municipality_code` again unless it is given),
/// `my_number` (set, replace, or `null` to delete). A state change the rules do not allow is
/// `409 one_stop_state_conflict`.
#[utoipa::path(
    params(("id" = String, Path)),
    request_body = OneStopApplicationChange,
    responses((status = 200, body = OneStopApplication), ChangeApplicationErrors)
)]
#[patch("/admin/one-stop/applications/{id}")]
pub async fn update_one_stop_application(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: crate::http::Json<OneStopApplicationChange>,
) -> Result<web::Json<OneStopApplication>> {
    let change = applications::check_change(body.into_inner(), japan_today())?;
    let (keys, actor, id) = (state.my_number_keys.clone(), admin.0.id, id.into_inner());
    let changed = state
        .db
        .write(move |conn| applications::update(conn, &keys, &actor, &id, change))
        .await?;
    Ok(web::Json(changed))
}

/// The applicant's My Number, for a staff login holding the My Number permission (granted from
/// the command line, `furusato admin my-number-access`; any other login is `403 forbidden`,
/// an admin's too). Every read is recorded in the audit log (`my_number.read`). Answered with
/// `Cache-Control: no-store`. `404 my_number_not_held` when none was given or it was deleted
/// at the end of the retention period.
#[utoipa::path(
    params(("id" = String, Path)),
    responses((status = 200, body = MyNumberAnswer), MyNumberErrors)
)]
#[get("/admin/one-stop/applications/{id}/my-number")]
pub async fn read_my_number(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let (keys, reader, id) = (state.my_number_keys.clone(), staff.0.id, id.into_inner());
    let answer = state
        .db
        .write(move |conn| my_number::read(conn, &keys, &reader, &id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(&answer))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_one_stop_application)
        .service(list_one_stop_applications)
        .service(get_one_stop_application)
        .service(update_one_stop_application)
        .service(read_my_number);
}
