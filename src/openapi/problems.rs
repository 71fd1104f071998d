//! The error answers of each operation in the OpenAPI document, written as error codes only.
//!
//! `crate::problems!(GiftLookupErrors: InvalidPath, GiftNotFound);` declares a type for
//! `#[utoipa::path(responses(..., GiftLookupErrors))]`. Each code is documented under its own
//! status (`ErrorCode::status`), as the one `Problem` schema with `code` narrowed to the codes
//! the operation can answer, so a client can match on them.

use std::collections::BTreeMap;

use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};

use crate::error::ErrorCode;

/// Declares a set of error answers for the OpenAPI document from the codes it contains.
#[macro_export]
macro_rules! problems {
    ($(#[$meta:meta])* $name:ident: $($code:ident),+ $(,)?) => {
        $(#[$meta])*
        pub struct $name;
        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<
                String,
                utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
            > {
                $crate::openapi::problems::responses(&[$($crate::error::ErrorCode::$code),+])
            }
        }
    };
}

/// The responses for `codes`, one per HTTP status.
pub fn responses(codes: &[ErrorCode]) -> BTreeMap<String, RefOr<Response>> {
    let mut by_status: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
    for code in codes {
        by_status
            .entry(code.status().as_u16())
            .or_default()
            .push(*code);
    }
    by_status
        .into_iter()
        .map(|(status, codes)| (status.to_string(), RefOr::T(response(&codes))))
        .collect()
}

fn response(codes: &[ErrorCode]) -> Response {
    let names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    let narrowed = ObjectBuilder::new()
        .property(
            "code",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(names.clone())),
        )
        .required("code");
    let schema = AllOfBuilder::new()
        .item(Ref::from_schema_name("Problem"))
        .item(narrowed);
    ResponseBuilder::new()
        .description(names.join(", "))
        .content(
            "application/problem+json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .build()
}

crate::problems!(
    /// The answers every staff or partner route can give before it runs.
    StaffErrors: Unauthorized,
    Forbidden
);
crate::problems!(
    /// A staff or partner read with query parameters (filters, paging, a year, a month, a date
    /// range): those answers, and the query refused by the text rule or its fields' checks.
    QueryErrors: Unauthorized, Forbidden, InvalidQuery, ValidationFailed
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_under_their_own_status() {
        let r = responses(&[
            ErrorCode::Unauthorized,
            ErrorCode::GiftNotFound,
            ErrorCode::InvalidPath,
            ErrorCode::InvalidQuery,
        ]);
        let statuses: Vec<&str> = r.keys().map(String::as_str).collect();
        assert_eq!(statuses, ["400", "401", "404"]);
        let RefOr::T(bad) = &r["400"] else {
            panic!("inline response expected")
        };
        assert_eq!(bad.description, "invalid_path, invalid_query");
    }
}
