//! Staff routes for orders (`/api/v1/admin/orders`, every vendor's) and vendor logins; the
//! handlers share `routes::serve` with the vendor door.

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::fulfil::OrderCommand;
use super::routes::{
    serve, shipment_of, ExportQuery, OrderReadErrors, OrderWriteErrors, StatementErrors,
    StatementQuery, TrackingErrors,
};
use super::store::OrderScope;
use super::tracking::TrackingOutcome;
use super::views::{DeliverRequest, HoldRequest, Order, OrderQuery, ShipRequest, VendorStatement};
use crate::auth::{AdminUser, StaffUser};
use crate::catalogue::types::{LoginRequest, PartnerCreated};
use crate::error::Result;
use crate::http::Page;
use crate::state::AppState;
use crate::vouchers::partners::{self, NewLogin};

crate::problems!(
    /// Adding a vendor login.
    VendorLoginErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, BusinessNotFound, EmailTaken
);

/// Every vendor's orders, oldest first; `attention=true` for those staff must look at.
#[utoipa::path(
    operation_id = "admin_list_orders",
    params(OrderQuery), responses((status = 200, body = Page<Order>), OrderReadErrors))]
#[get("/admin/orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    _staff: StaffUser,
    q: web::Query<OrderQuery>,
) -> Result<web::Json<Page<Order>>> {
    serve::list(&state, OrderScope::Staff, q.into_inner()).await
}

/// Orders as CSV (new orders of every vendor unless `status`/`vendor_id` say).
#[utoipa::path(
    operation_id = "admin_export_orders",
    params(ExportQuery),
    responses((status = 200, description = "CSV (UTF-8 with BOM, or Shift_JIS)", content_type = "text/csv", body = String), OrderReadErrors)
)]
#[get("/admin/orders/export")]
pub async fn export_orders(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: StaffUser,
    q: web::Query<ExportQuery>,
) -> Result<HttpResponse> {
    staff.may_export_personal_data()?;
    serve::export(&state, &req, OrderScope::Staff, q.into_inner()).await
}

/// Tracking numbers from a CSV for any vendor's orders (as the vendor route).
#[utoipa::path(
    operation_id = "admin_upload_tracking",
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses(
        (status = 200, body = TrackingOutcome),
        (status = 422, description = "import_rejected: every bad line", body = crate::imports::routes::ImportProblem, content_type = "application/problem+json"),
        TrackingErrors,
    )
)]
#[post("/admin/orders/tracking")]
pub async fn upload_tracking(
    state: web::Data<AppState>,
    req: HttpRequest,
    admin: AdminUser,
    body: web::Bytes,
) -> Result<HttpResponse> {
    crate::imports::routes::check_content_type(&req)?;
    serve::tracking(&state, admin.0.id, OrderScope::Staff, body).await
}

/// One order, with why it is held or flagged.
#[utoipa::path(
    operation_id = "admin_get_order",
    params(("id" = String, Path)), responses((status = 200, body = Order), OrderReadErrors))]
#[get("/admin/orders/{id}")]
pub async fn get_order(
    state: web::Data<AppState>,
    _staff: StaffUser,
    id: web::Path<String>,
) -> Result<web::Json<Order>> {
    serve::one(&state, OrderScope::Staff, id.into_inner()).await
}

async fn staff_command(
    state: &AppState,
    admin: AdminUser,
    id: String,
    command: OrderCommand,
) -> Result<web::Json<Order>> {
    serve::command(state, admin.0.id, OrderScope::Staff, id, command).await
}

/// Accept an order for its vendor (e.g. one that orders by phone).
#[utoipa::path(
    operation_id = "admin_accept_order",
    params(("id" = String, Path)), responses((status = 200, body = Order), OrderWriteErrors))]
#[post("/admin/orders/{id}/accept")]
pub async fn accept_order(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
) -> Result<web::Json<Order>> {
    staff_command(&state, admin, id.into_inner(), OrderCommand::Accept).await
}

/// Record a shipment for its vendor.
#[utoipa::path(
    operation_id = "admin_ship_order",
    params(("id" = String, Path)), request_body = ShipRequest, responses((status = 200, body = Order), OrderWriteErrors))]
