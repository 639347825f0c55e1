//! Daily counts of leads, activities and deals, kept by the database itself so that the KPIs
//! of a period read one row per day, owner and source (or kind) instead of every lead,
//! activity and deal in it.
//!
//! Every insert, delete and relevant update of `leads`, `activities` and `opportunities` appends signed delta
//! rows (+1 for the row as it is now, −1 for the row as it was) in the writing transaction, so
//! no path can leave the counts behind, and writers never wait for one another on a shared
//! counter row. The `foldDailyCounts` job (and the scale seed) folds each group's deltas into
//! one row; a reader sums whatever rows there are, folded or not.
//!
//! Rows: `fact` is `lead` (by creation day; `dim` the source, `flagged` the converted ones) or
//! `activity` (by the day it occurred; `dim` the kind), `deal_created` (by creation day) or
//! `deal_closed` (by the day it closed; `dim` the deal's kind, `flagged` the won ones,
//! `amount` the won ones' sales cycles in whole days); `owner_id` is the lead's or deal's
//! owner or the activity's actor, the nil id when there is none. Days are UTC days.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    "CREATE TABLE daily_counts ( \
       id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
       organization_id uuid NOT NULL, fact varchar(16) NOT NULL, day date NOT NULL, \
       owner_id uuid NOT NULL, dim varchar(32) NOT NULL, n bigint NOT NULL, flagged bigint NOT NULL, \
       amount bigint NOT NULL DEFAULT 0)",
    "CREATE INDEX ix_daily_counts_org_fact_day ON daily_counts (organization_id, fact, day)",
    // Statement-level triggers with transition tables: one grouped insert per statement, so a
    // bulk insert of many leads appends one row per group, and an update that changes none of
    // the counted columns appends nothing.
    "CREATE FUNCTION baton_count_leads() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'INSERT' THEN \
         INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) \
         SELECT organization_id, 'lead', (created_at AT TIME ZONE 'UTC')::date, \
                COALESCE(owner_id, '00000000-0000-0000-0000-000000000000'), source, \
                COUNT(*), SUM(CASE WHEN status = 'CONVERTED' THEN 1 ELSE 0 END) \
         FROM new_rows GROUP BY 1, 2, 3, 4, 5; \
       ELSIF TG_OP = 'DELETE' THEN \
         INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) \
         SELECT organization_id, 'lead', (created_at AT TIME ZONE 'UTC')::date, \
                COALESCE(owner_id, '00000000-0000-0000-0000-000000000000'), source, \
                -COUNT(*), -SUM(CASE WHEN status = 'CONVERTED' THEN 1 ELSE 0 END) \
         FROM old_rows GROUP BY 1, 2, 3, 4, 5; \
       ELSE \
         INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) \
         SELECT organization_id, 'lead', d, o, source, SUM(n), SUM(c) FROM ( \
           SELECT organization_id, (created_at AT TIME ZONE 'UTC')::date AS d, \
                  COALESCE(owner_id, '00000000-0000-0000-0000-000000000000') AS o, source, \
                  1 AS n, CASE WHEN status = 'CONVERTED' THEN 1 ELSE 0 END AS c FROM new_rows \
           UNION ALL \
           SELECT organization_id, (created_at AT TIME ZONE 'UTC')::date, \
                  COALESCE(owner_id, '00000000-0000-0000-0000-000000000000'), source, \
                  -1, CASE WHEN status = 'CONVERTED' THEN -1 ELSE 0 END FROM old_rows) x \
         GROUP BY organization_id, d, o, source HAVING SUM(n) <> 0 OR SUM(c) <> 0; \
       END IF; \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER leads_counted_insert AFTER INSERT ON leads REFERENCING NEW TABLE AS new_rows \
     FOR EACH STATEMENT EXECUTE FUNCTION baton_count_leads()",
    "CREATE TRIGGER leads_counted_delete AFTER DELETE ON leads REFERENCING OLD TABLE AS old_rows \
     FOR EACH STATEMENT EXECUTE FUNCTION baton_count_leads()",
    "CREATE TRIGGER leads_counted_update AFTER UPDATE ON leads REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows \
     FOR EACH STATEMENT EXECUTE FUNCTION baton_count_leads()",
    "CREATE FUNCTION baton_count_activities() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'INSERT' THEN \
         INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) \
         SELECT organization_id, 'activity', (occurred_at AT TIME ZONE 'UTC')::date, \
                COALESCE(actor_id, '00000000-0000-0000-0000-000000000000'), kind, COUNT(*), 0 \
         FROM new_rows GROUP BY 1, 2, 3, 4, 5; \
       ELSIF TG_OP = 'DELETE' THEN \
         INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) \
         SELECT organization_id, 'activity', (occurred_at AT TIME ZONE 'UTC')::date, \
                COALESCE(actor_id, '00000000-0000-0000-0000-000000000000'), kind, -COUNT(*), 0 \
         FROM old_rows GROUP BY 1, 2, 3, 4, 5; \
       ELSE \
         INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) \
         SELECT organization_id, 'activity', d, o, kind, SUM(n), 0 FROM ( \
           SELECT organization_id, (occurred_at AT TIME ZONE 'UTC')::date AS d, \
                  COALESCE(actor_id, '00000000-0000-0000-0000-000000000000') AS o, kind, 1 AS n FROM new_rows \
           UNION ALL \
           SELECT organization_id, (occurred_at AT TIME ZONE 'UTC')::date, \
                  COALESCE(actor_id, '00000000-0000-0000-0000-000000000000'), kind, -1 FROM old_rows) x \
         GROUP BY organization_id, d, o, kind HAVING SUM(n) <> 0; \
       END IF; \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER activities_counted_insert AFTER INSERT ON activities REFERENCING NEW TABLE AS new_rows \
     FOR EACH STATEMENT EXECUTE FUNCTION baton_count_activities()",
    "CREATE TRIGGER activities_counted_delete AFTER DELETE ON activities REFERENCING OLD TABLE AS old_rows \
     FOR EACH STATEMENT EXECUTE FUNCTION baton_count_activities()",
    "CREATE TRIGGER activities_counted_update AFTER UPDATE ON activities REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows \
     FOR EACH STATEMENT EXECUTE FUNCTION baton_count_activities()",
    // Deals: created (by creation day) and closed (by closing day, won ones flagged with their
    // sales cycle in whole days, as `kpis` counts them).
    "CREATE FUNCTION baton_count_deal_rows(delta bigint, r opportunities) RETURNS void LANGUAGE sql AS $$ \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged, amount) \
       SELECT r.organization_id, 'deal_created', (r.created_at AT TIME ZONE 'UTC')::date, r.owner_id, '', delta, 0, 0 \
       UNION ALL \
       SELECT r.organization_id, 'deal_closed', (r.closed_at AT TIME ZONE 'UTC')::date, r.owner_id, r.kind, delta, \
              CASE WHEN r.stage = 'CLOSED_WON' THEN delta ELSE 0 END, \
              CASE WHEN r.stage = 'CLOSED_WON' \
                   THEN delta * (CAST(TRUNC(EXTRACT(EPOCH FROM (r.closed_at - r.created_at))) AS BIGINT) / 86400) ELSE 0 END \
       WHERE r.closed_at IS NOT NULL \
     $$",
    "CREATE FUNCTION baton_count_deals() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP <> 'INSERT' THEN PERFORM baton_count_deal_rows(-1, OLD); END IF; \
       IF TG_OP <> 'DELETE' THEN PERFORM baton_count_deal_rows(1, NEW); END IF; \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER opportunities_counted_rows AFTER INSERT OR DELETE ON opportunities \
     FOR EACH ROW EXECUTE FUNCTION baton_count_deals()",
    "CREATE TRIGGER opportunities_counted_update AFTER UPDATE ON opportunities FOR EACH ROW \
     WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id OR OLD.owner_id IS DISTINCT FROM NEW.owner_id \
       OR OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.closed_at IS DISTINCT FROM NEW.closed_at \
       OR OLD.kind IS DISTINCT FROM NEW.kind OR (OLD.stage = 'CLOSED_WON') IS DISTINCT FROM (NEW.stage = 'CLOSED_WON')) \
     EXECUTE FUNCTION baton_count_deals()",
    // The rows already there, folded.
    "INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) \
     SELECT organization_id, 'lead', (created_at AT TIME ZONE 'UTC')::date, \
            COALESCE(owner_id, '00000000-0000-0000-0000-000000000000'), source, \
            COUNT(*), SUM(CASE WHEN status = 'CONVERTED' THEN 1 ELSE 0 END) FROM leads GROUP BY 1, 2, 3, 4, 5",
    "INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) \
     SELECT organization_id, 'activity', (occurred_at AT TIME ZONE 'UTC')::date, \
            COALESCE(actor_id, '00000000-0000-0000-0000-000000000000'), kind, COUNT(*), 0 \
     FROM activities GROUP BY 1, 2, 3, 4, 5",
    "INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged, amount) \
     SELECT organization_id, 'deal_created', (created_at AT TIME ZONE 'UTC')::date, owner_id, '', COUNT(*), 0, 0 \
     FROM opportunities GROUP BY 1, 2, 3, 4, 5",
    "INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged, amount) \
     SELECT organization_id, 'deal_closed', (closed_at AT TIME ZONE 'UTC')::date, owner_id, kind, COUNT(*), \
            SUM(CASE WHEN stage = 'CLOSED_WON' THEN 1 ELSE 0 END), \
            SUM(CASE WHEN stage = 'CLOSED_WON' \
                     THEN CAST(TRUNC(EXTRACT(EPOCH FROM (closed_at - created_at))) AS BIGINT) / 86400 ELSE 0 END) \
     FROM opportunities WHERE closed_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS leads_counted_insert ON leads",
    "DROP TRIGGER IF EXISTS leads_counted_delete ON leads",
    "DROP TRIGGER IF EXISTS leads_counted_update ON leads",
    "DROP TRIGGER IF EXISTS activities_counted_insert ON activities",
    "DROP TRIGGER IF EXISTS activities_counted_delete ON activities",
    "DROP TRIGGER IF EXISTS activities_counted_update ON activities",
    "DROP FUNCTION IF EXISTS baton_count_leads()",
    "DROP FUNCTION IF EXISTS baton_count_activities()",
    "DROP TRIGGER IF EXISTS opportunities_counted_rows ON opportunities",
    "DROP TRIGGER IF EXISTS opportunities_counted_update ON opportunities",
    "DROP FUNCTION IF EXISTS baton_count_deals()",
    "DROP FUNCTION IF EXISTS baton_count_deal_rows(bigint, opportunities)",
    "DROP TABLE IF EXISTS daily_counts",
];

