//! The till (`/till/`): partner staff at a counter scan or type a voucher, take an amount from
//! it, undo a mistake the same day, and close the day and the month.
//!
//! Every write is the API's own: `auth::sign_in`, `vouchers::redeem::{lookup, redeem_once,
//! reverse}`, `vouchers::settle::statement`; a redemption from the page shares the API's
//! idempotency (a hidden key per voucher screen), so a double tap takes the money once. The
//! session is an opaque cookie whose hash is an ordinary session row, so logout revokes it and
//! any instance knows it. Voucher codes travel only in POST bodies, never in URLs (logs).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use minijinja::context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::csrf;
use super::desk::{self, Desk, Door};
use super::render::{secure_headers, see_other, Page};
use crate::auth::Role;
use crate::domain::calendar::{japan_date, japan_offset, japan_today, YearMonth};
use crate::domain::fields::typed_number;
use crate::domain::voucher::{check_reversal, Standing};
use crate::error::{Error, ErrorCode, Result};
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;
use crate::vouchers::issue::VoucherRow;
use crate::vouchers::redeem::{
    check_takeable, lookup, parse_code, redeem_once, redemption_of, RedemptionOrder, ReversalOrder,
};
use crate::vouchers::settle;
use crate::vouchers::types::{Redemption, Statement};

/// The till's door: partner logins, signed in at `/till/login`.
pub static DOOR: Door = Door {
    roles: &[Role::Partner],
    cookie: "furusato_till",
    host_cookie: "__Host-furusato_till",
    home: "/till/",
    login: "/till/login",
    wrong_login:
        "加盟店用のレジです。利用中の加盟店のログインでお入りください（区の職員は管理画面へ）。",
    login_template: "till/login.html",
    words: counter_words,
};

/// The largest camera frame the till sends to be decoded (grey, one byte a pixel).
const MAX_FRAME_PIXELS: usize = 1280 * 960;

/// The longest reason for a reversal kept in the audit log.
const MAX_REASON_CHARS: usize = 200;

/// Months of settlement shown on the statement page.
const PAST_MONTHS: usize = 6;

/// A partner's staff member signed in at this till (the desk's business is the partner).
pub struct Till(Desk);

/// Without a live partner session, every till page leads to the sign-in page.
impl FromRequest for Till {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = std::result::Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let desk = desk::extract(req, &DOOR);
        Box::pin(async move { desk.await.map(Till) })
    }
}

/// A till page: the partner's name on every screen.
fn render(
    req: &HttpRequest,
    state: &AppState,
    till: &Till,
    status: StatusCode,
    template: &str,
    context: minijinja::Value,
) -> HttpResponse {
    Page::new(req, state).render(
        status,
        template,
        context! { partner_name => till.0.business_name(), ..context },
    )
}

/// A refusal on the screen where it happened: what the counter says to the guest, with the
/// API's code and message beneath.
fn refused(error: &Error) -> minijinja::Value {
    desk::refused(error, &DOOR)
}

/// The refusals a till meets, in the words of the counter.
fn counter_words(code: ErrorCode) -> Option<&'static str> {
    Some(match code {
        ErrorCode::InvalidVoucherCode => {
            "コードが正しくありません。入力の誤りがないか、お客様の画面と見比べてください。"
        }
        ErrorCode::VoucherNotFound => "このコードの商品券はありません。",
        ErrorCode::TooManyLookups => {
            "見つからないコードが続いたため、しばらく照会できません。時間をおいてお試しください。"
        }
        ErrorCode::VoucherExpired => "この商品券は有効期限が切れています。",
        ErrorCode::VoucherNotActive => "この商品券は使えません（無効または使い切り）。",
        ErrorCode::InsufficientBalance => "残高が足りません。残高以内の金額を入力してください。",
        ErrorCode::RedemptionNotFound => "この店舗の利用記録ではありません。",
        ErrorCode::AlreadyReversed => "この利用はすでに取り消されています。",
        ErrorCode::ReversalWindowClosed => "取り消せるのは利用した当日だけです。",
        ErrorCode::AlreadySettled => "この月は精算済みのため取り消せません。",
        ErrorCode::RequestInProgress => {
            "同じ操作を処理中です。本日の利用で結果を確かめてください。"
        }
        ErrorCode::IdempotencyKeyReused | ErrorCode::InvalidIdempotencyKey => {
            "この画面はもう使えません。商品券を読み取り直してください。"
        }
        _ => return None,
    })
}

