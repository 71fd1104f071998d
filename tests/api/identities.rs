//! Donor identities (名寄せ, #14): one person who gives through the ward's own site and a portal
//! is one identity, whatever width, block-number form or phone each channel wrote; strangers
//! with the same reading and family at the same address stay apart; staff merge and split by
//! hand, audited.

use furusato::auth::Role;
use serde_json::{json, Value};

use crate::both_engines;
use crate::flows::{donor_at as donor, general_by};
use crate::helpers::{assert_problem, assert_shows_none, invalid_fields, strings, Engine, TestApp};

const UMEDA: (&str, &str, &str, &str) = ("530-0001", "大阪府", "大阪市北区", "梅田1丁目2番3号");
const SAPPORO: (&str, &str, &str, &str) = ("060-0001", "北海道", "札幌市中央区", "北1条西2丁目1");
const KOBE: (&str, &str, &str, &str) = ("650-0001", "兵庫県", "神戸市中央区", "加納町6-5-1");

/// 梅田 一郎 at home in 梅田, on the ward's own site.
fn ichiro(amount: i64) -> Value {
    general_by(
        donor("梅田 一郎", "ウメダ イチロウ", "06-1111-2222", UMEDA),
        amount,
    )
}

/// 梅田 一郎 again through a portal: half-width kana, the block number as full-width `１－２－３`
/// with his building (the own site left it out), another phone (his mobile).
const PORTAL_FILE: &str = "external_id,received_on,amount,kind,donor_name,donor_name_kana,\
donor_email,donor_phone,donor_postal_code,donor_prefecture,donor_city,donor_address_line\r\n\
RK-2025-0101,2025-07-14,5000,寄附のみ,梅田 一郎,ｳﾒﾀﾞ ｲﾁﾛｳ,ichiro@portal.example,090-1234-5678,\
５３０－０００１,大阪府,大阪市北区,梅田１－２－３ 梅田ハイツ101\r\n";

fn id(view: &Value) -> String {
    view["id"].as_str().unwrap().to_owned()
}

fn donation_ids(view: &Value) -> Vec<String> {
    strings(&view["donations"], "id")
}

async fn split(app: &TestApp, token: &str, from: &str, donations: &[&String]) -> reqwest::Response {
    app.post(
        &format!("/api/v1/admin/identities/{from}/split"),
        Some(token),
        &json!({"donation_ids": donations}),
    )
    .await
}

async fn one_person_through_two_channels_is_one_identity(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let (own, _) = app.donate_ok(&ichiro(10_000)).await;
    app.pay(&own, 10_000).await;
    let res = app
        .import_csv(&admin, "rakuten", PORTAL_FILE.as_bytes().to_vec())
        .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let portal = app.imported_donation(&admin, "RK-2025-0101").await;
    // Same reading, another town and phone: a stranger.
    let stranger = general_by(
        donor("梅田 一郎", "ウメダ イチロウ", "011-222-3333", SAPPORO),
        3_000,
    );
    let (stranger, _) = app.donate_ok(&stranger).await;
    // Same address and home phone, another reading: his family.
    let family = general_by(
        donor("梅田 花子", "ウメダ ハナコ", "06-1111-2222", UMEDA),
        4_000,
    );
    let (family, _) = app.donate_ok(&family).await;
    // He moved to 神戸 and kept his phone number: the phone joins him (the reading with a
    // full-width space).
    let moved = general_by(
        donor("梅田 一郎", "ウメダ\u{3000}イチロウ", "06-1111-2222", KOBE),
        7_000,
    );
    let (moved, _) = app.donate_ok(&moved).await;

    let view = app.identity_of_donation(&admin, &own).await;
    assert_eq!(
        donation_ids(&view),
        [own.clone(), portal.clone(), moved.clone()]
    );
    assert_eq!(view["donation_count"], 3);
    // Paid: ¥10,000 on the own site and the ¥5,000 import; the move's donation is unpaid.
    assert_eq!(view["paid_total"], 15_000);
    assert_eq!(view["merged_ids"], json!([]));
    assert_eq!(view["donations"][0]["channel"], "official_site");
    assert_eq!(view["donations"][0]["status"], "paid");
    assert_eq!(view["donations"][0]["amount"], 10_000);
    assert_eq!(view["donations"][1]["channel"], "rakuten");
    assert_eq!(view["donations"][1]["external_id"], "RK-2025-0101");
    assert_eq!(view["donations"][1]["received_on"], "2025-07-14");
    assert_eq!(view["donations"][2]["status"], "pending_payment");
    for d in view["donations"].as_array().unwrap() {
        assert_eq!(d["pinned"], false, "placed by matching");
    }
    // The person as on the newest donation.
    let newest = app
        .get_json(&format!("/api/v1/admin/donations/{moved}"), Some(&admin))
        .await;
    for (field, stored) in [
        ("name", "donor_name"),
        ("name_kana", "donor_name_kana"),
        ("postal_code", "donor_postal_code"),
        ("prefecture", "donor_prefecture"),
        ("city", "donor_city"),
        ("address_line", "donor_address_line"),
    ] {
        assert_eq!(view[field], newest[stored], "{field}");
    }
    assert_eq!(view["postal_code"], "650-0001");

    // Every one of his donations answers the same identity; so does its own id.
    for donation in [&portal, &moved] {
        assert_eq!(app.identity_of_donation(&admin, donation).await, view);
    }
    assert_eq!(app.identity(&admin, &id(&view)).await, view);

    // The stranger and the family member are each someone else.
    let stranger = app.identity_of_donation(&admin, &stranger).await;
    let family = app.identity_of_donation(&admin, &family).await;
    assert_eq!(donation_ids(&stranger).len(), 1);
    assert_eq!(donation_ids(&family).len(), 1);
    let ids = [id(&view), id(&stranger), id(&family)];
    assert!(
        ids[0] != ids[1] && ids[0] != ids[2] && ids[1] != ids[2],
        "{ids:?}"
    );
    assert_eq!(stranger["paid_total"], 0);

    // Unknown ids.
    let unknown = uuid::Uuid::new_v4();
    let res = app
        .get(&format!("/api/v1/admin/identities/{unknown}"), Some(&admin))
        .await;
    assert_problem(res, 404, "identity_not_found").await;
    let res = app
        .get(
            &format!("/api/v1/admin/donations/{unknown}/identity"),
            Some(&admin),
        )
        .await;
    assert_problem(res, 404, "donation_not_found").await;
}

