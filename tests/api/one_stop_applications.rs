//! One-stop applications (ワンストップ特例, #14): one per donor and tax year, the home
//! municipality derived from the address, the 10 January deadline, the allowed state changes;
//! and the My Number an application carries: refused without echoing when mistyped, sealed in
//! the database, absent from every list, answer, audit entry and log line, read only with the
//! permission (granted from the command line) and audited, deleted after the retention period.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use furusato::auth::Role;
use furusato::db::schema::{donor_identity_links, one_stop_applications, users};
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::both_engines;
use crate::cli::stdout_of_success;
use crate::flows::{donor_at as donor, general_by};
use crate::helpers::{
    assert_problem, assert_shows_none, error_fields, invalid_fields, strings, Engine, TestApp,
    ADMIN_EMAIL,
};

const APPLICATIONS: &str = "/api/v1/admin/one-stop/applications";
const VIEWER_EMAIL: &str = "viewer@city.shinagawa.example";

/// A valid My Number (check digit 8, hand-computed in `domain::my_number`), and another (a
/// published worked example). Test values, nobody's.
const NUMBER: &str = "123456789018";
const OTHER_NUMBER: &str = "983205673214";
/// The first with a wrong check digit.
const MISTYPED: &str = "123456789019";

/// Homes (postal code, prefecture, city, address line). In 品川区 (131091):
const HIROMACHI: (&str, &str, &str, &str) = ("140-8715", "東京都", "品川区", "広町2-1-36");
/// In 大阪市北区: the city levies the tax (大阪市 271004).
const UMEDA: (&str, &str, &str, &str) = ("530-0001", "大阪府", "大阪市北区", "梅田1-1-1");
/// In 港区 (131032).
const SHIBAKOEN: (&str, &str, &str, &str) = ("105-0011", "東京都", "港区", "芝公園4-2-8");

/// 品川 花子, at home in 品川区.
fn hanako() -> Value {
    let hanako = donor("品川 花子", "シナガワ ハナコ", "03-1111-2222", HIROMACHI);
    general_by(hanako, 10_000)
}

/// 大阪 次郎, at home in 大阪市北区.
fn jiro() -> Value {
    let jiro = donor("大阪 次郎", "オオサカ ジロウ", "06-3333-4444", UMEDA);
    general_by(jiro, 20_000)
}

/// 港 三郎, at home in 港区.
fn saburo() -> Value {
    let saburo = donor("港 三郎", "ミナト サブロウ", "03-5555-6666", SHIBAKOEN);
    general_by(saburo, 30_000)
}

/// 品川 花子 again, from another home and phone: only her reading agrees with `hanako()`, so
/// matching keeps the two apart until staff merge them.
fn hanako_elsewhere() -> Value {
    let hanako = donor("品川 花子", "シナガワ ハナコ", "090-9999-0000", SHIBAKOEN);
    general_by(hanako, 10_000)
}

/// A paper application on `donation_id`, its applicant's details defaulting to the donor's.
fn application(donation_id: &str, tax_year: i32, received_on: &str) -> Value {
    json!({"donation_id": donation_id, "tax_year": tax_year, "received_on": received_on,
           "channel": "paper"})
}

fn path(id: &str) -> String {
    format!("{APPLICATIONS}/{id}")
}

fn my_number_path(id: &str) -> String {
    format!("{APPLICATIONS}/{id}/my-number")
}

/// POSTs an application, whatever the answer.
async fn submit(app: &TestApp, admin: &str, body: &Value) -> Response {
    app.post(APPLICATIONS, Some(admin), body).await
}

/// Submits an application that must be refused: the donor has an open one for its year (409).
async fn refused_as_a_second(app: &TestApp, admin: &str, body: &Value) {
    let res = submit(app, admin, body).await;
    assert_problem(res, 409, "one_stop_application_exists").await;
}

/// PATCHes an application, whatever the answer.
async fn amend(app: &TestApp, admin: &str, id: &str, body: &Value) -> Response {
    app.patch(&path(id), Some(admin), body).await
}

/// POSTs an application that must be created (201); returns the answer and its raw text.
async fn create(app: &TestApp, admin: &str, body: &Value) -> (Value, String) {
    let res = submit(app, admin, body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 201, "{text}");
    (serde_json::from_str(&text).unwrap(), text)
}

/// PATCHes an application that must answer 200; returns the application.
async fn change(app: &TestApp, admin: &str, id: &str, body: &Value) -> Value {
    let res = amend(app, admin, id, body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 200, "{body}: {text}");
    serde_json::from_str(&text).unwrap()
}

