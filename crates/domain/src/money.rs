//! Money: a decimal amount and an ISO-4217 currency code, never a float.
//!
//! The ledger keeps every amount as whole hundredths of its currency ([`LEDGER_DIGITS`]). A
//! currency with two minor digits (USD, EUR) fills them; one with none (JPY, KRW) uses every
//! hundredth-th step: its amounts, and every figure computed from them, are whole multiples of
//! its [`Currency::ledger_unit`]. A currency with three or four minor digits (KWD, CLF) cannot
//! be held exactly in hundredths and is refused where a currency is chosen.

use rust_decimal::Decimal;
use std::fmt;

/// Fractional digits the ledger keeps of every currency: amounts are stored in hundredths.
pub const LEDGER_DIGITS: u32 = 2;

/// ISO 4217's active codes with the number of their minor digits (the standard's "minor unit"),
/// without the funds, metals and test codes that have none.
#[rustfmt::skip]
const ISO_4217: &[(&str, u32)] = &[
    ("AED", 2), ("AFN", 2), ("ALL", 2), ("AMD", 2), ("AOA", 2), ("ARS", 2), ("AUD", 2), ("AWG", 2),
    ("AZN", 2), ("BAM", 2), ("BBD", 2), ("BDT", 2), ("BHD", 3), ("BIF", 0), ("BMD", 2), ("BND", 2),
    ("BOB", 2), ("BOV", 2), ("BRL", 2), ("BSD", 2), ("BTN", 2), ("BWP", 2), ("BYN", 2), ("BZD", 2),
    ("CAD", 2), ("CDF", 2), ("CHE", 2), ("CHF", 2), ("CHW", 2), ("CLF", 4), ("CLP", 0), ("CNY", 2),
    ("COP", 2), ("COU", 2), ("CRC", 2), ("CUP", 2), ("CVE", 2), ("CZK", 2), ("DJF", 0), ("DKK", 2),
    ("DOP", 2), ("DZD", 2), ("EGP", 2), ("ERN", 2), ("ETB", 2), ("EUR", 2), ("FJD", 2), ("FKP", 2),
    ("GBP", 2), ("GEL", 2), ("GHS", 2), ("GIP", 2), ("GMD", 2), ("GNF", 0), ("GTQ", 2), ("GYD", 2),
    ("HKD", 2), ("HNL", 2), ("HTG", 2), ("HUF", 2), ("IDR", 2), ("ILS", 2), ("INR", 2), ("IQD", 3),
    ("IRR", 2), ("ISK", 0), ("JMD", 2), ("JOD", 3), ("JPY", 0), ("KES", 2), ("KGS", 2), ("KHR", 2),
    ("KMF", 0), ("KPW", 2), ("KRW", 0), ("KWD", 3), ("KYD", 2), ("KZT", 2), ("LAK", 2), ("LBP", 2),
    ("LKR", 2), ("LRD", 2), ("LSL", 2), ("LYD", 3), ("MAD", 2), ("MDL", 2), ("MGA", 2), ("MKD", 2),
    ("MMK", 2), ("MNT", 2), ("MOP", 2), ("MRU", 2), ("MUR", 2), ("MVR", 2), ("MWK", 2), ("MXN", 2),
    ("MXV", 2), ("MYR", 2), ("MZN", 2), ("NAD", 2), ("NGN", 2), ("NIO", 2), ("NOK", 2), ("NPR", 2),
    ("NZD", 2), ("OMR", 3), ("PAB", 2), ("PEN", 2), ("PGK", 2), ("PHP", 2), ("PKR", 2), ("PLN", 2),
    ("PYG", 0), ("QAR", 2), ("RON", 2), ("RSD", 2), ("RUB", 2), ("RWF", 0), ("SAR", 2), ("SBD", 2),
    ("SCR", 2), ("SDG", 2), ("SEK", 2), ("SGD", 2), ("SHP", 2), ("SLE", 2), ("SOS", 2), ("SRD", 2),
    ("SSP", 2), ("STN", 2), ("SVC", 2), ("SYP", 2), ("SZL", 2), ("THB", 2), ("TJS", 2), ("TMT", 2),
    ("TND", 3), ("TOP", 2), ("TRY", 2), ("TTD", 2), ("TWD", 2), ("TZS", 2), ("UAH", 2), ("UGX", 0),
    ("USD", 2), ("USN", 2), ("UYI", 0), ("UYU", 2), ("UYW", 4), ("UZS", 2), ("VED", 2), ("VES", 2),
    ("VND", 0), ("VUV", 0), ("WST", 2), ("XAF", 0), ("XCD", 2), ("XCG", 2), ("XOF", 0), ("XPF", 0),
    ("YER", 2), ("ZAR", 2), ("ZMW", 2), ("ZWG", 2),
];

