//! Donor matching (名寄せ): one person who gives through several portals and the ward's own site
//! is shown to staff once. Portals write the same facts differently (half-width kana, `1丁目2番3号`
//! or `1-2-3`, kanji or Arabic numerals, `+81` phones), so each fact is compared through a key
//! that forgets those differences and keeps what tells two people apart.
//!
//! The rule ([`same_person`]): two donor records are one person when
//! 1. their name readings are equal after [`kana_key`], and not empty; and
//! 2. their birth dates are equal whenever both are known: a different known birth date means
//!    two people, a missing one decides nothing; and
//! 3. either
//!    - their postal codes (digits only, after NFKC) are equal and their addresses are equal after
//!      [`address_key_without_building`] (both not empty), or
//!    - their phone numbers are equal after [`phone_key`] (both known).
//!
//! A reading alone is shared by strangers, and an address or a phone by a family, so neither is
//! enough alone. The building and room are left out of the address because one portal often
//! omits them; the postal code keeps that from joining two towns' `1-2-3`.
//!
//! [`match_key`] and [`phone_match_key`] are the two branches of rule 3 as text for an indexed
//! equality lookup: every record that [`same_person`] would match shares one of them. Candidates
//! found that way still go through [`same_person`], which also checks birth dates and refuses
//! empty readings, postal codes and addresses.

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

/// What a donor record says about who the donor is, as the portal sent it.
// No `Debug`: personal data must not reach logs through a stray `{:?}`.
#[derive(Clone, Copy)]
pub struct IdentityFacts<'a> {
    pub name_kana: &'a str,
    pub birth_date: Option<NaiveDate>,
    pub postal_code: &'a str,
    pub prefecture: &'a str,
    pub city: &'a str,
    pub address_line: &'a str,
    pub phone: Option<&'a str>,
}

/// Whether two records are one donor, by the rule in the module documentation.
pub fn same_person(a: &IdentityFacts, b: &IdentityFacts) -> bool {
    let reading = kana_key(a.name_kana);
    if reading.is_empty() || reading != kana_key(b.name_kana) {
        return false;
    }
    if let (Some(x), Some(y)) = (a.birth_date, b.birth_date) {
        if x != y {
            return false;
        }
    }
    same_home(a, b) || same_phone(a, b)
}

fn same_home(a: &IdentityFacts, b: &IdentityFacts) -> bool {
    let postal = postal_digits(a.postal_code);
    let address = address_key_without_building(a.prefecture, a.city, a.address_line);
    !postal.is_empty()
        && !address.is_empty()
        && postal == postal_digits(b.postal_code)
        && address == address_key_without_building(b.prefecture, b.city, b.address_line)
}

fn same_phone(a: &IdentityFacts, b: &IdentityFacts) -> bool {
    let phone = a.phone.and_then(phone_key);
    phone.is_some() && phone == b.phone.and_then(phone_key)
}

/// The address branch as one indexable text: `reading|postal digits|address without building`.
pub fn match_key(facts: &IdentityFacts) -> String {
    format!(
        "{}|{}|{}",
        kana_key(facts.name_kana),
        postal_digits(facts.postal_code),
        address_key_without_building(facts.prefecture, facts.city, facts.address_line)
    )
}

/// The phone branch as one indexable text: `reading|phone`; `None` without a usable phone.
pub fn phone_match_key(facts: &IdentityFacts) -> Option<String> {
    let phone = facts.phone.and_then(phone_key)?;
    Some(format!("{}|{phone}", kana_key(facts.name_kana)))
}

fn postal_digits(postal_code: &str) -> String {
    postal_code.nfkc().filter(char::is_ascii_digit).collect()
}

