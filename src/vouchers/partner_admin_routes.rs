//! Staff routes for businesses (vendors and voucher partners) and partner logins; the writes
//! are in `partners`.

use actix_web::{get, patch, post, web, HttpResponse};

use super::partners::{self, NewLogin};
use crate::auth::AdminUser;
use crate::catalogue::store;
use crate::catalogue::types::{
    Business, BusinessPatch, NewBusinessRequest, NewPartnerRequest, PartnerCreated,
};
use crate::error::{AuthErrors, Problem, Result};
use crate::http::{Page, PageQuery};
use crate::state::AppState;

/// Prepares a login on the blocking pool: argon2 is CPU work, never for an async worker.
async fn hashing<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    web::block(f).await?
}

/// Create a business: a vendor of gifts, a voucher partner, or both.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewBusinessRequest,
    responses(
        (status = 201, body = Business),
        AuthErrors,
        (status = 409, description = "email_taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/businesses")]
pub async fn create_business_route(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<NewBusinessRequest>,
) -> Result<HttpResponse> {
    let b = body.into_inner();
    let settings = state.settings.clone();
    let (s, is_partner, asked) = (settings.clone(), b.is_partner, b.login.clone());
    let login = hashing(move || partners::business_login(&s, is_partner, asked.as_ref())).await?;
    let actor = admin.0.id;
    let created = state
        .db
        .write(move |conn| partners::create_business(conn, &settings, &actor, b, login))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// List businesses.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = Page<Business>),
        AuthErrors,
    )
)]
#[get("/admin/businesses")]
pub async fn list_businesses(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<Business>>> {
    let paging = query.paging()?;
    let (items, total) = state
        .db
        .run(move |c| store::list_businesses(c, paging.offset(), paging.per_page))
        .await?;
    Ok(web::Json(Page::new(items, paging, total)))
}

/// Change a business.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body = BusinessPatch,
    responses(
        (status = 200, body = Business),
        AuthErrors,
        (status = 404, description = "business_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/admin/businesses/{id}")]
pub async fn update_business(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: web::Json<BusinessPatch>,
) -> Result<web::Json<Business>> {
    let id = id.into_inner();
    let p = body.into_inner();
    let actor = admin.0.id;
    let business = state
        .db
        .write(move |conn| partners::update_business(conn, &actor, &id, p))
        .await?;
    state.catalogue_cache.invalidate();
    Ok(web::Json(business))
}

/// Create a partner business and its login in one step.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewPartnerRequest,
    responses(
        (status = 201, body = PartnerCreated),
        AuthErrors,
        (status = 409, description = "email_taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/partners")]
pub async fn create_partner(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<NewPartnerRequest>,
) -> Result<HttpResponse> {
    let b = body.into_inner();
    let settings = state.settings.clone();
    let (s, email, password) = (settings.clone(), b.email.clone(), b.password.clone());
    let login = hashing(move || NewLogin::prepare(&s, &email, &password)).await?;
    let actor = admin.0.id;
    let created = state
        .db
        .write(move |conn| partners::create_partner(conn, &settings, &actor, b, login))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// List partner businesses.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = Page<Business>),
        AuthErrors,
    )
)]
#[get("/admin/partners")]
pub async fn list_partners(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<Business>>> {
    let paging = query.paging()?;
    let (all, _) = state
        .db
        .run(move |c| store::list_businesses(c, 0, i64::MAX))
        .await?;
    let partners: Vec<Business> = all.into_iter().filter(|b| b.is_partner).collect();
    let total = partners.len() as i64;
    let items = partners
        .into_iter()
        .skip(paging.offset() as usize)
        .take(paging.per_page as usize)
        .collect();
    Ok(web::Json(Page::new(items, paging, total)))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_business_route)
        .service(list_businesses)
        .service(update_business)
        .service(create_partner)
        .service(list_partners);
}
