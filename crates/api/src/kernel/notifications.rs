//! Notifications: the type and `markNotificationRead`.

use crate::kernel::scalars::Timestamp;
use crate::kernel::types::id;
use crate::{Gql, actor, app, id_arg};
use async_graphql::{Context, ID, Object, Result};
use baton_app::entity::notification;

/// A notification for one user.
pub struct NotificationRow(pub notification::Model);

/// A notification for one user: the same object from `notifications` (query) and the `notifications` subscription.
#[Object(name = "Notification")]
impl NotificationRow {
    /// The notification's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// A one-line summary.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The details.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// When it was read; null while unread.
    async fn read_at(&self) -> Option<Timestamp> {
        self.0.read_at.map(Timestamp)
    }
    /// When it was raised.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

/// Notifications: the type and `markNotificationRead`.
#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks one of the caller's notifications read.
    async fn mark_notification_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notification.")] notification_id: ID,
    ) -> Result<NotificationRow> {
        let a = actor(ctx)?;
        let id = id_arg("notificationId", &notification_id)?;
        Ok(NotificationRow(app(ctx).mark_notification_read(a, id).await.gql()?))
    }
}
