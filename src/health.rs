//! Liveness and readiness probes.

use actix_web::{get, web, HttpResponse};
use diesel::prelude::*;

use crate::error::{Error, Problem, Result};
use crate::state::AppState;

/// 200 while the process runs.
#[utoipa::path(tag = "health", responses((status = 200, description = "The process is running")))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// 200 when the database answers, else 503.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "The database answers"),
        (status = 503, description = "service_unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse> {
    state
        .db
        .run(|conn| {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1"))
                .execute(conn)
                .map_err(|e| Error::Unavailable(e.into()))
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ok"})))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(live).service(ready);
}
