//! Every write is one function outside HTTP: each is called here directly, with a connection and
//! an already-checked value, exactly as a route handler or a page handler calls it.

use chrono::Utc;
use diesel::prelude::*;
use furusato::catalogue::{approval, gifts};
use furusato::config::Settings;
use furusato::costs::{entries, report as cost_report};
use furusato::db::schema::users;
use furusato::db::{write_transaction, DbConnection};
use furusato::domain::calendar::{japan_today, YearMonth};
use furusato::domain::donation::{DonationStatus, PaymentMethod};
use furusato::domain::gift_approval::GiftAction;
use furusato::donations::refund::{self, RefundReason};
use furusato::donations::{create, store};
use furusato::error::{Error, ErrorCode};
use furusato::imports::{import, store::ImportRequest};
use furusato::payments::confirm::{self, WebhookOutcome};
use furusato::payments::offline::{self, OfflinePayment};
use furusato::vouchers::partners::{self, NewLogin};
use furusato::vouchers::redeem::{self, RedemptionOrder};
use furusato::vouchers::{issue, settle};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::both_engines;
use crate::flows::{general, gift_body, gift_donation, on_site, succeeded, PAID_AT};
use crate::helpers::{Engine, TestApp, ADMIN_EMAIL, APPROVER_EMAIL};

fn parse<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("request shape")
}

/// Runs one write in its own transaction, as `Db::write` does for a handler.
fn write<T>(app: &TestApp, f: impl FnOnce(&mut DbConnection, &Settings) -> Result<T, Error>) -> T {
    let mut conn = app.conn();
    write_transaction(&mut conn, |c: &mut DbConnection| f(c, &app.settings)).expect("write")
}

fn refused<T>(
    app: &TestApp,
    f: impl FnOnce(&mut DbConnection, &Settings) -> Result<T, Error>,
) -> ErrorCode {
    let mut conn = app.conn();
    match write_transaction(&mut conn, |c: &mut DbConnection| f(c, &app.settings)) {
        Ok(_) => panic!("expected a refusal"),
        Err(e) => e.code(),
    }
}

async fn admin_id(app: &TestApp) -> String {
    app.admin_token().await;
    user_id(app, ADMIN_EMAIL)
}

/// The second staff member, who approves what the first submits.
async fn approver_id(app: &TestApp) -> String {
    app.approver_token().await;
    user_id(app, APPROVER_EMAIL)
}

fn user_id(app: &TestApp, email: &str) -> String {
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut *app.conn())
        .expect("admin row")
}

/// Creates a pending donation directly and pays it through the webhook use case.
fn donate_and_confirm(app: &TestApp, body: Value, event_id: &str) -> String {
    let new = create::check(parse(body), &app.settings).expect("valid donation");
    let created = write(app, |c, s| create::create(c, s, new));
    assert_eq!(created.status, DonationStatus::PendingPayment);
    // Made on the day it is paid (the service refuses a payment from before the donation).
    app.made_on(&created.id, &PAID_AT[..10]);
    let event = parse(succeeded(event_id, &created.id, created.amount, PAID_AT));
    let outcome = write(app, |c, s| confirm::confirm(c, s, &event));
    assert_eq!(outcome, WebhookOutcome::Paid);
    let again = write(app, |c, s| confirm::confirm(c, s, &event));
    assert_eq!(again, WebhookOutcome::Duplicate);
    created.id
}

