//! Unit tests of donor matching (`identity.rs`).

use super::*;

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// `address_key` in 東京都品川区, the ward's own city.
fn shinagawa(line: &str) -> String {
    address_key("東京都", "品川区", line)
}

/// `key` gives `expected` for every one of `typed`.
fn each_gives(key: impl Fn(&str) -> String, typed: &[&str], expected: &str) {
    for &text in typed {
        assert_eq!(key(text), expected, "{text}");
    }
}

#[test]
fn a_reading_is_one_key_in_any_width_script_and_spacing() {
    each_gives(
        kana_key,
        &[
            "シナガワ タロウ",
            "しながわ　たろう",
            "ｼﾅｶﾞﾜﾀﾛｳ",
            "ｼﾅｶﾞﾜ ﾀﾛｳ",
            "シナガワ・タロウ",
            "ｼﾅｶﾞﾜ･ﾀﾛｳ",
            " シナガワ\u{3000}\u{3000}タロウ ",
        ],
        "シナガワタロウ",
    );
}

#[test]
fn small_kana_are_read_as_large_ones_and_vu_is_kept() {
    each_gives(
        kana_key,
        &["キョウコ", "キヨウコ", "ｷｮｳｺ", "きょうこ"],
        "キヨウコ",
    );
    assert_eq!(kana_key("ハットリ"), kana_key("ハツトリ"));
    assert_eq!(kana_key("ヴァイオレット"), "ヴアイオレツト");
    assert_eq!(kana_key("ゔぁいおれっと"), "ヴアイオレツト");
    assert_eq!(kana_key("ｳﾞｧｲｵﾚｯﾄ"), "ヴアイオレツト");
}

#[test]
fn every_dash_typed_for_the_long_vowel_is_one_mark() {
    each_gives(
        kana_key,
        &[
            "サトー ユーコ",
            "サト－ ユ－コ",
            "ｻﾄｰ ﾕｰｺ",
            "サト‐ユ‐コ",
            "サト―ユ―コ",
            "サト─ユ─コ",
            "さとー ゆーこ",
        ],
        "サトーユーコ",
    );
}

#[test]
fn readings_that_differ_in_sound_stay_apart() {
    assert_ne!(kana_key("シナガワ タロウ"), kana_key("シナガワ ジロウ"));
    assert_ne!(kana_key("シマダ"), kana_key("シマタ"));
    assert_ne!(kana_key("オオノ"), kana_key("オーノ"));
}

#[test]
fn a_phone_is_its_domestic_digits() {
    for typed in [
        "03-3777-1111",
        "０３－３７７７－１１１１",
        "03(3777)1111",
        "03 3777 1111",
        "+81 3-3777-1111",
        "+81-(0)3-3777-1111",
        "＋８１３３７７７１１１１",
        "0081-3-3777-1111",
    ] {
        assert_eq!(phone_key(typed).as_deref(), Some("0337771111"), "{typed}");
    }
    assert_eq!(phone_key("090-1234-5678").as_deref(), Some("09012345678"));
    assert_eq!(
        phone_key("+81 90 1234 5678").as_deref(),
        Some("09012345678")
    );
}

#[test]
fn too_few_digits_are_no_phone() {
    for typed in ["", "3777-1111", "+81 3", "なし", "03-3777-111"] {
        assert_eq!(phone_key(typed), None, "{typed}");
    }
}

#[test]
fn every_way_of_writing_a_block_number_is_one_address() {
    each_gives(
        shinagawa,
        &[
            "北品川1丁目2番3号",
            "北品川1丁目2番地3",
            "北品川1丁目2番地の3",
            "北品川1-2-3",
            "北品川一丁目二番三号",
            "北品川一丁目2-3",
            "北品川１－２－３",
            "北品川１丁目２番３号",
            "北品川 1‐2‐3",
            "北品川1−2−3",
            "北品川1ー2ー3",
            "北品川１ｰ２ｰ３",
            "北品川1丁目 2番 3号",
            "北品川 1 - 2 - 3",
        ],
        "東京都品川区北品川1-2-3",
    );
}

#[test]
fn kanji_numerals_that_count_become_digits() {
    assert_eq!(
        address_key("北海道", "札幌市中央区", "南十条西十一丁目"),
        "北海道札幌市中央区南10条西11"
    );
    assert_eq!(
        address_key("長野県", "北安曇郡白馬村", "大字北城三百二十番地"),
        "長野県北安曇郡白馬村大字北城320"
    );
    assert_eq!(
        address_key("長野県", "北安曇郡白馬村", "大字北城百〇五番地"),
        "長野県北安曇郡白馬村大字北城105"
    );
    assert_eq!(shinagawa("東品川二十三番地"), "東京都品川区東品川23");
    assert_eq!(
        shinagawa("北品川一丁目2番3号 二〇三号室"),
        "東京都品川区北品川1-2-3-203"
    );
}

