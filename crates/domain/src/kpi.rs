//! KPI arithmetic: rates and averages from counts, with a defined answer for empty periods.

use rust_decimal::Decimal;

/// `numerator / denominator` rounded to four places without trailing zeros; zero when there is
/// no denominator.
pub fn rate(numerator: i64, denominator: i64) -> Decimal {
    if denominator <= 0 {
        Decimal::ZERO
    } else {
        (Decimal::from(numerator) / Decimal::from(denominator)).round_dp(4).normalize()
    }
}

/// The mean of whole values rounded to two places; zero for none.
pub fn mean(values: &[i64]) -> Decimal {
    mean_of(values.iter().sum(), values.len() as i64)
}

/// The mean of `count` whole values adding up to `sum`, rounded to two places; zero for none.
pub fn mean_of(sum: i64, count: i64) -> Decimal {
    if count <= 0 { Decimal::ZERO } else { (Decimal::from(sum) / Decimal::from(count)).round_dp(2).normalize() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn rates_and_means_are_defined_for_empty_periods() {
        assert_eq!(rate(1, 3), Decimal::from_str("0.3333").unwrap_or_default());
        assert_eq!(rate(2, 2), Decimal::ONE);
        assert_eq!(rate(1, 2).to_string(), "0.5");
        assert_eq!(rate(5, 0), Decimal::ZERO);
        assert_eq!(mean(&[10, 20, 40]), Decimal::from_str("23.33").unwrap_or_default());
        assert_eq!(mean(&[]), Decimal::ZERO);
        assert_eq!(mean_of(70, 3), mean(&[10, 20, 40]));
        assert_eq!(mean_of(5, 0), Decimal::ZERO);
    }
}