fn status_of(error: &Error) -> StatusCode {
    actix_web::ResponseError::status_code(error)
}

/// An instant as the counter reads it: Japan time.
fn japan_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&japan_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn japan_day(at: NaiveDateTime) -> String {
    japan_date(at.and_utc()).to_string()
}

/// The number written on the bill: the redemption id's first eight symbols, which the day's
/// list and the statement show beside each redemption.
fn slip_number(redemption_id: &str) -> String {
    redemption_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect::<String>()
        .to_uppercase()
}

// ---- sign-in -------------------------------------------------------------------------------

async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    till: Till,
    form: crate::http::Form<csrf::TokenOnly>,
) -> HttpResponse {
    desk::logout(&req, &state, &DOOR, till.0, &form).await
}

// ---- scan or type --------------------------------------------------------------------------

async fn scan_page(req: HttpRequest, state: web::Data<AppState>, till: Till) -> HttpResponse {
    render(
        &req,
        &state,
        &till,
        StatusCode::OK,
        "till/scan.html",
        context! { code => "" },
    )
}

#[derive(Deserialize)]
struct FrameSize {
    width: usize,
    height: usize,
}

/// Reads a QR code from one grey camera frame (for tablets whose browser has no barcode API):
/// `{"code": "…"}` when a voucher code is in it, `{"code": null}` otherwise.
async fn scan_frame(
    req: HttpRequest,
    state: web::Data<AppState>,
    _till: Till,
    size: web::Query<FrameSize>,
    frame: web::Bytes,
) -> HttpResponse {
    let token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !csrf::form_ok(&req, &state.settings, token) {
        return actix_web::ResponseError::error_response(&csrf::refused());
    }
    let FrameSize { width, height } = size.into_inner();
    let pixels = width.saturating_mul(height);
    if width == 0 || pixels > MAX_FRAME_PIXELS || frame.len() != pixels {
        return actix_web::ResponseError::error_response(&Error::field(
            "frame",
            "must be width × height grey bytes, at most 1280 × 960",
        ));
    }
    let code = web::block(move || read_voucher_qr(&frame, width, height))
        .await
        .ok()
        .flatten();
    let mut response = HttpResponse::Ok().json(serde_json::json!({ "code": code }));
    secure_headers(&mut response);
    response
}

/// The voucher code in a grey picture, if a QR code holding one is in it.
fn read_voucher_qr(grey: &[u8], width: usize, height: usize) -> Option<String> {
    let mut picture =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| grey[y * width + x]);
    picture
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok())
        .find_map(|(_, text)| parse_code(&text).ok())
        .map(|code| code.display())
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf_token: String,
}

/// The voucher screen for a scanned or typed code: balance and expiry, and the keypad. A typo
/// (the check symbol) is refused before any lookup; an unknown code counts against the till.
async fn voucher_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    till: Till,
    form: crate::http::Form<CodeForm>,
) -> HttpResponse {
    if !csrf::form_ok(&req, &state.settings, &form.csrf_token) {
        return scan_refused(&req, &state, &till, &form.code, csrf::refused());
    }
    match show_voucher(&state, &till, &form.code).await {
        Ok(voucher) => render(
            &req,
            &state,
            &till,
            StatusCode::OK,
            "till/voucher.html",
            context! { voucher, amount => "" },
        ),
        Err(e) => scan_refused(&req, &state, &till, &form.code, e),
    }
}

fn scan_refused(
    req: &HttpRequest,
    state: &AppState,
    till: &Till,
    code: &str,
    error: Error,
) -> HttpResponse {
    render(
        req,
        state,
        till,
        status_of(&error),
        "till/scan.html",
        context! { code, problem => refused(&error) },
    )
}

/// What the voucher screen shows: nothing of the donor, only what the counter needs.
#[derive(Serialize)]
struct VoucherScreen {
    code: String,
    balance: i64,
    expires_on: String,
    status: &'static str,
    usable: bool,
    /// Fresh for every voucher screen: a double tap on its confirm is one redemption.
    idempotency_key: String,
}

