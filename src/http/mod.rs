//! Small HTTP helpers shared by the feature routes: pagination, the client's address, reading
//! bodies, CSV; `answer.rs`: the answers many routes share (a page, a report as JSON or CSV).

use actix_web::HttpRequest;

mod answer;
pub mod text;
pub use answer::{json_or_csv, read_page, read_report};
pub(crate) use answer::{page_route, report_route};
use serde::{Deserialize, Serialize};
pub use text::{Form, Json, JsonValue};
use utoipa::{IntoParams, ToSchema};

use crate::error::Error;
use crate::idempotency::{self, IdempotencyKey};

pub const MAX_PER_PAGE: i64 = 100;

#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
pub struct PageQuery {
    /// 1-based page number (default 1).
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// Items per page (default 20, at most 100).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

impl Paging {
    pub fn from_query(page: Option<i64>, per_page: Option<i64>) -> Result<Paging, Error> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(20);
        if page < 1 {
            return Err(Error::field("page", "must be 1 or more"));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(Error::field("per_page", "must be between 1 and 100"));
        }
        Ok(Paging { page, per_page })
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

impl PageQuery {
    pub fn paging(&self) -> Result<Paging, Error> {
        Paging::from_query(self.page, self.per_page)
    }
}

/// `{"items": [...], "page", "per_page", "total"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, paging: Paging, total: i64) -> Page<T> {
        Page {
            items,
            page: paging.page,
            per_page: paging.per_page,
            total,
        }
    }
}

/// Whether a field or parameter of this name holds one of our ids, a UUID: `id` and `…_id`,
/// except ids made elsewhere (the audit log's `entity_id`, a portal's `external_id`, an email's
/// `message_id`). The OpenAPI document marks them `format: uuid` (`openapi::mark_uuids`) and API
/// query parameters of such names must be UUIDs (`http::text`).
pub fn is_our_id(name: &str) -> bool {
    const NOT_OURS: [&str; 3] = ["entity_id", "external_id", "message_id"];
    (name == "id" || name.ends_with("_id")) && !NOT_OURS.contains(&name)
}

/// The client's address: the socket peer, or, when the peer is a trusted proxy, the right-most
/// `X-Forwarded-For` entry that is not itself a trusted proxy (entries to its left are whatever
/// the client chose to send, so they are never believed).
pub fn client_address(req: &HttpRequest, trusted_proxies: &[ipnet::IpNet]) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    peer.map(|peer| forwarded_client(peer, req, trusted_proxies).to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn forwarded_client(
    peer: std::net::IpAddr,
    req: &HttpRequest,
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    let hops = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        match hop.trim().parse::<std::net::IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            // A hop that is not an address: stop at the last one we could believe.
            Err(_) => break,
        }
    }
    client
}

/// Reads a JSON body into a request type; a type error names the field it is about
/// (`donor.postal_code`, `amount`) rather than the body as a whole.
pub fn from_json<T: serde::de::DeserializeOwned>(body: serde_json::Value) -> Result<T, Error> {
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        Error::field(&field, e.into_inner().to_string())
    })
}

/// An idempotent request's parts: its `Idempotency-Key` (if any), the fingerprint of the body as
/// sent, and the body read as `T` (`from_json`).
pub fn idempotent_json<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    body: JsonValue,
) -> Result<(Option<IdempotencyKey>, String, T), Error> {
    let key = IdempotencyKey::from_request(req)?;
    let fingerprint = idempotency::fingerprint(&body.0);
    Ok((key, fingerprint, from_json(body.0)?))
}

/// A JSON body read as a value, refusing a key given twice in one object: serde_json keeps the
/// last (`"amount":5000,"amount":7777` would be a ¥7,777 donation), and which one a client meant
/// cannot be known, so a repeated key makes the body malformed (400, see `startup::json_error`).
pub struct StrictJson(pub serde_json::Value);

impl<'de> Deserialize<'de> for StrictJson {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictJson)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictJson(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("duplicate key `{key}`")));
            }
            let StrictJson(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(serde_json::Value::Object(object))
    }
}

/// Whether a body was refused for a repeated key (ours in `StrictJson`, or serde's derived
/// "duplicate field" in a typed body).
pub fn is_duplicate_key(e: &serde_json::Error) -> bool {
    let message = e.to_string();
    message.starts_with("duplicate key") || message.starts_with("duplicate field")
}

/// For PATCH bodies: distinguishes an absent field (`None`) from an explicit null (`Some(None)`).
pub fn patch_field<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Whether an `If-None-Match` header matches the entity tag.
pub fn etag_matches(req: &HttpRequest, etag: &str) -> bool {
    let Some(header) = req
        .headers()
        .get(actix_web::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

/// Whether the client asked for CSV (`Accept: text/csv`).
pub fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            accept
                .split(',')
                .any(|part| part.trim().to_ascii_lowercase().starts_with("text/csv"))
        })
}

