//! The Shinagawa demo data set: a realistic catalogue from the ward's 2025 committee report.

use chrono::NaiveDate;
use diesel::prelude::*;
use uuid::Uuid;

use crate::catalogue::store::{self, organization_store, purpose_store, GiftRow};
use crate::catalogue::types::Business;
use crate::config::Settings;
use crate::db::schema::gifts;
use crate::db::{now, write_transaction, DbConnection};
use crate::domain::gift::{Category, GiftStatus};
use crate::domain::image::ImageFormat;
use crate::error::{Error, Result};

/// (key, name, is_vendor, is_partner)
const BUSINESSES: &[(&str, &str, bool, bool)] = &[
    ("cruise", "ザ・クルーズクラブ東京", true, false),
    ("omo5", "OMO5東京五反田 by 星野リゾート", true, true),
    ("rakuten", "楽天トラベル", true, false),
    ("jal", "JALダイナミックパッケージ", true, false),
    ("doshisha", "ドウシシャ", true, false),
    ("cheesecake", "Mr. CHEESECAKE", true, false),
    ("ashida", "アシダ音響", true, false),
    ("ogawa", "小川畜産", true, false),
    ("kanko", "品川区観光協会", true, false),
    ("beer", "品川縣ビール", true, false),
    ("egift", "しながわe街ギフト事務局", true, false),
    ("bayside", "天王洲ベイサイドグリル", false, true),
    ("togoshi", "戸越銀座 とごし亭", false, true),
];

/// (code, name, description, category, amount, procurement cost, shipping, vendor key, stock, from, until)
type GiftSeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    i64,
    &'static str,
    Option<i64>,
    Option<(i32, u32, u32)>,
    Option<(i32, u32, u32)>,
);

