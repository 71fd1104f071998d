//! The one-stop notices (申告特例通知書, #14), `GET /api/v1/admin/one-stop/notices`: one person
//! who gave through the ward's own site and through a portal, writing the reading and the address
//! differently, is one donor with one total; each municipality's total is the sum worked out by
//! hand below; refunded donations, donations of other years and applications that are not valid
//! count for nothing; the CSV has one row per donor; a read-only login reads the JSON but takes
//! no CSV; a bad municipality code is a 422; the console prints the same notices.

use furusato::auth::Role;
use serde_json::{json, Value};

use crate::both_engines;
use crate::flows::general_by;
use crate::helpers::{assert_problem, error_fields, strings, Engine, TestApp};

const NOTICES: &str = "/api/v1/admin/one-stop/notices";
const VIEWER_EMAIL: &str = "notice-viewer@city.shinagawa.example";

/// The My Numbers the applicants give: none may appear in any notice.
const MY_NUMBERS: [&str; 4] = [
    "123456789018",
    "111111111118",
    "983205673214",
    "246801357910",
];

/// 品川 太郎 on the ward's own site: katakana reading, block number as 1丁目2番3号.
fn taro_on_the_site() -> Value {
    json!({"name": "品川 太郎", "name_kana": "シナガワ タロウ", "email": "taro@example.jp",
           "phone": "06-1111-2222", "postal_code": "530-0001", "prefecture": "大阪府",
           "city": "大阪市北区", "address_line": "梅田1丁目2番3号"})
}

/// 大阪 次郎, a second donor living in 大阪市 (another ward of it).
fn jiro() -> Value {
    json!({"name": "大阪 次郎", "name_kana": "オオサカ ジロウ", "email": "jiro@example.jp",
           "phone": "06-3333-4444", "postal_code": "541-0053", "prefecture": "大阪府",
           "city": "大阪市中央区", "address_line": "本町1-1-1"})
}

/// 西 三郎, also of 大阪市, whose application is withdrawn.
fn saburo() -> Value {
    json!({"name": "西 三郎", "name_kana": "ニシ サブロウ", "email": "saburo@example.jp",
           "phone": "06-5555-6666", "postal_code": "550-0001", "prefecture": "大阪府",
           "city": "大阪市西区", "address_line": "土佐堀1-1-1"})
}

/// A portal export in the project's own columns: 品川 太郎 again, with a half-width reading,
/// `1-2-3` and another phone (so only the reading, postal code and address join him); and
/// 横浜 花子 of 横浜市 four times, in 2024, twice in 2025 and in 2026.
const PORTAL_FILE: &str = "external_id,received_on,amount,kind,donor_name,donor_name_kana,\
donor_email,donor_phone,donor_postal_code,donor_prefecture,donor_city,donor_address_line\r\n\
NT-0001,2025-09-01,25000,寄附のみ,品川 太郎,ｼﾅｶﾞﾜ ﾀﾛｳ,taro.portal@example.jp,090-1234-5678,\
530-0001,大阪府,大阪市北区,梅田1-2-3\r\n\
NT-0002,2025-01-01,12000,寄附のみ,横浜 花子,ヨコハマ ハナコ,hanako@example.jp,045-111-2222,\
231-0001,神奈川県,横浜市中区,新港1-1-1\r\n\
NT-0003,2025-12-31,3000,寄附のみ,横浜 花子,ヨコハマ ハナコ,hanako@example.jp,045-111-2222,\
231-0001,神奈川県,横浜市中区,新港1-1-1\r\n\
NT-0004,2024-12-31,8000,寄附のみ,横浜 花子,ヨコハマ ハナコ,hanako@example.jp,045-111-2222,\
231-0001,神奈川県,横浜市中区,新港1-1-1\r\n\
NT-0005,2026-01-05,4000,寄附のみ,横浜 花子,ヨコハマ ハナコ,hanako@example.jp,045-111-2222,\
231-0001,神奈川県,横浜市中区,新港1-1-1\r\n";

