//! Liveness and readiness probes.

use actix_web::{get, web, HttpResponse};

use crate::error::Result;
use crate::state::AppState;

crate::problems!(
    /// The database cannot be reached.
    ReadyErrors: ServiceUnavailable
);

/// 200 while the process runs.
#[utoipa::path(operation_id = "health_live", responses((status = 200, description = "The process is running")))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// 200 when the database answers, else 503.
#[utoipa::path(
    operation_id = "health_ready",
    responses(
        (status = 200, description = "The database answers"),
        ReadyErrors,
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse> {
    let timeout = std::time::Duration::from_millis(state.settings.database.ready_timeout_ms);
    state.db.ready(timeout).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ok"})))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(live).service(ready);
}
