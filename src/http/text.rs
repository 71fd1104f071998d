//! The boundary where text enters: every JSON string and key, query and path parameter and form
//! field is checked here, once, against `domain::text` before any handler sees it. A refusal
//! names the field (`donor.name`, `q`, the path) so a client knows what to fix.

use std::borrow::Cow;

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{from_json, StrictJson};
use crate::domain::text::{self, Lines, Refused};
use crate::error::{Error, ErrorCode};

/// A checked body as `T`, used like actix's own `web::Json` and `web::Form`: `into_inner` gives
/// the value and `Deref` its fields.
macro_rules! checked_body {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<T>(pub T);

        impl<T> $name<T> {
            pub fn into_inner(self) -> T {
                self.0
            }
        }

        impl<T> std::ops::Deref for $name<T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.0
            }
        }
    };
}

checked_body! {
    /// A JSON body as `T`: a repeated key is malformed (`StrictJson`), every text is checked, and
    /// a type error names its field. Use it instead of `web::Json<T>` for request bodies.
    Json
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        read_then(req, payload, |value: JsonValue| {
            Ok(Json(from_json(value.0)?))
        })
    }
}

/// A JSON body kept as a value (for a fingerprint or a signature), checked like `Json`.
pub struct JsonValue(pub Value);

impl FromRequest for JsonValue {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        read_then(req, payload, |body: web::Json<StrictJson>| {
            let value = body.into_inner().0;
            check_json(&value, &mut String::new())?;
            Ok(JsonValue(value))
        })
    }
}

/// What each extractor here does: reads the body with another extractor (`R`), then `check`s it.
fn read_then<R, T>(
    req: &HttpRequest,
    payload: &mut Payload,
    check: impl FnOnce(R) -> Result<T, actix_web::Error> + 'static,
) -> LocalBoxFuture<'static, Result<T, actix_web::Error>>
where
    R: FromRequest<Error = actix_web::Error> + 'static,
    R::Future: 'static,
    T: 'static,
{
    let raw = R::from_request(req, payload);
    Box::pin(async move { check(raw.await?) })
}

/// Walks a JSON value; `path` is where it sits (`donor.name`, `lines[2].note`).
fn check_json(value: &Value, path: &mut String) -> Result<(), Error> {
    match value {
        Value::String(s) => {
            let name = path.rsplit('.').next().unwrap_or_default();
            text::check(s, Lines::of_field(name)).map_err(|r| refused_field(path, r))
        }
        Value::Array(items) => items.iter().enumerate().try_for_each(|(i, item)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let result = check_json(item, path);
            path.truncate(len);
            result
        }),
        Value::Object(fields) => fields.iter().try_for_each(|(key, item)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            let result = text::check(key, Lines::One)
                .map_err(|r| refused_field(path, r))
                .and_then(|()| check_json(item, path));
            path.truncate(len);
            result
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

fn refused_field(field: &str, refused: Refused) -> Error {
    let field = if field.is_empty() { "body" } else { field };
    // The name itself may hold the refused character (a JSON key): never echo it raw.
    Error::field(&text::shown(field), refused.to_string())
}

checked_body! {
    /// A form body (`application/x-www-form-urlencoded`) as `T`, every field checked first.
    Form
}

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        read_then(req, payload, |body: web::Form<Vec<(String, String)>>| {
            let fields = body.into_inner();
            for (name, value) in &fields {
                text::check(name, Lines::One)
                    .and_then(|()| text::check(value, Lines::of_field(name)))
                    .map_err(|r| refused_field(name, r))?;
            }
            // Read back as `T` from the very pairs that were checked.
            let encoded = serde_urlencoded::to_string(&fields)
                .map_err(|e| Error::field("body", e.to_string()))?;
            let form = serde_urlencoded::from_str(&encoded)
                .map_err(|e| Error::field("body", e.to_string()))?;
            Ok(Form(form))
        })
    }
}

/// Refuses a request whose path or query text is not acceptable, before routing (the last check
/// of the request gate, `startup::request_gate`).
pub fn check_path_and_query(req: &ServiceRequest) -> Result<(), Error> {
    check_path(req.uri().path())?;
    if let Some(query) = req.uri().query() {
        check_query(query, req.path().starts_with("/api/"))?;
    }
    Ok(())
}

