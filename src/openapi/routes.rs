//! GET /api/openapi.json and the interactive documentation at /api/docs/.

use std::sync::Arc;

use actix_web::{get, web, HttpResponse};

/// The generated document, built once per worker from the registered routes.
pub struct Document(pub Arc<serde_json::Value>);

/// This OpenAPI 3.1 document.
#[utoipa::path(operation_id = "get_openapi_document", responses((status = 200, description = "OpenAPI 3.1 document")))]
#[get("/api/openapi.json")]
pub async fn openapi_json(doc: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok().json(doc.0.as_ref())
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(openapi_json);
}

/// Swagger UI at `/api/docs/`, its assets built into the binary (no network needed), reading
/// the document from `/api/openapi.json`.
pub fn interactive_docs() -> utoipa_swagger_ui::SwaggerUi {
    utoipa_swagger_ui::SwaggerUi::new("/api/docs/{_:.*}")
        .config(utoipa_swagger_ui::Config::from("/api/openapi.json"))
}
