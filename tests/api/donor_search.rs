//! Staff donor search (#14), `GET /api/v1/admin/donations?q=`: kana in any script or width,
//! full-width phone and postal code, email, receipt number, portal order id and donation id find
//! the donor; several words narrow; donations from before the index are indexed at start-up.

use diesel::prelude::*;
use furusato::db::schema::donor_search_terms;
use serde_json::{json, Value};

use crate::both_engines;
use crate::flows::general;
use crate::helpers::{assert_problem, error_fields, strings, Engine, TestApp};

/// `?q=…&per_page=100`, encoded.
fn search_query(q: &str) -> String {
    serde_urlencoded::to_string([("q", q), ("per_page", "100")]).unwrap()
}

/// The ids of the donations the staff search `q` finds, sorted.
async fn found(app: &TestApp, admin: &str, q: &str) -> Vec<String> {
    let path = format!("/api/v1/admin/donations?{}", search_query(q));
    let list = app.get_json(&path, Some(admin)).await;
    let mut ids = strings(&list["items"], "id");
    assert_eq!(list["total"], json!(ids.len()), "{q}");
    ids.sort();
    ids
}

fn ids(of: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = of.iter().map(|id| (*id).clone()).collect();
    ids.sort();
    ids
}

/// A general donation by 品川 太郎 (the standard donor is 品川 花子): same family name.
fn taro() -> Value {
    let mut body = general(20_000);
    let donor = &mut body["donor"];
    donor["name"] = json!("品川 太郎");
    donor["name_kana"] = json!("シナガワ タロウ");
    donor["email"] = json!("Taro.Shinagawa@Example.jp");
    donor["phone"] = json!("03-1234-5678");
    donor["postal_code"] = json!("140-0001");
    body
}

/// One portal row: 大阪 次郎, his kana in half-width as portals often export it.
const PORTAL_FILE: &str = "external_id,received_on,amount,kind,donor_name,donor_name_kana,\
donor_email,donor_phone,donor_postal_code,donor_prefecture,donor_city,donor_address_line\r\n\
RK-2025-0001,2025-07-14,5000,寄附のみ,大阪 次郎,ｵｵｻｶ ｼﾞﾛｳ,jiro@example.jp,06-9876-5432,\
530-0002,大阪府,大阪市北区,梅田2-2-2\r\n";

async fn staff_find_donors_in_any_width_or_kana_form(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let (hanako, _) = app.donate_ok(&general(10_000)).await;
    let (taro, _) = app.donate_ok(&taro()).await;
    let res = app
        .import_csv(&admin, "rakuten", PORTAL_FILE.as_bytes().to_vec())
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let portal = found(&app, &admin, "RK-2025-0001").await;
    assert_eq!(portal.len(), 1, "the portal order id finds the import");
    let jiro = &portal[0];

    // Kana in hiragana, half-width or katakana; a family or a given name, or both.
    for q in ["しながわ", "ｼﾅｶﾞﾜ", "シナガワ", "品川"] {
        assert_eq!(found(&app, &admin, q).await, ids(&[&hanako, &taro]), "{q}");
    }
    for q in [
        "はなこ",
        "ﾊﾅｺ",
        "品川 花子",
        "しながわ\u{3000}はなこ",
        "シナガワハナコ",
    ] {
        assert_eq!(found(&app, &admin, q).await, ids(&[&hanako]), "{q}");
    }
    assert_eq!(found(&app, &admin, "おおさか じろう").await, ids(&[jiro]));
    // Phone and postal code in full-width digits and dashes, or plain.
    for q in [
        "０３－１２３４－５６７８",
        "0312345678",
        "１４０－０００１",
        "1400001",
    ] {
        assert_eq!(found(&app, &admin, q).await, ids(&[&taro]), "{q}");
    }
    assert_eq!(found(&app, &admin, "06-1234-5678").await, ids(&[&hanako]));
    // Email in any case, or its local part.
    for q in ["TARO.SHINAGAWA@EXAMPLE.JP", "taro.shinagawa"] {
        assert_eq!(found(&app, &admin, q).await, ids(&[&taro]), "{q}");
    }
    assert_eq!(found(&app, &admin, "rk-2025-0001").await, ids(&[jiro]));
    // A pasted donation id.
    assert_eq!(found(&app, &admin, &taro).await, ids(&[&taro]));

    // Nobody matches; a second word narrows, and one that matches nobody empties the list.
    assert!(found(&app, &admin, "やまだ").await.is_empty());
    assert!(
        found(&app, &admin, "しなが").await.is_empty(),
        "whole terms only"
    );
    assert_eq!(
        found(&app, &admin, "しながわ 03-1234-5678").await,
        ids(&[&taro])
    );
    assert!(found(&app, &admin, "しながわ やまだ").await.is_empty());

    // Paid: the receipt number finds it, in any case and width.
    app.pay(&hanako, 10_000).await;
    let paid = app
        .get_json(&format!("/api/v1/admin/donations/{hanako}"), Some(&admin))
        .await;
    let receipt = paid["receipt_number"].as_str().unwrap().to_owned();
    assert_eq!(found(&app, &admin, &receipt).await, ids(&[&hanako]));
    assert_eq!(
        found(&app, &admin, &receipt.to_lowercase()).await,
        ids(&[&hanako])
    );
    // The other filters still apply beside it.
    let path = format!(
        "/api/v1/admin/donations?status=paid&{}",
        search_query("しながわ")
    );
    assert_eq!(app.get_json(&path, Some(&admin)).await["total"], 1);

    // The CSV export searches the same way.
    let csv = app
        .get_csv(
            &format!("/api/v1/admin/donations?{}", search_query("ｼﾅｶﾞﾜ ﾀﾛｳ")),
            &admin,
        )
        .await;
    assert!(csv.contains(&taro) && !csv.contains(&hanako));

    // Each word is an index lookup: a search has a few.
    let path = format!(
        "/api/v1/admin/donations?{}",
        search_query("a b c d e f g h i j k")
    );
    let problem =
        assert_problem(app.get(&path, Some(&admin)).await, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["q"]);
}

