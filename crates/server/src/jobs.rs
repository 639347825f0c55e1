//! Background jobs run inside `baton serve` (and by hand with `baton jobs run-once`).

use baton_app::App;
use std::time::Duration;

/// How often the scheduler looks for due work.
pub const TICK: Duration = Duration::from_secs(60);

/// Runs every due job once: issues scheduled invoices whose date has come, opens renewal
/// opportunities ahead of subscription end dates, warns or breaches SLA clocks, returns stale
/// leads to the pool, runs cadence steps and delivers the e-mail outbox. Returns how
/// many invoices and renewals were created.
pub async fn run_once(
    app: &App,
    sender: std::sync::Arc<dyn baton_app::automation::Sender>,
) -> anyhow::Result<(usize, usize)> {
    let now = chrono::Utc::now();
    let today = now.date_naive();
    let issued = app.issue_due_invoices(today).await.map_err(|e| anyhow::anyhow!("issuing invoices: {e}"))?;
    let renewals = app.open_due_renewals(today).await.map_err(|e| anyhow::anyhow!("opening renewals: {e}"))?;
    let (warned, breached) = app.check_clocks(now).await.map_err(|e| anyhow::anyhow!("checking SLA clocks: {e}"))?;
    let pooled = app.return_stale_leads(now).await.map_err(|e| anyhow::anyhow!("returning stale leads: {e}"))?;
    let steps = app.run_cadences(now).await.map_err(|e| anyhow::anyhow!("running cadences: {e}"))?;
    let purged = app.purge_expired_leads().await.map_err(|e| anyhow::anyhow!("purging expired leads: {e}"))?;
    let reminded = app
        .remind_data_subject_requests(now)
        .await
        .map_err(|e| anyhow::anyhow!("reminding of data-subject requests: {e}"))?;
    let (sent, failed) =
        app.deliver_outbox(sender, now).await.map_err(|e| anyhow::anyhow!("delivering e-mail: {e}"))?;
    if warned + breached + pooled + steps + purged + reminded + sent + failed > 0 {
        tracing::info!(warned, breached, pooled, steps, purged, reminded, sent, failed, "automation ran");
    }
    Ok((issued, renewals))
}

/// Starts the scheduler loop. Jobs re-check each row under a lock, so several instances on one
/// PostgreSQL never issue an invoice twice.
pub fn spawn_scheduler(
    app: App,
    sender: std::sync::Arc<dyn baton_app::automation::Sender>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tick.tick().await;
            match run_once(&app, sender.clone()).await {
                Ok((0, 0)) => {}
                Ok((issued, renewals)) => tracing::info!(issued, renewals, "scheduled jobs ran"),
                Err(e) => tracing::error!(error = %e, "scheduled job failed"),
            }
        }
    })
}

/// The e-mail sender the configuration asks for: SMTP when `BATON_SMTP_ADDR` is set, else the log.
pub fn sender(cfg: &crate::config::Config) -> std::sync::Arc<dyn baton_app::automation::Sender> {
    match &cfg.smtp_addr {
        Some(addr) => {
            std::sync::Arc::new(baton_app::automation::SmtpSender { addr: addr.clone(), from: cfg.smtp_from.clone() })
        }
        None => std::sync::Arc::new(baton_app::automation::LogSender),
    }
}