/// A name reading as compared across portals, which differ in width, script, spacing, small
/// kana and the dash they type for ー: `シナガワ タロウ`, `しながわ　たろう` and `ｼﾅｶﾞﾜﾀﾛｳ` all
/// give `シナガワタロウ`. Small kana become large (`キョウコ` → `キヨウコ`) because some portals
/// only take large ones; ヴ is kept.
pub fn kana_key(name_kana: &str) -> String {
    const SMALL: &str = "ァィゥェォッャュョヮヵヶ";
    const LARGE: &str = "アイウエオツヤユヨワカケ";
    name_kana
        .nfkc()
        .filter(|&c| !c.is_whitespace() && !matches!(c, '・' | '･' | '·'))
        .map(super::search::hiragana_to_katakana)
        .map(|c| match c {
            // NFKC has already made ｰ ー and － ASCII '-'.
            '-' | '‐' | '‑' | '–' | '—' | '―' | '−' | '─' => 'ー',
            _ => c,
        })
        .map(|c| match SMALL.chars().position(|small| small == c) {
            Some(i) => LARGE.chars().nth(i).unwrap_or(c),
            None => c,
        })
        .collect()
}

/// A phone number as digits in the domestic form (`+81 3-3777-1111` and `0081-3-3777-1111` →
/// `0337771111`); `None` when fewer than 10 digits remain, too few to tell a person.
pub fn phone_key(phone: &str) -> Option<String> {
    let text: String = phone.nfkc().collect();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let national = if text.trim_start().starts_with('+') {
        digits.strip_prefix("81")
    } else {
        digits.strip_prefix("0081")
    };
    let key = match national {
        // `+81 (0)3-…`: the trunk 0 was written too.
        Some(rest) if rest.starts_with('0') => rest.to_owned(),
        Some(rest) => format!("0{rest}"),
        None => digits,
    };
    (key.len() >= 10).then_some(key)
}

/// An address as compared across portals: prefecture, city and line joined, in NFKC, without
/// spaces, a stray `〒140-0001` or a repeated prefecture or city, with block numbers written
/// `1-2-3` whether they came as `1丁目2番3号`, `1丁目2番地3`, `一丁目二番三号` or `１－２－３`.
/// The building and room are kept: `1-2-3 品川マンション101` → `…1-2-3品川マンション101`.
/// Kanji numerals change only where they count (before 丁目, 番地, 番, 号, 条 or beside a
/// hyphen), so 八王子, 四谷, 九段北, 一ツ橋 and 六番町 stay as written.
pub fn address_key(prefecture: &str, city: &str, address_line: &str) -> String {
    render(&address_chars(prefecture, city, address_line))
}

/// [`address_key`] up to the end of the block number (`…1-2-3`), for matching a record whose
/// portal left the building and room out. When no block number can be told apart, the whole key.
pub fn address_key_without_building(prefecture: &str, city: &str, address_line: &str) -> String {
    let chars = address_chars(prefecture, city, address_line);
    let end = block_number_end(&chars).unwrap_or(chars.len());
    render(&chars[..end])
}

