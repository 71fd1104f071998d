//! Monthly report arithmetic: daily paid totals folded into fiscal-year months, and the year-end projection.

use chrono::NaiveDate;

use super::calendar::{FiscalYear, YearMonth};
use super::donation::DonationKind;
use super::gift::Category;
use super::projection::project_year_end;

/// Paid donations of one receipt date (受領日), as the database groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayTotal {
    pub date: NaiveDate,
    pub count: i64,
    pub amount: i64,
}

/// A count of donations and their sum in yen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Tally {
    pub count: i64,
    pub amount: i64,
}

impl Tally {
    /// Adds a group; saturates instead of wrapping (unreachable with real yen amounts).
    pub fn add(&mut self, count: i64, amount: i64) {
        self.count = self.count.saturating_add(count);
        self.amount = self.amount.saturating_add(amount);
    }
}

/// One month of the fiscal year beside the same month of the year before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthLine {
    pub month: YearMonth,
    pub current: Tally,
    /// The fiscal year's amount from April up to and including this month.
    pub cumulative_amount: i64,
    pub previous_year: Tally,
}

/// Twelve months, April to March, with the totals of both years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyTable {
    pub fiscal_year: FiscalYear,
    pub months: Vec<MonthLine>,
    pub total: Tally,
    pub previous_year_total: Tally,
}

/// The position of a month in fiscal order: April = 0 … March = 11.
fn fiscal_index(month: u32) -> usize {
    // month is 1..=12, so the result is 0..=11.
    ((month + 8) % 12) as usize
}

/// Folds daily totals into the months of `fiscal_year` and of the fiscal year before; days of
/// other years are ignored.
pub fn monthly_table(fiscal_year: FiscalYear, days: &[DayTotal]) -> MonthlyTable {
    let mut current = [Tally::default(); 12];
    let mut previous = [Tally::default(); 12];
    for day in days {
        let fy = FiscalYear::of(day.date);
        let index = fiscal_index(YearMonth::of(day.date).month());
        if fy == fiscal_year {
            current[index].add(day.count, day.amount);
        } else if fy == fiscal_year.previous() {
            previous[index].add(day.count, day.amount);
        }
    }
    let mut total = Tally::default();
    let mut previous_year_total = Tally::default();
    let months = fiscal_year
        .months()
        .iter()
        .enumerate()
        .map(|(i, &month)| {
            total.add(current[i].count, current[i].amount);
            previous_year_total.add(previous[i].count, previous[i].amount);
            MonthLine {
                month,
                current: current[i],
                cumulative_amount: total.amount,
                previous_year: previous[i],
            }
        })
        .collect();
    MonthlyTable {
        fiscal_year,
        months,
        total,
        previous_year_total,
    }
}

/// Complete months of the fiscal year on `today` (Japan date): months whose last day is before
/// today, 0 before May, 12 once the year is over.
pub fn months_elapsed(fiscal_year: FiscalYear, today: NaiveDate) -> usize {
    fiscal_year
        .months()
        .iter()
        .filter(|m| m.last_day() < today)
        .count()
}

/// How a year-end figure was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectionBasis {
    /// The fiscal year is over: the figure is the actual total.
    Actual,
    /// Actual so far scaled by the previous year's monthly shape.
    PreviousYearShape,
    /// Actual so far × 12 ÷ complete months (no usable previous-year data).
    StraightLine,
    /// No complete month yet: nothing to project from.
    None,
}

/// The projected year-end total and how it was computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    pub year_end_amount: Option<i64>,
    pub basis: ProjectionBasis,
    pub months_elapsed: usize,
}

impl Projection {
    /// A sentence for staff saying how the figure was computed.
    pub fn method(&self) -> String {
        let n = self.months_elapsed;
        match self.basis {
            ProjectionBasis::Actual => {
                "actual: the fiscal year is over, so this is the year's paid total".to_owned()
            }
            ProjectionBasis::PreviousYearShape => format!(
                "previous-year shape: the paid total of the {n} complete month(s) so far × the previous \
                 fiscal year's full-year total ÷ its total over the same {n} month(s), rounded down"
            ),
            ProjectionBasis::StraightLine => format!(
                "straight line: the previous fiscal year has no donations in the same months, so the \
                 paid total of the {n} complete month(s) so far × 12 ÷ {n}, rounded down"
            ),
            ProjectionBasis::None => {
                "none: no month of the fiscal year is complete yet".to_owned()
            }
        }
    }
}