fn id_of(application: &Value) -> String {
    application["id"].as_str().unwrap().to_owned()
}

/// The ids of a list answer, in order.
async fn listed(app: &TestApp, admin: &str, query: &str) -> Vec<String> {
    let page = app
        .get_json(&format!("{APPLICATIONS}?{query}"), Some(admin))
        .await;
    let ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(page["total"], json!(ids.len()), "{query}");
    ids
}

/// `furusato admin my-number-access --email <email> <change>` on the app's database.
fn my_number_access(app: &TestApp, email: &str, change: &str) -> std::process::Output {
    let args = ["admin", "my-number-access", "--email", email, change];
    crate::cli::furusato(&app.database_url, &args)
}

fn grant(app: &TestApp, email: &str) {
    let stdout = stdout_of_success(my_number_access(app, email, "--grant"));
    let said = format!("My Number access granted for {email}\n");
    assert!(stdout.contains(&said), "{stdout}");
}

/// The sealed column as a database dump shows it.
fn sealed_column(app: &TestApp, id: &str) -> Option<String> {
    one_stop_applications::table
        .find(id)
        .select(one_stop_applications::my_number_sealed)
        .first(&mut *app.conn())
        .unwrap()
}

/// Writes the sealed column directly, as only a database user could.
fn set_sealed_column(app: &TestApp, id: &str, sealed: Option<&str>) {
    diesel::update(one_stop_applications::table.find(id))
        .set(one_stop_applications::my_number_sealed.eq(sealed))
        .execute(&mut *app.conn())
        .unwrap();
}

/// Asks for an application's My Number, which must be refused with `status` and `code`;
/// returns the problem.
async fn number_refused(
    app: &TestApp,
    token: Option<&str>,
    id: &str,
    status: u16,
    code: &str,
) -> Value {
    let res = app.get(&my_number_path(id), token).await;
    assert_problem(res, status, code).await
}

fn actions(audit: &Value) -> Vec<String> {
    let mut actions = strings(&audit["items"], "action");
    actions.sort_unstable();
    actions
}

