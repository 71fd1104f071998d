//! Deduction-limit simulation (控除上限額シミュレーション): about how much a salaried person can
//! donate in a year with only ¥2,000 of their own cost, by the formula the Ministry of Internal
//! Affairs publishes:
//!
//! ```text
//! limit = 住民税所得割額 × 20% ÷ (90% − 所得税の限界税率 × 1.021) + 2,000
//! ```
//!
//! with the resident tax's income deductions it needs (給与所得控除, 社会保険料, 基礎・配偶者・扶養控除,
//! 調整控除); the income tax rate it assumes follows from them too (地方税法 第37条の2).
//! It is an estimate: other income, other deductions (医療費, 住宅ローン, iDeCo) and the donor's
//! own municipality's figures change the real amount.

use serde::Serialize;

/// Who the donor is, as far as the estimate needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Household {
    /// The year the donations are made (its income; the resident tax of the next year).
    pub year: i32,
    /// 給与収入: annual salary before anything is taken off, in yen.
    pub salary: i64,
    /// 社会保険料: if not known, 15% of the salary (the ministry table's assumption).
    pub social_insurance: Option<i64>,
    /// A spouse with (almost) no income, for whom the donor takes 配偶者控除.
    pub spouse: bool,
    /// Dependants aged 16-18 or 23-69 (一般扶養).
    pub dependants_general: i64,
    /// Dependants aged 19-22 (特定扶養).
    pub dependants_19_to_22: i64,
    /// Dependants aged 70 or over, not living with the donor (老人扶養).
    pub dependants_70_plus: i64,
}

/// The estimate and the figures it rests on, so a page can show its working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Estimate {
    /// Donations up to about this many yen a year cost only ¥2,000 (rounded down to ¥1,000);
    /// 0 when there is no resident tax to deduct from.
    pub limit: i64,
    /// 給与所得: salary after the employment income deduction.
    pub employment_income: i64,
    /// 住民税所得割額 (after 調整控除).
    pub resident_tax: i64,
    /// The income tax's marginal rate the special deduction assumes, in percent.
    pub income_tax_rate_percent: i64,
}

const MAN: i64 = 10_000;

/// 給与所得: the salary after 給与所得控除. From ¥1,628,000 to under ¥6,600,000 the law's table
/// works on the salary rounded down to ¥4,000. From 2025 the smallest deduction is ¥650,000.
fn employment_income(salary: i64, year: i32) -> i64 {
    let minimum = if year >= 2025 { 65 * MAN } else { 55 * MAN };
    let s = if (1_628_000..6_600_000).contains(&salary) {
        salary / 4_000 * 4_000
    } else {
        salary
    };
    let deduction = match salary {
        ..=1_625_000 => minimum,
        1_625_001..=1_800_000 => (s * 4 / 10 - 10 * MAN).max(minimum),
        1_800_001..=3_600_000 => (s * 3 / 10 + 8 * MAN).max(minimum),
        3_600_001..=6_600_000 => s * 2 / 10 + 44 * MAN,
        6_600_001..=8_500_000 => s / 10 + 110 * MAN,
        _ => 195 * MAN,
    };
    // In the rounded band the law's table gives the income itself for the rounded salary.
    (s - deduction).max(0)
}

/// The resident tax's deductions for people, and how much smaller they are than the income
/// tax's (人的控除差, which 調整控除 and the rate of the special deduction use).
struct PersonalDeductions {
    resident_tax: i64,
    difference: i64,
}

fn personal_deductions(h: &Household, income: i64) -> PersonalDeductions {
    let basic = match income {
        i if i > 2_500 * MAN => 0,
        i if i > 2_450 * MAN => 15 * MAN,
        i if i > 2_400 * MAN => 29 * MAN,
        _ => 43 * MAN,
    };
    // 配偶者控除 shrinks as the donor's own income passes ¥9,000,000.
    let (spouse, spouse_difference) = match (h.spouse, income) {
        (false, _) => (0, 0),
        (true, i) if i <= 900 * MAN => (33 * MAN, 5 * MAN),
        (true, i) if i <= 950 * MAN => (22 * MAN, 4 * MAN),
        (true, i) if i <= 1_000 * MAN => (11 * MAN, 2 * MAN),
        (true, _) => (0, 0),
    };
    let dependants = h.dependants_general * 33 * MAN
        + h.dependants_19_to_22 * 45 * MAN
        + h.dependants_70_plus * 38 * MAN;
    let dependants_difference = h.dependants_general * 5 * MAN
        + h.dependants_19_to_22 * 18 * MAN
        + h.dependants_70_plus * 10 * MAN;
    PersonalDeductions {
        resident_tax: basic + spouse + dependants,
        difference: 5 * MAN + spouse_difference + dependants_difference,
    }
}

/// The income tax rate (percent) the special deduction assumes: by the resident tax's taxable
/// income less 人的控除差 (地方税法 第37条の2), in the income tax's brackets.
fn income_tax_rate(base: i64) -> i64 {
    match base {
        ..0 => 0,
        0..=1_950_000 => 5,
        1_950_001..=3_300_000 => 10,
        3_300_001..=6_950_000 => 20,
        6_950_001..=9_000_000 => 23,
        9_000_001..=18_000_000 => 33,
        18_000_001..=40_000_000 => 40,
        _ => 45,
    }
}

