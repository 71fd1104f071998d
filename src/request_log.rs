//! One log line per request: request id, method, route template, status, latency; the same
//! figures go to `/metrics`. Never the raw
//! path or query (they may hold voucher codes or tokens), never bodies.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;
use uuid::Uuid;

pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = Uuid::new_v4().to_string();
    // A standard method clones without allocating.
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %request_id);
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    // Rounded to 0.1 ms as a number: no string formatted per request.
    let elapsed = started.elapsed();
    let latency_ms = (elapsed.as_secs_f64() * 10_000.0).round() / 10.0;
    let _entered = span.enter();
    match result {
        Ok(mut res) => {
            let route = res
                .request()
                .match_pattern()
                .unwrap_or_else(|| "<unmatched>".to_owned());
            let status = res.status().as_u16();
            if let Some(state) = res
                .request()
                .app_data::<actix_web::web::Data<crate::state::AppState>>()
            {
                state
                    .metrics
                    .observe_request(method.as_str(), &route, status, elapsed);
            }
            tracing::info!(method = method.as_str(), %route, status, latency_ms, "request");
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                res.headers_mut()
                    .insert(HeaderName::from_static("x-request-id"), value);
            }
            Ok(res)
        }
        Err(e) => {
            tracing::warn!(
                method = method.as_str(),
                status = e.as_response_error().status_code().as_u16(),
                latency_ms,
                "request failed"
            );
            Err(e)
        }
    }
}
