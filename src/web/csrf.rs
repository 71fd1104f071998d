//! Cross-site request forgery: every state-changing form carries a token the server checks.
//!
//! Signed double submit (OWASP): the browser holds a random value in an `HttpOnly`,
//! `SameSite=Lax` cookie; the form carries HMAC(key, value). Another site can make the browser
//! send the cookie but can neither read it nor compute the token. No server state is needed, so
//! any instance checks any form. The key is derived from the service's token secret.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::domain::keyed::hmac_hex;

pub const COOKIE: &str = "furusato_csrf";
pub const FIELD: &str = "csrf_token";

/// A form that carries nothing but its token (a sign-out button, say).
#[derive(serde::Deserialize)]
pub struct TokenOnly {
    #[serde(default)]
    pub csrf_token: String,
}

/// The browser's CSRF value, and the cookie to set when it had none yet.
pub struct CsrfValue {
    pub value: String,
    pub new_cookie: Option<Cookie<'static>>,
}

/// Reads the browser's value, or makes one (to be set with the page's answer).
pub fn value(req: &HttpRequest, secure: bool) -> CsrfValue {
    if let Some(c) = req.cookie(COOKIE).filter(|c| c.value().len() == 43) {
        return CsrfValue {
            value: c.value().to_owned(),
            new_cookie: None,
        };
    }
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let value = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes);
    let cookie = Cookie::build(COOKIE, value.clone())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish();
    CsrfValue {
        value,
        new_cookie: Some(cookie),
    }
}

/// The token a form carries for the browser's `value`.
pub fn token(key: &[u8], value: &str) -> String {
    hmac_hex(key, &[b"csrf:", value.as_bytes()])
}

/// The key form tokens are signed with, derived from the service's token secret.
pub fn key(settings: &crate::config::Settings) -> &[u8] {
    secrecy::ExposeSecret::expose_secret(&settings.donations.access_token_secret).as_bytes()
}

/// Whether a submitted form's token matches this browser's cookie, under the service's key.
pub fn form_ok(req: &HttpRequest, settings: &crate::config::Settings, submitted: &str) -> bool {
    check(key(settings), req, submitted)
}

/// The refusal of a form whose token does not match (an old page, or another site's form).
pub fn refused() -> crate::error::Error {
    crate::error::Error::forbidden(
        "このフォームの有効期限が切れました。ページを読み込み直して、もう一度送信してください。",
    )
}

/// Whether a submitted form's token matches the browser's cookie (constant time).
pub fn check(key: &[u8], req: &HttpRequest, submitted: &str) -> bool {
    let Some(cookie) = req.cookie(COOKIE) else {
        return false;
    };
    let expected = token(key, cookie.value());
    bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn a_token_matches_only_its_own_cookie() {
        let key = b"secret";
        let req = TestRequest::default()
            .cookie(Cookie::new(COOKIE, "a".repeat(43)))
            .to_http_request();
        let good = token(key, &"a".repeat(43));
        assert!(check(key, &req, &good));
        assert!(!check(key, &req, &token(key, &"b".repeat(43))));
        assert!(!check(b"other", &req, &good));
        let no_cookie = TestRequest::default().to_http_request();
        assert!(!check(key, &no_cookie, &good));
    }

    #[test]
    fn a_new_browser_gets_a_fresh_http_only_cookie() {
        let req = TestRequest::default().to_http_request();
        let v = value(&req, true);
        let cookie = v.new_cookie.expect("a cookie is set");
        assert_eq!(v.value.len(), 43);
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.secure(), Some(true));
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
    }
}