/// The voucher of a scanned or typed code (a typo is refused before any lookup).
async fn find_voucher(state: &AppState, till: &Till, typed: &str) -> Result<(String, VoucherRow)> {
    let code = parse_code(typed)?;
    let settings = state.settings.clone();
    let partner_id = till.0.business_id().to_owned();
    let display = code.display();
    let voucher = state
        .db
        .run(move |conn| lookup(conn, &settings, &partner_id, &code))
        .await?;
    Ok((display, voucher))
}

async fn show_voucher(state: &AppState, till: &Till, typed: &str) -> Result<VoucherScreen> {
    let (code, voucher) = find_voucher(state, till, typed).await?;
    let standing = voucher.standing(Utc::now());
    Ok(VoucherScreen {
        code,
        balance: voucher.balance,
        expires_on: japan_day(voucher.expires_at),
        status: standing.as_str(),
        usable: standing == Standing::Active,
        idempotency_key: Uuid::new_v4().to_string(),
    })
}

// ---- take an amount ------------------------------------------------------------------------

#[derive(Deserialize, Serialize)]
struct AmountForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    idempotency_key: String,
    #[serde(default, skip_serializing)]
    csrf_token: String,
}

impl AmountForm {
    fn order(&self) -> Result<RedemptionOrder> {
        let amount: i64 = typed_number(&self.amount)
            .map_err(|_| Error::field("amount", "must be a whole number of yen"))?
            .ok_or_else(|| Error::field("amount", "is required"))?;
        RedemptionOrder::parse(&self.code, amount)
    }
}

/// The one confirm step: the amount and what will be left, nothing taken yet.
async fn confirm_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    till: Till,
    form: crate::http::Form<AmountForm>,
) -> HttpResponse {
    let form = form.into_inner();
    match confirmable(&req, &state, &till, &form).await {
        Ok((amount, balance)) => render(
            &req,
            &state,
            &till,
            StatusCode::OK,
            "till/confirm.html",
            context! {
                code => &form.code,
                idempotency_key => &form.idempotency_key,
                amount,
                balance,
                balance_after => balance - amount,
            },
        ),
        Err(e) => amount_refused(&req, &state, &till, &form, e).await,
    }
}

/// The amount and the voucher's balance, if the amount could be taken now; otherwise the API's
/// refusal, so the counter hears it before the confirm step rather than after.
async fn confirmable(
    req: &HttpRequest,
    state: &AppState,
    till: &Till,
    form: &AmountForm,
) -> Result<(i64, i64)> {
    if !csrf::form_ok(req, &state.settings, &form.csrf_token) {
        return Err(csrf::refused());
    }
    let order = form.order()?;
    let (_, voucher) = find_voucher(state, till, &form.code).await?;
    check_takeable(&voucher, order.amount, Utc::now())?;
    Ok((order.amount.get(), voucher.balance))
}

/// The voucher screen again with the refusal beside the amount (or the scan screen when the
/// voucher itself cannot be shown).
async fn amount_refused(
    req: &HttpRequest,
    state: &AppState,
    till: &Till,
    form: &AmountForm,
    error: Error,
) -> HttpResponse {
    match show_voucher(state, till, &form.code).await {
        Ok(voucher) => render(
            req,
            state,
            till,
            status_of(&error),
            "till/voucher.html",
            context! { voucher, amount => &form.amount, problem => refused(&error) },
        ),
        Err(e) => scan_refused(req, state, till, &form.code, e),
    }
}

/// Takes the amount (once per voucher screen's key) and shows the result.
async fn redeem(
    req: HttpRequest,
    state: web::Data<AppState>,
    till: Till,
    form: crate::http::Form<AmountForm>,
) -> HttpResponse {
    let form = form.into_inner();
    match take(&req, &state, &till, &form).await {
        Ok(redemption) => see_other(&format!("/till/redemptions/{}", redemption.id)),
        Err(e) => amount_refused(&req, &state, &till, &form, e).await,
    }
}

