//! Public catalogue routes.

pub fn services(_cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {}
