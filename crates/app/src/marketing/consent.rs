//! Consent per lead or contact and purpose (sales contact, marketing e-mail, product research), with its
//! lawful basis, source and notice version, and withdrawal. E-mail to a lead needs a live
//! consent for its purpose: the server refuses (`CONSENT_REQUIRED`), whatever the caller.

use crate::{Actor, App, AppError, kernel::audit};
use baton_domain::Rule;
use baton_domain::outbox::MailStatus;
use baton_domain::permission::Action;
use baton_domain::text;
use baton_store::entity::{consent, lead, outbox_email};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

/// The purposes consent is given for.
pub const PURPOSES: [&str; 3] = ["SALES_CONTACT", "MARKETING_EMAIL", "PRODUCT_RESEARCH"];
/// The lawful bases of processing.
pub const BASES: [&str; 3] = ["CONSENT", "CONTRACT", "LEGITIMATE_INTEREST"];

/// Whose consent: a lead, or a contact of a customer account.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    Lead(Uuid),
    Contact(Uuid),
}

/// Passes the gate of the consent's subject: the lead's, or the contact's account's.
async fn gate_subject<C: ConnectionTrait>(db: &C, actor: &Actor, s: Subject) -> Result<(&'static str, Uuid), AppError> {
    match s {
        Subject::Lead(id) => Ok(("lead", crate::kernel::gate::lead(db, actor, id, Action::ManageConsent).await?.id)),
        Subject::Contact(id) => {
            Ok(("contact", crate::kernel::gate::contact(db, actor, id, Action::ManageConsent).await?.id))
        }
    }
}

/// True when the subject has a live (not withdrawn) consent for the purpose.
pub(crate) async fn has_consent<C: ConnectionTrait>(db: &C, subject: Uuid, purpose: &str) -> Result<bool, AppError> {
    Ok(consent::Entity::find()
        .filter(consent::Column::SubjectId.eq(subject))
        .filter(consent::Column::Purpose.eq(purpose))
        .filter(consent::Column::WithdrawnAt.is_null())
        .one(db)
        .await?
        .is_some())
}

/// The terms of a consent, parsed: purpose, lawful basis, source and notice version.
#[derive(Debug, Clone)]
pub struct ConsentTerms {
    purpose: String,
    basis: String,
    source: String,
    notice: String,
}

impl ConsentTerms {
    /// Parses `recordConsent`'s terms; the error names the field.
    pub fn parse(purpose: &str, basis: &str, source: &str, notice: &str) -> Result<ConsentTerms, AppError> {
        if !PURPOSES.contains(&purpose) {
            return Err(AppError::bad_input("purpose", "must be SALES_CONTACT, MARKETING_EMAIL or PRODUCT_RESEARCH"));
        }
        if !BASES.contains(&basis) {
            return Err(AppError::bad_input("lawfulBasis", "must be CONSENT, CONTRACT or LEGITIMATE_INTEREST"));
        }
        Ok(ConsentTerms {
            purpose: purpose.to_owned(),
            basis: basis.to_owned(),
            source: text::required_short(source).map_err(AppError::text("source"))?,
            notice: text::required_short(notice).map_err(AppError::text("noticeVersion"))?,
        })
    }
}

/// Records the same consent for many new leads at once, in the caller's transaction, each
/// audited as `recordConsent` (an import whose file says who consented). The caller must
/// be a person allowed to record consent; the leads were just created by them.
pub(crate) async fn grant_all<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    leads: &[Uuid],
    terms: &ConsentTerms,
) -> Result<(), AppError> {
    actor.authorize(Action::ManageConsent)?;
    let me = actor.person(Action::ManageConsent)?;
    let now = Utc::now();
    for chunk in leads.chunks(500) {
        let rows: Vec<consent::Model> = chunk
            .iter()
            .map(|l| consent::Model {
                id: Uuid::now_v7(),
                organization_id: actor.org_id,
                subject_type: "lead".into(),
                subject_id: *l,
                purpose: terms.purpose.clone(),
                lawful_basis: terms.basis.clone(),
                source: terms.source.clone(),
                notice_version: terms.notice.clone(),
                granted_at: now,
                withdrawn_at: None,
                recorded_by: me,
            })
            .collect();
        consent::Entity::insert_many(rows.iter().cloned().map(|c| consent::ActiveModel::from(c).reset_all()))
            .exec(db)
            .await?;
        let entries =
            rows.iter().map(|c| audit::Entry::new("recordConsent", "consent", c.id, None::<&()>, Some(c))).collect();
        audit::record_all(db, actor.org_id, actor, entries).await?;
    }
    Ok(())
}