#[test]
fn kanji_numerals_in_place_names_stay_as_written() {
    let cases = [
        (
            ("東京都", "八王子市", "元八王子町二丁目1234番地"),
            "東京都八王子市元八王子町2-1234",
        ),
        (("東京都", "新宿区", "四谷三丁目5番"), "東京都新宿区四谷3-5"),
        (
            ("東京都", "千代田区", "九段北一丁目2番3号"),
            "東京都千代田区九段北1-2-3",
        ),
        (
            ("東京都", "千代田区", "一ツ橋二丁目1番1号"),
            "東京都千代田区一ツ橋2-1-1",
        ),
        (("東京都", "港区", "三田五丁目2-18"), "東京都港区三田5-2-18"),
        (
            ("東京都", "品川区", "西五反田八丁目4番13号"),
            "東京都品川区西五反田8-4-13",
        ),
        (("東京都", "千代田区", "六番町1"), "東京都千代田区六番町1"),
        (("東京都", "新宿区", "百人町二丁目"), "東京都新宿区百人町2"),
        (
            ("宮城県", "仙台市青葉区", "一番町四丁目7番17号"),
            "宮城県仙台市青葉区一番町4-7-17",
        ),
        (
            ("三重県", "四日市市", "諏訪町1-5"),
            "三重県四日市市諏訪町1-5",
        ),
    ];
    for ((prefecture, city, line), key) in cases {
        assert_eq!(address_key(prefecture, city, line), key, "{city}{line}");
    }
}

#[test]
fn sapporo_jo_addresses_match_in_kanji_and_digits() {
    each_gives(
        |line| address_key("北海道", "札幌市中央区", line),
        &[
            "北一条西二丁目1番地",
            "北1条西2丁目1",
            "北１条西２－１",
            "北1条西2-1",
        ],
        "北海道札幌市中央区北1条西2-1",
    );
    assert_eq!(
        address_key_without_building("北海道", "札幌市中央区", "北1条西2丁目3-4 札幌ハイツ205"),
        "北海道札幌市中央区北1条西2-3-4"
    );
}

#[test]
fn a_banchi_without_go_is_its_number() {
    each_gives(
        |line| address_key("東京都", "八王子市", line),
        &[
            "元八王子町2丁目1234番地",
            "元八王子町二丁目1234",
            "元八王子町2-1234",
        ],
        "東京都八王子市元八王子町2-1234",
    );
    assert_eq!(shinagawa("北品川2番地の5"), "東京都品川区北品川2-5");
}

#[test]
fn a_building_and_room_are_kept_and_can_be_left_out() {
    each_gives(
        shinagawa,
        &[
            "北品川1-2-3 品川マンション101",
            "北品川1丁目2番3号　品川マンション101号室",
            "北品川１－２－３品川マンション１０１",
        ],
        "東京都品川区北品川1-2-3品川マンション101",
    );
    each_gives(
        |line| address_key_without_building("東京都", "品川区", line),
        &[
            "北品川1-2-3 品川マンション101",
            "北品川一丁目二番三号 品川マンション二〇三号室",
            "北品川1-2-3 101",
            "北品川1丁目2番3号 101号室",
            "北品川1-2-3",
        ],
        "東京都品川区北品川1-2-3",
    );
    // A room number after a space is not run into the block number.
    assert_eq!(shinagawa("北品川1-2-3 101"), "東京都品川区北品川1-2-3-101");
    assert_eq!(shinagawa("北品川1-2-3 101"), shinagawa("北品川1-2-3-101"));
}

#[test]
fn a_postal_code_or_a_repeated_prefecture_or_city_in_the_line_is_dropped() {
    for (prefecture, city, line) in [
        ("東京都", "品川区", "〒140-0001 北品川1-2-3"),
        ("東京都", "品川区", "〒1400001北品川1-2-3"),
        ("東京都", "品川区", "〒１４０－０００１　北品川１－２－３"),
        ("東京都", "品川区", "140-0001 北品川1-2-3"),
        ("東京都", "東京都品川区", "北品川1-2-3"),
        ("東京都", "品川区", "東京都品川区北品川1-2-3"),
        ("東京都", "品川区", "品川区 北品川1-2-3"),
        ("", "東京都品川区", "北品川1-2-3"),
        ("東京都", "品川区北品川1丁目", "2-3"),
    ] {
        assert_eq!(
            address_key(prefecture, city, line),
            "東京都品川区北品川1-2-3",
            "{prefecture}|{city}|{line}"
        );
    }
}

