//! Subscriptions over `graphql-transport-ws`, fed by an in-process event bus.

use crate::actor;
use crate::enums::ContractStatus;
use crate::views::Contract;
use async_graphql::{Context, ID, Result, SimpleObject, Subscription as GqlSubscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast;
use tokio_stream_lite::BroadcastStream;
use uuid::Uuid;

/// An event that subscriptions listen for.
#[derive(Debug, Clone)]
pub enum Event {
    /// A contract entered or left the legal approval queue.
    LegalQueueChanged { org: Uuid, contract_id: Uuid, status: String, version: i32 },
    /// A notification for one user.
    Notification { org: Uuid, user: Uuid, id: Uuid, title: String, body: String, at: DateTime<Utc> },
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
        // No subscriber is not an error.
        let _ = self.tx.send(e);
    }
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}

mod tokio_stream_lite {
    //! A broadcast receiver as a stream; lagging subscribers skip what they missed.
    use futures_util::Stream;
    use tokio::sync::broadcast;

    pub struct BroadcastStream;

    impl BroadcastStream {
        pub fn new<T: Clone + Send + 'static>(rx: broadcast::Receiver<T>) -> impl Stream<Item = T> {
            futures_util::stream::unfold(rx, |mut rx| async move {
                loop {
                    match rx.recv().await {
                        Ok(v) => return Some((v, rx)),
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            })
        }
    }
}

/// A notification for the caller.
#[derive(SimpleObject, Clone)]
pub struct Notification {
    /// The notification's id.
    pub id: ID,
    /// A one-line summary.
    pub title: String,
    /// The details.
    pub body: String,
    /// When it was raised.
    pub created_at: DateTime<Utc>,
}

/// Live updates.
pub struct Subscription;

/// Live updates.
#[GqlSubscription]
impl Subscription {
    /// A contract entered or left the legal approval queue (LEGAL, ADMIN).
    async fn legal_queue_changed(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Contract>> {
        let a = actor(ctx)?;
        a.authorize(baton_domain::Action::LegalView).map_err(crate::to_gql)?;
        let org = a.org_id;
        let rx = ctx.data_unchecked::<EventBus>().subscribe();
        Ok(BroadcastStream::new(rx).filter_map(move |e| async move {
            match e {
                Event::LegalQueueChanged { org: o, contract_id, status, version } if o == org => {
                    Some(Contract { id: ID(contract_id.to_string()), status: contract_status(&status), version })
                }
                _ => None,
            }
        }))
    }

    /// The caller's own notifications.
    async fn notifications(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Notification>> {
        let a = actor(ctx)?;
        let me = a.user_id();
        let rx = ctx.data_unchecked::<EventBus>().subscribe();
        Ok(BroadcastStream::new(rx).filter_map(move |e| async move {
            match e {
                Event::Notification { user, id, title, body, at, .. } if Some(user) == me => {
                    Some(Notification { id: ID(id.to_string()), title, body, created_at: at })
                }
                _ => None,
            }
        }))
    }
}

fn contract_status(s: &str) -> ContractStatus {
    match s {
        "IN_LEGAL_REVIEW" => ContractStatus::InLegalReview,
        "CHANGES_REQUESTED" => ContractStatus::ChangesRequested,
        "APPROVED" => ContractStatus::Approved,
        "SIGNED" => ContractStatus::Signed,
        "VOIDED" => ContractStatus::Voided,
        _ => ContractStatus::Draft,
    }
}
