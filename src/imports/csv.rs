//! Portal CSV files: encoding detection (UTF-8 with or without BOM, else Shift_JIS/CP932) and rows.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::portal_import::{parse_row, ImportRow, COLUMNS, REQUIRED_COLUMNS};

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

/// Reads every row of the file and validates it; any problem anywhere rejects the whole file,
/// listing every bad line. Also rejects an `external_id` repeated within the file.
pub fn read_rows(text: &str, today: NaiveDate) -> Result<Vec<ImportRow>, Vec<LineError>> {
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
    let columns = header_columns(&header)?;

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
        let get = |column: &str| columns.get(column).and_then(|&i| record.get(i));
        match parse_row(line, get, today) {
            Ok(row) => match seen.get(&row.external_id) {
                Some(first) => errors.push(LineError::new(
                    line,
                    "external_id",
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
    Ok(rows)
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
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    const HEADER: &str = "external_id,received_on,amount,kind,gift_code,organization,purpose,donor_name,donor_name_kana,donor_email,donor_phone,donor_postal_code,donor_prefecture,donor_city,donor_address_line,one_stop";

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
    }

    fn line(id: &str, amount: &str) -> String {
        format!("{id},2025-07-14,{amount},general,,,,大阪 花子,オオサカ ハナコ,h@example.jp,06-1234-5678,530-0001,大阪府,大阪市北区,梅田1-1-1,false")
    }

    #[test]
    fn utf8_with_and_without_bom_and_shift_jis() {
        let text = format!("{HEADER}\n{}\n", line("A1", "5000"));
        let (decoded, enc) = decode(text.as_bytes()).unwrap();
        assert_eq!(enc, SourceEncoding::Utf8);
        assert_eq!(decoded, text);

        let mut with_bom = UTF8_BOM.to_vec();
        with_bom.extend_from_slice(text.as_bytes());
        let (decoded, enc) = decode(&with_bom).unwrap();
        assert_eq!(enc, SourceEncoding::Utf8);
        assert_eq!(decoded, text);

        let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!unmappable);
        let (decoded, enc) = decode(&sjis).unwrap();
        assert_eq!(enc, SourceEncoding::ShiftJis);
        assert_eq!(decoded, text);
        let rows = read_rows(&decoded, today()).unwrap();
        assert_eq!(rows[0].donor.name, "大阪 花子");
    }

    #[test]
    fn undecodable_bytes_are_refused() {
        // 0x82 0x20 is not a Shift_JIS character and not UTF-8.
        let err = decode(b"external_id\n\x82\x20\n").unwrap_err();
        assert_eq!(err.field, "file");
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let text = format!(
            "{HEADER}\n{}\n{}\n{}\n{}\n",
            line("A1", "5000"),
            line("A2", "abc"),
            line("A3", "7000"),
            line("A1", "8000")
        );
        let errors = read_rows(&text, today()).unwrap_err();
        assert_eq!(
            errors,
            [
                LineError::new(3, "amount", "must be a whole number of yen, e.g. 34000"),
                LineError::new(5, "external_id", "repeats the external_id of line 2"),
            ]
        );
    }

    #[test]
    fn crlf_files_report_the_same_lines() {
        let text = format!(
            "{HEADER}\r\n{}\r\n{}\r\n",
            line("A1", "5000"),
            line("A2", "x")
        );
        let errors = read_rows(&text, today()).unwrap_err();
        assert_eq!(errors[0].line, 3);
    }

    #[test]
    fn quoted_newlines_keep_line_numbers_true() {
        let text = format!(
            "{HEADER}\n{}\n\"B2\",2025-07-14,5000,general,,,,\"大阪\n花子\",オオサカ ハナコ,h@example.jp,06-1234-5678,530-0001,大阪府,大阪市北区,梅田1-1-1,false\n{}\n",
            line("B1", "5000"),
            line("B3", "0")
        );
        let errors = read_rows(&text, today()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 5);
        assert_eq!(errors[0].field, "amount");
    }

    #[test]
    fn header_problems_and_ragged_rows() {
        let errors = read_rows("external_id,amount\nA,1\n", today()).unwrap_err();
        assert!(errors.iter().all(|e| e.line == 1));
        assert!(errors.iter().any(|e| e.field == "received_on"));

        let text = format!("{HEADER}\nA1,2025-07-14\n\n");
        let errors = read_rows(&text, today()).unwrap_err();
        assert_eq!(errors[0].line, 2);
        assert_eq!(errors[0].field, "row");

        let errors = read_rows(&format!("{HEADER}\n"), today()).unwrap_err();
        assert_eq!(errors[0].message, "has no donation rows");
        assert!(read_rows("", today()).is_err());
    }

    #[test]
    fn unknown_columns_are_ignored_and_names_are_case_insensitive() {
        let text = format!("Memo,{}\nx,{}\n", HEADER.to_uppercase(), line("C1", "5000"));
        let rows = read_rows(&text, today()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].external_id, "C1");
    }
}
