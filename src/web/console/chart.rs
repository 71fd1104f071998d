//! The dashboard's chart, drawn on the server as SVG: it prints, needs no script, and every mark
//! carries its figure (`data-*` and a `<title>`), so a person with a screen reader and a test can
//! both read the numbers. Only numbers and fixed labels go in: nothing a user typed.

use std::fmt::Write;

use crate::domain::money::Yen;
use crate::reports::types::MonthlyReport;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 380.0;
const LEFT: f64 = 130.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 50.0;

/// `2025-04` → `4月`.
fn month_label(month: &str) -> String {
    let m: u32 = month
        .rsplit('-')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    format!("{m}月")
}

/// The fiscal year by month: this year's bars with last year's beside them, this year's
/// cumulative line, and the target as a dashed line, on one yen scale.
pub fn monthly_svg(report: &MonthlyReport) -> String {
    let target = report.target.unwrap_or(0);
    let top_value = report
        .months
        .iter()
        .flat_map(|m| [m.amount, m.cumulative_amount, m.previous_year.amount])
        .chain([target, 1])
        .max()
        .unwrap_or(1) as f64
        * 1.08;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y = |v: i64| TOP + plot_h - (v as f64 / top_value) * plot_h;
    let slot = plot_w / report.months.len().max(1) as f64;
    let bar = slot * 0.34;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" data-target="{target}">"#
    );
    let _ = write!(
        svg,
        r#"<title id="chart-title">{label} 月別寄附額と目標</title><desc id="chart-desc">棒は月別の寄附額（濃い色が今年度、薄い色が前年度）、折れ線は今年度の累計、破線は目標額 {target_text}。</desc>"#,
        label = report.label,
        target_text = report
            .target
            .map(|t| Yen(t).to_string())
            .unwrap_or_else(|| "未設定".to_owned()),
    );
    // The scale: five lines with their amounts.
    for i in 0..=4 {
        let value = (top_value / 1.08 * f64::from(i) / 4.0) as i64;
        let at = y(value);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{x2}" y1="{at:.1}" y2="{at:.1}"/><text class="axis" x="{lx}" y="{ty:.1}" text-anchor="end">{v}</text>"#,
            x2 = WIDTH - RIGHT,
            lx = LEFT - 8.0,
            ty = at + 4.0,
            v = Yen(value),
        );
    }
    let mut line = Vec::new();
    for (i, m) in report.months.iter().enumerate() {
        let x0 = LEFT + slot * i as f64 + slot * 0.14;
        let label = month_label(&m.month);
        let _ = write!(
            svg,
            r#"<rect class="bar previous" x="{x0:.1}" y="{py:.1}" width="{bar:.1}" height="{ph:.1}" data-month="{month}" data-amount="{pa}" data-count="{pc}"><title>{label} 前年度 {pyen}（{pc}件）</title></rect>"#,
            py = y(m.previous_year.amount),
            ph = TOP + plot_h - y(m.previous_year.amount),
            month = m.month,
            pa = m.previous_year.amount,
            pc = m.previous_year.count,
            pyen = Yen(m.previous_year.amount),
        );
        let x1 = x0 + bar;
        let _ = write!(
            svg,
            r#"<rect class="bar current" x="{x1:.1}" y="{cy:.1}" width="{bar:.1}" height="{ch:.1}" data-month="{month}" data-amount="{ca}" data-count="{cc}"><title>{label} 今年度 {cyen}（{cc}件）</title></rect>"#,
            cy = y(m.amount),
            ch = TOP + plot_h - y(m.amount),
            month = m.month,
            ca = m.amount,
            cc = m.count,
            cyen = Yen(m.amount),
        );
        let _ = write!(
            svg,
            r#"<text class="axis" x="{cx:.1}" y="{ly:.1}" text-anchor="middle">{label}</text>"#,
            cx = LEFT + slot * (i as f64 + 0.5),
            ly = HEIGHT - BOTTOM + 20.0,
        );
        line.push((
            LEFT + slot * (i as f64 + 0.5),
            y(m.cumulative_amount),
            m.cumulative_amount,
            &m.month,
        ));
    }
    let points: Vec<String> = line
        .iter()
        .map(|(x, y, _, _)| format!("{x:.1},{y:.1}"))
        .collect();
    let _ = write!(
        svg,
        r#"<polyline class="cumulative" fill="none" points="{}"/>"#,
        points.join(" ")
    );
    for (x, y, amount, month) in &line {
        let _ = write!(
            svg,
            r#"<circle class="cumulative-point" cx="{x:.1}" cy="{y:.1}" r="3.5" data-month="{month}" data-cumulative="{amount}"><title>{label} 累計 {yen}</title></circle>"#,
            label = month_label(month),
            yen = Yen(*amount),
        );
    }
    if let Some(t) = report.target {
        let at = y(t);
        let _ = write!(
            svg,
            r#"<line class="target" x1="{LEFT}" x2="{x2}" y1="{at:.1}" y2="{at:.1}" data-amount="{t}"><title>目標 {yen}</title></line><text class="target-label" x="{x2}" y="{ty:.1}" text-anchor="end">目標 {yen}</text>"#,
            x2 = WIDTH - RIGHT,
            ty = at - 6.0,
            yen = Yen(t),
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::report::{ProjectionBasis, Tally};
    use crate::reports::types::{MonthRow, ProjectionView};

    fn report() -> MonthlyReport {
        let months = (0..12)
            .map(|i| {
                let n = (i + 3) % 12 + 1;
                let year = if n >= 4 { 2025 } else { 2026 };
                MonthRow {
                    month: format!("{year}-{n:02}"),
                    count: i,
                    amount: i * 1_000_000,
                    cumulative_amount: (0..=i).map(|k| k * 1_000_000).sum(),
                    previous_year: Tally {
                        count: 1,
                        amount: 500_000,
                    },
                }
            })
            .collect();
        MonthlyReport {
            fiscal_year: 2025,
            label: "令和7年度".to_owned(),
            target: Some(120_000_000),
            months,
            total: Tally::default(),
            previous_year_total: Tally::default(),
            progress: None,
            projection: ProjectionView {
                year_end_amount: None,
                method: String::new(),
                basis: ProjectionBasis::None,
                months_elapsed: 0,
            },
        }
    }

    #[test]
    fn every_month_has_both_bars_with_its_figures_and_the_target_line() {
        let svg = monthly_svg(&report());
        assert_eq!(svg.matches(r#"class="bar current""#).count(), 12);
        assert_eq!(svg.matches(r#"class="bar previous""#).count(), 12);
        assert!(svg.contains(r#"data-month="2025-07" data-amount="3000000" data-count="3""#));
        assert!(svg.contains(r#"class="target""#) && svg.contains(r#"data-amount="120000000""#));
        assert!(svg.contains("目標 ¥120,000,000"));
        assert_eq!(month_label("2026-03"), "3月");
    }

    #[test]
    fn the_target_line_sits_above_smaller_bars() {
        let svg = monthly_svg(&report());
        let y_of = |marker: &str| -> f64 {
            let at = svg.find(marker).unwrap();
            let rest = &svg[..at];
            let y_at = rest.rfind("y1=\"").unwrap() + 4;
            rest[y_at..].split('"').next().unwrap().parse().unwrap()
        };
        // SVG's y grows downwards: the target (¥120M) is higher on the page than ¥0.
        assert!(y_of(r#" data-amount="120000000""#) < HEIGHT - BOTTOM);
    }
}
