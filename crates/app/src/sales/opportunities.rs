//! Opportunities after conversion: contacts and the decision chain, activities, the
//! needs-analysis report, forecast inputs, stage moves through their gates, and losing a deal.

use crate::kernel::error::check_version;
use crate::kernel::money::minor;
use crate::kernel::tx::Versioned;
use crate::{Actor, App, AppError, kernel::audit};
use anyhow::Context;
use baton_domain::Money;
use baton_domain::opportunity::{self as rules, ActivityKind, ContactRole, Stage, StageFacts};
use baton_domain::permission::Action;
use baton_domain::quote::QuoteStatus;
use baton_domain::sla::ClockKind;
use baton_domain::text::{self, Email, LONG_TEXT_MAX};
use baton_store::entity::{activity, contact, opportunity, quote};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

/// Raw input of `addContact` / `updateContact`.
#[derive(Debug, Clone)]
pub struct ContactInput {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub role: ContactRole,
    pub decision_maker: bool,
    /// Where the person's data resides (ISO 3166-1 alpha-2), when known.
    pub jurisdiction: Option<String>,
}

/// Raw input of `updateOpportunity`: absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct OpportunityPatch {
    pub name: Option<String>,
    pub estimated_value: Option<(Decimal, String)>,
    pub expected_close_date: Option<DateTime<Utc>>,
    pub probability: Option<i32>,
}

pub(crate) fn stage_of(o: &opportunity::Model) -> Result<Stage, AppError> {
    crate::kernel::error::stored(&o.stage, Stage::parse, "opportunity stage")
}

type ParsedContact = (String, Option<String>, Option<String>, Option<String>);

fn parse_contact(input: &ContactInput) -> Result<ParsedContact, AppError> {
    let name = text::required_short(&input.name).map_err(AppError::text("name"))?;
    let email = match input.email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(e) => Some(Email::parse(e).map_err(AppError::text("email"))?.as_str().to_owned()),
    };
    let phone = text::optional(input.phone.as_deref(), 50).map_err(AppError::text("phone"))?;
    let jurisdiction =
        input.jurisdiction.as_deref().map(text::jurisdiction).transpose().map_err(AppError::text("jurisdiction"))?;
    Ok((name, email, phone, jurisdiction))
}

/// A contact that passed `addContact`'s parsing.
#[derive(Debug, Clone)]
pub(crate) struct ContactDraft {
    name: String,
    pub(crate) email: Option<String>,
    phone: Option<String>,
    jurisdiction: Option<String>,
    role: ContactRole,
    decision_maker: bool,
}

/// Parses `addContact`'s input; the error names the field.
pub(crate) fn parse_contact_draft(input: &ContactInput) -> Result<ContactDraft, AppError> {
    let (name, email, phone, jurisdiction) = parse_contact(input)?;
    Ok(ContactDraft { name, email, phone, jurisdiction, role: input.role, decision_maker: input.decision_maker })
}

/// Contacts written by one statement at most.
const CONTACT_BATCH: usize = 500;