async fn catalogue_and_donation_writes(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let actor = admin_id(&app).await;

    let vendor_req = parse(json!({"name": "品川食品", "is_vendor": true}));
    let vendor = write(&app, |c, s| {
        partners::create_business(c, s, &actor, vendor_req, None)
    });
    let patch = parse(json!({"contact_phone": "03-0000-0000"}));
    let vendor = write(&app, |c, _| {
        partners::update_business(c, &actor, &vendor.id, patch)
    });
    assert_eq!(vendor.contact_phone.as_deref(), Some("03-0000-0000"));

    let gift = write(&app, |c, s| {
        gifts::create(
            c,
            s,
            &actor,
            parse(gift_body("UC-1", &vendor.id, 10_000, 3_000)),
        )
    });
    // The basis approval, step by step; the submitter cannot approve.
    let approver = approver_id(&app).await;
    let id = gift.public.id.clone();
    write(&app, |c, s| {
        approval::act(c, s, &actor, &id, GiftAction::Submit, "")
    });
    assert_eq!(
        refused(&app, |c, s| approval::act(
            c,
            s,
            &actor,
            &id,
            GiftAction::Approve,
            ""
        )),
        ErrorCode::ApprovalBySubmitter
    );
    write(&app, |c, s| {
        approval::act(c, s, &approver, &id, GiftAction::Approve, "")
    });
    let gift = write(&app, |c, s| {
        approval::act(c, s, &actor, &id, GiftAction::Publish, "")
    });
    assert_eq!(gift.status.as_str(), "published");
    let over = parse(gift_body("UC-2", &vendor.id, 10_000, 3_001));
    assert_eq!(
        refused(&app, |c, s| gifts::create(c, s, &actor, over)),
        ErrorCode::ReturnRatioExceeded
    );
    let gift = write(&app, |c, s| {
        gifts::update(c, s, &actor, &gift.public.id, parse(json!({"stock": 2})))
    });
    assert_eq!(gift.stock, Some(2));

    let paid = donate_and_confirm(&app, gift_donation(&gift.public.id, 10_000), "evt_uc_gift");
    let receipt = write(&app, |c, s| refund::reissue_receipt(c, s, &actor, &paid));
    assert!(receipt.reissued && !receipt.voided);
    let reason = RefundReason::parse("寄附者の申し出").expect("reason");
    let refunded = write(&app, |c, s| refund::refund(c, s, &actor, &paid, &reason));
    assert_eq!(refunded.status, DonationStatus::Refunded);
    let voided = refused(&app, |c, s| refund::reissue_receipt(c, s, &actor, &paid));
    assert_eq!(voided, ErrorCode::ReceiptVoided);

    let new = create::check(parse(general(5_000)), &app.settings).expect("valid");
    let pending = write(&app, |c, s| create::create(c, s, new));
    let payment = OfflinePayment {
        received_on: japan_today(),
        method: PaymentMethod::BankTransfer,
    };
    let row = write(&app, |c, s| {
        offline::record_offline(c, s, &actor, &pending.id, payment)
    });
    assert_eq!(row.payment_method, Some(PaymentMethod::BankTransfer));
    assert!(row.receipt_number.is_some());

    // The cost ledger: a staff entry and its reversal; the refund above reversed the gift's costs.
    let entry = parse(json!({"booked_on": "2025-07-20", "category": "publicity", "amount": 5_000}));
    let entry = write(&app, |c, _| entries::add(c, &actor, entry));
    write(&app, |c, _| entries::reverse(c, &actor, &entry.id, "誤り"));
    let fy = furusato::domain::calendar::FiscalYear::new(2025).expect("year");
    let costs = write(&app, |c, s| cost_report::build(c, s, fy, japan_today()));
    assert_eq!(
        costs.total, 0,
        "the refunded gift and the reversed entry net out"
    );

    let suspended = write(&app, |c, _| gifts::suspend(c, &actor, &gift.public.id));
    assert_eq!(suspended.status.as_str(), "suspended");
    let stored = store::get(&mut app.conn(), &paid).expect("donation");
    assert_eq!(stored.status, DonationStatus::Refunded);
}