/// A donation on the ward's site, paid by card on 14 July 2025; returns its id.
async fn paid_on_the_site(app: &TestApp, donor: Value, amount: i64) -> String {
    let (id, _) = app.donate_ok(&general_by(donor, amount)).await;
    app.pay(&id, amount).await;
    id
}

/// A paper application for tax year 2025 on `donation_id` (the applicant's name and address
/// default to the donation's), moved on to `status`; returns its id.
async fn application(
    app: &TestApp,
    admin: &str,
    donation_id: &str,
    birth_date: Option<&str>,
    my_number: &str,
    status: &str,
) -> String {
    let mut body = json!({"donation_id": donation_id, "tax_year": 2025,
                          "received_on": "2025-12-20", "channel": "paper",
                          "my_number": my_number});
    if let Some(b) = birth_date {
        body["birth_date"] = json!(b);
    }
    let id = app
        .create("/api/v1/admin/one-stop/applications", Some(admin), &body)
        .await;
    let res = app
        .patch(
            &format!("/api/v1/admin/one-stop/applications/{id}"),
            Some(admin),
            &json!({ "status": status }),
        )
        .await;
    assert_eq!(res.status(), 200, "{status}: {:?}", res.text().await);
    id
}

/// The donors of a notice, by reading as the notice lists them.
fn donors(municipality: &Value) -> &Vec<Value> {
    municipality["donors"].as_array().unwrap()
}

fn ids(of: &Value) -> Vec<String> {
    let mut ids = strings(&of["donations"], "id");
    ids.sort();
    ids
}