/// SQLite has row-level triggers only; an update appends rows only when a counted column
/// changed. Instants are stored as RFC 3339 text in UTC, so the first ten characters are the
/// UTC day.
const SQLITE_UP: &[&str] = &[
    "CREATE TABLE daily_counts ( \
       id INTEGER PRIMARY KEY AUTOINCREMENT, \
       organization_id BLOB NOT NULL, fact TEXT NOT NULL, day date_text NOT NULL, \
       owner_id BLOB NOT NULL, dim TEXT NOT NULL, n INTEGER NOT NULL, flagged INTEGER NOT NULL, \
       amount INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX ix_daily_counts_org_fact_day ON daily_counts (organization_id, fact, day)",
    "CREATE TRIGGER leads_counted_insert AFTER INSERT ON leads BEGIN \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) VALUES \
       (NEW.organization_id, 'lead', substr(NEW.created_at, 1, 10), \
        COALESCE(NEW.owner_id, X'00000000000000000000000000000000'), NEW.source, 1, NEW.status = 'CONVERTED'); \
     END",
    "CREATE TRIGGER leads_counted_delete AFTER DELETE ON leads BEGIN \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) VALUES \
       (OLD.organization_id, 'lead', substr(OLD.created_at, 1, 10), \
        COALESCE(OLD.owner_id, X'00000000000000000000000000000000'), OLD.source, -1, -(OLD.status = 'CONVERTED')); \
     END",
    "CREATE TRIGGER leads_counted_update AFTER UPDATE ON leads \
     WHEN OLD.organization_id IS NOT NEW.organization_id OR OLD.owner_id IS NOT NEW.owner_id \
       OR OLD.source IS NOT NEW.source OR OLD.created_at IS NOT NEW.created_at \
       OR (OLD.status = 'CONVERTED') IS NOT (NEW.status = 'CONVERTED') BEGIN \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) VALUES \
       (OLD.organization_id, 'lead', substr(OLD.created_at, 1, 10), \
        COALESCE(OLD.owner_id, X'00000000000000000000000000000000'), OLD.source, -1, -(OLD.status = 'CONVERTED')), \
       (NEW.organization_id, 'lead', substr(NEW.created_at, 1, 10), \
        COALESCE(NEW.owner_id, X'00000000000000000000000000000000'), NEW.source, 1, NEW.status = 'CONVERTED'); \
     END",
    "CREATE TRIGGER activities_counted_insert AFTER INSERT ON activities BEGIN \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) VALUES \
       (NEW.organization_id, 'activity', substr(NEW.occurred_at, 1, 10), \
        COALESCE(NEW.actor_id, X'00000000000000000000000000000000'), NEW.kind, 1, 0); \
     END",
    "CREATE TRIGGER activities_counted_delete AFTER DELETE ON activities BEGIN \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) VALUES \
       (OLD.organization_id, 'activity', substr(OLD.occurred_at, 1, 10), \
        COALESCE(OLD.actor_id, X'00000000000000000000000000000000'), OLD.kind, -1, 0); \
     END",
    "CREATE TRIGGER activities_counted_update AFTER UPDATE ON activities \
     WHEN OLD.organization_id IS NOT NEW.organization_id OR OLD.actor_id IS NOT NEW.actor_id \
       OR OLD.kind IS NOT NEW.kind OR OLD.occurred_at IS NOT NEW.occurred_at BEGIN \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) VALUES \
       (OLD.organization_id, 'activity', substr(OLD.occurred_at, 1, 10), \
        COALESCE(OLD.actor_id, X'00000000000000000000000000000000'), OLD.kind, -1, 0), \
       (NEW.organization_id, 'activity', substr(NEW.occurred_at, 1, 10), \
        COALESCE(NEW.actor_id, X'00000000000000000000000000000000'), NEW.kind, 1, 0); \
     END",
    "CREATE TRIGGER opportunities_counted_insert AFTER INSERT ON opportunities BEGIN \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged, amount) VALUES (NEW.organization_id, 'deal_created', substr(NEW.created_at, 1, 10), NEW.owner_id, '', 1, 0, 0); \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged, amount) SELECT NEW.organization_id, 'deal_closed', substr(NEW.closed_at, 1, 10), NEW.owner_id, NEW.kind, 1, (NEW.stage = 'CLOSED_WON'), CASE WHEN NEW.stage = 'CLOSED_WON' THEN (CAST(ROUND((julianday(NEW.closed_at) - julianday(NEW.created_at)) * 86400000) AS INTEGER) / 86400000) ELSE 0 END WHERE NEW.closed_at IS NOT NULL; \
     END",
    "CREATE TRIGGER opportunities_counted_delete AFTER DELETE ON opportunities BEGIN \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged, amount) VALUES (OLD.organization_id, 'deal_created', substr(OLD.created_at, 1, 10), OLD.owner_id, '', -1, 0, 0); \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged, amount) SELECT OLD.organization_id, 'deal_closed', substr(OLD.closed_at, 1, 10), OLD.owner_id, OLD.kind, -1, -(OLD.stage = 'CLOSED_WON'), CASE WHEN OLD.stage = 'CLOSED_WON' THEN -(CAST(ROUND((julianday(OLD.closed_at) - julianday(OLD.created_at)) * 86400000) AS INTEGER) / 86400000) ELSE 0 END WHERE OLD.closed_at IS NOT NULL; \
     END",
    "CREATE TRIGGER opportunities_counted_update AFTER UPDATE ON opportunities \
     WHEN OLD.organization_id IS NOT NEW.organization_id OR OLD.owner_id IS NOT NEW.owner_id \
       OR OLD.created_at IS NOT NEW.created_at OR OLD.closed_at IS NOT NEW.closed_at OR OLD.kind IS NOT NEW.kind \
       OR (OLD.stage = 'CLOSED_WON') IS NOT (NEW.stage = 'CLOSED_WON') BEGIN \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged, amount) VALUES (OLD.organization_id, 'deal_created', substr(OLD.created_at, 1, 10), OLD.owner_id, '', -1, 0, 0); \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged, amount) SELECT OLD.organization_id, 'deal_closed', substr(OLD.closed_at, 1, 10), OLD.owner_id, OLD.kind, -1, -(OLD.stage = 'CLOSED_WON'), CASE WHEN OLD.stage = 'CLOSED_WON' THEN -(CAST(ROUND((julianday(OLD.closed_at) - julianday(OLD.created_at)) * 86400000) AS INTEGER) / 86400000) ELSE 0 END WHERE OLD.closed_at IS NOT NULL; \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged, amount) VALUES (NEW.organization_id, 'deal_created', substr(NEW.created_at, 1, 10), NEW.owner_id, '', 1, 0, 0); \
       INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged, amount) SELECT NEW.organization_id, 'deal_closed', substr(NEW.closed_at, 1, 10), NEW.owner_id, NEW.kind, 1, (NEW.stage = 'CLOSED_WON'), CASE WHEN NEW.stage = 'CLOSED_WON' THEN (CAST(ROUND((julianday(NEW.closed_at) - julianday(NEW.created_at)) * 86400000) AS INTEGER) / 86400000) ELSE 0 END WHERE NEW.closed_at IS NOT NULL; \
     END",
    "INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) \
     SELECT organization_id, 'lead', substr(created_at, 1, 10), \
            COALESCE(owner_id, X'00000000000000000000000000000000'), source, COUNT(*), SUM(status = 'CONVERTED') \
     FROM leads GROUP BY 1, 2, 3, 4, 5",
    "INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged) \
     SELECT organization_id, 'activity', substr(occurred_at, 1, 10), \
            COALESCE(actor_id, X'00000000000000000000000000000000'), kind, COUNT(*), 0 \
     FROM activities GROUP BY 1, 2, 3, 4, 5",
    "INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged, amount) \
     SELECT organization_id, 'deal_created', substr(created_at, 1, 10), owner_id, '', COUNT(*), 0, 0 \
     FROM opportunities GROUP BY 1, 2, 3, 4, 5",
    "INSERT INTO daily_counts (organization_id, fact, day, owner_id, dim, n, flagged, amount) \
     SELECT organization_id, 'deal_closed', substr(closed_at, 1, 10), owner_id, kind, COUNT(*), \
            SUM(stage = 'CLOSED_WON'), \
            SUM(CASE WHEN stage = 'CLOSED_WON' \
                     THEN (CAST(ROUND((julianday(closed_at) - julianday(created_at)) * 86400000) AS INTEGER) / 86400000) ELSE 0 END) \
     FROM opportunities WHERE closed_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS leads_counted_insert",
    "DROP TRIGGER IF EXISTS leads_counted_delete",
    "DROP TRIGGER IF EXISTS leads_counted_update",
    "DROP TRIGGER IF EXISTS activities_counted_insert",
    "DROP TRIGGER IF EXISTS activities_counted_delete",
    "DROP TRIGGER IF EXISTS activities_counted_update",
    "DROP TRIGGER IF EXISTS opportunities_counted_insert",
    "DROP TRIGGER IF EXISTS opportunities_counted_delete",
    "DROP TRIGGER IF EXISTS opportunities_counted_update",
    "DROP TABLE IF EXISTS daily_counts",
];

/// Indexes for what the KPIs still read from the rows: the edges of a period (deals by closing
/// and creation time) and the first activities of each kind.
const INDEXES: &[(&str, &str, &[&str])] = &[
    ("ix_opportunities_org_closed", "opportunities", &["organization_id", "closed_at"]),
    ("ix_opportunities_org_created", "opportunities", &["organization_id", "created_at"]),
    ("ix_activities_org_kind_occurred", "activities", &["organization_id", "kind", "occurred_at", "id"]),
];

/// Runs the statements as one string, so that on SQLite they run on one connection, in order.
async fn run(m: &SchemaManager<'_>, sql: &[&str]) -> Result<(), DbErr> {
    m.get_connection().execute_unprepared(&sql.join("; ")).await.map(|_| ())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Sqlite => run(m, SQLITE_UP).await?,
            _ => run(m, POSTGRES_UP).await?,
        }
        crate::create_indexes(m, INDEXES).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_indexes(m, INDEXES).await?;
        match m.get_database_backend() {
            DatabaseBackend::Sqlite => run(m, SQLITE_DOWN).await,
            _ => run(m, POSTGRES_DOWN).await,
        }
    }
}