/// The address with block numbers as digits and separators: '-' joins two numbers, ' ' ends
/// the block number (`3号 101号室`, `1-2-3 101`); [`render`] turns both into text.
fn address_chars(prefecture: &str, city: &str, address_line: &str) -> Vec<char> {
    let prefecture = address_field(prefecture);
    let (city, line) = (address_field(city), address_field(address_line));
    let city = city.strip_prefix(prefecture.as_str()).unwrap_or(&city);
    let line = line.strip_prefix(prefecture.as_str()).unwrap_or(&line);
    let line = line.strip_prefix(city).unwrap_or(line);
    // A '-' at the seams joins a number split across two fields (`…1丁目` | `2-3`) and
    // disappears anywhere else.
    let chars: Vec<char> = format!("{prefecture}-{city}-{line}")
        .chars()
        .map(|c| {
            if is_hyphen(c) {
                '-'
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    collapse_block_markers(&kanji_numerals_to_digits(&respell_between(&chars)))
}

fn address_field(text: &str) -> String {
    let text: String = text.nfkc().collect();
    compact_spaces(strip_postal_mark(text.trim()))
}

fn is_hyphen(c: char) -> bool {
    // After NFKC: '－' is already '-', 'ｰ' is 'ー' (a hyphen only between numbers, see below).
    matches!(c, '-' | '‐' | '‑' | '–' | '—' | '―' | '−')
}

/// A postal code pasted at the start of a field (`〒140-0001`, `〒1400001`, `140-0001 `) removed.
fn strip_postal_mark(text: &str) -> &str {
    let (marked, rest) = match text.strip_prefix('〒') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text),
    };
    let shape: String = rest
        .chars()
        .take(9)
        .map(|c| match c {
            '0'..='9' => '9',
            c if is_hyphen(c) || c == 'ー' => '-',
            c if c.is_whitespace() => ' ',
            _ => 'x',
        })
        .collect();
    let len = match shape.as_str() {
        s if s.starts_with("999-9999") => 8,
        s if marked && s.starts_with("9999999") => 7,
        _ => return rest,
    };
    // Followed by more digits it is no postal code; unmarked, only when a space sets it apart.
    let after = shape[len..].chars().next();
    if after == Some('9') || !(marked || after.is_none_or(|c| c == ' ')) {
        return rest;
    }
    rest.char_indices()
        .nth(len)
        .map_or("", |(i, _)| rest[i..].trim_start())
}

/// Spaces dropped, except one between two numbers (`1-2-3 101`), which separates them.
fn compact_spaces(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_whitespace() {
            out.push(c);
        } else if out.ends_with(is_numeral)
            && chars[i + 1..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(|&n| is_numeral(n))
        {
            out.push(' ');
        }
    }
    out
}

/// ー is a hyphen between numbers (`1ー2`) and a long vowel elsewhere (`マンション`); ヶ, ケ and
/// が between kanji are one word written three ways (霞が関, 霞ヶ関, 霞ケ関).
fn respell_between(chars: &[char]) -> Vec<char> {
    (0..chars.len())
        .map(|i| {
            let before = i.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i + 1).copied();
            let both = |f: fn(char) -> bool| before.is_some_and(f) && after.is_some_and(f);
            match chars[i] {
                'ー' if both(is_numeral) => '-',
                'ヶ' | 'ケ' | 'が' if both(is_ideograph) => 'ケ',
                c => c,
            }
        })
        .collect()
}

/// Runs of kanji numerals that count something as digits (`二十三番地` → `23番地`); the others,
/// part of a place name (八王子, 九段, 一ツ橋, 三田), as written.
fn kanji_numerals_to_digits(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_kanji_numeral(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_kanji_numeral(chars[i]) {
            i += 1;
        }
        let run = &chars[start..i];
        match kanji_number(run) {
            Some(number) if counts_something(chars, start, i) => out.extend(number.chars()),
            _ => out.extend_from_slice(run),
        }
    }
    out
}

/// Whether the numeral run `chars[start..end]` is a number in the address: followed by 丁目,
/// 番地, 番, 号 or 条 (北一条西二丁目) or by a hyphen, or after a hyphen and not followed by
/// more of a word.
fn counts_something(chars: &[char], start: usize, end: usize) -> bool {
    let rest = &chars[end..];
    let next = rest.first().copied();
    if block_marker(rest).is_some() || matches!(next, Some('条' | '-')) {
        return true;
    }
    start > 0 && chars[start - 1] == '-' && next.is_none_or(|c| !is_word_char(c))
}

/// The value of a kanji numeral run up to 999: counted (`二十三`, `百五`, `十`) or digit by digit
/// (`二〇三`); `None` for a run that is neither (`二三百`).
fn kanji_number(run: &[char]) -> Option<String> {
    if !run.contains(&'十') && !run.contains(&'百') {
        return run
            .iter()
            .map(|&c| kanji_digit(c).and_then(|d| char::from_digit(d, 10)))
            .collect();
    }
    // 〇 in a counted number (百〇五) only holds a place.
    let run: Vec<char> = run.iter().copied().filter(|&c| c != '〇').collect();
    let (hundreds, rest) = count_of(&run, '百')?;
    let (tens, rest) = count_of(rest, '十')?;
    let ones = match rest {
        [] => 0,
        [c] => kanji_digit(*c)?,
        _ => return None,
    };
    Some((hundreds * 100 + tens * 10 + ones).to_string())
}

