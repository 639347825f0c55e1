//! Events published after a transaction commits; subscriptions listen to them.

use tokio::sync::broadcast;
use uuid::Uuid;

/// Something other sessions may want to hear about.
#[derive(Debug, Clone)]
pub enum Event {
    /// A contract entered or left the legal approval queue.
    LegalQueueChanged { org: Uuid, contract_id: Uuid },
    /// A notification for one user.
    Notification { org: Uuid, user: Uuid, id: Uuid, title: String, body: String },
}

/// Fans events out to the subscriptions of this instance.
#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus { tx: broadcast::channel(1024).0 }
    }
}

impl EventBus {
    pub fn publish(&self, e: Event) {
        // Nobody listening is not an error.
        let _ = self.tx.send(e);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}
