//! Public catalogue routes: gifts (cached, with ETag), organisations, usage purposes.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::browse::{self, gift_not_on_offer, Browse};
use super::cache::{CacheKey, Cached, CatalogueCache};
use super::named_items::NamedList;
use super::store::{self};
use super::types::{GiftQuery, NamedItem, PublicGift, PublicPartner};
use crate::domain::calendar::japan_today;
use crate::error::{Error, Result};
use crate::http::{etag_matches, read_page, Page, PageQuery};
use crate::state::AppState;

/// Serves a cached body, or builds, caches and serves it. Answers 304 when the client's copy matches.
async fn cached_response<F>(
    state: &AppState,
    req: &HttpRequest,
    key: CacheKey,
    build: F,
) -> Result<HttpResponse>
where
    F: FnOnce(&mut crate::db::DbConnection) -> Result<Vec<u8>> + Send + 'static,
{
    // Borrowed: a hit touches no shared reference count.
    let cache = &state.catalogue_cache;
    let cached = match cache.fresh_hit(&key) {
        Some(hit) => hit,
        None => cached_or_built(state, cache, key, build).await?,
    };
    let mut response = if etag_matches(req, cached.etag.to_str().unwrap_or_default()) {
        HttpResponse::NotModified().finish()
    } else {
        HttpResponse::Ok()
            .content_type("application/json")
            .body(cached.body.clone())
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, cached.etag);
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=0, must-revalidate"),
    );
    Ok(response)
}

/// The slower way to an entry: confirm the catalogue version with the database when it is due,
/// then take the entry of that version or build and keep it.
async fn cached_or_built<F>(
    state: &AppState,
    cache: &CatalogueCache,
    key: CacheKey,
    build: F,
) -> Result<Cached>
where
    F: FnOnce(&mut crate::db::DbConnection) -> Result<Vec<u8>> + Send + 'static,
{
    let version = match cache.fresh_version() {
        Some(v) => v,
        None => {
            let v = state.db.run(store::current_version).await?;
            cache.confirm_version(v);
            v
        }
    };
    if let Some(hit) = cache.get(&key, version) {
        return Ok(hit);
    }
    let body = state.db.run(build).await?;
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..32]);
    let entry = Cached {
        etag: header::HeaderValue::from_str(&etag).map_err(|e| Error::Internal(e.into()))?,
        body: body.into(),
        built_at: std::time::Instant::now(),
    };
    cache.put(key, version, entry.clone());
    Ok(entry)
}

crate::problems!(
    /// Filters, sorts and paging of a public list (gifts, organisations, purposes, partners).
    ListErrors: InvalidQuery, ValidationFailed
);
crate::problems!(
    /// An unknown or unpublished gift.
    GiftErrors: GiftNotFound
);

/// Published gifts inside their availability window.
#[utoipa::path(
    params(GiftQuery),
    responses(
        (status = 200, body = Page<PublicGift>, description = "With an ETag; 304 when If-None-Match matches"),
        (status = 304, description = "Not modified"),
        ListErrors,
    )
)]
#[get("/gifts")]
pub async fn list_gifts(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<GiftQuery>,
) -> Result<HttpResponse> {
    let browse = Browse::check(query.into_inner())?;
    let today = japan_today();
    let key = CacheKey::Gifts(today, browse.clone());
    cached_response(&state, &req, key, move |conn| {
        let page = browse::offered(conn, &browse, today)?;
        serde_json::to_vec(&page).map_err(|e| Error::Internal(e.into()))
    })
    .await
}

/// One published gift.
#[utoipa::path(
    params(("id" = String, Path, description = "Gift id")),
    responses(
        (status = 200, body = PublicGift),
        (status = 304, description = "Not modified"),
        GiftErrors,
    )
)]
#[get("/gifts/{id}")]
pub async fn get_gift(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let today = japan_today();
    let key = CacheKey::Gift(today, id.clone());
    cached_response(&state, &req, key, move |conn| {
        let gift = browse::offered_gift(conn, &id, today)?.ok_or_else(gift_not_on_offer)?;
        serde_json::to_vec(&gift).map_err(|e| Error::Internal(e.into()))
    })
    .await
}

/// The active entries of a named list, cached and revalidated like the gift list.
async fn active_entries(
    state: &AppState,
    req: &HttpRequest,
    query: &PageQuery,
    list: NamedList,
) -> Result<HttpResponse> {
    let paging = query.paging()?;
    let key = CacheKey::Named(list, paging);
    cached_response(state, req, key, move |conn| {
        let (items, total) = list.list(conn, true, paging.offset(), paging.per_page)?;
        serde_json::to_vec(&Page::new(items, paging, total)).map_err(|e| Error::Internal(e.into()))
    })
    .await
}

/// Active support-donation organisations (応援先), by name.
#[utoipa::path(
    params(PageQuery),
    responses((status = 200, body = Page<NamedItem>), (status = 304, description = "Not modified"), ListErrors)
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse> {
    active_entries(&state, &req, &query, NamedList::Organizations).await
}

/// Active usage purposes (使い道), by name.
#[utoipa::path(
    params(PageQuery),
    responses((status = 200, body = Page<NamedItem>), (status = 304, description = "Not modified"), ListErrors)
)]
#[get("/purposes")]
pub async fn list_purposes(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse> {
    active_entries(&state, &req, &query, NamedList::Purposes).await
}

/// The shops where on-site e-vouchers can be used (active partners), by name.
#[utoipa::path(
    operation_id = "list_partner_shops",
    params(PageQuery),
    responses((status = 200, body = Page<PublicPartner>), ListErrors)
)]
#[get("/partners")]
pub async fn list_partners(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<PublicPartner>>> {
    read_page(&state.db, query.paging()?, |c, paging| {
        store::public_partners(c, paging.offset(), paging.per_page)
    })
    .await
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_gifts)
        .service(list_partners)
        .service(get_gift)
        .service(list_organizations)
        .service(list_purposes);
}