const GIFTS: &[GiftSeed] = &[
    (
        "EXP-001",
        "東京湾ランチクルーズ ペア",
        "ザ・クルーズクラブ東京の船上で東京湾の景色とフレンチのランチを。",
        "experience",
        50_000,
        15_000,
        0,
        "cruise",
        None,
        None,
        None,
    ),
    (
        "EXP-002",
        "東京湾ディナークルーズ ペア",
        "レインボーブリッジの夜景を眺めるディナークルーズ。",
        "experience",
        100_000,
        30_000,
        0,
        "cruise",
        None,
        None,
        None,
    ),
    (
        "EXP-003",
        "秋の運河花火まつり 花火観覧席ペアチケット",
        "天王洲運河沿いの観覧席から花火を間近に。",
        "experience",
        34_000,
        10_200,
        0,
        "kanko",
        Some(50),
        Some((2025, 8, 8)),
        None,
    ),
    (
        "EXP-004",
        "しながわシティラン2026 10km 出走権 1名分",
        "品川の街を駆け抜ける市民マラソンの出走権。",
        "experience",
        30_000,
        9_000,
        0,
        "kanko",
        Some(100),
        None,
        Some((2027, 1, 31)),
    ),
    (
        "EXP-005",
        "OMO5東京五反田 by 星野リゾート 宿泊ギフト券",
        "五反田の街を楽しむホテルの宿泊ギフト券。",
        "experience",
        40_000,
        12_000,
        0,
        "omo5",
        None,
        None,
        None,
    ),
    (
        "EXP-006",
        "品川宿 歴史散策ガイドツアー 2名",
        "旧東海道品川宿をボランティアガイドと歩く。",
        "experience",
        15_000,
        4_500,
        0,
        "kanko",
        Some(40),
        None,
        None,
    ),
    (
        "EXP-007",
        "東京湾サンセットクルーズ 1名",
        "夕暮れの東京湾を巡るカジュアルクルーズ。",
        "experience",
        20_000,
        6_000,
        0,
        "cruise",
        None,
        None,
        None,
    ),
    (
        "TRV-001",
        "楽天トラベルクーポン 品川区内宿泊 9,000円分",
        "品川区内の宿泊施設で使えるクーポン。",
        "travel",
        30_000,
        9_000,
        0,
        "rakuten",
        None,
        None,
        None,
    ),
    (
        "TRV-002",
        "楽天トラベルクーポン 品川区内宿泊 15,000円分",
        "品川区内の宿泊施設で使えるクーポン。",
        "travel",
        50_000,
        15_000,
        0,
        "rakuten",
        None,
        None,
        None,
    ),
    (
        "TRV-003",
        "楽天トラベルクーポン 品川区内宿泊 30,000円分",
        "品川区内の宿泊施設で使えるクーポン。",
        "travel",
        100_000,
        30_000,
        0,
        "rakuten",
        None,
        None,
        None,
    ),
    (
        "TRV-004",
        "JALダイナミックパッケージ 品川区内宿泊 15,000円分",
        "航空券と品川区内の宿泊を組み合わせて使えるクーポン。",
        "travel",
        50_000,
        15_000,
        0,
        "jal",
        None,
        None,
        None,
    ),
    (
        "TRV-005",
        "JALダイナミックパッケージ 品川区内宿泊 30,000円分",
        "航空券と品川区内の宿泊を組み合わせて使えるクーポン。",
        "travel",
        100_000,
        30_000,
        0,
        "jal",
        None,
        None,
        None,
    ),
    (
        "PRD-001",
        "ドウシシャ フライパン 26cm",
        "区内企業ドウシシャの軽くて丈夫なフライパン。",
        "product",
        15_000,
        4_500,
        800,
        "doshisha",
        None,
        None,
        None,
    ),
    (
        "PRD-002",
        "ゴリラのひとつかみ フライパン 2点セット",
        "ドウシシャの人気シリーズ、焦げ付きにくい2点セット。",
        "product",
        20_000,
        6_000,
        900,
        "doshisha",
        None,
        None,
        None,
    ),
    (
        "PRD-003",
        "ゴリラのひとつかみ 深型フライパン 28cm",
        "炒め物も煮込みもこなす深型。",
        "product",
        17_000,
        5_100,
        900,
        "doshisha",
        None,
        None,
        None,
    ),
    (
        "PRD-004",
        "Mr. CHEESECAKE classic 1本",
        "とろける食感のチーズケーキ。冷凍でお届けします。",
        "product",
        12_000,
        3_600,
        1_200,
        "cheesecake",
        Some(200),
        None,
        None,
    ),
    (
        "PRD-005",
        "Mr. CHEESECAKE classic・季節の味 2本セット",
        "定番と季節限定の食べ比べ。",
        "product",
        22_000,
        6_600,
        1_200,
        "cheesecake",
        Some(100),
        None,
        None,
    ),
    (
        "PRD-006",
        "アシダ音響 ワイヤレスイヤホン",
        "区内の音響メーカーが手がけるイヤホン。",
        "product",
        40_000,
        12_000,
        700,
        "ashida",
        Some(60),
        None,
        None,
    ),
    (
        "PRD-007",
        "アシダ音響 モニターヘッドホン",
        "放送局でも使われるモニターヘッドホン。",
        "product",
        60_000,
        18_000,
        900,
        "ashida",
        Some(30),
        None,
        None,
    ),
    (
        "PRD-008",
        "小川畜産 黒毛和牛 切り落とし 500g",
        "品川の精肉店が選んだ黒毛和牛。",
        "product",
        15_000,
        4_500,
        1_500,
        "ogawa",
        None,
        None,
        None,
    ),
    (
        "PRD-009",
        "小川畜産 黒毛和牛 すき焼き用 600g",
        "霜降りのすき焼き用。",
        "product",
        30_000,
        9_000,
        1_500,
        "ogawa",
        None,
        None,
        None,
    ),
    (
        "PRD-010",
        "品川縣ビール 6本セット",
        "品川宿で醸造されるクラフトビール。",
        "product",
        12_000,
        3_600,
        1_000,
        "beer",
        None,
        None,
        None,
    ),
    (
        "ONS-001",
        "しながわe街ギフト 3,000円分",
        "区内のホテル・飲食店で使える電子ギフト。寄附の当日から使えます。",
        "on_site",
        10_000,
        3_000,
        0,
        "egift",
        None,
        None,
        None,
    ),
    (
        "ONS-002",
        "しながわe街ギフト 9,000円分",
        "区内のホテル・飲食店で使える電子ギフト。",
        "on_site",
        30_000,
        9_000,
        0,
        "egift",
        None,
        None,
        None,
    ),
    (
        "ONS-003",
        "しながわe街ギフト 15,000円分",
        "区内のホテル・飲食店で使える電子ギフト。",
        "on_site",
        50_000,
        15_000,
        0,
        "egift",
        None,
        None,
        None,
    ),
    (
        "ONS-004",
        "しながわe街ギフト 30,000円分",
        "区内のホテル・飲食店で使える電子ギフト。",
        "on_site",
        100_000,
        30_000,
        0,
        "egift",
        None,
        None,
        None,
    ),
    (
        "ONS-005",
        "しながわe街ギフト 150,000円分",
        "区内のホテル・飲食店で使える電子ギフト。",
        "on_site",
        500_000,
        150_000,
        0,
        "egift",
        None,
        None,
        None,
    ),
    (
        "ONS-006",
        "しながわe街ギフト 300,000円分",
        "区内のホテル・飲食店で使える電子ギフト。",
        "on_site",
        1_000_000,
        300_000,
        0,
        "egift",
        None,
        None,
        None,
    ),
];