#[test]
fn ga_ke_and_small_ke_between_kanji_are_one_spelling() {
    let key = address_key("東京都", "千代田区", "霞が関1-2-3");
    assert_eq!(key, "東京都千代田区霞ケ関1-2-3");
    assert_eq!(address_key("東京都", "千代田区", "霞ヶ関一丁目2番3号"), key);
    assert_eq!(address_key("東京都", "千代田区", "霞ケ関1-2-3"), key);
    // A long vowel mark stays one outside numbers.
    assert_eq!(
        shinagawa("北品川1-2-3 ハイツシャトー2"),
        "東京都品川区北品川1-2-3ハイツシャトー2"
    );
}

#[test]
fn different_houses_have_different_keys() {
    let home = address_key_without_building("東京都", "品川区", "北品川1-2-3");
    for line in [
        "北品川1-2-4",
        "北品川1-12-3",
        "北品川2-2-3",
        "東品川1-2-3",
        "北品川1-2",
    ] {
        assert_ne!(
            address_key_without_building("東京都", "品川区", line),
            home,
            "{line}"
        );
    }
}

/// A gift ordered on a portal: building and room, kanji 丁目, a phone, no birth date.
fn portal_record() -> IdentityFacts<'static> {
    IdentityFacts {
        name_kana: "シナガワ タロウ",
        birth_date: None,
        postal_code: "140-0001",
        prefecture: "東京都",
        city: "品川区",
        address_line: "北品川一丁目2番3号 品川マンション101号室",
        phone: Some("03-3777-1111"),
    }
}

/// The same donor on the ward's own site: half-width kana, full-width postal code, the
/// prefecture repeated in the city, no building, no phone, a birth date.
fn ward_site_record() -> IdentityFacts<'static> {
    IdentityFacts {
        name_kana: "ｼﾅｶﾞﾜﾀﾛｳ",
        birth_date: date(1980, 4, 1),
        postal_code: "１４０－０００１",
        prefecture: "東京都",
        city: "東京都品川区",
        address_line: "北品川1-2-3",
        phone: None,
    }
}

#[test]
fn one_donor_through_two_portals_is_one_person() {
    let (portal, ward) = (portal_record(), ward_site_record());
    assert!(same_person(&portal, &ward));
    assert!(same_person(&ward, &portal));
    assert_eq!(
        match_key(&portal),
        "シナガワタロウ|1400001|東京都品川区北品川1-2-3"
    );
    assert_eq!(match_key(&portal), match_key(&ward));
    assert_eq!(
        phone_match_key(&portal).as_deref(),
        Some("シナガワタロウ|0337771111")
    );
    assert_eq!(phone_match_key(&ward), None);
}

#[test]
fn the_same_reading_at_another_address_with_another_phone_is_another_person() {
    let neighbour = IdentityFacts {
        address_line: "北品川1-2-4",
        phone: Some("03-5555-0000"),
        ..portal_record()
    };
    assert!(!same_person(&portal_record(), &neighbour));
    let other_town = IdentityFacts {
        postal_code: "141-0031",
        address_line: "西五反田1-2-3",
        phone: None,
        ..portal_record()
    };
    assert!(!same_person(&portal_record(), &other_town));
    assert_ne!(match_key(&portal_record()), match_key(&other_town));
}

#[test]
fn different_known_birth_dates_are_two_people() {
    let father = IdentityFacts {
        birth_date: date(1950, 1, 15),
        ..portal_record()
    };
    let son = IdentityFacts {
        birth_date: date(1980, 4, 1),
        ..portal_record()
    };
    assert!(!same_person(&father, &son));
    // One unknown date decides nothing.
    assert!(same_person(&portal_record(), &son));
}

#[test]
fn the_phone_matches_when_a_portal_wrote_the_address_its_own_way() {
    let moved = IdentityFacts {
        name_kana: "しながわ たろう",
        birth_date: date(1980, 4, 1),
        postal_code: "",
        prefecture: "",
        city: "",
        address_line: "品川マンション101号室 北品川1-2-3 品川区 東京都",
        phone: Some("+81 3-3777-1111"),
    };
    assert_ne!(match_key(&portal_record()), match_key(&moved));
    assert_eq!(phone_match_key(&portal_record()), phone_match_key(&moved));
    assert!(same_person(&portal_record(), &moved));
    assert!(same_person(&moved, &portal_record()));
}

#[test]
fn a_family_sharing_address_and_phone_are_different_people() {
    let wife = IdentityFacts {
        name_kana: "シナガワ ハナコ",
        ..portal_record()
    };
    assert!(!same_person(&portal_record(), &wife));
}

#[test]
fn empty_facts_never_match() {
    let blank = IdentityFacts {
        name_kana: "",
        birth_date: None,
        postal_code: "",
        prefecture: "",
        city: "",
        address_line: "",
        phone: None,
    };
    assert!(!same_person(&blank, &blank));
    let no_address = IdentityFacts {
        name_kana: "シナガワ タロウ",
        phone: None,
        ..blank
    };
    assert!(!same_person(&no_address, &no_address));
}
