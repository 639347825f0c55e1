//! Custom scalars.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use std::str::FromStr;

/// An exact decimal number written as a string, such as "1200.50"; never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal(pub rust_decimal::Decimal);

/// An exact decimal number written as a string, such as "1200.50"; never a float.
#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    /// Checked during validation, so that a malformed amount (a JSON number, `"abc"`, `"1e400"`,
    /// more digits than fit) is a request error naming its field, never a resolver fault.
    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if rust_decimal::Decimal::from_str(s.trim()).is_ok())
    }

    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => rust_decimal::Decimal::from_str(s.trim())
                .map(Decimal)
                .map_err(|_| InputValueError::custom(format!("\"{s}\" is not a decimal number"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

impl From<rust_decimal::Decimal> for Decimal {
    fn from(d: rust_decimal::Decimal) -> Self {
        Decimal(d)
    }
}