async fn applications_are_recorded_once_per_donor_and_year(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let (hanako_gift, _) = app.donate_ok(&hanako()).await;

    let (first, _) = create(&app, &admin, &application(&hanako_gift, 2024, "2024-12-20")).await;
    let first_id = id_of(&first);
    assert_eq!(first["status"], "received");
    assert_eq!(first["invalid_reason"], Value::Null);
    assert_eq!(first["channel"], "paper");
    assert_eq!(first["tax_year"], 2024);
    assert_eq!(first["received_on"], "2024-12-20");
    assert_eq!(first["deadline"], "2025-01-10");
    // The applicant defaults to the donation's donor, the home municipality to her address's.
    assert_eq!(first["name"], "品川 花子");
    assert_eq!(first["name_kana"], "シナガワ ハナコ");
    assert_eq!(first["postal_code"], "140-8715");
    assert_eq!(first["city"], "品川区");
    assert_eq!(first["municipality_code"], "131091");
    assert_eq!(first["municipality_name"], "品川区");
    assert_eq!(first["has_my_number"], false);
    assert_eq!(first["my_number_purged_at"], Value::Null);
    // It belongs to the donation's donor identity.
    let identity: String = donor_identity_links::table
        .filter(donor_identity_links::donation_id.eq(&hanako_gift))
        .select(donor_identity_links::identity_id)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(first["identity_id"], identity.as_str());
    assert_eq!(
        app.get_json(&path(&first_id), Some(&admin)).await["id"],
        first_id.as_str()
    );

    // One per donor and tax year: again, or through another donation of hers, is refused.
    let again = application(&hanako_gift, 2024, "2024-12-21");
    refused_as_a_second(&app, &admin, &again).await;
    let (second_gift, _) = app.donate_ok(&hanako()).await;
    let twin = application(&second_gift, 2024, "2024-12-22");
    refused_as_a_second(&app, &admin, &twin).await;
    // The next tax year is another application.
    let (next_year, _) = create(&app, &admin, &application(&second_gift, 2025, "2025-06-01")).await;
    let next_year_id = id_of(&next_year);
    assert_eq!(next_year["identity_id"], identity.as_str());

    // Received on 11 January: recorded, but invalid for lateness. 大阪市北区 is 大阪市's.
    let (jiro_gift, _) = app.donate_ok(&jiro()).await;
    let mut body = application(&jiro_gift, 2024, "2025-01-11");
    body["channel"] = json!("online");
    let (late, _) = create(&app, &admin, &body).await;
    let late_id = id_of(&late);
    assert_eq!(late["status"], "invalid");
    assert_eq!(late["invalid_reason"], "received_after_deadline");
    assert_eq!(late["channel"], "online");
    assert_eq!(late["municipality_code"], "271004");
    assert_eq!(late["municipality_name"], "大阪市");
    assert_ne!(late["identity_id"], identity.as_str());

    // The applicant's own details, when they differ from the donation's.
    let (saburo_gift, _) = app.donate_ok(&saburo()).await;
    let mut body = application(&saburo_gift, 2025, "2025-07-01");
    body["city"] = json!("架空市");
    let res = submit(&app, &admin, &body).await;
    assert_eq!(invalid_fields(res).await, ["city"]);
    body["city"] = json!("世田谷区");
    body["address_line"] = json!("世田谷4-21-27");
    body["name_kana"] = json!("ﾐﾅﾄ ｻﾌﾞﾛｳ");
    let (moved, _) = create(&app, &admin, &body).await;
    let moved_id = id_of(&moved);
    assert_eq!(moved["municipality_code"], "131121");
    assert_eq!(moved["name_kana"], "ミナト サブロウ");
    assert_eq!(moved["name"], "港 三郎");

    // Refusals before anything is written.
    let unknown = application("00000000-0000-4000-8000-000000000000", 2025, "2025-07-01");
    let res = submit(&app, &admin, &unknown).await;
    assert_problem(res, 404, "donation_not_found").await;
    let mut body = application(&jiro_gift, 1999, "2025-07-01");
    body["municipality_code"] = json!("271000");
    body["received_on"] = json!("2099-01-01");
    let res = submit(&app, &admin, &body).await;
    assert_eq!(invalid_fields(res).await, ["tax_year", "municipality_code"]);
    let before_the_year = application(&jiro_gift, 2025, "2024-12-31");
    let res = submit(&app, &admin, &before_the_year).await;
    assert_eq!(invalid_fields(res).await, ["received_on"]);

    // received → incomplete → valid → withdrawn; never back to received, nothing after withdrawn.
    let step = change(
        &app,
        &admin,
        &first_id,
        &json!({"status": "incomplete", "note": " 署名なし "}),
    )
    .await;
    assert_eq!(
        (step["status"].as_str(), step["note"].as_str()),
        (Some("incomplete"), Some("署名なし"))
    );
    let back = amend(&app, &admin, &first_id, &json!({"status": "received"})).await;
    let problem = assert_problem(back, 409, "one_stop_state_conflict").await;
    assert_eq!(
        problem["detail"],
        "An application that is incomplete cannot become received."
    );
    let step = change(
        &app,
        &admin,
        &first_id,
        &json!({"status": "valid", "note": null}),
    )
    .await;
    assert_eq!(
        (step["status"].as_str(), &step["note"]),
        (Some("valid"), &Value::Null)
    );
    for (body, field) in [
        (json!({"status": "invalid"}), "invalid_reason"),
        (
            json!({"status": "invalid", "invalid_reason": "received_after_deadline"}),
            "invalid_reason",
        ),
        (
            json!({"invalid_reason": "tax_return_filed"}),
            "invalid_reason",
        ),
    ] {
        let res = amend(&app, &admin, &first_id, &body).await;
        assert_eq!(invalid_fields(res).await, [field], "{body}");
    }
    let step = change(&app, &admin, &first_id, &json!({"status": "withdrawn"})).await;
    assert_eq!(step["status"], "withdrawn");
    let res = amend(&app, &admin, &first_id, &json!({"status": "valid"})).await;
    assert_problem(res, 409, "one_stop_state_conflict").await;
    // Invalid with a reason staff give; a late application stays invalid.
    let body = json!({"status": "invalid", "invalid_reason": "more_than_five_municipalities"});
    let step = change(&app, &admin, &next_year_id, &body).await;
    assert_eq!(step["invalid_reason"], "more_than_five_municipalities");
    let res = amend(&app, &admin, &late_id, &json!({"status": "valid"})).await;
    assert_problem(res, 409, "one_stop_state_conflict").await;

    // A changed address derives the municipality again; a given code wins; an unknown place is
    // refused and changes nothing.
    let body = json!({"prefecture": "大阪府", "city": "大阪市北区", "address_line": "梅田1-1-1"});
    let step = change(&app, &admin, &moved_id, &body).await;
    assert_eq!(step["municipality_code"], "271004");
    let step = change(
        &app,
        &admin,
        &moved_id,
        &json!({"municipality_code": "131121"}),
    )
    .await;
    assert_eq!(step["municipality_code"], "131121");
    assert_eq!(step["city"], "大阪市北区");
    let res = amend(&app, &admin, &moved_id, &json!({"city": "架空市"})).await;
    assert_eq!(invalid_fields(res).await, ["city"]);
    let kept = app.get_json(&path(&moved_id), Some(&admin)).await;
    assert_eq!(kept["city"], "大阪市北区");

    // The list: newest tax year first, then in the order received; each filter narrows.
    assert_eq!(
        listed(&app, &admin, "").await,
        [
            next_year_id.clone(),
            moved_id.clone(),
            first_id.clone(),
            late_id.clone()
        ]
    );
    assert_eq!(
        listed(&app, &admin, "tax_year=2024").await,
        [first_id.clone(), late_id.clone()]
    );
    assert_eq!(
        listed(&app, &admin, "status=invalid").await,
        [next_year_id.clone(), late_id.clone()]
    );
    assert_eq!(
        listed(&app, &admin, "municipality_code=131091").await,
        [next_year_id.clone(), first_id.clone()]
    );
    assert_eq!(
        listed(&app, &admin, "tax_year=2025&municipality_code=131121").await,
        std::slice::from_ref(&moved_id)
    );
    assert!(listed(&app, &admin, "tax_year=2023").await.is_empty());
    let page = app
        .get_json(&format!("{APPLICATIONS}?per_page=1&page=2"), Some(&admin))
        .await;
    assert_eq!(
        (page["total"].as_i64(), page["items"][0]["id"].as_str()),
        (Some(4), Some(moved_id.as_str()))
    );
    for (query, field) in [
        ("tax_year=1999", "tax_year"),
        ("municipality_code=131092", "municipality_code"),
    ] {
        let res = app
            .get(&format!("{APPLICATIONS}?{query}"), Some(&admin))
            .await;
        assert_eq!(invalid_fields(res).await, [field]);
    }
    let res = app
        .get(&format!("{APPLICATIONS}?status=lost"), Some(&admin))
        .await;
    assert_problem(res, 400, "invalid_query").await;

    // Audited with ids, state and municipality: no name, no address.
    let audit = app
        .audit_log(&admin, "one_stop_application", &first_id)
        .await;
    assert_eq!(
        actions(&audit),
        [
            "one_stop_application.create",
            "one_stop_application.update",
            "one_stop_application.update",
            "one_stop_application.update"
        ]
    );
    let created = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "one_stop_application.create")
        .unwrap();
    assert_eq!(created["after"]["status"], "received");
    assert_eq!(created["after"]["municipality_code"], "131091");
    assert_eq!(created["after"]["identity_id"], identity.as_str());
    assert_shows_none(&audit, &["品川 花子", "シナガワ", "広町", "140-8715"]);

    // Unknown ids; read-only staff read and change nothing.
    let nobody = "00000000-0000-4000-8000-000000000000";
    assert_problem(
        app.get(&path(nobody), Some(&admin)).await,
        404,
        "one_stop_application_not_found",
    )
    .await;
    let res = amend(&app, &admin, nobody, &json!({"status": "valid"})).await;
    assert_problem(res, 404, "one_stop_application_not_found").await;
    let viewer = app.staff_token(VIEWER_EMAIL, Role::Viewer).await;
    assert_eq!(listed(&app, &viewer, "tax_year=2024").await.len(), 2);
    let res = submit(&app, &viewer, &application(&jiro_gift, 2025, "2025-07-01")).await;
    assert_problem(res, 403, "forbidden").await;
}

