//! Staff routes for orders (`/api/v1/admin/orders`, every vendor's) and vendor logins; the
//! handlers share `routes::serve` with the vendor door.

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::fulfil::OrderCommand;
use super::routes::{
    command_routes, serve, shipment_of, tracking_route, ExportQuery, OrderReadErrors,
    OrderWriteErrors, StatementErrors, StatementQuery, TrackingErrors,
};
use super::store::OrderScope;
use super::tracking::TrackingOutcome;
use super::views::{DeliverRequest, HoldRequest, Order, OrderQuery, ShipRequest, VendorStatement};
use crate::auth::{AdminUser, StaffUser};
use crate::catalogue::types::{LoginRequest, PartnerCreated};
use crate::error::Result;
use crate::http::Page;
use crate::state::AppState;
use crate::vouchers::partner_admin_routes::write_with_login;
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

tracking_route! {
    /// Tracking numbers from a CSV for any vendor's orders (as the vendor route).
    POST "/admin/orders/tracking" as "admin_upload_tracking";
    fn upload_tracking(AdminUser);
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

command_routes! {
    /// Accept an order for its vendor (e.g. one that orders by phone).
    POST "/admin/orders/{id}/accept" as "admin_accept_order";
    fn accept_order(AdminUser) => OrderCommand::Accept;

    /// Record a shipment for its vendor.
    POST "/admin/orders/{id}/shipment" as "admin_ship_order";
    fn ship_order(AdminUser, body: ShipRequest)
        => OrderCommand::Ship(shipment_of(body.into_inner()));

    /// Mark an order delivered.
    POST "/admin/orders/{id}/delivery" as "admin_deliver_order";
    fn deliver_order(AdminUser, body: DeliverRequest)
        => OrderCommand::Deliver(body.into_inner().delivered_on);

    /// Mark an order returned.
    POST "/admin/orders/{id}/return" as "admin_return_order";
    fn return_order(AdminUser) => OrderCommand::Return;

    /// Hold an order not yet sent, with the reason (the vendor sees it held, not why).
    POST "/admin/orders/{id}/hold" as "admin_hold_order";
    fn hold_order(AdminUser, body: HoldRequest) => OrderCommand::Hold(body.into_inner().reason);

    /// Release a held order to where it was.
    POST "/admin/orders/{id}/release" as "admin_release_order";
    fn release_order(AdminUser) => OrderCommand::Release;
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
    let (actor, id) = (admin.0.id, id.into_inner());
    let created = write_with_login(
        &state,
        body.into_inner(),
        |settings, b| NewLogin::prepare(settings, &b.email, &b.password),
        move |conn, settings, _, login| {
            partners::create_vendor_login(conn, settings, &actor, &id, login)
        },
    )
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
