//! Public catalogue routes: gifts (cached, with ETag), organisations, usage purposes.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::cache::Cached;
use super::named_items::NamedList;
use super::store::{self, PublicFilter};
use super::types::{GiftQuery, GiftSort, NamedItem, PublicGift};
use crate::domain::calendar::japan_today;
use crate::error::{Error, ErrorCode, Result};
use crate::http::{etag_matches, Page, PageQuery, Paging};
use crate::state::AppState;

/// Serves a cached body, or builds, caches and serves it. Answers 304 when the client's copy matches.
async fn cached_response<F>(
    state: &AppState,
    req: &HttpRequest,
    key: String,
    build: F,
) -> Result<HttpResponse>
where
    F: FnOnce(&mut crate::db::DbConnection) -> Result<Vec<u8>> + Send + 'static,
{
    let cache = state.catalogue_cache.clone();
    let version = match cache.fresh_version() {
        Some(v) => v,
        None => {
            let v = state.db.run(store::current_version).await?;
            cache.confirm_version(v);
            v
        }
    };
    let cached = match cache.get(&key, version) {
        Some(hit) => hit,
        None => {
            let body = state.db.run(build).await?;
            let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..32]);
            let entry = Cached {
                etag,
                body: body.into(),
                built_at: std::time::Instant::now(),
            };
            cache.put(key, version, entry.clone());
            entry
        }
    };
    let mut response = if etag_matches(req, &cached.etag) {
        HttpResponse::NotModified().finish()
    } else {
        HttpResponse::Ok()
            .content_type("application/json")
            .body(cached.body.clone())
    };
    let headers = response.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(&cached.etag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=0, must-revalidate"),
    );
    Ok(response)
}

fn sort_gifts(
    gifts: &mut [(store::GiftRow, String)],
    sort: GiftSort,
    popularity: &std::collections::HashMap<String, i64>,
) {
    match sort {
        GiftSort::AmountAsc => {
            gifts.sort_by(|a, b| a.0.amount.cmp(&b.0.amount).then(a.0.code.cmp(&b.0.code)))
        }
        GiftSort::AmountDesc => {
            gifts.sort_by(|a, b| b.0.amount.cmp(&a.0.amount).then(a.0.code.cmp(&b.0.code)))
        }
        GiftSort::Newest => gifts.sort_by(|a, b| {
            b.0.created_at
                .cmp(&a.0.created_at)
                .then(a.0.code.cmp(&b.0.code))
        }),
        GiftSort::Popular => gifts.sort_by(|a, b| {
            let count = |g: &store::GiftRow| popularity.get(&g.id).copied().unwrap_or(0);
            count(&b.0).cmp(&count(&a.0)).then(a.0.code.cmp(&b.0.code))
        }),
    }
}

crate::problems!(
    /// Filters, sorts and paging of the public list.
    GiftListErrors: InvalidQuery, ValidationFailed
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
        GiftListErrors,
    )
)]
#[get("/gifts")]
pub async fn list_gifts(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<GiftQuery>,
) -> Result<HttpResponse> {
    let q = query.into_inner();
    let paging = Paging::from_query(q.page, q.per_page)?;
    if let (Some(min), Some(max)) = (q.min_amount, q.max_amount) {
        if min > max {
            return Err(Error::field("min_amount", "must not be above max_amount"));
        }
    }
    let filter = PublicFilter {
        category: q.category,
        q: q.q
            .clone()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        min_amount: q.min_amount,
        max_amount: q.max_amount,
        in_stock: q.in_stock,
    };
    let sort = q.sort.unwrap_or(GiftSort::Newest);
    let today = japan_today();
    // The key is the parsed query (not the raw string) plus the Japan date, since windows move daily.
    let key = format!(
        "list|{today}|{filter:?}|{sort:?}|{}|{}",
        paging.page, paging.per_page
    );
    cached_response(&state, &req, key, move |conn| {
        let mut gifts = store::offered_gifts(conn, &filter, today)?;
        let popularity = if sort == GiftSort::Popular {
            store::popularity(conn, store::popularity_window_start())?
        } else {
            Default::default()
        };
        sort_gifts(&mut gifts, sort, &popularity);
        let total = gifts.len() as i64;
        let items = gifts
            .iter()
            .skip(paging.offset() as usize)
            .take(paging.per_page as usize)
            .map(|(g, vendor)| g.public(vendor))
            .collect::<Vec<_>>();
        serde_json::to_vec(&Page::new(items, paging, total)).map_err(|e| Error::Internal(e.into()))
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
    let key = format!("gift|{today}|{id}");
    cached_response(&state, &req, key, move |conn| {
        match store::find_gift(conn, &id)? {
            Some((gift, vendor)) if gift.is_offered_on(today) => {
                serde_json::to_vec(&gift.public(&vendor)).map_err(|e| Error::Internal(e.into()))
            }
            _ => Err(Error::rejected(
                ErrorCode::GiftNotFound,
                "No such gift is on offer.",
            )),
        }
    })
    .await
}

crate::problems!(
    /// Paging of a named list.
    NamedListErrors: InvalidQuery, ValidationFailed
);

/// The active entries of a named list, cached and revalidated like the gift list.
async fn active_entries(
    state: &AppState,
    req: &HttpRequest,
    query: &PageQuery,
    list: NamedList,
) -> Result<HttpResponse> {
    let paging = query.paging()?;
    let key = format!("{}|{}|{}", list.entity(), paging.page, paging.per_page);
    cached_response(state, req, key, move |conn| {
        let (items, total) = list.list(conn, true, paging.offset(), paging.per_page)?;
        serde_json::to_vec(&Page::new(items, paging, total)).map_err(|e| Error::Internal(e.into()))
    })
    .await
}

/// Active support-donation organisations (応援先), by name.
#[utoipa::path(
    params(PageQuery),
    responses((status = 200, body = Page<NamedItem>), (status = 304, description = "Not modified"), NamedListErrors)
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
    responses((status = 200, body = Page<NamedItem>), (status = 304, description = "Not modified"), NamedListErrors)
)]
#[get("/purposes")]
pub async fn list_purposes(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse> {
    active_entries(&state, &req, &query, NamedList::Purposes).await
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_gifts)
        .service(get_gift)
        .service(list_organizations)
        .service(list_purposes);
}
