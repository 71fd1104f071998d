//! Tracking numbers from a vendor's CSV: every line is shipped by the one order write, in one
//! transaction; any line refused rejects the whole file with its line numbers and changes nothing.

use std::collections::HashMap;

use super::fulfil::{act, OrderCommand};
use super::store::OrderScope;
use crate::config::Settings;
use crate::db::DbConnection;
use crate::domain::order::{typed_date, ShipmentInput};
use crate::error::{Error, ErrorCode};
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

/// Ships every line through `fulfil::act`, the same write as one order's shipment, inside the
/// caller's write transaction. A line `act` refuses becomes a line error and the file is refused
/// whole: the transaction is rolled back, so no order changes and no notice is queued.
pub fn ship_all(
    conn: &mut DbConnection,
    settings: &Settings,
    actor_id: &str,
    scope: &OrderScope,
    lines: Vec<TrackingLine>,
) -> std::result::Result<TrackingOutcome, TrackingError> {
    let total = i64::try_from(lines.len()).unwrap_or(i64::MAX);
    let mut errors = Vec::new();
    let mut seen = HashMap::new();
    let mut shipped = 0;
    for l in lines {
        if let Some(first) = seen.insert(l.order_id.clone(), l.line) {
            let message = format!("repeats the order of line {first}");
            errors.push(LineError::new(l.line, "注文ID", message));
            continue;
        }
        let command = OrderCommand::Ship(l.input);
        match act(conn, settings, actor_id, scope, &l.order_id, command) {
            Ok(acted) => shipped += i64::from(acted.changed),
            Err(e) => errors.extend(line_errors(l.line, e)?),
        }
    }
    if !errors.is_empty() {
        return Err(TrackingError::Lines(errors));
    }
    Ok(TrackingOutcome {
        lines: total,
        shipped,
        unchanged: total - shipped,
    })
}

/// A refusal of one line in the vendor's words; anything else fails the whole request.
fn line_errors(line: u64, e: Error) -> std::result::Result<Vec<LineError>, TrackingError> {
    Ok(match e {
        Error::Validation(fields) => fields
            .into_iter()
            .map(|f| LineError::new(line, &f.field, f.message))
            .collect(),
        e if e.code() == ErrorCode::OrderNotFound => {
            vec![LineError::new(line, "注文ID", "is not one of your orders")]
        }
        Error::Rejected { detail, .. } => vec![LineError::new(line, "注文ID", detail)],
        e => return Err(TrackingError::Failed(e)),
    })
}

/// Why a tracking file changed nothing.
#[derive(Debug)]
pub enum TrackingError {
    /// Lines that are wrong, with their numbers.
    Lines(Vec<LineError>),
    Failed(Error),
}

impl From<Error> for TrackingError {
    fn from(e: Error) -> Self {
        TrackingError::Failed(e)
    }
}

impl From<diesel::result::Error> for TrackingError {
    fn from(e: diesel::result::Error) -> Self {
        TrackingError::Failed(e.into())
    }
}
