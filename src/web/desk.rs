//! The back-office doors' sessions: a partner's till, a vendor's order desk and the staff console
//! sign in the same way (`auth::sign_in`, throttled as the API), keep an opaque HttpOnly cookie
//! whose hash is an ordinary session row (so logout revokes it and any instance knows it), and
//! open only for a live login of one of the door's roles (for a business door, of an active
//! business of the right kind).

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::time::Duration as CookieAge;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use super::csrf;
use super::lang::Lang;
use super::render::{private_cookie, see_other, status_of, Page, Visit};
use crate::auth::sign_in::{sign_in, sign_out};
use crate::auth::{store as auth_store, tokens, Role};
use crate::error::{Error, ErrorCode, Result};
use crate::http::client_address;
use crate::state::AppState;

/// A back-office door: who may enter, its cookie, and where it starts.
pub struct Door {
    /// The roles it opens for: a business's (partner, vendor) or the staff's (admin, viewer).
    pub roles: &'static [Role],
    /// The cookie's name, and its name over TLS (`__Host-`: this host only, `Secure`).
    pub cookie: &'static str,
    pub host_cookie: &'static str,
    pub home: &'static str,
    pub login: &'static str,
    /// Why another login is refused here, in the door's words.
    pub wrong_login: &'static str,
    pub login_template: &'static str,
    /// The door's own words for a refusal, beside the API's message.
    pub words: fn(ErrorCode) -> Option<&'static str>,
}

/// The door named `$name` (`till`, `vendor`, `console`): its cookie is `furusato_$name`, its
/// pages are under `/$name/`, and its sign-in page is `/$name/login` (`$name/login.html`).
macro_rules! door {
    ($name:literal, roles: $roles:expr, wrong_login: $wrong_login:expr, words: $words:expr $(,)?) => {
        $crate::web::desk::Door {
            roles: $roles,
            cookie: concat!("furusato_", $name),
            host_cookie: concat!("__Host-furusato_", $name),
            home: concat!("/", $name, "/"),
            login: concat!("/", $name, "/login"),
            wrong_login: $wrong_login,
            login_template: concat!($name, "/login.html"),
            words: $words,
        }
    };
}
pub(crate) use door;

/// Someone signed in at a door, and the business they work for at a business door.
pub struct Desk {
    pub user_id: String,
    pub role: Role,
    business: Option<(String, String)>,
    pub token_hash: String,
}

impl Desk {
    /// The business of a till or vendor desk (a business door opens only with one; staff have none).
    pub fn business_id(&self) -> &str {
        self.business.as_ref().map_or("", |b| b.0.as_str())
    }

    pub fn business_name(&self) -> &str {
        self.business.as_ref().map_or("", |b| b.1.as_str())
    }
}

fn cookie_name(door: &Door, production: bool) -> &'static str {
    if production {
        door.host_cookie
    } else {
        door.cookie
    }
}

/// The desk a session opens at `door`: a live session (`session_user`: an active account of an
/// active business of the right kind) with the door's role, or none. Sign-in asks it too, so a
/// login that could not use the door is refused there rather than sent round in a loop.
pub async fn session(state: &AppState, door: &Door, token_hash: String) -> Result<Option<Desk>> {
    let lookup_hash = token_hash.clone();
    let roles = door.roles;
    let found = state
        .db
        .run(move |conn| {
            let Some(user) = auth_store::session_user(conn, &lookup_hash)? else {
                return Ok(None);
            };
            if !roles.contains(&user.role) {
                return Ok(None);
            }
            // `session_user` has already checked the business is active and of the right kind.
            let business = match &user.partner_id {
                Some(id) => {
                    let name = crate::catalogue::store::find_business(conn, id)?
                        .map(|b| b.name)
                        .unwrap_or_default();
                    Some((id.clone(), name))
                }
                None if user.role.is_staff() => None,
                None => return Ok(None),
            };
            Ok(Some((user.id, user.role, business)))
        })
        .await?;
    Ok(found.map(|(user_id, role, business)| Desk {
        user_id,
        role,
        business,
        token_hash,
    }))
}

