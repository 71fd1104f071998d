//! The till (`/till/`): partner staff at a counter scan or type a voucher, take an amount from
//! it, undo a mistake the same day, and close the day and the month.
//!
//! Every write is the API's own: `auth::sign_in`, `vouchers::redeem::{lookup, redeem_once,
//! reverse}`, `vouchers::settle::statement`; a redemption from the page shares the API's
//! idempotency (a hidden key per voucher screen), so a double tap takes the money once. The
//! session is an opaque cookie whose hash is an ordinary session row, so logout revokes it and
//! any instance knows it. Voucher codes travel only in POST bodies, never in URLs (logs).
//!
//! - `statement`: the day and the month (today's redemptions, the monthly statement and CSV).

mod statement;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use minijinja::context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::csrf;
use super::desk::{self, AtDesk, Door};
use super::render::{japan_time, secure_headers, see_other, status_of};
use crate::auth::Role;
use crate::domain::calendar::japan_date;
use crate::domain::fields::typed_number;
use crate::domain::voucher::{check_reversal, Standing};
use crate::error::{Error, ErrorCode, Result};
use crate::http::Form;
use crate::idempotency::{self, IdempotencyKey};
use crate::vouchers::issue::VoucherRow;
use crate::vouchers::redeem::{
    check_takeable, lookup, parse_code, redeem_once, redemption_of, RedemptionOrder, ReversalOrder,
};
use crate::vouchers::types::Redemption;

/// The till's door: partner logins, signed in at `/till/login`.
pub static DOOR: Door = desk::door!(
    "till",
    roles: &[Role::Partner],
    wrong_login: "加盟店用のレジです。利用中の加盟店のログインでお入りください（区の職員は管理画面へ）。",
    words: counter_words,
);

/// The largest camera frame the till sends to be decoded (grey, one byte a pixel).
const MAX_FRAME_PIXELS: usize = 1280 * 960;

/// The longest reason for a reversal kept in the audit log.
const MAX_REASON_CHARS: usize = 200;

/// A partner's staff member signed in at this till (the desk's business is the partner); every
/// till page shows the partner's name.
pub struct Till(AtDesk);
desk::visitor!(Till, &DOOR);

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

async fn logout(till: Till, form: Form<csrf::TokenOnly>) -> HttpResponse {
    till.logout(&form).await
}

// ---- scan or type --------------------------------------------------------------------------

async fn scan_page(till: Till) -> HttpResponse {
    till.ok("till/scan.html", context! { code => "" })
}

#[derive(Deserialize)]
struct FrameSize {
    width: usize,
    height: usize,
}

