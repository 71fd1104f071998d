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
    value
}

/// Ids the service makes are UUIDs: every `id` and `…_id` string (property or path parameter)
/// is documented as `format: uuid`, so generated clients can type them. Ids made elsewhere stay
/// plain strings: the audit log's `entity_id` (also fiscal years), a portal's `external_id`, an
/// email's `message_id` and a payment provider's event `id` (`WebhookEvent`).
fn mark_uuids(document: &mut serde_json::Value) {
    const NOT_OURS: [&str; 3] = ["entity_id", "external_id", "message_id"];
    fn is_uuid_name(name: &str) -> bool {
        (name == "id" || name.ends_with("_id")) && !NOT_OURS.contains(&name)
    }
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
                        if is_uuid_name(name) && is_string(schema) {
                            schema["format"] = "uuid".into();
                        }
                    }
                }
                let is_id_param = map.get("in").is_some_and(|i| i == "path" || i == "query")
                    && map
                        .get("name")
                        .and_then(|n| n.as_str())
                        .is_some_and(is_uuid_name);
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
