//! Reporting and portal imports: Japan dates, fiscal years, targets, CSV in and out, breakdowns.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use furusato::db::schema::{audit_log, donations};
use furusato::domain::calendar::japan_date;
use serde_json::{json, Value};

use crate::both_engines;
use crate::flows::gift_body;
use crate::helpers::{assert_problem, error_lines, strings, Engine, TestApp};

/// References of a directly inserted donation.
#[derive(Default, Clone, Copy)]
struct Refs<'a> {
    gift_id: Option<&'a str>,
    organization_id: Option<&'a str>,
    purpose_id: Option<&'a str>,
}

fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Inserts a donation row as the official site would leave it: `paid_at` given for paid and
/// refunded donations, whose receipt date is then the Japan date of `paid_at`.
fn insert_donation(
    app: &TestApp,
    kind: &str,
    status: &str,
    amount: i64,
    paid_at: Option<&str>,
    refs: Refs<'_>,
) {
    let paid_at = paid_at.map(instant);
    let received_on: Option<NaiveDate> = paid_at.map(japan_date);
    let id = uuid::Uuid::new_v4().to_string();
    let at = Utc::now().naive_utc();
    let mut conn = app.conn();
    diesel::insert_into(donations::table)
        .values((
            donations::id.eq(&id),
            donations::kind.eq(kind),
            donations::status.eq(status),
            donations::amount.eq(amount),
            donations::gift_id.eq(refs.gift_id),
            donations::quantity.eq(1),
            donations::organization_id.eq(refs.organization_id),
            donations::purpose_id.eq(refs.purpose_id),
            donations::channel.eq("official_site"),
            donations::donor_name.eq("大阪 花子"),
            donations::donor_name_kana.eq("オオサカ ハナコ"),
            donations::donor_email.eq("hanako@example.jp"),
            donations::donor_phone.eq("06-1234-5678"),
            donations::donor_postal_code.eq("530-0001"),
            donations::donor_prefecture.eq("大阪府"),
            donations::donor_city.eq("大阪市北区"),
            donations::donor_address_line.eq("梅田1-1-1"),
            donations::one_stop.eq(false),
            donations::created_at.eq(at),
            donations::updated_at.eq(at),
            donations::paid_at.eq(paid_at.map(|p| p.naive_utc())),
            donations::received_on.eq(received_on),
            donations::payment_method.eq(paid_at.map(|_| "card")),
        ))
        .execute(&mut *conn)
        .unwrap();
}

/// Inserts a general donation (no gift, organisation or purpose); see `insert_donation`.
fn insert_general(app: &TestApp, status: &str, amount: i64, paid_at: Option<&str>) {
    insert_donation(app, "general", status, amount, paid_at, Refs::default());
}

