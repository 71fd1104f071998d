//! The OpenAPI 3.1 document: paths are collected from the registered services themselves.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::{Modify, OpenApi};

pub mod problems;
pub mod routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "furusato",
        description = "Hometown-tax donation service (ふるさと納税): catalogue, donations, on-site e-vouchers, reporting."
    ),
    components(schemas(
        crate::error::Problem,
        crate::error::ProblemField,
        // Enums used only as query parameters: IntoParams refers to them without registering them.
        crate::catalogue::types::GiftSort,
        crate::domain::gift::Category,
        crate::domain::gift::GiftStatus,
        crate::domain::donation::DonationStatus,
        crate::domain::donation::DonationKind,
        crate::domain::order::OrderStatus,
        crate::domain::cost::CostCategory,
        crate::http::CsvCharset,
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The three kinds of bearer token, each from its own place.
const STAFF: &str = "staff_token";
const PARTNER: &str = "partner_token";
const VENDOR: &str = "vendor_token";
const DONATION: &str = "donation_access_token";

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let schemes = [
            (STAFF, "A staff login's token from `POST /api/v1/auth/login`."),
            (PARTNER, "A partner business's till token from `POST /api/v1/auth/login`."),
            (VENDOR, "A gift vendor's token from `POST /api/v1/auth/login`."),
            (DONATION, "The `access_token` answered by `POST /api/v1/donations`: it opens that donation only."),
        ];
        for (name, description) in schemes {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(description))
                        .build(),
                ),
            );
        }
    }
}

/// Tag and security of an operation, from its path: the rule for every route in one place.
/// (Which token a route really accepts is enforced by its extractor; this documents it.)
fn tag_and_security(path: &str) -> (&'static str, &'static [&'static str]) {
    let rest = path.strip_prefix("/api/v1/").unwrap_or(path);
    match rest.split('/').next().unwrap_or_default() {
        "admin" => ("admin", &[STAFF]),
        "partner" => ("partner", &[PARTNER]),
        "vendor" => ("vendor", &[VENDOR]),
        "auth" if rest == "auth/logout" => ("auth", &[STAFF, PARTNER, VENDOR]),
        "auth" => ("auth", &[]),
        "donations" if rest == "donations" => ("donations", &[]),
        "donations" => ("donations", &[DONATION]),
        "gifts" | "organizations" | "purposes" => ("catalogue", &[]),
        "payments" => ("payments", &[]),
        _ if path.starts_with("/health") => ("health", &[]),
        _ => ("docs", &[]),
    }
}

/// Completes the document assembled from the registered routes: tags, security, the server.
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    for (path, item) in api.paths.paths.iter_mut() {
        let (tag, schemes) = tag_and_security(path);
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            operation.tags = Some(vec![tag.to_owned()]);
            if !schemes.is_empty() {
                operation.security = Some(
                    schemes
                        .iter()
                        .map(|s| SecurityRequirement::new(*s, Vec::<String>::new()))
                        .collect(),
                );
            }
        }
    }
    api.servers = Some(vec![Server::new("/")]);
    api
}

/// The document as served: `finish`ed, with ids marked as UUIDs.
pub fn to_json(api: &utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut value = serde_json::to_value(api).expect("the document serialises");
    mark_uuids(&mut value);
    document_boundary_refusals(&mut value);
    document_text_rule(&mut value);
    value
}

/// The text rule (`domain::text`) as a `pattern` on every free string, property or parameter:
/// no control characters or bidi controls, line breaks and tabs only in the multi-line fields. A
/// string with a format (uuid, date), an enum or its own pattern is already narrower.
fn document_text_rule(document: &mut serde_json::Value) {
    fn constrain(schema: &mut serde_json::Value, field: &str) {
        let is_free_string = schema["type"] == "string"
            || schema["type"]
                .as_array()
                .is_some_and(|ts| ts.iter().any(|t| t == "string"));
        let narrowed = ["format", "enum", "pattern", "const"]
            .iter()
            .any(|k| schema.get(k).is_some());
        if is_free_string && !narrowed {
            schema["pattern"] = crate::domain::text::Lines::of_field(field).pattern().into();
        }
    }
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Object(props)) = map.get_mut("properties") {
                    for (name, schema) in props.iter_mut() {
                        constrain(schema, name);
                    }
                }
                if map.get("in").is_some() {
                    let name = map
                        .get("name")
                        .and_then(|n| n.as_str())
                        .unwrap_or("")
                        .to_owned();
                    if let Some(schema) = map.get_mut("schema") {
                        constrain(schema, &name);
                    }
                }
                map.values_mut().for_each(walk);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(document);
}