/// Fetches the console's page of the 2025 notices, `more` added to its query, with the staff
/// member's session (the console takes the same session token as the API, in its cookie).
async fn notices_page(app: &TestApp, more: &str, token: &str) -> (u16, String) {
    let path = format!("/console/one-stop/notices?tax_year=2025{more}");
    let res = app
        .client
        .get(app.url(&path))
        .header("cookie", format!("furusato_console={token}"))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn one_person_through_two_channels_is_one_donor_on_the_notice(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;

    // 品川 太郎: ¥10,000 on the ward's site, ¥25,000 through a portal.
    let taro_site = paid_on_the_site(&app, taro_on_the_site(), 10_000).await;
    let res = app
        .import_csv(&admin, "rakuten", PORTAL_FILE.as_bytes().to_vec())
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let taro_portal = app.imported_donation(&admin, "NT-0001").await;
    let hanako = app.imported_donation(&admin, "NT-0002").await;
    // 大阪 次郎: ¥30,000 that counts, ¥7,000 refunded that does not.
    let jiro_kept = paid_on_the_site(&app, jiro(), 30_000).await;
    let jiro_refunded = paid_on_the_site(&app, jiro(), 7_000).await;
    let res = app.refund(&admin, &jiro_refunded, "二重の寄附").await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    // 西 三郎: paid, but his application is withdrawn.
    let saburo_paid = paid_on_the_site(&app, saburo(), 20_000).await;

    // Taro applies on the site donation; the portal one is his too.
    let taro_application = application(
        &app,
        &admin,
        &taro_site,
        Some("1980-04-01"),
        MY_NUMBERS[0],
        "valid",
    )
    .await;
    application(
        &app,
        &admin,
        &jiro_kept,
        Some("1975-10-10"),
        MY_NUMBERS[1],
        "valid",
    )
    .await;
    application(&app, &admin, &hanako, None, MY_NUMBERS[2], "valid").await;
    application(
        &app,
        &admin,
        &saburo_paid,
        Some("1990-01-02"),
        MY_NUMBERS[3],
        "withdrawn",
    )
    .await;

    let notices = app
        .get_json(&format!("{NOTICES}?tax_year=2025"), Some(&admin))
        .await;
    assert_eq!(notices["tax_year"], 2025);
    assert_eq!(notices["deadline"], "2026-01-31");
    let municipalities = notices["municipalities"].as_array().unwrap();
    let codes = strings(&notices["municipalities"], "code");
    assert_eq!(codes, ["141003", "271004"], "by code; 三郎 sends nothing");

    // 横浜市: 花子's ¥12,000 of 1 January and ¥3,000 of 31 December 2025; not the ¥8,000 of
    // 31 December 2024 nor the ¥4,000 of 5 January 2026.
    let yokohama = &municipalities[0];
    assert_eq!(yokohama["prefecture"], "神奈川県");
    assert_eq!(yokohama["name"], "横浜市");
    assert_eq!(yokohama["donor_count"], 1);
    assert_eq!(yokohama["total_amount"], 15_000);
    let hanako_line = &donors(yokohama)[0];
    assert_eq!(hanako_line["donation_count"], 2);
    assert_eq!(hanako_line["total_amount"], 15_000);
    let dates = strings(&hanako_line["donations"], "received_on");
    assert_eq!(dates, ["2025-01-01", "2025-12-31"]);

    // 大阪市: 次郎 ¥30,000 + 太郎 ¥10,000 + ¥25,000 = ¥65,000, by reading (オ before シ).
    let osaka = &municipalities[1];
    assert_eq!(osaka["prefecture"], "大阪府");
    assert_eq!(osaka["name"], "大阪市");
    assert_eq!(osaka["donor_count"], 2);
    assert_eq!(osaka["total_amount"], 65_000);
    let names: Vec<&str> = donors(osaka)
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["大阪 次郎", "品川 太郎"]);
    let jiro_line = &donors(osaka)[0];
    assert_eq!(jiro_line["donation_count"], 1);
    assert_eq!(jiro_line["total_amount"], 30_000);
    assert_eq!(ids(jiro_line), std::slice::from_ref(&jiro_kept));

    // The done-when: 太郎 once, both channels' donations under one identity.
    let taro_lines: Vec<&Value> = municipalities
        .iter()
        .flat_map(|m| donors(m).iter())
        .filter(|d| d["name"] == "品川 太郎")
        .collect();
    assert_eq!(taro_lines.len(), 1, "one person, one line");
    let taro = taro_lines[0];
    assert_eq!(taro["application_id"], taro_application.as_str());
    assert_eq!(taro["donation_count"], 2);
    assert_eq!(taro["total_amount"], 35_000);
    assert_eq!(taro["birth_date"], "1980-04-01");
    let mut both = vec![taro_site.clone(), taro_portal.clone()];
    both.sort();
    assert_eq!(ids(taro), both);

    assert_eq!(notices["donor_count"], 3);
    assert_eq!(notices["total_amount"], 80_000);
    let text = notices.to_string();
    for number in MY_NUMBERS {
        assert!(!text.contains(number), "no My Number in the notices");
    }
    assert!(!text.contains("my_number"));

    // The CSV for the municipalities: one row per donor, in the notices' order.
    let csv = app
        .get_csv(&format!("{NOTICES}?tax_year=2025"), &admin)
        .await;
    assert_eq!(
        csv,
        "団体コード,市区町村,氏名,フリガナ,生年月日,郵便番号,住所,寄附件数,寄附金額\n\
         141003,神奈川県横浜市,横浜 花子,ヨコハマ ハナコ,,231-0001,神奈川県横浜市中区新港1-1-1,2,15000\n\
         271004,大阪府大阪市,大阪 次郎,オオサカ ジロウ,1975-10-10,541-0053,大阪府大阪市中央区本町1-1-1,1,30000\n\
         271004,大阪府大阪市,品川 太郎,シナガワ タロウ,1980-04-01,530-0001,大阪府大阪市北区梅田1丁目2番3号,2,35000\n"
    );
    for number in MY_NUMBERS {
        assert!(!csv.contains(number), "no My Number in the CSV");
    }

    // One municipality's notice.
    let only = app
        .get_json(
            &format!("{NOTICES}?tax_year=2025&municipality_code=271004"),
            Some(&admin),
        )
        .await;
    assert_eq!(only["municipalities"].as_array().unwrap().len(), 1);
    assert_eq!(only["municipalities"][0]["code"], "271004");
    assert_eq!(only["donor_count"], 2);
    assert_eq!(only["total_amount"], 65_000);
    let csv = app
        .get_csv(
            &format!("{NOTICES}?tax_year=2025&municipality_code=141003"),
            &admin,
        )
        .await;
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.ends_with(",2,15000\n"), "{csv}");

    // Another year has nobody: the 2024 and 2026 donations have no valid application.
    let other = app
        .get_json(&format!("{NOTICES}?tax_year=2024"), Some(&admin))
        .await;
    assert_eq!(other["municipalities"], json!([]));
    assert_eq!(other["total_amount"], 0);

    // Read-only staff read the JSON but take no CSV away.
    let viewer = app.staff_token(VIEWER_EMAIL, Role::Viewer).await;
    let seen = app
        .get_json(&format!("{NOTICES}?tax_year=2025"), Some(&viewer))
        .await;
    assert_eq!(seen["total_amount"], 80_000);
    let res = app
        .get_accepting(&format!("{NOTICES}?tax_year=2025"), &viewer, "text/csv")
        .await;
    assert_problem(res, 403, "forbidden").await;

    // The printable notices at the console: one sheet per municipality, with the totals.
    let (status, page) = notices_page(&app, "", &admin).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("神奈川県横浜市長 様"), "{page}");
    assert!(page.contains("大阪府大阪市長 様"), "{page}");
    assert_eq!(page.matches("class=\"notice-sheet\"").count(), 2);
    assert!(page.contains("data-amount=\"65000\">¥65,000<"), "{page}");
    assert!(page.contains("data-amount=\"15000\">¥15,000<"), "{page}");
    assert!(page.contains("¥80,000"), "the grand total");
    assert_eq!(page.matches("品川 太郎").count(), 1, "one person, one line");
    assert!(
        !page.contains("西 三郎"),
        "a withdrawn application sends nothing"
    );
    assert!(page.contains("format=csv"), "an admin downloads the CSV");
    for number in MY_NUMBERS {
        assert!(!page.contains(number), "no My Number on the page");
    }
    let (status, page) = notices_page(&app, "&municipality_code=141003", &admin).await;
    assert_eq!(status, 200);
    assert_eq!(page.matches("class=\"notice-sheet\"").count(), 1);
    assert!(!page.contains("大阪府大阪市長"));
    // A viewer sees and prints the notices, but the page offers no download and refuses one.
    let (status, page) = notices_page(&app, "", &viewer).await;
    assert_eq!(status, 200);
    assert!(page.contains("¥80,000") && !page.contains("format=csv"));
    let (status, _) = notices_page(&app, "&format=csv", &viewer).await;
    assert_eq!(status, 403);
}