async fn take(
    req: &HttpRequest,
    state: &AppState,
    till: &Till,
    form: &AmountForm,
) -> Result<Redemption> {
    if !csrf::form_ok(req, &state.settings, &form.csrf_token) {
        return Err(csrf::refused());
    }
    let order = form.order()?;
    let key = IdempotencyKey::parse(&form.idempotency_key)?;
    // The body the API would have been sent, so a key means the same on both.
    let fingerprint = idempotency::fingerprint(&serde_json::json!({
        "voucher_code": order.code.display(),
        "amount": order.amount.get(),
    }));
    let (status, body) = redeem_once(
        &state.db,
        &state.settings,
        till.0.business_id(),
        Some(key),
        fingerprint,
        order,
    )
    .await?;
    if status >= 400 {
        return Err(idempotency::stored_refusal(&body));
    }
    serde_json::from_str(&body).map_err(|e| Error::Internal(e.into()))
}

// ---- one redemption, and undoing it --------------------------------------------------------

/// A redemption of this partner's as the counter reads it.
#[derive(Serialize)]
struct Slip {
    id: String,
    number: String,
    voucher_hint: String,
    amount: i64,
    balance_after: i64,
    at: String,
    reversed: bool,
    /// Made today (Japan time), not reversed: it can still be undone here.
    reversible: bool,
}

impl Slip {
    /// A redemption as the counter reads it; whether it can still be undone here is the domain's
    /// reversal rule (`check_reversal`; a month still running cannot have been settled).
    fn new(
        id: &str,
        voucher_hint: String,
        amount: i64,
        balance_after: i64,
        redeemed_at: DateTime<Utc>,
        reversed: bool,
    ) -> Slip {
        Slip {
            id: id.to_owned(),
            number: slip_number(id),
            voucher_hint,
            amount,
            balance_after,
            at: japan_time(redeemed_at),
            reversed,
            reversible: check_reversal(reversed, redeemed_at, Utc::now(), false).is_ok(),
        }
    }
}

async fn slip_of(state: &AppState, till: &Till, id: String) -> Result<Slip> {
    let partner_id = till.0.business_id().to_owned();
    let row = state
        .db
        .run(move |conn| redemption_of(conn, &id, &partner_id))
        .await?;
    let hint = crate::vouchers::issue::code_of(&state.settings, &row.voucher_id)
        .last4()
        .to_owned();
    Ok(Slip::new(
        &row.id,
        hint,
        row.amount,
        row.balance_after,
        row.redeemed_at.and_utc(),
        row.reversed_at.is_some(),
    ))
}

/// One redemption of this till's on `template` (its result, or the form to undo it).
async fn slip_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    till: Till,
    id: web::Path<String>,
    template: &str,
) -> HttpResponse {
    match slip_of(&state, &till, id.into_inner()).await {
        Ok(slip) => render(
            &req,
            &state,
            &till,
            StatusCode::OK,
            template,
            context! { slip, reason => "" },
        ),
        Err(e) => Page::new(&req, &state).error(e),
    }
}

async fn result_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    till: Till,
    id: web::Path<String>,
) -> HttpResponse {
    slip_page(req, state, till, id, "till/result.html").await
}

async fn reverse_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    till: Till,
    id: web::Path<String>,
) -> HttpResponse {
    slip_page(req, state, till, id, "till/reverse.html").await
}

#[derive(Deserialize)]
struct ReverseForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf_token: String,
}

async fn reverse(
    req: HttpRequest,
    state: web::Data<AppState>,
    till: Till,
    id: web::Path<String>,
    form: crate::http::Form<ReverseForm>,
) -> HttpResponse {
    let id = id.into_inner();
    let reason = form.reason.trim().to_owned();
    let done = if !csrf::form_ok(&req, &state.settings, &form.csrf_token) {
        Err(csrf::refused())
    } else if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        Err(Error::field(
            "reason",
            "取り消す理由を200文字以内で入力してください。",
        ))
    } else {
        let (partner_id, user_id, id) = (
            till.0.business_id().to_owned(),
            till.0.user_id.clone(),
            id.clone(),
        );
        let reason = reason.clone();
        state
            .db
            .write(move |conn| {
                let order = ReversalOrder {
                    redemption_id: &id,
                    partner_id: &partner_id,
                    actor_id: &user_id,
                    reason: Some(&reason),
                };
                crate::vouchers::redeem::reverse(conn, &order, Utc::now())
            })
            .await
    };
    match done {
        Ok(reversal) => see_other(&format!("/till/today?reversed={}", reversal.id)),
        // A double tap: the first tap reversed it, the second lands where the first did.
        Err(e) if e.code() == ErrorCode::AlreadyReversed => {
            see_other(&format!("/till/today?reversed={id}"))
        }
        Err(e) => match slip_of(&state, &till, id).await {
            Ok(slip) => render(
                &req,
                &state,
                &till,
                status_of(&e),
                "till/reverse.html",
                context! { slip, reason, problem => refused(&e) },
            ),
            Err(missing) => Page::new(&req, &state).error(missing),
        },
    }
}