const ORGANIZATIONS: &[&str] = &[
    "学校法人 香蘭女学校",
    "学校法人 清泉女学院",
    "学校法人 明晴学園",
    "学校法人 星薬科大学",
    "学校法人 杉野学園",
    "学校法人 品川女子学院",
    "学校法人 攻玉社学園",
    "学校法人 立正大学学園",
    "学校法人 昭和大学",
    "学校法人 文教大学学園",
    "学校法人 青蓮学園",
    "学校法人 朋優学院",
    "学校法人 小野学園",
    "学校法人 青葉学園",
    "学校法人 日本音楽学校",
];

const PURPOSES: &[(&str, &str)] = &[
    ("防災・減災", "災害に強いまちづくりに活用します。"),
    ("子育て・教育", "子どもたちの育ちと学びを支えます。"),
    (
        "区政全般（区長におまかせ）",
        "区政のさまざまな分野に活用します。",
    ),
    ("文化・観光", "品川の歴史・文化と観光の振興に活用します。"),
    ("環境・みどり", "水辺とみどりの保全に活用します。"),
    (
        "高齢者・障害者福祉",
        "誰もが安心して暮らせる地域づくりに活用します。",
    ),
];

/// The demo pictures, one per category (drawn by `demo/images/make.py`).
fn picture_of(category: Category) -> &'static [u8] {
    match category {
        Category::Experience => include_bytes!("../demo/images/experience.png"),
        Category::Product => include_bytes!("../demo/images/product.png"),
        Category::Travel => include_bytes!("../demo/images/travel.png"),
        Category::OnSite => include_bytes!("../demo/images/on_site.png"),
    }
}

fn date(d: Option<(i32, u32, u32)>) -> Option<NaiveDate> {
    d.and_then(|(y, m, day)| NaiveDate::from_ymd_opt(y, m, day))
}