async fn my_numbers_are_sealed_and_read_only_with_the_permission(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let (hanako_gift, _) = app.donate_ok(&hanako()).await;
    let (jiro_gift, _) = app.donate_ok(&jiro()).await;

    // Mistyped, or sent as a JSON number: refused on `my_number`, the input not repeated.
    for typed in [
        json!("1234 5678 9019"),
        json!(MISTYPED),
        json!(123_456_789_018_u64),
    ] {
        let mut body = application(&hanako_gift, 2025, "2025-12-20");
        body["my_number"] = typed.clone();
        let res = submit(&app, &admin, &body).await;
        assert_eq!(res.status(), 422, "{typed}");
        let text = res.text().await.unwrap();
        let problem: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(error_fields(&problem), ["my_number"], "{text}");
        for shown in [MISTYPED, NUMBER, "1234 5678 9019", "5678"] {
            assert!(!text.contains(shown), "{shown} in {text}");
        }
    }
    let mut body = application(&hanako_gift, 2025, "2025-12-20");
    body["my_number"] = json!("1234-5678-9018");
    let (created, text) = create(&app, &admin, &body).await;
    let id = id_of(&created);
    assert_eq!(created["has_my_number"], true);
    assert!(
        !text.contains(NUMBER) && !text.contains("\"my_number\""),
        "{text}"
    );

    // In the database it is sealed: no digits, only `v1:<key id>:<base64>`.
    let sealed = sealed_column(&app, &id).expect("sealed");
    assert!(sealed.starts_with("v1:dev:"), "{sealed}");
    assert!(!sealed.contains(NUMBER), "{sealed}");
    // Nor in the list, the application or the audit log.
    for read in [
        path(&id),
        APPLICATIONS.to_owned(),
        format!("{APPLICATIONS}?tax_year=2025"),
    ] {
        let text = app.get(&read, Some(&admin)).await.text().await.unwrap();
        assert!(text.contains("\"has_my_number\":true"), "{read}: {text}");
        assert!(!text.contains(NUMBER), "{read}: {text}");
    }

    // Only a login with the permission reads it: an admin without it is refused, as a viewer is.
    let viewer = app.staff_token(VIEWER_EMAIL, Role::Viewer).await;
    for token in [admin.as_str(), viewer.as_str()] {
        let problem = number_refused(&app, Some(token), &id, 403, "forbidden").await;
        assert!(!problem.to_string().contains(NUMBER));
    }
    number_refused(&app, None, &id, 401, "unauthorized").await;
    grant(&app, ADMIN_EMAIL);
    let res = app.get(&my_number_path(&id), Some(&admin)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"my_number": NUMBER})
    );
    // Each read is in the audit log, by whom, without the number.
    assert_eq!(
        app.get(&my_number_path(&id), Some(&admin)).await.status(),
        200
    );
    let audit = app.audit_log(&admin, "one_stop_application", &id).await;
    assert_eq!(
        actions(&audit),
        [
            "my_number.read",
            "my_number.read",
            "one_stop_application.create"
        ]
    );
    let admin_id: String = users::table
        .filter(users::email.eq(ADMIN_EMAIL))
        .select(users::id)
        .first(&mut *app.conn())
        .unwrap();
    let read = &audit["items"][0];
    assert_eq!(read["action"], "my_number.read");
    assert_eq!(read["actor_id"], admin_id.as_str());
    assert!(!audit.to_string().contains(NUMBER), "{audit}");
    // The grant itself is in the audit log, from the command line (no actor).
    let grants = app.audit_log(&admin, "user", &admin_id).await;
    assert_eq!(grants["items"][0]["action"], "my_number_access.grant");
    assert_eq!(grants["items"][0]["actor_id"], Value::Null);
    assert_eq!(
        grants["items"][0]["after"],
        json!({"my_number_access": true})
    );

    // An application without a number; an unknown application.
    let (plain, _) = create(&app, &admin, &application(&jiro_gift, 2025, "2025-12-21")).await;
    let plain_id = id_of(&plain);
    number_refused(&app, Some(&admin), &plain_id, 404, "my_number_not_held").await;
    let nobody = "00000000-0000-4000-8000-000000000000";
    number_refused(
        &app,
        Some(&admin),
        nobody,
        404,
        "one_stop_application_not_found",
    )
    .await;
    // A sealed value copied into another application does not open there (it is bound to its row).
    set_sealed_column(&app, &plain_id, Some(sealed.as_str()));
    let res = app.get(&my_number_path(&plain_id), Some(&admin)).await;
    assert_eq!(res.status(), 500);
    assert!(!res.text().await.unwrap().contains(NUMBER));
    set_sealed_column(&app, &plain_id, None);

    // Replaced, then deleted by staff.
    let step = change(
        &app,
        &admin,
        &id,
        &json!({"my_number": "９８３２ ０５６７ ３２１４"}),
    )
    .await;
    assert_eq!(step["has_my_number"], true);
    assert!(!step.to_string().contains(OTHER_NUMBER));
    let res = app.get(&my_number_path(&id), Some(&admin)).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["my_number"],
        OTHER_NUMBER
    );
    let res = amend(&app, &admin, &id, &json!({"my_number": MISTYPED})).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["my_number"]);
    assert!(!problem.to_string().contains(MISTYPED));
    let step = change(&app, &admin, &id, &json!({"my_number": null})).await;
    assert_eq!(step["has_my_number"], false);
    assert_eq!(sealed_column(&app, &id), None);
    number_refused(&app, Some(&admin), &id, 404, "my_number_not_held").await;

    // Revoked: refused again.
    let out = my_number_access(&app, ADMIN_EMAIL, "--revoke");
    assert!(out.status.success());
    number_refused(&app, Some(&admin), &plain_id, 403, "forbidden").await;
    // Neither or both of --grant and --revoke, or an unknown login, is an error.
    assert!(
        !my_number_access(&app, "nobody@city.shinagawa.example", "--grant")
            .status
            .success()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_furusato"))
        .args(["admin", "my-number-access", "--email", ADMIN_EMAIL])
        .env("FURUSATO_CONFIG_DIR", "/nonexistent")
        .output()
        .unwrap();
    assert!(!out.status.success());
}

