//! GET /api/openapi.json.

use std::sync::Arc;

use actix_web::{get, web, HttpResponse};

/// The generated document, built once per worker from the registered routes.
pub struct Document(pub Arc<utoipa::openapi::OpenApi>);

/// This OpenAPI 3.1 document.
#[utoipa::path(operation_id = "get_openapi_document", responses((status = 200, description = "OpenAPI 3.1 document")))]
#[get("/api/openapi.json")]
pub async fn openapi_json(doc: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok().json(doc.0.as_ref())
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(openapi_json);
}
