//! Staff routes for businesses (vendors and voucher partners) and partner logins; the writes
//! are in `partners`.

use actix_web::{get, patch, post, web, HttpResponse};

use super::partners::{self, NewLogin};
use crate::auth::{AdminUser, StaffUser};
use crate::catalogue::store::{self, BusinessList};
use crate::catalogue::types::{
    Business, BusinessPatch, NewBusinessRequest, NewPartnerRequest, PartnerCreated,
};
use crate::error::Result;
use crate::http::{Page, PageQuery};
use crate::state::AppState;

/// Prepares a login on the blocking pool: argon2 is CPU work, never for an async worker.
async fn hashing<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    web::block(f).await?
}

crate::problems!(
    /// Registering a business with its first login.
    BusinessWriteErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, EmailTaken
);
crate::problems!(
    /// Paging of businesses and partner logins.
    BusinessListErrors: Unauthorized, Forbidden, InvalidQuery, ValidationFailed
);
crate::problems!(
    /// Changing a business.
    BusinessChangeErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, BusinessNotFound
);
crate::problems!(
    /// Adding a till login to a business.
    PartnerLoginErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, BusinessNotFound, EmailTaken
);

/// Create a business: a vendor of gifts, a voucher partner, or both.
#[utoipa::path(
    operation_id = "create_business",
    request_body = NewBusinessRequest,
    responses(
        (status = 201, body = Business),
        BusinessWriteErrors,
    )
)]
#[post("/admin/businesses")]
pub async fn create_business_route(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: crate::http::Json<NewBusinessRequest>,
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

/// One page of a business list, by name.
async fn business_page(
    state: &AppState,
    query: &PageQuery,
    list: BusinessList,
) -> Result<web::Json<Page<Business>>> {
    let paging = query.paging()?;
    let (items, total) = state
        .db
        .run(move |c| store::list_businesses(c, list, paging.offset(), paging.per_page))
        .await?;
    Ok(web::Json(Page::new(items, paging, total)))
}

/// List businesses.
#[utoipa::path(
    params(PageQuery),
    responses(
        (status = 200, body = Page<Business>),
        BusinessListErrors,
    )
)]
#[get("/admin/businesses")]
pub async fn list_businesses(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<Business>>> {
    business_page(&state, &query, BusinessList::All).await
}

/// Change a business.
#[utoipa::path(
    params(("id" = String, Path)),
    request_body = BusinessPatch,
    responses(
        (status = 200, body = Business),
        BusinessChangeErrors,
    )
)]
#[patch("/admin/businesses/{id}")]
pub async fn update_business(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: crate::http::Json<BusinessPatch>,
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
    request_body = NewPartnerRequest,
    responses(
        (status = 201, body = PartnerCreated),
        PartnerLoginErrors,
    )
)]
#[post("/admin/partners")]
pub async fn create_partner(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: crate::http::Json<NewPartnerRequest>,
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
    params(PageQuery),
    responses(
        (status = 200, body = Page<Business>),
        BusinessListErrors,
    )
)]
#[get("/admin/partners")]
pub async fn list_partners(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<Business>>> {
    business_page(&state, &query, BusinessList::Partners).await
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_business_route)
        .service(list_businesses)
        .service(update_business)
        .service(create_partner)
        .service(list_partners);
}
