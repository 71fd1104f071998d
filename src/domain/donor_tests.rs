//! Unit tests of the donor rules (`donor.rs`).

use super::*;

/// A donor as a form sends them, valid (the other rules' tests start from it too).
pub(in crate::domain) fn valid_input() -> DonorInput {
    DonorInput {
        name: Some("品川 太郎".to_owned()),
        name_kana: Some("シナガワ タロウ".to_owned()),
        email: Some("Taro.Shinagawa@Example.JP".to_owned()),
        phone: Some("03-3777-1111".to_owned()),
        postal_code: Some("140-8715".to_owned()),
        prefecture: Some("東京都".to_owned()),
        city: Some("品川区".to_owned()),
        address_line: Some("広町2-1-36".to_owned()),
    }
}

fn errors_of(input: DonorInput) -> Vec<FieldError> {
    Donor::parse(input, "donor").unwrap_err()
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

/// A field rule, as `RequiredFields` applies it.
type Rule = fn(&str) -> Result<String, String>;

/// `rule` turns each input into the normal form beside it.
fn normalises(rule: Rule, cases: &[(&str, &str)]) {
    for (input, normal) in cases {
        assert_eq!(rule(input).as_deref(), Ok(*normal), "{input}");
    }
}

/// `rule` refuses every input.
fn refuses(rule: Rule, inputs: &[&str]) {
    for input in inputs {
        assert!(rule(input).is_err(), "{input}");
    }
}

#[test]
fn prefectures_are_complete_and_ordered() {
    assert_eq!(PREFECTURES[0], "北海道");
    assert_eq!(PREFECTURES[12], "東京都");
    assert_eq!(PREFECTURES[26], "大阪府");
    assert_eq!(PREFECTURES[46], "沖縄県");
    let mut unique = PREFECTURES.to_vec();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 47);
}

#[test]
fn valid_donor_is_normalised() {
    let donor = Donor::parse(valid_input(), "donor").unwrap();
    assert_eq!(donor.name, "品川 太郎");
    assert_eq!(donor.email, "Taro.Shinagawa@example.jp");
    assert_eq!(donor.postal_code, "140-8715");
    assert_eq!(donor.prefecture, "東京都");
}

#[test]
fn values_are_trimmed() {
    let mut input = valid_input();
    input.name = Some("\u{3000} 品川 太郎 ".to_owned());
    input.city = Some(" 品川区\n".to_owned());
    let donor = Donor::parse(input, "donor").unwrap();
    assert_eq!(donor.name, "品川 太郎");
    assert_eq!(donor.city, "品川区");
}

#[test]
fn all_missing_fields_are_reported_together() {
    let errors = errors_of(DonorInput::default());
    assert_eq!(
        fields(&errors),
        [
            "donor.name",
            "donor.name_kana",
            "donor.email",
            "donor.phone",
            "donor.postal_code",
            "donor.prefecture",
            "donor.city",
            "donor.address_line"
        ]
    );
    assert!(errors.iter().all(|e| e.message == "is required"));
}

#[test]
fn blank_counts_as_missing() {
    let mut input = valid_input();
    input.name = Some("  \u{3000}".to_owned());
    let errors = errors_of(input);
    assert_eq!(errors, [FieldError::new("donor.name", "is required")]);
}

