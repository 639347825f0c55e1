//! Subscriptions over `graphql-transport-ws`, fed by the application's event bus.

use crate::deal::Contract;
use crate::{Socket, actor, app};
use async_graphql::{Context, ID, Result, SimpleObject, Subscription as GqlSubscription};
use baton_app::Actor;
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

/// The caller for one event: re-checked on a socket, as first seen elsewhere (tests executing
/// the schema directly have no socket).
async fn caller_now(app: &baton_app::App, socket: Option<&Socket>, first: &Actor) -> Option<Actor> {
    match socket {
        Some(s) => s.caller(app).await,
        None => Some(first.clone()),
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
    /// A contract entered or left the legal approval queue (LEGAL, ADMIN); the contract as it is now.
    // Each event is authorized against the caller as they are now: a caller who lost the role
    // gets the socket closed with 4403, one whose credential no longer holds with 4401.
    async fn legal_queue_changed(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Contract>> {
        let first = actor(ctx)?.clone();
        first.authorize(baton_domain::Action::LegalView).map_err(crate::to_gql)?;
        let socket = ctx.data_opt::<Socket>().cloned();
        let app = app(ctx).clone();
        let rx = app.events.subscribe();
        Ok(events(rx).filter_map(move |e| {
            let (app, first, socket) = (app.clone(), first.clone(), socket.clone());
            async move {
                let Event::LegalQueueChanged { org, contract_id } = e else { return None };
                if org != first.org_id {
                    return None;
                }
                let now = caller_now(&app, socket.as_ref(), &first).await?;
                if now.authorize(baton_domain::Action::LegalView).is_err() {
                    if let Some(s) = &socket {
                        s.close_with(4403, "forbidden: the caller may no longer read the legal queue".into());
                    }
                    return None;
                }
                app.contract(&now, contract_id).await.ok().map(Contract)
            }
        }))
    }

    /// The caller's own notifications, while the caller's credential holds.
    async fn notifications(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Notification>> {
        let first = actor(ctx)?.clone();
        let socket = ctx.data_opt::<Socket>().cloned();
        let app = app(ctx).clone();
        let rx = app.events.subscribe();
        Ok(events(rx).filter_map(move |e| {
            let (app, first, socket) = (app.clone(), first.clone(), socket.clone());
            async move {
                let Event::Notification { user, id, title, body, .. } = e else { return None };
                if Some(user) != first.user_id() {
                    return None;
                }
                caller_now(&app, socket.as_ref(), &first).await?;
                Some(Notification { id: ID(id.to_string()), title, body, created_at: Utc::now() })
            }
        }))
    }
}