impl App {
    /// `recordConsent` / `recordContactConsent`: a lead's or contact's consent for a purpose.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn record_consent(
        &self,
        actor: &Actor,
        subject: Subject,
        purpose: &str,
        basis: &str,
        source: &str,
        notice: &str,
    ) -> Result<consent::Model, AppError> {
        let ConsentTerms { purpose, basis, source, notice } = ConsentTerms::parse(purpose, basis, source, notice)?;
        let me = actor.person(Action::ManageConsent)?;
        let txn = self.tx().await?;
        let (kind, subject_id) = gate_subject(&txn, actor, subject).await?;
        let c = consent::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            subject_type: Set(kind.into()),
            subject_id: Set(subject_id),
            purpose: Set(purpose),
            lawful_basis: Set(basis),
            source: Set(source),
            notice_version: Set(notice),
            granted_at: Set(Utc::now()),
            withdrawn_at: Set(None),
            recorded_by: Set(me),
        }
        .insert(&txn)
        .await?;
        audit::commit(txn, actor, audit::Entry::new("recordConsent", "consent", c.id, None::<&()>, Some(&c))).await?;
        Ok(c)
    }

    /// `withdrawConsent`: from now on nothing is sent for that purpose.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn withdraw_consent(&self, actor: &Actor, id: Uuid) -> Result<consent::Model, AppError> {
        let txn = self.tx().await?;
        let before = consent::Entity::find_by_id(id)
            .filter(consent::Column::OrganizationId.eq(actor.org_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("consent"))?;
        let subject = if before.subject_type == "contact" {
            Subject::Contact(before.subject_id)
        } else {
            Subject::Lead(before.subject_id)
        };
        gate_subject(&txn, actor, subject).await.map_err(|e| match e {
            AppError::NotFound(_) => AppError::NotFound("consent"),
            e => e,
        })?;
        if before.withdrawn_at.is_some() {
            return Ok(before);
        }
        let mut am = before.clone().into_active_model();
        am.withdrawn_at = Set(Some(Utc::now()));
        let after = am.update(&txn).await?;
        audit::record(&txn, actor.org_id, actor, "withdrawConsent", "consent", id, Some(&before), Some(&after)).await?;
        // What is still queued for that purpose is not sent.
        use sea_orm::sea_query::Expr;
        let cancelled = outbox_email::Entity::update_many()
            .col_expr(outbox_email::Column::Status, Expr::value(MailStatus::Cancelled.as_str()))
            .col_expr(
                outbox_email::Column::LastError,
                Expr::value(format!("{}: consent withdrawn", Rule::ConsentRequired)),
            )
            .filter(outbox_email::Column::OrganizationId.eq(actor.org_id))
            .filter(outbox_email::Column::LeadId.eq(before.subject_id))
            .filter(outbox_email::Column::Purpose.eq(before.purpose.as_str()))
            .filter(outbox_email::Column::Status.eq(MailStatus::Pending.as_str()))
            .exec(&txn)
            .await?;
        if cancelled.rows_affected > 0 {
            audit::record(
                &txn,
                actor.org_id,
                actor,
                "withdrawConsent:cancelQueued",
                "consent",
                id,
                None::<&()>,
                Some(&cancelled.rows_affected),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(after)
    }

    /// The consents of a lead, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn consents_of(&self, org: Uuid, subject: Uuid) -> Result<Vec<consent::Model>, AppError> {
        Ok(consent::Entity::find()
            .filter(consent::Column::OrganizationId.eq(org))
            .filter(consent::Column::SubjectId.eq(subject))
            .order_by_asc(consent::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// `sendLeadEmail`: a sales e-mail to the lead through the outbox; refused without a live
    /// SALES_CONTACT consent.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn send_lead_email(
        &self,
        actor: &Actor,
        lead_id: Uuid,
        subject: &str,
        body: &str,
    ) -> Result<outbox_email::Model, AppError> {
        let subject = text::required_short(subject).map_err(AppError::text("subject"))?;
        let body = text::required_long(body).map_err(AppError::text("body"))?;
        let txn = self.tx().await?;
        let l = crate::kernel::gate::lead(&txn, actor, lead_id, Action::EmailLead).await?;
        let to = sales_email_to(&txn, &l).await?;
        let mail = crate::kernel::outbox::Mail {
            to: &to,
            subject: &subject,
            body: &body,
            lead: Some(l.id),
            purpose: Some("SALES_CONTACT"),
        };
        let m = crate::kernel::outbox::queue_email(&txn, actor.org_id, mail, Utc::now()).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("sendLeadEmail", "outbox_email", m.id, None::<&()>, Some(&m.subject)),
        )
        .await?;
        Ok(m)
    }
}

/// `emailLead`'s rules: the lead's address, when it has one and a live consent to be contacted
/// by sales.
pub(crate) async fn sales_email_to<C: ConnectionTrait>(db: &C, l: &lead::Model) -> Result<String, AppError> {
    let Some(to) = l.contact_email.clone() else {
        return Err(AppError::rule(Rule::NoEmailAddress, "the lead has no e-mail address"));
    };
    if !has_consent(db, l.id, "SALES_CONTACT").await? {
        return Err(AppError::rule(
            Rule::ConsentRequired,
            "the lead has no live consent to be contacted by sales (SALES_CONTACT)",
        ));
    }
    Ok(to)
}