/// A cell Excel would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) is prefixed with `'`,
/// so a donor's name can never become a formula on a staff computer.
fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// CSV for Excel: UTF-8 with a byte-order mark (so Japanese text opens correctly), formula-safe.
pub fn excel_csv<R, C>(headers: &[&str], rows: R) -> Result<Vec<u8>, Error>
where
    R: IntoIterator<Item = Vec<C>>,
    C: AsRef<str>,
{
    let csv_error = |e: csv::Error| Error::Internal(anyhow::Error::new(e).context("csv"));
    let mut writer = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    writer.write_record(headers).map_err(csv_error)?;
    for row in rows {
        writer
            .write_record(row.iter().map(|c| defuse(c.as_ref()).into_owned()))
            .map_err(csv_error)?;
    }
    writer
        .into_inner()
        .map_err(|e| Error::Internal(anyhow::anyhow!("csv: {e}")))
}

/// The character set of a CSV download: UTF-8 with a BOM (the default, loses nothing) or
/// Shift_JIS (CP932) for older Excel and shipping-label software.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CsvCharset {
    #[default]
    Utf8,
    ShiftJis,
}

impl CsvCharset {
    /// The charset a request asks for: `?charset=` first, else `Accept: text/csv; charset=…`.
    pub fn of(req: &HttpRequest, asked: Option<CsvCharset>) -> CsvCharset {
        if let Some(c) = asked {
            return c;
        }
        let accept = req
            .headers()
            .get(actix_web::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let sjis = ["shift_jis", "shift-jis", "sjis", "windows-31j", "cp932"];
        if accept.contains("text/csv")
            && sjis
                .iter()
                .any(|c| accept.contains(&format!("charset={c}")))
        {
            CsvCharset::ShiftJis
        } else {
            CsvCharset::Utf8
        }
    }

    /// The CSV from `excel_csv` in this charset. A character Shift_JIS cannot hold becomes
    /// `〓` (the customary mark), never an HTML entity on a shipping label.
    pub fn encode(self, utf8_with_bom: Vec<u8>) -> Vec<u8> {
        match self {
            CsvCharset::Utf8 => utf8_with_bom,
            CsvCharset::ShiftJis => {
                let text = String::from_utf8_lossy(&utf8_with_bom[3.min(utf8_with_bom.len())..])
                    .into_owned();
                let mut out = Vec::with_capacity(text.len());
                let mut buf = [0u8; 8];
                for c in text.chars() {
                    let s = c.encode_utf8(&mut buf);
                    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(s);
                    if unmappable {
                        out.extend_from_slice(&encoding_rs::SHIFT_JIS.encode("〓").0);
                    } else {
                        out.extend_from_slice(&bytes);
                    }
                }
                out
            }
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            CsvCharset::Utf8 => "text/csv; charset=utf-8",
            CsvCharset::ShiftJis => "text/csv; charset=Shift_JIS",
        }
    }
}

/// A CSV download in the charset asked for.
pub fn csv_download(
    utf8_with_bom: Vec<u8>,
    charset: CsvCharset,
    file_name: &str,
) -> actix_web::HttpResponse {
    let mut response = csv_response(charset.encode(utf8_with_bom), file_name);
    response.headers_mut().insert(
        actix_web::http::header::CONTENT_TYPE,
        actix_web::http::header::HeaderValue::from_static(charset.content_type()),
    );
    response
}

/// A CSV download.
pub fn csv_response(body: Vec<u8>, file_name: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_jis_csv_is_cp932_and_marks_what_it_cannot_hold() {
        let body = excel_csv(&["お届け先氏名", "数量"], vec![vec!["髙橋 🍣", "1"]]).unwrap();
        let sjis = CsvCharset::ShiftJis.encode(body);
        let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&sjis);
        assert!(!bad);
        assert_eq!(text, "お届け先氏名,数量\n髙橋 〓,1\n");
    }

    #[test]
    fn csv_for_excel_has_a_bom_and_no_formulas() {
        let body = excel_csv(
            &["氏名", "金額"],
            vec![vec!["=HYPERLINK(\"x\")", "100"], vec!["品川 花子", "-5"]],
        )
        .unwrap();
        assert_eq!(&body[..3], b"\xEF\xBB\xBF");
        let text = std::str::from_utf8(&body[3..]).unwrap();
        assert_eq!(
            text,
            "氏名,金額\n\"'=HYPERLINK(\"\"x\"\")\",100\n品川 花子,'-5\n"
        );
    }
}
