//! Portal import profiles (#14): a portal's Japanese headers and formats, stored by staff, read
//! its Shift_JIS export; the wrong profile refuses the file line by line and stores nothing.

use diesel::prelude::*;
use furusato::db::schema::{audit_log, donations};
use serde_json::{json, Value};

use crate::both_engines;
use crate::helpers::{assert_problem, error_fields, strings, Engine, TestApp};

/// ふるさとチョイス-like: its headers, dates with slashes, amounts with commas, 希望する/希望しない.
fn choice_profile() -> Value {
    json!({
        "name": "ふるさとチョイス",
        "columns": {
            "external_id": "受付番号", "received_on": "入金日", "amount": "寄附金額",
            "gift_code": "返礼品コード", "donor_name": "寄附者氏名",
            "donor_name_kana": "寄附者氏名（フリガナ）", "donor_email": "メールアドレス",
            "donor_phone": "電話番号", "donor_postal_code": "郵便番号",
            "donor_prefecture": "都道府県", "donor_city": "市区町村",
            "donor_address_line": "番地・建物名", "one_stop": "ワンストップ特例申請"
        },
        "date_format": "%Y/%m/%d",
        "amount_format": "commas",
        "one_stop_values": {"yes": ["希望する"], "no": ["希望しない", ""]},
        "item_codes": {"CH-0001": "HANABI"}
    })
}

/// さとふる-like: other headers for four of the same fields, kanji dates, amounts in yen, ○ or
/// nothing.
fn other_profile() -> Value {
    let mut profile = choice_profile();
    profile["name"] = json!("さとふる");
    for (field, header) in [
        ("external_id", "申込番号"),
        ("received_on", "決済日"),
        ("gift_code", "お礼品コード"),
        ("donor_name_kana", "寄附者氏名（カナ）"),
    ] {
        profile["columns"][field] = json!(header);
    }
    profile["date_format"] = json!("%Y年%m月%d日");
    profile["amount_format"] = json!("yen");
    profile["one_stop_values"] = json!({"yes": ["○"], "no": [""]});
    profile["item_codes"] = json!({"SF-1": "HANABI"});
    profile
}

/// A Shift_JIS export with the choice profile's headers in another order, plus a column
/// (備考) the profile does not read.
fn export(rows: &[&str]) -> Vec<u8> {
    let mut text = "寄附金額,受付番号,備考,入金日,返礼品コード,寄附者氏名,寄附者氏名（フリガナ）,\
        メールアドレス,電話番号,郵便番号,都道府県,市区町村,番地・建物名,ワンストップ特例申請\r\n"
        .to_owned();
    for row in rows {
        text.push_str(row);
        text.push_str("\r\n");
    }
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "really Shift_JIS");
    bytes.into_owned()
}

const GIFT_ROW: &str = "\"34,000\",C-1,熨斗不要,2025/07/14 10:23:45,CH-0001,大阪 花子,ｵｵｻｶ ﾊﾅｺ,\
    hanako@example.jp,06-1234-5678,530-0001,大阪府,大阪市北区,梅田1-1-1,希望する";
const GENERAL_ROW: &str = "\"10,000\",C-2,,2025/07/15,,大阪 次郎,オオサカ ジロウ,\
    jiro@example.jp,06-1234-5679,530-0001,大阪府,大阪市北区,梅田2-2-2,希望しない";