/// 調整控除: takes back the resident tax that the larger income tax deductions would otherwise
/// cost, as 5% of the difference (at least ¥2,500 above ¥2,000,000 of taxable income).
fn adjustment(taxable: i64, difference: i64, income: i64) -> i64 {
    if income > 2_500 * MAN || taxable <= 0 {
        return 0;
    }
    if taxable <= 200 * MAN {
        difference.min(taxable) * 5 / 100
    } else {
        (difference - (taxable - 200 * MAN)).max(5 * MAN) * 5 / 100
    }
}

/// Taxable incomes are counted in whole thousands of yen.
fn taxable(amount: i64) -> i64 {
    (amount.max(0)) / 1_000 * 1_000
}

pub fn estimate(h: &Household) -> Estimate {
    let income = employment_income(h.salary.max(0), h.year);
    let insurance = h.social_insurance.unwrap_or(h.salary * 15 / 100).max(0);
    let people = personal_deductions(h, income);
    let resident_tax_base = taxable(income - insurance - people.resident_tax);
    let levy = resident_tax_base / 10 - adjustment(resident_tax_base, people.difference, income);
    // 所得割 is counted in hundreds of yen.
    let resident_tax = levy.max(0) / 100 * 100;
    let rate = income_tax_rate(resident_tax_base - people.difference);
    let limit = if resident_tax == 0 {
        0
    } else {
        // limit − 2,000 = R × 20% ÷ (90% − rate × 1.021); in integers: R × 200,000 ÷ (900,000 − rate × 10,210).
        let special = resident_tax * 200_000 / (900_000 - rate * 10_210);
        (special + 2_000) / 1_000 * 1_000
    };
    Estimate {
        limit,
        employment_income: income,
        resident_tax,
        income_tax_rate_percent: rate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(salary_man: i64, adjust: impl Fn(&mut Household)) -> i64 {
        let mut h = Household {
            year: 2024,
            salary: salary_man * MAN,
            ..Household::default()
        };
        adjust(&mut h);
        estimate(&h).limit
    }

    /// 総務省「全額控除されるふるさと納税額（年間上限）の目安」, single or both spouses working.
    #[test]
    fn the_ministry_table_for_a_single_earner_is_reproduced() {
        let table = [
            (300, 28_000),
            (325, 31_000),
            (350, 34_000),
            (375, 38_000),
            (400, 42_000),
            (425, 45_000),
            (450, 52_000),
            (475, 56_000),
            (500, 61_000),
            (550, 69_000),
            (600, 77_000),
            (625, 81_000),
            (650, 97_000),
            (700, 108_000),
            (800, 129_000),
            (900, 152_000),
        ];
        for (salary, expected) in table {
            assert_eq!(limit(salary, |_| {}), expected, "年収{salary}万円");
        }
    }

    /// The same table's columns for a spouse without income and for children.
    #[test]
    fn the_ministry_table_for_households_is_reproduced() {
        let spouse = |h: &mut Household| h.spouse = true;
        assert_eq!(limit(300, spouse), 19_000);
        assert_eq!(limit(400, spouse), 33_000);
        assert_eq!(limit(500, spouse), 49_000);
        assert_eq!(limit(600, spouse), 69_000);
        // 共働き＋子1人（高校生）: a general dependant.
        let high_school = |h: &mut Household| h.dependants_general = 1;
        assert_eq!(limit(500, high_school), 49_000);
        // 共働き＋子1人（大学生）: a dependant aged 19-22.
        let university = |h: &mut Household| h.dependants_19_to_22 = 1;
        assert_eq!(limit(500, university), 44_000);
        // 夫婦＋子1人（高校生）.
        let family = |h: &mut Household| {
            h.spouse = true;
            h.dependants_general = 1;
        };
        assert_eq!(limit(500, family), 40_000);
    }

    #[test]
    fn no_resident_tax_means_nothing_to_deduct() {
        assert_eq!(limit(100, |_| {}), 0);
        assert_eq!(limit(0, |_| {}), 0);
    }

    #[test]
    fn known_social_insurance_replaces_the_assumed_fifteen_percent() {
        let assumed = limit(500, |_| {});
        let lower = limit(500, |h| h.social_insurance = Some(500_000));
        assert!(lower > assumed, "less insurance, more tax, a higher limit");
    }

    #[test]
    fn the_2025_reform_changes_only_what_it_changed() {
        // The larger minimum employment income deduction from 2025.
        assert_eq!(employment_income(1_500_000, 2024), 950_000);
        assert_eq!(employment_income(1_500_000, 2025), 850_000);
        assert_eq!(
            employment_income(5_000_000, 2025),
            employment_income(5_000_000, 2024)
        );
        // The resident tax's own deductions did not change: above the minimum, neither does the limit.
        for salary in [300, 500, 650, 800, 1_000] {
            assert_eq!(
                limit(salary, |_| {}),
                limit(salary, |h| h.year = 2026),
                "{salary}"
            );
        }
    }

    #[test]
    fn employment_income_follows_the_law_table() {
        assert_eq!(employment_income(1_625_000, 2024), 1_075_000);
        assert_eq!(employment_income(3_000_000, 2024), 2_020_000);
        assert_eq!(employment_income(4_000_000, 2024), 2_760_000);
        assert_eq!(employment_income(8_000_000, 2024), 6_100_000);
        assert_eq!(employment_income(10_000_000, 2024), 8_050_000);
        // From ¥1,628,000 to under ¥6,600,000 the table works on ¥4,000 steps.
        assert_eq!(employment_income(3_001_000, 2024), 2_020_000);
        assert_eq!(employment_income(3_003_999, 2024), 2_020_000);
        assert_eq!(employment_income(3_004_000, 2024), 2_022_800);
    }
}