/// The text check at the boundary (`http::text::check_path_and_query`) answers before any
/// handler: every operation with a path parameter can answer `400 invalid_path`, and every one
/// with a query parameter `400 invalid_query`. Added here, once, rather than in each operation.
fn document_boundary_refusals(document: &mut serde_json::Value) {
    let Some(paths) = document.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut().filter(|o| o.get("responses").is_some()) {
            let takes = |place: &str| {
                operation["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["in"] == place))
            };
            let mut codes = Vec::new();
            if takes("path") {
                codes.push(crate::error::ErrorCode::InvalidPath);
            }
            if takes("query") {
                codes.push(crate::error::ErrorCode::InvalidQuery);
            }
            for code in codes {
                add_problem_code(&mut operation["responses"], code);
            }
        }
    }
}

/// Adds `code` to the operation's problem answer of its status (creating the answer if needed).
fn add_problem_code(responses: &mut serde_json::Value, code: crate::error::ErrorCode) {
    let status = code.status().as_u16().to_string();
    let name = code.as_str();
    if responses.get(&status).is_none() {
        let fresh = problems::responses(&[code]);
        responses[&status] = serde_json::to_value(&fresh[&status]).expect("a response serialises");
        return;
    }
    let response = &mut responses[&status];
    let schema = "/content/application~1problem+json/schema/allOf/1/properties/code/enum";
    let Some(names) = response.pointer_mut(schema).and_then(|e| e.as_array_mut()) else {
        return;
    };
    if names.iter().any(|n| n == name) {
        return;
    }
    names.push(name.into());
    let joined: Vec<&str> = names.iter().filter_map(|n| n.as_str()).collect();
    let description = joined.join(", ");
    response["description"] = description.into();
}

/// Ids the service makes are UUIDs: every `id` and `…_id` string (property or path parameter)
/// is documented as `format: uuid`, so generated clients can type them. Ids made elsewhere stay
/// plain strings: the audit log's `entity_id` (also fiscal years), a portal's `external_id`, an
/// email's `message_id` and a payment provider's event `id` (`WebhookEvent`).
fn mark_uuids(document: &mut serde_json::Value) {
    fn is_string(schema: &serde_json::Value) -> bool {
        match &schema["type"] {
            serde_json::Value::String(t) => t == "string",
            serde_json::Value::Array(ts) => ts.iter().any(|t| t == "string"),
            _ => false,
        }
    }
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Object(props)) = map.get_mut("properties") {
                    for (name, schema) in props.iter_mut() {
                        if crate::http::is_our_id(name) && is_string(schema) {
                            schema["format"] = "uuid".into();
                        }
                    }
                }
                let is_id_param = map.get("in").is_some_and(|i| i == "path" || i == "query")
                    && map
                        .get("name")
                        .and_then(|n| n.as_str())
                        .is_some_and(crate::http::is_our_id);
                if is_id_param {
                    if let Some(schema) = map.get_mut("schema").filter(|s| is_string(s)) {
                        schema["format"] = "uuid".into();
                    }
                }
                map.values_mut().for_each(walk);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(document);
    let event_id = document.pointer_mut("/components/schemas/WebhookEvent/properties/id");
    if let Some(serde_json::Value::Object(id)) = event_id {
        id.remove("format");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_family_has_its_token() {
        assert_eq!(
            tag_and_security("/api/v1/admin/gifts"),
            ("admin", &[STAFF][..])
        );
        assert_eq!(
            tag_and_security("/api/v1/partner/statement"),
            ("partner", &[PARTNER][..])
        );
        assert_eq!(
            tag_and_security("/api/v1/donations"),
            ("donations", &[][..])
        );
        assert_eq!(
            tag_and_security("/api/v1/donations/{id}/receipt"),
            ("donations", &[DONATION][..])
        );
        assert_eq!(
            tag_and_security("/api/v1/gifts/{id}"),
            ("catalogue", &[][..])
        );
        assert_eq!(tag_and_security("/health/ready"), ("health", &[][..]));
    }
}
