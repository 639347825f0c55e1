//! Money: a decimal amount and an ISO-4217 currency code, never a float.

use rust_decimal::Decimal;
use std::fmt;

/// An ISO-4217 alphabetic code such as `USD`: three upper-case ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Currency(String);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, String> {
        let code = code.trim();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Currency(code.to_owned()))
        } else {
            Err(format!("`{code}` is not an ISO-4217 currency code (three upper-case letters)"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An amount in a currency. Amounts carry at most two decimal places (cents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    /// Parses a non-negative amount with at most two decimal places.
    pub fn parse_non_negative(amount: Decimal, currency: &str) -> Result<Self, String> {
        let currency = Currency::parse(currency)?;
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err("amount must not be negative".into());
        }
        if amount.normalize().scale() > 2 {
            return Err("amount has more than two decimal places".into());
        }
        Ok(Money { amount: amount.round_dp(2), currency })
    }
}

/// `amount * num / den` rounded half to even, in integers (minor units); `None` on overflow
/// or a zero denominator.
pub fn split_round(amount: i64, num: i64, den: i64) -> Option<i64> {
    if den == 0 {
        return None;
    }
    let p = i128::from(amount) * i128::from(num);
    let d = i128::from(den);
    let (q, r) = (p.div_euclid(d), p.rem_euclid(d));
    let twice = 2 * r;
    let q = if twice > d || (twice == d && q % 2 != 0) { q + 1 } else { q };
    i64::try_from(q).ok()
}

/// Splits a total into parts proportional to `weights`, every part in whole minor units and
/// the parts adding up to the total exactly (the cents left by rounding go to the first parts).
pub fn split_weighted(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0 {
        return vec![];
    }
    let mut parts: Vec<i64> =
        weights.iter().map(|w| (i128::from(total) * i128::from(*w)).div_euclid(i128::from(sum)) as i64).collect();
    let mut rest = total - parts.iter().sum::<i64>();
    let n = parts.len();
    let mut i = 0;
    while rest > 0 {
        parts[i % n] += 1;
        rest -= 1;
        i += 1;
    }
    parts
}

/// Splits a total into `n` equal parts (to the cent) that add up exactly.
pub fn split_even(total: i64, n: usize) -> Vec<i64> {
    split_weighted(total, &vec![1; n])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn even_splits_add_up_exactly(total in 0i64..10_000_000_000, n in 1usize..120) {
            let parts = split_even(total, n);
            prop_assert_eq!(parts.len(), n);
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
            let (min, max) = (parts.iter().min().copied().unwrap_or(0), parts.iter().max().copied().unwrap_or(0));
            prop_assert!(max - min <= 1, "parts differ by at most a cent");
        }

        #[test]
        fn weighted_splits_add_up_exactly(total in 0i64..10_000_000_000, w in proptest::collection::vec(1i64..100, 1..10)) {
            let parts = split_weighted(total, &w);
            prop_assert_eq!(parts.len(), w.len());
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
        }

        #[test]
        fn rounding_a_share_stays_within_half_a_cent(amount in 0i64..1_000_000_000, bp in 0i64..10_000) {
            let share = split_round(amount, bp, 10_000).unwrap_or(-1);
            let exact = amount as f64 * bp as f64 / 10_000.0;
            prop_assert!((share as f64 - exact).abs() <= 0.5 + 1e-6);
        }
    }

    #[test]
    fn half_cents_round_to_even() {
        assert_eq!(split_round(5, 1, 2), Some(2));
        assert_eq!(split_round(15, 1, 10), Some(2));
        assert_eq!(split_round(25, 1, 10), Some(2));
        assert_eq!(split_round(35, 1, 10), Some(4));
        assert_eq!(split_round(1, 1, 0), None);
        assert_eq!(split_weighted(100, &[30, 40, 30]), vec![30, 40, 30]);
        assert_eq!(split_even(100, 3), vec![34, 33, 33]);
    }

    #[test]
    fn currency_codes_are_three_upper_case_letters() {
        assert!(Currency::parse("USD").is_ok());
        assert!(Currency::parse("usd").is_err());
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("USDX").is_err());
    }

    #[test]
    fn money_refuses_negative_amounts_and_fractions_of_a_cent() {
        let d = |s: &str| Decimal::from_str(s).unwrap_or_default();
        assert!(Money::parse_non_negative(d("1200.50"), "USD").is_ok());
        assert!(Money::parse_non_negative(d("1200.500"), "USD").is_ok());
        assert!(Money::parse_non_negative(d("-1"), "USD").is_err());
        assert!(Money::parse_non_negative(d("1.005"), "USD").is_err());
    }
}
