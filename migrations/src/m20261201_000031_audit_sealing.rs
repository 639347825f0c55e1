//! Audit rows are written unsealed (no `seq`, `prev_hash` or `hash`) in the transaction of the
//! change, and chained afterwards by the sealer, so that one organization's writers no longer
//! queue behind one counter lock. The append-only guard now allows exactly one update of a row:
//! its sealing, which sets those three columns once and changes nothing else. A partial index
//! finds the pending rows.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
     WHEN NOT (OLD.seq IS NULL AND OLD.hash IS NULL \
       AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL \
       AND NEW.id IS OLD.id AND NEW.organization_id IS OLD.organization_id \
       AND NEW.actor_id IS OLD.actor_id AND NEW.actor_kind IS OLD.actor_kind \
       AND NEW.action IS OLD.action AND NEW.entity_type IS OLD.entity_type \
       AND NEW.entity_id IS OLD.entity_id AND NEW.before IS OLD.before AND NEW.after IS OLD.after \
       AND NEW.request_id IS OLD.request_id AND NEW.created_at IS OLD.created_at \
       AND NEW.payload_digest IS OLD.payload_digest) \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE INDEX ix_audit_unsealed ON audit_log (organization_id, id) WHERE seq IS NULL",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS ix_audit_unsealed",
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE OR REPLACE FUNCTION baton_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.hash IS NULL \
          AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL \
          AND (to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash') = (to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash') THEN \
         RETURN NEW; \
       END IF; \
       RAISE EXCEPTION 'audit_log is append-only'; \
     END $$",
    "CREATE INDEX ix_audit_unsealed ON audit_log (organization_id, id) WHERE seq IS NULL",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS ix_audit_unsealed",
    "CREATE OR REPLACE FUNCTION baton_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
];

/// Runs the statements as one string, so that on SQLite they run on one connection, in order.
async fn run(m: &SchemaManager<'_>, sql: &[&str]) -> Result<(), DbErr> {
    m.get_connection().execute_unprepared(&sql.join("; ")).await.map(|_| ())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Sqlite => run(m, SQLITE_UP).await,
            _ => run(m, POSTGRES_UP).await,
        }
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Sqlite => run(m, SQLITE_DOWN).await,
            _ => run(m, POSTGRES_DOWN).await,
        }
    }
}
