//! Static files built into the binary. Each is served as `/static/<name>?v=<hash of content>`,
//! so it can be cached for a year and a new build is fetched at once.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

/// A file of `static/` as served: its name there and its content type.
macro_rules! asset {
    ($name:literal, $content_type:literal) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_bytes!(concat!("../../static/", $name)),
        }
    };
}

const ASSETS: &[Asset] = &[
    asset!("site.css", "text/css; charset=utf-8"),
    asset!("till.js", "text/javascript; charset=utf-8"),
    asset!("console.js", "text/javascript; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
];

fn versions() -> &'static Vec<(&'static str, String)> {
    static VERSIONS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    VERSIONS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| (a.name, hex::encode(&Sha256::digest(a.body)[..6])))
            .collect()
    })
}

/// The URL of an asset, fingerprinted by its content; templates call it as `asset("site.css")`.
pub fn url(name: &str) -> String {
    match versions().iter().find(|(n, _)| *n == name) {
        Some((n, v)) => format!("/static/{n}?v={v}"),
        None => format!("/static/{name}"),
    }
}

async fn serve(name: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|a| a.name == name.as_str()) {
        Some(asset) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(asset.body),
        None => HttpResponse::NotFound().finish(),
    }
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{name}", web::get().to(serve));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_carry_the_content_hash() {
        let css = url("site.css");
        assert!(css.starts_with("/static/site.css?v="), "{css}");
        assert_eq!(css.len(), "/static/site.css?v=".len() + 12);
    }
}
