//! Donor details: parsing and normalising a donor's name, contact and address, and residency.

use super::FieldError;

/// The 47 prefectures in JIS X 0401 order.
pub const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

const NAME_MAX: usize = 100;
const CITY_MAX: usize = 50;
const ADDRESS_LINE_MAX: usize = 200;
const EMAIL_MAX: usize = 254;
const EMAIL_LOCAL_MAX: usize = 64;

/// Donor details as submitted; every field optional so that a missing one becomes a
/// `FieldError` rather than a deserialisation failure.
#[derive(Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DonorInput {
    pub name: Option<String>,
    pub name_kana: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub postal_code: Option<String>,
    pub prefecture: Option<String>,
    pub city: Option<String>,
    pub address_line: Option<String>,
}

/// Validated, normalised donor details (personal data: admins only, never logged).
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Donor {
    pub name: String,
    /// Full-width katakana (half-width input is converted).
    pub name_kana: String,
    /// Domain part lowercased.
    pub email: String,
    /// ASCII digits, with the donor's hyphens (as ASCII `-`) kept.
    pub phone: String,
    /// `NNN-NNNN`.
    pub postal_code: String,
    /// One of [`PREFECTURES`].
    pub prefecture: String,
    pub city: String,
    pub address_line: String,
}

// Personal data: `Debug` never prints it, so a stray `{:?}` cannot leak it into logs.
impl std::fmt::Debug for DonorInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DonorInput { <personal data redacted> }")
    }
}

impl std::fmt::Debug for Donor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Donor { <personal data redacted> }")
    }
}

impl Donor {
    /// Validates every field and reports all problems at once; `prefix` (e.g. "donor") is
    /// prepended to the field names as `"{prefix}.name"`.
    pub fn parse(input: DonorInput, prefix: &str) -> Result<Donor, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut check =
            |field: &str, value: Option<String>, rule: fn(&str) -> Result<String, String>| {
                let path = if prefix.is_empty() {
                    field.to_owned()
                } else {
                    format!("{prefix}.{field}")
                };
                let trimmed = value.as_deref().map(str::trim).unwrap_or("");
                if trimmed.is_empty() {
                    errors.push(FieldError::new(path, "is required"));
                    return String::new();
                }
                rule(trimmed).unwrap_or_else(|message| {
                    errors.push(FieldError::new(path, message));
                    String::new()
                })
            };

        let donor = Donor {
            name: check("name", input.name, |s| max_chars(s, NAME_MAX)),
            name_kana: check("name_kana", input.name_kana, parse_name_kana),
            email: check("email", input.email, parse_email),
            phone: check("phone", input.phone, parse_phone),
            postal_code: check("postal_code", input.postal_code, parse_postal_code),
            prefecture: check("prefecture", input.prefecture, parse_prefecture),
            city: check("city", input.city, |s| max_chars(s, CITY_MAX)),
            address_line: check("address_line", input.address_line, |s| {
                max_chars(s, ADDRESS_LINE_MAX)
            }),
        };
        if errors.is_empty() {
            Ok(donor)
        } else {
            Err(errors)
        }
    }
}

fn max_chars(s: &str, max: usize) -> Result<String, String> {
    if s.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        Ok(s.to_owned())
    }
}

fn parse_name_kana(s: &str) -> Result<String, String> {
    let kana = half_width_katakana_to_full(s);
    let ok = kana
        .chars()
        .all(|c| matches!(c, 'ァ'..='ヶ' | 'ー' | '・' | ' ' | '\u{3000}'));
    if !ok {
        return Err("must be written in katakana, e.g. シナガワ タロウ".to_owned());
    }
    max_chars(&kana, NAME_MAX)
}

