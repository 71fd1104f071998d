//! Portal CSV files: encoding detection (UTF-8 with or without BOM, else Shift_JIS/CP932) and rows.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::import_profile::ImportProfile;
use crate::domain::portal_import::{parse_row, ImportRow, COLUMNS, REQUIRED_COLUMNS};
use crate::domain::portal_row::{self, Located};
use crate::domain::text::{self, Lines};

/// The encoding a file turned out to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceEncoding {
    Utf8,
    ShiftJis,
}

/// A problem with one line of the file (`line` 1 is the header row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct LineError {
    pub line: u64,
    /// The CSV column, or `file` / `row` for problems not tied to one column.
    pub field: String,
    pub message: String,
}

impl LineError {
    pub fn new(line: u64, field: &str, message: impl Into<String>) -> LineError {
        LineError {
            line,
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Valid UTF-8 (a BOM is dropped) is UTF-8; anything else must decode as Shift_JIS (the WHATWG
/// decoder, which is Windows-31J/CP932 with the NEC and IBM extensions) without a single error.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, SourceEncoding), LineError> {
    let without_bom = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(without_bom) {
        return Ok((Cow::Borrowed(text), SourceEncoding::Utf8));
    }
    encoding_rs::SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| (text, SourceEncoding::ShiftJis))
        .ok_or_else(|| {
            LineError::new(
                1,
                "file",
                "is neither UTF-8 nor Shift_JIS (CP932); save it as UTF-8 CSV and retry",
            )
        })
}

/// Which columns a file is read by.
#[derive(Debug, Clone, Copy)]
pub enum Layout<'p> {
    /// The project's own English columns.
    Own,
    /// The channel's stored profile; a file in the project's own format (every required English
    /// column in its header) is still read as `Own`, so files made for the own format keep working.
    ChannelProfile(&'p ImportProfile),
    /// A profile chosen for this upload (`?profile=`): used whatever the header says.
    ChosenProfile(&'p ImportProfile),
}

/// The columns found in the header row, by the layout the file is read in.
enum Columns<'p> {
    Own(HashMap<&'static str, usize>),
    Profile(&'p ImportProfile, Located),
}

impl Columns<'_> {
    /// The file's name for one of the own format's columns (the portal's header under a profile).
    fn name<'a>(&'a self, column: &'a str) -> &'a str {
        match self {
            Columns::Own(_) => column,
            Columns::Profile(profile, _) => profile.column(column),
        }
    }
}

/// The rows of a good file, and whether they were read through a profile (so that later
/// problems are named by the portal's headers too).
#[derive(Debug)]
pub struct ReadRows {
    pub rows: Vec<ImportRow>,
    pub by_profile: bool,
}

/// Reads every row of the file in the project's own columns; see `read_rows_with`.
pub fn read_rows(text: &str, today: NaiveDate) -> Result<Vec<ImportRow>, Vec<LineError>> {
    read_rows_with(text, today, Layout::Own).map(|read| read.rows)
}

/// Reads every row of the file and validates it; any problem anywhere rejects the whole file,
/// listing every bad line. Also rejects an `external_id` repeated within the file.
pub fn read_rows_with(
    text: &str,
    today: NaiveDate,
    layout: Layout<'_>,
) -> Result<ReadRows, Vec<LineError>> {
    // The csv crate counts a CRLF-terminated record's line one short (it meets the LF only when
    // reading the next record), and Windows exports use CRLF: read them as LF.
    let text = text.replace("\r\n", "\n");
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();

    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(vec![LineError::new(1, "file", csv_problem(&e))]),
        None => return Err(vec![LineError::new(1, "file", "is empty")]),
    };
    let columns = header_layout(&header, layout)?;

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(LineError::new(line, "row", csv_problem(&e)));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != header.len() {
            errors.push(LineError::new(
                line,
                "row",
                format!(
                    "has {} fields but the header has {}",
                    record.len(),
                    header.len()
                ),
            ));
            continue;
        }
        // Every cell is one line of plain text (`domain::text`), whatever its column.
        let refused: Vec<LineError> = record
            .iter()
            .zip(header.iter())
            .filter_map(|(cell, column)| {
                let refused = text::check(cell, Lines::One).err()?;
                Some(LineError::new(line, column, refused.to_string()))
            })
            .collect();
        if !refused.is_empty() {
            errors.extend(refused);
            continue;
        }
        let parsed = match &columns {
            Columns::Own(positions) => {
                let get = |column: &str| positions.get(column).and_then(|&i| record.get(i));
                parse_row(line, get, today)
            }
            Columns::Profile(profile, located) => {
                let cells: Vec<&str> = record.iter().collect();
                portal_row::parse(profile, located, line, &cells, today)
            }
        };
        match parsed {
            Ok(row) => match seen.get(&row.external_id) {
                Some(first) => errors.push(LineError::new(
                    line,
                    columns.name("external_id"),
                    format!("repeats the external_id of line {first}"),
                )),
                None => {
                    seen.insert(row.external_id.clone(), line);
                    rows.push(row);
                }
            },
            Err(field_errors) => errors.extend(
                field_errors
                    .into_iter()
                    .map(|e| LineError::new(line, &e.field, e.message)),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(vec![LineError::new(1, "file", "has no donation rows")]);
    }
    let by_profile = matches!(columns, Columns::Profile(..));
    Ok(ReadRows { rows, by_profile })
}

/// Whether a header has every required column of the project's own format.
fn is_own_format(header: &::csv::StringRecord) -> bool {
    let names: Vec<String> = header
        .iter()
        .map(|n| n.trim_start_matches('\u{FEFF}').to_ascii_lowercase())
        .collect();
    REQUIRED_COLUMNS
        .iter()
        .all(|required| names.iter().any(|n| n == required))
}

/// Finds the layout's columns in the header row; reports missing and repeated ones (line 1).
fn header_layout<'p>(
    header: &::csv::StringRecord,
    layout: Layout<'p>,
) -> Result<Columns<'p>, Vec<LineError>> {
    let profile = match layout {
        Layout::Own => None,
        Layout::ChannelProfile(_) if is_own_format(header) => None,
        Layout::ChannelProfile(p) | Layout::ChosenProfile(p) => Some(p),
    };
    let Some(profile) = profile else {
        return header_columns(header).map(Columns::Own);
    };
    let names: Vec<&str> = header.iter().collect();
    portal_row::locate(profile, &names)
        .map(|located| Columns::Profile(profile, located))
        .map_err(|errors| {
            errors
                .into_iter()
                .map(|e| LineError::new(1, &e.field, e.message))
                .collect()
        })
}

/// Maps known column names (case-insensitive) to their positions; reports missing and repeated ones.
fn header_columns(
    header: &::csv::StringRecord,
) -> Result<HashMap<&'static str, usize>, Vec<LineError>> {
    let mut columns = HashMap::new();
    let mut errors = Vec::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim_start_matches('\u{FEFF}').to_ascii_lowercase();
        if let Some(&known) = COLUMNS.iter().find(|&&c| c == name) {
            if columns.insert(known, i).is_some() {
                errors.push(LineError::new(1, known, "appears twice in the header"));
            }
        }
    }
    for required in REQUIRED_COLUMNS {
        if !columns.contains_key(required) {
            errors.push(LineError::new(
                1,
                required,
                "column is missing from the header",
            ));
        }
    }
    if errors.is_empty() {
        Ok(columns)
    } else {
        Err(errors)
    }
}

/// A CSV syntax problem in words, without echoing the data.
fn csv_problem(e: &::csv::Error) -> String {
    match e.kind() {
        ::csv::ErrorKind::Utf8 { .. } => "is not valid text".to_owned(),
        ::csv::ErrorKind::UnequalLengths { .. } => "has the wrong number of fields".to_owned(),
        _ => "cannot be read as CSV".to_owned(),
    }
}

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
