//! My page (マイページ) without passwords: a donor asks for a one-time link by email, and the link
//! opens a short session showing their donations, receipts, vouchers and one-stop requests.

use actix_web::cookie::{time::Duration as CookieAge, Cookie};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use super::csrf;
use super::render::{private_cookie, see_other, Page};
use crate::donations::receipt;
use crate::donors::{mine, sign_in};
use crate::error::{Error, Result};
use crate::http::client_address;
use crate::state::AppState;

const SESSION_COOKIE: &str = "furusato_donor";

/// The signed-in donor's email address, if the browser holds a live session.
async fn signed_in(req: &HttpRequest, state: &AppState) -> Result<Option<String>> {
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let session = cookie.value().to_owned();
    state
        .db
        .run(move |c| sign_in::session_email(c, &session))
        .await
}

#[derive(Deserialize, Default)]
struct MyPageQuery {
    resent: Option<String>,
    signed_out: Option<String>,
}

async fn my_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<MyPageQuery>,
) -> HttpResponse {
    let page = Page::new(&req, &state);
    let email = match signed_in(&req, &state).await {
        Ok(Some(email)) => email,
        Ok(None) => {
            return sign_in_form(&page, StatusCode::OK, "", None, query.signed_out.is_some())
        }
        Err(e) => return page.error(e),
    };
    let settings = state.settings.clone();
    let years = {
        let email = email.clone();
        state
            .db
            .run(move |c| mine::donations_of(c, &settings, &email))
            .await
    };
    match years {
        Ok(years) => page.render(
            StatusCode::OK,
            "mypage.html",
            context! { email, years, resent => query.resent.is_some() },
        ),
        Err(e) => page.error(e),
    }
}

fn sign_in_form(
    page: &Page,
    status: StatusCode,
    email: &str,
    problem: Option<&Error>,
    signed_out: bool,
) -> HttpResponse {
    page.render(
        status,
        "mypage_sign_in.html",
        context! {
            email,
            problem => problem.map(|p| page.message(p)),
            signed_out,
        },
    )
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
}

async fn ask_for_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: crate::http::Form<SignInForm>,
) -> HttpResponse {
    let page = Page::new(&req, &state);
    if !csrf::form_ok(&req, &state.settings, &form.csrf_token) {
        return sign_in_form(
            &page,
            StatusCode::FORBIDDEN,
            &form.email,
            Some(&csrf::refused()),
            false,
        );
    }
    let email = match sign_in::check_email(&form.email) {
        Ok(e) => e,
        Err(e) => {
            return sign_in_form(
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form.email,
                Some(&e),
                false,
            )
        }
    };
    let settings = state.settings.clone();
    let client = client_address(&req, &settings.server.trusted_proxies);
    let sent = state
        .db
        .write(move |c| sign_in::request_link(c, &settings, &email, &client))
        .await;
    match sent {
        // The same answer whether or not the address has donated.
        Ok(()) => page.render(
            StatusCode::OK,
            "mypage_sent.html",
            context! { minutes => state.settings.donors.sign_in_link_minutes },
        ),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            sign_in_form(&page, status, &form.email, Some(&e), false)
        }
    }
}

/// The link from the email shows a button: opening it alone (a mail scanner's preview) does not
/// use it up.
async fn link_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    Page::new(&req, &state).render(
        StatusCode::OK,
        "mypage_link.html",
        context! { token => token.into_inner() },
    )
}

async fn use_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: crate::http::Form<csrf::TokenOnly>,
) -> HttpResponse {
    let page = Page::new(&req, &state);
    if !csrf::form_ok(&req, &state.settings, &form.csrf_token) {
        return page.error(csrf::refused());
    }
    let settings = state.settings.clone();
    let token = token.into_inner();
    let session = state
        .db
        .write(move |c| sign_in::use_link(c, &settings, &token))
        .await;
    match session {
        Ok(session) => {
            let cookie = private_cookie(
                SESSION_COOKIE,
                session,
                "/mypage",
                CookieAge::minutes(state.settings.donors.session_minutes),
                state.settings.is_production(),
            );
            let mut response = see_other("/mypage");
            let _ = response.add_cookie(&cookie);
            response
        }
        Err(e) => page.error(e),
    }
}

async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: crate::http::Form<csrf::TokenOnly>,
) -> HttpResponse {
    let page = Page::new(&req, &state);
    if !csrf::form_ok(&req, &state.settings, &form.csrf_token) {
        return page.error(csrf::refused());
    }
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        let session = cookie.value().to_owned();
        if let Err(e) = state
            .db
            .write(move |c| sign_in::sign_out(c, &session))
            .await
        {
            return page.error(e);
        }
    }
    let mut response = see_other("/mypage?signed_out=1");
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/mypage").finish();
    gone.make_removal();
    let _ = response.add_cookie(&gone);
    response
}

async fn resend(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: crate::http::Form<csrf::TokenOnly>,
) -> HttpResponse {
    let page = Page::new(&req, &state);
    if !csrf::form_ok(&req, &state.settings, &form.csrf_token) {
        return page.error(csrf::refused());
    }
    let email = match signed_in(&req, &state).await {
        Ok(Some(email)) => email,
        Ok(None) => return see_other("/mypage"),
        Err(e) => return page.error(e),
    };
    let settings = state.settings.clone();
    let id = id.into_inner();
    match state
        .db
        .write(move |c| mine::resend_emails(c, &settings, &email, &id))
        .await
    {
        Ok(_) => see_other("/mypage?resent=1"),
        Err(e) => page.error(e),
    }
}

async fn receipt_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> HttpResponse {
    let page = Page::new(&req, &state);
    let email = match signed_in(&req, &state).await {
        Ok(Some(email)) => email,
        Ok(None) => return see_other("/mypage"),
        Err(e) => return page.error(e),
    };
    let settings = state.settings.clone();
    let id = id.into_inner();
    let html = state
        .db
        .run(move |c| mine::donation_of(c, &email, &id))
        .await
        .and_then(|row| receipt::printable(&settings, &row));
    page.printable(html)
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
