//! Admin catalogue routes: gifts (writes in `gifts`), organisations and usage purposes.
//! Every write is one transaction that also records the audit entry; the cache is then dropped.

use actix_web::{delete, get, patch, post, web, HttpResponse};

use super::gifts::{self, gift_not_found};
use super::store::{self, organization_store, purpose_store};
use super::types::{
    AdminGift, AdminGiftQuery, GiftPatch, NamedItem, NamedItemPatch, NamedItemRequest,
    NewGiftRequest,
};
use crate::audit;
use crate::auth::AdminUser;
use crate::domain::fields::check_named;
use crate::error::{AuthErrors, Error, ErrorCode, Problem, Result};
use crate::http::{Page, PageQuery, Paging};
use crate::state::AppState;

/// Create a gift; the 30% rule and the wording rule are checked.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewGiftRequest,
    responses(
        (status = 201, body = AdminGift),
        AuthErrors,
        (status = 409, description = "gift_code_taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "return_ratio_exceeded, prohibited_wording, validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/gifts")]
pub async fn create_gift(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<NewGiftRequest>,
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
    tag = "admin",
    security(("bearer" = [])),
    params(AdminGiftQuery),
    responses(
        (status = 200, body = Page<AdminGift>),
        AuthErrors,
    )
)]
#[get("/admin/gifts")]
pub async fn list_gifts(
    state: web::Data<AppState>,
    _admin: AdminUser,
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

/// One gift with its costs and state.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = AdminGift),
        AuthErrors,
        (status = 404, description = "gift_not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/admin/gifts/{id}")]
pub async fn get_gift(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: web::Path<String>,
) -> Result<web::Json<AdminGift>> {
    let id = id.into_inner();
    let (gift, vendor) = state
        .db
        .run(move |conn| store::find_gift(conn, &id))
        .await?
        .ok_or_else(gift_not_found)?;
    Ok(web::Json(gift.admin(&vendor)))
}

/// Change a gift; the rules are checked on the gift as it would be after the change.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body = GiftPatch,
    responses(
        (status = 200, body = AdminGift),
        AuthErrors,
        (status = 404, description = "gift_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "gift_code_taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "return_ratio_exceeded, prohibited_wording, validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/admin/gifts/{id}")]
pub async fn update_gift(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: web::Json<GiftPatch>,
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
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = AdminGift, description = "The gift, now suspended"),
        AuthErrors,
        (status = 404, description = "gift_not_found", body = Problem, content_type = "application/problem+json"),
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
// Organisations and usage purposes have the same admin routes over their own tables.
macro_rules! named_item_routes {
    ($module:ident, $store:ident, $entity:literal, $base:literal, $item:literal, $missing:expr) => {
        pub mod $module {
            use super::*;

            fn not_found() -> Error {
                Error::not_found($missing, "No entry with this id.")
            }

            /// Create an entry.
            #[utoipa::path(
                tag = "admin",
                security(("bearer" = [])),
                request_body = NamedItemRequest,
                responses(
                    (status = 201, body = NamedItem),
                    AuthErrors,
                    (status = 409, body = Problem, content_type = "application/problem+json"),
                    (status = 422, body = Problem, content_type = "application/problem+json"),
                )
            )]
            #[post($base)]
            pub async fn create(
                state: web::Data<AppState>,
                admin: AdminUser,
                body: web::Json<NamedItemRequest>,
            ) -> Result<HttpResponse> {
                let b = body.into_inner();
                check_named(&b.name, &b.description).map_err(Error::Validation)?;
                let actor = admin.0.id;
                let item = state
                    .db
                    .write(move |conn| {
                        let item = $store::insert(conn, b.name.trim(), &b.description)?;
                        audit::record(conn, Some(&actor), "create", $entity, &item.id, None::<&()>, Some(&item))?;
                        Ok(item)
                    })
                    .await?;
                state.catalogue_cache.invalidate();
                Ok(HttpResponse::Created().json(item))
            }

            /// List entries, active or not.
            #[utoipa::path(
                tag = "admin",
                security(("bearer" = [])),
                params(PageQuery),
                responses(
                    (status = 200, body = Page<NamedItem>),
                    AuthErrors,
                )
            )]
            #[get($base)]
            pub async fn list(
                state: web::Data<AppState>,
                _admin: AdminUser,
                query: web::Query<PageQuery>,
            ) -> Result<web::Json<Page<NamedItem>>> {
                let paging = query.paging()?;
                let (items, total) = state
                    .db
                    .run(move |c| $store::list(c, false, paging.offset(), paging.per_page))
                    .await?;
                Ok(web::Json(Page::new(items, paging, total)))
            }

            /// Change an entry (`active: false` deactivates it).
            #[utoipa::path(
                tag = "admin",
                security(("bearer" = [])),
                params(("id" = String, Path)),
                request_body = NamedItemPatch,
                responses(
                    (status = 200, body = NamedItem),
                    AuthErrors,
                    (status = 404, body = Problem, content_type = "application/problem+json"),
                    (status = 422, body = Problem, content_type = "application/problem+json"),
                )
            )]
            #[patch($item)]
            pub async fn update(
                state: web::Data<AppState>,
                admin: AdminUser,
                id: web::Path<String>,
                body: web::Json<NamedItemPatch>,
            ) -> Result<web::Json<NamedItem>> {
                let id = id.into_inner();
                let p = body.into_inner();
                let actor = admin.0.id;
                let item = state
                    .db
                    .write(move |conn| {
                        let before = $store::find(conn, &id)?.ok_or_else(not_found)?;
                        let mut after = before.clone();
                        if let Some(name) = p.name {
                            after.name = name.trim().to_owned();
                        }
                        if let Some(description) = p.description {
                            after.description = description;
                        }
                        if let Some(active) = p.active {
                            after.active = active;
                        }
                        check_named(&after.name, &after.description).map_err(Error::Validation)?;
                        $store::update(conn, &after)?;
                        audit::record(conn, Some(&actor), "update", $entity, &id, Some(&before), Some(&after))?;
                        Ok(after)
                    })
                    .await?;
                state.catalogue_cache.invalidate();
                Ok(web::Json(item))
            }

            /// Deactivate an entry (kept for past donations and reports).
            #[utoipa::path(
                tag = "admin",
                security(("bearer" = [])),
                params(("id" = String, Path)),
                responses(
                    (status = 200, body = NamedItem),
                    AuthErrors,
                    (status = 404, body = Problem, content_type = "application/problem+json"),
                )
            )]
            #[delete($item)]
            pub async fn deactivate(
                state: web::Data<AppState>,
                admin: AdminUser,
                id: web::Path<String>,
            ) -> Result<web::Json<NamedItem>> {
                let id = id.into_inner();
                let actor = admin.0.id;
                let item = state
                    .db
                    .write(move |conn| {
                        let before = $store::find(conn, &id)?.ok_or_else(not_found)?;
                        let after = NamedItem { active: false, ..before.clone() };
                        $store::update(conn, &after)?;
                        audit::record(conn, Some(&actor), "deactivate", $entity, &id, Some(&before), Some(&after))?;
                        Ok(after)
                    })
                    .await?;
                state.catalogue_cache.invalidate();
                Ok(web::Json(item))
            }
        }
    };
}

named_item_routes!(
    organizations,
    organization_store,
    "organization",
    "/admin/organizations",
    "/admin/organizations/{id}",
    ErrorCode::OrganizationNotFound
);
named_item_routes!(
    purposes,
    purpose_store,
    "purpose",
    "/admin/purposes",
    "/admin/purposes/{id}",
    ErrorCode::PurposeNotFound
);

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_gift)
        .service(list_gifts)
        .service(get_gift)
        .service(update_gift)
        .service(suspend_gift)
        .service(organizations::create)
        .service(organizations::list)
        .service(organizations::update)
        .service(organizations::deactivate)
        .service(purposes::create)
        .service(purposes::list)
        .service(purposes::update)
        .service(purposes::deactivate);
}