async fn my_numbers_are_deleted_after_the_retention_period(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| {
        s.one_stop.my_number_retention_days = 0;
        s.payment.sweep_interval_seconds = 1;
    })
    .await;
    let admin = app.admin_token().await;
    diesel::update(users::table.filter(users::email.eq(ADMIN_EMAIL)))
        .set(users::my_number_access.eq(true))
        .execute(&mut *app.conn())
        .unwrap();
    let (hanako_gift, _) = app.donate_ok(&hanako()).await;
    let mut body = application(&hanako_gift, 2025, "2025-12-20");
    body["my_number"] = json!(NUMBER);
    let (created, _) = create(&app, &admin, &body).await;
    let id = id_of(&created);

    // With a retention of 0 days, the sweeper deletes it from the day after it was received.
    let deadline = Instant::now() + Duration::from_secs(20);
    let purged = loop {
        let now = app.get_json(&path(&id), Some(&admin)).await;
        if now["has_my_number"].as_bool() == Some(false) {
            break now;
        }
        assert!(
            Instant::now() < deadline,
            "not deleted by the sweeper: {now}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(purged["my_number_purged_at"].is_string(), "{purged}");
    assert_eq!(purged["status"], "received");
    assert_eq!(sealed_column(&app, &id), None);
    number_refused(&app, Some(&admin), &id, 404, "my_number_not_held").await;
    // Nothing is left to delete.
    let today = furusato::domain::calendar::japan_today();
    let left = furusato::one_stop::my_number::purge_expired_my_numbers(&mut app.conn(), 0, today);
    assert_eq!(left.unwrap(), 0);
}

/// The service as its own process, logging at debug level as JSON lines that are collected
/// here; killed when dropped, even when the test fails.
struct LoggedServer {
    child: Child,
    base: String,
    client: reqwest::Client,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl LoggedServer {
    fn start(app: &TestApp) -> LoggedServer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_furusato"))
            .arg("serve")
            .env("FURUSATO__DATABASE__URL", &app.database_url)
            .env("FURUSATO__DEMO", "false")
            .env("FURUSATO__SERVER__PORT", "0")
            .env("FURUSATO__SERVER__WORKERS", "1")
            .env("FURUSATO__EMAIL__WORKER_ENABLED", "false")
            .env("FURUSATO__LOG__LEVEL", "debug")
            .env("FURUSATO__LOG__FORMAT", "json")
            .env("FURUSATO_CONFIG_DIR", "/nonexistent")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start furusato serve");
        let (tx, lines) = mpsc::channel();
        let forward = |stream: Box<dyn Read + Send>, tx: mpsc::Sender<String>| {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                let mut line = Vec::new();
                while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                    if tx
                        .send(String::from_utf8_lossy(&line).into_owned())
                        .is_err()
                    {
                        return;
                    }
                    line.clear();
                }
            });
        };
        forward(Box::new(child.stdout.take().unwrap()), tx.clone());
        forward(Box::new(child.stderr.take().unwrap()), tx);
        let mut server = LoggedServer {
            child,
            base: String::new(),
            client: app.client.clone(),
            lines,
            seen: Vec::new(),
        };
        let marker = "listening on http://";
        let line = server.wait_for(marker);
        let address = &line[line.find(marker).unwrap() + marker.len()..];
        let port: String = address
            .split(':')
            .nth(1)
            .unwrap()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        server.base = format!("http://127.0.0.1:{port}");
        server
    }

    /// A request to this process as the login `token`, with a JSON body if given.
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> Response {
        let request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        let request = match body {
            Some(body) => request.json(body),
            None => request,
        };
        request.send().await.expect("request")
    }

    /// Collects lines until one contains `text` (at most 30 s); returns it.
    fn wait_for(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        tokio::task::block_in_place(|| loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => panic!("no log line with {text:?}; seen:\n{}", self.seen.join("")),
            }
        })
    }

    /// Every line logged, once the process has stopped.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The readers end at the end of the pipes.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        self.seen.join("")
    }
}

