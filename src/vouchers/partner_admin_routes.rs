//! Staff routes for businesses (vendors and voucher partners) and partner logins; the writes
//! are in `partners`.

use actix_web::{get, patch, post, web, HttpResponse};

use super::partners::{self, NewLogin};
use crate::auth::AdminUser;
use crate::catalogue::admin_routes::catalogue_write;
use crate::catalogue::store::{self, BusinessList};
use crate::catalogue::types::{
    Business, BusinessPatch, NewBusinessRequest, NewPartnerRequest, PartnerCreated,
};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::error::Result;
use crate::http::{page_route, read_page, Page, PageQuery};
use crate::openapi::problems::QueryErrors;
use crate::state::AppState;

/// A write that adds a login: `prepare` checks the request's login and hashes its password on
/// the blocking pool (argon2 is CPU work, never for an async worker), then `write` stores the
/// request with that login in one transaction.
pub(crate) async fn write_with_login<B, L, T, P, W>(
    state: &AppState,
    request: B,
    prepare: P,
    write: W,
) -> Result<T>
where
    B: Send + 'static,
    L: Send + 'static,
    T: Send + 'static,
    P: FnOnce(&Settings, &B) -> Result<L> + Send + 'static,
    W: FnOnce(&mut DbConnection, &Settings, B, L) -> Result<T> + Send + 'static,
{
    let settings = state.settings.clone();
    let hashing = settings.clone();
    let (request, login) =
        web::block(move || prepare(&hashing, &request).map(|login| (request, login))).await??;
    state
        .db
        .write(move |conn| write(conn, &settings, request, login))
        .await
}

crate::problems!(
    /// Registering a business with its first login.
    BusinessWriteErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, EmailTaken
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
    let actor = admin.0.id;
    let created = write_with_login(
        &state,
        body.into_inner(),
        |settings, b| partners::business_login(settings, b.is_partner, b.login.as_ref()),
        move |conn, settings, b, login| partners::create_business(conn, settings, &actor, b, login),
    )
    .await?;
    Ok(HttpResponse::Created().json(created))
}

/// One page of a business list, by name.
async fn business_page(
    state: &AppState,
    query: &PageQuery,
    list: BusinessList,
) -> Result<web::Json<Page<Business>>> {
    read_page(&state.db, query.paging()?, move |c, paging| {
        store::list_businesses(c, list, paging.offset(), paging.per_page)
    })
    .await
}

page_route! {
    /// List businesses.
    GET "/admin/businesses" => Page<Business>;
    async fn list_businesses(state, _staff, query: PageQuery) {
        business_page(&state, &query, BusinessList::All).await
    }
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
    let (id, p, actor) = (id.into_inner(), body.into_inner(), admin.0.id);
    let business = catalogue_write(&state, move |conn, _| {
        partners::update_business(conn, &actor, &id, p)
    })
    .await?;
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
    let actor = admin.0.id;
    let created = write_with_login(
        &state,
        body.into_inner(),
        |settings, b| NewLogin::prepare(settings, &b.email, &b.password),
        move |conn, settings, b, login| partners::create_partner(conn, settings, &actor, b, login),
    )
    .await?;
    Ok(HttpResponse::Created().json(created))
}

page_route! {
    /// List partner businesses.
    GET "/admin/partners" => Page<Business>;
    async fn list_partners(state, _staff, query: PageQuery) {
        business_page(&state, &query, BusinessList::Partners).await
    }
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_business_route)
        .service(list_businesses)
        .service(update_business)
        .service(create_partner)
        .service(list_partners);
}