async fn voucher_and_import_writes(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let actor = admin_id(&app).await;
    let login = NewLogin::prepare(&app.settings, "till@hotel.example.jp", "till-password-long")
        .expect("login");
    let partner_req = parse(
        json!({"name": "品川ホテル", "email": "till@hotel.example.jp", "password": "till-password-long"}),
    );
    let partner = write(&app, |c, s| {
        partners::create_partner(c, s, &actor, partner_req, login)
    });
    let partner_id = partner.business.id;

    let donation = donate_and_confirm(&app, on_site(10_000), "evt_uc_on_site");
    let voucher = issue::for_donation(&mut app.conn(), &donation)
        .expect("query")
        .expect("a paid on-site donation has its voucher");
    let code = issue::code_of(&app.settings, &voucher.id).display();
    let order = RedemptionOrder::parse(&code, 1_200).expect("order");
    let found =
        redeem::lookup(&mut app.conn(), &app.settings, &partner_id, &order.code).expect("lookup");
    let redemption = write(&app, |c, _| {
        redeem::redeem(c, &found, &partner_id, &order, Utc::now())
    });
    assert_eq!(redemption.balance_after, voucher.face_value - 1_200);
    let reversal_order = redeem::ReversalOrder {
        redemption_id: &redemption.id,
        partner_id: &partner_id,
        actor_id: &actor,
        reason: Some("金額の入力誤り"),
    };
    let reversal = write(&app, |c, _| redeem::reverse(c, &reversal_order, Utc::now()));
    assert_eq!(reversal.balance, voucher.face_value);
    let twice = refused(&app, |c, _| redeem::reverse(c, &reversal_order, Utc::now()));
    assert_eq!(twice, ErrorCode::AlreadyReversed);

    // The till's one-statement path: the voucher found by its code inside the UPDATE.
    let taken = write(&app, |c, s| {
        redeem::take(c, s, &partner_id, &order, Utc::now())
    });
    assert_eq!(taken.balance_after, voucher.face_value - 1_200);
    let too_much = RedemptionOrder::parse(&code, voucher.face_value).expect("order");
    let refusal = refused(&app, |c, s| {
        redeem::take(c, s, &partner_id, &too_much, Utc::now())
    });
    assert_eq!(refusal, ErrorCode::InsufficientBalance);

    let today = japan_today();
    let this_month = YearMonth::of(today);
    let statement = {
        let mut conn = app.conn();
        settle::statement(&mut conn, &app.settings, &partner_id, this_month).expect("statement")
    };
    assert_eq!(
        (
            statement.gross_amount,
            statement.reversed_amount,
            statement.net_amount
        ),
        (2_400, 1_200, 1_200),
        "the reversed redemption and the one taken by code"
    );
    let open = refused(&app, |c, _| {
        settle::settle_month(c, &actor, &partner_id, this_month, today)
    });
    assert_eq!(open, ErrorCode::MonthNotClosed);
    let last = YearMonth::of(this_month.first_day() - chrono::Days::new(1));
    let line = write(&app, |c, _| {
        settle::settle_month(c, &actor, &partner_id, last, today)
    });
    assert!(line.paid);

    let csv = "external_id,received_on,amount,kind,donor_name,donor_name_kana,donor_email,donor_phone,donor_postal_code,donor_prefecture,donor_city,donor_address_line\n\
               P-1,2025-07-01,5000,general,山田 太郎,ヤマダ タロウ,taro@example.jp,06-1234-5678,530-0001,大阪府,大阪市北区,梅田1-1-1\n";
    let rows = import::parse_file(csv.as_bytes(), today).expect("a good file");
    let request = ImportRequest {
        channel: "rakuten".into(),
        file_name: None,
        actor_id: actor.clone(),
        home_prefecture: app.settings.municipality.prefecture.clone(),
        home_city: app.settings.municipality.city.clone(),
        fees: furusato::costs::book::rates(&app.settings, "rakuten"),
    };
    let first = import::import_file(&mut app.conn(), &request, &rows)
        .ok()
        .expect("imported");
    assert_eq!((first.imported, first.skipped), (1, 0));
    let again = import::import_file(&mut app.conn(), &request, &rows)
        .ok()
        .expect("imported");
    assert_eq!((again.imported, again.skipped), (0, 1));
}

both_engines!(catalogue_and_donation_writes, voucher_and_import_writes);