fn donation_count(app: &TestApp) -> i64 {
    donations::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

/// How many audit-log entries there are about `entity`.
fn audit_count(app: &TestApp, entity: &str) -> i64 {
    audit_log::table
        .filter(audit_log::entity.eq(entity))
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

/// The monthly report of a fiscal year (200).
async fn monthly(app: &TestApp, admin: &str, fiscal_year: i32) -> Value {
    app.get_json(
        &format!("/api/v1/admin/reports/monthly?fiscal_year={fiscal_year}"),
        Some(admin),
    )
    .await
}

const HEADER: &str = "external_id,received_on,amount,kind,gift_code,organization,purpose,donor_name,donor_name_kana,donor_email,donor_phone,donor_postal_code,donor_prefecture,donor_city,donor_address_line,one_stop";

/// One CSV line; the donor lives in Osaka unless `city` says otherwise.
fn line(id: &str, date: &str, amount: i64, kind: &str, reference: &str, city: &str) -> String {
    let (gift, org) = match kind {
        "gift" => (reference, ""),
        "support" => ("", reference),
        _ => ("", ""),
    };
    let prefecture = if city == "品川区" {
        "東京都"
    } else {
        "大阪府"
    };
    format!(
        "{id},{date},{amount},{kind},{gift},{org},,大阪 花子,ｵｵｻｶ ﾊﾅｺ,hanako@example.jp,06-1234-5678,530-0001,{prefecture},{city},梅田1-1-1,はい"
    )
}

fn file(lines: &[String]) -> String {
    let mut text = format!("{HEADER}\r\n");
    for l in lines {
        text.push_str(l);
        text.push_str("\r\n");
    }
    text
}

fn tally(v: &Value) -> (i64, i64) {
    (v["count"].as_i64().unwrap(), v["amount"].as_i64().unwrap())
}

async fn monthly_report_counts_paid_donations_by_japan_date(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    for (status, amount, paid_at) in [
        // The last minute of FY2025 and the first of FY2026, in Japan time.
        ("paid", 10_000, Some("2026-03-31T23:59:00+09:00")),
        ("paid", 20_000, Some("2026-04-01T00:00:00+09:00")),
        // 15:30 UTC on the 13th is 00:30 on the 14th in Japan.
        ("paid", 30_000, Some("2025-07-13T15:30:00Z")),
        // Refunded, pending and cancelled donations do not count.
        ("refunded", 1_000_000, Some("2025-07-14T10:00:00+09:00")),
        ("pending_payment", 500_000, None),
        ("cancelled", 700_000, None),
        // The year before: July, and the last second of March 2025 in Japan.
        ("paid", 40_000, Some("2024-07-01T03:00:00Z")),
        ("paid", 5_000, Some("2025-03-31T14:59:59Z")),
    ] {
        insert_general(&app, status, amount, paid_at);
    }

    let r = monthly(&app, &admin, 2025).await;
    assert_eq!(r["fiscal_year"], 2025);
    assert_eq!(r["label"], "令和7年度");
    assert_eq!(r["target"], 120_000_000);
    let months = r["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    let names = strings(&r["months"], "month");
    assert_eq!(names[0], "2025-04");
    assert_eq!(names[11], "2026-03");
    assert_eq!(
        tally(&months[3]),
        (1, 30_000),
        "July holds the 14th (Japan)"
    );
    assert_eq!(
        tally(&months[11]),
        (1, 10_000),
        "23:59 JST on 31 March is FY2025"
    );
    assert_eq!(months[3]["cumulative_amount"], 30_000);
    assert_eq!(months[10]["cumulative_amount"], 30_000);
    assert_eq!(months[11]["cumulative_amount"], 40_000);
    assert_eq!(tally(&months[3]["previous_year"]), (1, 40_000));
    assert_eq!(tally(&months[11]["previous_year"]), (1, 5_000));
    assert_eq!(tally(&months[0]["previous_year"]), (0, 0));
    assert_eq!(tally(&r["total"]), (2, 40_000));
    assert_eq!(tally(&r["previous_year_total"]), (2, 45_000));
    let progress = r["progress"].as_f64().unwrap();
    assert!(
        (progress - 40_000.0 / 120_000_000.0).abs() < 1e-12,
        "{progress}"
    );
    // FY2025 is over: the "projection" is the actual total.
    assert_eq!(r["projection"]["basis"], "actual");
    assert_eq!(r["projection"]["year_end_amount"], 40_000);
    assert!(r["projection"]["method"]
        .as_str()
        .unwrap()
        .contains("actual"));

    let r = monthly(&app, &admin, 2026).await;
    assert_eq!(
        tally(&r["months"][0]),
        (1, 20_000),
        "00:00 JST on 1 April is FY2026"
    );
    // The previous-year columns are FY2025's months.
    assert_eq!(tally(&r["months"][3]["previous_year"]), (1, 30_000));
    assert_eq!(tally(&r["months"][11]["previous_year"]), (1, 10_000));
    assert_eq!(tally(&r["previous_year_total"]), (2, 40_000));
    // No target is configured for FY2026.
    assert!(r["target"].is_null() && r["progress"].is_null());

    let r = monthly(&app, &admin, 2024).await;
    assert_eq!(tally(&r["total"]), (2, 45_000));
    assert_eq!(r["label"], "令和6年度");
    let r = monthly(&app, &admin, 2200).await;
    assert_eq!(r["projection"]["basis"], "none");
    assert!(r["projection"]["year_end_amount"].is_null());

    let res = app
        .get(
            "/api/v1/admin/reports/monthly?fiscal_year=1999",
            Some(&admin),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = app.get("/api/v1/admin/reports/monthly", Some(&admin)).await;
    assert_problem(res, 400, "invalid_query").await;
    let res = app
        .get("/api/v1/admin/reports/monthly?fiscal_year=2025", None)
        .await;
    assert_problem(res, 401, "unauthorized").await;
}

async fn targets_default_and_put(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let list = app.get_json("/api/v1/admin/targets", Some(&admin)).await;
    assert_eq!(
        list["items"],
        json!([{"fiscal_year": 2025, "label": "令和7年度", "amount": 120_000_000,
                "source": "default", "updated_at": null, "updated_by": null}])
    );

    let put = |year: i32, amount: i64| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.send_json(
                reqwest::Method::PUT,
                &format!("/api/v1/admin/targets/{year}"),
                Some(&admin),
                &json!({ "amount": amount }),
            )
            .await
        }
    };
    let res = put(2025, 150_000_000).await;
    assert_eq!(res.status(), 200);
    let t: Value = res.json().await.unwrap();
    assert_eq!(t["source"], "set");
    assert_eq!(t["amount"], 150_000_000);
    assert!(t["updated_by"].is_string());
    // Setting it again replaces the row.
    assert_eq!(put(2025, 130_000_000).await.status(), 200);
    assert_eq!(put(2026, 140_000_000).await.status(), 200);

    let r = monthly(&app, &admin, 2025).await;
    assert_eq!(r["target"], 130_000_000);
    assert_eq!(r["progress"], 0.0);
    let r = monthly(&app, &admin, 2026).await;
    assert_eq!(r["target"], 140_000_000);
    let list = app.get_json("/api/v1/admin/targets", Some(&admin)).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["amount"], 130_000_000);
    assert_eq!(items[1]["label"], "令和8年度");

    assert_problem(put(2025, 0).await, 422, "validation_failed").await;
    assert_problem(put(1999, 1).await, 422, "validation_failed").await;
    let res = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/admin/targets/2025",
            None,
            &json!({"amount": 1}),
        )
        .await;
    assert_problem(res, 401, "unauthorized").await;

    assert_eq!(audit_count(&app, "target"), 3);
}

