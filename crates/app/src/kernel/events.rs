//! Events published after a transaction commits; subscriptions listen to them.
//!
//! On SQLite (one instance) events stay in process. On PostgreSQL every instance publishes with
//! `NOTIFY baton_events` and receives through `LISTEN`, including its own events, so a contract
//! submitted on one instance reaches `legalQueueChanged` subscribers on every other one.

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};
use uuid::Uuid;

/// The PostgreSQL channel events travel on.
pub const CHANNEL: &str = "baton_events";

/// Something other sessions may want to hear about.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Event {
    /// A contract entered or left the legal approval queue.
    LegalQueueChanged { org: Uuid, contract_id: Uuid },
    /// A notification for one user.
    Notification {
        org: Uuid,
        user: Uuid,
        id: Uuid,
        title: String,
        body: String,
        /// The row's own time (an event from an instance that predates it: when it arrived).
        #[serde(default = "chrono::Utc::now")]
        created_at: chrono::DateTime<chrono::Utc>,
    },
    /// An import job's progress was written (rows processed, or its end).
    ImportJobChanged { org: Uuid, job_id: Uuid },
    /// Who a user or API token of the organization is changed (roles, deactivation, teams,
    /// revocation): cached principals are read again and open subscriptions re-checked.
    PrincipalsChanged { org: Uuid },
    /// This instance may have missed events (its listener reconnected): start over.
    Resync,
}

/// Fans events out to the subscriptions of this instance, and across instances on PostgreSQL.
#[derive(Clone)]
pub struct EventBus {
    local: broadcast::Sender<Event>,
    remote: Option<mpsc::UnboundedSender<Outgoing>>,
}

/// What the publishing task is asked to do, in order.
enum Outgoing {
    Event(Event),
    /// Answered once everything published before it has been sent.
    Flush(tokio::sync::oneshot::Sender<()>),
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus { local: broadcast::channel(1024).0, remote: None }
    }
}

impl EventBus {
    pub fn publish(&self, e: Event) {
        match &self.remote {
            // The listener delivers it back to this instance too.
            Some(tx) => {
                let _ = tx.send(Outgoing::Event(e));
            }
            // Nobody listening is not an error.
            None => {
                let _ = self.local.send(e);
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.local.subscribe()
    }

    /// Waits until every event published so far has left this process (on PostgreSQL), so a
    /// short-lived command such as `baton jobs run-once` can exit without losing any.
    pub async fn flush(&self) {
        if let Some(tx) = &self.remote {
            let (done, wait) = tokio::sync::oneshot::channel();
            if tx.send(Outgoing::Flush(done)).is_ok() {
                let _ = wait.await;
            }
        }
    }

    /// A bus that carries events through PostgreSQL `LISTEN`/`NOTIFY` on `url`. Two background
    /// tasks: one sends `pg_notify` for each published event, one listens (reconnecting after a
    /// failure) and fans what arrives out to this instance's subscribers.
    pub async fn postgres(db: sea_orm::DatabaseConnection, url: &str) -> Result<EventBus, sea_orm::DbErr> {
        use sea_orm::sqlx::postgres::PgListener;
        use sea_orm::{ConnectionTrait, Statement};
        let local = broadcast::channel(1024).0;
        let (tx, mut rx) = mpsc::unbounded_channel::<Outgoing>();
        let mut listener =
            PgListener::connect(url).await.map_err(|e| sea_orm::DbErr::Custom(format!("listening for events: {e}")))?;
        listener.listen(CHANNEL).await.map_err(|e| sea_orm::DbErr::Custom(format!("listening for events: {e}")))?;
        let fan = local.clone();
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(n) => match serde_json::from_str::<Event>(n.payload()) {
                        Ok(e) => {
                            let _ = fan.send(e);
                        }
                        Err(err) => tracing::warn!(error = %err, "ignoring an event that does not parse"),
                    },
                    // `recv` reconnects by itself on the next call; pause so a dead server is not hammered.
                    Err(err) => {
                        tracing::warn!(error = %err, "event listener lost its connection; retrying");
                        let _ = fan.send(Event::Resync);
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        tokio::spawn(async move {
            while let Some(msg) = rx.recv().await {
                let e = match msg {
                    Outgoing::Event(e) => e,
                    Outgoing::Flush(done) => {
                        let _ = done.send(());
                        continue;
                    }
                };
                let Ok(payload) = serde_json::to_string(&e) else { continue };
                let stmt = Statement::from_sql_and_values(
                    db.get_database_backend(),
                    "SELECT pg_notify($1, $2)",
                    [CHANNEL.into(), payload.into()],
                );
                if let Err(err) = db.execute_raw(stmt).await {
                    tracing::error!(error = %err, "publishing an event failed");
                }
            }
        });
        Ok(EventBus { local, remote: Some(tx) })
    }
}
