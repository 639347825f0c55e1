//! The one mapping from application errors to GraphQL errors with a stable `extensions.code`.
//!
//! | code | meaning | from |
//! |---|---|---|
//! | `UNAUTHENTICATED` | no, invalid or expired credential; deactivated user | `AppError::Unauthenticated` |
//! | `FORBIDDEN` | the caller's roles lack the action (`reasons`) | `AppError::Forbidden` |
//! | `NOT_FOUND` | no such row in the caller's organization and scope | `AppError::NotFound` |
//! | `BAD_USER_INPUT` | malformed input (`field`) | `AppError::BadInput`, GraphQL validation |
//! | `CONFLICT` | stale `expectedVersion`, reused idempotency key | `AppError::Conflict` |
//! | `RULE_VIOLATION` | unmet rules (`rule` the first, `rules` each once, `reasons` every condition, `violations` the pairs) | `AppError::Rule` |
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
            // `rules` names each unmet rule once, in order; `reasons` has every unmet condition,
            // and `violations` pairs each reason with its rule.
            let mut rules: Vec<String> = Vec::new();
            for v in &violations {
                if !rules.iter().any(|r| r == v.rule.code()) {
                    rules.push(v.rule.code().to_owned());
                }
            }
            let reasons: Vec<String> = violations.iter().map(|v| v.reason.clone()).collect();
            let pairs: Vec<async_graphql::Value> = violations
                .iter()
                .map(|v| {
                    let mut m = async_graphql::indexmap::IndexMap::new();
                    m.insert(async_graphql::Name::new("rule"), async_graphql::Value::from(v.rule.code()));
                    m.insert(async_graphql::Name::new("reason"), async_graphql::Value::from(v.reason.clone()));
                    async_graphql::Value::Object(m)
                })
                .collect();
            let first = rules.first().cloned().unwrap_or_default();
            Error::new(format!("{first}: {}", reasons.join("; "))).extend_with(|_, x| {
                x.set("code", "RULE_VIOLATION");
                x.set("rule", first.clone());
                x.set("rules", rules.clone());
                x.set("reasons", reasons.clone());
                x.set("violations", async_graphql::Value::List(pairs.clone()));
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
