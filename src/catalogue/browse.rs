//! Browsing the public catalogue: the one reading of a list request and the one query behind
//! both `GET /api/v1/gifts` and the storefront's gift pages.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::images;
use super::store::{self, GiftRow, PublicFilter};
use super::types::{GiftQuery, GiftSort, PublicGift};
use crate::db::DbConnection;
use crate::domain::search::SearchTerms;
use crate::error::{Error, ErrorCode, Result};
use crate::http::{Page, Paging};

/// A checked list request; on the same Japan date, equal requests have equal answers (it keys
/// the catalogue cache).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Browse {
    pub filter: PublicFilter,
    /// Keywords: every word must appear in the name, description, code or vendor.
    pub terms: SearchTerms,
    pub sort: GiftSort,
    pub paging: Paging,
}

impl Browse {
    /// Checks a list request: paging bounds, a price band that is not upside down.
    pub fn check(q: GiftQuery) -> Result<Browse> {
        let paging = Paging::from_query(q.page, q.per_page)?;
        if let (Some(min), Some(max)) = (q.min_amount, q.max_amount) {
            if min > max {
                return Err(Error::field("min_amount", "must not be above max_amount"));
            }
        }
        let filter = PublicFilter {
            category: q.category,
            min_amount: q.min_amount,
            max_amount: q.max_amount,
            in_stock: q.in_stock,
        };
        Ok(Browse {
            filter,
            terms: SearchTerms::parse(q.q.as_deref().unwrap_or_default()),
            sort: q.sort.unwrap_or(GiftSort::Newest),
            paging,
        })
    }
}

/// The page of gifts on offer `today` that the request asks for.
pub fn offered(
    conn: &mut DbConnection,
    browse: &Browse,
    today: NaiveDate,
) -> Result<Page<PublicGift>> {
    let mut gifts = store::offered_gifts(conn, &browse.filter, today)?;
    if !browse.terms.is_empty() {
        gifts.retain(|(g, vendor)| {
            let fields = [g.name.as_str(), &g.description, &g.code, vendor];
            browse.terms.match_any_field(&fields)
        });
    }
    let popularity = if browse.sort == GiftSort::Popular {
        store::popularity(conn, store::popularity_window_start())?
    } else {
        HashMap::new()
    };
    sort_gifts(&mut gifts, browse.sort, &popularity);
    let paging = browse.paging;
    let total = gifts.len() as i64;
    let mut items: Vec<PublicGift> = gifts
        .iter()
        .skip(paging.offset() as usize)
        .take(paging.per_page as usize)
        .map(|(g, vendor)| g.public(vendor))
        .collect();
    let ids: Vec<&str> = items.iter().map(|g| g.id.as_str()).collect();
    let mut pictures = images::of_gifts(conn, &ids)?;
    for gift in &mut items {
        gift.images = pictures.remove(&gift.id).unwrap_or_default();
    }
    Ok(Page::new(items, paging, total))
}

/// One gift if it is on offer `today`.
pub fn offered_gift(
    conn: &mut DbConnection,
    id: &str,
    today: NaiveDate,
) -> Result<Option<PublicGift>> {
    let Some(mut gift) = store::find_gift(conn, id)?
        .filter(|(gift, _)| gift.is_offered_on(today))
        .map(|(gift, vendor)| gift.public(&vendor))
    else {
        return Ok(None);
    };
    gift.images = images::of_gifts(conn, &[id])?
        .remove(id)
        .unwrap_or_default();
    Ok(Some(gift))
}

fn sort_gifts(gifts: &mut [(GiftRow, String)], sort: GiftSort, popularity: &HashMap<String, i64>) {
    let by_code = |a: &GiftRow, b: &GiftRow| a.code.cmp(&b.code);
    match sort {
        GiftSort::AmountAsc => {
            gifts.sort_by(|a, b| a.0.amount.cmp(&b.0.amount).then(by_code(&a.0, &b.0)))
        }
        GiftSort::AmountDesc => {
            gifts.sort_by(|a, b| b.0.amount.cmp(&a.0.amount).then(by_code(&a.0, &b.0)))
        }
        GiftSort::Newest => gifts.sort_by(|a, b| {
            b.0.created_at
                .cmp(&a.0.created_at)
                .then(by_code(&a.0, &b.0))
        }),
        GiftSort::Popular => gifts.sort_by(|a, b| {
            let count = |g: &GiftRow| popularity.get(&g.id).copied().unwrap_or(0);
            count(&b.0).cmp(&count(&a.0)).then(by_code(&a.0, &b.0))
        }),
    }
}

/// The answer for a gift that does not exist or is not on offer today: the same for both.
pub fn gift_not_on_offer() -> Error {
    Error::rejected(ErrorCode::GiftNotFound, "No such gift is on offer.")
}