async fn notices_refuse_bad_municipality_codes_and_years(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    // A typo in the check digit, five digits, a prefecture, a designated city's ward (the city
    // receives the notice), a well-formed code nobody has.
    for bad in ["271005", "27100", "270008", "271276", "999997"] {
        let res = app
            .get(
                &format!("{NOTICES}?tax_year=2025&municipality_code={bad}"),
                Some(&admin),
            )
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), ["municipality_code"], "{bad}");
    }
    let res = app
        .get(&format!("{NOTICES}?tax_year=1999"), Some(&admin))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["tax_year"]);
    let (status, page) = notices_page(&app, "&municipality_code=271005", &admin).await;
    assert_eq!(status, 422, "{page}");

    // Without a year: last year's notices until the end of January, this year's after.
    let today = furusato::domain::calendar::japan_today();
    let expected = furusato::domain::calendar::notice_tax_year(today);
    let notices = app.get_json(NOTICES, Some(&admin)).await;
    assert_eq!(notices["tax_year"], expected);
    assert_eq!(notices["municipalities"], json!([]));
    // Unauthenticated: 401.
    assert_problem(app.get(NOTICES, None).await, 401, "unauthorized").await;
}

/// 品川 太郎 from a second home in 神戸 with another phone: only the reading agrees with
/// `taro_on_the_site()`, so matching keeps the two apart until staff merge them.
fn taro_in_kobe() -> Value {
    json!({"name": "品川 太郎", "name_kana": "シナガワ タロウ", "email": "taro.kobe@example.jp",
           "phone": "078-222-3333", "postal_code": "650-0001", "prefecture": "兵庫県",
           "city": "神戸市中央区", "address_line": "加納町6-5-1"})
}