/// Projects the year-end total from the complete months on `today`, using the previous year's
/// monthly shape (`projection::project_year_end`) and a straight line when that has no basis.
pub fn project(table: &MonthlyTable, today: NaiveDate) -> Projection {
    let elapsed = months_elapsed(table.fiscal_year, today).min(12);
    let actual = monthly_amounts(table, |m| m.current);
    let previous = monthly_amounts(table, |m| m.previous_year);
    let (year_end_amount, basis) = match elapsed {
        0 => (None, ProjectionBasis::None),
        12 => (Some(table.total.amount), ProjectionBasis::Actual),
        _ => match project_year_end(&actual, elapsed, &previous) {
            Some(amount) => (Some(amount), ProjectionBasis::PreviousYearShape),
            None => (
                straight_line(&actual, elapsed),
                ProjectionBasis::StraightLine,
            ),
        },
    };
    Projection {
        year_end_amount,
        basis,
        months_elapsed: elapsed,
    }
}

/// The amounts of one year's `tally` of the table, April to March.
fn monthly_amounts(table: &MonthlyTable, tally: impl Fn(&MonthLine) -> Tally) -> [i64; 12] {
    std::array::from_fn(|i| table.months.get(i).map_or(0, |m| tally(m).amount))
}

/// Sum of the first `elapsed` months × 12 ÷ `elapsed`, floored, in i128; `None` if out of range.
pub fn straight_line(actual_by_month: &[i64; 12], elapsed: usize) -> Option<i64> {
    let elapsed = elapsed.min(12);
    if elapsed == 0 {
        return None;
    }
    let so_far: i128 = actual_by_month[..elapsed]
        .iter()
        .map(|&m| i128::from(m))
        .sum();
    // elapsed ≤ 12, so the casts are lossless.
    i64::try_from((so_far * 12).div_euclid(elapsed as i128)).ok()
}

/// The categories of the gift report: the four gift categories, then support and no-gift donations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportCategory {
    Gift(Category),
    /// 応援型: support donations to an organisation.
    Support,
    /// 寄附のみ: donations without a gift.
    General,
}

impl ReportCategory {
    /// Report order: 体験型, 商品型, 旅行クーポン, 現地決済型, 応援型, 寄附のみ.
    pub const ALL: [ReportCategory; 6] = [
        ReportCategory::Gift(Category::Experience),
        ReportCategory::Gift(Category::Product),
        ReportCategory::Gift(Category::Travel),
        ReportCategory::Gift(Category::OnSite),
        ReportCategory::Support,
        ReportCategory::General,
    ];

