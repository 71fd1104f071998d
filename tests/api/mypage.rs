//! My page in a real browser: a one-time link from the outbox signs the donor in; it shows only
//! their donations; an expired or used link is refused; asking for links is limited.

use diesel::prelude::*;
use furusato::db::schema::donor_sign_in_links;
use serde_json::json;

use crate::both_engines;
use crate::browser::{Browser, Options};
use crate::flows::{general, on_site, osaka};
use crate::helpers::{Engine, TestApp};

const TARO: &str = "taro@example.jp";

/// The bodies of the sign-in mails sent to `email`, oldest first.
fn sign_in_mails(app: &TestApp, email: &str) -> Vec<String> {
    app.outbox("sign_in_link")
        .into_iter()
        .filter(|m| m.recipient == email)
        .map(|m| m.body_text)
        .collect()
}

/// The path of the newest sign-in link mailed to `email`, read from the outbox.
fn link_for(app: &TestApp, email: &str) -> String {
    let bodies = sign_in_mails(app, email);
    let body = bodies.last().expect("a sign-in link was mailed");
    let start = body.find("/mypage/sign-in/").expect("link in the mail");
    body[start..].split_whitespace().next().unwrap().to_owned()
}

fn links_mailed_to(app: &TestApp, email: &str) -> usize {
    sign_in_mails(app, email).len()
}

fn thank_you_mails(app: &TestApp, donation_id: &str) -> usize {
    app.outbox("thank_you")
        .iter()
        .filter(|m| m.related_id.as_deref() == Some(donation_id))
        .count()
}

async fn ask_for_link(b: &Browser, email: &str) -> String {
    b.goto("/mypage").await;
    b.fill("#f-email", email).await;
    b.click_to_navigate("form.sign-in button").await;
    b.text("main").await
}

async fn sign_in_with(b: &Browser, link: &str) {
    b.goto(link).await;
    b.click_to_navigate("#sign-in").await;
}

async fn a_donor_signs_in_by_email_and_sees_their_donations(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let mut taro = osaka();
    taro["email"] = json!(TARO);
    let mut voucher = on_site(30_000);
    voucher["donor"] = taro.clone();
    let (voucher_id, _) = app.donate_ok(&voucher).await;
    app.pay(&voucher_id, 30_000).await;
    let mut plain = general(5_000);
    plain["donor"] = taro.clone();
    let (general_id, _) = app.donate_ok(&plain).await;
    app.pay(&general_id, 5_000).await;
    // Someone else's donation, never shown to Taro.
    let (other_id, _) = app.donate_ok(&general(7_000)).await;
    app.pay(&other_id, 7_000).await;

    let Some(b) = Browser::for_test(&app, "mypage", Options::default()).await else {
        return;
    };
    b.goto("/mypage").await;
    b.assert_accessible("sign-in").await;

    // Known and unknown addresses get the same answer; only the known one gets a mail.
    let known = ask_for_link(&b, TARO).await;
    let unknown = ask_for_link(&b, "nobody@example.jp").await;
    assert_eq!(known, unknown);
    assert!(known.contains("15分間"), "{known}");
    assert_eq!(links_mailed_to(&app, "nobody@example.jp"), 0);
    assert_eq!(links_mailed_to(&app, TARO), 1);
    b.assert_accessible("link-sent").await;

    let link = link_for(&app, TARO);
    sign_in_with(&b, &link).await;
    assert_eq!(b.current_path().await, "/mypage");
    assert_eq!(
        b.texts("li.donation").await.len(),
        2,
        "only Taro's donations"
    );
    let year = b.text("section.year h2").await;
    assert!(year.contains("合計 ¥35,000"), "{year}");
    assert!(!b.text("main").await.contains("7,000"));
    assert_eq!(b.text(".voucher-balance").await, "¥9,000");
    assert_eq!(b.texts(".receipt-number").await.len(), 2);
    b.assert_accessible("mypage").await;

    // The receipt emails sent again, on request.
    let before = thank_you_mails(&app, &general_id);
    b.click_to_navigate(&format!("#donation-{general_id} form.resend button"))
        .await;
    assert!(b.text("#resent").await.contains("再送しました"));
    assert_eq!(thank_you_mails(&app, &general_id), before + 1);

    b.click_to_navigate(&format!("#donation-{general_id} a[href$='/receipt']"))
        .await;
    assert!(b.text("body").await.contains("寄附金受領証明書"));
    // Another donor's receipt is not found, even signed in.
    b.goto(&format!("/mypage/donations/{other_id}/receipt"))
        .await;
    assert!(b.text(".code").await.contains("donation_not_found"));

    // Signing out ends the session.
    b.goto("/mypage").await;
    b.click_to_navigate("#sign-out").await;
    b.assert_text_contains("main", "ログイン用のリンクをお送りします")
        .await;

    // The used link does not work again.
    sign_in_with(&b, &link).await;
    assert!(b.text(".code").await.contains("sign_in_link_invalid"));

    // Nor does an expired one.
    ask_for_link(&b, TARO).await;
    let expired = link_for(&app, TARO);
    diesel::update(donor_sign_in_links::table)
        .filter(donor_sign_in_links::used_at.is_null())
        .set(
            donor_sign_in_links::expires_at
                .eq(chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1)),
        )
        .execute(&mut *app.conn())
        .unwrap();
    sign_in_with(&b, &expired).await;
    assert!(b.text(".code").await.contains("sign_in_link_invalid"));

    // Five links an hour per address: the sixth request gets the same answer as any other (a
    // refusal would tell that the address has donated), and no sixth mail is sent.
    for _ in 0..3 {
        ask_for_link(&b, TARO).await;
    }
    assert_eq!(links_mailed_to(&app, TARO), 5);
    assert_eq!(ask_for_link(&b, TARO).await, known);
    assert_eq!(links_mailed_to(&app, TARO), 5);
    // Twenty requests an hour from one client: the next one is refused, whatever the address.
    for _ in 0..13 {
        ask_for_link(&b, "someone@example.jp").await;
    }
    let refused = ask_for_link(&b, "someone-else@example.jp").await;
    assert!(refused.contains("多すぎます"), "{refused}");
    b.close().await;
}

both_engines!(a_donor_signs_in_by_email_and_sees_their_donations);
