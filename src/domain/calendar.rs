//! Japan business dates: JST conversion, fiscal years (年度), year-months and tax-year deadlines.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc};
use std::fmt;

const JST_OFFSET_SECONDS: i32 = 9 * 3600;

// Checked at compile time, so no runtime failure path.
const JST: FixedOffset = match FixedOffset::east_opt(JST_OFFSET_SECONDS) {
    Some(offset) => offset,
    None => panic!("UTC+9 is a valid offset"),
};

/// Japan Standard Time, UTC+9 (Japan has no DST, so a fixed offset is exact).
pub fn japan_offset() -> FixedOffset {
    JST
}

/// The Japan calendar date of an instant.
pub fn japan_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&japan_offset()).date_naive()
}

/// Today's date in Japan.
pub fn japan_today() -> NaiveDate {
    japan_date(Utc::now())
}

/// 00:00:00 JST of `d`, as a UTC instant.
pub fn start_of_japan_day(d: NaiveDate) -> DateTime<Utc> {
    // JST has no gaps or folds, so the local time always maps to exactly one instant.
    let local = d.and_time(NaiveTime::MIN);
    // Only chrono's minimum date could underflow; clamp rather than panic.
    local
        .checked_sub_signed(TimeDelta::seconds(i64::from(JST_OFFSET_SECONDS)))
        .unwrap_or(local)
        .and_utc()
}

/// The last representable instant of `d` in Japan: 23:59:59.999999 JST (microseconds, the
/// precision we store), as UTC. Use `instant <= end_of_japan_day(d)` for "on or before `d`".
pub fn end_of_japan_day(d: NaiveDate) -> DateTime<Utc> {
    let start = start_of_japan_day(d);
    // Only chrono's maximum date could overflow; clamp rather than panic.
    start
        .checked_add_signed(TimeDelta::days(1) - TimeDelta::microseconds(1))
        .unwrap_or(start)
}

/// A fiscal year (年度): 1 April – 31 March, named by the year it starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FiscalYear(i32);

/// The years the service accepts as input (fiscal years, one-stop tax years); others are input
/// errors, not dates to compute with.
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> = 2000..=2200;

impl FiscalYear {
    /// Years outside `SUPPORTED_YEARS` are rejected as input errors.
    pub fn new(year: i32) -> Option<Self> {
        SUPPORTED_YEARS.contains(&year).then_some(Self(year))
    }

    /// The fiscal year a date belongs to (January–March belong to the previous year's 年度).
    pub fn of(date: NaiveDate) -> Self {
        if date.month() >= 4 {
            Self(date.year())
        } else {
            Self(date.year() - 1)
        }
    }

    /// The calendar year the fiscal year starts in.
    pub fn year(self) -> i32 {
        self.0
    }

    /// 1 April.
    pub fn first_day(self) -> NaiveDate {
        ymd(self.0, 4, 1)
    }

    /// 31 March of the following year.
    pub fn last_day(self) -> NaiveDate {
        ymd(self.0 + 1, 3, 31)
    }

    /// The fiscal year before.
    pub fn previous(self) -> Self {
        Self(self.0 - 1)
    }

    /// The fiscal year after.
    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }

    /// Whether `date` falls in this fiscal year.
    pub fn contains(self, date: NaiveDate) -> bool {
        Self::of(date) == self
    }

    /// April … March, in order.
    pub fn months(self) -> [YearMonth; 12] {
        std::array::from_fn(|i| {
            // i is 0..12, so the cast is lossless.
            let m = 4 + i as u32;
            if m <= 12 {
                YearMonth {
                    year: self.0,
                    month: m,
                }
            } else {
                YearMonth {
                    year: self.0 + 1,
                    month: m - 12,
                }
            }
        })
    }

    /// The 令和 year number (year − 2018); zero or negative before 令和.
    pub fn reiwa(self) -> i32 {
        self.0 - 2018
    }

    /// The Japanese name: "令和7年度", "令和元年度" (2019), "平成30年度" (2018).
    pub fn label(self) -> String {
        format!("{}度", wareki_year(self.0))
    }
}

impl fmt::Display for FiscalYear {
    /// `FY2025`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FY{}", self.0)
    }
}

/// A calendar month, e.g. 2025-07.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u32,
}

