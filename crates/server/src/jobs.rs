//! Background jobs run inside `baton serve` (and by hand with `baton jobs run-once`).

use baton_app::App;
use std::time::Duration;

/// How often the scheduler looks for due work.
pub const TICK: Duration = Duration::from_secs(60);

/// Runs every due job once; returns how many invoices were issued.
pub async fn run_once(app: &App) -> anyhow::Result<usize> {
    app.issue_due_invoices(chrono::Utc::now().date_naive()).await.map_err(|e| anyhow::anyhow!("issuing invoices: {e}"))
}

/// Starts the scheduler loop. Jobs re-check each row under a lock, so several instances on one
/// PostgreSQL never issue an invoice twice.
pub fn spawn_scheduler(app: App) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tick.tick().await;
            match run_once(&app).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(issued = n, "issued scheduled invoices"),
                Err(e) => tracing::error!(error = %e, "scheduled job failed"),
            }
        }
    })
}
