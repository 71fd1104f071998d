//! The vendor desk (`/vendor/`): a gift vendor's staff see their new orders, accept them, enter
//! the carrier and tracking number (or a booking reference), print packing slips and download
//! the orders as CSV. Every write is the API's own (`orders::fulfil::act` within the vendor's
//! scope), so the pages refuse what the API refuses; sign-in is the till's (`desk`).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::csrf;
use super::desk::{self, Desk, Door};
use super::render::{see_other, Page};
use crate::auth::Role;
use crate::domain::calendar::japan_date;
use crate::domain::order::{typed_date, Carrier, OrderStatus, ShipmentInput};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{csv_download, CsvCharset};
use crate::orders::export;
use crate::orders::fulfil::{act, OrderCommand};
use crate::orders::store::{self, OrderFilter, OrderRecord, OrderScope};
use crate::orders::views::Order;
use crate::state::AppState;

/// The vendor desk's door: vendor logins, signed in at `/vendor/login`.
pub static DOOR: Door = Door {
    roles: &[Role::Vendor],
    cookie: "furusato_vendor",
    host_cookie: "__Host-furusato_vendor",
    home: "/vendor/",
    login: "/vendor/login",
    wrong_login:
        "返礼品事業者用のページです。事業者のログインでお入りください（区の職員は管理画面へ）。",
    login_template: "vendor/login.html",
    words: desk_words,
};

/// Refusals the vendor desk meets, in its words.
fn desk_words(code: ErrorCode) -> Option<&'static str> {
    Some(match code {
        ErrorCode::OrderNotFound => {
            "この注文は見つかりません（他の事業者の注文は表示できません）。"
        }
        ErrorCode::OrderStateConflict => {
            "この注文は今の状態ではその操作ができません。画面を読み込み直してください。"
        }
        _ => return None,
    })
}

/// Orders listed on one page; the CSV holds every one.
const LISTED: i64 = 100;

/// A vendor's staff member signed in.
pub struct Vendor(Desk);

impl FromRequest for Vendor {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = std::result::Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let desk = desk::extract(req, &DOOR);
        Box::pin(async move { desk.await.map(Vendor) })
    }
}

impl Vendor {
    fn scope(&self) -> OrderScope {
        OrderScope::Vendor(self.0.business_id().to_owned())
    }
}

/// An order as the pages show it: the API's order with its words.
#[derive(Serialize)]
struct OrderLine {
    #[serde(flatten)]
    order: Order,
    ordered_on: String,
    status_label: &'static str,
    noshi_label: Option<&'static str>,
    window_label: Option<&'static str>,
    carrier_label: Option<&'static str>,
}

impl OrderLine {
    fn of(r: &OrderRecord, scope: &OrderScope) -> OrderLine {
        let order = Order::of(r, scope);
        OrderLine {
            ordered_on: japan_date(order.ordered_at).to_string(),
            status_label: order.status.label(),
            noshi_label: order.noshi.as_ref().map(|n| n.kind.label()),
            window_label: order.delivery_window.map(|w| w.label()),
            carrier_label: order.carrier.map(Carrier::label),
            order,
        }
    }
}

fn render(
    req: &HttpRequest,
    state: &AppState,
    vendor: &Vendor,
    status: StatusCode,
    template: &str,
    context: minijinja::Value,
) -> HttpResponse {
    Page::new(req, state).render(
        status,
        template,
        context! { vendor_name => vendor.0.business_name(), ..context },
    )
}

fn status_of(error: &Error) -> StatusCode {
    actix_web::ResponseError::status_code(error)
}

// ---- sign-in -------------------------------------------------------------------------------

async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    vendor: Vendor,
    form: crate::http::Form<csrf::TokenOnly>,
) -> HttpResponse {
    desk::logout(&req, &state, &DOOR, vendor.0, &form).await
}

// ---- orders --------------------------------------------------------------------------------

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    accepted: Option<String>,
}

/// The tabs of the order list, in the order work flows.
const TABS: [OrderStatus; 5] = [
    OrderStatus::New,
    OrderStatus::Accepted,
    OrderStatus::Held,
    OrderStatus::Shipped,
    OrderStatus::Delivered,
];

fn tab(status: Option<&str>) -> OrderStatus {
    status
        .and_then(OrderStatus::parse)
        .unwrap_or(OrderStatus::New)
}

