//! The designation rules through the API: an on-site catalogue item always issues its voucher,
//! a gift reaches the catalogue only with an approved 地場産品 basis, and the cost ledger's year
//! equals a hand computation, refunds reversing exactly their share.

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::both_engines;
use crate::flows::{gift_body, gift_donation, osaka};
use crate::helpers::{assert_problem, error_fields, Engine, TestApp};

/// An on-site (現地決済型) item for `amount` whose voucher is worth `value`.
fn on_site_item(code: &str, vendor: &str, amount: i64, value: i64) -> Value {
    let mut body = gift_body(code, vendor, amount, value);
    body["category"] = json!("on_site");
    body["shipping_cost"] = json!(0);
    body["basis_criterion"] = json!(7);
    body
}

async fn every_on_site_item_issues_its_voucher(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    furusato::demo::load_if_empty(&mut app.conn(), &app.settings).unwrap();

    // Every on-site item of the demo catalogue, donated for as a storefront does (kind=gift).
    let items = app
        .get_json("/api/v1/gifts?category=on_site&per_page=100", None)
        .await;
    let items = items["items"].as_array().unwrap().clone();
    assert!(items.len() >= 6, "{items:?}");
    for item in &items {
        let (id, amount) = (
            item["id"].as_str().unwrap(),
            item["amount"].as_i64().unwrap(),
        );
        let (donation, token) = app.donate_ok(&gift_donation(id, amount)).await;
        app.pay(&donation, amount).await;
        let seen = app.view_donation(&donation, &token).await;
        let staff_view = app
            .get_json(&format!("/api/v1/admin/gifts/{id}"), Some(&admin))
            .await;
        assert_eq!(
            seen["voucher"]["face_value"], staff_view["procurement_cost"],
            "{} paid and got its voucher",
            item["name"]
        );
        assert_eq!(seen["voucher"]["balance"], seen["voucher"]["face_value"]);
    }

    // Several units: one voucher of the item's value per unit.
    let vendor = app.create_vendor(&admin, "しながわe街ギフト").await;
    let item = app
        .create_gift(&admin, &on_site_item("E-2500", &vendor, 10_000, 2_500))
        .await;
    let body = json!({"kind": "gift", "gift_id": item["id"], "quantity": 2,
                      "amount": 20_000, "donor": osaka()});
    let (donation, token) = app.donate_ok(&body).await;
    app.pay(&donation, 20_000).await;
    let seen = app.view_donation(&donation, &token).await;
    assert_eq!(
        seen["voucher"]["face_value"], 5_000,
        "the item's own value, per unit"
    );

    // A voucher item is paid by card, like every on-site voucher.
    let (waiting, _) = app
        .donate_ok(&gift_donation(item["id"].as_str().unwrap(), 10_000))
        .await;
    let res = app
        .confirm_payment(
            &admin,
            &waiting,
            &furusato::domain::calendar::japan_today().to_string(),
            "bank_transfer",
        )
        .await;
    assert_problem(res, 409, "card_payment_only").await;

    // An item is always donated for as `gift`; `on_site` is the tiers without an item.
    let body = json!({"kind": "on_site", "gift_id": item["id"], "amount": 10_000,
                      "donor": osaka()});
    let problem = assert_problem(app.donate(&body).await, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["gift_id"]);
}