#[post("/admin/orders/{id}/shipment")]
pub async fn ship_order(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: crate::http::Json<ShipRequest>,
) -> Result<web::Json<Order>> {
    let command = OrderCommand::Ship(shipment_of(body.into_inner()));
    staff_command(&state, admin, id.into_inner(), command).await
}

/// Mark an order delivered.
#[utoipa::path(
    operation_id = "admin_deliver_order",
    params(("id" = String, Path)), request_body = DeliverRequest, responses((status = 200, body = Order), OrderWriteErrors))]
#[post("/admin/orders/{id}/delivery")]
pub async fn deliver_order(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: crate::http::Json<DeliverRequest>,
) -> Result<web::Json<Order>> {
    let command = OrderCommand::Deliver(body.into_inner().delivered_on);
    staff_command(&state, admin, id.into_inner(), command).await
}

/// Mark an order returned.
#[utoipa::path(
    operation_id = "admin_return_order",
    params(("id" = String, Path)), responses((status = 200, body = Order), OrderWriteErrors))]
#[post("/admin/orders/{id}/return")]
pub async fn return_order(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
) -> Result<web::Json<Order>> {
    staff_command(&state, admin, id.into_inner(), OrderCommand::Return).await
}

/// Hold an order not yet sent, with the reason (the vendor sees it held, not why).
#[utoipa::path(
    operation_id = "admin_hold_order",
    params(("id" = String, Path)), request_body = HoldRequest, responses((status = 200, body = Order), OrderWriteErrors))]
#[post("/admin/orders/{id}/hold")]
pub async fn hold_order(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: crate::http::Json<HoldRequest>,
) -> Result<web::Json<Order>> {
    let command = OrderCommand::Hold(body.into_inner().reason);
    staff_command(&state, admin, id.into_inner(), command).await
}

/// Release a held order to where it was.
#[utoipa::path(
    operation_id = "admin_release_order",
    params(("id" = String, Path)), responses((status = 200, body = Order), OrderWriteErrors))]
#[post("/admin/orders/{id}/release")]
pub async fn release_order(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
) -> Result<web::Json<Order>> {
    staff_command(&state, admin, id.into_inner(), OrderCommand::Release).await
}

/// A vendor's statement of a month (JSON, or CSV on `Accept: text/csv` or `charset=`).
#[utoipa::path(
    operation_id = "admin_vendor_statement",
    params(("id" = String, Path), StatementQuery), responses((status = 200, body = VendorStatement), StatementErrors))]
#[get("/admin/vendors/{id}/statement")]
pub async fn vendor_statement(
    state: web::Data<AppState>,
    req: HttpRequest,
    _staff: StaffUser,
    id: web::Path<String>,
    q: web::Query<StatementQuery>,
) -> Result<HttpResponse> {
    serve::statement(&state, &req, id.into_inner(), q.into_inner()).await
}

/// Add a login to a vendor business: it sees and fulfils only that vendor's orders. The
/// welcome email never carries the password.
#[utoipa::path(
    operation_id = "admin_create_vendor_login",
    params(("id" = String, Path)),
    request_body = LoginRequest,
    responses((status = 201, body = PartnerCreated), VendorLoginErrors)
)]
#[post("/admin/vendors/{id}/logins")]
pub async fn create_vendor_login(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: crate::http::Json<LoginRequest>,
) -> Result<HttpResponse> {
    let b = body.into_inner();
    let settings = state.settings.clone();
    let s = settings.clone();
    let login = web::block(move || NewLogin::prepare(&s, &b.email, &b.password)).await??;
    let (actor, id) = (admin.0.id, id.into_inner());
    let created = state
        .db
        .write(move |conn| partners::create_vendor_login(conn, &settings, &actor, &id, login))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_orders)
        .service(export_orders)
        .service(upload_tracking)
        .service(get_order)
        .service(accept_order)
        .service(ship_order)
        .service(deliver_order)
        .service(return_order)
        .service(hold_order)
        .service(release_order)
        .service(vendor_statement)
        .service(create_vendor_login);
}