async fn orders_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    vendor: Vendor,
    query: web::Query<ListQuery>,
) -> HttpResponse {
    let status = tab(query.status.as_deref());
    let scope = vendor.scope();
    let filter = OrderFilter::with_status(status);
    let listing = {
        let scope = scope.clone();
        state
            .db
            .run(move |c| store::list(c, &scope, &filter, 0, LISTED))
            .await
    };
    let (records, total) = match listing {
        Ok(l) => l,
        Err(e) => return Page::new(&req, &state).error(e),
    };
    let orders: Vec<OrderLine> = records.iter().map(|r| OrderLine::of(r, &scope)).collect();
    let shown = i64::try_from(orders.len()).unwrap_or(0);
    let done = query
        .accepted
        .as_ref()
        .map(|n| format!("注文 {n} を受け付けました。"));
    render(
        &req,
        &state,
        &vendor,
        StatusCode::OK,
        "vendor/orders.html",
        context! {
            orders, total, done,
            more => total - shown,
            status => status.as_str(),
            status_label => status.label(),
            statuses => TABS.iter().map(|s| (s.as_str(), s.label())).collect::<Vec<_>>(),
        },
    )
}

/// One order with its forms; `problem` and `errors` after a refused form.
async fn show_order(
    req: &HttpRequest,
    state: &AppState,
    vendor: &Vendor,
    id: String,
    form: ShipForm,
    problem: Option<Error>,
    done: Option<String>,
) -> HttpResponse {
    let scope = vendor.scope();
    let found = {
        let scope = scope.clone();
        state.db.run(move |c| store::find(c, &scope, &id)).await
    };
    let record = match found {
        Ok(r) => r,
        Err(e) => return Page::new(req, state).error(e),
    };
    let errors: BTreeMap<String, String> = match &problem {
        Some(Error::Validation(fields)) => fields
            .iter()
            .map(|f| (f.field.clone(), f.message.clone()))
            .collect(),
        _ => BTreeMap::new(),
    };
    let status = problem.as_ref().map(status_of).unwrap_or(StatusCode::OK);
    render(
        req,
        state,
        vendor,
        status,
        "vendor/order.html",
        context! {
            o => OrderLine::of(&record, &scope),
            form, errors, done,
            problem => problem.as_ref().map(|e| desk::refused(e, &DOOR)),
            carriers => Carrier::ALL.iter().map(|c| (c.as_str(), c.label())).collect::<Vec<_>>(),
        },
    )
}

#[derive(Deserialize)]
struct OrderQuery {
    done: Option<String>,
}

async fn order_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    vendor: Vendor,
    id: web::Path<String>,
    query: web::Query<OrderQuery>,
) -> HttpResponse {
    let done = query.done.as_deref().map(|d| match d {
        "shipped" => "発送を登録しました。寄附者にお知らせのメールを送ります。",
        "delivered" => "配達完了にしました。",
        _ => "受け付けました。",
    });
    let done = done.map(str::to_owned);
    show_order(
        &req,
        &state,
        &vendor,
        id.into_inner(),
        ShipForm::default(),
        None,
        done,
    )
    .await
}

/// Runs one of the API's order writes as this vendor.
async fn command(
    state: &AppState,
    vendor: &Vendor,
    id: String,
    command: OrderCommand,
) -> Result<OrderRecord> {
    let settings = state.settings.clone();
    let (actor, scope) = (vendor.0.user_id.clone(), vendor.scope());
    state
        .db
        .write(move |c| act(c, &settings, &actor, &scope, &id, command))
        .await
        .map(|acted| acted.order)
}

async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    vendor: Vendor,
    id: web::Path<String>,
    form: crate::http::Form<csrf::TokenOnly>,
) -> HttpResponse {
    let id = id.into_inner();
    if !csrf::form_ok(&req, &state.settings, &form.csrf_token) {
        return Page::new(&req, &state).error(csrf::refused());
    }
    match command(&state, &vendor, id.clone(), OrderCommand::Accept).await {
        Ok(r) => see_other(&format!(
            "/vendor/?accepted={}",
            crate::domain::order::order_number(&r.order.id)
        )),
        Err(e) => {
            show_order(
                &req,
                &state,
                &vendor,
                id,
                ShipForm::default(),
                Some(e),
                None,
            )
            .await
        }
    }
}

/// The shipment form as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
struct ShipForm {
    carrier: String,
    tracking_number: String,
    booking_reference: String,
    shipped_on: String,
    #[serde(skip_serializing)]
    csrf_token: String,
}