/// The desk of this request's cookie, if any.
async fn of_request(req: &HttpRequest, state: &AppState, door: &Door) -> Result<Option<Desk>> {
    let Some(cookie) = req.cookie(cookie_name(door, state.settings.is_production())) else {
        return Ok(None);
    };
    session(state, door, tokens::token_hash(cookie.value())).await
}

/// A visit at a back-office desk: the page's request, who is signed in, and at which door.
pub struct AtDesk {
    pub visit: Visit,
    pub desk: Desk,
    pub door: &'static Door,
}

impl std::ops::Deref for AtDesk {
    type Target = Visit;

    fn deref(&self) -> &Visit {
        &self.visit
    }
}

/// For a door's `FromRequest` (see `visitor!`): the visit, or the answer that sends the visitor
/// to sign in (or shows the error page when the lookup itself failed).
pub fn visit(
    req: &HttpRequest,
    door: &'static Door,
) -> Pin<Box<dyn Future<Output = std::result::Result<AtDesk, actix_web::Error>>>> {
    let visit = Visit::extract(req);
    Box::pin(async move {
        let visit = visit.await?;
        let found = of_request(&visit.req, &visit.state, door).await;
        let response = match found {
            Ok(Some(desk)) => return Ok(AtDesk { visit, desk, door }),
            Ok(None) => see_other(door.login),
            Err(e) => visit.error(e),
        };
        Err(actix_web::error::InternalError::from_response("sign in first", response).into())
    })
}

/// A door's visitor type (`pub struct Till(AtDesk);`): the extractor that opens only at `$door`
/// (without a live session there, every page leads to its sign-in page) and reads as the visit.
macro_rules! visitor {
    ($visitor:ident, $door:expr) => {
        impl actix_web::FromRequest for $visitor {
            type Error = actix_web::Error;
            type Future = std::pin::Pin<
                Box<dyn std::future::Future<Output = std::result::Result<Self, Self::Error>>>,
            >;

            fn from_request(
                req: &actix_web::HttpRequest,
                _: &mut actix_web::dev::Payload,
            ) -> Self::Future {
                let visit = $crate::web::desk::visit(req, $door);
                Box::pin(async move { visit.await.map($visitor) })
            }
        }

        impl std::ops::Deref for $visitor {
            type Target = $crate::web::desk::AtDesk;

            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }
    };
}
pub(crate) use visitor;

impl AtDesk {
    /// A page of a business's desk (till, vendor desk): the business's name on every screen.
    pub fn render(
        &self,
        status: StatusCode,
        template: &str,
        context: minijinja::Value,
    ) -> HttpResponse {
        self.page().render(
            status,
            template,
            context! { business_name => self.desk.business_name(), ..context },
        )
    }

    pub fn ok(&self, template: &str, context: minijinja::Value) -> HttpResponse {
        self.render(StatusCode::OK, template, context)
    }

    /// A refusal as this door shows it (`refused`).
    pub fn refused(&self, error: &Error) -> minijinja::Value {
        refused(error, self.door)
    }

    /// Signing out from the door's menu.
    pub async fn logout(&self, form: &csrf::TokenOnly) -> HttpResponse {
        let outcome = async {
            self.check_form(&form.csrf_token)?;
            sign_out_at(&self.state, self.door, self.desk.token_hash.clone()).await
        }
        .await;
        self.answer(outcome)
    }
}

