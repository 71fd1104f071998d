//! My page (マイページ) without passwords: a donor asks for a one-time link by email, and the link
//! opens a short session showing their donations, receipts, vouchers and one-stop requests.

use actix_web::cookie::{time::Duration as CookieAge, Cookie};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use super::csrf::TokenOnly;
use super::render::{private_cookie, see_other, status_of, Page, Visit};
use crate::donations::receipt;
use crate::donors::{mine, sign_in};
use crate::error::{Error, Result};
use crate::http::{client_address, Form};

const SESSION_COOKIE: &str = "furusato_donor";

/// The signed-in donor's email address, if the browser holds a live session.
async fn signed_in(visit: &Visit) -> Result<Option<String>> {
    let Some(cookie) = visit.req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let session = cookie.value().to_owned();
    visit
        .state
        .db
        .run(move |c| sign_in::session_email(c, &session))
        .await
}

#[derive(Deserialize, Default)]
struct MyPageQuery {
    resent: Option<String>,
    signed_out: Option<String>,
}

async fn my_page(visit: Visit, query: web::Query<MyPageQuery>) -> HttpResponse {
    let page = visit.page();
    let outcome = async {
        let Some(email) = signed_in(&visit).await? else {
            return Ok(sign_in_form(&page, "", None, query.signed_out.is_some()));
        };
        let settings = visit.state.settings.clone();
        let years = {
            let email = email.clone();
            visit
                .state
                .db
                .run(move |c| mine::donations_of(c, &settings, &email))
                .await?
        };
        Ok(page.render(
            StatusCode::OK,
            "mypage.html",
            context! { email, years, resent => query.resent.is_some() },
        ))
    }
    .await;
    page.answer(outcome)
}

/// The sign-in form, with the refusal of the last try.
fn sign_in_form(
    page: &Page,
    email: &str,
    problem: Option<&Error>,
    signed_out: bool,
) -> HttpResponse {
    page.render(
        problem.map(status_of).unwrap_or(StatusCode::OK),
        "mypage_sign_in.html",
        context! {
            email,
            problem => problem.map(|p| page.message(p)),
            signed_out,
        },
    )
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct SignInForm {
    csrf_token: String,
    email: String,
}

async fn ask_for_link(visit: Visit, form: Form<SignInForm>) -> HttpResponse {
    let page = visit.page();
    let state = &visit.state;
    let sent = async {
        page.check_form(&form.csrf_token)?;
        let email = sign_in::check_email(&form.email)?;
        let settings = state.settings.clone();
        let client = client_address(&visit.req, &settings.server.trusted_proxies);
        state
            .db
            .write(move |c| sign_in::request_link(c, &settings, &email, &client))
            .await
    }
    .await;
    match sent {
        // The same answer whether or not the address has donated.
        Ok(()) => page.render(
            StatusCode::OK,
            "mypage_sent.html",
            context! { minutes => state.settings.donors.sign_in_link_minutes },
        ),
        Err(e) => sign_in_form(&page, &form.email, Some(&e), false),
    }
}

/// The link from the email shows a button: opening it alone (a mail scanner's preview) does not
/// use it up.
async fn link_page(visit: Visit, token: web::Path<String>) -> HttpResponse {
    visit.page().render(
        StatusCode::OK,
        "mypage_link.html",
        context! { token => token.into_inner() },
    )
}

async fn use_link(visit: Visit, token: web::Path<String>, form: Form<TokenOnly>) -> HttpResponse {
    let state = &visit.state;
    let outcome = async {
        visit.check_form(&form.csrf_token)?;
        let settings = state.settings.clone();
        let token = token.into_inner();
        let session = state
            .db
            .write(move |c| sign_in::use_link(c, &settings, &token))
            .await?;
        let cookie = private_cookie(
            SESSION_COOKIE,
            session,
            "/mypage",
            CookieAge::minutes(state.settings.donors.session_minutes),
            state.settings.is_production(),
        );
        let mut response = see_other("/mypage");
        let _ = response.add_cookie(&cookie);
        Ok(response)
    }
    .await;
    visit.answer(outcome)
}

async fn sign_out(visit: Visit, form: Form<TokenOnly>) -> HttpResponse {
    let outcome = async {
        visit.check_form(&form.csrf_token)?;
        if let Some(cookie) = visit.req.cookie(SESSION_COOKIE) {
            let session = cookie.value().to_owned();
            visit
                .state
                .db
                .write(move |c| sign_in::sign_out(c, &session))
                .await?;
        }
        let mut response = see_other("/mypage?signed_out=1");
        let mut gone = Cookie::build(SESSION_COOKIE, "").path("/mypage").finish();
        gone.make_removal();
        let _ = response.add_cookie(&gone);
        Ok(response)
    }
    .await;
    visit.answer(outcome)
}

/// Sends a donation's emails again (receipt, voucher) to the signed-in donor.
async fn resend(visit: Visit, id: web::Path<String>, form: Form<TokenOnly>) -> HttpResponse {
    let outcome = async {
        visit.check_form(&form.csrf_token)?;
        let Some(email) = signed_in(&visit).await? else {
            return Ok(see_other("/mypage"));
        };
        let settings = visit.state.settings.clone();
        let id = id.into_inner();
        visit
            .state
            .db
            .write(move |c| mine::resend_emails(c, &settings, &email, &id))
            .await?;
        Ok(see_other("/mypage?resent=1"))
    }
    .await;
    visit.answer(outcome)
}

/// The printable receipt of one of the signed-in donor's donations.
async fn receipt_page(visit: Visit, id: web::Path<String>) -> HttpResponse {
    let outcome = async {
        let Some(email) = signed_in(&visit).await? else {
            return Ok(see_other("/mypage"));
        };
        let id = id.into_inner();
        let row = visit
            .state
            .db
            .run(move |c| mine::donation_of(c, &email, &id))
            .await?;
        let html = receipt::printable(&visit.state.settings, &row);
        Ok(visit.page().printable(html))
    }
    .await;
    visit.answer(outcome)
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/mypage", web::get().to(my_page))
        .route("/mypage/sign-in", web::post().to(ask_for_link))
        .route("/mypage/sign-in/{token}", web::get().to(link_page))
        .route("/mypage/sign-in/{token}", web::post().to(use_link))
        .route("/mypage/sign-out", web::post().to(sign_out))
        .route("/mypage/donations/{id}/resend", web::post().to(resend))
        .route(
            "/mypage/donations/{id}/receipt",
            web::get().to(receipt_page),
        );
}
