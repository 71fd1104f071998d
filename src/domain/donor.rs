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

/// The donor's details, as on the receipt (寄附金受領証明書). Every field is required; all
/// problems are reported together.
// Each field is an Option so that a missing one becomes a `FieldError` beside the others
// rather than a deserialisation failure.
#[derive(Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct DonorInput {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// Katakana (half-width is converted).
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100)]
    pub name_kana: Option<String>,
    #[schema(value_type = String, required = true, format = Email, max_length = 254)]
    pub email: Option<String>,
    #[schema(value_type = String, required = true, example = "03-5742-6660")]
    pub phone: Option<String>,
    /// `NNN-NNNN` (full-width digits are accepted).
    #[schema(value_type = String, required = true, example = "140-8715")]
    pub postal_code: Option<String>,
    /// One of the 47 prefectures, e.g. `東京都`.
    #[schema(value_type = String, required = true)]
    pub prefecture: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 50)]
    pub city: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200)]
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

/// `Debug` for types that hold personal data: it prints the type's name only, so a stray `{:?}`
/// cannot leak the data into logs.
macro_rules! redacted_debug {
    ($($name:ident),+) => {
        $(impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), " { <personal data redacted> }"))
            }
        })+
    };
}
pub(crate) use redacted_debug;

redacted_debug!(DonorInput, Donor);

impl Donor {
    /// Validates every field and reports all problems at once; `prefix` (e.g. "donor") is
    /// prepended to the field names as `"{prefix}.name"`.
    pub fn parse(input: DonorInput, prefix: &str) -> Result<Donor, Vec<FieldError>> {
        let mut f = RequiredFields::new(prefix);
        let donor = Donor {
            name: f.check_as_written("name", input.name, parse_name),
            name_kana: f.check("name_kana", input.name_kana, parse_name_kana),
            email: f.check("email", input.email, parse_email),
            phone: f.check("phone", input.phone, parse_phone),
            postal_code: f.check("postal_code", input.postal_code, parse_postal_code),
            prefecture: f.check("prefecture", input.prefecture, parse_prefecture),
            city: f.check("city", input.city, parse_city),
            address_line: f.check("address_line", input.address_line, parse_address_line),
        };
        f.finish(donor)
    }
}

/// Required text fields checked one by one, every problem kept, under a dotted `prefix`.
pub(super) struct RequiredFields<'a> {
    prefix: &'a str,
    errors: Vec<FieldError>,
}

impl<'a> RequiredFields<'a> {
    pub(super) fn new(prefix: &'a str) -> Self {
        RequiredFields {
            prefix,
            errors: Vec::new(),
        }
    }

    /// The value in NFKC, trimmed, after `rule`; empty (with the problem noted) when missing or
    /// refused. NFKC makes full-width digits, letters and hyphens ASCII and half-width katakana
    /// full-width, so `１丁目２－３` and `1丁目2-3` are one address (docs/domain.md, "Text").
    pub(super) fn check(
        &mut self,
        field: &str,
        value: Option<String>,
        rule: fn(&str) -> Result<String, String>,
    ) -> String {
        let value = value.map(|v| super::text::nfkc(&v));
        self.check_as_written(field, value, rule)
    }

    /// The value trimmed but otherwise as written, after `rule`: for a person's name, which NFKC
    /// could change (a compatibility ideograph in a name becomes another code point).
    pub(super) fn check_as_written(
        &mut self,
        field: &str,
        value: Option<String>,
        rule: fn(&str) -> Result<String, String>,
    ) -> String {
        let path = if self.prefix.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.prefix)
        };
        let trimmed = value.as_deref().map(str::trim).unwrap_or("");
        if trimmed.is_empty() {
            self.errors.push(FieldError::new(path, "is required"));
            return String::new();
        }
        rule(trimmed).unwrap_or_else(|message| {
            self.errors.push(FieldError::new(path, message));
            String::new()
        })
    }

    /// `value` when every field passed.
    pub(super) fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        FieldError::all_or(self.errors, value)
    }
}

fn max_chars(s: &str, max: usize) -> Result<String, String> {
    if s.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        Ok(s.to_owned())
    }
}

// The rules of a person's details, shared by donors, gift recipients and one-stop applicants.

/// A person's name; checked as written (`RequiredFields::check_as_written`).
pub(super) fn parse_name(s: &str) -> Result<String, String> {
    max_chars(s, NAME_MAX)
}

pub(super) fn parse_city(s: &str) -> Result<String, String> {
    max_chars(s, CITY_MAX)
}

pub(super) fn parse_address_line(s: &str) -> Result<String, String> {
    max_chars(s, ADDRESS_LINE_MAX)
}

pub(super) fn parse_name_kana(s: &str) -> Result<String, String> {
    let kana = half_width_katakana_to_full(s);
    let ok = kana
        .chars()
        .all(|c| matches!(c, 'ァ'..='ヶ' | 'ー' | '・' | ' ' | '\u{3000}'));
    if !ok {
        return Err("must be written in katakana, e.g. シナガワ タロウ".to_owned());
    }
    max_chars(&kana, NAME_MAX)
}

/// An email address as we keep it (domain lower-cased), or why it is not one.
pub fn parse_email(s: &str) -> Result<String, String> {
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

pub(super) fn parse_phone(s: &str) -> Result<String, String> {
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

pub(super) fn parse_postal_code(s: &str) -> Result<String, String> {
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

pub(super) fn parse_prefecture(s: &str) -> Result<String, String> {
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
#[path = "donor_tests.rs"]
pub(super) mod tests;
