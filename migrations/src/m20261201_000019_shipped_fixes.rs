//! Changes that were once made to migrations 14 and 16 after they had shipped, so that a
//! database which applied the first versions gets them too: the retention job's index, the
//! reminder time of data-subject requests, and moving audit snapshots written before the chain
//! existed into `audit_payloads` (so they stay erasable). Each step checks first, so a
//! database that applied the later versions of 14 and 16 passes through unchanged.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COPY_LEGACY_SNAPSHOTS: &str = "INSERT INTO audit_payloads (audit_id, organization_id, before, after) \
     SELECT l.id, l.organization_id, l.before, l.after FROM audit_log l \
     WHERE (l.before IS NOT NULL OR l.after IS NOT NULL) \
     AND NOT EXISTS (SELECT 1 FROM audit_payloads p WHERE p.audit_id = l.id)";
const CLEAR_LEGACY_SNAPSHOTS: &str =
    "UPDATE audit_log SET before = NULL, after = NULL WHERE before IS NOT NULL OR after IS NOT NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_leads_status_disqualified")
                .table("leads")
                .col("status")
                .col("disqualified_at")
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        if !m.has_column("data_subject_requests", "reminded_at").await? {
            m.alter_table(
                Table::alter()
                    .table("data_subject_requests")
                    .add_column(timestamp_with_time_zone_null("reminded_at"))
                    .to_owned(),
            )
            .await?;
        }
        let db = m.get_connection();
        db.execute_unprepared(COPY_LEGACY_SNAPSHOTS).await?;
        // The append-only trigger stands in the way of clearing the copied snapshots; it is
        // lifted for this one statement inside the migration's transaction.
        match m.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only").await?;
                db.execute_unprepared(CLEAR_LEGACY_SNAPSHOTS).await?;
                db.execute_unprepared("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only").await?;
            }
            // One string, so the three run on one connection, as one unit.
            _ => {
                db.execute_unprepared(&format!(
                    "SAVEPOINT shipped_fixes; \
                     DROP TRIGGER IF EXISTS audit_log_no_update; \
                     {CLEAR_LEGACY_SNAPSHOTS}; \
                     CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
                     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END; \
                     RELEASE shipped_fixes;"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // The index and the column belong to the later versions of 14 and 16 as well; moving
        // the snapshots back would rewrite the audit log. Nothing is undone.
        Ok(())
    }
}