// ---- the day and the month -----------------------------------------------------------------

async fn statement_of(state: &AppState, till: &Till, month: YearMonth) -> Result<Statement> {
    let settings = state.settings.clone();
    let partner_id = till.0.business_id().to_owned();
    state
        .db
        .run(move |conn| settle::statement(conn, &settings, &partner_id, month))
        .await
}

/// A statement's lines as the counter reads them.
fn slips(statement: &Statement) -> Vec<Slip> {
    statement
        .redemptions
        .iter()
        .map(|line| {
            // (A statement line does not carry the balance after it; the lists do not show it.)
            Slip::new(
                &line.id,
                line.voucher_hint.clone(),
                line.amount,
                0,
                line.redeemed_at,
                line.reversed_at.is_some(),
            )
        })
        .collect()
}

#[derive(Deserialize)]
struct TodayQuery {
    #[serde(default)]
    reversed: Option<String>,
}

/// Today's redemptions with the total to reconcile at closing.
async fn today_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    till: Till,
    query: web::Query<TodayQuery>,
) -> HttpResponse {
    let today = japan_today();
    let statement = match statement_of(&state, &till, YearMonth::of(today)).await {
        Ok(s) => s,
        Err(e) => return Page::new(&req, &state).error(e),
    };
    let todays: Vec<Slip> = slips(&statement)
        .into_iter()
        .zip(&statement.redemptions)
        .filter(|(_, line)| line.redeemed_on == today)
        .map(|(slip, _)| slip)
        .collect();
    let taken = todays.iter().filter(|s| !s.reversed);
    let (count, total) = taken.fold((0, 0), |(n, sum), s| (n + 1, sum + s.amount));
    let reversed = query.reversed.as_deref().map(slip_number);
    render(
        &req,
        &state,
        &till,
        StatusCode::OK,
        "till/today.html",
        context! { today => today.to_string(), slips => todays, count, total, reversed },
    )
}

#[derive(Deserialize)]
struct MonthForm {
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    print: Option<String>,
}

impl MonthForm {
    fn month(&self) -> Result<YearMonth> {
        match self.month.as_deref() {
            None | Some("") => Ok(YearMonth::of(japan_today())),
            Some(m) => crate::vouchers::routes::parse_month(m),
        }
    }
}

/// A month's statement (printable), and the settlement of the months before it.
async fn statement_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    till: Till,
    query: web::Query<MonthForm>,
) -> HttpResponse {
    let month = match query.month() {
        Ok(m) => m,
        Err(e) => return Page::new(&req, &state).error(e),
    };
    let mut months = vec![month];
    for _ in 0..PAST_MONTHS {
        let earlier = months[months.len() - 1].previous();
        months.push(earlier);
    }
    let mut statements = Vec::with_capacity(months.len());
    for m in months {
        match statement_of(&state, &till, m).await {
            Ok(s) => statements.push(s),
            Err(e) => return Page::new(&req, &state).error(e),
        }
    }
    let shown = statements.remove(0);
    let past: Vec<_> = statements
        .iter()
        .map(|s| context! { month => &s.month, count => s.count, net_amount => s.net_amount, settled => s.settled })
        .collect();
    render(
        &req,
        &state,
        &till,
        StatusCode::OK,
        "till/statement.html",
        context! {
            statement => &shown,
            slips => slips(&shown),
            past,
            previous => month.previous().to_string(),
            next => (month < YearMonth::of(japan_today())).then(|| month.next().to_string()),
            print => query.print.is_some(),
        },
    )
}

