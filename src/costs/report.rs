//! The cost report of a fiscal year: each category against the year's donations, the gift
//! ratio, the 50% rule's standing, and what on-site vouchers still commit; CSV for Excel.

use chrono::NaiveDate;

use super::store;
use super::types::{CostLine, CostReport, VoucherCommitment};
use crate::config::Settings;
use crate::db::{now, DbConnection};
use crate::domain::calendar::FiscalYear;
use crate::domain::cost::{ratio, standing, CostCategory, CostSource, MAX_COST_RATIO};
use crate::domain::money::{BasisPoints, Yen};
use crate::error::Result;
use crate::http::excel_csv;
use crate::vouchers::settle::settlements;

/// Builds the report of `fy` from the ledger and the paid donations.
pub fn build(
    conn: &mut DbConnection,
    settings: &Settings,
    fy: FiscalYear,
    today: NaiveDate,
) -> Result<CostReport> {
    let (from, to) = (fy.first_day(), fy.last_day());
    let donations = Yen(crate::reports::store::paid_by_day(conn, from, to)?
        .iter()
        .map(|d| d.amount)
        .sum());
    let sums = store::sums_between(conn, from, to)?;
    let categories: Vec<CostLine> = CostCategory::ALL
        .into_iter()
        .map(|category| {
            let of = |manual: bool| -> i64 {
                sums.iter()
                    .filter(|(c, s, _)| *c == category && (*s == CostSource::Manual) == manual)
                    .map(|(_, _, amount)| amount)
                    .sum()
            };
            let (automatic, manual) = (of(false), of(true));
            CostLine {
                category,
                label: category.label(),
                amount: automatic + manual,
                ratio_basis_points: ratio(Yen(automatic + manual), donations).map(|r| r.0),
                automatic,
                manual,
            }
        })
        .collect();
    let total = Yen(categories.iter().map(|c| c.amount).sum());
    let procurement = categories
        .iter()
        .find(|c| c.category == CostCategory::Procurement)
        .map_or(0, |c| c.amount);
    let warning = BasisPoints(settings.costs.warning_basis_points);
    let mut awaiting = 0;
    // Months to come have no redemptions; only the ended and the current ones are read.
    for month in fy.months().into_iter().filter(|m| m.first_day() <= today) {
        awaiting += settlements(conn, month)?
            .partners
            .iter()
            .filter(|p| !p.paid)
            .map(|p| p.net_amount)
            .sum::<i64>();
    }
    Ok(CostReport {
        fiscal_year: fy.year(),
        label: fy.label(),
        donations_amount: donations.get(),
        categories,
        total: total.get(),
        total_ratio_basis_points: ratio(total, donations).map(|r| r.0),
        gift_ratio_basis_points: ratio(Yen(procurement), donations).map(|r| r.0),
        limit_basis_points: MAX_COST_RATIO.0,
        warning_basis_points: warning.0,
        standing: standing(total, donations, warning),
        committed_vouchers: VoucherCommitment {
            unspent: store::unspent_vouchers(conn, from, to, now())?,
            awaiting_settlement: awaiting,
        },
    })
}

/// 区分,金額,寄附額に対する割合,自動計上,手入力 per category, then 合計 and the year's donations.
pub fn csv(r: &CostReport) -> Result<Vec<u8>> {
    let mut rows: Vec<Vec<String>> = r
        .categories
        .iter()
        .map(|c| {
            vec![
                c.label.to_owned(),
                c.amount.to_string(),
                percent_of(c.ratio_basis_points).unwrap_or_default(),
                c.automatic.to_string(),
                c.manual.to_string(),
            ]
        })
        .collect();
    rows.push(vec![
        "合計".to_owned(),
        r.total.to_string(),
        percent_of(r.total_ratio_basis_points).unwrap_or_default(),
        String::new(),
        String::new(),
    ]);
    rows.push(vec![
        "寄附受入額".to_owned(),
        r.donations_amount.to_string(),
        String::new(),
        String::new(),
        String::new(),
    ]);
    excel_csv(
        &["区分", "金額", "寄附額に対する割合", "自動計上", "手入力"],
        rows,
    )
}

/// A ratio as people read it (`28.83%`); none without donations.
pub fn percent_of(bp: Option<u32>) -> Option<String> {
    bp.map(|b| BasisPoints(b).percent())
}
