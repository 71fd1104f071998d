//! Text at the boundary (#12 defect 1): a NUL, another control character or a bidirectional
//! override is refused where it enters, naming the field, on every kind of input, and nothing is
//! stored. Before the check, PostgreSQL answered 500 to a NUL and SQLite stored it.

use serde_json::json;

use crate::both_engines;
use crate::flows::{gift_body, osaka};
use crate::helpers::{assert_problem, error_fields, Engine, TestApp};

fn donation_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use furusato::db::schema::donations;
    donations::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

async fn path_and_query_text_is_checked(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let res = app.get("/api/v1/gifts/%00", None).await;
    assert_problem(res, 400, "invalid_path").await;
    let res = app.get("/api/v1/gifts/%E2%80%AEabc", None).await;
    assert_problem(res, 400, "invalid_path").await;
    let res = app.get("/api/v1/gifts?q=%00", None).await;
    let body = assert_problem(res, 400, "invalid_query").await;
    assert!(body["detail"].as_str().unwrap().contains("`q`"), "{body}");
    // A percent-encoded lone surrogate is not UTF-8.
    let res = app.get("/api/v1/gifts?q=%ED%A0%80", None).await;
    assert_problem(res, 400, "invalid_query").await;
    // Ordinary Japanese text passes.
    let res = app.get("/api/v1/gifts?q=%E5%93%81%E5%B7%9D", None).await;
    assert_eq!(res.status(), 200);
}

async fn json_text_is_checked_naming_the_field(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "a\u{0}@example.jp", "password": "x"}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(error_fields(&body), ["email"]);

    for (field, text) in [
        ("name", "品川\u{0}花子"),
        ("name_kana", "シナガワ\u{1B}ハナコ"),
        ("address_line", "梅田\u{202E}1-1-1"),
        ("city", "大阪市\u{85}北区"),
        ("name", "品川\n花子"),
    ] {
        let mut donor = osaka();
        donor[field] = json!(text);
        let res = app
            .donate(&json!({"kind": "general", "amount": 5000, "donor": donor}))
            .await;
        let body = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(error_fields(&body), [format!("donor.{field}")], "{text:?}");
    }
    // A JSON lone surrogate cannot become text at all.
    let res = app
        .post_raw(
            "/api/v1/donations",
            None,
            "application/json",
            r#"{"kind":"general","amount":5000,"donor":{"name":"\ud800"}}"#,
        )
        .await;
    assert_problem(res, 400, "malformed_json").await;
    assert_eq!(donation_count(&app), 0, "nothing was stored");

    // A description keeps its line breaks; a name may not have one.
    let (admin, vendor) = app.admin_and_vendor("品川工房").await;
    let mut gift = gift_body("LINES", &vendor, 10_000, 3_000);
    gift["description"] = json!("一行目\n二行目");
    let created = app.create_gift(&admin, &gift).await;
    assert_eq!(created["description"], "一行目\n二行目");
    let mut gift = gift_body("LINES2", &vendor, 10_000, 3_000);
    gift["name"] = json!("名前\n二行");
    let res = app.post("/api/v1/admin/gifts", Some(&admin), &gift).await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(error_fields(&body), ["name"]);
}

async fn csv_cells_and_form_fields_are_checked(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let file = "external_id,received_on,amount,kind,gift_code,organization,purpose,donor_name,\
                donor_name_kana,donor_email,donor_phone,donor_postal_code,donor_prefecture,\
                donor_city,donor_address_line,one_stop\n\
                R-1,2025-07-14,5000,general,,,,大阪\u{0}花子,オオサカ ハナコ,h@example.jp,\
                06-1234-5678,530-0001,大阪府,大阪市北区,梅田1-1-1,false\n";
    let res = app.import_csv(&admin, "rakuten", file.into()).await;
    let body = assert_problem(res, 422, "import_rejected").await;
    assert_eq!(body["errors"][0]["line"], 2);
    assert_eq!(body["errors"][0]["field"], "donor_name");
    assert_eq!(donation_count(&app), 0, "nothing was stored");

    // A page's form: the sign-in form of the staff console.
    let res = app
        .client
        .post(app.url("/console/login"))
        .form(&[
            ("email", "a\u{0}@example.jp"),
            ("password", "x"),
            ("csrf_token", "t"),
        ])
        .send()
        .await
        .unwrap();
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(error_fields(&body), ["email"]);
}

both_engines!(
    path_and_query_text_is_checked,
    json_text_is_checked_naming_the_field,
    csv_cells_and_form_fields_are_checked,
);
