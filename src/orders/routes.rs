//! Vendor routes (`/api/v1/vendor/`): a vendor's own orders, their CSV out and tracking numbers
//! in, and its monthly statement. The handlers here and in `admin_routes` share `serve`: only
//! the scope differs (a vendor's own orders, or every vendor's for staff).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::fulfil::{act, OrderCommand};
use super::store::{self, OrderFilter, OrderScope};
use super::tracking::{self, TrackingError, TrackingOutcome};
use super::views::{DeliverRequest, Order, OrderQuery, ShipRequest, VendorStatement};
use super::{export, statement};
use crate::auth::VendorUser;
use crate::db::write_transaction;
use crate::domain::order::{OrderStatus, ShipmentInput};
use crate::domain::FieldError;
use crate::error::{Error, Result};
use crate::http::{csv_download, CsvCharset, Page, Paging};
use crate::state::AppState;

crate::problems!(
    /// Reading orders.
    OrderReadErrors: Unauthorized, Forbidden, InvalidQuery, ValidationFailed, OrderNotFound
);
crate::problems!(
    /// Changing an order.
    OrderWriteErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, OrderNotFound, OrderStateConflict
);
crate::problems!(
    /// Sending a tracking file.
    TrackingErrors: Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType
);
crate::problems!(
    /// A vendor's statement.
    StatementErrors: Unauthorized, Forbidden, InvalidQuery, ValidationFailed, BusinessNotFound
);

/// What the routes of both doors share, given the reader's scope.
pub mod serve {
    use super::*;

    /// A page of orders under `scope`; vendor-only filters are refused to vendors.
    pub async fn list(
        state: &AppState,
        scope: OrderScope,
        q: OrderQuery,
    ) -> Result<web::Json<Page<Order>>> {
        let paging = Paging::from_query(q.page, q.per_page)?;
        let filter = filter_of(&scope, &q)?;
        let shown = scope.clone();
        let (records, total) = state
            .db
            .run(move |c| store::list(c, &scope, &filter, paging.offset(), paging.per_page))
            .await?;
        let items = records.iter().map(|r| Order::of(r, &shown)).collect();
        Ok(web::Json(Page::new(items, paging, total)))
    }

    pub fn filter_of(scope: &OrderScope, q: &OrderQuery) -> Result<OrderFilter> {
        if matches!(scope, OrderScope::Vendor(_)) {
            let staff_only = [
                ("vendor_id", q.vendor_id.is_some()),
                ("attention", q.attention.is_some()),
            ];
            let fields: Vec<FieldError> = staff_only
                .into_iter()
                .filter(|(_, given)| *given)
                .map(|(name, _)| FieldError::new(name, "is for staff only"))
                .collect();
            if !fields.is_empty() {
                return Err(Error::Validation(fields));
            }
        }
        Ok(OrderFilter {
            status: q.status,
            vendor_id: q.vendor_id.clone(),
            attention: q.attention.unwrap_or(false),
        })
    }

    pub async fn one(state: &AppState, scope: OrderScope, id: String) -> Result<web::Json<Order>> {
        let shown = scope.clone();
        let record = state.db.run(move |c| store::find(c, &scope, &id)).await?;
        Ok(web::Json(Order::of(&record, &shown)))
    }

    pub async fn command(
        state: &AppState,
        actor_id: String,
        scope: OrderScope,
        id: String,
        command: OrderCommand,
    ) -> Result<web::Json<Order>> {
        let settings = state.settings.clone();
        let shown = scope.clone();
        let acted = state
            .db
            .write(move |c| act(c, &settings, &actor_id, &scope, &id, command))
            .await?;
        Ok(web::Json(Order::of(&acted.order, &shown)))
    }

    pub async fn export(
        state: &AppState,
        req: &HttpRequest,
        scope: OrderScope,
        q: ExportQuery,
    ) -> Result<HttpResponse> {
        let filter = OrderFilter {
            status: Some(q.status.unwrap_or(OrderStatus::New)),
            vendor_id: q.vendor_id.clone(),
            attention: false,
        };
        if matches!(scope, OrderScope::Vendor(_)) && q.vendor_id.is_some() {
            return Err(Error::field("vendor_id", "is for staff only"));
        }
        let records = state
            .db
            .run(move |c| store::all(c, &scope, &filter))
            .await?;
        let body = export::orders_csv(&records)?;
        let charset = CsvCharset::of(req, q.charset);
        Ok(csv_download(body, charset, "orders.csv"))
    }

