//! The vendor statement: per month (by the Japan date each order was sent) and vendor, what was
//! sent and what the ward owes — the procurement cost fixed at donation time × quantity.

use super::store;
use super::views::{StatementLine, VendorStatement};
use crate::catalogue::store::find_business;
use crate::catalogue::types::VendorRef;
use crate::db::DbConnection;
use crate::domain::calendar::YearMonth;
use crate::domain::money::Yen;
use crate::domain::order::{amount_owed, order_number, CostLine, OrderStatus};
use crate::error::{Error, ErrorCode, Result};
use crate::http::excel_csv;

/// Orders sent in `month`. An order sent and then returned still counts (the vendor sent it);
/// a cancelled order was never sent.
pub fn statement(
    conn: &mut DbConnection,
    vendor_id: &str,
    month: YearMonth,
) -> Result<VendorStatement> {
    let vendor = find_business(conn, vendor_id)?
        .filter(|b| b.is_vendor)
        .ok_or_else(|| Error::rejected(ErrorCode::BusinessNotFound, "No vendor with this id."))?;
    let records = store::shipped_between(conn, vendor_id, month.first_day(), month.last_day())?;
    let sent: Vec<_> = records
        .iter()
        .filter(|r| r.order.status != OrderStatus::Cancelled)
        .collect();
    let costs: Vec<CostLine> = sent
        .iter()
        .map(|r| CostLine {
            quantity: r.order.quantity,
            unit_cost: Yen(r.order.unit_cost),
        })
        .collect();
    let lines: Vec<StatementLine> = sent
        .iter()
        .zip(&costs)
        .filter_map(|(r, cost)| {
            let o = &r.order;
            Some(StatementLine {
                order_id: o.id.clone(),
                number: order_number(&o.id),
                shipped_on: o.shipped_on?,
                gift_code: r.gift_code.clone(),
                gift_name: r.gift_name.clone(),
                quantity: o.quantity,
                unit_cost: o.unit_cost,
                amount: cost.amount().0,
                status: o.status,
            })
        })
        .collect();
    Ok(VendorStatement {
        vendor: VendorRef {
            id: vendor.id,
            name: vendor.name,
        },
        month: month.to_string(),
        order_count: i64::try_from(lines.len()).unwrap_or(i64::MAX),
        quantity: lines.iter().map(|l| i64::from(l.quantity)).sum(),
        amount_owed: amount_owed(&costs).0,
        lines,
    })
}

/// The statement for Excel: one line per order and a total line.
pub fn statement_csv(s: &VendorStatement) -> Result<Vec<u8>> {
    let headers = [
        "発送日",
        "注文ID",
        "注文番号",
        "返礼品コード",
        "返礼品名",
        "数量",
        "単価（調達費）",
        "金額",
        "状態",
    ];
    let mut rows: Vec<Vec<String>> = s
        .lines
        .iter()
        .map(|l| {
            vec![
                l.shipped_on.to_string(),
                l.order_id.clone(),
                l.number.clone(),
                l.gift_code.clone(),
                l.gift_name.clone(),
                l.quantity.to_string(),
                l.unit_cost.to_string(),
                l.amount.to_string(),
                l.status.label().to_owned(),
            ]
        })
        .collect();
    rows.push(vec![
        "合計".to_owned(),
        String::new(),
        format!("{}件", s.order_count),
        String::new(),
        String::new(),
        s.quantity.to_string(),
        String::new(),
        s.amount_owed.to_string(),
        String::new(),
    ]);
    excel_csv(&headers, rows)
}
