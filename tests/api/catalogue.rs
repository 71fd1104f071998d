//! The return-gift catalogue: rules on every write, public filters and sorts, caching, admin.

use serde_json::{json, Value};

use crate::both_engines;
use crate::flows::gift_body;
use crate::helpers::{assert_problem, error_fields, strings, Engine, TestApp};

async fn public_list(app: &TestApp, query: &str) -> Value {
    let res = app.get(&format!("/api/v1/gifts{query}"), None).await;
    assert_eq!(res.status(), 200, "{query}");
    res.json().await.unwrap()
}

fn codes(list: &Value) -> Vec<String> {
    strings(&list["items"], "code")
}

async fn thirty_percent_boundary_on_create_and_patch(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, vendor) = app.admin_and_vendor("ドウシシャ").await;

    // Exactly 30% is accepted; one yen more is not.
    let gift = app
        .create_gift(&admin, &gift_body("G-1", &vendor, 34_000, 10_200))
        .await;
    let res = app
        .post_gift(&admin, &gift_body("G-2", &vendor, 34_000, 10_201))
        .await;
    let body = assert_problem(res, 422, "return_ratio_exceeded").await;
    assert!(
        body["detail"].as_str().unwrap().contains("¥10,200"),
        "{body}"
    );

    let path = format!("/api/v1/admin/gifts/{}", gift["id"].as_str().unwrap());
    // Only the cost changes: one yen over.
    let res = app
        .patch(&path, Some(&admin), &json!({"procurement_cost": 10_201}))
        .await;
    assert_problem(res, 422, "return_ratio_exceeded").await;
    // Only the amount changes: lowering it breaks the ratio for the existing cost.
    let res = app
        .patch(&path, Some(&admin), &json!({"amount": 33_999}))
        .await;
    assert_problem(res, 422, "return_ratio_exceeded").await;
    // Both within the boundary.
    let res = app
        .patch(
            &path,
            Some(&admin),
            &json!({"amount": 40_000, "procurement_cost": 12_000}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let after: Value = res.json().await.unwrap();
    assert_eq!(after["amount"], 40_000);
    assert_eq!(after["procurement_cost"], 12_000);
    // Nothing was half-written by the refused changes.
    let res = app.get(&path, Some(&admin)).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["procurement_cost"],
        12_000
    );
}

