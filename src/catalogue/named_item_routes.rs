//! Admin routes of the named lists (organisations, usage purposes): the same four routes over
//! each list, calling the writes in `named_items`.

use actix_web::{delete, get, patch, post, web, HttpResponse};

use super::admin_routes::catalogue_write;
use super::named_items::{self, NamedList};
use super::types::{NamedItem, NamedItemPatch, NamedItemRequest};
use crate::auth::{AdminUser, StaffUser};
use crate::error::Result;
use crate::http::{read_page, Page, PageQuery};
use crate::openapi::problems::QueryErrors;
use crate::state::AppState;

macro_rules! named_item_routes {
    ($module:ident, $list:expr, $one:literal, $many:literal, $base:literal, $item:literal, $taken:ident, $missing:ident) => {
        pub mod $module {
            use super::*;

            crate::problems!(
                /// A new entry: its fields and a name unique in the list.
                CreateErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, $taken
            );
            crate::problems!(
                /// A change to an entry.
                UpdateErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, $taken, $missing
            );
            crate::problems!(
                /// An unknown entry.
                MissingErrors: Unauthorized, Forbidden, $missing
            );

            /// Create an entry.
            #[utoipa::path(
                operation_id = concat!("create_", $one),
                request_body = NamedItemRequest,
                responses((status = 201, body = NamedItem), CreateErrors)
            )]
            #[post($base)]
            pub async fn create(
                state: web::Data<AppState>,
                admin: AdminUser,
                body: crate::http::Json<NamedItemRequest>,
            ) -> Result<HttpResponse> {
                let request = named_items::check(body.into_inner())?;
                let item = catalogue_write(&state, move |c, _| {
                    named_items::create(c, $list, &admin.0.id, request)
                })
                .await?;
                Ok(HttpResponse::Created().json(item))
            }

            /// List entries, active or not, by name.
            #[utoipa::path(
                operation_id = concat!("admin_list_", $many),
                params(PageQuery),
                responses((status = 200, body = Page<NamedItem>), QueryErrors)
            )]
            #[get($base)]
            pub async fn list(
                state: web::Data<AppState>,
                _staff: StaffUser,
                query: web::Query<PageQuery>,
            ) -> Result<web::Json<Page<NamedItem>>> {
                read_page(&state.db, query.paging()?, |c, paging| {
                    $list.list(c, false, paging.offset(), paging.per_page)
                })
                .await
            }

            /// Change an entry (`active: false` deactivates it).
            #[utoipa::path(
                operation_id = concat!("update_", $one),
                params(("id" = String, Path)),
                request_body = NamedItemPatch,
                responses((status = 200, body = NamedItem), UpdateErrors)
            )]
            #[patch($item)]
            pub async fn update(
                state: web::Data<AppState>,
                admin: AdminUser,
                id: web::Path<String>,
                body: crate::http::Json<NamedItemPatch>,
            ) -> Result<web::Json<NamedItem>> {
                let patch = body.into_inner();
                let item = catalogue_write(&state, move |c, _| {
                    named_items::update(c, $list, &admin.0.id, &id, patch)
                })
                .await?;
                Ok(web::Json(item))
            }

            /// Deactivate an entry (kept for past donations and reports).
            #[utoipa::path(
                operation_id = concat!("deactivate_", $one),
                params(("id" = String, Path)),
                responses((status = 200, body = NamedItem), MissingErrors)
            )]
            #[delete($item)]
            pub async fn deactivate(
                state: web::Data<AppState>,
                admin: AdminUser,
                id: web::Path<String>,
            ) -> Result<web::Json<NamedItem>> {
                let item = catalogue_write(&state, move |c, _| {
                    named_items::deactivate(c, $list, &admin.0.id, &id)
                })
                .await?;
                Ok(web::Json(item))
            }
        }
    };
}

named_item_routes!(
    organizations,
    NamedList::Organizations,
    "organization",
    "organizations",
    "/admin/organizations",
    "/admin/organizations/{id}",
    OrganizationNameTaken,
    OrganizationNotFound
);
named_item_routes!(
    purposes,
    NamedList::Purposes,
    "purpose",
    "purposes",
    "/admin/purposes",
    "/admin/purposes/{id}",
    PurposeNameTaken,
    PurposeNotFound
);

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(organizations::create)
        .service(organizations::list)
        .service(organizations::update)
        .service(organizations::deactivate)
        .service(purposes::create)
        .service(purposes::list)
        .service(purposes::update)
        .service(purposes::deactivate);
}
