//! The donors' pages (特設サイト): browse and find gifts. They read through the same functions as
//! the JSON routes (`catalogue::browse`), so a page shows exactly what the API answers.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use minijinja::{context, Value};
use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};

use super::lang::Lang;
use super::render::Visit;
use crate::catalogue::browse::{self, gift_not_on_offer, Browse};
use crate::catalogue::named_items::NamedList;
use crate::catalogue::types::{GiftQuery, GiftSort};
use crate::domain::calendar::japan_today;
use crate::domain::gift::Category;
use crate::error::{Error, Result};

const PER_PAGE: i64 = 12;

struct Choice {
    key: &'static str,
    title: &'static str,
    text: &'static str,
}

const CATEGORIES: [Choice; 4] = [
    Choice {
        key: "experience",
        title: "体験",
        text: "品川で過ごす時間を贈る",
    },
    Choice {
        key: "product",
        title: "特産品",
        text: "区内の事業者がつくる品",
    },
    Choice {
        key: "travel",
        title: "旅行クーポン",
        text: "区内のホテル・旅館で使える",
    },
    Choice {
        key: "on_site",
        title: "現地で使える電子商品券",
        text: "区内の加盟店でその場で使える",
    },
];

/// Price bands of the list's filter: (key, label, minimum, maximum).
const BANDS: [(&str, &str, Option<i64>, Option<i64>); 4] = [
    ("under-10000", "1万円未満", None, Some(9_999)),
    (
        "10000-29999",
        "1万円〜3万円未満",
        Some(10_000),
        Some(29_999),
    ),
    (
        "30000-49999",
        "3万円〜5万円未満",
        Some(30_000),
        Some(49_999),
    ),
    ("50000-", "5万円以上", Some(50_000), None),
];

const SORTS: [(&str, &str); 4] = [
    ("newest", "新着順"),
    ("popular", "人気順"),
    ("amount_asc", "寄附金額の安い順"),
    ("amount_desc", "寄附金額の高い順"),
];

/// The categories in the page's language.
fn categories(lang: Lang) -> Vec<Value> {
    CATEGORIES
        .iter()
        .map(|c| context! { key => c.key, title => lang.text(c.title), text => lang.text(c.text) })
        .collect()
}

/// The Japanese texts of this module's choices, which pages show translated.
#[cfg(test)]
pub fn translated_texts() -> Vec<&'static str> {
    let categories = CATEGORIES.iter().flat_map(|c| [c.title, c.text]);
    let bands = BANDS.iter().map(|(_, label, ..)| *label);
    let sorts = SORTS.iter().map(|(_, label)| *label);
    categories.chain(bands).chain(sorts).collect()
}

/// The list's form as the browser sends it: every field text, blank when not chosen.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct ListForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    band: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    in_stock: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

impl ListForm {
    /// The API's list request for this form; a choice that is not on the form is refused.
    fn to_query(&self) -> Result<GiftQuery> {
        let category = match self.category.as_str() {
            "" => None,
            c => Some(
                Category::parse(c)
                    .ok_or_else(|| Error::field("category", "その分類はありません"))?,
            ),
        };
        let (min_amount, max_amount) = match self.band.as_str() {
            "" => (None, None),
            b => BANDS
                .iter()
                .find(|(key, ..)| *key == b)
                .map(|(_, _, min, max)| (*min, *max))
                .ok_or_else(|| Error::field("band", "その金額帯はありません"))?,
        };
        // The sorts are the API's own (`GiftSort`, read by its serde names).
        let sort = match self.sort.as_str() {
            "" => None,
            key => {
                let key = IntoDeserializer::<serde::de::value::Error>::into_deserializer(key);
                Some(
                    GiftSort::deserialize(key)
                        .map_err(|_| Error::field("sort", "その並び順はありません"))?,
                )
            }
        };
        let page = match self.page.as_deref() {
            None | Some("") => None,
            Some(p) => Some(
                p.parse()
                    .map_err(|_| Error::field("page", "ページ番号が正しくありません"))?,
            ),
        };
        Ok(GiftQuery {
            category,
            q: Some(self.q.clone()),
            min_amount,
            max_amount,
            in_stock: self.in_stock.as_ref().map(|_| true),
            sort,
            page,
            per_page: Some(PER_PAGE),
        })
    }

    /// This list's URL at another page.
    fn url_of_page(&self, lang: Lang, page: i64) -> String {
        let form = ListForm {
            page: Some(page.to_string()),
            ..self.clone()
        };
        format!(
            "{}/gifts?{}",
            lang.root(),
            serde_urlencoded::to_string(form).unwrap_or_default()
        )
    }
}