/// The minor digits of an ISO-4217 code, `None` for a code the standard does not list.
pub fn minor_digits_of(code: &str) -> Option<u32> {
    ISO_4217.binary_search_by(|(c, _)| (*c).cmp(code)).ok().map(|i| ISO_4217[i].1)
}

/// Hundredths in the smallest unit of a stored currency code: 1 for USD (a cent), 100 for JPY
/// (a yen). A code the ledger cannot hold exactly counts in hundredths, as it is stored.
pub fn ledger_unit_of(code: &str) -> i64 {
    match minor_digits_of(code) {
        Some(d) if d <= LEDGER_DIGITS => 10i64.pow(LEDGER_DIGITS - d),
        _ => 1,
    }
}

/// A stored amount in hundredths as a decimal at its currency's minor digits: `120050` USD is
/// `1200.50`, `120000` JPY is `1200`. An amount that is not a whole number of the currency's
/// units (which the ledger never writes) keeps its hundredths rather than being rounded.
pub fn amount_of(minor: i64, code: &str) -> Decimal {
    let mut d = Decimal::new(minor, LEDGER_DIGITS);
    let unit = ledger_unit_of(code);
    if unit > 1 && minor % unit == 0 {
        d.rescale(minor_digits_of(code).unwrap_or(LEDGER_DIGITS));
    }
    d
}

/// `amount` in the ledger's hundredths, rounded to the nearest one; `None` when it does not fit.
pub fn hundredths_of(amount: Decimal) -> Option<i64> {
    i64::try_from(amount.checked_mul(Decimal::ONE_HUNDRED)?.round()).ok()
}

/// A currency the ledger can hold: an active ISO-4217 code with at most two minor digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Currency {
    code: String,
    digits: u32,
}