fn parse_email(s: &str) -> Result<String, String> {
    const SHAPE: &str = "must be an email address like name@example.jp";
    if s.chars().count() > EMAIL_MAX {
        return Err(format!("must be at most {EMAIL_MAX} characters"));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces".to_owned());
    }
    let mut parts = s.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(SHAPE.to_owned());
    };
    if local.is_empty() || domain.is_empty() {
        return Err(SHAPE.to_owned());
    }
    if local.chars().count() > EMAIL_LOCAL_MAX {
        return Err(format!(
            "the part before @ must be at most {EMAIL_LOCAL_MAX} characters"
        ));
    }
    // A dot and no empty labels: rejects "example", ".jp", "example.", "a..jp".
    if !domain.contains('.') || domain.split('.').any(str::is_empty) {
        return Err(SHAPE.to_owned());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

fn parse_phone(s: &str) -> Result<String, String> {
    const SHAPE: &str = "must be 10 or 11 digits starting with 0, e.g. 03-3777-1111";
    let ascii: String = s.chars().map(fold_digit_or_hyphen).collect();
    if !ascii.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return Err(SHAPE.to_owned());
    }
    if ascii.starts_with('-') || ascii.ends_with('-') || ascii.contains("--") {
        return Err(SHAPE.to_owned());
    }
    let digits = ascii.chars().filter(char::is_ascii_digit).count();
    if !(10..=11).contains(&digits) || !ascii.starts_with('0') {
        return Err(SHAPE.to_owned());
    }
    Ok(ascii)
}

fn parse_postal_code(s: &str) -> Result<String, String> {
    const SHAPE: &str = "must be a postal code like 140-8715";
    // Donors often paste the postal mark with the code.
    let s = s.strip_prefix('〒').unwrap_or(s).trim_start();
    let ascii: String = s.chars().map(fold_digit_or_hyphen).collect();
    let b = ascii.as_bytes();
    let digits: String = match b.len() {
        7 if b.iter().all(u8::is_ascii_digit) => ascii,
        8 if b[3] == b'-' && b[..3].iter().chain(&b[4..]).all(u8::is_ascii_digit) => {
            ascii.replace('-', "")
        }
        _ => return Err(SHAPE.to_owned()),
    };
    Ok(format!("{}-{}", &digits[..3], &digits[3..]))
}

fn parse_prefecture(s: &str) -> Result<String, String> {
    if PREFECTURES.contains(&s) {
        Ok(s.to_owned())
    } else {
        Err("must be one of the 47 prefectures, e.g. 東京都".to_owned())
    }
}

/// Full-width digits and the dash look-alikes Japanese IMEs produce, folded to ASCII.
fn fold_digit_or_hyphen(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '－' | '‐' | '‑' | '–' | '—' | '−' | 'ー' | '―' | 'ｰ' => '-',
        _ => c,
    }
}

