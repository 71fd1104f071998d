//! Rendering pages: the templates built into the binary, the headers every page carries, and
//! error pages that show the same code and message the JSON API answers.

use std::sync::OnceLock;

use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use minijinja::{Environment, Value};

use super::lang::Lang;
use super::{assets, csrf};
use crate::domain::calendar::japan_offset;
use crate::domain::money::Yen;
use crate::error::Error;
use crate::state::AppState;

/// Scripts only from this origin, never inline; no framing; forms post only here.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What a person sees when a template itself fails (already logged).
const FALLBACK_PAGE: &str =
    "<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><title>エラー</title>\
    <p>ページを表示できませんでした。時間をおいてもう一度お試しください。</p></html>";

/// A page template by its name under `templates/web/`, built into the binary.
macro_rules! template {
    ($name:literal) => {
        ($name, include_str!(concat!("../../templates/web/", $name)))
    };
}

const TEMPLATES: &[(&str, &str)] = &[
    template!("base.html"),
    template!("error.html"),
    template!("macros.html"),
    template!("home.html"),
    template!("gifts.html"),
    template!("gift.html"),
    template!("donate.html"),
    template!("done.html"),
    template!("simulator.html"),
    template!("partners.html"),
    template!("mypage.html"),
    template!("mypage_sign_in.html"),
    template!("mypage_sent.html"),
    template!("mypage_link.html"),
    template!("desk.html"),
    template!("vendor/base.html"),
    template!("vendor/login.html"),
    template!("vendor/orders.html"),
    template!("vendor/order.html"),
    template!("vendor/packing.html"),
    template!("till/base.html"),
    template!("till/macros.html"),
    template!("till/login.html"),
    template!("till/scan.html"),
    template!("till/voucher.html"),
    template!("till/confirm.html"),
    template!("till/result.html"),
    template!("till/reverse.html"),
    template!("till/today.html"),
    template!("till/statement.html"),
    template!("console/base.html"),
    template!("console/macros.html"),
    template!("console/login.html"),
    template!("console/dashboard.html"),
    template!("console/donations.html"),
    template!("console/donation.html"),
    template!("console/refund_confirm.html"),
    template!("console/gifts.html"),
    template!("console/gift.html"),
    template!("console/businesses.html"),
    template!("console/named.html"),
    template!("console/targets.html"),
    template!("console/costs.html"),
    template!("console/imports.html"),
    template!("console/partners.html"),
    template!("console/settlements.html"),
    template!("console/voucher_report.html"),
    template!("console/emails.html"),
    template!("console/audit.html"),
    template!("console/one_stop_notices.html"),
    template!("test_payment.html"),
];

fn build_environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    // `.html` templates are escaped (minijinja's default by extension).
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    env.add_function("asset", |name: String| assets::url(&name));
    // `_("日本語", name=value)`: the text in the page's language, `{name}` filled in.
    env.add_function("_", translate);
    env.add_filter("yen", |amount: i64| Yen(amount).to_string());
    // An SVG (a voucher's QR code) as an image URL: `img-src data:` is allowed, and the SVG's
    // markup never becomes part of the page.
    env.add_filter("svg_data_url", |svg: String| {
        let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, svg);
        format!("data:image/svg+xml;base64,{encoded}")
    });
    env.add_filter("category_label", |category: String| {
        crate::domain::gift::Category::parse(&category)
            .map(|c| c.donor_label())
            .unwrap_or("")
            .to_owned()
    });
    Ok(env)
}

/// The templates, for the tests that read them.
pub fn templates() -> impl Iterator<Item = (&'static str, &'static str)> {
    TEMPLATES.iter().copied()
}

fn translate(
    state: &minijinja::State,
    japanese: String,
    values: minijinja::value::Kwargs,
) -> Result<String, minijinja::Error> {
    let lang = match state.lookup("lang").as_ref().and_then(Value::as_str) {
        Some("en") => Lang::En,
        _ => Lang::Ja,
    };
    let mut text = lang.text(&japanese);
    for name in values.args() {
        let value: Value = values.get(name)?;
        text = text.replace(&format!("{{{name}}}"), &value.to_string());
    }
    values.assert_all_used()?;
    Ok(text)
}

fn environment() -> &'static Result<Environment<'static>, minijinja::Error> {
    static ENV: OnceLock<Result<Environment<'static>, minijinja::Error>> = OnceLock::new();
    ENV.get_or_init(build_environment)
}

/// A page's request as a handler takes it: the request, and the service's state to answer from.
pub struct Visit {
    pub req: HttpRequest,
    pub state: web::Data<AppState>,
}

impl FromRequest for Visit {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let visit = match req.app_data::<web::Data<AppState>>() {
            Some(state) => Ok(Visit {
                req: req.clone(),
                state: state.clone(),
            }),
            None => Err(actix_web::error::ErrorInternalServerError(
                "application state missing",
            )),
        };
        std::future::ready(visit)
    }
}

impl Visit {
    /// The page being answered.
    pub fn page(&self) -> Page<'_> {
        Page::new(&self.req, &self.state)
    }

    /// The error page, with the API's status, code and message.
    pub fn error(&self, error: Error) -> HttpResponse {
        self.page().error(error)
    }

    /// A page's outcome: the page, or the error page.
    pub fn answer(&self, outcome: Result<HttpResponse, Error>) -> HttpResponse {
        self.page().answer(outcome)
    }

    /// The check before a form's write: its CSRF token.
    pub fn check_form(&self, csrf_token: &str) -> Result<(), Error> {
        self.page().check_form(csrf_token)
    }
}