    pub async fn tracking(
        state: &AppState,
        actor_id: String,
        scope: OrderScope,
        body: web::Bytes,
    ) -> Result<HttpResponse> {
        let lines = match crate::imports::csv::decode(&body) {
            Ok((text, _)) => tracking::read_lines(&text),
            Err(e) => Err(vec![e]),
        };
        let lines = match lines {
            Ok(l) => l,
            Err(errors) => return Ok(crate::imports::routes::rejected(errors)),
        };
        let settings = state.settings.clone();
        let done = state
            .db
            .run(move |c| {
                Ok(write_transaction(c, |c| {
                    tracking::ship_all(c, &settings, &actor_id, &scope, lines)
                }))
            })
            .await?;
        match done {
            Ok(outcome) => Ok(HttpResponse::Ok().json(outcome)),
            Err(TrackingError::Lines(errors)) => Ok(crate::imports::routes::rejected(errors)),
            Err(TrackingError::Failed(e)) => Err(e),
        }
    }

    pub async fn statement(
        state: &AppState,
        req: &HttpRequest,
        vendor_id: String,
        q: StatementQuery,
    ) -> Result<HttpResponse> {
        let month = crate::vouchers::routes::parse_month(&q.month)?;
        let s = state
            .db
            .run(move |c| statement::statement(c, &vendor_id, month))
            .await?;
        if crate::http::wants_csv(req) || q.charset.is_some() {
            let body = statement::statement_csv(&s)?;
            let name = format!("statement-{}.csv", s.month);
            return Ok(csv_download(body, CsvCharset::of(req, q.charset), &name));
        }
        Ok(HttpResponse::Ok().json(s))
    }
}

/// Which orders go into a CSV.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Default `new`: the orders still to be sent.
    pub status: Option<OrderStatus>,
    /// Staff only.
    pub vendor_id: Option<String>,
    /// `utf8` (default, with BOM) or `shift_jis` (CP932); `Accept: text/csv; charset=Shift_JIS` too.
    pub charset: Option<CsvCharset>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    /// `YYYY-MM`.
    pub month: String,
    /// Asks for CSV in this charset (as does `Accept: text/csv`).
    pub charset: Option<CsvCharset>,
}

fn mine(vendor: &VendorUser) -> OrderScope {
    OrderScope::Vendor(vendor.vendor_id.clone())
}

/// This vendor's orders, oldest first.
#[utoipa::path(
    operation_id = "vendor_list_orders",
    params(OrderQuery), responses((status = 200, body = Page<Order>), OrderReadErrors))]
#[get("/vendor/orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    vendor: VendorUser,
    q: web::Query<OrderQuery>,
) -> Result<web::Json<Page<Order>>> {
    serve::list(&state, mine(&vendor), q.into_inner()).await
}

/// The vendor's orders as CSV for Excel or label software (new orders unless `status` says).
#[utoipa::path(
    operation_id = "vendor_export_orders",
    params(ExportQuery),
    responses((status = 200, description = "CSV (UTF-8 with BOM, or Shift_JIS)", content_type = "text/csv", body = String), OrderReadErrors)
)]
#[get("/vendor/orders/export")]
pub async fn export_orders(
    state: web::Data<AppState>,
    req: HttpRequest,
    vendor: VendorUser,
    q: web::Query<ExportQuery>,
) -> Result<HttpResponse> {
    serve::export(&state, &req, mine(&vendor), q.into_inner()).await
}

/// One of this vendor's orders; another vendor's is `404 order_not_found`.
#[utoipa::path(
    operation_id = "vendor_get_order",
    params(("id" = String, Path)), responses((status = 200, body = Order), OrderReadErrors))]
#[get("/vendor/orders/{id}")]
pub async fn get_order(
    state: web::Data<AppState>,
    vendor: VendorUser,
    id: web::Path<String>,
) -> Result<web::Json<Order>> {
    serve::one(&state, mine(&vendor), id.into_inner()).await
}

/// Accept a new order.
#[utoipa::path(
    operation_id = "vendor_accept_order",
    params(("id" = String, Path)), responses((status = 200, body = Order), OrderWriteErrors))]
#[post("/vendor/orders/{id}/accept")]
pub async fn accept_order(
    state: web::Data<AppState>,
    vendor: VendorUser,
    id: web::Path<String>,
) -> Result<web::Json<Order>> {
    let actor = vendor.user.id.clone();
    serve::command(
        &state,
        actor,
        mine(&vendor),
        id.into_inner(),
        OrderCommand::Accept,
    )
    .await
}

