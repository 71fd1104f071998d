//! Staff routes of donor identities (名寄せ): read one (by its id or a donation's), merge two,
//! split donations off one. Every read first links the donations not linked yet.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::matching::catch_up;
use super::store::identity_not_found;
use super::views::{self, IdentityView};
use crate::auth::{AdminUser, StaffUser};
use crate::db::DbConnection;
use crate::donations::store::donation_not_found;
use crate::error::{Error, Result};
use crate::state::AppState;

crate::problems!(
    /// An unknown identity.
    IdentityErrors: Unauthorized, Forbidden, IdentityNotFound
);
crate::problems!(
    /// An unknown donation.
    DonationIdentityErrors: Unauthorized, Forbidden, DonationNotFound
);
crate::problems!(
    /// Splitting an identity by hand.
    IdentityChangeErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, IdentityNotFound, IdentityMerged
);
crate::problems!(
    /// Merging identities by hand; both with an open one-stop application for one tax year.
    IdentityMergeErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, IdentityNotFound, IdentityMerged, OneStopApplicationExists
);

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The identity merged into the one in the path: its donations and one-stop applications
    /// move there, and its id answers with that identity from then on.
    pub identity_id: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    /// The donations that become a new identity: each a donation of the identity in the path,
    /// and not all of them.
    pub donation_ids: Vec<String>,
}

/// An identity read by `read` once the donations not linked yet are linked; none is `missing`.
async fn read_identity(
    state: &AppState,
    id: web::Path<String>,
    read: fn(&mut DbConnection, &str) -> Result<Option<IdentityView>>,
    missing: fn() -> Error,
) -> Result<web::Json<IdentityView>> {
    let id = id.into_inner();
    catch_up(&state.db).await?;
    let found = state.db.run(move |conn| read(conn, &id)).await?;
    found.map(web::Json).ok_or_else(missing)
}

/// A donor identity: the person, from the newest donation, and every donation linked to them.
/// An identity merged into another answers with that one (its own `id` in the body).
#[utoipa::path(
    operation_id = "admin_get_identity",
    params(("id" = String, Path)),
    responses((status = 200, body = IdentityView), IdentityErrors)
)]
#[get("/admin/identities/{id}")]
pub async fn get_identity(
    state: web::Data<AppState>,
    _staff: StaffUser,
    id: web::Path<String>,
) -> Result<web::Json<IdentityView>> {
    read_identity(&state, id, views::of_identity, identity_not_found).await
}

/// The donor identity a donation belongs to.
#[utoipa::path(
    operation_id = "admin_get_donation_identity",
    params(("id" = String, Path)),
    responses((status = 200, body = IdentityView), DonationIdentityErrors)
)]
#[get("/admin/donations/{id}/identity")]
pub async fn get_donation_identity(
    state: web::Data<AppState>,
    _staff: StaffUser,
    id: web::Path<String>,
) -> Result<web::Json<IdentityView>> {
    read_identity(&state, id, views::of_donation, donation_not_found).await
}

/// Merge another identity into this one: staff found them to be one person. Its donations
/// (`pinned`) and one-stop applications move here; refused while both have an open application
/// for one tax year (withdraw one first); audited.
#[utoipa::path(
    operation_id = "admin_merge_identities",
    params(("id" = String, Path)),
    request_body = MergeRequest,
    responses((status = 200, body = IdentityView), IdentityMergeErrors)
)]
#[post("/admin/identities/{id}/merge")]
pub async fn merge_identities(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: crate::http::Json<MergeRequest>,
) -> Result<web::Json<IdentityView>> {
    let (id, other, actor) = (id.into_inner(), body.into_inner().identity_id, admin.0.id);
    let merged = state
        .db
        .write(move |conn| super::by_hand::merge(conn, &actor, &id, &other))
        .await?;
    Ok(web::Json(merged))
}

/// Split donations off this identity into a new one: staff found them to be another person's.
/// They move there (`pinned`); audited.
#[utoipa::path(
    operation_id = "admin_split_identity",
    params(("id" = String, Path)),
    request_body = SplitRequest,
    responses((status = 201, body = IdentityView), IdentityChangeErrors)
)]
#[post("/admin/identities/{id}/split")]
pub async fn split_identity(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: crate::http::Json<SplitRequest>,
) -> Result<HttpResponse> {
    let (id, donation_ids, actor) = (id.into_inner(), body.into_inner().donation_ids, admin.0.id);
    let created = state
        .db
        .write(move |conn| super::by_hand::split(conn, &actor, &id, &donation_ids))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_identity)
        .service(get_donation_identity)
        .service(merge_identities)
        .service(split_identity);
}