async fn donations_from_before_the_index_are_indexed_at_start_up(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let (hanako, _) = app.donate_ok(&general(10_000)).await;
    let (taro, _) = app.donate_ok(&taro()).await;
    // As a database migrated from before the index: donations without terms.
    diesel::delete(donor_search_terms::table)
        .execute(&mut *app.conn())
        .unwrap();
    assert!(found(&app, &admin, "しながわ").await.is_empty());
    // The next instance to start indexes them.
    app.another_instance().await;
    assert_eq!(
        found(&app, &admin, "しながわ").await,
        ids(&[&hanako, &taro])
    );
    assert_eq!(found(&app, &admin, "１４０－０００１").await, ids(&[&taro]));
    // Then there is nothing left to do.
    let indexed = furusato::donations::search_terms::backfill(&mut app.conn()).unwrap();
    assert_eq!(indexed, 0);
}

/// An import's terms are written after it commits; a search never misses its donations, even
/// when the process stopped part-way through writing them and restarted, and a term already
/// there does not stop the catch-up.
async fn a_search_waits_for_the_terms_of_an_import(engine: Engine) {
    use furusato::db::schema::{donation_imports, donations};
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let res = app
        .import_csv(&admin, "rakuten", PORTAL_FILE.as_bytes().to_vec())
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    // As if the process had stopped before the import's terms were written, with one term
    // written meanwhile by another path.
    let jiro: String = donations::table
        .filter(donations::external_id.eq("RK-2025-0001"))
        .select(donations::id)
        .first(&mut *app.conn())
        .unwrap();
    // The background catch-up may have run already: wait for it, then undo it.
    furusato::donations::search_terms::catch_up(&app.db)
        .await
        .unwrap();
    diesel::delete(donor_search_terms::table)
        .execute(&mut *app.conn())
        .unwrap();
    diesel::insert_into(donor_search_terms::table)
        .values((
            donor_search_terms::donation_id.eq(&jiro),
            donor_search_terms::term.eq(furusato::domain::search::search_term("RK-2025-0001")),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    diesel::update(donation_imports::table)
        .set(donation_imports::search_indexed_at.eq(None::<chrono::NaiveDateTime>))
        .execute(&mut *app.conn())
        .unwrap();
    // A restart's backfill sees a donation with a term and must leave the import to catch_up.
    // Called directly: a new instance's sweeper could catch the import up before the count.
    furusato::donations::search_terms::backfill(&mut app.conn()).unwrap();
    let pending: i64 = donation_imports::table
        .filter(donation_imports::search_indexed_at.is_null())
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(
        pending, 1,
        "the import is still to catch up after a restart"
    );

    assert_eq!(found(&app, &admin, "ｵｵｻｶ").await, vec![jiro.clone()]);
    assert_eq!(
        found(&app, &admin, "06-9876-5432").await,
        vec![jiro.clone()]
    );
    let pending: i64 = donation_imports::table
        .filter(donation_imports::search_indexed_at.is_null())
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(pending, 0, "the search marked the import indexed");
    let again = furusato::donations::search_terms::catch_up(&app.db)
        .await
        .unwrap();
    assert_eq!(again, 0, "nothing left to write");
}

both_engines!(
    staff_find_donors_in_any_width_or_kana_form,
    donations_from_before_the_index_are_indexed_at_start_up,
    a_search_waits_for_the_terms_of_an_import
);