async fn home(visit: Visit) -> HttpResponse {
    let (page, state) = (visit.page(), &visit.state);
    let popular = GiftQuery {
        sort: Some(GiftSort::Popular),
        per_page: Some(6),
        ..GiftQuery::default()
    };
    let browse = match Browse::check(popular) {
        Ok(b) => b,
        Err(e) => return page.error(e),
    };
    let today = japan_today();
    let loaded = state
        .db
        .run(move |conn| {
            let popular = browse::offered(conn, &browse, today)?.items;
            let (organizations, _) = NamedList::Organizations.list(conn, true, 0, 100)?;
            let (purposes, _) = NamedList::Purposes.list(conn, true, 0, 100)?;
            Ok((popular, organizations, purposes))
        })
        .await;
    match loaded {
        Ok((popular, organizations, purposes)) => page.render(
            StatusCode::OK,
            "home.html",
            context! { categories => categories(page.lang()), popular, organizations, purposes },
        ),
        Err(e) => page.error(e),
    }
}

async fn list(visit: Visit) -> HttpResponse {
    let (page, state) = (visit.page(), &visit.state);
    let form: ListForm = serde_urlencoded::from_str(visit.req.query_string()).unwrap_or_default();
    let lang = page.lang();
    let bands: Vec<_> = BANDS
        .iter()
        .map(|(key, label, ..)| context! { key, label => lang.text(label) })
        .collect();
    let sorts: Vec<_> = SORTS
        .iter()
        .map(|(key, label)| context! { key, label => lang.text(label) })
        .collect();
    let checked = form.to_query().and_then(Browse::check);
    let today = japan_today();
    let (result, problem) = match checked {
        Ok(browse) => match state
            .db
            .run(move |c| browse::offered(c, &browse, today))
            .await
        {
            Ok(p) => (Some(p), None),
            Err(e) => return page.error(e),
        },
        Err(e) => (None, Some(page.message(&e))),
    };
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (gifts, total, number, per_page) = match result {
        Some(p) => (p.items, p.total, p.page, p.per_page),
        None => (Vec::new(), 0, 1, PER_PAGE),
    };
    let pages = ((total + per_page - 1) / per_page).max(1);
    page.render(
        status,
        "gifts.html",
        context! {
            form => &form,
            categories => categories(lang),
            bands, sorts, gifts, total, problem,
            page => number,
            pages,
            first => (number - 1) * per_page + 1,
            last => (number * per_page).min(total),
            previous => (number > 1).then(|| form.url_of_page(lang, number - 1)),
            next => (number < pages).then(|| form.url_of_page(lang, number + 1)),
        },
    )
}

async fn gift(visit: Visit, id: web::Path<String>) -> HttpResponse {
    let (page, state) = (visit.page(), &visit.state);
    let today = japan_today();
    let id = id.into_inner();
    let loaded = state
        .db
        .run(move |c| {
            let Some(gift) = browse::offered_gift(c, &id, today)? else {
                return Ok(None);
            };
            // An on-site voucher gift shows where it can be used.
            let partners = if gift.category == Category::OnSite {
                crate::catalogue::store::public_partners(c, 0, 1000)?.0
            } else {
                Vec::new()
            };
            Ok(Some((gift, partners)))
        })
        .await;
    match loaded {
        Ok(Some((gift, partners))) => {
            let description_lines: Vec<&str> = gift.description.lines().collect();
            page.render(
                StatusCode::OK,
                "gift.html",
                context! { gift, description_lines, partners },
            )
        }
        Ok(None) => page.error(gift_not_on_offer()),
        Err(e) => page.error(e),
    }
}

/// The shops where on-site vouchers can be used.
async fn partners(visit: Visit) -> HttpResponse {
    let (page, state) = (visit.page(), &visit.state);
    match state
        .db
        .run(|c| crate::catalogue::store::public_partners(c, 0, 1000))
        .await
    {
        Ok((partners, _)) => page.render(StatusCode::OK, "partners.html", context! { partners }),
        Err(e) => page.error(e),
    }
}

/// The pages at `prefix` (the Japanese root, or the English one).
pub fn services_at(prefix: &str, cfg: &mut web::ServiceConfig) {
    cfg.route(&format!("{prefix}/"), web::get().to(home))
        .route(&format!("{prefix}/gifts"), web::get().to(list))
        .route(&format!("{prefix}/gifts/{{id}}"), web::get().to(gift))
        .route(&format!("{prefix}/partners"), web::get().to(partners));
}
