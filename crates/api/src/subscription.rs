//! Subscriptions over `graphql-transport-ws`, fed by the application's event bus.

use crate::admin::imports::ImportJob;
use crate::kernel::notifications::NotificationRow;
use crate::legal::contracts::Contract;
use crate::{Socket, actor, app};
use async_graphql::{Context, ID, Result, Subscription as GqlSubscription};
use baton_app::Actor;
use baton_app::entity::import_job;
use baton_app::kernel::events::Event;
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

    /// An import job as its progress is written and when it finishes (its creator and ADMIN; NOT_FOUND to others): the job as it is now first, then after every chunk, ending with its final state.
    async fn import_job_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job's id.")] id: ID,
    ) -> Result<impl Stream<Item = ImportJob>> {
        let first = actor(ctx)?.clone();
        let id = baton_app::parse_id("id", &id).map_err(crate::to_gql)?;
        let socket = ctx.data_opt::<Socket>().cloned();
        let app = app(ctx).clone();
        // Listening before reading, so no progress written in between is missed.
        let rx = app.events.subscribe();
        let now = app.import_job(&first, id).await.map_err(crate::to_gql)?;
        let updates = events(rx).filter_map(move |e| {
            let (app, first, socket) = (app.clone(), first.clone(), socket.clone());
            async move {
                match e {
                    Event::ImportJobChanged { org, job_id } if org == first.org_id && job_id == id => {}
                    Event::Resync => {}
                    _ => return None,
                }
                let now = caller_now(&app, socket.as_ref(), &first).await?;
                match app.import_job(&now, id).await {
                    Ok(job) => Some(job),
                    Err(_) => {
                        if let Some(s) = &socket {
                            s.close_with(4403, "forbidden: the caller may no longer read the import job".into());
                        }
                        None
                    }
                }
            }
        });
        // Each state once, in order; the stream completes right after the job's final state
        // (an end marker follows it, so completing does not wait for another event).
        Ok(futures_util::stream::once(async move { now })
            .chain(updates)
            .scan(None, |last, job: import_job::Model| {
                let key = (job.status.clone(), job.processed, job.updated_at);
                let items = if last.as_ref() == Some(&key) {
                    vec![]
                } else {
                    let ended = job.finished_at.is_some();
                    *last = Some(key);
                    if ended { vec![Some(ImportJob(job)), None] } else { vec![Some(ImportJob(job))] }
                };
                futures_util::future::ready(Some(futures_util::stream::iter(items)))
            })
            .flatten()
            .take_while(|item| futures_util::future::ready(item.is_some()))
            .filter_map(futures_util::future::ready))
    }

    /// The caller's own notifications, while the caller's credential holds.
    async fn notifications(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = NotificationRow>> {
        let first = actor(ctx)?.clone();
        let socket = ctx.data_opt::<Socket>().cloned();
        let app = app(ctx).clone();
        let rx = app.events.subscribe();
        Ok(events(rx).filter_map(move |e| {
            let (app, first, socket) = (app.clone(), first.clone(), socket.clone());
            async move {
                let Event::Notification { org, user, id, title, body, created_at } = e else { return None };
                if Some(user) != first.user_id() {
                    return None;
                }
                caller_now(&app, socket.as_ref(), &first).await?;
                // The row as the query's `notifications` reads it, unread.
                let row = baton_app::entity::notification::Model {
                    id,
                    organization_id: org,
                    user_id: user,
                    title,
                    body,
                    read_at: None,
                    created_at,
                };
                Some(NotificationRow(row))
            }
        }))
    }
}