/// One name or value of a query string as text: `+` is a space, then percent-decoded. Borrowed,
/// without an allocation, when there is nothing to decode (the common case).
fn decode(part: &str) -> Result<Cow<'_, str>, std::str::Utf8Error> {
    if part.contains('+') {
        let part = part.replace('+', " ");
        let decoded = percent_encoding::percent_decode_str(&part).decode_utf8()?;
        Ok(Cow::Owned(decoded.into_owned()))
    } else {
        percent_encoding::percent_decode_str(part).decode_utf8()
    }
}

fn check_path(path: &str) -> Result<(), Error> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| {
            Error::rejected(
                ErrorCode::InvalidPath,
                "The path is not UTF-8 once decoded.",
            )
        })?;
    text::check(&decoded, Lines::One)
        .map_err(|r| Error::rejected(ErrorCode::InvalidPath, format!("The path {r}.")))
}

/// `api`: the API's ids are UUIDs; pages' forms may send an empty choice.
fn check_query(query: &str, api: bool) -> Result<(), Error> {
    let invalid = |detail: String| Error::rejected(ErrorCode::InvalidQuery, detail);
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name)
            .map_err(|_| invalid("A query parameter name is not UTF-8 once decoded.".into()))?;
        let value = decode(value).map_err(|_| {
            invalid(format!(
                "The query parameter `{name}` is not UTF-8 once decoded."
            ))
        })?;
        text::check(&name, Lines::One)
            .and_then(|()| text::check(&value, Lines::One))
            .map_err(|r| {
                let name = text::shown(&name);
                invalid(format!("The query parameter `{name}` {r}."))
            })?;
        // Our ids are UUIDs (as the OpenAPI document says): `vendor_id=true` is a mistake to
        // name, not a filter that matches nothing.
        if api && super::is_our_id(&name) && uuid::Uuid::parse_str(&value).is_err() {
            return Err(invalid(format!(
                "The query parameter `{name}` must be a UUID."
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(err: Error) -> String {
        match err {
            Error::Validation(errors) => errors[0].field.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_refused_json_text_names_its_field() {
        let body = json!({"donor": {"name": "a\u{0}b"}, "amount": 5000});
        let err = check_json(&body, &mut String::new()).unwrap_err();
        assert_eq!(field_of(err), "donor.name");
        let body = json!({"lines": [{"note": "ok\nok"}, {"note": "\u{202E}"}]});
        let err = check_json(&body, &mut String::new()).unwrap_err();
        assert_eq!(field_of(err), "lines[1].note");
        let body = json!({"description": "一行目\n二行目", "name": "品川"});
        assert!(check_json(&body, &mut String::new()).is_ok());
        let body = json!({"name": "一行目\n二行目"});
        assert_eq!(
            field_of(check_json(&body, &mut String::new()).unwrap_err()),
            "name"
        );
    }

    #[test]
    fn queries_and_paths_are_decoded_before_the_check() {
        assert!(check_query("q=%E5%93%81%E5%B7%9D&page=2", true).is_ok());
        assert!(check_query("q=a+b", true).is_ok());
        assert!(check_query("vendor_id=8d0c4f51-7a3e-4c5e-9b8e-2f1d0c6a7b90", true).is_ok());
        assert_eq!(
            check_query("vendor_id=true", true).unwrap_err().code(),
            ErrorCode::InvalidQuery
        );
        assert!(check_query("external_id=R-1", true).is_ok());
        assert_eq!(
            check_query("q=%00", true).unwrap_err().code(),
            ErrorCode::InvalidQuery
        );
        assert_eq!(
            check_query("q=%ED%A0%80", true).unwrap_err().code(),
            ErrorCode::InvalidQuery
        );
        assert!(check_path("/api/v1/gifts/%E5%93%81").is_ok());
        assert_eq!(
            check_path("/api/v1/gifts/%00").unwrap_err().code(),
            ErrorCode::InvalidPath
        );
        assert_eq!(
            check_path("/api/v1/gifts/%E2%80%AE").unwrap_err().code(),
            ErrorCode::InvalidPath
        );
    }
}