async fn a_gift_is_public_only_with_an_approved_basis(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, vendor) = app.admin_and_vendor("品川ものづくり工房").await;
    let approver = app.approver_token().await;
    let public_total = || async {
        app.get_json("/api/v1/gifts", None).await["total"]
            .as_i64()
            .unwrap()
    };

    // Created published: refused, nothing stored.
    let mut body = gift_body("BASIS-1", &vendor, 10_000, 3_000);
    body["status"] = json!("published");
    assert_problem(
        app.post_gift(&admin, &body).await,
        422,
        "basis_not_approved",
    )
    .await;

    // A draft without evidence cannot be submitted; the missing part is named.
    let mut body = gift_body("BASIS-1", &vendor, 10_000, 3_000);
    body["basis_evidence"] = json!(null);
    body["basis_criterion"] = json!(12);
    let problem =
        assert_problem(app.post_gift(&admin, &body).await, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["basis_criterion"]);
    body["basis_criterion"] = json!(1);
    let gift = app
        .create_gift(&admin, &{
            let mut b = body.clone();
            b["status"] = json!("draft");
            b
        })
        .await;
    let id = gift["id"].as_str().unwrap().to_owned();
    let actions = format!("/api/v1/admin/gifts/{id}/actions");
    let with_note = |token: &str, body: Value| {
        let (token, url, app) = (token.to_owned(), &actions, &app);
        async move { app.post(url, Some(&token), &body).await }
    };
    let action = |token: &str, action: &str| with_note(token, json!({ "action": action }));
    let problem = assert_problem(action(&admin, "submit").await, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["basis_evidence"]);
    // Publishing a draft, by action or by PATCH, is refused with the stable code.
    assert_problem(action(&admin, "publish").await, 422, "basis_not_approved").await;
    let res = app
        .patch_gift(&admin, &id, &json!({"status": "published"}))
        .await;
    assert_problem(res, 422, "basis_not_approved").await;

    let evidence = json!({"basis_evidence": "工場の登記簿と製造工程表"});
    assert_eq!(app.patch_gift(&admin, &id, &evidence).await.status(), 200);
    assert_eq!(action(&admin, "submit").await.status(), 200);
    // Four eyes: the submitter cannot approve; publishing still waits for the approval.
    assert_problem(
        action(&admin, "approve").await,
        403,
        "approval_by_submitter",
    )
    .await;
    assert_problem(action(&admin, "publish").await, 422, "basis_not_approved").await;
    // A submitted basis is what is reviewed: it cannot change underneath the reviewer.
    let res = app
        .patch_gift(&admin, &id, &json!({"basis_criterion": 2}))
        .await;
    assert_problem(res, 409, "gift_state_conflict").await;
    assert_eq!(public_total().await, 0);

    let approved: Value = action(&approver, "approve").await.json().await.unwrap();
    assert_eq!(approved["status"], "approved");
    assert!(approved["basis_approved_at"].is_string());
    assert_eq!(public_total().await, 0, "approved is not yet public");
    assert_eq!(action(&admin, "publish").await.status(), 200);
    assert_eq!(public_total().await, 1);

    // Suspended and published again without a new approval; withdrawn for good, with a reason.
    assert_eq!(action(&admin, "suspend").await.status(), 200);
    assert_eq!(public_total().await, 0);
    assert_eq!(action(&admin, "publish").await.status(), 200);
    // A withdrawal needs its reason.
    assert_problem(action(&admin, "withdraw").await, 422, "validation_failed").await;
    let reason = json!({"action": "withdraw", "note": "事業者の廃業"});
    assert_eq!(with_note(&admin, reason).await.status(), 200);
    assert_eq!(public_total().await, 0);
    assert_problem(action(&admin, "publish").await, 422, "basis_not_approved").await;

    // Every step is in the audit log, by whom, with its note.
    let log = app.audit_log(&admin, "gift", &id).await;
    let steps: Vec<(String, Value)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["action"].as_str().unwrap().to_owned(),
                i["after"]["note"].clone(),
            )
        })
        .collect();
    for step in [
        "create", "update", "submit", "approve", "publish", "suspend", "withdraw",
    ] {
        assert!(steps.iter().any(|(a, _)| a == step), "{step}: {steps:?}");
    }
    assert!(steps.contains(&("withdraw".to_owned(), json!("事業者の廃業"))));

    // The catalogue report lists gifts by basis.
    let report = app
        .get_json("/api/v1/admin/reports/gift-bases", Some(&admin))
        .await;
    let first = report["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["criterion"] == 1)
        .unwrap()
        .clone();
    assert_eq!(first["gifts"][0]["code"], "BASIS-1", "{report}");
    assert_eq!(first["gifts"][0]["status"], "withdrawn");
}

const CARD_BP: i64 = 300;
const RAKUTEN_BP: i64 = 1000;
const SATOFULL_BP: i64 = 1200;

/// floor(amount × bp / 10000): how a fee is booked per donation.
fn fee(amount: i64, bp: i64) -> i64 {
    amount * bp / 10_000
}

fn portal_file(rows: &[String]) -> Vec<u8> {
    let mut file = String::from(
        "external_id,received_on,amount,kind,gift_code,donor_name,donor_name_kana,donor_email,donor_phone,donor_postal_code,donor_prefecture,donor_city,donor_address_line\n",
    );
    for r in rows {
        file.push_str(r);
        file.push('\n');
    }
    file.into_bytes()
}

