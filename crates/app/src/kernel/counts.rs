//! The daily counts of leads, activities and deals the database keeps (migration 81): how a KPI
//! period splits into whole UTC days, read from the counts, and its edges, read from the rows;
//! and the fold that turns each group's delta rows into one.

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

/// Folds every group (organization, fact, day, owner, dimension) that has more than one row
/// into one row with the group's sums, and drops groups that sum to nothing. Readers sum
/// whatever rows a group has, so a fold changes no figure; it keeps the counts one row per
/// group, which is what makes them cheap to read.
///
/// On PostgreSQL one statement deletes the rows it folds and inserts their sums, so rows that
/// writers commit meanwhile stay as they are, and two instances folding at once each fold
/// the rows they deleted. On SQLite the transaction holds the one write lock.
pub(crate) async fn fold<C: ConnectionTrait>(db: &C) -> Result<u64, sea_orm::DbErr> {
    let groups = "organization_id, fact, day, owner_id, dim";
    let r = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let top = db
                .query_one_raw(crate::kernel::sql::statement(db, "SELECT MAX(id) AS top FROM daily_counts", vec![]))
                .await?;
            let Some(top) = top.map(|r| r.try_get::<Option<i64>>("", "top")).transpose()?.flatten() else {
                return Ok(0);
            };
            let folded =
                format!("SELECT {groups} FROM daily_counts WHERE id <= {top} GROUP BY {groups} HAVING COUNT(*) > 1");
            db.execute_unprepared(&format!(
                "INSERT INTO daily_counts ({groups}, n, flagged, amount) \
                 SELECT {groups}, SUM(n), SUM(flagged), SUM(amount) FROM daily_counts WHERE id <= {top} \
                 GROUP BY {groups} HAVING COUNT(*) > 1 AND (SUM(n) <> 0 OR SUM(flagged) <> 0 OR SUM(amount) <> 0)"
            ))
            .await?;
            db.execute_unprepared(&format!("DELETE FROM daily_counts WHERE id <= {top} AND ({groups}) IN ({folded})"))
                .await?
        }
        _ => {
            db.execute_unprepared(&format!(
                "WITH folded AS (SELECT {groups} FROM daily_counts GROUP BY {groups} HAVING COUNT(*) > 1), \
                 gone AS (DELETE FROM daily_counts d USING folded f WHERE d.organization_id = f.organization_id \
                   AND d.fact = f.fact AND d.day = f.day AND d.owner_id = f.owner_id AND d.dim = f.dim \
                   RETURNING d.organization_id, d.fact, d.day, d.owner_id, d.dim, d.n, d.flagged, d.amount) \
                 INSERT INTO daily_counts ({groups}, n, flagged, amount) \
                 SELECT {groups}, SUM(n), SUM(flagged), SUM(amount) FROM gone \
                 GROUP BY {groups} HAVING SUM(n) <> 0 OR SUM(flagged) <> 0 OR SUM(amount) <> 0"
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