/// Converts half-width katakana (U+FF65..U+FF9F) to full-width, composing the separate
/// voiced marks ﾞ/ﾟ with the preceding letter (ｶﾞ → ガ, ﾊﾟ → パ, ｳﾞ → ヴ).
pub(crate) fn half_width_katakana_to_full(s: &str) -> String {
    // Full-width equivalents of U+FF66 (ｦ) .. U+FF9D (ﾝ), in code-point order.
    const TABLE: &str = "ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";
    const VOICEABLE: &str = "カキクケコサシスセソタチツテトハヒフヘホ";
    const SEMI_VOICEABLE: &str = "ハヒフヘホ";

    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{FF65}' => out.push('・'),
            '\u{FF66}'..='\u{FF9D}' => {
                let index = c as usize - 0xFF66;
                out.push(TABLE.chars().nth(index).unwrap_or(c));
            }
            'ﾞ' | 'ﾟ' => {
                let composed = out.chars().last().and_then(|prev| match (c, prev) {
                    ('ﾞ', 'ウ') => Some('ヴ'),
                    ('ﾞ', p) if VOICEABLE.contains(p) => char::from_u32(p as u32 + 1),
                    ('ﾟ', p) if SEMI_VOICEABLE.contains(p) => char::from_u32(p as u32 + 2),
                    _ => None,
                });
                match composed {
                    Some(v) => {
                        out.pop();
                        out.push(v);
                    }
                    // A stray mark: keep the full-width mark so validation rejects it.
                    None => out.push(if c == 'ﾞ' { '゛' } else { '゜' }),
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether an address (prefecture + city) lies in the home municipality, i.e. the donor is a
/// resident who may not receive a return gift.
///
/// Whitespace (including U+3000) is ignored and ヶ/ケ are treated alike. The city matches when it
/// equals the home city or starts with it (a donor may write "品川区東品川" into the city field),
/// also after a leading home-prefecture name ("東京都品川区") or a county ("西多摩郡瑞穂町").
/// An empty home prefecture or city matches nothing.
pub fn same_municipality(
    prefecture: &str,
    city: &str,
    home_prefecture: &str,
    home_city: &str,
) -> bool {
    let prefecture = normalise_place(prefecture);
    let city = normalise_place(city);
    let home_prefecture = normalise_place(home_prefecture);
    let home_city = normalise_place(home_city);
    if home_prefecture.is_empty() || home_city.is_empty() || prefecture != home_prefecture {
        return false;
    }
    let city = city.strip_prefix(home_prefecture.as_str()).unwrap_or(&city);
    if city.starts_with(home_city.as_str()) {
        return true;
    }
    // "…郡{home_city}…": a town or village written with its county.
    city.match_indices(home_city.as_str())
        .any(|(i, _)| city[..i].ends_with('郡') && i > '郡'.len_utf8())
}

fn normalise_place(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == 'ヶ' || c == 'ｹ' { 'ケ' } else { c })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn valid_input() -> DonorInput {
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
        for bad in [
            "しながわ たろう",
            "品川",
            "Shinagawa",
            "シナガワ1",
            "シナガワ゛",
        ] {
            assert!(parse_name_kana(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn half_width_kana_becomes_full_width() {
        assert_eq!(parse_name_kana("ｼﾅｶﾞﾜ ﾀﾛｳ").unwrap(), "シナガワ タロウ");
        assert_eq!(parse_name_kana("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ").unwrap(), "パピプペポ");
        assert_eq!(
            parse_name_kana("ｳﾞｨｰﾅｽ･ｶﾞｰﾃﾞﾝ").unwrap(),
            "ヴィーナス・ガーデン"
        );
        assert_eq!(parse_name_kana("ｦｧｯﾝ").unwrap(), "ヲァッン");
        assert!(parse_name_kana("ﾞｱ").is_err());
        assert!(parse_name_kana("ｱﾟ").is_err());
    }

    #[test]
    fn email_rules() {
        assert_eq!(parse_email("a@b.jp").unwrap(), "a@b.jp");
        assert_eq!(
            parse_email("Mixed.Case@MAIL.Example.COM").unwrap(),
            "Mixed.Case@mail.example.com"
        );
        for bad in [
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
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
        assert!(parse_email(&format!("{}@example.jp", "a".repeat(64))).is_ok());
        assert!(parse_email(&format!("{}@example.jp", "a".repeat(65))).is_err());
        let long_domain = format!("{}.jp", "d".repeat(250));
        assert!(parse_email(&format!("a@{long_domain}")).is_err());
    }

    #[test]
    fn phone_rules() {
        assert_eq!(parse_phone("03-3777-1111").unwrap(), "03-3777-1111");
        assert_eq!(parse_phone("0337771111").unwrap(), "0337771111");
        assert_eq!(parse_phone("090-1234-5678").unwrap(), "090-1234-5678");
        assert_eq!(
            parse_phone("０９０－１２３４－５６７８").unwrap(),
            "090-1234-5678"
        );
        for bad in [
            "3777-1111",
            "1337771111",
            "03-3777-111",
            "090-1234-56789",
            "-0337771111",
            "03--3777-1111",
            "03 3777 1111",
            "+81-3-3777-1111",
        ] {
            assert!(parse_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn postal_code_rules() {
        assert_eq!(parse_postal_code("140-8715").unwrap(), "140-8715");
        assert_eq!(parse_postal_code("1408715").unwrap(), "140-8715");
        assert_eq!(parse_postal_code("１４０－８７１５").unwrap(), "140-8715");
        assert_eq!(parse_postal_code("〒140-8715").unwrap(), "140-8715");
        for bad in [
            "14-08715", "140-871", "14087150", "140 8715", "abc-defg", "1408-715",
        ] {
            assert!(parse_postal_code(bad).is_err(), "{bad}");
        }
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
}
