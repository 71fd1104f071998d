//! The vendor desk (`/vendor/`): a gift vendor's staff see their new orders, accept them, enter
//! the carrier and tracking number (or a booking reference), print packing slips and download
//! the orders as CSV. Every write is the API's own (`orders::fulfil::act` within the vendor's
//! scope), so the pages refuse what the API refuses; sign-in is the till's (`desk`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::csrf;
use super::desk::{self, AtDesk, Door};
use super::forms::{field_errors, optional};
use super::render::{see_other, status_of};
use crate::auth::Role;
use crate::db::DbConnection;
use crate::domain::calendar::japan_date;
use crate::domain::order::{order_number, typed_date, Carrier, OrderStatus, ShipmentInput};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{csv_download, CsvCharset, Form};
use crate::orders::export;
use crate::orders::fulfil::{act, OrderCommand};
use crate::orders::store::{self, OrderFilter, OrderRecord, OrderScope};
use crate::orders::views::Order;

/// The vendor desk's door: vendor logins, signed in at `/vendor/login`.
pub static DOOR: Door = desk::door!(
    "vendor",
    roles: &[Role::Vendor],
    wrong_login: "返礼品事業者用のページです。事業者のログインでお入りください（区の職員は管理画面へ）。",
    words: desk_words,
);

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

/// A vendor's staff member signed in; every page shows the vendor's name.
pub struct Vendor(AtDesk);
desk::visitor!(Vendor, &DOOR);

impl Vendor {
    fn scope(&self) -> OrderScope {
        OrderScope::Vendor(self.desk.business_id().to_owned())
    }