/// Signs in at `door`: on success the answer sends the browser home with its session cookie.
/// A login of another role (or of a business that cannot use this door) is closed again at once.
pub async fn sign_in_at(
    req: &HttpRequest,
    state: &AppState,
    door: &Door,
    email: &str,
    password: String,
) -> Result<HttpResponse> {
    let client = client_address(req, &state.settings.server.trusted_proxies);
    let signed_in = sign_in(state, email, password, &client).await?;
    let hash = tokens::token_hash(&signed_in.token);
    let desk = session(state, door, hash.clone()).await;
    if !matches!(desk, Ok(Some(_))) {
        let _ = sign_out(state, hash).await;
        return Err(desk
            .err()
            .unwrap_or_else(|| Error::forbidden(door.wrong_login)));
    }
    let hours = state.settings.auth.token_ttl_hours;
    let production = state.settings.is_production();
    let cookie = private_cookie(
        cookie_name(door, production),
        signed_in.token,
        "/",
        CookieAge::hours(hours),
        production,
    );
    let mut response = see_other(door.home);
    let _ = response.add_cookie(&cookie);
    Ok(response)
}

/// Revokes a desk's session and removes its cookie; the answer leads to the sign-in page.
pub async fn sign_out_at(
    state: &AppState,
    door: &Door,
    token_hash: String,
) -> Result<HttpResponse> {
    sign_out(state, token_hash).await?;
    let production = state.settings.is_production();
    let mut gone = private_cookie(
        cookie_name(door, production),
        String::new(),
        "/",
        CookieAge::ZERO,
        production,
    );
    gone.make_removal();
    let mut response = see_other(&format!("{}?signed_out=1", door.login));
    let _ = response.add_cookie(&gone);
    Ok(response)
}

/// Sign-in refusals, in the same words at every door.
fn sign_in_words(code: ErrorCode) -> Option<&'static str> {
    Some(match code {
        ErrorCode::InvalidCredentials => "メールアドレスまたはパスワードが違います。",
        ErrorCode::TooManyAttempts => {
            "ログインの失敗が続いたため、少し待ってからもう一度お試しください。"
        }
        ErrorCode::ValidationFailed => "入力内容を確認してください。",
        _ => return None,
    })
}

/// A refusal as a desk shows it: the door's words, then the API's code and message.
pub fn refused(error: &Error, door: &Door) -> minijinja::Value {
    let code = error.code();
    context! {
        code => code.as_str(),
        words => (door.words)(code).or_else(|| sign_in_words(code)),
        message => super::render::message(error, Lang::Ja),
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    signed_out: Option<String>,
}

/// The door's sign-in page (GET) and sign-in (POST) at `door.login`: the same two routes at
/// every door.
pub fn login_routes(cfg: &mut web::ServiceConfig, door: &'static Door) {
    cfg.route(
        door.login,
        web::get().to(
            move |req: HttpRequest, state: web::Data<AppState>, q: web::Query<LoginQuery>| async move {
                login_page(&req, &state, door, &q)
            },
        ),
    )
    .route(
        door.login,
        web::post().to(
            move |req: HttpRequest, state: web::Data<AppState>, form: crate::http::Form<LoginForm>| async move {
                login(&req, &state, door, form.into_inner()).await
            },
        ),
    );
}

/// The door's sign-in page.
pub fn login_page(
    req: &HttpRequest,
    state: &AppState,
    door: &Door,
    q: &LoginQuery,
) -> HttpResponse {
    Page::new(req, state).render(
        StatusCode::OK,
        door.login_template,
        context! { email => "", signed_out => q.signed_out.is_some() },
    )
}

/// Signing in from the door's page; a refusal is shown on it again.
pub async fn login(
    req: &HttpRequest,
    state: &AppState,
    door: &Door,
    form: LoginForm,
) -> HttpResponse {
    let page = Page::new(req, state);
    let again = |error: Error| {
        page.render(
            status_of(&error),
            door.login_template,
            context! { email => &form.email, signed_out => false, problem => refused(&error, door) },
        )
    };
    if let Err(e) = page.check_form(&form.csrf_token) {
        return again(e);
    }
    sign_in_at(req, state, door, &form.email, form.password.clone())
        .await
        .unwrap_or_else(again)
}
