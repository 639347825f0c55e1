//! Background jobs run inside `baton serve` (and by hand with `baton jobs run-once`).

use baton_app::App;
use std::time::Duration;

/// How often the scheduler looks for due work.
pub const TICK: Duration = Duration::from_secs(60);

/// Runs every due job once: issues scheduled invoices whose date has come, opens renewal
/// opportunities ahead of subscription end dates, warns or breaches SLA clocks, returns stale
/// leads to the pool, runs cadence steps, delivers the e-mail outbox and folds the daily
/// counts the KPIs read. Returns how
/// many invoices and renewals were created.
pub async fn run_once(
    app: &App,
    sender: std::sync::Arc<dyn baton_app::marketing::automation::Sender>,
) -> anyhow::Result<(usize, usize)> {
    let now = chrono::Utc::now();
    let today = now.date_naive();
    // Each job runs whatever happened to the one before: a failure is logged and reported at
    // the end, never a reason to skip the rest. (Losing a race to another runner is not a
    // failure: the jobs re-check under a lock and skip what the other did.)
    let mut failed_jobs: Vec<&str> = Vec::new();
    fn count<T: Default>(name: &'static str, r: Result<T, baton_app::AppError>, failed: &mut Vec<&str>) -> T {
        r.unwrap_or_else(|e| {
            tracing::error!(job = name, error = %chain(&e), "scheduled job failed");
            failed.push(name);
            T::default()
        })
    }
    let issued = count("issuing invoices", app.issue_due_invoices(today).await, &mut failed_jobs);
    let renewals = count("opening renewals", app.open_due_renewals(today).await, &mut failed_jobs);
    let (warned, breached) = count("checking SLA clocks", app.check_clocks(now).await, &mut failed_jobs);
    let pooled = count("returning stale leads", app.return_stale_leads(now).await, &mut failed_jobs);
    let steps = count("running cadences", app.run_cadences(now).await, &mut failed_jobs);
    let purged = count("purging expired leads", app.purge_expired_leads().await, &mut failed_jobs);
    let reminded =
        count("reminding of data-subject requests", app.remind_data_subject_requests(now).await, &mut failed_jobs);
    let (sent, failed) = count("delivering e-mail", app.deliver_outbox(sender, now).await, &mut failed_jobs);
    count("folding daily counts", app.fold_daily_counts().await, &mut failed_jobs);
    if warned + breached + pooled + steps + purged + reminded + sent + failed > 0 {
        tracing::info!(warned, breached, pooled, steps, purged, reminded, sent, failed, "automation ran");
    }
    if !failed_jobs.is_empty() {
        anyhow::bail!("these jobs failed (see the log): {}", failed_jobs.join(", "));
    }
    Ok((issued, renewals))
}

/// Starts the scheduler loop. Jobs re-check each row under a lock, so several instances on one
/// PostgreSQL never issue an invoice twice.
pub fn spawn_scheduler(
    app: App,
    sender: std::sync::Arc<dyn baton_app::marketing::automation::Sender>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tick.tick().await;
            match run_once(&app, sender.clone()).await {
                Ok((0, 0)) => {}
                Ok((issued, renewals)) => tracing::info!(issued, renewals, "scheduled jobs ran"),
                Err(e) => tracing::error!(error = format!("{e:#}"), "scheduled jobs failed"),
            }
        }
    })
}

/// The e-mail sender the configuration asks for: SMTP when `BATON_SMTP_URL` or `BATON_SMTP_ADDR`
/// is set, else the log.
pub fn sender(cfg: &crate::config::Config) -> std::sync::Arc<dyn baton_app::marketing::automation::Sender> {
    match &cfg.smtp {
        Some(smtp) => {
            tracing::info!(relay = smtp.relay(), "outbox e-mail goes through the SMTP relay");
            std::sync::Arc::new(smtp.clone())
        }
        None => std::sync::Arc::new(baton_app::marketing::automation::LogSender),
    }
}

pub use baton_app::kernel::error::chain;

#[cfg(test)]
mod tests {
    #[test]
    fn a_failing_job_is_logged_with_its_whole_cause() {
        let db = std::io::Error::other("connection refused by 10.0.0.5:5432");
        let e = baton_app::AppError::Internal(anyhow::Error::new(db).context("database"));
        assert_eq!(super::chain(&e), "database: connection refused by 10.0.0.5:5432");
    }
}
