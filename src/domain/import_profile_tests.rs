//! Unit tests of import profiles (`import_profile.rs`).
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use super::*;

/// A complete definition with Japanese headers, as the shipped examples have.
pub(crate) fn sample() -> ProfileDefinition {
    let columns = [
        ("external_id", "受付番号"),
        ("received_on", "入金日"),
        ("amount", "寄附金額"),
        ("gift_code", "返礼品コード"),
        ("donor_name", "寄附者氏名"),
        ("donor_name_kana", "寄附者氏名（フリガナ）"),
        ("donor_email", "メールアドレス"),
        ("donor_phone", "電話番号"),
        ("donor_postal_code", "郵便番号"),
        ("donor_prefecture", "都道府県"),
        ("donor_city", "市区町村"),
        ("donor_address_line", "番地・建物名"),
        ("one_stop", "ワンストップ特例申請"),
    ];
    ProfileDefinition {
        name: Some("テストポータル".into()),
        columns: columns
            .iter()
            .map(|(f, h)| ((*f).to_owned(), (*h).to_owned()))
            .collect(),
        date_format: "%Y/%m/%d".into(),
        amount_format: "commas".into(),
        one_stop_values: OneStopValues {
            yes: vec!["希望する".into()],
            no: vec!["希望しない".into(), "".into()],
        },
        item_codes: BTreeMap::from([("A-0001".into(), "EXP-003".into())]),
    }
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn a_good_definition_round_trips() {
    let profile = ImportProfile::new("rakuten", sample()).unwrap();
    assert_eq!(profile.columns[&Field::ExternalId], "受付番号");
    assert_eq!(profile.date_format, DateFormat::Slashes);
    assert_eq!(profile.header_of("gift_code"), Some("返礼品コード"));
    assert_eq!(profile.header_of("kind"), None);
    assert_eq!(profile.gift_code_for(" Ａ-0001 "), Some("EXP-003"));
    assert_eq!(profile.gift_code_for("A-0002"), None);
    assert_eq!(profile.definition(), sample());
}

#[test]
fn every_problem_is_named_by_its_path() {
    let mut d = sample();
    d.columns.insert("memo".into(), "備考".into());
    d.columns.insert("donor_city".into(), " ".into());
    d.columns.remove("donor_email");
    d.columns.insert("purpose".into(), "受付番号".into());
    d.date_format = "%d/%m/%Y".into();
    d.amount_format = "decimal".into();
    d.one_stop_values.no.push("希望する".into());
    d.item_codes.insert("B-1".into(), "not a code!".into());
    let errors = ImportProfile::new("Rakuten!", d).unwrap_err();
    assert_eq!(
        fields(&errors),
        [
            "channel",
            "columns.donor_city",
            "columns.memo",
            "columns.purpose",
            "columns.donor_email",
            "columns.donor_city",
            "date_format",
            "amount_format",
            "one_stop_values.no",
            "item_codes.B-1",
        ]
    );
}

#[test]
fn item_codes_need_their_column_and_one_stop_its_yes() {
    let mut d = sample();
    d.columns.remove("gift_code");
    d.one_stop_values.yes.clear();
    let errors = ImportProfile::new("rakuten", d).unwrap_err();
    assert_eq!(fields(&errors), ["one_stop_values.yes", "item_codes"]);

    let mut d = sample();
    d.columns.remove("one_stop");
    d.one_stop_values = OneStopValues::default();
    assert!(ImportProfile::new("rakuten", d).is_ok());
}

#[test]
fn the_stored_json_reads_back() {
    let json = serde_json::to_string(&sample()).unwrap();
    let back: ProfileDefinition = serde_json::from_str(&json).unwrap();
    assert_eq!(back, sample());
    let unknown =
        r#"{"columns": {}, "date_format": "%Y/%m/%d", "amount_format": "plain", "extra": 1}"#;
    assert!(serde_json::from_str::<ProfileDefinition>(unknown).is_err());
}
