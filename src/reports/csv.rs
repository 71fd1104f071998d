//! The reports as CSV for Excel (Japanese headers, a 合計 line), the same for the API's
//! `Accept: text/csv` and the console's downloads.

use super::types::{ChannelReport, GiftReport, MonthlyReport, OrganizationReport, PurposeReport};
use crate::domain::report::Tally;
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
    let lines = report.channels.iter();
    let tallies = lines.map(|c| (c.channel.as_str(), c.count, c.amount));
    named_tallies("経路", tallies, &report.total)
}

pub fn purposes(report: &PurposeReport) -> Result<Vec<u8>> {
    let lines = report.purposes.iter();
    let tallies = lines.map(|p| (p.name.as_str(), p.count, p.amount));
    named_tallies("使い道", tallies, &report.total)
}

/// `{heading},件数,金額`: one line per name and a 合計 line.
fn named_tallies<'a>(
    heading: &str,
    tallies: impl Iterator<Item = (&'a str, i64, i64)>,
    total: &Tally,
) -> Result<Vec<u8>> {
    let rows = tallies
        .map(|(name, count, amount)| vec![name.to_owned(), n(count), n(amount)])
        .chain(std::iter::once(vec![
            "合計".to_owned(),
            n(total.count),
            n(total.amount),
        ]));
    excel_csv(&[heading, "件数", "金額"], rows)
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