impl Drop for LoggedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every request that carries or answers a My Number goes to the real binary, whose whole log
/// (debug level) is then searched for the digits, as typed and as stored.
async fn a_my_number_never_reaches_the_log(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let (hanako_gift, _) = app.donate_ok(&hanako()).await;
    let (jiro_gift, _) = app.donate_ok(&jiro()).await;
    grant(&app, ADMIN_EMAIL);
    let mut server = LoggedServer::start(&app);

    let mut body = application(&hanako_gift, 2025, "2025-12-20");
    body["my_number"] = json!("1234 5678 9018");
    let res = server
        .send(Method::POST, APPLICATIONS, &admin, Some(&body))
        .await;
    assert_eq!(res.status(), 201);
    let id = id_of(&res.json::<Value>().await.unwrap());
    let mut body = application(&jiro_gift, 2025, "2025-12-21");
    for typed in [json!(MISTYPED), json!(123_456_789_018_u64)] {
        body["my_number"] = typed;
        let res = server
            .send(Method::POST, APPLICATIONS, &admin, Some(&body))
            .await;
        assert_eq!(res.status(), 422);
    }
    for read in [path(&id), APPLICATIONS.to_owned()] {
        let res = server.send(Method::GET, &read, &admin, None).await;
        assert_eq!(res.status(), 200);
    }
    let res = server
        .send(Method::GET, &my_number_path(&id), &admin, None)
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["my_number"], NUMBER);
    let change = json!({"my_number": OTHER_NUMBER});
    let res = server
        .send(Method::PATCH, &path(&id), &admin, Some(&change))
        .await;
    assert_eq!(res.status(), 200);
    let res = server
        .send(Method::GET, &my_number_path(&id), &admin, None)
        .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["my_number"],
        OTHER_NUMBER
    );
    // A last request, whose line follows every line of the ones before.
    let health = format!("{}/health/live", server.base);
    let res = server.client.get(health).send().await.unwrap();
    assert_eq!(res.status(), 200);

    server.wait_for("/health/live");
    let log = server.stop();
    // The log was read: the requests are in it, by their route.
    assert!(
        log.contains("/api/v1/admin/one-stop/applications/{id}/my-number"),
        "{log}"
    );
    assert!(log.contains("\"status\":422"), "{log}");
    for secret in [
        NUMBER,
        OTHER_NUMBER,
        MISTYPED,
        "1234 5678 9018",
        "56789018",
        "05673214",
    ] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