    /// Reads through the store within this vendor's scope.
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &OrderScope) -> Result<T> + Send + 'static,
    {
        let scope = self.scope();
        self.state.db.run(move |c| f(c, &scope)).await
    }

    /// Orders as the pages show them.
    fn lines(&self, records: &[OrderRecord]) -> Vec<OrderLine> {
        let scope = self.scope();
        records.iter().map(|r| OrderLine::of(r, &scope)).collect()
    }

    /// Runs one of the API's order writes as this vendor.
    async fn command(&self, id: String, command: OrderCommand) -> Result<OrderRecord> {
        let settings = self.state.settings.clone();
        let (actor, scope) = (self.desk.user_id.clone(), self.scope());
        self.state
            .db
            .write(move |c| act(c, &settings, &actor, &scope, &id, command))
            .await
            .map(|acted| acted.order)
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

// ---- sign-in -------------------------------------------------------------------------------

async fn logout(vendor: Vendor, form: Form<csrf::TokenOnly>) -> HttpResponse {
    vendor.logout(&form).await
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

async fn orders_page(vendor: Vendor, query: web::Query<ListQuery>) -> HttpResponse {
    let status = tab(query.status.as_deref());
    let filter = OrderFilter::with_status(status);
    let outcome = async {
        let (records, total) = vendor
            .read(move |c, scope| store::list(c, scope, &filter, 0, LISTED))
            .await?;
        let orders = vendor.lines(&records);
        let shown = i64::try_from(orders.len()).unwrap_or(0);
        let done = query
            .accepted
            .as_ref()
            .map(|n| format!("注文 {n} を受け付けました。"));
        Ok(vendor.ok(
            "vendor/orders.html",
            context! {
                orders, total, done,
                more => total - shown,
                status => status.as_str(),
                status_label => status.label(),
                statuses => TABS.iter().map(|s| (s.as_str(), s.label())).collect::<Vec<_>>(),
            },
        ))
    }
    .await;
    vendor.answer(outcome)
}

/// One order with its forms; `problem` and `errors` after a refused form.
async fn show_order(
    vendor: &Vendor,
    id: String,
    form: ShipForm,
    problem: Option<Error>,
    done: Option<&str>,
) -> HttpResponse {
    let record = match vendor
        .read(move |c, scope| store::find(c, scope, &id))
        .await
    {
        Ok(r) => r,
        Err(e) => return vendor.error(e),
    };
    let status = problem.as_ref().map(status_of).unwrap_or(StatusCode::OK);
    vendor.render(
        status,
        "vendor/order.html",
        context! {
            o => OrderLine::of(&record, &vendor.scope()),
            form, done,
            errors => field_errors(problem.as_ref()),
            problem => problem.as_ref().map(|e| vendor.refused(e)),
            carriers => Carrier::ALL.iter().map(|c| (c.as_str(), c.label())).collect::<Vec<_>>(),
        },
    )
}

#[derive(Deserialize)]
struct OrderQuery {
    done: Option<String>,
}

async fn order_page(
    vendor: Vendor,
    id: web::Path<String>,
    query: web::Query<OrderQuery>,
) -> HttpResponse {
    let done = query.done.as_deref().map(|d| match d {
        "shipped" => "発送を登録しました。寄附者にお知らせのメールを送ります。",
        "delivered" => "配達完了にしました。",
        _ => "受け付けました。",
    });
    show_order(&vendor, id.into_inner(), ShipForm::default(), None, done).await
}

/// A form's order write (`command`, or why the form could not make one): once done, on to the
/// page `next` names; otherwise the order again with the refusal and the shipment form as typed.
async fn write(
    vendor: Vendor,
    id: String,
    form: ShipForm,
    command: Result<OrderCommand>,
    next: impl FnOnce(&OrderRecord) -> String,
) -> HttpResponse {
    if let Err(e) = vendor.check_form(&form.csrf_token) {
        return vendor.error(e);
    }
    let done = match command {
        Ok(command) => vendor.command(id.clone(), command).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(record) => see_other(&next(&record)),
        Err(e) => show_order(&vendor, id, form, Some(e), None).await,
    }
}

async fn accept(
    vendor: Vendor,
    id: web::Path<String>,
    form: Form<csrf::TokenOnly>,
) -> HttpResponse {
    let form = ShipForm::with_token(&form);
    let next = |r: &OrderRecord| format!("/vendor/?accepted={}", order_number(&r.order.id));
    write(
        vendor,
        id.into_inner(),
        form,
        Ok(OrderCommand::Accept),
        next,
    )
    .await
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

impl ShipForm {
    /// An empty shipment form, for a button's form that carries only its token.
    fn with_token(form: &csrf::TokenOnly) -> ShipForm {
        ShipForm {
            csrf_token: form.csrf_token.clone(),
            ..ShipForm::default()
        }
    }

    /// The shipment as the API takes it.
    fn shipment(&self) -> Result<OrderCommand> {
        let shipped_on = typed_date(&self.shipped_on).map_err(|m| Error::field("shipped_on", m))?;
        Ok(OrderCommand::Ship(ShipmentInput {
            carrier: optional(&self.carrier),
            tracking_number: optional(&self.tracking_number),
            booking_reference: optional(&self.booking_reference),
            shipped_on,
        }))
    }
}

async fn ship(vendor: Vendor, id: web::Path<String>, form: Form<ShipForm>) -> HttpResponse {
    let (id, form) = (id.into_inner(), form.into_inner());
    let next = format!("/vendor/orders/{id}?done=shipped");
    let command = form.shipment();
    write(vendor, id, form, command, |_| next).await
}

async fn deliver(
    vendor: Vendor,
    id: web::Path<String>,
    form: Form<csrf::TokenOnly>,
) -> HttpResponse {
    let (id, form) = (id.into_inner(), ShipForm::with_token(&form));
    let next = format!("/vendor/orders/{id}?done=delivered");
    write(vendor, id, form, Ok(OrderCommand::Deliver(None)), |_| next).await
}

#[derive(Deserialize)]
struct PackingQuery {
    status: Option<String>,
}

/// Packing slips (出荷票), one a printed page: accepted orders unless `status` says.
async fn packing_list(vendor: Vendor, query: web::Query<PackingQuery>) -> HttpResponse {
    let status = query
        .status
        .as_deref()
        .and_then(OrderStatus::parse)
        .unwrap_or(OrderStatus::Accepted);
    let filter = OrderFilter::with_status(status);
    match vendor.read(move |c, scope| store::all(c, scope, &filter)).await {
        Ok(records) => vendor.ok(
            "vendor/packing.html",
            context! { orders => vendor.lines(&records), status => status.as_str(), status_label => status.label() },
        ),
        Err(e) => vendor.error(e),
    }
}

#[derive(Deserialize)]
struct CsvQuery {
    status: Option<String>,
    charset: Option<CsvCharset>,
}

/// The list's orders as CSV, the API's export.
async fn orders_csv(vendor: Vendor, query: web::Query<CsvQuery>) -> HttpResponse {
    let filter = OrderFilter::with_status(tab(query.status.as_deref()));
    let body = vendor
        .read(move |c, scope| export::orders_csv(&store::all(c, scope, &filter)?))
        .await;
    match body {
        Ok(body) => csv_download(
            body,
            CsvCharset::of(&vendor.req, query.charset),
            "orders.csv",
        ),
        Err(e) => vendor.error(e),
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