async fn monthly_report_as_csv_for_excel(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    insert_general(&app, "paid", 12_345, Some("2025-12-24T12:00:00+09:00"));
    insert_general(&app, "paid", 1_000, Some("2024-12-01T12:00:00+09:00"));
    let text = app
        .get_csv("/api/v1/admin/reports/monthly?fiscal_year=2025", &admin)
        .await;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["月", "件数", "金額", "累計", "前年度件数", "前年度金額"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 13);
    assert_eq!(&rows[8][0], "2025-12");
    assert_eq!(
        rows[8].iter().skip(1).collect::<Vec<_>>(),
        ["1", "12345", "12345", "1", "1000"]
    );
    assert_eq!(
        rows[12].iter().collect::<Vec<_>>(),
        ["合計", "1", "12345", "12345", "1", "1000"]
    );
}

async fn imports_count_and_a_reimport_adds_nothing(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, _) = app.admin_with_portal_gift().await;
    app.create_organization(&admin, "香蘭女学校").await;

    let lines = vec![
        // A Shinagawa resident with a gift: imported, and flagged.
        line("R-1", "2025-07-14", 34_000, "gift", "HANABI", "品川区"),
        line(
            "R-2",
            "2025/7/15",
            50_000,
            "support",
            "香蘭女学校",
            "大阪市北区",
        ),
        line("R-3", "2025-12-31", 30_000, "on_site", "", "大阪市北区"),
        line("R-4", "2026-03-31", 10_000, "寄附のみ", "", "大阪市北区"),
    ];
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend_from_slice(file(&lines).as_bytes());
    let res = app.import_csv(&admin, "rakuten", body.clone()).await;
    assert_eq!(res.status(), 201);
    let outcome: Value = res.json().await.unwrap();
    assert_eq!(outcome["channel"], "rakuten");
    assert_eq!(
        (
            &outcome["rows"],
            &outcome["imported"],
            &outcome["skipped"],
            &outcome["flagged"]
        ),
        (&json!(4), &json!(4), &json!(0), &json!(1))
    );
    assert!(outcome["import_id"].is_string());

    // Stored as paid portal donations on their Japan date.
    let stored = app.imported_row("R-1");
    assert_eq!(stored.status, "paid");
    assert_eq!(stored.payment_method.as_deref(), Some("portal"));
    let paid_at = stored.paid_at.unwrap().and_utc();
    assert_eq!(paid_at, instant("2025-07-13T15:00:00Z"));
    assert_eq!(stored.import_flags.as_deref(), Some("resident_gift"));

    let r = monthly(&app, &admin, 2025).await;
    assert_eq!(tally(&r["total"]), (4, 124_000));
    assert_eq!(tally(&r["months"][3]), (2, 84_000));

    // The same file again: nothing new.
    let res = app.import_csv(&admin, "rakuten", body).await;
    assert_eq!(res.status(), 201);
    let again: Value = res.json().await.unwrap();
    assert_eq!(
        (&again["imported"], &again["skipped"]),
        (&json!(0), &json!(4))
    );
    // The same ids on another portal are other donations; one new row on the first portal.
    let mut more = lines.clone();
    more.push(line(
        "R-5",
        "2025-08-01",
        5_000,
        "general",
        "",
        "大阪市北区",
    ));
    let res = app
        .import_csv(&admin, "rakuten", file(&more).into_bytes())
        .await;
    let third: Value = res.json().await.unwrap();
    assert_eq!(
        (&third["imported"], &third["skipped"]),
        (&json!(1), &json!(4))
    );
    assert_eq!(donation_count(&app), 5);
    let r = monthly(&app, &admin, 2025).await;
    assert_eq!(tally(&r["total"]), (5, 129_000));

    let list = app.get_json("/api/v1/admin/imports", Some(&admin)).await;
    assert_eq!(list["total"], 3);
    assert_eq!(list["items"][0]["imported"], 1);
    assert_eq!(list["items"][0]["file_name"], "export.csv");
    assert_eq!(audit_count(&app, "donation_import"), 3);
}