async fn a_final_application_makes_room_for_a_new_one(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let (gift, _) = app.donate_ok(&hanako()).await;
    let (first, _) = create(&app, &admin, &application(&gift, 2024, "2024-12-20")).await;
    let first_id = id_of(&first);
    let identity = first["identity_id"].clone();

    // Withdrawn (her 変更届): a new application for the same year is recorded beside it.
    change(&app, &admin, &first_id, &json!({"status": "withdrawn"})).await;
    let (second, _) = create(&app, &admin, &application(&gift, 2024, "2024-12-21")).await;
    let second_id = id_of(&second);
    assert_ne!(second_id, first_id);
    assert_eq!(second["identity_id"], identity);
    assert_eq!(second["status"], "received");
    // That one is open: a third is refused, through any of her donations.
    let (other_gift, _) = app.donate_ok(&hanako()).await;
    for on in [&gift, &other_gift] {
        refused_as_a_second(&app, &admin, &application(on, 2024, "2024-12-22")).await;
    }
    // Invalid is final too: it makes room again.
    let body = json!({"status": "invalid", "invalid_reason": "tax_return_filed"});
    change(&app, &admin, &second_id, &body).await;
    let (third, _) = create(&app, &admin, &application(&other_gift, 2024, "2024-12-23")).await;
    let third_id = id_of(&third);
    assert_eq!(third["identity_id"], identity);
    refused_as_a_second(&app, &admin, &application(&gift, 2024, "2024-12-24")).await;

    // Final stays final: neither comes back beside the open one.
    for (id, status) in [(&first_id, "valid"), (&second_id, "received")] {
        let res = amend(&app, &admin, id, &json!({ "status": status })).await;
        assert_problem(res, 409, "one_stop_state_conflict").await;
    }
    assert_eq!(
        listed(&app, &admin, "tax_year=2024").await,
        [first_id.clone(), second_id.clone(), third_id.clone()]
    );
    let mut statuses = Vec::new();
    for id in [&first_id, &second_id, &third_id] {
        statuses.push(app.get_json(&path(id), Some(&admin)).await["status"].clone());
    }
    assert_eq!(statuses, ["withdrawn", "invalid", "received"]);
}

