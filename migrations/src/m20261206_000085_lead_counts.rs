//! Lead counts as the lists count them: how many leads each owner has in each status from each
//! source, kept by the database itself, so that a lead list's `totalCount` over a million-row
//! scope sums a few rows instead of counting the leads.
//!
//! Like the daily counts (migration 81), every insert, delete and update that changes a lead's
//! organization, owner, status or source appends signed delta rows in the writing transaction
//! (+1 for the row as it is now, −1 for the row as it was), so no path can leave the counts
//! behind and writers never wait for one another on a shared counter row; the
//! `foldDailyCounts` job folds each group's deltas into one row, and a reader sums whatever rows
//! there are. `owner_id` is the nil id for a lead without an owner (the shared pool).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    "CREATE TABLE lead_counts ( \
       id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
       organization_id uuid NOT NULL, owner_id uuid NOT NULL, status varchar(32) NOT NULL, \
       source varchar(32) NOT NULL, n bigint NOT NULL)",
    "CREATE INDEX ix_lead_counts_org_owner ON lead_counts (organization_id, owner_id, status, source) INCLUDE (n)",
    "CREATE FUNCTION baton_tally_leads() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'INSERT' THEN \
         INSERT INTO lead_counts (organization_id, owner_id, status, source, n) \
         SELECT organization_id, COALESCE(owner_id, '00000000-0000-0000-0000-000000000000'), status, source, COUNT(*) \
         FROM new_rows GROUP BY 1, 2, 3, 4; \
       ELSIF TG_OP = 'DELETE' THEN \
         INSERT INTO lead_counts (organization_id, owner_id, status, source, n) \
         SELECT organization_id, COALESCE(owner_id, '00000000-0000-0000-0000-000000000000'), status, source, -COUNT(*) \
         FROM old_rows GROUP BY 1, 2, 3, 4; \
       ELSE \
         INSERT INTO lead_counts (organization_id, owner_id, status, source, n) \
         SELECT organization_id, o, status, source, SUM(n) FROM ( \
           SELECT organization_id, COALESCE(owner_id, '00000000-0000-0000-0000-000000000000') AS o, status, source, \
                  1 AS n FROM new_rows \
           UNION ALL \
           SELECT organization_id, COALESCE(owner_id, '00000000-0000-0000-0000-000000000000'), status, source, -1 \
           FROM old_rows) x \
         GROUP BY organization_id, o, status, source HAVING SUM(n) <> 0; \
       END IF; \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER leads_tallied_insert AFTER INSERT ON leads REFERENCING NEW TABLE AS new_rows \
     FOR EACH STATEMENT EXECUTE FUNCTION baton_tally_leads()",
    "CREATE TRIGGER leads_tallied_delete AFTER DELETE ON leads REFERENCING OLD TABLE AS old_rows \
     FOR EACH STATEMENT EXECUTE FUNCTION baton_tally_leads()",
    "CREATE TRIGGER leads_tallied_update AFTER UPDATE ON leads REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows \
     FOR EACH STATEMENT EXECUTE FUNCTION baton_tally_leads()",
    "INSERT INTO lead_counts (organization_id, owner_id, status, source, n) \
     SELECT organization_id, COALESCE(owner_id, '00000000-0000-0000-0000-000000000000'), status, source, COUNT(*) \
     FROM leads GROUP BY 1, 2, 3, 4",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS leads_tallied_insert ON leads",
    "DROP TRIGGER IF EXISTS leads_tallied_delete ON leads",
    "DROP TRIGGER IF EXISTS leads_tallied_update ON leads",
    "DROP FUNCTION IF EXISTS baton_tally_leads()",
    "DROP TABLE IF EXISTS lead_counts",
];

/// SQLite has row-level triggers only; an update appends rows only when a counted column
/// changed.
const SQLITE_UP: &[&str] = &[
    "CREATE TABLE lead_counts ( \
       id INTEGER PRIMARY KEY AUTOINCREMENT, \
       organization_id BLOB NOT NULL, owner_id BLOB NOT NULL, status TEXT NOT NULL, source TEXT NOT NULL, \
       n INTEGER NOT NULL)",
    "CREATE INDEX ix_lead_counts_org_owner ON lead_counts (organization_id, owner_id, status, source, n)",
    "CREATE TRIGGER leads_tallied_insert AFTER INSERT ON leads BEGIN \
       INSERT INTO lead_counts (organization_id, owner_id, status, source, n) VALUES \
       (NEW.organization_id, COALESCE(NEW.owner_id, X'00000000000000000000000000000000'), NEW.status, NEW.source, 1); \
     END",
    "CREATE TRIGGER leads_tallied_delete AFTER DELETE ON leads BEGIN \
       INSERT INTO lead_counts (organization_id, owner_id, status, source, n) VALUES \
       (OLD.organization_id, COALESCE(OLD.owner_id, X'00000000000000000000000000000000'), OLD.status, OLD.source, -1); \
     END",
    "CREATE TRIGGER leads_tallied_update AFTER UPDATE ON leads \
     WHEN OLD.organization_id IS NOT NEW.organization_id OR OLD.owner_id IS NOT NEW.owner_id \
       OR OLD.status IS NOT NEW.status OR OLD.source IS NOT NEW.source BEGIN \
       INSERT INTO lead_counts (organization_id, owner_id, status, source, n) VALUES \
       (OLD.organization_id, COALESCE(OLD.owner_id, X'00000000000000000000000000000000'), OLD.status, OLD.source, -1), \
       (NEW.organization_id, COALESCE(NEW.owner_id, X'00000000000000000000000000000000'), NEW.status, NEW.source, 1); \
     END",
    "INSERT INTO lead_counts (organization_id, owner_id, status, source, n) \
     SELECT organization_id, COALESCE(owner_id, X'00000000000000000000000000000000'), status, source, COUNT(*) \
     FROM leads GROUP BY 1, 2, 3, 4",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS leads_tallied_insert",
    "DROP TRIGGER IF EXISTS leads_tallied_delete",
    "DROP TRIGGER IF EXISTS leads_tallied_update",
    "DROP TABLE IF EXISTS lead_counts",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Sqlite => crate::run_all(m, SQLITE_UP).await,
            _ => crate::run_all(m, POSTGRES_UP).await,
        }
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Sqlite => crate::run_all(m, SQLITE_DOWN).await,
            _ => crate::run_all(m, POSTGRES_DOWN).await,
        }
    }
}
