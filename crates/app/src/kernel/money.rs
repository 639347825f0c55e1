//! Money in minor units: the ledger stores every amount as whole hundredths.

use crate::AppError;
use rust_decimal::Decimal;

/// Converts an amount with at most two decimals into minor units (cents).
pub fn to_minor(amount: Decimal) -> Result<i64, AppError> {
    let cents = (amount * Decimal::ONE_HUNDRED).round();
    i64::try_from(cents).map_err(|_| AppError::bad_input("amount", "is too large"))
}

/// Converts minor units (cents) back into an amount.
pub fn from_minor(minor: i64) -> Decimal {
    Decimal::new(minor, 2)
}