async fn ship(
    req: HttpRequest,
    state: web::Data<AppState>,
    vendor: Vendor,
    id: web::Path<String>,
    form: crate::http::Form<ShipForm>,
) -> HttpResponse {
    let (id, form) = (id.into_inner(), form.into_inner());
    if !csrf::form_ok(&req, &state.settings, &form.csrf_token) {
        return Page::new(&req, &state).error(csrf::refused());
    }
    let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let shipped_on = match typed_date(&form.shipped_on) {
        Ok(d) => d,
        Err(m) => {
            let e = Error::field("shipped_on", m);
            return show_order(&req, &state, &vendor, id, form, Some(e), None).await;
        }
    };
    let input = ShipmentInput {
        carrier: given(&form.carrier),
        tracking_number: given(&form.tracking_number),
        booking_reference: given(&form.booking_reference),
        shipped_on,
    };
    match command(&state, &vendor, id.clone(), OrderCommand::Ship(input)).await {
        Ok(_) => see_other(&format!("/vendor/orders/{id}?done=shipped")),
        Err(e) => show_order(&req, &state, &vendor, id, form, Some(e), None).await,
    }
}

async fn deliver(
    req: HttpRequest,
    state: web::Data<AppState>,
    vendor: Vendor,
    id: web::Path<String>,
    form: crate::http::Form<csrf::TokenOnly>,
) -> HttpResponse {
    let id = id.into_inner();
    if !csrf::form_ok(&req, &state.settings, &form.csrf_token) {
        return Page::new(&req, &state).error(csrf::refused());
    }
    match command(&state, &vendor, id.clone(), OrderCommand::Deliver(None)).await {
        Ok(_) => see_other(&format!("/vendor/orders/{id}?done=delivered")),
        Err(e) => {
            show_order(
                &req,
                &state,
                &vendor,
                id,
                ShipForm::default(),
                Some(e),
                None,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct PackingQuery {
    status: Option<String>,
}

/// Packing slips (出荷票), one a printed page: accepted orders unless `status` says.
async fn packing_list(
    req: HttpRequest,
    state: web::Data<AppState>,
    vendor: Vendor,
    query: web::Query<PackingQuery>,
) -> HttpResponse {
    let status = query
        .status
        .as_deref()
        .and_then(OrderStatus::parse)
        .unwrap_or(OrderStatus::Accepted);
    let scope = vendor.scope();
    let filter = OrderFilter::with_status(status);
    let found = {
        let scope = scope.clone();
        state.db.run(move |c| store::all(c, &scope, &filter)).await
    };
    let records = match found {
        Ok(r) => r,
        Err(e) => return Page::new(&req, &state).error(e),
    };
    let orders: Vec<OrderLine> = records.iter().map(|r| OrderLine::of(r, &scope)).collect();
    render(
        &req,
        &state,
        &vendor,
        StatusCode::OK,
        "vendor/packing.html",
        context! { orders, status => status.as_str(), status_label => status.label() },
    )
}

#[derive(Deserialize)]
struct CsvQuery {
    status: Option<String>,
    charset: Option<CsvCharset>,
}

/// The list's orders as CSV, the API's export.
async fn orders_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    vendor: Vendor,
    query: web::Query<CsvQuery>,
) -> HttpResponse {
    let filter = OrderFilter::with_status(tab(query.status.as_deref()));
    let scope = vendor.scope();
    let body = state
        .db
        .run(move |c| export::orders_csv(&store::all(c, &scope, &filter)?))
        .await;
    match body {
        Ok(body) => csv_download(body, CsvCharset::of(&req, query.charset), "orders.csv"),
        Err(e) => Page::new(&req, &state).error(e),
    }
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/vendor", web::get().to(|| async { see_other("/vendor/") }))
        .route("/vendor/", web::get().to(orders_page))
        .configure(|cfg| desk::login_routes(cfg, &DOOR))
        .route("/vendor/logout", web::post().to(logout))
        .route("/vendor/orders.csv", web::get().to(orders_csv))
        .route("/vendor/packing-list", web::get().to(packing_list))
        .route("/vendor/orders/{id}", web::get().to(order_page))
        .route("/vendor/orders/{id}/accept", web::post().to(accept))
        .route("/vendor/orders/{id}/shipment", web::post().to(ship))
        .route("/vendor/orders/{id}/delivery", web::post().to(deliver));
}
