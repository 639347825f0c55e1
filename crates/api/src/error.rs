//! The one mapping from application errors to GraphQL errors with a stable `extensions.code`.
//!
//! | code | meaning | from |
//! |---|---|---|
//! | `UNAUTHENTICATED` | no, invalid or expired credential; deactivated user | `AppError::Unauthenticated` |
//! | `FORBIDDEN` | the caller's roles lack the action (`reasons`) | `AppError::Forbidden` |
//! | `NOT_FOUND` | no such row in the caller's organization and scope | `AppError::NotFound` |
//! | `BAD_USER_INPUT` | malformed input (`field`) | `AppError::BadInput`, GraphQL validation |
//! | `CONFLICT` | stale `expectedVersion`, reused idempotency key | `AppError::Conflict` |
//! | `RULE_VIOLATION` | unmet rules (`rule`, `rules`, `reasons`) | `AppError::Rule` |
//! | `UNAVAILABLE` | the database cannot be reached now (HTTP 503, `Retry-After`) | `AppError::Unavailable` |
//! | `RATE_LIMITED` | too many attempts (HTTP 429, `Retry-After`, `retryAfter`) | `AppError::RateLimited` |
//! | `INTERNAL` | anything else; details only in the log (`requestId`) | `AppError::Internal` |

use async_graphql::{Error, ErrorExtensions};
use baton_app::AppError;

/// How long a client waits before retrying while the database is unavailable.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 2;

/// Converts an application error into a GraphQL error.
pub fn to_gql(e: AppError) -> Error {
    match e {
        AppError::Unauthenticated(msg) => Error::new(msg).extend_with(|_, x| x.set("code", "UNAUTHENTICATED")),
        AppError::Forbidden(reasons) => Error::new(format!("forbidden: {}", reasons.join("; "))).extend_with(|_, x| {
            x.set("code", "FORBIDDEN");
            x.set("reasons", reasons.clone());
        }),
        AppError::NotFound(what) => {
            Error::new(format!("{what} not found")).extend_with(|_, x| x.set("code", "NOT_FOUND"))
        }
        AppError::BadInput { field, message } => Error::new(format!("{field} {message}")).extend_with(|_, x| {
            x.set("code", "BAD_USER_INPUT");
            x.set("field", field.clone());
        }),
        AppError::Conflict(msg) => Error::new(msg).extend_with(|_, x| x.set("code", "CONFLICT")),
        AppError::Rule(violations) => {
            let rules: Vec<String> = violations.iter().map(|v| v.rule.to_owned()).collect();
            let reasons: Vec<String> = violations.iter().map(|v| v.reason.clone()).collect();
            let first = rules.first().cloned().unwrap_or_default();
            Error::new(format!("{first}: {}", reasons.join("; "))).extend_with(|_, x| {
                x.set("code", "RULE_VIOLATION");
                x.set("rule", first.clone());
                x.set("rules", rules.clone());
                x.set("reasons", reasons.clone());
            })
        }
        AppError::Unavailable(msg) => Error::new(msg).extend_with(|_, x| {
            x.set("code", "UNAVAILABLE");
            x.set("retryAfter", UNAVAILABLE_RETRY_AFTER_SECS);
        }),
        AppError::RateLimited { retry_after_secs } => {
            Error::new(format!("too many attempts; retry in {retry_after_secs} s")).extend_with(|_, x| {
                x.set("code", "RATE_LIMITED");
                x.set("retryAfter", retry_after_secs);
            })
        }
        AppError::Internal(err) => {
            tracing::error!(error = format!("{err:#}"), "internal error");
            Error::new("internal error").extend_with(|_, x| x.set("code", "INTERNAL"))
        }
    }
}

/// A refusal of the request's shape rather than of a value (`BAD_REQUEST`).
pub fn bad_request(message: &str) -> Error {
    Error::new(message).extend_with(|_, x| x.set("code", "BAD_REQUEST"))
}

/// `.gql()` on application results.
pub trait Gql<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> Gql<T> for Result<T, AppError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_gql)
    }
}