/// The id of a donation's live donor identity.
async fn identity_of(app: &TestApp, admin: &str, donation_id: &str) -> String {
    let view = app.identity_of_donation(admin, donation_id).await;
    view["id"].as_str().unwrap().to_owned()
}

async fn a_merged_identitys_donations_count_on_the_notice(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    // 品川 太郎 gave ¥10,000 from 大阪 and applied on that donation; from 神戸 he gave ¥18,000,
    // and ¥5,000 that was refunded, and did not apply.
    let osaka_gift = paid_on_the_site(&app, taro_on_the_site(), 10_000).await;
    let kobe_gift = paid_on_the_site(&app, taro_in_kobe(), 18_000).await;
    let kobe_refunded = paid_on_the_site(&app, taro_in_kobe(), 5_000).await;
    let res = app.refund(&admin, &kobe_refunded, "二重の寄附").await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let applied = application(
        &app,
        &admin,
        &osaka_gift,
        Some("1980-04-01"),
        MY_NUMBERS[0],
        "valid",
    )
    .await;
    let osaka = identity_of(&app, &admin, &osaka_gift).await;
    let kobe = identity_of(&app, &admin, &kobe_gift).await;
    assert_ne!(osaka, kobe, "matching keeps his two homes apart");
    assert_eq!(identity_of(&app, &admin, &kobe_refunded).await, kobe);

    // Before the merge the notice has only the 大阪 identity's ¥10,000.
    let before = app
        .get_json(&format!("{NOTICES}?tax_year=2025"), Some(&admin))
        .await;
    assert_eq!(before["donor_count"], 1);
    assert_eq!(before["total_amount"], 10_000);

    // Staff find them one person and merge the applicant's identity into the 神戸 one.
    let res = app.merge_identities(&admin, &kobe, &osaka).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let moved = app
        .get_json(
            &format!("/api/v1/admin/one-stop/applications/{applied}"),
            Some(&admin),
        )
        .await;
    assert_eq!(
        moved["identity_id"],
        kobe.as_str(),
        "the application follows"
    );

    // Once, at the application's address (大阪市), with both identities' paid donations:
    // ¥10,000 + ¥18,000 = ¥28,000 in 2 donations; the refunded ¥5,000 does not count.
    let notices = app
        .get_json(&format!("{NOTICES}?tax_year=2025"), Some(&admin))
        .await;
    assert_eq!(notices["donor_count"], 1);
    assert_eq!(notices["total_amount"], 28_000);
    let municipalities = notices["municipalities"].as_array().unwrap();
    assert_eq!(municipalities.len(), 1);
    let osaka_city = &municipalities[0];
    assert_eq!(osaka_city["code"], "271004");
    assert_eq!(osaka_city["donor_count"], 1);
    assert_eq!(osaka_city["total_amount"], 28_000);
    assert_eq!(donors(osaka_city).len(), 1, "one person, one line");
    let taro = &donors(osaka_city)[0];
    assert_eq!(taro["application_id"], applied.as_str());
    assert_eq!(taro["identity_id"], kobe.as_str());
    assert_eq!(taro["name"], "品川 太郎");
    assert_eq!(taro["city"], "大阪市北区");
    assert_eq!(taro["donation_count"], 2);
    assert_eq!(taro["total_amount"], 28_000);
    let mut both = vec![osaka_gift, kobe_gift];
    both.sort();
    assert_eq!(ids(taro), both);
}

both_engines!(
    one_person_through_two_channels_is_one_donor_on_the_notice,
    notices_refuse_bad_municipality_codes_and_years,
    a_merged_identitys_donations_count_on_the_notice,
);