/// The `identity_id` of each application listed for `query`, in the list's order.
async fn identities_listed(app: &TestApp, admin: &str, query: &str) -> Vec<(String, String)> {
    let page = app
        .get_json(&format!("{APPLICATIONS}?{query}"), Some(admin))
        .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (id_of(a), a["identity_id"].as_str().unwrap().to_owned()))
        .collect()
}

async fn a_merge_moves_applications_and_refuses_two_open_ones(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let (gift_a, _) = app.donate_ok(&hanako()).await;
    let (gift_b, _) = app.donate_ok(&hanako_elsewhere()).await;

    // Each of her two identities has a valid application for 2025; the second also a withdrawn
    // one for 2024, and the first an open one for 2024.
    let (a25, _) = create(&app, &admin, &application(&gift_a, 2025, "2025-06-01")).await;
    let (b25, _) = create(&app, &admin, &application(&gift_b, 2025, "2025-06-02")).await;
    let (ia, ib) = (
        a25["identity_id"].as_str().unwrap().to_owned(),
        b25["identity_id"].as_str().unwrap().to_owned(),
    );
    assert_ne!(ia, ib, "matching keeps her two records apart");
    let (a25, b25) = (id_of(&a25), id_of(&b25));
    for id in [&a25, &b25] {
        change(&app, &admin, id, &json!({"status": "valid"})).await;
    }
    let (a24, _) = create(&app, &admin, &application(&gift_a, 2024, "2024-12-20")).await;
    let (b24, _) = create(&app, &admin, &application(&gift_b, 2024, "2024-12-21")).await;
    let (a24, b24) = (id_of(&a24), id_of(&b24));
    change(&app, &admin, &b24, &json!({"status": "withdrawn"})).await;

    // Two open applications for 2025: staff must withdraw one first; nothing changes.
    let problem = assert_problem(
        app.merge_identities(&admin, &ia, &ib).await,
        409,
        "one_stop_application_exists",
    )
    .await;
    assert_eq!(
        problem["detail"],
        "Both identities have an open one-stop application for tax year 2025; \
         withdraw one of them before merging."
    );
    let absorbed = app.identity(&admin, &ib).await;
    assert_eq!(absorbed["id"], ib.as_str(), "not merged");
    let kept = app.identity(&admin, &ia).await;
    assert_eq!(kept["merged_ids"], json!([]));
    assert_eq!(kept["donation_count"], 1);
    assert_eq!(
        identities_listed(&app, &admin, "tax_year=2025").await,
        [(a25.clone(), ia.clone()), (b25.clone(), ib.clone())]
    );

    // Staff withdraw the first identity's 2025 application; the merge goes through and her
    // applications, the withdrawn ones too, follow her donations.
    change(&app, &admin, &a25, &json!({"status": "withdrawn"})).await;
    let res = app.merge_identities(&admin, &ia, &ib).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    assert_eq!(
        identities_listed(&app, &admin, "tax_year=2025").await,
        [(a25.clone(), ia.clone()), (b25.clone(), ia.clone())]
    );
    assert_eq!(
        identities_listed(&app, &admin, "tax_year=2024").await,
        [(a24.clone(), ia.clone()), (b24.clone(), ia.clone())]
    );
    let moved = app.get_json(&path(&b25), Some(&admin)).await;
    assert_eq!(moved["status"], "valid");
    assert_eq!(moved["identity_id"], ia.as_str());
    // She still has one open application for 2025, now on the identity kept.
    refused_as_a_second(&app, &admin, &application(&gift_a, 2025, "2025-06-03")).await;

    // The merge's audit entry names the applications it moved, by tax year, ids only.
    let log = app.audit_log(&admin, "donor_identity", &ia).await;
    assert_eq!(log["total"], 1, "the refused merge left no entry: {log}");
    let entry = &log["items"][0];
    assert_eq!(entry["action"], "identity.merge");
    assert_eq!(
        entry["after"]["moved_one_stop_application_ids"],
        json!([b24, b25])
    );
    assert_eq!(entry["before"].get("moved_one_stop_application_ids"), None);
    assert_shows_none(&log, &["品川", "シナガワ"]);
}

both_engines!(
    applications_are_recorded_once_per_donor_and_year,
    a_final_application_makes_room_for_a_new_one,
    a_merge_moves_applications_and_refuses_two_open_ones,
    my_numbers_are_sealed_and_read_only_with_the_permission,
    my_numbers_are_deleted_after_the_retention_period,
    a_my_number_never_reaches_the_log
);