/// Loads the demo set into a database whose catalogue is empty. Returns whether it loaded.
pub fn load_if_empty(conn: &mut DbConnection, settings: &Settings) -> Result<bool> {
    write_transaction(conn, |conn| {
        let existing: i64 = gifts::table.count().get_result(conn)?;
        if existing > 0 {
            return Ok(false);
        }
        let mut ids = std::collections::HashMap::new();
        for (key, name, is_vendor, is_partner) in BUSINESSES {
            let business = Business {
                id: Uuid::new_v4().to_string(),
                name: (*name).to_owned(),
                is_vendor: *is_vendor,
                is_partner: *is_partner,
                contact_email: None,
                contact_phone: None,
                address: Some("東京都品川区".to_owned()),
                active: true,
            };
            store::insert_business(conn, &business)?;
            ids.insert(*key, business.id);
        }
        let at = now();
        for (
            code,
            name,
            description,
            category,
            amount,
            cost,
            shipping,
            vendor,
            stock,
            from,
            until,
        ) in GIFTS
        {
            let basis = demo_basis(category);
            let row = GiftRow {
                id: Uuid::new_v4().to_string(),
                code: (*code).to_owned(),
                name: (*name).to_owned(),
                description: (*description).to_owned(),
                category: Category::parse(category)
                    .ok_or_else(|| Error::internal("demo gift category unknown"))?,
                amount: *amount,
                procurement_cost: *cost,
                shipping_cost: *shipping,
                vendor_id: ids
                    .get(vendor)
                    .cloned()
                    .ok_or_else(|| Error::internal("demo vendor missing"))?,
                stock: *stock,
                available_from: date(*from),
                available_until: date(*until),
                status: GiftStatus::Published,
                image_url: None,
                created_at: at,
                updated_at: at,
                // Parcels may be given a time slot; bookings have none.
                accepts_delivery_window: row_category_is_parcel(category),
                basis_submitted_by: None,
                basis_approved_by: None,
                // Seeded as published, so seeded with an approved basis.
                basis_approved_at: Some(at),
                basis_criterion: Some(basis.0),
                basis_justification: Some(basis.1.to_owned()),
                basis_evidence: Some(basis.2.to_owned()),
            };
            // The demo set obeys the same rules as everything else.
            row.terms()
                .check(&settings.catalogue.prohibited_words)
                .map_err(|e| crate::catalogue::rule_error(e, row.amount))?;
            store::insert_gift(conn, &row)?;
            let picture = picture_of(row.category);
            let format = ImageFormat::sniff(picture)
                .ok_or_else(|| Error::internal("demo picture is not an image"))?;
            crate::catalogue::images::insert(conn, &row.id, format, picture)?;
        }
        for name in ORGANIZATIONS {
            organization_store::insert(
                conn,
                name,
                "品川区内の学校法人。寄附額の一部を団体の教育活動の支援に充てます。",
            )?;
        }
        for (name, description) in PURPOSES {
            purpose_store::insert(conn, name, description)?;
        }
        // The shipped portal profiles, whose item codes map to the gifts above.
        crate::imports::examples::load(conn)?;
        Ok(true)
    })
}

/// A plausible 地場産品 basis for a demo gift of `category`: products are made in the ward
/// (第3号), experiences, travel and on-site vouchers are services given in the ward (第7号).
fn demo_basis(category: &str) -> (i32, &'static str, &'static str) {
    if row_category_is_parcel(category) {
        (
            3,
            "区内の事業所で製造・加工の主要な工程を行い、付加価値の大部分が区内で生じている。",
            "事業所の所在地（品川区内）と製造工程表、原材料の仕入記録を確認。",
        )
    } else {
        (
            7,
            "区内の施設・店舗で提供される役務で、その主要な部分が区内で行われる。",
            "提供施設の所在地（品川区内）と提供内容の確認書。",
        )
    }
}

fn row_category_is_parcel(category: &str) -> bool {
    Category::parse(category).and_then(Category::fulfilment)
        == Some(crate::domain::order::Fulfilment::Parcel)
}

#[cfg(test)]
mod tests {
    /// The shipped import profiles name only gifts of this data set.
    #[test]
    fn the_example_import_profiles_map_to_demo_gifts() {
        let codes: Vec<&str> = super::GIFTS.iter().map(|g| g.0).collect();
        for (channel, json) in crate::imports::examples::EXAMPLES {
            let Ok(profile) = crate::imports::examples::example(channel, json) else {
                panic!("{channel}: the example does not pass its checks");
            };
            for gift in profile.item_codes.values() {
                assert!(codes.contains(&gift.as_str()), "{channel}: {gift}");
            }
        }
    }
}