/// A page being answered: knows the request (for the CSRF cookie) and the service's settings.
pub struct Page<'a> {
    req: &'a HttpRequest,
    state: &'a AppState,
    lang: Lang,
}

impl<'a> Page<'a> {
    /// A page in the language of its path (`/en/…` is English).
    pub fn new(req: &'a HttpRequest, state: &'a AppState) -> Self {
        let lang = Lang::of_path(req.path());
        Page { req, state, lang }
    }

    /// A page in `lang` whatever its path (the test provider's page, reached from either).
    pub fn in_lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// A refusal in this page's language.
    pub fn message(&self, error: &Error) -> String {
        message(error, self.lang)
    }

    /// Renders `template` with `context` plus what every page needs (municipality, CSRF token).
    pub fn render(&self, status: StatusCode, template: &str, context: Value) -> HttpResponse {
        let csrf = csrf::value(self.req, self.state.settings.is_production());
        let municipality = &self.state.settings.municipality;
        let common = minijinja::context! {
            municipality => match self.lang {
                Lang::Ja => &municipality.name,
                Lang::En => &municipality.name_en,
            },
            lang => self.lang.code(),
            root => self.lang.root(),
            other_version => self.lang.other_version(self.req.path(), self.req.query_string()),
            csrf_token => csrf::token(csrf::key(&self.state.settings), &csrf.value),
            path => self.req.path(),
        };
        let rendered = environment()
            .as_ref()
            .map_err(|e| e.to_string())
            .and_then(|env| {
                env.get_template(template)
                    .and_then(|t| t.render(minijinja::context! { ..common, ..context }))
                    .map_err(|e| format!("{e:#}"))
            });
        let mut response = match rendered {
            Ok(body) => HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(body),
            Err(cause) => {
                tracing::error!(template, %cause, "page template failed");
                HttpResponse::InternalServerError()
                    .content_type("text/html; charset=utf-8")
                    .body(FALLBACK_PAGE)
            }
        };
        if let Some(cookie) = csrf.new_cookie {
            let _ = response.add_cookie(&cookie);
        }
        secure_headers(&mut response);
        response
    }

    /// The check before a form's write: its CSRF token matches this browser's cookie.
    pub fn check_form(&self, csrf_token: &str) -> Result<(), Error> {
        if csrf::form_ok(self.req, &self.state.settings, csrf_token) {
            Ok(())
        } else {
            Err(csrf::refused())
        }
    }

    /// A page's outcome: the page, or the error page.
    pub fn answer(&self, outcome: Result<HttpResponse, Error>) -> HttpResponse {
        outcome.unwrap_or_else(|e| self.error(e))
    }

    /// The page for a refusal or failure: the API's status, code and message.
    pub fn error(&self, error: Error) -> HttpResponse {
        let status = status_of(&error);
        let message = self.message(&error);
        self.render(
            status,
            "error.html",
            minijinja::context! {
                status => status.as_u16(),
                code => error.code().as_str(),
                message => message,
            },
        )
    }
}

/// A printable page rendered elsewhere (the receipt), with the headers of every page; a failure
/// to produce it is shown as an error page.
impl Page<'_> {
    pub fn printable(&self, html: Result<String, Error>) -> HttpResponse {
        match html {
            Ok(body) => {
                let mut response = HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(body);
                secure_headers(&mut response);
                response
            }
            Err(e) => self.error(e),
        }
    }
}

/// The HTTP status the API answers `error` with.
pub fn status_of(error: &Error) -> StatusCode {
    actix_web::ResponseError::status_code(error)
}

/// An instant as the pages show it: Japan time, to the minute.
pub fn japan_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&japan_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// On to another page after a form (303, so the browser GETs it).
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_owned()))
        .finish()
}

/// A cookie only this site's pages read: `HttpOnly`, `SameSite=Lax`, `Secure` in production.
pub fn private_cookie(
    name: &'static str,
    value: String,
    path: impl Into<std::borrow::Cow<'static, str>>,
    max_age: actix_web::cookie::time::Duration,
    production: bool,
) -> actix_web::cookie::Cookie<'static> {
    actix_web::cookie::Cookie::build(name, value)
        .path(path)
        .http_only(true)
        .secure(production)
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(max_age)
        .finish()
}

/// What a person reads for a refusal: the API's own words. Failures of the service itself are
/// logged here and shown only as a plain apology.
pub fn message(error: &Error, lang: Lang) -> String {
    match error {
        Error::Rejected { detail, .. } | Error::Throttled { detail, .. } => detail.clone(),
        Error::Validation(fields) => fields
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join(" / "),
        Error::Unavailable(cause) | Error::Internal(cause) => {
            tracing::error!(error = ?cause, "page failed");
            lang.text("ただいま表示できません。時間をおいてもう一度お試しください。")
        }
    }
}

/// The headers every page carries.
pub fn secure_headers(response: &mut HttpResponse) {
    let headers = response.headers_mut();
    let pairs = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        // Pages carry a CSRF token and, for donors, personal data: never kept by a cache, nor
        // shown again by Back after signing out on a shared computer.
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in pairs {
        headers.insert(name, header::HeaderValue::from_static(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let env = environment().as_ref().expect("templates compile");
        for (name, _) in TEMPLATES {
            env.get_template(name).expect(name);
        }
    }
}
