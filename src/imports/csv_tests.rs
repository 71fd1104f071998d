//! Unit tests of the portal CSV reader (`csv.rs`).
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

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
fn a_control_character_in_a_cell_names_its_line_and_column() {
    let text = format!(
        "{HEADER}\n{}\n{}\n",
        line("A1", "5000").replace("大阪 花子", "大阪\u{0}花子"),
        line("A2", "5000").replace("梅田", "\u{202E}梅田"),
    );
    let errors = read_rows(&text, today()).unwrap_err();
    assert_eq!(
        errors,
        [
            LineError::new(2, "donor_name", "contains a control character (U+0000)"),
            LineError::new(
                3,
                "donor_address_line",
                "contains a bidirectional text control (U+202E)"
            ),
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
    // A name is one line: the quoted line break is refused on the line it starts, and the
    // record it spans still counts both lines.
    assert_eq!(errors.len(), 2);
    assert_eq!(
        (errors[0].line, errors[0].field.as_str()),
        (3, "donor_name")
    );
    assert_eq!((errors[1].line, errors[1].field.as_str()), (5, "amount"));
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
fn a_profile_reads_the_portals_headers_and_the_own_format_still_reads() {
    use crate::domain::import_profile::tests::sample;
    let profile = ImportProfile::new("rakuten", sample()).unwrap();
    let portal = "番地・建物名,受付番号,入金日,寄附金額,返礼品コード,寄附者氏名,寄附者氏名（フリガナ）,メールアドレス,電話番号,郵便番号,都道府県,市区町村,ワンストップ特例申請\n\
        梅田1-1-1,P-1,2025/07/14,\"34,000\",A-0001,大阪 花子,オオサカ ハナコ,h@example.jp,06-1234-5678,530-0001,大阪府,大阪市北区,希望する\n\
        梅田1-1-1,P-2,2025/07/14,5000,Z-9,大阪 花子,オオサカ ハナコ,h@example.jp,06-1234-5678,530-0001,大阪府,大阪市北区,\n";
    let errors = read_rows_with(portal, today(), Layout::ChannelProfile(&profile)).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].line, errors[0].field.as_str()),
        (3, "返礼品コード")
    );
    let first_only: String = portal.lines().take(2).map(|l| format!("{l}\n")).collect();
    let read = read_rows_with(&first_only, today(), Layout::ChannelProfile(&profile)).unwrap();
    assert!(read.by_profile);
    assert_eq!(read.rows[0].gift_code.as_deref(), Some("EXP-003"));

    // A file in the own format is read as such under the channel's profile, not a chosen one.
    let own = format!("{HEADER}\n{}\n", line("A1", "5000"));
    let read = read_rows_with(&own, today(), Layout::ChannelProfile(&profile)).unwrap();
    assert!(!read.by_profile);
    let errors = read_rows_with(&own, today(), Layout::ChosenProfile(&profile)).unwrap_err();
    assert!(errors.iter().all(|e| e.line == 1));
    assert!(errors.iter().any(|e| e.field == "受付番号"));
    // The portal's file without a profile: its columns are unknown.
    let errors = read_rows(portal, today()).unwrap_err();
    assert!(errors.iter().all(|e| e.line == 1));
}

#[test]
fn unknown_columns_are_ignored_and_names_are_case_insensitive() {
    let text = format!("Memo,{}\nx,{}\n", HEADER.to_uppercase(), line("C1", "5000"));
    let rows = read_rows(&text, today()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].external_id, "C1");
}
