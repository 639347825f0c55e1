//! In-app notifications: written in the change's transaction, published once it commits.

use crate::AppError;
use baton_store::entity::notification;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

/// Writes a notification row and publishes it to the user's live subscription.
pub(crate) async fn notify<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    user: Uuid,
    title: &str,
    body: &str,
) -> Result<notification::Model, AppError> {
    Ok(notification::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        user_id: Set(user),
        title: Set(title.chars().take(baton_domain::text::SHORT_TEXT_MAX).collect()),
        body: Set(body.to_owned()),
        read_at: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}