/// How many `unit`s a counted numeral says (`二百…` 2, `百…` 1, none 0), and what follows.
fn count_of(run: &[char], unit: char) -> Option<(u32, &[char])> {
    let Some(at) = run.iter().position(|&c| c == unit) else {
        return Some((0, run));
    };
    let count = match &run[..at] {
        [] => 1,
        [c] => kanji_digit(*c)?,
        _ => return None,
    };
    Some((count, &run[at + 1..]))
}

fn kanji_digit(c: char) -> Option<u32> {
    "〇一二三四五六七八九"
        .chars()
        .position(|d| d == c)
        .map(|p| p as u32)
}

fn is_kanji_numeral(c: char) -> bool {
    matches!(c, '十' | '百') || kanji_digit(c).is_some()
}

fn is_numeral(c: char) -> bool {
    c.is_ascii_digit() || is_kanji_numeral(c)
}

fn is_ideograph(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '々')
}

fn is_word_char(c: char) -> bool {
    is_ideograph(c) || matches!(c, '\u{3041}'..='\u{30FF}')
}

/// The block-number word at the start of `rest`, its length and what it leaves: '-' when
/// another number may follow (丁目, 番地, 番), ' ' when the block number ends there (号).
fn block_marker(rest: &[char]) -> Option<(usize, char)> {
    match rest {
        ['丁', '目', ..] | ['番', '地', ..] => Some((2, '-')),
        // 六番町, 北一番丁: part of a place name, not a 番.
        ['番', '町' | '丁', ..] => None,
        ['番', ..] => Some((1, '-')),
        ['号', '室', ..] => Some((2, ' ')),
        ['号', ..] => Some((1, ' ')),
        _ => None,
    }
}

/// 丁目, 番地 and 番 after a number become '-', 号 a ' ' (the block number ends there), and
/// の/ノ between numbers (`2番地の3`, `1の2`) a '-'.
fn collapse_block_markers(chars: &[char]) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if out.last().is_some_and(char::is_ascii_digit) {
            if let Some((len, separator)) = block_marker(&chars[i..]) {
                out.push(separator);
                i += len;
                continue;
            }
        }
        let c = chars[i];
        let joins = matches!(c, 'の' | 'ノ')
            && out.last().is_some_and(|&p| p.is_ascii_digit() || p == '-')
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        out.push(if joins { '-' } else { c });
        i += 1;
    }
    out
}

fn is_separator(c: char) -> bool {
    c == '-' || c == ' '
}

/// Where the block number ends: the first run of numbers joined by hyphens that is plainly an
/// address number, having a hyphen inside or a separator or the end after it. A number run
/// into a word (`北1条`, `東3線`) is part of a place name and skipped.
fn block_number_end(chars: &[char]) -> Option<usize> {
    let digits_end = |i: usize| i + chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let (mut end, mut joined) = (digits_end(i), false);
        loop {
            let next = end
                + chars[end..]
                    .iter()
                    .take_while(|&&c| is_separator(c))
                    .count();
            let hyphen_then_number = chars[end..next].contains(&'-')
                && chars.get(next).is_some_and(char::is_ascii_digit);
            if !hyphen_then_number {
                break;
            }
            (end, joined) = (digits_end(next), true);
        }
        if joined || chars.get(end).is_none_or(|&c| is_separator(c)) {
            return Some(end);
        }
        i = end;
    }
    None
}

/// The address as text: a run of separators becomes one '-' between two numbers and nothing
/// elsewhere (`都-北品川1-2-3 101-` → `都北品川1-2-3-101`).
fn render(chars: &[char]) -> String {
    let mut out = String::with_capacity(chars.len() * 3);
    for (i, &c) in chars.iter().enumerate() {
        if !is_separator(c) {
            out.push(c);
        } else if out.ends_with(|p: char| p.is_ascii_digit())
            && chars[i + 1..]
                .iter()
                .find(|&&n| !is_separator(n))
                .is_some_and(char::is_ascii_digit)
        {
            out.push('-');
        }
    }
    out
}

#[cfg(test)]
#[path = "identity_tests.rs"]
mod tests;