fn donation_count(app: &TestApp) -> i64 {
    donations::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

async fn put_profile(app: &TestApp, admin: &str, channel: &str, body: &Value) -> reqwest::Response {
    app.send_json(
        reqwest::Method::PUT,
        &format!("/api/v1/admin/import-profiles/{channel}"),
        Some(admin),
        body,
    )
    .await
}

async fn a_portal_export_imports_with_its_profile(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = app.admin_with_portal_gift().await;
    let gift_id = gift["id"].as_str().unwrap().to_owned();

    let res = put_profile(&app, &admin, "furusato_choice", &choice_profile()).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(saved["channel"], "furusato_choice");
    assert_eq!(saved["profile"]["columns"]["external_id"], "受付番号");
    assert_eq!(saved["profile"]["item_codes"]["CH-0001"], "HANABI");
    let res = put_profile(&app, &admin, "satofull", &other_profile()).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);

    let list = app
        .get_json("/api/v1/admin/import-profiles", Some(&admin))
        .await;
    assert_eq!(
        strings(&list["items"], "channel"),
        ["furusato_choice", "satofull"]
    );
    let one = app
        .get_json("/api/v1/admin/import-profiles/satofull", Some(&admin))
        .await;
    assert_eq!(one["profile"]["date_format"], "%Y年%m月%d日");
    let res = app
        .get("/api/v1/admin/import-profiles/rakuten", Some(&admin))
        .await;
    assert_problem(res, 404, "import_profile_not_found").await;

    // The portal's Shift_JIS file: headers in another order, a column the profile ignores.
    let file = export(&[GIFT_ROW, GENERAL_ROW]);
    let res = app
        .import_csv(&admin, "furusato_choice", file.clone())
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let outcome: Value = res.json().await.unwrap();
    assert_eq!(
        (&outcome["rows"], &outcome["imported"], &outcome["skipped"]),
        (&json!(2), &json!(2), &json!(0))
    );
    let with_gift = app.imported_row("C-1");
    assert_eq!(with_gift.kind, "gift");
    assert_eq!(with_gift.gift_id.as_deref(), Some(gift_id.as_str()));
    assert_eq!(with_gift.donor_name_kana, "オオサカ ハナコ");
    assert!(with_gift.one_stop);
    assert_eq!(with_gift.amount, 34_000);
    let general = app.imported_row("C-2");
    assert_eq!(general.kind, "general");
    assert!(!general.one_stop);
    assert_eq!(
        general.received_on,
        chrono::NaiveDate::from_ymd_opt(2025, 7, 15)
    );

    // The same file again adds nothing.
    let res = app
        .import_csv(&admin, "furusato_choice", file.clone())
        .await;
    let again: Value = res.json().await.unwrap();
    assert_eq!(
        (&again["imported"], &again["skipped"]),
        (&json!(0), &json!(2))
    );

    // The same file under another portal's profile: the columns that profile reads are missing.
    let res = app.import_csv(&admin, "satofull", file.clone()).await;
    let body = assert_problem(res, 422, "import_rejected").await;
    assert!(body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["line"] == 1));
    let fields = error_fields(&body);
    assert!(
        fields.contains(&"申込番号") && fields.contains(&"決済日"),
        "{fields:?}"
    );
    let res = app
        .post_raw(
            "/api/v1/admin/imports/donations?channel=furusato_choice&profile=satofull",
            Some(&admin),
            "text/csv",
            file,
        )
        .await;
    let body = assert_problem(res, 422, "import_rejected").await;
    assert!(error_fields(&body).contains(&"お礼品コード"));
    assert_eq!(donation_count(&app), 2);

    // An item code the profile does not map: the line is named, and nothing of the file is stored.
    let unmapped = GIFT_ROW.replace("C-1", "C-4").replace("CH-0001", "CH-9999");
    let fine = GIFT_ROW.replace("C-1", "C-3");
    let res = app
        .import_csv(
            &admin,
            "furusato_choice",
            export(&[fine.as_str(), unmapped.as_str()]),
        )
        .await;
    let body = assert_problem(res, 422, "import_rejected").await;
    assert_eq!(
        body["errors"],
        json!([{"line": 3, "field": "返礼品コード",
                "message": "the item code CH-9999 is not in this profile's item_codes"}])
    );
    assert_eq!(donation_count(&app), 2);

    // A file in the project's own columns still imports under a channel with a profile.
    let own = "external_id,received_on,amount,kind,gift_code,donor_name,donor_name_kana,\
        donor_email,donor_phone,donor_postal_code,donor_prefecture,donor_city,donor_address_line\n\
        E-1,2025-07-14,5000,general,,大阪 花子,オオサカ ハナコ,h@example.jp,06-1234-5678,\
        530-0001,大阪府,大阪市北区,梅田1-1-1\n";
    let res = app
        .import_csv(&admin, "furusato_choice", own.as_bytes().to_vec())
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    assert_eq!(donation_count(&app), 3);

    let saves: i64 = audit_log::table
        .filter(audit_log::entity.eq("import_profile"))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(saves, 2);
}

async fn a_profile_is_checked_before_it_is_stored(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, _) = app.admin_with_portal_gift().await;

    let mut bad = choice_profile();
    bad["columns"]["memo"] = json!("備考");
    bad["columns"]["donor_city"] = json!(" ");
    bad["date_format"] = json!("%d/%m/%Y");
    bad["amount_format"] = json!("decimal");
    let res = put_profile(&app, &admin, "furusato_choice", &bad).await;
    let body = assert_problem(res, 422, "validation_failed").await;
    let fields = error_fields(&body);
    for field in [
        "columns.memo",
        "columns.donor_city",
        "date_format",
        "amount_format",
    ] {
        assert!(fields.contains(&field), "{field}: {fields:?}");
    }

    // An item code mapped to a gift the catalogue does not have.
    let mut unknown_gift = choice_profile();
    unknown_gift["item_codes"]["CH-0002"] = json!("NO-SUCH-GIFT");
    let res = put_profile(&app, &admin, "furusato_choice", &unknown_gift).await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(error_fields(&body), ["item_codes.CH-0002"]);

    // An unknown key, and a channel that is not a channel name.
    let mut extra = choice_profile();
    extra["encoding"] = json!("shift_jis");
    let res = put_profile(&app, &admin, "furusato_choice", &extra).await;
    assert_problem(res, 422, "validation_failed").await;
    let res = put_profile(&app, &admin, "Furusato!", &choice_profile()).await;
    assert_problem(res, 422, "validation_failed").await;
    let list = app
        .get_json("/api/v1/admin/import-profiles", Some(&admin))
        .await;
    assert_eq!(list["items"], json!([]));

    // Replacing keeps one profile per channel; the audit log has the one before.
    let res = put_profile(&app, &admin, "furusato_choice", &choice_profile()).await;
    assert_eq!(res.status(), 200);
    let mut renamed = choice_profile();
    renamed["columns"]["external_id"] = json!("寄附番号");
    let res = put_profile(&app, &admin, "furusato_choice", &renamed).await;
    assert_eq!(res.status(), 200);
    let list = app
        .get_json("/api/v1/admin/import-profiles", Some(&admin))
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        list["items"][0]["profile"]["columns"]["external_id"],
        "寄附番号"
    );
    let log = app
        .audit_log(&admin, "import_profile", "furusato_choice")
        .await;
    assert_eq!(log["total"], 2);
}

async fn the_demo_data_set_ships_the_portal_profiles(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    furusato::demo::load_if_empty(&mut app.conn(), &app.settings).unwrap();
    let list = app
        .get_json("/api/v1/admin/import-profiles", Some(&admin))
        .await;
    assert_eq!(
        strings(&list["items"], "channel"),
        ["furusato_choice", "rakuten", "satofull"]
    );
    let rakuten = app
        .get_json("/api/v1/admin/import-profiles/rakuten", Some(&admin))
        .await;
    assert_eq!(rakuten["profile"]["name"], "楽天ふるさと納税");
}

both_engines!(
    a_portal_export_imports_with_its_profile,
    a_profile_is_checked_before_it_is_stored,
    the_demo_data_set_ships_the_portal_profiles,
);
