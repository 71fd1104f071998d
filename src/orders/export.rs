//! Orders as a CSV for a vendor's spreadsheet or shipping-label software. The same file, with the
//! carrier and tracking number filled in, is what `tracking` reads back.

use super::store::{OrderRecord, OrderScope};
use super::views::Order;
use crate::error::Result;
use crate::http::excel_csv;

/// The columns, in Japanese as the vendors' tools expect. The first and the last five are the
/// ones the tracking import reads (by name, so columns may be moved or added).
pub const HEADERS: [&str; 22] = [
    "注文ID",
    "注文番号",
    "受注日",
    "状態",
    "返礼品コード",
    "返礼品名",
    "数量",
    "お届け先氏名",
    "お届け先カナ",
    "郵便番号",
    "都道府県",
    "市区町村",
    "番地・建物",
    "電話番号",
    "のし",
    "名入れ",
    "配達時間帯",
    "配送業者",
    "伝票番号",
    "予約番号",
    "発送日",
    "配送方法",
];

fn row(r: &OrderRecord) -> Vec<String> {
    let o = Order::of(r, &OrderScope::Staff);
    let t = &o.ship_to;
    let japan_day = crate::domain::calendar::japan_date(o.ordered_at);
    vec![
        o.id.clone(),
        o.number.clone(),
        japan_day.to_string(),
        o.status.label().to_owned(),
        o.gift.code.clone(),
        o.gift.name.clone(),
        o.quantity.to_string(),
        t.name.clone(),
        t.name_kana.clone(),
        t.postal_code.clone(),
        t.prefecture.clone(),
        t.city.clone(),
        t.address_line.clone(),
        t.phone.clone(),
        o.noshi
            .as_ref()
            .map(|n| n.kind.label().to_owned())
            .unwrap_or_default(),
        o.noshi
            .as_ref()
            .and_then(|n| n.name.clone())
            .unwrap_or_default(),
        o.delivery_window
            .map(|w| w.label().to_owned())
            .unwrap_or_default(),
        o.carrier.map(|c| c.label().to_owned()).unwrap_or_default(),
        o.tracking_number.clone().unwrap_or_default(),
        o.booking_reference.clone().unwrap_or_default(),
        o.shipped_on.map(|d| d.to_string()).unwrap_or_default(),
        match o.fulfilment {
            crate::domain::order::Fulfilment::Parcel => "宅配".to_owned(),
            crate::domain::order::Fulfilment::Booking => "予約・チケット".to_owned(),
        },
    ]
}

/// UTF-8 with a BOM; `CsvCharset::encode` turns it into Shift_JIS when asked.
pub fn orders_csv(records: &[OrderRecord]) -> Result<Vec<u8>> {
    excel_csv(&HEADERS, records.iter().map(row))
}
