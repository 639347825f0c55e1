//! The e-mail outbox: a change queues its e-mail in its own transaction; the deliverer sends.

use crate::AppError;
use baton_store::entity::outbox_email;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

/// An e-mail to queue: to whom, what, about which lead, and under which consent purpose.
pub(crate) struct Mail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub lead: Option<Uuid>,
    pub purpose: Option<&'a str>,
}

/// Queues an e-mail in the same transaction as the change that causes it.
/// `at` is when it may first be sent (the moment the causing job or change ran). An e-mail
/// queued under a consent purpose is only sent while that consent holds.
pub(crate) async fn queue_email<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    mail: Mail<'_>,
    at: DateTime<Utc>,
) -> Result<outbox_email::Model, AppError> {
    let Mail { to, subject, body, lead, purpose } = mail;
    let now = at;
    Ok(outbox_email::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        to_address: Set(to.to_owned()),
        subject: Set(subject.to_owned()),
        body: Set(body.to_owned()),
        status: Set(baton_domain::outbox::MailStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        sent_at: Set(None),
        last_error: Set(None),
        lead_id: Set(lead),
        created_at: Set(now),
        purpose: Set(purpose.map(str::to_owned)),
    }
    .insert(db)
    .await?)
}