fn portal_row(id: &str, on: &str, amount: i64, kind: &str, gift: &str) -> String {
    format!("{id},{on},{amount},{kind},{gift},山田 太郎,ヤマダ タロウ,taro@example.jp,06-1234-5678,530-0001,大阪府,大阪市北区,梅田1-1-1")
}

/// The line of the cost report for `category`.
fn category_line(report: &Value, category: &str) -> Value {
    let lines = report["categories"].as_array().unwrap();
    let line = lines.iter().find(|c| c["category"] == category);
    line.expect("a line for every category").clone()
}

/// Adds a staff cost; returns its id.
async fn cost(app: &TestApp, admin: &str, on: &str, category: &str, amount: i64) -> String {
    app.create(
        "/api/v1/admin/costs",
        Some(admin),
        &json!({"booked_on": on, "category": category, "amount": amount, "note": "テスト"}),
    )
    .await
}

async fn the_cost_report_equals_a_hand_computation(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| {
        s.costs.card_fee_basis_points = CARD_BP as u32;
        s.costs.warning_basis_points = 4500;
    })
    .await;
    let (admin, vendor) = app.admin_and_vendor("品川ものづくり工房").await;
    let p = app
        .create_gift(&admin, &gift_body("P", &vendor, 10_000, 3_000))
        .await;
    let mut q_body = gift_body("Q", &vendor, 30_000, 9_000);
    q_body["shipping_cost"] = json!(800);
    let q = app.create_gift(&admin, &q_body).await;
    let v = app
        .create_gift(&admin, &on_site_item("V", &vendor, 10_000, 3_000))
        .await;
    let id_of = |g: &Value| g["id"].as_str().unwrap().to_owned();

    // Card payments in FY2025 (the webhook's PAID_AT is 2025-07-14).
    let mut paid = Vec::new();
    for (gift, amount, n) in [
        (id_of(&p), 10_000, 30),
        (id_of(&q), 30_000, 10),
        (id_of(&v), 10_000, 5),
    ] {
        for _ in 0..n {
            let (id, token) = app.donate_ok(&gift_donation(&gift, amount)).await;
            app.pay(&id, amount).await;
            paid.push((gift.clone(), id, token));
        }
    }
    for _ in 0..10 {
        let (id, _) = app.donate_ok(&crate::flows::general(7_777)).await;
        app.pay(&id, 7_777).await;
    }
    // Bank transfers cost nothing here.
    for _ in 0..5 {
        let (id, _) = app.donate_ok(&crate::flows::general(20_000)).await;
        app.made_on(&id, "2025-07-01");
        let res = app
            .confirm_payment(&admin, &id, "2025-08-01", "bank_transfer")
            .await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
    }
    // Portal imports: 199 + 1 no-gift rows and 50 gift rows from rakuten, 40 from satofull.
    let mut rows: Vec<String> = (0..200)
        .map(|i| portal_row(&format!("R-{i}"), "2025-09-10", 5_000, "general", ""))
        .collect();
    rows.extend((0..50).map(|i| portal_row(&format!("RG-{i}"), "2025-12-20", 10_000, "gift", "P")));
    assert_eq!(
        app.import_csv(&admin, "rakuten", portal_file(&rows))
            .await
            .status(),
        201
    );
    let rows: Vec<String> = (0..40)
        .map(|i| portal_row(&format!("S-{i}"), "2026-01-05", 12_345, "general", ""))
        .collect();
    assert_eq!(
        app.import_csv(&admin, "satofull", portal_file(&rows))
            .await
            .status(),
        201
    );
    // Sending a file again books nothing twice.
    assert_eq!(
        app.import_csv(&admin, "satofull", portal_file(&rows))
            .await
            .status(),
        201
    );

    // Vouchers: 2,000 spent in August 2025 (settled), 500 in September (not yet).
    let (partner, till) = app.create_partner(&admin, "天王洲ベイサイドグリル").await;
    let on_site_gift = id_of(&v);
    let mut vouchers: Vec<(String, String)> = Vec::new();
    for (gift, id, token) in &paid {
        if *gift == on_site_gift {
            let code = app.view_donation(id, token).await["voucher"]["code"]
                .as_str()
                .unwrap()
                .to_owned();
            vouchers.push((id.clone(), code));
        }
    }
    assert_eq!(vouchers.len(), 5);
    for (code, amount, when, month) in [
        (&vouchers[0].1, 2_000, "2025-08-15T03:00:00", "2025-08"),
        (&vouchers[1].1, 500, "2025-09-15T03:00:00", "2025-09"),
    ] {
        let res = app.redeem(&till, code, amount).await;
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        let id: Value = res.json().await.unwrap();
        use furusato::db::schema::redemptions;
        let at: chrono::NaiveDateTime = when.parse().unwrap();
        diesel::update(redemptions::table.filter(redemptions::id.eq(id["id"].as_str().unwrap())))
            .set((
                redemptions::redeemed_at.eq(at),
                redemptions::redeemed_on.eq(at.date()),
                redemptions::redeemed_month.eq(month),
            ))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let res = app
        .post(
            "/api/v1/admin/settlements",
            Some(&admin),
            &json!({"partner_id": partner, "month": "2025-08"}),
        )
        .await;
    let settled: Value = res.json().await.unwrap();
    assert_eq!(settled["net_amount"], 2_000, "{settled}");

    // Staff costs: inside the year, a mistake reversed, and one in the next year.
    cost(&app, &admin, "2025-10-01", "publicity", 120_000).await;
    cost(&app, &admin, "2026-01-15", "administration", 80_000).await;
    let mistake = cost(&app, &admin, "2025-11-01", "publicity", 10_000).await;
    cost(&app, &admin, "2026-04-01", "publicity", 99_999).await;
    let reverse = |id: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.post(
                &format!("/api/v1/admin/costs/{id}/reversal"),
                Some(&admin),
                &json!({"note": "二重計上"}),
            )
            .await
        }
    };
    assert_eq!(reverse(mistake.clone()).await.status(), 201);
    assert_problem(reverse(mistake).await, 409, "already_reversed").await;

    // Refunds: a card gift, an on-site voucher never spent, an imported donation.
    let refund = |id: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let res = app.refund(&admin, &id, "二重の寄附").await;
            assert_eq!(res.status(), 200, "{:?}", res.text().await);
        }
    };
    refund(paid[0].1.clone()).await;
    refund(vouchers[4].0.clone()).await;
    let imported: String = {
        use furusato::db::schema::donations;
        donations::table
            .filter(donations::external_id.eq("R-0"))
            .select(donations::id)
            .first(&mut *app.conn())
            .unwrap()
    };
    refund(imported).await;

    // By hand.
    let card = |amount| fee(amount, CARD_BP);
    let procurement = 29 * 3_000 + 10 * 9_000 + 50 * 3_000 + 2_000;
    let shipping = 29 * 500 + 10 * 800 + 50 * 500;
    let payment = 29 * card(10_000) + 10 * card(30_000) + 4 * card(10_000) + 10 * card(7_777);
    let administration = 199 * fee(5_000, RAKUTEN_BP)
        + 50 * fee(10_000, RAKUTEN_BP)
        + 40 * fee(12_345, SATOFULL_BP)
        + 80_000;
    let publicity = 120_000;
    let donations = 29 * 10_000
        + 10 * 30_000
        + 4 * 10_000
        + 10 * 7_777
        + 5 * 20_000
        + 199 * 5_000
        + 50 * 10_000
        + 40 * 12_345;
    let total = procurement + shipping + payment + administration + publicity;
    assert_eq!((donations, total), (2_796_570, 806_470));

    let report = app
        .get_json("/api/v1/admin/reports/costs?fiscal_year=2025", Some(&admin))
        .await;
    assert_eq!(report["donations_amount"], donations, "{report}");
    let line = |category: &str| category_line(&report, category);
    assert_eq!(line("procurement")["amount"], procurement, "{report}");
    assert_eq!(line("shipping")["amount"], shipping);
    assert_eq!(line("payment")["amount"], payment);
    assert_eq!(line("administration")["amount"], administration);
    assert_eq!(line("administration")["manual"], 80_000);
    assert_eq!(line("publicity")["amount"], publicity);
    assert_eq!(report["total"], total);
    assert_eq!(
        report["total_ratio_basis_points"],
        total * 10_000 / donations
    );
    assert_eq!(
        report["gift_ratio_basis_points"],
        procurement * 10_000 / donations
    );
    assert_eq!(report["standing"], "within");
    // Two vouchers untouched, two partly spent, one voided by its refund; 500 spent in
    // September is not settled yet.
    assert_eq!(
        report["committed_vouchers"]["unspent"],
        2 * 3_000 + 1_000 + 2_500
    );
    assert_eq!(report["committed_vouchers"]["awaiting_settlement"], 500);

    // The same table for Excel.
    let csv = app
        .get_accepting(
            "/api/v1/admin/reports/costs?fiscal_year=2025",
            &admin,
            "text/csv",
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains(&format!("合計,{total},28.83%")), "{csv}");

    // The warning from 45%, exactly 50% still within the limit, one yen more exceeded.
    let warn_at = (donations * 4_500 + 9_999) / 10_000;
    cost(&app, &admin, "2025-12-01", "publicity", warn_at - total).await;
    let standing = || async {
        app.get_json("/api/v1/admin/reports/costs?fiscal_year=2025", Some(&admin))
            .await["standing"]
            .clone()
    };
    assert_eq!(standing().await, "warning");
    let half = donations / 2;
    cost(&app, &admin, "2025-12-02", "publicity", half - warn_at).await;
    assert_eq!(
        standing().await,
        "warning",
        "exactly 50% is within the limit"
    );
    cost(&app, &admin, "2025-12-03", "publicity", 1).await;
    assert_eq!(standing().await, "exceeded");

    // A viewer reads the ledger but enters nothing.
    let viewer = app
        .staff_token(
            "viewer@city.shinagawa.example",
            furusato::auth::Role::Viewer,
        )
        .await;
    let list = app
        .get_json(
            "/api/v1/admin/costs?fiscal_year=2025&category=publicity&per_page=100",
            Some(&viewer),
        )
        .await;
    assert_eq!(list["total"], 6, "{list}");
    let res = app
        .post(
            "/api/v1/admin/costs",
            Some(&viewer),
            &json!({"booked_on": "2025-12-01", "category": "publicity", "amount": 1}),
        )
        .await;
    assert_eq!(res.status(), 403);
}