impl YearMonth {
    /// `Some` for a valid month 1..=12 of a year in 1..=9999.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1..=9999).contains(&year) && (1..=12).contains(&month)).then_some(Self { year, month })
    }

    /// Strict `YYYY-MM` (exactly 4 digits, '-', 2 digits; month 01..12).
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 7 || b[4] != b'-' {
            return None;
        }
        if !b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit) {
            return None;
        }
        let year = s[..4].parse().ok()?;
        let month = s[5..].parse().ok()?;
        Self::new(year, month)
    }

    /// The month a date falls in.
    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        ymd(self.year, self.month, 1)
    }

    pub fn last_day(self) -> NaiveDate {
        let next_first = if self.month == 12 {
            ymd(self.year + 1, 1, 1)
        } else {
            ymd(self.year, self.month + 1, 1)
        };
        next_first.pred_opt().unwrap_or(next_first)
    }

    /// The fiscal year (年度) the month belongs to.
    pub fn fiscal_year(self) -> FiscalYear {
        FiscalYear::of(self.first_day())
    }

    /// The month before.
    pub fn previous(self) -> Self {
        Self::of(self.first_day().pred_opt().unwrap_or(self.first_day()))
    }

    /// The month after.
    pub fn next(self) -> Self {
        Self::of(self.last_day().succ_opt().unwrap_or(self.last_day()))
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Last day a one-stop exception (ワンストップ特例) request may arrive: 10 January of the next year.
pub fn one_stop_deadline(tax_year: i32) -> NaiveDate {
    ymd(tax_year + 1, 1, 10)
}

/// 1 January and 31 December of a tax (calendar) year: the receipt dates that count in it.
pub fn tax_year_bounds(tax_year: i32) -> (NaiveDate, NaiveDate) {
    (ymd(tax_year, 1, 1), ymd(tax_year, 12, 31))
}

/// Last day the ward sends the one-stop notices (申告特例通知書) of a tax year to the donors'
/// home municipalities: 31 January of the next year.
pub fn notice_deadline(tax_year: i32) -> NaiveDate {
    ymd(tax_year + 1, 1, 31)
}

/// The tax year whose notices staff are working on by default on `today`: until the end of
/// January that is last year's (the notices are due on 31 January), from 1 February this year's.
pub fn notice_tax_year(today: NaiveDate) -> i32 {
    if today.month() == 1 {
        today.year() - 1
    } else {
        today.year()
    }
}

/// A calendar year as written on tax papers: "令和7年" (2025), "令和元年" (2019), "平成30年".
/// 2019 is 令和元年 in tax use (令和元年分), though it began in 平成31年.
pub fn wareki_year(year: i32) -> String {
    match year - 2018 {
        1 => "令和元年".to_owned(),
        n if n > 1 => format!("令和{n}年"),
        _ => format!("平成{}年", year - 1988),
    }
}

/// A date known to be valid by construction; falls back to chrono's minimum instead of panicking
/// for years outside chrono's range (±262,142), which our callers never produce.
fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// A date in the Japanese era calendar (和暦) as printed on receipts: "令和7年7月14日",
/// "令和元年5月1日", "平成31年4月30日". The one place era dates are written.
pub fn wareki_date(d: NaiveDate) -> String {
    let reiwa_began = NaiveDate::from_ymd_opt(2019, 5, 1).unwrap_or(NaiveDate::MIN);
    let era = if d >= reiwa_began {
        let n = d.year() - 2018;
        if n == 1 {
            "令和元".to_owned()
        } else {
            format!("令和{n}")
        }
    } else {
        format!("平成{}", d.year() - 1988)
    };
    format!("{era}年{}月{}日", d.month(), d.day())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn jst(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        japan_offset()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn offset_is_plus_nine() {
        assert_eq!(japan_offset().local_minus_utc(), 9 * 3600);
    }

    #[test]
    fn utc_instant_lands_on_japan_date_around_15z() {
        let before: DateTime<Utc> = "2025-07-14T14:59:59Z".parse().unwrap();
        let at: DateTime<Utc> = "2025-07-14T15:00:00Z".parse().unwrap();
        assert_eq!(japan_date(before), date(2025, 7, 14));
        assert_eq!(japan_date(at), date(2025, 7, 15));
    }

    #[test]
    fn fiscal_year_boundary_in_jst() {
        let last_minute = jst(2026, 3, 31, 23, 59);
        let d = japan_date(last_minute);
        assert_eq!(FiscalYear::of(d).year(), 2025);
        assert_eq!(YearMonth::of(d), YearMonth::parse("2026-03").unwrap());
        assert_eq!(YearMonth::of(d).fiscal_year().year(), 2025);

        let first = jst(2026, 4, 1, 0, 0);
        assert_eq!(
            first,
            "2026-03-31T15:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        let d = japan_date(first);
        assert_eq!(FiscalYear::of(d).year(), 2026);
        assert_eq!(YearMonth::of(d).to_string(), "2026-04");
    }

    #[test]
    fn day_bounds() {
        let d = date(2025, 7, 14);
        assert_eq!(
            start_of_japan_day(d),
            "2025-07-13T15:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            end_of_japan_day(d),
            "2025-07-14T14:59:59.999999Z"
                .parse::<DateTime<Utc>>()
                .unwrap()
        );
        assert_eq!(japan_date(start_of_japan_day(d)), d);
        assert_eq!(japan_date(end_of_japan_day(d)), d);
        assert_eq!(
            japan_date(end_of_japan_day(d) + TimeDelta::microseconds(1)),
            date(2025, 7, 15)
        );
    }

    #[test]
    fn fiscal_year_range_and_days() {
        assert!(FiscalYear::new(1999).is_none());
        assert!(FiscalYear::new(2201).is_none());
        let fy = FiscalYear::new(2025).unwrap();
        assert_eq!(fy.first_day(), date(2025, 4, 1));
        assert_eq!(fy.last_day(), date(2026, 3, 31));
        assert_eq!(fy.previous().year(), 2024);
        assert!(fy.contains(date(2026, 1, 1)));
        assert!(!fy.contains(date(2025, 3, 31)));
        assert_eq!(FiscalYear::of(date(2025, 3, 31)).year(), 2024);
        assert_eq!(FiscalYear::of(date(2025, 4, 1)).year(), 2025);
    }

    #[test]
    fn fiscal_year_months_run_april_to_march() {
        let months = FiscalYear::new(2025).unwrap().months();
        let names: Vec<String> = months.iter().map(ToString::to_string).collect();
        assert_eq!(names[0], "2025-04");
        assert_eq!(names[8], "2025-12");
        assert_eq!(names[9], "2026-01");
        assert_eq!(names[11], "2026-03");
        assert!(months.iter().all(|m| m.fiscal_year().year() == 2025));
    }

    #[test]
    fn labels_in_japanese_eras() {
        let label = |y| FiscalYear::new(y).unwrap().label();
        assert_eq!(label(2025), "令和7年度");
        assert_eq!(label(2020), "令和2年度");
        assert_eq!(label(2019), "令和元年度");
        assert_eq!(label(2018), "平成30年度");
        assert_eq!(label(2000), "平成12年度");
        assert_eq!(FiscalYear::new(2025).unwrap().reiwa(), 7);
    }

    #[test]
    fn year_month_parse_is_strict() {
        assert_eq!(YearMonth::parse("2025-07").unwrap().month(), 7);
        for bad in [
            "2025-7",
            "2025-13",
            "2025-00",
            "25-07",
            "2025/07",
            "2025-07-01",
            "２０２５-07",
            " 2025-07",
            "+025-07",
        ] {
            assert!(YearMonth::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn year_month_days() {
        let feb = YearMonth::parse("2024-02").unwrap();
        assert_eq!(feb.first_day(), date(2024, 2, 1));
        assert_eq!(feb.last_day(), date(2024, 2, 29));
        assert_eq!(
            YearMonth::parse("2025-12").unwrap().last_day(),
            date(2025, 12, 31)
        );
        assert_eq!(
            YearMonth::parse("2026-01").unwrap().fiscal_year().year(),
            2025
        );
    }

    #[test]
    fn one_stop_deadline_is_january_tenth_next_year() {
        assert_eq!(one_stop_deadline(2025), date(2026, 1, 10));
    }

    #[test]
    fn notice_deadline_is_january_thirty_first_next_year() {
        assert_eq!(notice_deadline(2025), date(2026, 1, 31));
        assert_eq!(notice_deadline(2024), date(2025, 1, 31));
        assert!(one_stop_deadline(2025) < notice_deadline(2025));
    }

    #[test]
    fn notices_default_to_last_year_until_february() {
        assert_eq!(notice_tax_year(date(2026, 1, 1)), 2025);
        assert_eq!(notice_tax_year(date(2026, 1, 31)), 2025);
        assert_eq!(notice_tax_year(date(2026, 2, 1)), 2026);
        assert_eq!(notice_tax_year(date(2025, 12, 31)), 2025);
    }

    #[test]
    fn tax_years_in_japanese_eras() {
        assert_eq!(wareki_year(2025), "令和7年");
        assert_eq!(wareki_year(2019), "令和元年");
        assert_eq!(wareki_year(2018), "平成30年");
    }

    #[test]
    fn months_step_across_the_year() {
        let january = YearMonth::new(2026, 1).unwrap();
        assert_eq!(january.previous().to_string(), "2025-12");
        assert_eq!(january.previous().next(), january);
        assert_eq!(
            YearMonth::new(2026, 12).unwrap().next().to_string(),
            "2027-01"
        );
    }
}
