//! Subscriptions over `graphql-transport-ws`, fed by the application's event bus.

use crate::deal::Contract;
use crate::{actor, app};
use async_graphql::{Context, ID, Result, SimpleObject, Subscription as GqlSubscription};
use baton_app::events::Event;
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast;

/// A broadcast receiver as a stream; a lagging subscriber skips what it missed.
fn events(rx: broadcast::Receiver<Event>) -> impl Stream<Item = Event> {
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
    /// A contract entered or left the legal approval queue (LEGAL, ADMIN); the contract as it is now.
    async fn legal_queue_changed(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Contract>> {
        let a = actor(ctx)?.clone();
        a.authorize(baton_domain::Action::LegalView).map_err(crate::to_gql)?;
        let app = app(ctx).clone();
        let rx = app.events.subscribe();
        Ok(events(rx).filter_map(move |e| {
            let (app, a) = (app.clone(), a.clone());
            async move {
                match e {
                    Event::LegalQueueChanged { org, contract_id } if org == a.org_id => {
                        app.contract(&a, contract_id).await.ok().map(Contract)
                    }
                    _ => None,
                }
            }
        }))
    }

    /// The caller's own notifications.
    async fn notifications(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Notification>> {
        let me = actor(ctx)?.user_id();
        let rx = app(ctx).events.subscribe();
        Ok(events(rx).filter_map(move |e| async move {
            match e {
                Event::Notification { user, id, title, body, .. } if Some(user) == me => {
                    Some(Notification { id: ID(id.to_string()), title, body, created_at: Utc::now() })
                }
                _ => None,
            }
        }))
    }
}
