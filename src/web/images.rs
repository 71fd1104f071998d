//! `/images/{id}`: gift pictures from the database, so any instance serves them. An id always
//! names the same bytes (pictures are added and removed, never changed), so browsers and proxies
//! may keep them for a year without asking again.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::render::Visit;
use crate::catalogue::images;

async fn image(visit: Visit, id: web::Path<String>) -> HttpResponse {
    let id = id.into_inner();
    match visit.state.db.run(move |c| images::bytes_of(c, &id)).await {
        Ok((format, bytes)) => HttpResponse::Ok()
            .content_type(format.as_str())
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(bytes),
        Err(e) => visit.error(e),
    }
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/images/{id}", web::get().to(image));
}
