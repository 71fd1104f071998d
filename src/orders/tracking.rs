//! Tracking numbers from a vendor's CSV: every line is checked first and any problem rejects
//! the whole file with its line numbers; only then is every line shipped, in one transaction.

use chrono::NaiveDate;

use super::fulfil::{act, OrderCommand};
use super::store::{self, OrderScope};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::domain::calendar::{japan_date, japan_today};
use crate::domain::order::{parse_shipment, typed_date, ShipmentInput};
use crate::imports::csv::LineError;

/// The columns read, each by its Japanese (as exported) or English name.
const ORDER_ID: [&str; 2] = ["注文ID", "order_id"];
const CARRIER: [&str; 2] = ["配送業者", "carrier"];
const TRACKING: [&str; 2] = ["伝票番号", "tracking_number"];
const REFERENCE: [&str; 2] = ["予約番号", "booking_reference"];
const SHIPPED_ON: [&str; 2] = ["発送日", "shipped_on"];

/// One checked line of the file.
pub struct TrackingLine {
    pub line: u64,
    pub order_id: String,
    pub input: ShipmentInput,
}

/// What a tracking file did.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TrackingOutcome {
    /// Lines with an order in them.
    pub lines: i64,
    /// Orders newly shipped or corrected.
    pub shipped: i64,
    /// Lines that repeated what was already recorded.
    pub unchanged: i64,
}

fn column(header: &csv::StringRecord, names: [&str; 2]) -> Option<usize> {
    header.iter().position(|h| {
        let h = h.trim().trim_start_matches('\u{FEFF}');
        names.iter().any(|n| n.eq_ignore_ascii_case(h))
    })
}

/// Reads the lines (the file's text is already decoded). Rows without carrier, tracking number
/// or booking reference are skipped: an export of new orders may hold orders not yet sent.
pub fn read_lines(text: &str) -> std::result::Result<Vec<TrackingLine>, Vec<LineError>> {
    let text = text.replace("\r\n", "\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        _ => return Err(vec![LineError::new(1, "file", "has no header row")]),
    };
    let Some(id_col) = column(&header, ORDER_ID) else {
        return Err(vec![LineError::new(
            1,
            "注文ID",
            "column is missing from the header",
        )]);
    };
    let (carrier, tracking) = (column(&header, CARRIER), column(&header, TRACKING));
    let (reference, shipped) = (column(&header, REFERENCE), column(&header, SHIPPED_ON));
    if tracking.is_none() && reference.is_none() {
        let message = "needs a 伝票番号 (tracking_number) or 予約番号 (booking_reference) column";
        return Err(vec![LineError::new(1, "file", message)]);
    }
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(LineError::new(line, "row", "cannot be read as CSV"));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let Some(order_id) = cell(Some(id_col)) else {
            if record.iter().any(|c| !c.trim().is_empty()) {
                errors.push(LineError::new(line, "注文ID", "is required"));
            }
            continue;
        };
        let input = ShipmentInput {
            carrier: cell(carrier),
            tracking_number: cell(tracking),
            booking_reference: cell(reference),
            shipped_on: None,
        };
        if input.tracking_number.is_none() && input.booking_reference.is_none() {
            continue;
        }
        let shipped_on = match typed_date(&cell(shipped).unwrap_or_default()) {
            Ok(d) => d,
            Err(m) => {
                errors.push(LineError::new(line, "発送日", m));
                continue;
            }
        };
        lines.push(TrackingLine {
            line,
            order_id,
            input: ShipmentInput {
                shipped_on,
                ..input
            },
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if lines.is_empty() {
        let message = "has no line with a tracking number or booking reference";
        return Err(vec![LineError::new(1, "file", message)]);
    }
    Ok(lines)
}

/// Checks every line against its order (the scope's own, shippable now) before shipping any.
/// Runs in the caller's write transaction: an error on any line leaves every order as it was.
pub fn ship_all(
    conn: &mut DbConnection,
    settings: &Settings,
    actor_id: &str,
    scope: &OrderScope,
    lines: Vec<TrackingLine>,
) -> std::result::Result<TrackingOutcome, TrackingError> {
    let today = japan_today();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for l in &lines {
        if let Some(first) = seen.insert(l.order_id.clone(), l.line) {
            let message = format!("repeats the order of line {first}");
            errors.push(LineError::new(l.line, "注文ID", message));
            continue;
        }
        let order = match store::find(conn, scope, &l.order_id) {
            Ok(r) => r.order,
            Err(e) if e.code() == crate::error::ErrorCode::OrderNotFound => {
                errors.push(LineError::new(
                    l.line,
                    "注文ID",
                    "is not one of your orders",
                ));
                continue;
            }
            Err(e) => return Err(TrackingError::Failed(e)),
        };
        let action = crate::domain::order::OrderAction::Ship;
        let allowed = crate::domain::order::next_status(order.status, action, true).is_some();
        if !allowed {
            let message = format!(
                "the order is {} and cannot be shipped",
                order.status.as_str()
            );
            errors.push(LineError::new(l.line, "注文ID", message));
            continue;
        }
        let ordered_on: NaiveDate = japan_date(order.created_at.and_utc());
        if let Err(fields) = parse_shipment(l.input.clone(), order.fulfilment, ordered_on, today) {
            for f in fields {
                errors.push(LineError::new(l.line, &f.field, f.message));
            }
        }
    }
    if !errors.is_empty() {
        return Err(TrackingError::Lines(errors));
    }
    let mut shipped = 0;
    let total = i64::try_from(lines.len()).unwrap_or(i64::MAX);
    for l in lines {
        let before = store::find(conn, scope, &l.order_id).map_err(TrackingError::Failed)?;
        let after = act(
            conn,
            settings,
            actor_id,
            scope,
            &l.order_id,
            OrderCommand::Ship(l.input),
        )
        .map_err(TrackingError::Failed)?;
        if after.order.updated_at != before.order.updated_at {
            shipped += 1;
        }
    }
    Ok(TrackingOutcome {
        lines: total,
        shipped,
        unchanged: total - shipped,
    })
}

/// Why a tracking file changed nothing.
#[derive(Debug)]
pub enum TrackingError {
    /// Lines that are wrong, with their numbers.
    Lines(Vec<LineError>),
    Failed(crate::error::Error),
}

impl From<crate::error::Error> for TrackingError {
    fn from(e: crate::error::Error) -> Self {
        TrackingError::Failed(e)
    }
}

impl From<diesel::result::Error> for TrackingError {
    fn from(e: diesel::result::Error) -> Self {
        TrackingError::Failed(e.into())
    }
}
