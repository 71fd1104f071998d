//! One log line per request: request id, method, route template, status, latency; the same
//! figures go to `/metrics`. Never the raw path or query (they may hold voucher codes or tokens),
//! never bodies. The line itself is built by `telemetry::request_line`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;
use uuid::Uuid;

use crate::telemetry::request_line::{request_span, RequestLine};

/// Checked once, at compile time, not per answer.
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut id_text = Uuid::encode_buffer();
    let request_id = &*Uuid::new_v4().hyphenated().encode_lower(&mut id_text);
    // A standard method clones without allocating.
    let method = req.method().clone();
    let span = request_span(request_id);
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    // Rounded to 0.1 ms, in whole tenths: no float formatted per request.
    let latency_tenths_ms = (elapsed.as_micros() + 50) / 100;
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
            RequestLine {
                request_id,
                method: method.as_str(),
                route: &route,
                status,
                latency_tenths_ms: u64::try_from(latency_tenths_ms).unwrap_or(u64::MAX),
            }
            .log(&span);
            if let Ok(value) = HeaderValue::from_str(request_id) {
                res.headers_mut().insert(X_REQUEST_ID, value);
            }
            Ok(res)
        }
        Err(e) => {
            let _entered = span.enter();
            tracing::warn!(
                method = method.as_str(),
                status = e.as_response_error().status_code().as_u16(),
                latency_ms = latency_tenths_ms as f64 / 10.0,
                "request failed"
            );
            Err(e)
        }
    }
}
