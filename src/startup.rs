//! Builds the application: database, migrations, bootstrap, HTTP server on its own listener.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::{ResourceDef, Server, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use secrecy::ExposeSecret;
use tokio::sync::watch;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::config::Settings;
use crate::db::Db;
use crate::error::{problem_response, Error, ErrorCode};
use crate::state::AppState;
use crate::{auth, background, bootstrap, health, openapi, request_log};

pub struct Application {
    port: u16,
    server: Server,
    /// The separate metrics listener (`metrics.listen`): its port and server.
    metrics: Option<(u16, Server)>,
    state: AppState,
}

impl Application {
    /// Connects, migrates, bootstraps and binds. `server.port = 0` picks a free port (tests).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let db = Db::new(&settings.database)?;
        let state = AppState::new(settings, db)?;
        let prepare = state.clone();
        tokio::task::spawn_blocking(move || bootstrap::prepare_database(&prepare)).await??;

        let settings = state.settings.clone();
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))?;
        let port = listener.local_addr()?.port();
        let app_state = state.clone();
        let mut server = HttpServer::new(move || build_app(app_state.clone()))
            .listen(listener)?
            .shutdown_timeout(30);
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        let metrics = metrics_server(&state)?;
        Ok(Application {
            port,
            server: server.run(),
            metrics,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the separate metrics address, when `metrics.listen` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// Serves until the server stops (SIGTERM/SIGINT), running the background workers beside it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let workers = background::spawn(self.state.clone(), stop_rx);
        let metrics = self.metrics.map(|(_, server)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let result = self.server.await;
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        // The workers finish the item in hand, then stop.
        let _ = stop_tx.send(true);
        for worker in workers {
            let _ = worker.await;
        }
        result
    }
}

/// `/metrics` alone on `metrics.listen`, without a token: for a network only the operator reaches.
fn metrics_server(state: &AppState) -> anyhow::Result<Option<(u16, actix_web::dev::Server)>> {
    let address = &state.settings.metrics.listen;
    if address.is_empty() {
        return Ok(None);
    }
    let listener = TcpListener::bind(address.as_str())?;
    let port = listener.local_addr()?.port();
    let data = web::Data::new(state.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/metrics", web::get().to(crate::metrics::routes::open))
    })
    .workers(1)
    .listen(listener)?
    .run();
    Ok(Some((port, server)))
}

/// Path templates of every documented route with their methods, to tell 405 from 404; and the
/// literal paths among them, looked up by path.
struct KnownRoutes(
    Vec<(ResourceDef, Vec<Method>)>,
    std::collections::HashMap<String, Vec<Method>>,
);

fn known_routes(api: &utoipa::openapi::OpenApi) -> KnownRoutes {
    let all: Vec<(ResourceDef, Vec<Method>)> = api
        .paths
        .paths
        .iter()
        .map(|(path, item)| {
            let methods = [
                (&item.get, Method::GET),
                (&item.post, Method::POST),
                (&item.put, Method::PUT),
                (&item.patch, Method::PATCH),
                (&item.delete, Method::DELETE),
            ]
            .into_iter()
            .filter(|(op, _)| op.is_some())
            .map(|(_, m)| m)
            .collect();
            (ResourceDef::new(path.as_str()), methods)
        })
        .collect();
    let literal = all
        .iter()
        .filter_map(|(def, methods)| {
            let path = def.pattern().filter(|p| !p.contains('{'))?;
            Some((path.to_owned(), methods.clone()))
        })
        .collect();
    KnownRoutes(all, literal)
}

/// Unknown routes (404) and known routes with the wrong method (405), as problem+json.
async fn not_found(req: HttpRequest, routes: web::Data<KnownRoutes>) -> HttpResponse {
    // A literal path asked with another method never gets here (`literal_path_refusal`).
    let allowed: Vec<String> = routes
        .0
        .iter()
        .filter(|(def, _)| def.is_match(req.path()))
        .flat_map(|(_, methods)| methods.iter().map(|m| m.to_string()))
        .collect();
    if allowed.is_empty() {
        return problem_response(
            StatusCode::NOT_FOUND,
            ErrorCode::RouteNotFound,
            "No such route. See /api/openapi.json.",
            None,
        );
    }
    method_not_allowed(req.method(), &allowed)
}

