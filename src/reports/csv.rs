//! The reports as CSV for Excel (Japanese headers, a 合計 line), the same for the API's
//! `Accept: text/csv` and the console's downloads.

use super::types::{ChannelReport, GiftReport, MonthlyReport, OrganizationReport, PurposeReport};
use crate::error::Result;
use crate::http::excel_csv;

fn n(v: i64) -> String {
    v.to_string()
}

/// 月,件数,金額,累計,前年度件数,前年度金額 and a 合計 line.
pub fn monthly(report: &MonthlyReport) -> Result<Vec<u8>> {
    let rows = report
        .months
        .iter()
        .map(|m| {
            vec![
                m.month.clone(),
                n(m.count),
                n(m.amount),
                n(m.cumulative_amount),
                n(m.previous_year.count),
                n(m.previous_year.amount),
            ]
        })
        .chain(std::iter::once(vec![
            "合計".to_owned(),
            n(report.total.count),
            n(report.total.amount),
            n(report.total.amount),
            n(report.previous_year_total.count),
            n(report.previous_year_total.amount),
        ]));
    excel_csv(
        &["月", "件数", "金額", "累計", "前年度件数", "前年度金額"],
        rows,
    )
}

/// One line per gift under its category, and one per category without gifts (応援型, 寄附のみ).
pub fn gifts(report: &GiftReport) -> Result<Vec<u8>> {
    let mut rows = Vec::new();
    for c in &report.categories {
        if c.gifts.is_empty() {
            rows.push(vec![
                c.label.clone(),
                String::new(),
                String::new(),
                n(c.count),
                n(c.amount),
            ]);
        }
        for g in &c.gifts {
            rows.push(vec![
                c.label.clone(),
                g.code.clone(),
                g.name.clone(),
                n(g.count),
                n(g.amount),
            ]);
        }
    }
    rows.push(vec![
        "合計".to_owned(),
        String::new(),
        String::new(),
        n(report.total.count),
        n(report.total.amount),
    ]);
    excel_csv(&["区分", "返礼品コード", "返礼品名", "件数", "金額"], rows)
}

pub fn channels(report: &ChannelReport) -> Result<Vec<u8>> {
    let rows = report
        .channels
        .iter()
        .map(|c| vec![c.channel.clone(), n(c.count), n(c.amount)])
        .chain(std::iter::once(vec![
            "合計".to_owned(),
            n(report.total.count),
            n(report.total.amount),
        ]));
    excel_csv(&["経路", "件数", "金額"], rows)
}

pub fn purposes(report: &PurposeReport) -> Result<Vec<u8>> {
    let rows = report
        .purposes
        .iter()
        .map(|p| vec![p.name.clone(), n(p.count), n(p.amount)])
        .chain(std::iter::once(vec![
            "合計".to_owned(),
            n(report.total.count),
            n(report.total.amount),
        ]));
    excel_csv(&["使い道", "件数", "金額"], rows)
}

pub fn organizations(report: &OrganizationReport) -> Result<Vec<u8>> {
    let rows = report
        .organizations
        .iter()
        .map(|o| vec![o.name.clone(), n(o.count), n(o.amount), n(o.allocated)])
        .chain(std::iter::once(vec![
            "合計".to_owned(),
            n(report.total.count),
            n(report.total.amount),
            n(report.total.allocated),
        ]));
    excel_csv(&["団体", "件数", "金額", "配分額"], rows)
}