/// The statement for Excel: UTF-8 with a byte-order mark, one redemption a row, then the totals.
async fn statement_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    till: Till,
    query: web::Query<MonthForm>,
) -> HttpResponse {
    let statement = match query.month() {
        Ok(month) => statement_of(&state, &till, month).await,
        Err(e) => Err(e),
    };
    let statement = match statement {
        Ok(s) => s,
        Err(e) => return Page::new(&req, &state).error(e),
    };
    match statement_csv_bytes(&statement) {
        Ok(body) => {
            let mut response = HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"statement-{}.csv\"", statement.month),
                ))
                .body(body);
            secure_headers(&mut response);
            response
        }
        Err(e) => Page::new(&req, &state).error(e),
    }
}

fn statement_csv_bytes(statement: &Statement) -> Result<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut csv = csv::Writer::from_writer(&mut out);
        let failed = |e: csv::Error| Error::Internal(e.into());
        csv.write_record(["利用日時", "受付番号", "商品券(末尾4桁)", "金額", "取消"])
            .map_err(failed)?;
        for slip in slips(statement) {
            let amount = slip.amount.to_string();
            let reversed = if slip.reversed { "取消" } else { "" };
            csv.write_record([
                slip.at.as_str(),
                &slip.number,
                &slip.voucher_hint,
                &amount,
                reversed,
            ])
            .map_err(failed)?;
        }
        let totals = [
            ("利用額合計", statement.gross_amount),
            ("取消額合計", statement.reversed_amount),
            ("精算額", statement.net_amount),
        ];
        for (label, amount) in totals {
            csv.write_record([label, "", "", &amount.to_string(), ""])
                .map_err(failed)?;
        }
        csv.flush().map_err(|e| Error::Internal(e.into()))?;
    }
    Ok(out)
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/till", web::get().to(|| async { see_other("/till/") }))
        .configure(|cfg| desk::login_routes(cfg, &DOOR))
        .route("/till/logout", web::post().to(logout))
        .route("/till/", web::get().to(scan_page))
        .service(
            web::resource("/till/scan")
                .app_data(web::PayloadConfig::new(MAX_FRAME_PIXELS + 1))
                .route(web::post().to(scan_frame)),
        )
        .route("/till/voucher", web::post().to(voucher_page))
        .route("/till/confirm", web::post().to(confirm_page))
        .route("/till/redeem", web::post().to(redeem))
        .route("/till/redemptions/{id}", web::get().to(result_page))
        .route(
            "/till/redemptions/{id}/reverse",
            web::get().to(reverse_page),
        )
        .route("/till/redemptions/{id}/reverse", web::post().to(reverse))
        .route("/till/today", web::get().to(today_page))
        .route("/till/statement", web::get().to(statement_page))
        .route("/till/statement.csv", web::get().to(statement_csv));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slip_number_is_the_ids_first_eight_symbols() {
        assert_eq!(
            slip_number("3f2a9c1b-7d4e-4b8a-9f00-123456789abc"),
            "3F2A9C1B"
        );
    }

    #[test]
    fn a_qr_code_in_a_grey_frame_is_read_back() {
        let code = crate::domain::voucher_code::VoucherCode::generate();
        let qr = qrcode::QrCode::new(code.display().as_bytes()).unwrap();
        let modules = qr.width();
        let (scale, margin) = (6, 24);
        let side = modules * scale + 2 * margin;
        let colors = qr.to_colors();
        let grey: Vec<u8> = (0..side * side)
            .map(|i| {
                let (x, y) = (i % side, i / side);
                let inside = x >= margin && y >= margin && x < side - margin && y < side - margin;
                let dark = inside
                    && colors[((y - margin) / scale) * modules + (x - margin) / scale]
                        == qrcode::Color::Dark;
                if dark {
                    0
                } else {
                    255
                }
            })
            .collect();
        assert_eq!(read_voucher_qr(&grey, side, side), Some(code.display()));
        assert_eq!(read_voucher_qr(&vec![255; side * side], side, side), None);
    }

    #[test]
    fn the_statement_csv_opens_in_excel_as_utf8() {
        let statement = Statement {
            partner_id: "p".into(),
            month: "2026-11".into(),
            redemptions: Vec::new(),
            count: 0,
            gross_amount: 0,
            reversed_amount: 0,
            net_amount: 0,
            settled: false,
        };
        let bytes = statement_csv_bytes(&statement).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.starts_with("利用日時,受付番号"));
        assert!(text.contains("精算額,,,0,"));
    }
}
