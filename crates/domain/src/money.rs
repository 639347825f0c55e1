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

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

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