async fn shift_jis_file_with_japanese_names_imports(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let text = format!(
        "{HEADER}\r\nS-1,2025/11/03,20000,寄附のみ,,,,髙橋 﨑子,ﾀｶﾊｼ ｻｷｺ,saki@example.jp,０３-1234-5678,〒100-0001,東京都,千代田区,千代田1-1 ①号室,いいえ\r\n"
    );
    // CP932: 髙 and 﨑 (IBM extensions) and ① (NEC special characters) are in it.
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
    let res = app
        .import_csv(&admin, "furusato_choice", bytes.into_owned())
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);

    let stored = app.imported_row("S-1");
    assert_eq!(stored.donor_name, "髙橋 﨑子");
    assert_eq!(stored.donor_name_kana, "タカハシ サキコ");
    // The name is kept as written (髙, 﨑 are CP932's IBM extensions); an address is NFKC, so
    // the NEC special ① arrives decoded and folded to the digit a delivery label needs.
    assert_eq!(stored.donor_address_line, "千代田1-1 1号室");
    assert_eq!(stored.donor_phone, "03-1234-5678");
    assert_eq!(stored.donor_postal_code, "100-0001");
    assert!(!stored.one_stop);
}

async fn a_bad_row_rejects_the_whole_file(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let mut bad = line("B-2", "2025-07-14", 1, "general", "", "大阪市北区");
    bad = bad.replacen(",1,general,", ",12a,general,", 1);
    let text = file(&[
        line("B-1", "2025-07-14", 5_000, "general", "", "大阪市北区"),
        bad,
        line("B-3", "2025-07-14", 5_000, "general", "", "大阪市北区"),
    ]);
    let res = app.import_csv(&admin, "rakuten", text.into_bytes()).await;
    let body = assert_problem(res, 422, "import_rejected").await;
    assert_eq!(
        body["errors"],
        json!([{"line": 3, "field": "amount", "message": "must be a whole number of yen, e.g. 34000"}])
    );
    assert_eq!(donation_count(&app), 0);

    // References are checked against the catalogue before anything is stored.
    let text = file(&[
        line("B-1", "2025-07-14", 5_000, "general", "", "大阪市北区"),
        line(
            "B-2",
            "2025-07-14",
            34_000,
            "gift",
            "NO-SUCH-GIFT",
            "大阪市北区",
        ),
        line(
            "B-3",
            "2025-07-14",
            5_000,
            "support",
            "存在しない団体",
            "大阪市北区",
        ),
    ]);
    let res = app.import_csv(&admin, "rakuten", text.into_bytes()).await;
    let body = assert_problem(res, 422, "import_rejected").await;
    assert_eq!(error_lines(&body), [(3, "gift_code"), (4, "organization")]);
    assert_eq!(donation_count(&app), 0);
    let list = app.get_json("/api/v1/admin/imports", Some(&admin)).await;
    assert_eq!(list["total"], 0);

    // Neither UTF-8 nor Shift_JIS.
    let res = app
        .import_csv(&admin, "rakuten", b"external_id\n\x82\x20\n".to_vec())
        .await;
    let body = assert_problem(res, 422, "import_rejected").await;
    assert_eq!(body["errors"][0]["field"], "file");
    // The channel name is checked.
    let res = app.import_csv(&admin, "Rakuten!", b"x".to_vec()).await;
    assert_problem(res, 422, "validation_failed").await;
    // Multipart is refused with a clear answer.
    let res = app
        .post_raw(
            "/api/v1/admin/imports/donations?channel=rakuten",
            Some(&admin),
            "multipart/form-data; boundary=x",
            "--x--",
        )
        .await;
    assert_problem(res, 415, "unsupported_media_type").await;
}

