//! Year-end projection of a fiscal year's donation total from last year's monthly pattern.

/// Projects the fiscal year-end total (yen) from the months elapsed so far.
///
/// Method ("last year's seasonality"): donations follow a strong yearly rhythm (December alone
/// brings most of a year), so a straight-line extrapolation is badly wrong. Instead
///
/// ```text
/// projection = actual so far × (previous year's full-year total ÷ previous year's total
///                                over the same elapsed months)
/// ```
///
/// computed as `actual × prev_full / prev_same` in i128 and rounded down. Months are in fiscal
/// order (index 0 = April … 11 = March) and `months_elapsed` counts the complete months included.
///
/// Returns `None` when nothing can be projected — `months_elapsed` is 0, or the previous year's
/// same-months total is not positive — so the caller chooses a fallback; also `None` if the
/// result does not fit an i64. When all 12 months have elapsed the actual total is returned.
/// `months_elapsed` above 12 is treated as 12.
pub fn project_year_end(
    actual_by_month: &[i64; 12],
    months_elapsed: usize,
    previous_year_by_month: &[i64; 12],
) -> Option<i64> {
    let elapsed = months_elapsed.min(12);
    if elapsed == 0 {
        return None;
    }
    let sum = |months: &[i64]| months.iter().map(|&m| i128::from(m)).sum::<i128>();
    let actual = sum(&actual_by_month[..elapsed]);
    if elapsed == 12 {
        return i64::try_from(actual).ok();
    }
    let previous_same = sum(&previous_year_by_month[..elapsed]);
    if previous_same <= 0 {
        return None;
    }
    let previous_full = sum(previous_year_by_month);
    let projected = actual.checked_mul(previous_full)?.div_euclid(previous_same);
    i64::try_from(projected).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    /// A year shaped like the ward's: quiet months and a December peak (index 8).
    const PREVIOUS: [i64; 12] = [
        2_000_000, 2_000_000, 3_000_000, 3_000_000, 3_000_000, 4_000_000, 5_000_000, 8_000_000,
        40_000_000, 2_000_000, 1_000_000, 1_000_000,
    ];

    #[test]
    fn scales_by_previous_years_pattern() {
        // Previous year: April–June 7,000,000 of 74,000,000.
        let mut actual = [0; 12];
        actual[..3].copy_from_slice(&[3_000_000, 3_000_000, 4_500_000]);
        // 10,500,000 × 74,000,000 / 7,000,000 = 111,000,000.
        assert_eq!(project_year_end(&actual, 3, &PREVIOUS), Some(111_000_000));
    }

    #[test]
    fn ignores_months_not_yet_elapsed_and_rounds_down() {
        let mut actual = [999; 12];
        actual[0] = 1;
        // 1 × 74,000,000 / 2,000,000 = 37; the 999s after April are ignored.
        assert_eq!(project_year_end(&actual, 1, &PREVIOUS), Some(37));

        let previous = [3; 12];
        let actual = [10, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        // 11 × 36 / 6 = 66; 13 × 36 / 9 = 52 (52.0); 10 × 36 / 3 = 120.
        assert_eq!(project_year_end(&actual, 1, &previous), Some(120));
        assert_eq!(project_year_end(&actual, 2, &previous), Some(66));
        assert_eq!(project_year_end(&actual, 3, &previous), Some(52));
        let previous = [7; 12];
        // 10 × 84 / 7 = 120; 11 × 84 / 14 = 66; 13 × 84 / 21 = 52.
        assert_eq!(project_year_end(&actual, 3, &previous), Some(52));
        let previous = [7, 7, 7, 1, 1, 1, 1, 1, 1, 1, 1, 1];
        // 13 × 30 / 21 = 18.57… → 18.
        assert_eq!(project_year_end(&actual, 3, &previous), Some(18));
    }

    #[test]
    fn twelve_months_is_the_actual_total() {
        let actual = [10_000_000; 12];
        assert_eq!(project_year_end(&actual, 12, &[0; 12]), Some(120_000_000));
        assert_eq!(project_year_end(&actual, 13, &PREVIOUS), Some(120_000_000));
    }

    #[test]
    fn none_without_a_basis() {
        let actual = [1_000; 12];
        assert_eq!(project_year_end(&actual, 0, &PREVIOUS), None);
        assert_eq!(project_year_end(&actual, 3, &[0; 12]), None);
        let mut late_start = [0; 12];
        late_start[8] = 5_000_000;
        assert_eq!(project_year_end(&actual, 6, &late_start), None);
    }

    #[test]
    fn large_values_do_not_overflow_the_intermediate() {
        let actual = [i64::MAX / 12; 12];
        let previous = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        assert_eq!(
            project_year_end(&actual, 1, &previous),
            Some(i64::MAX / 12 * 2)
        );
        let previous = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1_000];
        assert_eq!(project_year_end(&actual, 1, &previous), None);
    }
}