#[test]
fn missing_fields_deserialise_to_none() {
    let input: DonorInput = serde_json::from_str(r#"{"name":"品川 太郎"}"#).unwrap();
    assert_eq!(input.name.as_deref(), Some("品川 太郎"));
    assert!(input.email.is_none());
    assert_eq!(errors_of(input).len(), 7);
}

#[test]
fn empty_prefix_gives_bare_field_names() {
    let errors = Donor::parse(DonorInput::default(), "").unwrap_err();
    assert_eq!(errors[0].field, "name");
}

#[test]
fn length_limits_count_characters() {
    let mut input = valid_input();
    input.name = Some("あ".repeat(100));
    input.city = Some("区".repeat(50));
    input.address_line = Some("丁".repeat(200));
    assert!(Donor::parse(input, "donor").is_ok());

    let mut input = valid_input();
    input.name = Some("あ".repeat(101));
    input.city = Some("区".repeat(51));
    input.address_line = Some("丁".repeat(201));
    let errors = errors_of(input);
    assert_eq!(
        fields(&errors),
        ["donor.name", "donor.city", "donor.address_line"]
    );
    assert_eq!(errors[0].message, "must be at most 100 characters");
}

#[test]
fn name_kana_accepts_katakana_only() {
    for ok in [
        "シナガワ タロウ",
        "シナガワ\u{3000}タロウ",
        "ヴァン・デル・ヴェーク",
        "ケ",
    ] {
        assert!(parse_name_kana(ok).is_ok(), "{ok}");
    }
    refuses(
        parse_name_kana,
        &[
            "しながわ たろう",
            "品川",
            "Shinagawa",
            "シナガワ1",
            "シナガワ゛",
        ],
    );
}

#[test]
fn half_width_kana_becomes_full_width() {
    normalises(
        parse_name_kana,
        &[
            ("ｼﾅｶﾞﾜ ﾀﾛｳ", "シナガワ タロウ"),
            ("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "パピプペポ"),
            ("ｳﾞｨｰﾅｽ･ｶﾞｰﾃﾞﾝ", "ヴィーナス・ガーデン"),
            ("ｦｧｯﾝ", "ヲァッン"),
        ],
    );
    refuses(parse_name_kana, &["ﾞｱ", "ｱﾟ"]);
}

#[test]
fn email_rules() {
    normalises(
        parse_email,
        &[
            ("a@b.jp", "a@b.jp"),
            ("Mixed.Case@MAIL.Example.COM", "Mixed.Case@mail.example.com"),
        ],
    );
    refuses(
        parse_email,
        &[
            "plainaddress",
            "@example.jp",
            "name@",
            "a@b@example.jp",
            "name@localhost",
            "name@.jp",
            "name@example.",
            "name@example..jp",
            "na me@example.jp",
            "name@exam\u{3000}ple.jp",
        ],
    );
    assert!(parse_email(&format!("{}@example.jp", "a".repeat(64))).is_ok());
    assert!(parse_email(&format!("{}@example.jp", "a".repeat(65))).is_err());
    let long_domain = format!("{}.jp", "d".repeat(250));
    assert!(parse_email(&format!("a@{long_domain}")).is_err());
}

#[test]
fn phone_rules() {
    normalises(
        parse_phone,
        &[
            ("03-3777-1111", "03-3777-1111"),
            ("0337771111", "0337771111"),
            ("090-1234-5678", "090-1234-5678"),
            ("０９０－１２３４－５６７８", "090-1234-5678"),
        ],
    );
    refuses(
        parse_phone,
        &[
            "3777-1111",
            "1337771111",
            "03-3777-111",
            "090-1234-56789",
            "-0337771111",
            "03--3777-1111",
            "03 3777 1111",
            "+81-3-3777-1111",
        ],
    );
}

#[test]
fn postal_code_rules() {
    normalises(
        parse_postal_code,
        &[
            ("140-8715", "140-8715"),
            ("1408715", "140-8715"),
            ("１４０－８７１５", "140-8715"),
            ("〒140-8715", "140-8715"),
        ],
    );
    refuses(
        parse_postal_code,
        &[
            "14-08715", "140-871", "14087150", "140 8715", "abc-defg", "1408-715",
        ],
    );
}

#[test]
fn prefecture_must_be_one_of_47() {
    assert!(parse_prefecture("東京都").is_ok());
    assert!(parse_prefecture("北海道").is_ok());
    let err = parse_prefecture("東京").unwrap_err();
    assert_eq!(err, "must be one of the 47 prefectures, e.g. 東京都");
    assert!(parse_prefecture("Tokyo").is_err());
}

#[test]
fn field_errors_carry_specific_messages() {
    let mut input = valid_input();
    input.postal_code = Some("12345".to_owned());
    input.prefecture = Some("東京".to_owned());
    let errors = errors_of(input);
    assert_eq!(fields(&errors), ["donor.postal_code", "donor.prefecture"]);
    assert_eq!(errors[0].message, "must be a postal code like 140-8715");
}

#[test]
fn resident_detection_variations() {
    let home = |p: &str, c: &str| same_municipality(p, c, "東京都", "品川区");
    assert!(home("東京都", "品川区"));
    assert!(home(" 東京都 ", "品川区\u{3000}"));
    assert!(home("東京都", "品 川 区"));
    assert!(home("東京都", "品川区東品川"));
    assert!(home("東京都", "品川区 東五反田3丁目"));
    assert!(home("東京都", "東京都品川区"));
    assert!(home("東京都", "東京都 品川区大井"));
}

#[test]
fn non_residents_are_not_matched() {
    let home = |p: &str, c: &str| same_municipality(p, c, "東京都", "品川区");
    assert!(!home("大阪府", "大阪市北区"));
    assert!(!home("東京都", "大田区"));
    assert!(!home("東京都", "港区"));
    assert!(!home("神奈川県", "品川区"));
    assert!(!home("東京都", "北品川区"));
    assert!(!home("東京都", "品川"));
    assert!(!home("東京都", ""));
}

#[test]
fn designated_city_wards_and_counties() {
    assert!(same_municipality(
        "神奈川県",
        "横浜市港北区",
        "神奈川県",
        "横浜市"
    ));
    assert!(same_municipality(
        "東京都",
        "西多摩郡瑞穂町",
        "東京都",
        "瑞穂町"
    ));
    assert!(same_municipality(
        "東京都",
        "西多摩郡 瑞穂町箱根ケ崎",
        "東京都",
        "瑞穂町"
    ));
    assert!(same_municipality(
        "千葉県",
        "鎌ヶ谷市",
        "千葉県",
        "鎌ケ谷市"
    ));
    // "郡山市" starts with 郡 but names no county.
    assert!(!same_municipality("福島県", "郡山市", "福島県", "山市"));
}

#[test]
fn empty_home_matches_nothing() {
    assert!(!same_municipality("東京都", "品川区", "東京都", ""));
    assert!(!same_municipality("", "品川区", "", "品川区"));
}