impl Currency {
    pub fn parse(code: &str) -> Result<Self, String> {
        let code = code.trim();
        match minor_digits_of(code) {
            None => Err(format!("`{code}` is not an ISO-4217 currency code")),
            Some(digits) if digits > LEDGER_DIGITS => Err(format!(
                "{code} has {digits} minor digits; the ledger keeps hundredths, so it holds currencies of at most two"
            )),
            Some(digits) => Ok(Currency { code: code.to_owned(), digits }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The currency's minor digits: 2 for USD, 0 for JPY.
    pub fn minor_digits(&self) -> u32 {
        self.digits
    }

    /// Hundredths in the currency's smallest unit: 1 for USD, 100 for JPY. Every amount of the
    /// currency, stored or computed, is a whole multiple of it.
    pub fn ledger_unit(&self) -> i64 {
        10i64.pow(LEDGER_DIGITS - self.digits)
    }

    /// Checks that `amount` has no more decimals than the currency has minor digits.
    pub fn check_digits(&self, amount: Decimal) -> Result<(), String> {
        if amount.normalize().scale() <= self.digits {
            Ok(())
        } else if self.digits == 0 {
            Err(format!("a {} amount has no decimal places", self.code))
        } else {
            Err(format!("a {} amount has at most {} decimal places", self.code, self.digits))
        }
    }

    /// `amount` in hundredths, once its digits are checked; an error when it does not fit.
    pub fn to_minor(&self, amount: Decimal) -> Result<i64, String> {
        self.check_digits(amount)?;
        hundredths_of(amount).ok_or_else(|| "is too large".to_owned())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

/// An amount in a currency, with no more decimals than the currency has minor digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    /// Parses a non-negative amount with no more decimals than its currency has.
    pub fn parse_non_negative(amount: Decimal, currency: &str) -> Result<Self, String> {
        let currency = Currency::parse(currency)?;
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err("amount must not be negative".into());
        }
        currency.check_digits(amount)?;
        Ok(Money { amount: amount.round_dp(currency.digits), currency })
    }

    /// Parses a positive amount with no more decimals than its currency has.
    pub fn parse_positive(amount: Decimal, currency: &str) -> Result<Self, String> {
        let m = Self::parse_non_negative(amount, currency)?;
        if m.amount.is_zero() {
            return Err("amount must be positive".into());
        }
        Ok(m)
    }

    /// The amount in the ledger's hundredths.
    pub fn minor(&self) -> Result<i64, String> {
        self.currency.to_minor(self.amount)
    }
}

/// `amount * num / den` rounded half to even to a whole multiple of `unit` (the currency's
/// [`Currency::ledger_unit`]; `amount` is one already); `None` on overflow or a zero
/// denominator.
pub fn share(amount: i64, num: i64, den: i64, unit: i64) -> Option<i64> {
    split_round(amount, num, den.checked_mul(unit.max(1))?)?.checked_mul(unit.max(1))
}

/// Splits a total into parts proportional to `weights`, each a whole multiple of `unit`, adding
/// up to the total exactly (what rounding leaves goes to the first parts, a unit each).
pub fn split_weighted_in(total: i64, weights: &[i64], unit: i64) -> Vec<i64> {
    let unit = unit.max(1);
    let mut parts: Vec<i64> = split_weighted(total.div_euclid(unit), weights).into_iter().map(|p| p * unit).collect();
    if let Some(first) = parts.first_mut() {
        *first += total.rem_euclid(unit);
    }
    parts
}

/// Splits a total into `n` equal parts, each a whole multiple of `unit`, that add up exactly.
pub fn split_even_in(total: i64, n: usize, unit: i64) -> Vec<i64> {
    split_weighted_in(total, &vec![1; n], unit)
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
    fn amounts_carry_their_currencys_minor_digits() {
        let d = |s: &str| Decimal::from_str(s).unwrap_or_default();
        assert_eq!(Currency::parse("JPY").map(|c| (c.minor_digits(), c.ledger_unit())), Ok((0, 100)));
        assert_eq!(Currency::parse("USD").map(|c| (c.minor_digits(), c.ledger_unit())), Ok((2, 1)));
        assert!(Currency::parse("KWD").is_err_and(|m| m.contains("3 minor digits")));
        assert!(Currency::parse("XAU").is_err(), "a metal is not a currency the ledger holds");
        assert!(Currency::parse("ABC").is_err(), "three letters are not enough: the code must exist");
        assert_eq!(Money::parse_non_negative(d("1200"), "JPY").and_then(|m| m.minor()), Ok(120_000));
        assert!(Money::parse_non_negative(d("1200.5"), "JPY").is_err_and(|m| m.contains("no decimal places")));
        assert_eq!(Money::parse_non_negative(d("1200.00"), "JPY").and_then(|m| m.minor()), Ok(120_000));
        assert!(Money::parse_non_negative(d("1.005"), "USD").is_err());
        assert!(Money::parse_positive(d("0"), "USD").is_err());
        assert_eq!(amount_of(120_000, "JPY").to_string(), "1200");
        assert_eq!(amount_of(120_050, "USD").to_string(), "1200.50");
        assert_eq!(amount_of(0, "USD").to_string(), "0.00");
        assert_eq!(amount_of(120_050, "JPY").to_string(), "1200.50", "a stray hundredth is shown, not rounded");
        assert_eq!(share(999_900, 1250, 10_000, 100), Some(125_000));
        assert_eq!(split_even_in(100_000, 3, 100), vec![33_400, 33_300, 33_300]);
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