    /// Where a donation counts: a gift donation by its gift's category, an on-site donation
    /// (which has no gift row) as 現地決済型, support as 応援型, general as 寄附のみ. `None` for a
    /// gift donation whose gift category is unknown.
    pub fn of(kind: DonationKind, gift_category: Option<Category>) -> Option<ReportCategory> {
        match kind {
            DonationKind::Gift => gift_category.map(ReportCategory::Gift),
            DonationKind::OnSite => Some(ReportCategory::Gift(
                gift_category.unwrap_or(Category::OnSite),
            )),
            DonationKind::Support => Some(ReportCategory::Support),
            DonationKind::General => Some(ReportCategory::General),
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ReportCategory::Gift(c) => c.as_str(),
            ReportCategory::Support => "support",
            ReportCategory::General => "general",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportCategory::Gift(c) => c.label(),
            ReportCategory::Support => "応援型",
            ReportCategory::General => "寄附のみ",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn day(y: i32, m: u32, d: u32, count: i64, amount: i64) -> DayTotal {
        DayTotal {
            date: date(y, m, d),
            count,
            amount,
        }
    }

    fn fy(y: i32) -> FiscalYear {
        FiscalYear::new(y).unwrap()
    }

    fn tally(count: i64, amount: i64) -> Tally {
        Tally { count, amount }
    }

    #[test]
    fn days_fold_into_fiscal_months_of_both_years() {
        let days = [
            day(2025, 4, 1, 1, 10_000),
            day(2025, 4, 30, 2, 20_000),
            day(2026, 3, 31, 1, 5_000),
            day(2026, 4, 1, 1, 99_999),   // FY2026: ignored
            day(2024, 12, 10, 3, 30_000), // previous year, December
            day(2025, 3, 31, 1, 1_000),   // previous year, March
            day(2024, 3, 31, 1, 77_777),  // two years back: ignored
        ];
        let t = monthly_table(fy(2025), &days);
        assert_eq!(t.months.len(), 12);
        assert_eq!(t.months[0].month.to_string(), "2025-04");
        assert_eq!(t.months[0].current, tally(3, 30_000));
        assert_eq!(t.months[11].month.to_string(), "2026-03");
        assert_eq!(t.months[11].current.amount, 5_000);
        assert_eq!(t.months[11].cumulative_amount, 35_000);
        assert_eq!(t.months[5].cumulative_amount, 30_000);
        assert_eq!(t.months[8].previous_year.amount, 30_000);
        assert_eq!(t.months[11].previous_year.amount, 1_000);
        assert_eq!(t.total, tally(4, 35_000));
        assert_eq!(t.previous_year_total, tally(4, 31_000));
    }

    #[test]
    fn months_elapsed_counts_complete_months() {
        let y = fy(2025);
        assert_eq!(months_elapsed(y, date(2025, 3, 1)), 0);
        assert_eq!(months_elapsed(y, date(2025, 4, 30)), 0);
        assert_eq!(months_elapsed(y, date(2025, 5, 1)), 1);
        assert_eq!(months_elapsed(y, date(2026, 1, 1)), 9);
        assert_eq!(months_elapsed(y, date(2026, 3, 31)), 11);
        assert_eq!(months_elapsed(y, date(2026, 4, 1)), 12);
        assert_eq!(months_elapsed(y, date(2030, 1, 1)), 12);
    }

    #[test]
    fn projection_uses_previous_year_shape_then_straight_line() {
        // Previous year: 10,000 in April and 90,000 in December.
        let days = [
            day(2024, 4, 5, 1, 10_000),
            day(2024, 12, 5, 1, 90_000),
            day(2025, 4, 5, 1, 20_000),
        ];
        let t = monthly_table(fy(2025), &days);
        let p = project(&t, date(2025, 5, 10));
        assert_eq!(p.basis, ProjectionBasis::PreviousYearShape);
        // 20,000 × 100,000 / 10,000.
        assert_eq!(p.year_end_amount, Some(200_000));
        assert!(p.method().contains("previous-year shape"));

        // No previous-year data at all: straight line, 20,000 × 12 / 2.
        let t = monthly_table(fy(2025), &days[2..]);
        let p = project(&t, date(2025, 6, 1));
        assert_eq!(p.basis, ProjectionBasis::StraightLine);
        assert_eq!(p.year_end_amount, Some(120_000));
        assert_eq!(p.months_elapsed, 2);
        assert!(p.method().contains("× 12 ÷ 2"));
    }

    #[test]
    fn projection_before_the_first_month_and_after_the_year() {
        let days = [day(2025, 4, 5, 1, 20_000), day(2026, 2, 5, 1, 5_000)];
        let t = monthly_table(fy(2025), &days);
        let p = project(&t, date(2025, 4, 20));
        assert_eq!(p.basis, ProjectionBasis::None);
        assert_eq!(p.year_end_amount, None);
        let p = project(&t, date(2026, 4, 1));
        assert_eq!(p.basis, ProjectionBasis::Actual);
        assert_eq!(p.year_end_amount, Some(25_000));
    }

    #[test]
    fn straight_line_floors() {
        let mut actual = [0; 12];
        actual[..3].copy_from_slice(&[1, 1, 0]);
        // 2 × 12 / 3 = 8; 1 × 12 / 7 = 1.7 → 1.
        assert_eq!(straight_line(&actual, 3), Some(8));
        let mut one = [0; 12];
        one[0] = 1;
        assert_eq!(straight_line(&one, 7), Some(1));
        assert_eq!(straight_line(&one, 0), None);
    }

    #[test]
    fn report_categories() {
        let of = ReportCategory::of;
        assert_eq!(
            of(DonationKind::Gift, Some(Category::Travel)),
            Some(ReportCategory::Gift(Category::Travel))
        );
        assert_eq!(of(DonationKind::Gift, None), None);
        assert_eq!(
            of(DonationKind::OnSite, None).unwrap().label(),
            "現地決済型"
        );
        assert_eq!(of(DonationKind::Support, None).unwrap().label(), "応援型");
        assert_eq!(of(DonationKind::General, None).unwrap().key(), "general");
        let labels: Vec<&str> = ReportCategory::ALL.iter().map(|c| c.label()).collect();
        assert_eq!(
            labels,
            [
                "体験型",
                "商品型",
                "旅行クーポン",
                "現地決済型",
                "応援型",
                "寄附のみ"
            ]
        );
    }
}
