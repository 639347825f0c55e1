//! Hand-written SQL for the few reads that the database should aggregate (grouped figures),
//! written once for both engines.

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

/// A statement written with PostgreSQL's `$n` placeholders, rewritten to SQLite's `?n` (the
/// same numbered binding) when the connection is SQLite.
pub fn statement<C: ConnectionTrait>(db: &C, sql: &str, values: Vec<Value>) -> Statement {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}
