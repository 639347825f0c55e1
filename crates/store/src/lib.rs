//! Baton's storage: sea-orm entities, the connection to SQLite or PostgreSQL, and migrations.
//!
//! Only this crate derives sea-orm traits. The application layer builds queries from these
//! entities and converts rows into domain values by hand.

pub mod entity;

use std::time::Duration;

pub use migration::{Migrator, MigratorTrait};
pub use sea_orm;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// The default database: a SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://baton.db?mode=rwc";

/// Which engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of(url: &str) -> Result<Engine, String> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err(format!("unsupported database url (use sqlite:… or postgres://…): {}", redact_url(url)))
        }
    }
}

/// The URL with any password replaced, fit for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => {
                    format!("{}{}:[redacted]{}", &url[..scheme + 3], user, &url[at..])
                }
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Opens a pool. SQLite gets WAL, a busy timeout and foreign keys on every connection; a
/// SQLite file is created when missing.
/// `acquire_timeout` bounds how long a request waits for a connection, so that an outage is
/// answered quickly rather than at the request timeout.
pub async fn connect(url: &str, max_connections: u32, acquire_timeout: Duration) -> Result<DatabaseConnection, DbErr> {
    let engine = Engine::of(url).map_err(DbErr::Custom)?;
    // A SQLite file does not go away: there a wait for a connection means writers queueing,
    // which the busy timeout bounds, not an outage.
    let acquire_timeout =
        if engine == Engine::Sqlite { acquire_timeout.max(Duration::from_secs(10)) } else { acquire_timeout };
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(acquire_timeout)
        .acquire_timeout(acquire_timeout)
        // A connection handed out straight after its last use is not pinged first: the
        // ping on every checkout was a round trip to the database per statement. One idle
        // longer than this is pinged, and one that breaks (the database restarted) fails
        // its statement once, as UNAVAILABLE, and is then dropped from the pool.
        .test_before_acquire_if_idle_for(Duration::from_secs(5))
        .sqlx_logging(false);
    if engine == Engine::Sqlite {
        opts.map_sqlx_sqlite_opts(|o: SqliteConnectOptions| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    }
    Database::connect(opts).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// A cheap round trip, for `/readyz`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// On SQLite, folds the write-ahead log into the database file and empties it, so that the
/// file alone is a complete copy (a backup is then a file copy). Nothing on PostgreSQL.
pub async fn checkpoint(db: &DatabaseConnection) -> Result<(), DbErr> {
    if is_postgres(db) {
        return Ok(());
    }
    db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.map(|_| ())
}

/// True when the connection talks to PostgreSQL.
pub fn is_postgres(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_engine_and_passwords_never_reach_logs() {
        assert_eq!(Engine::of("sqlite://baton.db?mode=rwc"), Ok(Engine::Sqlite));
        assert_eq!(Engine::of("postgres://u:p@h/db"), Ok(Engine::Postgres));
        assert!(Engine::of("mysql://h/db").is_err());
        assert_eq!(redact_url("postgres://u:secret@h:5432/db"), "postgres://u:[redacted]@h:5432/db");
        assert_eq!(redact_url("sqlite://baton.db"), "sqlite://baton.db");
    }
}