async fn breakdowns_sum_to_the_total(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, vendor) = app.admin_and_vendor("ザ・クルーズクラブ東京").await;
    let mut cruise = gift_body("CRUISE", &vendor, 30_000, 9_000);
    cruise["category"] = json!("experience");
    let cruise = app.create_gift(&admin, &cruise).await;
    app.create_gift(&admin, &gift_body("PAN", &vendor, 10_000, 3_000))
        .await;
    let cheese = app
        .create_gift(&admin, &gift_body("CHEESE", &vendor, 25_000, 7_000))
        .await;
    let org_a = app.create_organization(&admin, "香蘭女学校").await;
    let org_b = app.create_organization(&admin, "清泉女学院").await;
    let purpose = app.create_purpose(&admin, "子育て支援").await;

    let mut support_with_purpose =
        line("P-4", "2025-10-01", 50_000, "support", &org_a, "大阪市北区");
    support_with_purpose =
        support_with_purpose.replacen(&format!(",{org_a},,"), &format!(",{org_a},子育て支援,"), 1);
    let text = file(&[
        line("P-1", "2025-10-01", 30_000, "gift", "CRUISE", "大阪市北区"),
        line("P-2", "2025-10-02", 30_000, "gift", "CRUISE", "大阪市北区"),
        line("P-3", "2025-10-03", 10_000, "gift", "PAN", "大阪市北区"),
        support_with_purpose,
        line("P-5", "2025-10-04", 7_000, "general", "", "大阪市北区"),
        line("P-6", "2025-10-05", 30_000, "on_site", "", "大阪市北区"),
        // Outside the range.
        line("P-7", "2025-11-01", 99_000, "general", "", "大阪市北区"),
    ]);
    let res = app.import_csv(&admin, "satofull", text.into_bytes()).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);

    fn gift(created: &Value) -> Refs<'_> {
        Refs {
            gift_id: created["id"].as_str(),
            ..Refs::default()
        }
    }
    let org = Refs {
        organization_id: Some(&org_b),
        purpose_id: Some(&purpose),
        ..Refs::default()
    };
    for (kind, status, amount, paid_at, refs) in [
        (
            "gift",
            "paid",
            25_000,
            Some("2025-10-10T09:00:00+09:00"),
            gift(&cheese),
        ),
        (
            "support",
            "paid",
            33_333,
            Some("2025-10-31T23:59:00+09:00"),
            org,
        ),
        // Not counted: refunded, pending, and paid after the range (1 November in Japan).
        (
            "gift",
            "refunded",
            30_000,
            Some("2025-10-10T09:00:00+09:00"),
            gift(&cruise),
        ),
        ("gift", "pending_payment", 30_000, None, gift(&cruise)),
        (
            "general",
            "paid",
            1_000,
            Some("2025-10-31T15:00:00Z"),
            Refs::default(),
        ),
    ] {
        insert_donation(&app, kind, status, amount, paid_at, refs);
    }

    // A breakdown (200) of October 2025.
    let breakdown = |report: &str| {
        let path = format!("/api/v1/admin/reports/{report}?from=2025-10-01&to=2025-10-31");
        let (app, admin) = (&app, admin.as_str());
        async move { app.get_json(&path, Some(admin)).await }
    };
    let g = breakdown("gifts").await;
    assert_eq!(tally(&g["total"]), (8, 215_333));
    let categories = g["categories"].as_array().unwrap();
    // Every category in the report's order, with its (count, amount), empty ones too.
    let rows: Vec<(&str, (i64, i64))> = categories
        .iter()
        .map(|c| (c["label"].as_str().unwrap(), tally(c)))
        .collect();
    assert_eq!(
        rows,
        [
            ("体験型", (2, 60_000)),
            ("商品型", (2, 35_000)),
            ("旅行クーポン", (0, 0)),
            ("現地決済型", (1, 30_000)),
            ("応援型", (2, 83_333)),
            ("寄附のみ", (1, 7_000)),
        ]
    );
    let total: (i64, i64) = rows.iter().fold((0, 0), |a, (_, s)| (a.0 + s.0, a.1 + s.1));
    assert_eq!(total, tally(&g["total"]));
    // The top-gifts table of a category: by amount, largest first; each sums to its category.
    let products: Vec<(&str, i64, i64)> = categories[1]["gifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["code"].as_str().unwrap(),
                x["count"].as_i64().unwrap(),
                x["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(products, [("CHEESE", 1, 25_000), ("PAN", 1, 10_000)]);
    assert_eq!(categories[0]["gifts"][0]["code"], "CRUISE");
    assert_eq!(tally(&categories[0]["gifts"][0]), (2, 60_000));
    assert!(categories[4]["gifts"].as_array().unwrap().is_empty());

    let c = breakdown("channels").await;
    assert_eq!(tally(&c["total"]), (8, 215_333));
    assert_eq!(
        c["channels"],
        json!([{"channel": "satofull", "count": 6, "amount": 157_000},
               {"channel": "official_site", "count": 2, "amount": 58_333}])
    );

    let p = breakdown("purposes").await;
    assert_eq!(tally(&p["total"]), (8, 215_333));
    assert_eq!(
        p["purposes"],
        json!([{"purpose_id": null, "name": "指定なし", "count": 6, "amount": 132_000},
               {"purpose_id": purpose, "name": "子育て支援", "count": 2, "amount": 83_333}])
    );

    let o = app
        .get_json(
            "/api/v1/admin/reports/organizations?fiscal_year=2025",
            Some(&admin),
        )
        .await;
    assert_eq!(o["share_basis_points"], 7000);
    // 50,000 × 70% = 35,000; 33,333 × 70% = 23,333.1 → 23,333.
    assert_eq!(
        o["organizations"],
        json!([
            {"organization_id": org_a, "name": "香蘭女学校", "active": true, "count": 1, "amount": 50_000, "allocated": 35_000},
            {"organization_id": org_b, "name": "清泉女学院", "active": true, "count": 1, "amount": 33_333, "allocated": 23_333}
        ])
    );
    assert_eq!(
        o["total"],
        json!({"count": 2, "amount": 83_333, "allocated": 58_333})
    );

    let res = app
        .get(
            "/api/v1/admin/reports/gifts?from=2025-11-01&to=2025-10-01",
            Some(&admin),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = app
        .get(
            "/api/v1/admin/reports/channels?from=2025-13-01&to=2025-10-01",
            Some(&admin),
        )
        .await;
    assert_problem(res, 400, "invalid_query").await;
}

both_engines!(
    monthly_report_counts_paid_donations_by_japan_date,
    targets_default_and_put,
    monthly_report_as_csv_for_excel,
    imports_count_and_a_reimport_adds_nothing,
    shift_jis_file_with_japanese_names_imports,
    a_bad_row_rejects_the_whole_file,
    breakdowns_sum_to_the_total,
);
