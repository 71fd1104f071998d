//! Vendor routes (`/api/v1/vendor/`): a vendor's own orders, their CSV out and tracking numbers
//! in, and its monthly statement. The handlers here and in `admin_routes` share `serve`: only
//! the scope differs (a vendor's own orders, or every vendor's for staff). The writes of both
//! doors are written once, by `command_routes!` and `tracking_route!`, from the door's `Door`.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::fulfil::{act, OrderCommand};
use super::store::{self, OrderFilter, OrderScope};
use super::tracking::{self, TrackingError, TrackingOutcome};
use super::views::{DeliverRequest, Order, OrderQuery, ShipRequest, VendorStatement};
use super::{export, statement};
use crate::auth::{AdminUser, VendorUser};
use crate::db::write_transaction;
use crate::domain::order::{OrderStatus, ShipmentInput};
use crate::domain::FieldError;
use crate::error::{Error, Result};
use crate::http::{csv_download, read_page, CsvCharset, Page, Paging};
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
        read_page(&state.db, paging, move |c, paging| {
            let (offset, limit) = (paging.offset(), paging.per_page);
            let (records, total) = store::list(c, &scope, &filter, offset, limit)?;
            let orders: Vec<Order> = records.iter().map(|r| Order::of(r, &scope)).collect();
            Ok((orders, total))
        })
        .await
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

/// A door to the orders: who acts through it, and the orders they reach there.
pub trait Door {
    fn actor_and_scope(self) -> (String, OrderScope);
}

impl Door for VendorUser {
    fn actor_and_scope(self) -> (String, OrderScope) {
        (self.user.id, OrderScope::Vendor(self.vendor_id))
    }
}

impl Door for AdminUser {
    fn actor_and_scope(self) -> (String, OrderScope) {
        (self.0.id, OrderScope::Staff)
    }
}

fn mine(vendor: &VendorUser) -> OrderScope {
    OrderScope::Vendor(vendor.vendor_id.clone())
}

/// Order commands through a door (`VendorUser`, `AdminUser`): each a handler with its OpenAPI
/// operation, answering the order as the door shows it. A command read from a body names the
/// body and its type. The calling module imports what the operation names (`post`, `Order`,
/// `OrderWriteErrors`).
macro_rules! command_routes {
    ($(
        $(#[doc = $doc:tt])*
        POST $path:tt as $operation:tt;
        fn $name:ident($door:ident $(, $body:ident: $request:ident)?) => $command:expr;
    )+) => {$(
        $(#[doc = $doc])*
        #[utoipa::path(
            operation_id = $operation,
            params(("id" = String, Path)), $(request_body = $request,)? responses((status = 200, body = Order), OrderWriteErrors))]
        #[post($path)]
        pub async fn $name(
            state: actix_web::web::Data<crate::state::AppState>,
            door: $door,
            id: actix_web::web::Path<String>,
            $($body: crate::http::Json<$request>,)?
        ) -> crate::error::Result<actix_web::web::Json<Order>> {
            let (actor, scope) = crate::orders::routes::Door::actor_and_scope(door);
            crate::orders::routes::serve::command(&state, actor, scope, id.into_inner(), $command)
                .await
        }
    )+};
}
pub(crate) use command_routes;

/// The route of a door that takes a file of tracking numbers, with its OpenAPI operation. The
/// calling module imports what the operation names (`post`, `TrackingOutcome`, `TrackingErrors`).
macro_rules! tracking_route {
    (
        $(#[doc = $doc:tt])*
        POST $path:tt as $operation:tt;
        fn $name:ident($door:ident);
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(
            operation_id = $operation,
            request_body(content = String, content_type = "text/csv", description = "The CSV file"),
            responses(
                (status = 200, body = TrackingOutcome),
                (status = 422, description = "import_rejected: every bad line", body = crate::imports::routes::ImportProblem, content_type = "application/problem+json"),
                TrackingErrors,
            )
        )]
        #[post($path)]
        pub async fn $name(
            state: actix_web::web::Data<crate::state::AppState>,
            req: actix_web::HttpRequest,
            door: $door,
            body: actix_web::web::Bytes,
        ) -> crate::error::Result<actix_web::HttpResponse> {
            crate::imports::routes::check_content_type(&req)?;
            let (actor, scope) = crate::orders::routes::Door::actor_and_scope(door);
            crate::orders::routes::serve::tracking(&state, actor, scope, body).await
        }
    };
}
pub(crate) use tracking_route;

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

command_routes! {
    /// Accept a new order.
    POST "/vendor/orders/{id}/accept" as "vendor_accept_order";
    fn accept_order(VendorUser) => OrderCommand::Accept;

    /// Record the shipment (carrier and tracking number, or booking reference); the donor is told.
    /// The same shipment again changes nothing; a different one corrects it.
    POST "/vendor/orders/{id}/shipment" as "vendor_ship_order";
    fn ship_order(VendorUser, body: ShipRequest)
        => OrderCommand::Ship(shipment_of(body.into_inner()));

    /// Mark a shipped order delivered.
    POST "/vendor/orders/{id}/delivery" as "vendor_deliver_order";
    fn deliver_order(VendorUser, body: DeliverRequest)
        => OrderCommand::Deliver(body.into_inner().delivered_on);

    /// Mark a sent order returned (refused, undeliverable); it may be shipped again.
    POST "/vendor/orders/{id}/return" as "vendor_return_order";
    fn return_order(VendorUser) => OrderCommand::Return;
}

pub fn shipment_of(b: ShipRequest) -> ShipmentInput {
    ShipmentInput {
        carrier: b.carrier,
        tracking_number: b.tracking_number,
        booking_reference: b.booking_reference,
        shipped_on: b.shipped_on,
    }
}

tracking_route! {
    /// Tracking numbers from a CSV (`注文ID`/`order_id`, `配送業者`/`carrier`, `伝票番号`/
    /// `tracking_number`, optional `予約番号`/`booking_reference` and `発送日`/`shipped_on`; the
    /// export with those columns filled in will do). UTF-8 or Shift_JIS. All or nothing: any bad
    /// line answers `422 import_rejected` listing every bad line, and no order changes.
    POST "/vendor/orders/tracking" as "vendor_upload_tracking";
    fn upload_tracking(VendorUser);
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
