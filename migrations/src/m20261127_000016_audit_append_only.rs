//! The audit log is append-only in the database itself: rows cannot be updated or deleted, and
//! a payload can only be erased (snapshots set to NULL with `erased_at`), never rewritten or
//! removed. Whoever can drop these triggers can still tamper; the hash chain catches that.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_payloads_erase_only BEFORE UPDATE ON audit_payloads \
     WHEN NEW.before IS NOT NULL OR NEW.after IS NOT NULL OR NEW.erased_at IS NULL \
     BEGIN SELECT RAISE(ABORT, 'audit payloads can only be erased'); END",
    "CREATE TRIGGER audit_payloads_no_delete BEFORE DELETE ON audit_payloads \
     BEGIN SELECT RAISE(ABORT, 'audit payloads can only be erased'); END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
    "DROP TRIGGER IF EXISTS audit_payloads_erase_only",
    "DROP TRIGGER IF EXISTS audit_payloads_no_delete",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION baton_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log \
     FOR EACH ROW EXECUTE FUNCTION baton_audit_log_append_only()",
    "CREATE FUNCTION baton_audit_payloads_erase_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'DELETE' OR NEW.before IS NOT NULL OR NEW.after IS NOT NULL OR NEW.erased_at IS NULL THEN \
         RAISE EXCEPTION 'audit payloads can only be erased'; \
       END IF; \
       RETURN NEW; \
     END $$",
    "CREATE TRIGGER audit_payloads_erase_only BEFORE UPDATE OR DELETE ON audit_payloads \
     FOR EACH ROW EXECUTE FUNCTION baton_audit_payloads_erase_only()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "DROP TRIGGER IF EXISTS audit_payloads_erase_only ON audit_payloads",
    "DROP FUNCTION IF EXISTS baton_audit_log_append_only()",
    "DROP FUNCTION IF EXISTS baton_audit_payloads_erase_only()",
];

async fn run(m: &SchemaManager<'_>, sql: &[&str]) -> Result<(), DbErr> {
    for s in sql {
        m.get_connection().execute_unprepared(s).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Postgres => run(m, POSTGRES_UP).await,
            _ => run(m, SQLITE_UP).await,
        }
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Postgres => run(m, POSTGRES_DOWN).await,
            _ => run(m, SQLITE_DOWN).await,
        }
    }
}
