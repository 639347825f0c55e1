//! The one error type of the application layer. The API maps each variant to one stable
//! `extensions.code`.

use baton_domain::text::TextError;
use baton_domain::{Rule, Violation};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No, an invalid or an expired credential, or a deactivated user.
    #[error("authentication required: {0}")]
    Unauthenticated(String),
    /// The caller's roles do not allow the action.
    #[error("forbidden")]
    Forbidden(Vec<String>),
    /// The row does not exist, belongs to another organization, or lies outside the caller's scope.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Malformed input, with the GraphQL field it came from.
    #[error("{field} {message}")]
    BadInput { field: String, message: String },
    /// A stale `expectedVersion`, or an idempotency key reused with another payload.
    #[error("{0}")]
    Conflict(String),
    /// Unmet hand-off rules or gates, all of them.
    #[error("rule violation")]
    Rule(Vec<Violation>),
    /// The database (or another dependency) cannot be reached now; the client retries later.
    #[error("{0}")]
    Unavailable(String),
    /// Too many attempts; the client waits `retry_after_secs` seconds.
    #[error("too many attempts; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// Anything else; logged with the request id and never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn bad_input(field: &str, message: impl Into<String>) -> Self {
        AppError::BadInput { field: field.to_owned(), message: message.into() }
    }

    /// Maps a text parsing error onto the field it came from.
    pub fn text(field: &'static str) -> impl Fn(TextError) -> AppError {
        move |e| AppError::bad_input(field, e.to_string())
    }

    pub fn rule(rule: Rule, reason: impl Into<String>) -> Self {
        AppError::Rule(vec![Violation::new(rule, reason)])
    }

    pub fn stale(expected: i32, actual: i32) -> Self {
        AppError::Conflict(format!(
            "the object was changed meanwhile: you sent version {expected}, it is at version {actual}; reload and retry"
        ))
    }
}

/// The answer a client gets while the database cannot be reached.
pub const DATABASE_UNAVAILABLE: &str = "the database is unavailable; retry shortly";

/// True when a database error means "cannot reach the database now" rather than a fault in
/// the statement: a pool that could not hand out a connection in time, a refused or broken
/// connection.
pub fn is_outage(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    fn sqlx_outage(e: &sea_orm::sqlx::Error) -> bool {
        use sea_orm::sqlx::Error as S;
        matches!(e, S::Io(_) | S::PoolTimedOut | S::PoolClosed | S::Tls(_) | S::WorkerCrashed)
    }
    match e {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(RuntimeErr::SqlxError(s))
        | DbErr::Exec(RuntimeErr::SqlxError(s))
        | DbErr::Query(RuntimeErr::SqlxError(s)) => sqlx_outage(s),
        DbErr::Conn(_) => true,
        _ => false,
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        if is_outage(&e) {
            tracing::warn!(error = %e, "database unavailable");
            return AppError::Unavailable(DATABASE_UNAVAILABLE.into());
        }
        AppError::Internal(anyhow::Error::new(e).context("database"))
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(e: sea_orm::TransactionError<AppError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

/// Refuses a stale optimistic-concurrency version.
pub fn check_version(expected: Option<i32>, actual: i32) -> Result<(), AppError> {
    match expected {
        Some(e) if e != actual => Err(AppError::stale(e, actual)),
        _ => Ok(()),
    }
}

/// An error with each of its sources, `outer: inner: …`, so the log names the cause and not
/// only its kind.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        // Some errors already print their source; do not say it twice.
        if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// A stored fixed-choice value (a status, a stage, a kind) as its domain enum. A value that no
/// variant spells was written by something other than this code: an internal error naming what
/// it should have been, never a guess at what it meant.
pub(crate) fn stored<T>(value: &str, parse: impl Fn(&str) -> Option<T>, what: &'static str) -> Result<T, AppError> {
    parse(value)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the stored {what} {value:?} is not one this version knows")))
}