/// Record the shipment (carrier and tracking number, or booking reference); the donor is told.
/// The same shipment again changes nothing; a different one corrects it.
#[utoipa::path(
    operation_id = "vendor_ship_order",
    params(("id" = String, Path)), request_body = ShipRequest, responses((status = 200, body = Order), OrderWriteErrors))]
#[post("/vendor/orders/{id}/shipment")]
pub async fn ship_order(
    state: web::Data<AppState>,
    vendor: VendorUser,
    id: web::Path<String>,
    body: crate::http::Json<ShipRequest>,
) -> Result<web::Json<Order>> {
    let actor = vendor.user.id.clone();
    let command = OrderCommand::Ship(shipment_of(body.into_inner()));
    serve::command(&state, actor, mine(&vendor), id.into_inner(), command).await
}

pub fn shipment_of(b: ShipRequest) -> ShipmentInput {
    ShipmentInput {
        carrier: b.carrier,
        tracking_number: b.tracking_number,
        booking_reference: b.booking_reference,
        shipped_on: b.shipped_on,
    }
}

/// Mark a shipped order delivered.
#[utoipa::path(
    operation_id = "vendor_deliver_order",
    params(("id" = String, Path)), request_body = DeliverRequest, responses((status = 200, body = Order), OrderWriteErrors))]
#[post("/vendor/orders/{id}/delivery")]
pub async fn deliver_order(
    state: web::Data<AppState>,
    vendor: VendorUser,
    id: web::Path<String>,
    body: crate::http::Json<DeliverRequest>,
) -> Result<web::Json<Order>> {
    let actor = vendor.user.id.clone();
    let command = OrderCommand::Deliver(body.into_inner().delivered_on);
    serve::command(&state, actor, mine(&vendor), id.into_inner(), command).await
}

/// Mark a sent order returned (refused, undeliverable); it may be shipped again.
#[utoipa::path(
    operation_id = "vendor_return_order",
    params(("id" = String, Path)), responses((status = 200, body = Order), OrderWriteErrors))]
#[post("/vendor/orders/{id}/return")]
pub async fn return_order(
    state: web::Data<AppState>,
    vendor: VendorUser,
    id: web::Path<String>,
) -> Result<web::Json<Order>> {
    let actor = vendor.user.id.clone();
    serve::command(
        &state,
        actor,
        mine(&vendor),
        id.into_inner(),
        OrderCommand::Return,
    )
    .await
}

/// Tracking numbers from a CSV (`注文ID`/`order_id`, `配送業者`/`carrier`, `伝票番号`/
/// `tracking_number`, optional `予約番号`/`booking_reference` and `発送日`/`shipped_on`; the
/// export with those columns filled in will do). UTF-8 or Shift_JIS. All or nothing: any bad
/// line answers `422 import_rejected` listing every bad line, and no order changes.
#[utoipa::path(
    operation_id = "vendor_upload_tracking",
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses(
        (status = 200, body = TrackingOutcome),
        (status = 422, description = "import_rejected: every bad line", body = crate::imports::routes::ImportProblem, content_type = "application/problem+json"),
        TrackingErrors,
    )
)]
#[post("/vendor/orders/tracking")]
pub async fn upload_tracking(
    state: web::Data<AppState>,
    req: HttpRequest,
    vendor: VendorUser,
    body: web::Bytes,
) -> Result<HttpResponse> {
    crate::imports::routes::check_content_type(&req)?;
    let actor = vendor.user.id.clone();
    serve::tracking(&state, actor, mine(&vendor), body).await
}

/// This vendor's statement of a month: orders sent and what the ward owes; CSV on
/// `Accept: text/csv` or `charset=`.
#[utoipa::path(
    operation_id = "vendor_statement",
    params(StatementQuery), responses((status = 200, body = VendorStatement), StatementErrors))]
#[get("/vendor/statement")]
pub async fn vendor_statement(
    state: web::Data<AppState>,
    req: HttpRequest,
    vendor: VendorUser,
    q: web::Query<StatementQuery>,
) -> Result<HttpResponse> {
    serve::statement(&state, &req, vendor.vendor_id, q.into_inner()).await
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // `export` and `tracking` before `{id}`, which would match them.
    cfg.service(list_orders)
        .service(export_orders)
        .service(upload_tracking)
        .service(get_order)
        .service(accept_order)
        .service(ship_order)
        .service(deliver_order)
        .service(return_order)
        .service(vendor_statement);
}