async fn shape_and_wording_rules(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, vendor) = app.admin_and_vendor("小川畜産").await;

    let mut body = gift_body("W-1", &vendor, 10_000, 3_000);
    body["description"] = json!("とてもお得な和牛セット");
    let res = app.post_gift(&admin, &body).await;
    let problem = assert_problem(res, 422, "prohibited_wording").await;
    assert!(problem["detail"].as_str().unwrap().contains("お得"));
    // An invisible character between the letters does not hide the word.
    body["description"] = json!("とてもお\u{200B}得な和牛セット");
    let res = app.post_gift(&admin, &body).await;
    assert_problem(res, 422, "prohibited_wording").await;

    let gift = app
        .create_gift(&admin, &gift_body("W-2", &vendor, 10_000, 3_000))
        .await;
    let path = format!("/api/v1/admin/gifts/{}", gift["id"].as_str().unwrap());
    let res = app
        .patch(&path, Some(&admin), &json!({"name": "コスパ最強 和牛"}))
        .await;
    assert_problem(res, 422, "prohibited_wording").await;

    let res = app
        .post_gift(&admin, &gift_body("W-2", &vendor, 10_000, 3_000))
        .await;
    assert_problem(res, 409, "gift_code_taken").await;

    let res = app
        .post_gift(&admin, &gift_body("W-3", &vendor, 0, -5))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["amount", "procurement_cost"]);

    let res = app
        .post_gift(&admin, &gift_body("W-4", "no-such-vendor", 10_000, 3_000))
        .await;
    assert_problem(res, 422, "validation_failed").await;

    // Every write is in the audit log with before and after.
    let log = app
        .get_json("/api/v1/admin/audit-log?entity=gift", Some(&admin))
        .await;
    // create, then the approval's submit, approve and publish.
    assert_eq!(log["total"], 4, "refused writes leave no trace: {log}");
    let actions = strings(&log["items"], "action");
    let logged = |action: &str| actions.iter().any(|a| a == action);
    assert!(logged("create") && logged("publish"), "{actions:?}");
    assert!(log["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["after"]["code"] == "W-2"));
}

async fn public_catalogue_filters_sorts_and_windows(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, vendor) = app.admin_and_vendor("品川区観光協会").await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
        .date_naive();
    let day = |offset: i64| (today + chrono::Duration::days(offset)).to_string();

    let mut specs = vec![
        (
            "A",
            "experience",
            30_000,
            Some(10),
            json!(null),
            json!(null),
            "published",
            "花火観覧席ペアチケット",
        ),
        (
            "B",
            "product",
            12_000,
            Some(0),
            json!(null),
            json!(null),
            "published",
            "チーズケーキ",
        ),
        (
            "C",
            "travel",
            50_000,
            None,
            json!(day(0)),
            json!(day(0)),
            "published",
            "宿泊クーポン",
        ),
        (
            "D",
            "experience",
            100_000,
            None,
            json!(null),
            json!(null),
            "published",
            "ディナークルーズ",
        ),
        (
            "E",
            "experience",
            20_000,
            None,
            json!(day(1)),
            json!(null),
            "published",
            "未来の花火",
        ),
        (
            "F",
            "experience",
            20_000,
            None,
            json!(null),
            json!(day(-1)),
            "published",
            "過去の花火",
        ),
        (
            "G",
            "experience",
            20_000,
            None,
            json!(null),
            json!(null),
            "draft",
            "下書きの花火",
        ),
        (
            "H",
            "on_site",
            10_000,
            None,
            json!(null),
            json!(null),
            "suspended",
            "停止中",
        ),
    ];
    for (code, category, amount, stock, from, until, status, name) in specs.drain(..) {
        let mut body = gift_body(code, &vendor, amount, amount * 3 / 10);
        body["category"] = json!(category);
        body["stock"] = json!(stock);
        body["available_from"] = from;
        body["available_until"] = until;
        body["status"] = json!(status);
        body["name"] = json!(name);
        app.create_gift(&admin, &body).await;
    }

    let all = public_list(&app, "?sort=amount_asc").await;
    assert_eq!(
        codes(&all),
        ["B", "A", "C", "D"],
        "only published gifts inside their window"
    );
    assert_eq!(all["total"], 4);
    let first = &all["items"][0];
    assert!(first.get("procurement_cost").is_none() && first.get("status").is_none());
    assert!(first["vendor"]["name"].is_string());
    assert_eq!(first["stock_remaining"], 0);

    assert_eq!(
        codes(&public_list(&app, "?sort=amount_desc").await),
        ["D", "C", "A", "B"]
    );
    assert_eq!(
        codes(&public_list(&app, "?category=experience&sort=amount_desc").await),
        ["D", "A"]
    );
    assert_eq!(
        codes(&public_list(&app, "?min_amount=20000&max_amount=60000&sort=amount_asc").await),
        ["A", "C"]
    );
    assert_eq!(
        codes(&public_list(&app, "?in_stock=true&sort=amount_asc").await),
        ["A", "C", "D"]
    );
    assert_eq!(codes(&public_list(&app, "?in_stock=false").await), ["B"]);
    let q = "?q=%E8%8A%B1%E7%81%AB"; // 花火
    assert_eq!(codes(&public_list(&app, q).await), ["A"]);
    assert_eq!(
        codes(&public_list(&app, "?q=100%25").await),
        Vec::<String>::new()
    );
    let newest = codes(&public_list(&app, "?sort=newest").await);
    assert_eq!(newest.len(), 4);

    // Pagination edges.
    let page = public_list(&app, "?sort=amount_asc&per_page=3&page=2").await;
    assert_eq!(codes(&page), ["D"]);
    assert_eq!(
        (
            page["page"].as_i64(),
            page["per_page"].as_i64(),
            page["total"].as_i64()
        ),
        (Some(2), Some(3), Some(4))
    );
    assert!(codes(&public_list(&app, "?page=9").await).is_empty());
    for (query, status, code) in [
        ("?per_page=101", 422, "validation_failed"),
        ("?page=0", 422, "validation_failed"),
        ("?min_amount=5&max_amount=1", 422, "validation_failed"),
        // Unknown values and parameters are refused, not ignored.
        ("?category=support", 400, "invalid_query"),
        ("?sort=cheapest", 400, "invalid_query"),
        ("?in_stock=maybe", 400, "invalid_query"),
        ("?colour=red", 400, "invalid_query"),
    ] {
        let res = app.get(&format!("/api/v1/gifts{query}"), None).await;
        assert_problem(res, status, code).await;
    }

    // One gift: public when offered, 404 otherwise.
    let a = &all["items"][1];
    let res = app
        .get(
            &format!("/api/v1/gifts/{}", a["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "A");
    let admin_list = app
        .get_json("/api/v1/admin/gifts?status=draft", Some(&admin))
        .await;
    assert_eq!(admin_list["total"], 1);
    let draft_id = admin_list["items"][0]["id"].as_str().unwrap().to_owned();
    assert_problem(
        app.get(&format!("/api/v1/gifts/{draft_id}"), None).await,
        404,
        "gift_not_found",
    )
    .await;
}

async fn etag_and_cache_invalidation(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| s.catalogue.version_check_ms = 0).await;
    let (admin, vendor) = app.admin_and_vendor("Mr. CHEESECAKE").await;
    let gift = app
        .create_gift(&admin, &gift_body("C-1", &vendor, 12_000, 3_600))
        .await;
    let other = app.another_instance().await;

    let res = app.get("/api/v1/gifts", None).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let first: Value = res.json().await.unwrap();
    // Warm the other instance's cache too.
    let res = app
        .client
        .get(format!("{other}/api/v1/gifts"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);

    let res = app
        .client
        .get(app.url("/api/v1/gifts"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
    assert!(res.bytes().await.unwrap().is_empty());

    // An admin write on this instance is seen here and on the other instance at once.
    let path = format!("/api/v1/admin/gifts/{}", gift["id"].as_str().unwrap());
    let res = app
        .patch(&path, Some(&admin), &json!({"name": "チーズケーキ 新名称"}))
        .await;
    assert_eq!(res.status(), 200);
    for base in [app.address.clone(), other.clone()] {
        let res = app
            .client
            .get(format!("{base}/api/v1/gifts"))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "stale cache at {base}");
        assert_ne!(res.headers()["etag"].to_str().unwrap(), etag);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["items"][0]["name"], "チーズケーキ 新名称");
    }
    assert_ne!(first["items"][0]["name"], "チーズケーキ 新名称");

    // Suspending removes it from the public list.
    let res = app.delete(&path, &admin).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "suspended");
    assert_eq!(public_list(&app, "").await["total"], 0);
    let res = app.get(&path, Some(&admin)).await;
    assert_eq!(res.status(), 200, "nothing is deleted");
}

async fn organisations_purposes_and_partners(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    for kind in ["organizations", "purposes"] {
        let id = app
            .create(
                &format!("/api/v1/admin/{kind}"),
                Some(&admin),
                &json!({"name": "学校法人 香蘭女学校", "description": "説明"}),
            )
            .await;
        let res = app
            .post(
                &format!("/api/v1/admin/{kind}"),
                Some(&admin),
                &json!({"name": "学校法人 香蘭女学校"}),
            )
            .await;
        assert_eq!(res.status(), 409);
        let public = format!("/api/v1/{kind}");
        assert_eq!(app.get_json(&public, None).await["total"], 1);
        let path = format!("/api/v1/admin/{kind}/{id}");
        let res = app.delete(&path, &admin).await;
        assert_eq!(res.json::<Value>().await.unwrap()["active"], false);
        assert_eq!(
            app.get_json(&public, None).await["total"],
            0,
            "deactivated entries are not public"
        );
        let listed = app
            .get_json(&format!("/api/v1/admin/{kind}"), Some(&admin))
            .await;
        assert_eq!(listed["total"], 1, "but staff still see them");
        let res = app
            .patch(
                &path,
                Some(&admin),
                &json!({"active": true, "name": "学校法人 清泉女学院"}),
            )
            .await;
        assert_eq!(
            res.json::<Value>().await.unwrap()["name"],
            "学校法人 清泉女学院"
        );
    }

    let res = app
        .post("/api/v1/admin/partners", Some(&admin), &json!({"name": "天王洲ベイサイドグリル", "email": "Till@Bayside.example", "password": "a-long-till-password"}))
        .await;
    assert_eq!(res.status(), 201);
    let partner: Value = res.json().await.unwrap();
    assert_eq!(partner["is_partner"], true);
    assert!(partner.get("password").is_none());
    let res = app
        .login("till@bayside.example", "a-long-till-password")
        .await;
    let login: Value = res.json().await.unwrap();
    assert_eq!(login["role"], "partner");
    assert_eq!(login["partner_id"], partner["id"]);
    let res = app
        .post("/api/v1/admin/partners", Some(&admin), &json!({"name": "別の店", "email": "till@bayside.example", "password": "another-long-password"}))
        .await;
    assert_problem(res, 409, "email_taken").await;
    let res = app
        .post(
            "/api/v1/admin/partners",
            Some(&admin),
            &json!({"name": "短い", "email": "x@y.example", "password": "short"}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let partners = app.get_json("/api/v1/admin/partners", Some(&admin)).await;
    assert_eq!(
        partners["total"], 1,
        "the refused partners left nothing behind"
    );
}

async fn demo_data_loads_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let mut conn = app.conn();
    assert!(furusato::demo::load_if_empty(&mut conn, &app.settings).unwrap());
    assert!(!furusato::demo::load_if_empty(&mut conn, &app.settings).unwrap());
    drop(conn);
    let all = public_list(&app, "?per_page=100").await;
    assert!(all["total"].as_i64().unwrap() >= 25);
    for category in ["experience", "product", "travel", "on_site"] {
        let list = public_list(&app, &format!("?category={category}")).await;
        assert!(list["total"].as_i64().unwrap() >= 1, "{category}");
    }
    let experience = public_list(&app, "?category=experience&sort=amount_desc").await;
    assert_eq!(experience["items"][0]["amount"], 100_000);
    let orgs = app
        .get_json("/api/v1/organizations?per_page=100", None)
        .await;
    assert_eq!(orgs["total"], 15);
    let purposes = app.get_json("/api/v1/purposes", None).await;
    assert!(purposes["total"].as_i64().unwrap() >= 3);
}

both_engines!(
    thirty_percent_boundary_on_create_and_patch,
    shape_and_wording_rules,
    public_catalogue_filters_sorts_and_windows,
    etag_and_cache_invalidation,
    organisations_purposes_and_partners,
    demo_data_loads_once,
);