async fn a_refund_after_the_gift_left_keeps_what_it_cost(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, vendor) = app.admin_and_vendor("品川ものづくり工房").await;
    let gift = app
        .create_gift(&admin, &gift_body("SENT", &vendor, 10_000, 3_000))
        .await;
    let (id, _) = app
        .donate_ok(&gift_donation(gift["id"].as_str().unwrap(), 10_000))
        .await;
    app.pay(&id, 10_000).await;
    // The vendor sends the parcel, then the donation is refunded.
    let orders = app.get_json("/api/v1/admin/orders", Some(&admin)).await;
    let order = orders["items"][0]["id"].as_str().unwrap().to_owned();
    for (action, body) in [
        ("accept", json!({})),
        (
            "shipment",
            json!({"carrier": "yamato", "tracking_number": "1234-5678-9012"}),
        ),
    ] {
        let res = app
            .post(
                &format!("/api/v1/admin/orders/{order}/{action}"),
                Some(&admin),
                &body,
            )
            .await;
        assert_eq!(res.status(), 200, "{action}: {:?}", res.text().await);
    }
    assert_eq!(
        app.refund(&admin, &id, "寄附者の申し出").await.status(),
        200
    );
    let report = app
        .get_json("/api/v1/admin/reports/costs?fiscal_year=2025", Some(&admin))
        .await;
    let amount = |category: &str| category_line(&report, category)["amount"].clone();
    assert_eq!(amount("procurement"), 3_000, "the gift was sent: {report}");
    assert_eq!(amount("shipping"), 500);
    assert_eq!(
        amount("payment"),
        0,
        "the card fee went back with the money"
    );
    assert_eq!(report["donations_amount"], 0);
    assert_eq!(report["standing"], "exceeded", "costs with no donations");

    // A sent gift's vendor and category were approved as they are.
    let id = gift["id"].as_str().unwrap();
    let other = app.create_vendor(&admin, "別の工房").await;
    for approved in [json!({"vendor_id": other}), json!({"category": "on_site"})] {
        let res = app.patch_gift(&admin, id, &approved).await;
        assert_problem(res, 409, "gift_state_conflict").await;
    }
    // A basis written with a trailing newline is not changed by sending it back trimmed.
    let evidence = json!({"basis_evidence": "製造工程表\r\n"});
    let res = app.patch_gift(&admin, id, &evidence).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    // A cost beyond any real one is refused before it can break a year's sums.
    let res = app
        .post(
            "/api/v1/admin/costs",
            Some(&admin),
            &json!({"booked_on": "2025-10-01", "category": "publicity", "amount": i64::MAX}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
}

both_engines!(
    a_refund_after_the_gift_left_keeps_what_it_cost,
    every_on_site_item_issues_its_voucher,
    a_gift_is_public_only_with_an_approved_basis,
    the_cost_report_equals_a_hand_computation,
);
