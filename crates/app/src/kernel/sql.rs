//! Hand-written SQL for the few reads that the database should aggregate (grouped figures),
//! written once for both engines.

use crate::{AppError, Owners};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement, TransactionTrait, Value};

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

/// A statement being written: `$n` placeholders and the values they bind, in order.
#[derive(Default, Clone)]
pub(crate) struct Sql {
    values: Vec<Value>,
}

impl Sql {
    /// The placeholder of one more value.
    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        format!("${}", self.values.len())
    }

    /// ` AND column IN (…)` for the rows a scope reaches: every row for the whole organization,
    /// else those whose owner is one of the scope's users (never an unowned row).
    pub(crate) fn owned_by(&mut self, column: &str, owners: &Owners) -> String {
        match owners {
            Owners::All => String::new(),
            Owners::Only(ids) if ids.is_empty() => " AND 1 = 0".to_owned(),
            Owners::Only(ids) => {
                let list: Vec<String> = ids.iter().map(|id| self.bind(*id)).collect();
                format!(" AND {column} IN ({})", list.join(", "))
            }
        }
    }

    /// The statement's rows. On PostgreSQL it is planned for its own values every time
    /// (`plan_cache_mode = force_custom_plan`, in a transaction of its own, hence a connection
    /// rather than a transaction): these are grouped figures over a period, and a cached plan
    /// made for no values in particular assumes a period holds a few hundred rows, then sorts
    /// fifty thousand where the primary key's order would have stopped after a hundred (at the
    /// 1M seed, the KPIs' first deal rows of a year: 47 ms generic, 0.2 ms planned for the
    /// values). Planning takes well under a millisecond beside that.
    pub(crate) async fn all(self, db: &DatabaseConnection, sql: &str) -> Result<Vec<QueryResult>, AppError> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(db.query_all_raw(self.statement(db, sql)).await?);
        }
        let txn = db.begin().await?;
        txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan").await?;
        let rows = txn.query_all_raw(self.statement(&txn, sql)).await?;
        txn.commit().await?;
        Ok(rows)
    }

    /// The statement with its values, for the connection's engine, to run as the caller needs.
    pub(crate) fn statement<C: ConnectionTrait>(self, db: &C, sql: &str) -> Statement {
        statement(db, sql, self.values)
    }

    /// The one row of an aggregate without GROUP BY.
    pub(crate) async fn one(self, db: &DatabaseConnection, sql: &str) -> Result<Option<QueryResult>, AppError> {
        Ok(self.all(db, sql).await?.into_iter().next())
    }
}

/// A BIGINT column of an aggregate row; zero when there is no row.
pub(crate) fn int(row: Option<&QueryResult>, column: &str) -> Result<i64, AppError> {
    Ok(match row {
        Some(r) => r.try_get::<Option<i64>>("", column)?.unwrap_or(0),
        None => 0,
    })
}

/// `sql` with its placeholders renumbered after the first `by` values: PostgreSQL's `$n` becomes
/// `$(n + by)` and SQLite's bare `?` the next number from `$(by + 1)`. A statement built on its
/// own (a sea-query condition, for the connection's engine) is spliced this way into a bigger
/// one written with `$n`. Values are always bound, so a placeholder sign is never inside a
/// literal of a built statement.
pub fn shifted(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut next = by;
    while let Some(c) = chars.next() {
        if c != '$' && c != '?' {
            out.push(c);
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
            digits.push(d);
            chars.next();
        }
        out.push('$');
        match digits.parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => {
                next += 1;
                out.push_str(&next.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_of_either_engine_are_renumbered_after_the_given_values() {
        assert_eq!(super::shifted("a = $1 AND b IN ($2, $10)", 7), "a = $8 AND b IN ($9, $17)");
        assert_eq!(super::shifted("a = ? AND b IN (?, ?)", 7), "a = $8 AND b IN ($9, $10)");
    }
}