async fn two_instances_link_each_donation_once(engine: Engine) {
    // No sweep after the start-up one, so the two reads below are what links the donations.
    let app = TestApp::spawn_with(engine, |s| s.payment.sweep_interval_seconds = 3_600).await;
    let admin = app.admin_token().await;
    let other = app.another_instance().await;
    // Each instance's start-up sweep links while donations are pending: let both finish on an
    // empty ledger first.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut own = Vec::new();
    for amount in 1..=40 {
        own.push(app.donate_ok(&ichiro(amount * 1_000)).await.0);
    }
    let linked_before: i64 = {
        use diesel::prelude::*;
        use furusato::db::schema::donor_identity_links;
        donor_identity_links::table
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(linked_before, 0, "the reads, not a sweep, link them");
    let read = |base: String, donation: String| {
        let (client, admin) = (app.client.clone(), admin.clone());
        async move {
            let res = client
                .get(format!("{base}/api/v1/admin/donations/{donation}/identity"))
                .bearer_auth(admin)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()
        }
    };
    let (here, there) = tokio::join!(
        read(app.address.clone(), own[0].clone()),
        read(other, own[39].clone())
    );
    assert_eq!(here, there);
    assert_eq!(donation_ids(&here), own);
}

async fn staff_merge_and_split_identities_by_hand(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let (a, _) = app.donate_ok(&ichiro(10_000)).await;
    app.pay(&a, 10_000).await;
    // The same reading in 札幌 with another phone: matching keeps it apart.
    let sapporo = general_by(
        donor("梅田 一郎", "ウメダ イチロウ", "011-222-3333", SAPPORO),
        20_000,
    );
    let (b, _) = app.donate_ok(&sapporo).await;
    let ia = id(&app.identity_of_donation(&admin, &a).await);
    let ib = id(&app.identity_of_donation(&admin, &b).await);
    assert_ne!(ia, ib);

    // A viewer reads but does not merge.
    let viewer = app
        .staff_token("viewer@city.shinagawa.example", Role::Viewer)
        .await;
    assert_eq!(id(&app.identity(&viewer, &ia).await), ia);
    assert_problem(
        app.merge_identities(&viewer, &ia, &ib).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(split(&app, &viewer, &ia, &[&a]).await, 403, "forbidden").await;

    // Staff learn he moved from 札幌: one person.
    let res = app.merge_identities(&admin, &ia, &ib).await;
    assert_eq!(res.status(), 200);
    let merged: Value = res.json().await.unwrap();
    assert_eq!(id(&merged), ia);
    assert_eq!(merged["merged_ids"], json!([ib]));
    assert_eq!(donation_ids(&merged), [a.clone(), b.clone()]);
    assert_eq!(merged["donations"][0]["pinned"], false);
    assert_eq!(merged["donations"][1]["pinned"], true);
    assert_eq!(merged["donation_count"], 2);
    assert_eq!(merged["paid_total"], 10_000);
    // The merged id answers the live identity, under the live id.
    assert_eq!(app.identity(&admin, &ib).await, merged);
    assert_eq!(app.identity_of_donation(&admin, &b).await, merged);

    // Refusals: the same identity, unknown ones, a merged one.
    let res = app.merge_identities(&admin, &ia, &ia).await;
    assert_eq!(invalid_fields(res).await, ["identity_id"]);
    let unknown = uuid::Uuid::new_v4().to_string();
    for (into, other, status, code) in [
        (&ia, &unknown, 404, "identity_not_found"),
        (&unknown, &ia, 404, "identity_not_found"),
        (&ia, &ib, 409, "identity_merged"),
        (&ib, &ia, 409, "identity_merged"),
    ] {
        let res = app.merge_identities(&admin, into, other).await;
        assert_problem(res, status, code).await;
    }

    // A third donation, then staff split the 札幌 one off again: it was his namesake after all.
    let (c, _) = app.donate_ok(&ichiro(3_000)).await;
    assert_eq!(id(&app.identity_of_donation(&admin, &c).await), ia);
    let res = split(&app, &admin, &ia, &[&b]).await;
    assert_eq!(res.status(), 201);
    let split_off: Value = res.json().await.unwrap();
    let ic = id(&split_off);
    assert!(ic != ia && ic != ib, "a new identity");
    assert_eq!(donation_ids(&split_off), std::slice::from_ref(&b));
    assert_eq!(split_off["donations"][0]["pinned"], true);
    assert_eq!(split_off["merged_ids"], json!([]));
    assert_eq!(split_off["paid_total"], 0);
    assert_eq!(app.identity(&admin, &ic).await, split_off);
    assert_eq!(app.identity_of_donation(&admin, &b).await, split_off);
    let rest = app.identity(&admin, &ia).await;
    assert_eq!(donation_ids(&rest), [a.clone(), c.clone()]);
    assert_eq!(rest["paid_total"], 10_000);

    // Matching never moves a linked donation; a new one joins the earliest-linked match.
    let (d, _) = app.donate_ok(&ichiro(4_000)).await;
    assert_eq!(id(&app.identity_of_donation(&admin, &d).await), ia);
    assert_eq!(id(&app.identity_of_donation(&admin, &b).await), ic);

    // Split refusals: a donation of another identity, all of them, none, unknown or merged ids.
    let res = split(&app, &admin, &ia, &[&a, &b]).await;
    assert_eq!(invalid_fields(res).await, ["donation_ids"]);
    let res = split(&app, &admin, &ic, &[&b]).await;
    let fields = invalid_fields(res).await;
    assert_eq!(fields, ["donation_ids"], "nothing would remain");
    let res = split(&app, &admin, &ia, &[]).await;
    assert_eq!(invalid_fields(res).await, ["donation_ids"]);
    let res = split(&app, &admin, &unknown, &[&a]).await;
    assert_problem(res, 404, "identity_not_found").await;
    let res = split(&app, &admin, &ib, &[&a]).await;
    assert_problem(res, 409, "identity_merged").await;
    assert_eq!(
        donation_ids(&app.identity(&admin, &ia).await),
        [a.clone(), c.clone(), d.clone()],
        "refusals change nothing"
    );

    // The audit log has both, with ids only.
    let log = app.audit_log(&admin, "donor_identity", &ia).await;
    assert_eq!(log["total"], 2, "{log}");
    let (split_entry, merge_entry) = (&log["items"][0], &log["items"][1]);
    assert_eq!(split_entry["action"], "identity.split");
    assert_eq!(merge_entry["action"], "identity.merge");
    assert_eq!(
        merge_entry["before"],
        json!({"identities": [
            {"id": ia, "merged_into": null, "donation_ids": [a]},
            {"id": ib, "merged_into": null, "donation_ids": [b]},
        ]})
    );
    assert_eq!(
        merge_entry["after"],
        json!({"identities": [
            {"id": ia, "merged_into": null, "donation_ids": [a, b]},
            {"id": ib, "merged_into": ia, "donation_ids": []},
        ], "moved_one_stop_application_ids": []})
    );
    assert_eq!(
        split_entry["before"],
        json!({"identities": [{"id": ia, "merged_into": null, "donation_ids": [a, b, c]}]})
    );
    assert_eq!(
        split_entry["after"],
        json!({"identities": [
            {"id": ia, "merged_into": null, "donation_ids": [a, c]},
            {"id": ic, "merged_into": null, "donation_ids": [b]},
        ]})
    );
    assert_shows_none(&log, &["梅田", "ウメダ"]);
}

both_engines!(
    one_person_through_two_channels_is_one_identity,
    two_instances_link_each_donation_once,
    staff_merge_and_split_identities_by_hand,
);