/// Adds contacts to accounts that passed `addContact`'s gate, in the caller's transaction, each
/// audited as `addContact`. Imports write their good rows through here.
pub(crate) async fn insert_contacts<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    drafts: Vec<(Uuid, ContactDraft)>,
) -> Result<Vec<contact::Model>, AppError> {
    let now = Utc::now();
    let rows: Vec<contact::Model> = drafts
        .into_iter()
        .map(|(account_id, d)| contact::Model {
            id: Uuid::now_v7(),
            organization_id: actor.org_id,
            account_id,
            name: d.name,
            email: d.email,
            phone: d.phone,
            role: d.role.as_str().to_owned(),
            decision_maker: d.decision_maker,
            jurisdiction: d.jurisdiction,
            cross_border_basis: None,
            erased_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect();
    for chunk in rows.chunks(CONTACT_BATCH) {
        contact::Entity::insert_many(chunk.iter().cloned().map(|c| contact::ActiveModel::from(c).reset_all()))
            .exec(db)
            .await?;
    }
    let entries = rows.iter().map(|c| audit::Entry::new("addContact", "contact", c.id, None::<&()>, Some(c))).collect();
    audit::record_all(db, actor.org_id, actor, entries).await?;
    Ok(rows)
}

/// `updateContact` in the caller's transaction: through the contact's gate, version bumped, audited.
pub(crate) async fn update_contact_in<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    contact_id: Uuid,
    d: ContactDraft,
) -> Result<contact::Model, AppError> {
    let before = crate::kernel::gate::contact(db, actor, contact_id, Action::UpdateContact).await?;
    let mut am = before.clone().into_active_model();
    am.name = Set(d.name);
    am.email = Set(d.email);
    am.phone = Set(d.phone);
    if d.jurisdiction.is_some() {
        am.jurisdiction = Set(d.jurisdiction);
    }
    am.role = Set(d.role.as_str().to_owned());
    am.decision_maker = Set(d.decision_maker);
    am.bump(before.version, Utc::now());
    let after = am.update(db).await?;
    audit::record(db, actor.org_id, actor, "updateContact", "contact", after.id, Some(&before), Some(&after)).await?;
    Ok(after)
}

fn rule_err(v: Vec<baton_domain::Violation>) -> AppError {
    AppError::Rule(v)
}

async fn save_opportunity<C: ConnectionTrait>(
    db: &C,
    mut am: opportunity::ActiveModel,
    version: i32,
) -> Result<opportunity::Model, AppError> {
    am.bump(version, Utc::now());
    Ok(am.update(db).await?)
}

impl App {
    /// `addContact`: a person at the customer, with their part in the decision chain.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn add_contact(
        &self,
        actor: &Actor,
        account_id: Uuid,
        input: ContactInput,
    ) -> Result<contact::Model, AppError> {
        let draft = parse_contact_draft(&input)?;
        let txn = self.tx().await?;
        let a = crate::kernel::gate::account(&txn, actor, account_id, Action::AddContact).await?;
        let c =
            insert_contacts(&txn, actor, vec![(a.id, draft)]).await?.into_iter().next().context("the new contact")?;
        txn.commit().await?;
        Ok(c)
    }

    /// `updateContact`.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn update_contact(
        &self,
        actor: &Actor,
        contact_id: Uuid,
        input: ContactInput,
    ) -> Result<contact::Model, AppError> {
        let draft = parse_contact_draft(&input)?;
        let txn = self.tx().await?;
        let after = update_contact_in(&txn, actor, contact_id, draft).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// `updateOpportunity`: the forecast's inputs.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn update_opportunity(
        &self,
        actor: &Actor,
        id: Uuid,
        p: OpportunityPatch,
        expected_version: Option<i32>,
    ) -> Result<opportunity::Model, AppError> {
        let name = p.name.as_deref().map(text::required_short).transpose().map_err(AppError::text("name"))?;
        let value = p
            .estimated_value
            .as_ref()
            .map(|(a, c)| Money::parse_non_negative(*a, c).map_err(|m| AppError::bad_input("estimatedValue", m)))
            .transpose()?;
        if p.probability.is_some_and(|x| !(0..=100).contains(&x)) {
            return Err(AppError::bad_input("probability", "must be between 0 and 100"));
        }
        let txn = self.tx().await?;
        let before = crate::kernel::gate::opportunity(&txn, actor, id, Action::UpdateOpportunity).await?;
        check_version(expected_version, before.version)?;
        rules::edit(stage_of(&before)?).map_err(rule_err)?;
        let mut am = before.clone().into_active_model();
        if let Some(n) = name {
            am.name = Set(n);
        }
        if let Some(v) = value {
            if v.currency.as_str() != before.currency {
                return Err(AppError::bad_input("estimatedValue", format!("must be in {}", before.currency)));
            }
            am.estimated_value_minor = Set(minor("estimatedValue", &v)?);
        }
        if p.expected_close_date.is_some() {
            am.expected_close_date = Set(p.expected_close_date);
        }
        if p.probability.is_some() {
            am.probability = Set(p.probability);
        }
        let after = save_opportunity(&txn, am, before.version).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("updateOpportunity", "opportunity", id, Some(&before), Some(&after)),
        )
        .await?;
        Ok(after)
    }

    /// `recordNeedsAnalysis`: the report the DEMO stage needs.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn record_needs_analysis(
        &self,
        actor: &Actor,
        id: Uuid,
        report: &str,
    ) -> Result<opportunity::Model, AppError> {
        let report = text::required_long(report).map_err(AppError::text("report"))?;
        let txn = self.tx().await?;
        let before = crate::kernel::gate::opportunity(&txn, actor, id, Action::RecordNeedsAnalysis).await?;
        rules::edit(stage_of(&before)?).map_err(rule_err)?;
        let mut am = before.clone().into_active_model();
        am.needs_analysis = Set(Some(report));
        let after = save_opportunity(&txn, am, before.version).await?;
        audit::record(&txn, actor.org_id, actor, "recordNeedsAnalysis", "opportunity", id, Some(&before), Some(&after))
            .await?;
        crate::kernel::sla::stop_clocks(&txn, id, ClockKind::NeedsAnalysis).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// `logActivity`: a call, e-mail, meeting, demo or visit on an opportunity.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn log_activity(
        &self,
        actor: &Actor,
        id: Uuid,
        kind: ActivityKind,
        notes: Option<String>,
    ) -> Result<activity::Model, AppError> {
        let notes = text::optional(notes.as_deref(), LONG_TEXT_MAX).map_err(AppError::text("notes"))?;
        let txn = self.tx().await?;
        let opp = crate::kernel::gate::opportunity(&txn, actor, id, Action::LogActivity).await?;
        rules::edit(stage_of(&opp)?).map_err(rule_err)?;
        let a = activity::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            lead_id: Set(None),
            opportunity_id: Set(Some(id)),
            actor_id: Set(Some(actor.principal_id())),
            kind: Set(kind.as_str().to_owned()),
            notes: Set(notes),
            occurred_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::record(&txn, actor.org_id, actor, "logActivity", "activity", a.id, None::<&()>, Some(&a)).await?;
        if kind == ActivityKind::Demo {
            crate::kernel::sla::stop_clocks(&txn, id, ClockKind::Demo).await?;
        }
        txn.commit().await?;
        Ok(a)
    }

    /// The facts the stage gates of an opportunity look at.
    pub(crate) async fn stage_facts<C: ConnectionTrait>(
        &self,
        db: &C,
        o: &opportunity::Model,
    ) -> Result<StageFacts, AppError> {
        let org = crate::kernel::tx::load_org(db, o.organization_id).await?;
        let quotes = quote::Entity::find().filter(quote::Column::OpportunityId.eq(o.id)).all(db).await?;
        let status = |q: &quote::Model| QuoteStatus::parse(&q.status);
        let demo = activity::Entity::find()
            .filter(activity::Column::OpportunityId.eq(o.id))
            .filter(activity::Column::Kind.eq(ActivityKind::Demo.as_str()))
            .one(db)
            .await?;
        let contacts = contact::Entity::find().filter(contact::Column::AccountId.eq(o.account_id)).all(db).await?;
        Ok(StageFacts {
            has_needs_analysis: o.needs_analysis.is_some(),
            has_demo_activity: demo.is_some(),
            has_approved_quote: quotes
                .iter()
                .any(|q| matches!(status(q), Some(QuoteStatus::Approved | QuoteStatus::Accepted))),
            has_accepted_quote: quotes.iter().any(|q| status(q) == Some(QuoteStatus::Accepted)),
            is_enterprise: o.estimated_value_minor >= org.enterprise_threshold_minor,
            contact_roles: contacts.iter().filter_map(|c| ContactRole::parse(&c.role)).collect(),
        })
    }

    /// `moveOpportunity`: one stage forward through its gate, or back.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn move_opportunity(
        &self,
        actor: &Actor,
        id: Uuid,
        to: Stage,
        expected_version: Option<i32>,
    ) -> Result<opportunity::Model, AppError> {
        let txn = self.tx().await?;
        let before = crate::kernel::gate::opportunity(&txn, actor, id, Action::MoveOpportunity).await?;
        check_version(expected_version, before.version)?;
        let facts = self.stage_facts(&txn, &before).await?;
        rules::move_to(stage_of(&before)?, to, &facts).map_err(rule_err)?;
        let mut am = before.clone().into_active_model();
        am.stage = Set(to.as_str().to_owned());
        let after = save_opportunity(&txn, am, before.version).await?;
        audit::commit(txn, actor, audit::Entry::new("moveOpportunity", "opportunity", id, Some(&before), Some(&after)))
            .await?;
        Ok(after)
    }

    /// `closeOpportunityLost`: from any open stage, with a reason.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn close_opportunity_lost(
        &self,
        actor: &Actor,
        id: Uuid,
        reason: &str,
    ) -> Result<opportunity::Model, AppError> {
        let reason = text::required_long(reason).map_err(AppError::text("reason"))?;
        let txn = self.tx().await?;
        let before = crate::kernel::gate::opportunity(&txn, actor, id, Action::CloseOpportunityLost).await?;
        rules::close_lost(stage_of(&before)?).map_err(rule_err)?;
        let mut am = before.clone().into_active_model();
        am.stage = Set(Stage::ClosedLost.as_str().to_owned());
        am.loss_reason = Set(Some(reason));
        am.closed_at = Set(Some(Utc::now()));
        let after = save_opportunity(&txn, am, before.version).await?;
        audit::record(
            &txn,
            actor.org_id,
            actor,
            "closeOpportunityLost",
            "opportunity",
            id,
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::kernel::sla::stop_clocks(&txn, id, ClockKind::NeedsAnalysis).await?;
        crate::kernel::sla::stop_clocks(&txn, id, ClockKind::Demo).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// The activities of an opportunity the caller may read, oldest first.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn activities_of(&self, actor: &Actor, opportunity_id: Uuid) -> Result<Vec<activity::Model>, AppError> {
        use sea_orm::QueryOrder;
        Ok(activity::Entity::find()
            .filter(activity::Column::OrganizationId.eq(actor.org_id))
            .filter(activity::Column::OpportunityId.eq(opportunity_id))
            .order_by_asc(activity::Column::Id)
            .all(&self.db)
            .await?)
    }
}
