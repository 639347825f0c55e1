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

impl Decimal {
    /// Fractional digits of a rate: a share between 0 and 1 such as `0.6222`.
    pub const RATE_SCALE: u32 = 4;

    /// `d` written with exactly `scale` fractional digits, rounded half away from zero.
    pub fn scaled(d: rust_decimal::Decimal, scale: u32) -> Self {
        let mut d = d.round_dp_with_strategy(scale, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        d.rescale(scale);
        Decimal(d)
    }

    /// A rate at [`Self::RATE_SCALE`] digits: `0` is `"0.0000"`, a half is `"0.5000"`.
    pub fn rate(d: rust_decimal::Decimal) -> Self {
        Self::scaled(d, Self::RATE_SCALE)
    }
}

/// An instant, written in RFC 3339 in UTC with milliseconds, such as
/// "2026-03-01T09:30:00.000Z"; any RFC 3339 offset is accepted as input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub chrono::DateTime<chrono::Utc>);

/// An instant, written in RFC 3339 in UTC with milliseconds, such as "2026-03-01T09:30:00.000Z";
/// any RFC 3339 offset is accepted as input.
#[Scalar(name = "DateTime", specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339")]
impl ScalarType for Timestamp {
    /// Checked during validation, so that a malformed instant is a request error naming its field.
    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if chrono::DateTime::parse_from_rfc3339(s.trim()).is_ok())
    }

    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s.trim())
                .map(|t| Timestamp(t.with_timezone(&chrono::Utc)))
                .map_err(|_| InputValueError::custom(format!("\"{s}\" is not an RFC 3339 date and time"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    }
}

impl From<chrono::DateTime<chrono::Utc>> for Timestamp {
    fn from(t: chrono::DateTime<chrono::Utc>) -> Self {
        Timestamp(t)
    }
}

impl From<Timestamp> for chrono::DateTime<chrono::Utc> {
    fn from(t: Timestamp) -> Self {
        t.0
    }
}