/// Reads a QR code from one grey camera frame (for tablets whose browser has no barcode API):
/// `{"code": "…"}` when a voucher code is in it, `{"code": null}` otherwise.
async fn scan_frame(till: Till, size: web::Query<FrameSize>, frame: web::Bytes) -> HttpResponse {
    let token = till
        .req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Err(e) = till.check_form(token) {
        return actix_web::ResponseError::error_response(&e);
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

#[derive(Default, Deserialize)]
#[serde(default)]
struct CodeForm {
    code: String,
    csrf_token: String,
}

/// The voucher screen for a scanned or typed code: balance and expiry, and the keypad. A typo
/// (the check symbol) is refused before any lookup; an unknown code counts against the till.
async fn voucher_page(till: Till, form: Form<CodeForm>) -> HttpResponse {
    let shown = async {
        till.check_form(&form.csrf_token)?;
        show_voucher(&till, &form.code).await
    }
    .await;
    match shown {
        Ok(voucher) => till.ok("till/voucher.html", context! { voucher, amount => "" }),
        Err(e) => scan_refused(&till, &form.code, e),
    }
}

fn scan_refused(till: &Till, code: &str, error: Error) -> HttpResponse {
    till.render(
        status_of(&error),
        "till/scan.html",
        context! { code, problem => till.refused(&error) },
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
async fn find_voucher(till: &Till, typed: &str) -> Result<(String, VoucherRow)> {
    let code = parse_code(typed)?;
    let settings = till.state.settings.clone();
    let partner_id = till.desk.business_id().to_owned();
    let display = code.display();
    let voucher = till
        .state
        .db
        .run(move |conn| lookup(conn, &settings, &partner_id, &code))
        .await?;
    Ok((display, voucher))
}

async fn show_voucher(till: &Till, typed: &str) -> Result<VoucherScreen> {
    let (code, voucher) = find_voucher(till, typed).await?;
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

#[derive(Default, Deserialize, Serialize)]
#[serde(default)]
struct AmountForm {
    code: String,
    amount: String,
    idempotency_key: String,
    #[serde(skip_serializing)]
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
async fn confirm_page(till: Till, form: Form<AmountForm>) -> HttpResponse {
    let form = form.into_inner();
    match confirmable(&till, &form).await {
        Ok((amount, balance)) => till.ok(
            "till/confirm.html",
            context! {
                code => &form.code,
                idempotency_key => &form.idempotency_key,
                amount,
                balance,
                balance_after => balance - amount,
            },
        ),
        Err(e) => amount_refused(&till, &form, e).await,
    }
}

/// The amount and the voucher's balance, if the amount could be taken now; otherwise the API's
/// refusal, so the counter hears it before the confirm step rather than after.
async fn confirmable(till: &Till, form: &AmountForm) -> Result<(i64, i64)> {
    till.check_form(&form.csrf_token)?;
    let order = form.order()?;
    let (_, voucher) = find_voucher(till, &form.code).await?;
    check_takeable(&voucher, order.amount, Utc::now())?;
    Ok((order.amount.get(), voucher.balance))
}

/// The voucher screen again with the refusal beside the amount (or the scan screen when the
/// voucher itself cannot be shown).
async fn amount_refused(till: &Till, form: &AmountForm, error: Error) -> HttpResponse {
    match show_voucher(till, &form.code).await {
        Ok(voucher) => till.render(
            status_of(&error),
            "till/voucher.html",
            context! { voucher, amount => &form.amount, problem => till.refused(&error) },
        ),
        Err(e) => scan_refused(till, &form.code, e),
    }
}

/// Takes the amount (once per voucher screen's key) and shows the result.
async fn redeem(till: Till, form: Form<AmountForm>) -> HttpResponse {
    let form = form.into_inner();
    match take(&till, &form).await {
        Ok(redemption) => see_other(&format!("/till/redemptions/{}", redemption.id)),
        Err(e) => amount_refused(&till, &form, e).await,
    }
}

async fn take(till: &Till, form: &AmountForm) -> Result<Redemption> {
    till.check_form(&form.csrf_token)?;
    let order = form.order()?;
    let key = IdempotencyKey::parse(&form.idempotency_key)?;
    // The body the API would have been sent, so a key means the same on both.
    let fingerprint = idempotency::fingerprint(&serde_json::json!({
        "voucher_code": order.code.display(),
        "amount": order.amount.get(),
    }));
    let (status, body) = redeem_once(
        &till.state.db,
        &till.state.settings,
        till.desk.business_id(),
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

async fn slip_of(till: &Till, id: String) -> Result<Slip> {
    let partner_id = till.desk.business_id().to_owned();
    let row = till
        .state
        .db
        .run(move |conn| redemption_of(conn, &id, &partner_id))
        .await?;
    let hint = crate::vouchers::issue::code_of(&till.state.settings, &row.voucher_id)
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
async fn slip_page(till: Till, id: web::Path<String>, template: &str) -> HttpResponse {
    match slip_of(&till, id.into_inner()).await {
        Ok(slip) => till.ok(template, context! { slip, reason => "" }),
        Err(e) => till.error(e),
    }
}

async fn result_page(till: Till, id: web::Path<String>) -> HttpResponse {
    slip_page(till, id, "till/result.html").await
}

async fn reverse_page(till: Till, id: web::Path<String>) -> HttpResponse {
    slip_page(till, id, "till/reverse.html").await
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ReverseForm {
    reason: String,
    csrf_token: String,
}

async fn reverse(till: Till, id: web::Path<String>, form: Form<ReverseForm>) -> HttpResponse {
    let id = id.into_inner();
    let reason = form.reason.trim().to_owned();
    let done = async {
        till.check_form(&form.csrf_token)?;
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(Error::field(
                "reason",
                "取り消す理由を200文字以内で入力してください。",
            ));
        }
        let (partner_id, user_id, id, reason) = (
            till.desk.business_id().to_owned(),
            till.desk.user_id.clone(),
            id.clone(),
            reason.clone(),
        );
        till.state
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
    }
    .await;
    match done {
        Ok(reversal) => see_other(&format!("/till/today?reversed={}", reversal.id)),
        // A double tap: the first tap reversed it, the second lands where the first did.
        Err(e) if e.code() == ErrorCode::AlreadyReversed => {
            see_other(&format!("/till/today?reversed={id}"))
        }
        Err(e) => match slip_of(&till, id).await {
            Ok(slip) => till.render(
                status_of(&e),
                "till/reverse.html",
                context! { slip, reason, problem => till.refused(&e) },
            ),
            Err(missing) => till.error(missing),
        },
    }
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
        .route("/till/today", web::get().to(statement::today_page))
        .route("/till/statement", web::get().to(statement::statement_page))
        .route(
            "/till/statement.csv",
            web::get().to(statement::statement_csv),
        );
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
        // Six pixels a module, inside the code's quiet zone: black on white.
        let picture = qr
            .render::<char>()
            .module_dimensions(6, 6)
            .dark_color('#')
            .light_color(' ')
            .build();
        let rows: Vec<&str> = picture.lines().collect();
        let side = rows.len();
        let grey: Vec<u8> = rows
            .iter()
            .flat_map(|row| row.chars().map(|c| if c == '#' { 0 } else { 255 }))
            .collect();
        assert_eq!(read_voucher_qr(&grey, side, side), Some(code.display()));
        assert_eq!(read_voucher_qr(&vec![255; side * side], side, side), None);
    }
}
