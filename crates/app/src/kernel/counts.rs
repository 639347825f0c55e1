//! The daily counts of leads, activities and deals the database keeps (migration 81): how a KPI
//! period splits into whole UTC days, read from the counts, and its edges, read from the rows;
//! and the fold that turns each group's delta rows into one, for them and for the lead counts
//! (migration 85) the lead lists' `totalCount` reads.

use crate::{App, AppError};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend};

/// The UTC midnight that starts `day`.
pub(crate) fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The whole UTC days inside `[from, to)`, as `[first, last)`, when there is at least one.
pub(crate) fn full_days(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<(NaiveDate, NaiveDate)> {
    let day = from.date_naive();
    let first = if midnight(day) == from { day } else { day.succ_opt()? };
    let last = to.date_naive();
    (first < last).then_some((first, last))
}

/// A table of counts the database keeps by appending signed delta rows: its name, the columns
/// that make a group, and the columns it sums.
struct Counted {
    table: &'static str,
    groups: &'static [&'static str],
    sums: &'static [&'static str],
}

/// The daily counts (migration 81) and the lead counts (migration 85).
const COUNTED: &[Counted] = &[
    Counted {
        table: "daily_counts",
        groups: &["organization_id", "fact", "day", "owner_id", "dim"],
        sums: &["n", "flagged", "amount"],
    },
    Counted { table: "lead_counts", groups: &["organization_id", "owner_id", "status", "source"], sums: &["n"] },
];

/// Folds every group of each counts table that has more than one row into one row with the
/// group's sums, and drops groups that sum to nothing. Readers sum whatever rows a group has,
/// so a fold changes no figure; it keeps the counts one row per group, which is what makes
/// them cheap to read.
///
/// On PostgreSQL one statement deletes the rows it folds and inserts their sums, so rows that
/// writers commit meanwhile stay as they are, and two instances folding at once each fold
/// the rows they deleted. On SQLite the transaction holds the one write lock.
pub(crate) async fn fold<C: ConnectionTrait>(db: &C) -> Result<u64, sea_orm::DbErr> {
    let mut folded = 0;
    for c in COUNTED {
        folded += fold_table(db, c).await?;
    }
    Ok(folded)
}

async fn fold_table<C: ConnectionTrait>(db: &C, c: &Counted) -> Result<u64, sea_orm::DbErr> {
    let (table, groups) = (c.table, c.groups.join(", "));
    let sums: Vec<String> = c.sums.iter().map(|s| format!("SUM({s})")).collect();
    let sums = sums.join(", ");
    let nonzero: Vec<String> = c.sums.iter().map(|s| format!("SUM({s}) <> 0")).collect();
    let nonzero = nonzero.join(" OR ");
    let summed = c.sums.join(", ");
    let r = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let top = db
                .query_one_raw(crate::kernel::sql::statement(
                    db,
                    &format!("SELECT MAX(id) AS top FROM {table}"),
                    vec![],
                ))
                .await?;
            let Some(top) = top.map(|r| r.try_get::<Option<i64>>("", "top")).transpose()?.flatten() else {
                return Ok(0);
            };
            let folded =
                format!("SELECT {groups} FROM {table} WHERE id <= {top} GROUP BY {groups} HAVING COUNT(*) > 1");
            db.execute_unprepared(&format!(
                "INSERT INTO {table} ({groups}, {summed}) \
                 SELECT {groups}, {sums} FROM {table} WHERE id <= {top} \
                 GROUP BY {groups} HAVING COUNT(*) > 1 AND ({nonzero})"
            ))
            .await?;
            db.execute_unprepared(&format!("DELETE FROM {table} WHERE id <= {top} AND ({groups}) IN ({folded})"))
                .await?
        }
        _ => {
            let same: Vec<String> = c.groups.iter().map(|g| format!("d.{g} = f.{g}")).collect();
            let returned: Vec<String> = c.groups.iter().chain(c.sums).map(|g| format!("d.{g}")).collect();
            db.execute_unprepared(&format!(
                "WITH folded AS (SELECT {groups} FROM {table} GROUP BY {groups} HAVING COUNT(*) > 1), \
                 gone AS (DELETE FROM {table} d USING folded f WHERE {} RETURNING {}) \
                 INSERT INTO {table} ({groups}, {summed}) \
                 SELECT {groups}, {sums} FROM gone GROUP BY {groups} HAVING {nonzero}",
                same.join(" AND "),
                returned.join(", "),
            ))
            .await?
        }
    };
    Ok(r.rows_affected())
}

impl App {
    /// The `foldDailyCounts` job: see [`fold`]. Returns how many rows went into the fold's sums
    /// (on SQLite, the rows deleted; on PostgreSQL, the sums written).
    #[tracing::instrument(skip_all)]
    pub async fn fold_daily_counts(&self) -> Result<u64, AppError> {
        let txn = self.tx().await?;
        let n = fold(&txn).await?;
        txn.commit().await?;
        Ok(n)
    }
}