fn method_not_allowed(method: &Method, allowed: &[String]) -> HttpResponse {
    let mut response = problem_response(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        &format!("{method} is not allowed here; use {}.", allowed.join(", ")),
        None,
    );
    if let Ok(value) = header::HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// The request gate, one middleware before routing (one layer, not three: each layer costs every
/// request a boxed future). A refusal is an answer like any other, so the request log gives it
/// its line, its metrics and its `X-Request-Id`.
async fn request_gate<B: actix_web::body::MessageBody + 'static>(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<B>>, actix_web::Error> {
    match refusal(&req).await {
        Some(answer) => Ok(req.into_response(answer).map_into_right_body()),
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

/// The gate's checks in order: the role a path prefix needs (`auth::extractors::admit_role`:
/// 401/403), then the method of a literal path (405), then the path and query text
/// (`http::text::check_path_and_query`: 400); so a request without a login learns nothing about
/// what it sent.
async fn refusal(req: &actix_web::dev::ServiceRequest) -> Option<HttpResponse> {
    use actix_web::ResponseError;
    if let Err(e) = auth::extractors::admit_role(req).await {
        return Some(e.error_response());
    }
    if let Some(answer) = literal_path_refusal(req) {
        return Some(answer);
    }
    crate::http::text::check_path_and_query(req)
        .err()
        .map(|e| e.error_response())
}

/// A literal documented path asked with a method it does not take answers 405 before routing:
/// actix would otherwise route `GET /admin/orders/tracking` to `GET /admin/orders/{id}` (a 404).
fn literal_path_refusal(req: &actix_web::dev::ServiceRequest) -> Option<HttpResponse> {
    let routes = req.app_data::<web::Data<KnownRoutes>>()?;
    let methods = routes.1.get(req.path())?;
    let method = req.method();
    let takes =
        methods.contains(method) || (*method == Method::HEAD && methods.contains(&Method::GET));
    (!takes).then(|| {
        let allowed: Vec<String> = methods.iter().map(Method::to_string).collect();
        method_not_allowed(method, &allowed)
    })
}

/// A stable code for error responses produced by actix itself (not by our `Error`).
fn code_for_status(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::BAD_REQUEST => ErrorCode::BadRequest,
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
        StatusCode::FORBIDDEN => ErrorCode::Forbidden,
        StatusCode::NOT_FOUND => ErrorCode::RouteNotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        StatusCode::REQUEST_TIMEOUT => ErrorCode::RequestTimeout,
        s if s.is_server_error() => ErrorCode::InternalError,
        _ => ErrorCode::RequestFailed,
    }
}

/// Rewrites any error response that is not already problem+json, so clients see one shape.
fn ensure_problem<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Ours already: problem+json from the API, or an error page for a person.
    let is_ours = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json") || v.starts_with("text/html"));
    if is_ours {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = if status.is_server_error() {
        "An unexpected error occurred. It has been logged.".to_owned()
    } else {
        match res.response().error() {
            Some(e) => e.to_string(),
            None => status.canonical_reason().unwrap_or("Error").to_owned(),
        }
    };
    let (req, _) = res.into_parts();
    let response = problem_response(status, code_for_status(status), &detail, None);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}

fn json_error(err: actix_web::error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    match err {
        J::OverflowKnownLength { limit, .. } | J::Overflow { limit } => Error::rejected(
            ErrorCode::PayloadTooLarge,
            format!("The body is larger than {limit} bytes."),
        ),
        J::ContentType => Error::rejected(
            ErrorCode::UnsupportedMediaType,
            "Send the body as application/json.",
        ),
        J::Deserialize(e) if crate::http::is_duplicate_key(&e) => Error::rejected(
            ErrorCode::MalformedJson,
            format!("The body gives a key twice: {e}"),
        ),
        J::Deserialize(e) if e.is_data() => Error::field("body", e.to_string()),
        J::Deserialize(e) => Error::rejected(
            ErrorCode::MalformedJson,
            format!("The body is not valid JSON: {e}"),
        ),
        other => Error::rejected(ErrorCode::MalformedJson, other.to_string()),
    }
    .into()
}

fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    Error::rejected(
        ErrorCode::InvalidQuery,
        format!("Invalid query string: {err}"),
    )
    .into()
}

fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    Error::rejected(
        ErrorCode::InvalidPath,
        format!("Invalid path parameter: {err}"),
    )
    .into()
}

fn cors(origins: &[String]) -> Cors {
    let cors = origins
        .iter()
        .fold(Cors::default(), |c, o| c.allowed_origin(o));
    cors.allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::ETAG, header::RETRY_AFTER])
        .max_age(3600)
}

/// The whole route table; also used to produce the OpenAPI document without a server.
pub fn api_routes<T>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T>
where
    T: actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Error = actix_web::Error,
        InitError = (),
    >,
{
    app.configure(health::services)
        .configure(crate::openapi::routes::services)
        .service(
            utoipa_actix_web::scope("/api/v1")
                .configure(auth::routes::services)
                .configure(crate::catalogue::routes::services)
                .configure(crate::catalogue::admin_routes::services)
                .configure(crate::donations::routes::services)
                .configure(crate::donations::admin_routes::services)
                .configure(crate::payments::routes::services)
                .configure(crate::vouchers::routes::services)
                .configure(crate::vouchers::admin_routes::services)
                .configure(crate::vouchers::partner_admin_routes::services)
                .configure(crate::audit::routes::services)
                .configure(crate::email::routes::services)
                .configure(crate::reports::routes::services)
                .configure(crate::costs::routes::services)
                .configure(crate::imports::routes::services)
                .configure(crate::identities::routes::services)
                .configure(crate::orders::routes::services)
                .configure(crate::orders::admin_routes::services)
                .configure(crate::one_stop::notice_routes::services)
                .configure(crate::one_stop::routes::services),
        )
}

/// The OpenAPI document of every registered route.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, api) = api_routes(
        App::new()
            .into_utoipa_app()
            .openapi(openapi::ApiDoc::openapi()),
    )
    .split_for_parts();
    openapi::finish(api)
}

fn build_app(
    state: AppState,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let server = state.settings.server.clone();
    let (app, api) = api_routes(
        App::new()
            .into_utoipa_app()
            .openapi(openapi::ApiDoc::openapi())
            .app_data(web::Data::new(state.clone()))
            .app_data(
                web::JsonConfig::default()
                    .limit(server.json_limit_bytes)
                    .error_handler(json_error),
            )
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .app_data(web::PayloadConfig::default().limit(server.upload_limit_bytes)),
    )
    .split_for_parts();
    let api = openapi::finish(api);
    let routes = web::Data::new(known_routes(&api));
    app.app_data(web::Data::new(crate::openapi::routes::Document(Arc::new(
        crate::openapi::to_json(&api),
    ))))
    .app_data(routes)
    .configure(crate::web::services)
    .configure(|cfg| {
        // Only where the settings allow the test provider (never in production).
        if state.settings.payment.provider == "test" {
            crate::payments::test_provider::services(cfg);
        }
    })
    .route(
        "/metrics",
        web::get().to(crate::metrics::routes::with_token),
    )
    .service(web::redirect("/api/docs", "/api/docs/"))
    .service(crate::openapi::routes::interactive_docs())
    .default_service(web::to(not_found))
    .wrap(actix_web::middleware::from_fn(request_gate))
    .wrap(cors(&server.cors_origins))
    .wrap(ErrorHandlers::new().default_handler(ensure_problem))
    .wrap(actix_web::middleware::from_fn(request_log::log_request))
}

/// Used by the CLI: the pool with migrations applied.
pub fn database(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::new(&settings.database)?;
    db.migrate().map_err(|e| {
        anyhow::anyhow!(
            "{e} (database.url scheme: {})",
            settings
                .database
                .url
                .expose_secret()
                .split(':')
                .next()
                .unwrap_or("?")
        )
    })?;
    Ok(db)
}
