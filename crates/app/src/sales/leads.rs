//! The lead slice: capture, contact, qualification, disqualification, assignment and
//! conversion into an account, a contact and an opportunity.

use crate::kernel::error::check_version;
use crate::kernel::money::minor;
use crate::kernel::tx::Versioned;
use crate::kernel::tx::put;
use crate::{Actor, App, AppError, kernel::audit};
use anyhow::Context;
use baton_domain::assignment::Assignment;
use baton_domain::lead::{self as rules_lead, Bant, ConversionFacts, LeadSource, LeadStatus, PurchaseTimeline};
use baton_domain::permission::Action;
use baton_domain::sla::ClockKind;
use baton_domain::text::{self, Email, LONG_TEXT_MAX, SHORT_TEXT_MAX};
use baton_domain::{Money, Role};
use baton_store::entity::{account, activity, contact, lead, opportunity, user};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

/// Raw input of `createLead`.
#[derive(Debug, Clone)]
pub struct NewLead {
    pub company_name: String,
    pub contact_name: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub industry: Option<String>,
    pub company_size: Option<i32>,
    pub source: LeadSource,
    pub pain_points: Option<String>,
    /// The marketing campaign that brought the lead in.
    pub campaign_id: Option<Uuid>,
    /// The customer account that referred the lead (referral programme).
    pub referred_by_account_id: Option<Uuid>,
    /// The channel partner that brought the lead.
    pub partner_id: Option<Uuid>,
    /// Where the person's data resides (ISO 3166-1 alpha-2), when known.
    pub jurisdiction: Option<String>,
}

/// Raw input of `updateLead`: absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct LeadPatch {
    pub company_name: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub industry: Option<String>,
    pub company_size: Option<i32>,
    pub source: Option<LeadSource>,
    pub pain_points: Option<String>,
}

/// Raw input of `qualifyLead`.
#[derive(Debug, Clone)]
pub struct Qualification {
    pub budget_confirmed: bool,
    pub authority_confirmed: bool,
    pub need_confirmed: bool,
    pub timeline: PurchaseTimeline,
    pub notes: Option<String>,
}

/// Raw input of `convertLead`.
#[derive(Debug, Clone)]
pub struct ConvertInput {
    pub account_executive_id: Uuid,
    pub opportunity_name: String,
    pub estimated_value: Decimal,
    pub currency: String,
    pub account_id: Option<Uuid>,
    pub expected_close_date: Option<DateTime<Utc>>,
}

/// What `convertLead` made.
#[derive(Debug, Clone)]
pub struct Converted {
    pub lead: lead::Model,
    pub account: account::Model,
    pub opportunity: opportunity::Model,
}

fn email_field(field: &'static str, s: Option<&str>) -> Result<Option<Email>, AppError> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(e) => Email::parse(e).map(Some).map_err(AppError::text(field)),
    }
}

fn phone_field(s: Option<&str>) -> Result<Option<String>, AppError> {
    let p = text::optional(s, 50).map_err(AppError::text("contactPhone"))?;
    if let Some(p) = &p {
        let ok =
            p.chars().any(|c| c.is_ascii_digit()) && p.chars().all(|c| c.is_ascii_digit() || " +-().x/".contains(c));
        if !ok {
            return Err(AppError::bad_input("contactPhone", "is not a phone number"));
        }
    }
    Ok(p)
}

fn company_size_field(n: Option<i32>) -> Result<Option<i32>, AppError> {
    match n {
        Some(n) if n < 1 => Err(AppError::bad_input("companySize", "must be at least 1")),
        n => Ok(n),
    }
}

fn rule_err(v: Vec<baton_domain::Violation>) -> AppError {
    AppError::Rule(v)
}

async fn user_in_org<C: ConnectionTrait>(db: &C, org: Uuid, id: Uuid) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(id)
        .filter(user::Column::OrganizationId.eq(org))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("user"))
}

/// The owners of `n` new leads in turn from the organization's round-robin over its active SDRs
/// (none when it has no active SDR), as `n` single picks would be: the cursor moves by `n`.
async fn sdr_round_robin(txn: &DatabaseTransaction, org_id: Uuid, n: usize) -> Result<Vec<Option<Uuid>>, AppError> {
    let active: Vec<Uuid> = crate::kernel::auth::holders_of(org_id, &[Role::Sdr])
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(txn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    if active.is_empty() || n == 0 {
        return Ok(vec![None; n]);
    }
    let last =
        crate::kernel::tx::advance_counter(txn, org_id, crate::kernel::tx::Counter::RoundRobin, n as i64).await?;
    let first = last - n as i64;
    Ok((0..n as i64).map(|i| Some(active[(first + i).rem_euclid(active.len() as i64) as usize])).collect())
}

/// A lead that passed `createLead`'s parsing: every value checked, references not yet.
#[derive(Debug, Clone)]
pub(crate) struct LeadDraft {
    company_name: String,
    contact_name: String,
    pub(crate) email: Option<Email>,
    phone: Option<String>,
    industry: Option<String>,
    company_size: Option<i32>,
    source: LeadSource,
    pain_points: Option<String>,
    campaign_id: Option<Uuid>,
    referred_by_account_id: Option<Uuid>,
    partner_id: Option<Uuid>,
    jurisdiction: Option<String>,
}

/// Parses `createLead`'s input; the error names the field.
pub(crate) fn parse_new_lead(input: NewLead) -> Result<LeadDraft, AppError> {
    Ok(LeadDraft {
        company_name: text::required_short(&input.company_name).map_err(AppError::text("companyName"))?,
        contact_name: text::required_short(&input.contact_name).map_err(AppError::text("contactName"))?,
        email: email_field("contactEmail", input.contact_email.as_deref())?,
        phone: phone_field(input.contact_phone.as_deref())?,
        industry: text::optional(input.industry.as_deref(), SHORT_TEXT_MAX).map_err(AppError::text("industry"))?,
        company_size: company_size_field(input.company_size)?,
        source: input.source,
        pain_points: text::optional(input.pain_points.as_deref(), LONG_TEXT_MAX)
            .map_err(AppError::text("painPoints"))?,
        campaign_id: input.campaign_id,
        referred_by_account_id: input.referred_by_account_id,
        partner_id: input.partner_id,
        jurisdiction: input
            .jurisdiction
            .as_deref()
            .map(text::jurisdiction)
            .transpose()
            .map_err(AppError::text("jurisdiction"))?,
    })
}

/// Checks that each referenced row (campaign, referring account, partner) is the organization's.
async fn check_references(txn: &DatabaseTransaction, org: Uuid, drafts: &[LeadDraft]) -> Result<(), AppError> {
    use baton_store::entity::{campaign, partner};
    let distinct = |f: fn(&LeadDraft) -> Option<Uuid>| {
        let mut ids: Vec<Uuid> = drafts.iter().filter_map(f).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let campaigns = distinct(|d| d.campaign_id);
    if !campaigns.is_empty() {
        let found = campaign::Entity::find()
            .filter(campaign::Column::OrganizationId.eq(org))
            .filter(campaign::Column::Id.is_in(campaigns.clone()))
            .count(txn)
            .await?;
        if found != campaigns.len() as u64 {
            return Err(AppError::NotFound("campaign"));
        }
    }
    let referrers = distinct(|d| d.referred_by_account_id);
    if !referrers.is_empty() {
        let found = account::Entity::find()
            .filter(account::Column::OrganizationId.eq(org))
            .filter(account::Column::Id.is_in(referrers.clone()))
            .count(txn)
            .await?;
        if found != referrers.len() as u64 {
            return Err(AppError::NotFound("account"));
        }
    }
    let partners = distinct(|d| d.partner_id);
    if !partners.is_empty() {
        let found = partner::Entity::find()
            .filter(partner::Column::OrganizationId.eq(org))
            .filter(partner::Column::Id.is_in(partners.clone()))
            .count(txn)
            .await?;
        if found != partners.len() as u64 {
            return Err(AppError::NotFound("partner"));
        }
    }
    Ok(())
}

/// Leads written by one statement at most (35 columns each, within both engines' limits).
const LEAD_BATCH: usize = 500;

/// Creates leads in the caller's transaction, as `createLead` does for one: the creating SDR
/// owns each, otherwise the round-robin assigns them in turn (an unowned lead waits in the
/// pool); each is audited as `createLead`, gets its first-contact clock, and a self sign-up is
/// enrolled in the trial cadence. Imports write their good rows through here.
pub(crate) async fn insert_leads(
    txn: &DatabaseTransaction,
    actor: &Actor,
    drafts: Vec<LeadDraft>,
) -> Result<Vec<lead::Model>, AppError> {
    actor.authorize(Action::CreateLead)?;
    check_references(txn, actor.org_id, &drafts).await?;
    let owners = match actor.user_id() {
        Some(me) if actor.has(Role::Sdr) => vec![Some(me); drafts.len()],
        _ => sdr_round_robin(txn, actor.org_id, drafts.len()).await?,
    };
    let now = Utc::now();
    let rows: Vec<lead::Model> = drafts
        .into_iter()
        .zip(owners)
        .map(|(d, owner)| lead::Model {
            id: Uuid::now_v7(),
            organization_id: actor.org_id,
            owner_id: owner,
            company_name: d.company_name,
            contact_name: d.contact_name,
            email_domain: d.email.as_ref().map(|e| e.domain().to_owned()),
            contact_email: d.email.map(|e| e.as_str().to_owned()),
            contact_phone: d.phone,
            industry: d.industry,
            company_size: d.company_size,
            campaign_id: d.campaign_id,
            referred_by_account_id: d.referred_by_account_id,
            pooled_at: if owner.is_none() { Some(now) } else { None },
            jurisdiction: d.jurisdiction,
            cross_border_basis: None,
            erased_at: None,
            disqualified_at: None,
            partner_id: d.partner_id,
            source: d.source.as_str().to_owned(),
            pain_points: d.pain_points,
            status: LeadStatus::New.as_str().to_owned(),
            priority: None,
            budget_confirmed: None,
            authority_confirmed: None,
            need_confirmed: None,
            timeline: None,
            qualification_notes: None,
            disqualification_reason: None,
            first_contacted_at: None,
            converted_at: None,
            converted_account_id: None,
            converted_opportunity_id: None,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect();
    for chunk in rows.chunks(LEAD_BATCH) {
        lead::Entity::insert_many(chunk.iter().cloned().map(|l| lead::ActiveModel::from(l).reset_all()))
            .exec(txn)
            .await?;
    }
    let entries = rows.iter().map(|r| audit::Entry::new("createLead", "lead", r.id, None::<&()>, Some(r))).collect();
    audit::record_all(txn, actor.org_id, actor, entries).await?;
    let clocks = rows.iter().map(|r| (r.id, r.owner_id, format!("Contact {}", r.company_name))).collect();
    crate::kernel::sla::start_clocks(txn, actor.org_id, ClockKind::FirstContact, "lead", clocks).await?;
    let sign_ups: Vec<Uuid> =
        rows.iter().filter(|r| r.source == LeadSource::SelfSignup.as_str()).map(|r| r.id).collect();
    crate::marketing::automation::enroll_trials(txn, actor.org_id, &sign_ups).await?;
    Ok(rows)
}

impl App {
    /// `createLead`: the creating SDR owns the lead, else the org's round-robin over SDRs.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn create_lead(&self, actor: &Actor, input: NewLead) -> Result<lead::Model, AppError> {
        let draft = parse_new_lead(input)?;
        actor.authorize(Action::CreateLead)?;
        let txn = self.tx().await?;
        let row = insert_leads(&txn, actor, vec![draft]).await?.into_iter().next().context("the created lead")?;
        txn.commit().await?;
        Ok(row)
    }

    /// `updateLead`: edits an open lead's facts.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id, lead = %id))]
    pub async fn update_lead(
        &self,
        actor: &Actor,
        id: Uuid,
        patch: LeadPatch,
        expected_version: Option<i32>,
    ) -> Result<lead::Model, AppError> {
        let patch = parse_lead_patch(patch)?;
        let txn = self.tx().await?;
        let after = update_lead_in(&txn, actor, id, patch, expected_version).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// `assignLead`: a sales manager gives a lead to another sales rep.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id, lead = %id))]
    pub async fn assign_lead(&self, actor: &Actor, id: Uuid, owner_id: Uuid) -> Result<lead::Model, AppError> {
        let txn = self.tx().await?;
        let before = crate::kernel::gate::lead(&txn, actor, id, Action::AssignLead).await?;
        let owner = user_in_org(&txn, actor.org_id, owner_id).await?;
        let mut violations =
            rules_lead::edit(crate::kernel::error::stored(&before.status, LeadStatus::parse, "lead status")?)
                .err()
                .unwrap_or_default();
        let roles = crate::kernel::auth::roles_of(&txn, owner.id).await?;
        violations.extend(Assignment::LeadOwner.check(owner.active, &roles).err().unwrap_or_default());
        if !violations.is_empty() {
            return Err(AppError::Rule(violations));
        }
        let mut am = before.clone().into_active_model();
        am.owner_id = Set(Some(owner.id));
        let after = save(&txn, am, before.version).await?;
        audit::record(&txn, actor.org_id, actor, "assignLead", "lead", id, Some(&before), Some(&after)).await?;
        crate::kernel::sla::reassign_clocks(&txn, id, owner.id).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// `recordLeadContact`: NEW -> CONTACTED on the first contact; every contact is an activity.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id, lead = %id))]
    pub async fn record_lead_contact(
        &self,
        actor: &Actor,
        id: Uuid,
        notes: Option<String>,
    ) -> Result<lead::Model, AppError> {
        let notes = text::optional(notes.as_deref(), LONG_TEXT_MAX).map_err(AppError::text("notes"))?;
        let txn = self.tx().await?;
        let before = crate::kernel::gate::lead(&txn, actor, id, Action::RecordLeadContact).await?;
        let status =
            rules_lead::contact(crate::kernel::error::stored(&before.status, LeadStatus::parse, "lead status")?)
                .map_err(rule_err)?;
        let now = Utc::now();
        activity::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            lead_id: Set(Some(id)),
            opportunity_id: Set(None),
            actor_id: Set(Some(actor.principal_id())),
            kind: Set("LEAD_CONTACT".into()),
            notes: Set(notes),
            occurred_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let mut am = before.clone().into_active_model();
        am.status = Set(status.as_str().to_owned());
        if before.first_contacted_at.is_none() {
            am.first_contacted_at = Set(Some(now));
        }
        let after = save(&txn, am, before.version).await?;
        audit::record(&txn, actor.org_id, actor, "recordLeadContact", "lead", id, Some(&before), Some(&after)).await?;
        crate::kernel::sla::stop_clocks(&txn, id, ClockKind::FirstContact).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// `qualifyLead`: records BANT and derives the priority.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id, lead = %id))]
    pub async fn qualify_lead(&self, actor: &Actor, id: Uuid, q: Qualification) -> Result<lead::Model, AppError> {
        let notes = text::optional(q.notes.as_deref(), LONG_TEXT_MAX).map_err(AppError::text("notes"))?;
        let txn = self.tx().await?;
        let before = crate::kernel::gate::lead(&txn, actor, id, Action::QualifyLead).await?;
        let status =
            rules_lead::qualify(crate::kernel::error::stored(&before.status, LeadStatus::parse, "lead status")?)
                .map_err(rule_err)?;
        let bant = Bant {
            budget: q.budget_confirmed,
            authority: q.authority_confirmed,
            need: q.need_confirmed,
            timeline: q.timeline,
        };
        let mut am = before.clone().into_active_model();
        am.status = Set(status.as_str().to_owned());
        am.priority = Set(Some(bant.priority().as_str().to_owned()));
        am.budget_confirmed = Set(Some(bant.budget));
        am.authority_confirmed = Set(Some(bant.authority));
        am.need_confirmed = Set(Some(bant.need));
        am.timeline = Set(Some(bant.timeline.as_str().to_owned()));
        am.qualification_notes = Set(notes);
        let after = save(&txn, am, before.version).await?;
        audit::commit(txn, actor, audit::Entry::new("qualifyLead", "lead", id, Some(&before), Some(&after))).await?;
        Ok(after)
    }

    /// `disqualifyLead`: closes an open lead with a reason.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id, lead = %id))]
    pub async fn disqualify_lead(&self, actor: &Actor, id: Uuid, reason: String) -> Result<lead::Model, AppError> {
        let reason = text::required_long(&reason).map_err(AppError::text("reason"))?;
        let txn = self.tx().await?;
        let before = crate::kernel::gate::lead(&txn, actor, id, Action::DisqualifyLead).await?;
        let status =
            rules_lead::disqualify(crate::kernel::error::stored(&before.status, LeadStatus::parse, "lead status")?)
                .map_err(rule_err)?;
        let mut am = before.clone().into_active_model();
        am.status = Set(status.as_str().to_owned());
        am.disqualification_reason = Set(Some(reason));
        am.disqualified_at = Set(Some(Utc::now()));
        let after = save(&txn, am, before.version).await?;
        audit::record(&txn, actor.org_id, actor, "disqualifyLead", "lead", id, Some(&before), Some(&after)).await?;
        crate::kernel::sla::stop_clocks(&txn, id, ClockKind::FirstContact).await?;
        crate::marketing::automation::stop_cadences(&txn, id, "DISQUALIFIED").await?;
        txn.commit().await?;
        Ok(after)
    }

    /// `convertLead`: in one transaction, creates or reuses the account, creates the contact
    /// and the opportunity (owned by the account executive), and marks the lead CONVERTED.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id, lead = %id))]
    pub async fn convert_lead(&self, actor: &Actor, id: Uuid, input: ConvertInput) -> Result<Converted, AppError> {
        let opp_name = text::required_short(&input.opportunity_name).map_err(AppError::text("opportunityName"))?;
        let value = Money::parse_non_negative(input.estimated_value, &input.currency)
            .map_err(|m| AppError::bad_input("estimatedValue", m))?;
        let value_minor = minor("estimatedValue", &value)?;

        let txn = self.tx().await?;
        let before = crate::kernel::gate::lead(&txn, actor, id, Action::ConvertLead).await?;
        let ae = user_in_org(&txn, actor.org_id, input.account_executive_id).await?;
        let existing_account = match input.account_id {
            Some(aid) => Some(
                account::Entity::find_by_id(aid)
                    .filter(account::Column::OrganizationId.eq(actor.org_id))
                    .one(&txn)
                    .await?
                    .ok_or(AppError::NotFound("account"))?,
            ),
            None => None,
        };
        let org = crate::kernel::tx::load_org(&txn, actor.org_id).await?;
        if value.currency.as_str() != org.currency {
            return Err(AppError::bad_input(
                "estimatedValue",
                format!("must be in the organization's currency {}", org.currency),
            ));
        }
        let ae_roles = if ae.active { crate::kernel::auth::roles_of(&txn, ae.id).await? } else { vec![] };
        let conversion = rules_lead::convert(&ConversionFacts {
            status: crate::kernel::error::stored(&before.status, LeadStatus::parse, "lead status")?,
            priority: before.priority.as_deref().and_then(baton_domain::lead::Priority::parse),
            caller_scope: actor.permission(Action::ConvertLead).ok(),
            assignee_roles: &ae_roles,
        })
        .map_err(rule_err)?;

        let now = Utc::now();
        let account = conversion_account(&txn, actor, &before, existing_account, ae.id, now).await?;
        let contact = conversion_contact(&before, account.id, now).insert(&txn).await?;
        audit::record(&txn, actor.org_id, actor, "convertLead", "contact", contact.id, None::<&()>, Some(&contact))
            .await?;
        let deal = ConversionDeal { name: opp_name, owner: ae.id, value_minor, currency: value.currency.as_str() };
        let opp =
            conversion_opportunity(&before, account.id, deal, input.expected_close_date, now).insert(&txn).await?;
        audit::record(&txn, actor.org_id, actor, "convertLead", "opportunity", opp.id, None::<&()>, Some(&opp)).await?;
        let mut am = before.clone().into_active_model();
        am.status = Set(LeadStatus::Converted.as_str().to_owned());
        am.converted_at = Set(Some(now));
        am.converted_account_id = Set(Some(account.id));
        am.converted_opportunity_id = Set(Some(opp.id));
        let after = save(&txn, am, before.version).await?;
        let action = if conversion.manager_override { "convertLead:managerOverride" } else { "convertLead" };
        audit::record(&txn, actor.org_id, actor, action, "lead", id, Some(&before), Some(&after)).await?;
        crate::kernel::sla::stop_clocks(&txn, id, ClockKind::FirstContact).await?;
        crate::marketing::automation::stop_cadences(&txn, id, "CONVERTED").await?;
        start_deal_clocks(&txn, actor.org_id, &opp).await?;
        txn.commit().await?;
        Ok(Converted { lead: after, account, opportunity: opp })
    }
}

/// The account a conversion lands on: the one the caller named, else one of the same company
/// domain (never a free-mail one), else a new account for the lead's company, owned by the
/// account executive.
async fn conversion_account(
    txn: &DatabaseTransaction,
    actor: &Actor,
    lead: &lead::Model,
    named: Option<account::Model>,
    ae: Uuid,
    now: DateTime<Utc>,
) -> Result<account::Model, AppError> {
    let reusable = match (&named, &lead.email_domain) {
        (None, Some(domain)) if !text::is_free_mail_domain(domain) => {
            account::Entity::find()
                .filter(account::Column::OrganizationId.eq(actor.org_id))
                .filter(account::Column::Domain.eq(domain.clone()))
                .one(txn)
                .await?
        }
        _ => None,
    };
    if let Some(a) = named.or(reusable) {
        return Ok(a);
    }
    let a = account::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(actor.org_id),
        name: Set(lead.company_name.clone()),
        domain: Set(lead.email_domain.clone().filter(|d| !text::is_free_mail_domain(d))),
        industry: Set(lead.industry.clone()),
        company_size: Set(lead.company_size),
        account_executive_id: Set(Some(ae)),
        cs_owner_id: Set(None),
        tier: Set("STANDARD".into()),
        account_manager_id: Set(None),
        health_override: Set(None),
        health_override_reason: Set(None),
        churned_at: Set(None),
        churn_reason: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    audit::record(txn, actor.org_id, actor, "convertLead", "account", a.id, None::<&()>, Some(&a)).await?;
    Ok(a)
}

/// The lead's contact person, as a contact of the account (a decision maker when BANT
/// confirmed their authority).
fn conversion_contact(lead: &lead::Model, account: Uuid, now: DateTime<Utc>) -> contact::ActiveModel {
    contact::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(lead.organization_id),
        account_id: Set(account),
        name: Set(lead.contact_name.clone()),
        email: Set(lead.contact_email.clone()),
        phone: Set(lead.contact_phone.clone()),
        role: Set("OTHER".into()),
        decision_maker: Set(lead.authority_confirmed.unwrap_or(false)),
        jurisdiction: Set(lead.jurisdiction.clone()),
        cross_border_basis: Set(lead.cross_border_basis.clone()),
        erased_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// What the caller gave the deal a conversion opens: its name, owner and estimated value.
struct ConversionDeal<'a> {
    name: String,
    owner: Uuid,
    value_minor: i64,
    currency: &'a str,
}

/// The new-business opportunity a conversion opens, in discovery, crediting the lead's partner.
fn conversion_opportunity(
    lead: &lead::Model,
    account: Uuid,
    deal: ConversionDeal<'_>,
    expected_close_date: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> opportunity::ActiveModel {
    opportunity::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(lead.organization_id),
        account_id: Set(account),
        owner_id: Set(deal.owner),
        lead_id: Set(Some(lead.id)),
        name: Set(deal.name),
        stage: Set("DISCOVERY".into()),
        estimated_value_minor: Set(deal.value_minor),
        currency: Set(deal.currency.to_owned()),
        expected_close_date: Set(expected_close_date),
        probability: Set(None),
        needs_analysis: Set(None),
        loss_reason: Set(None),
        closed_at: Set(None),
        kind: Set("NEW_BUSINESS".into()),
        cs_credit_id: Set(None),
        renewal_of: Set(None),
        partner_id: Set(lead.partner_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The clocks a new deal's owner works against: the needs-analysis report and the demo.
async fn start_deal_clocks(txn: &DatabaseTransaction, org: Uuid, opp: &opportunity::Model) -> Result<(), AppError> {
    for (kind, title) in [(ClockKind::NeedsAnalysis, "Needs-analysis report for"), (ClockKind::Demo, "Demo for")] {
        let title = format!("{title} {}", opp.name);
        crate::kernel::sla::start_clock(txn, org, kind, "opportunity", opp.id, Some(opp.owner_id), &title).await?;
    }
    Ok(())
}

/// A patch that passed `updateLead`'s parsing.
#[derive(Debug, Clone, Default)]
pub(crate) struct ParsedPatch {
    company_name: Option<String>,
    contact_name: Option<String>,
    email: Option<Email>,
    phone: Option<String>,
    industry: Option<String>,
    company_size: Option<i32>,
    source: Option<LeadSource>,
    pain_points: Option<String>,
}

/// Parses `updateLead`'s input; the error names the field.
pub(crate) fn parse_lead_patch(patch: LeadPatch) -> Result<ParsedPatch, AppError> {
    Ok(ParsedPatch {
        company_name: patch
            .company_name
            .as_deref()
            .map(text::required_short)
            .transpose()
            .map_err(AppError::text("companyName"))?,
        contact_name: patch
            .contact_name
            .as_deref()
            .map(text::required_short)
            .transpose()
            .map_err(AppError::text("contactName"))?,
        email: email_field("contactEmail", patch.contact_email.as_deref())?,
        phone: phone_field(patch.contact_phone.as_deref())?,
        industry: text::optional(patch.industry.as_deref(), SHORT_TEXT_MAX).map_err(AppError::text("industry"))?,
        company_size: company_size_field(patch.company_size)?,
        source: patch.source,
        pain_points: text::optional(patch.pain_points.as_deref(), LONG_TEXT_MAX)
            .map_err(AppError::text("painPoints"))?,
    })
}

/// `updateLead` in the caller's transaction: through the lead's gate, an open lead only,
/// version bumped, audited. An import's UPDATE policy goes through here.
pub(crate) async fn update_lead_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    id: Uuid,
    patch: ParsedPatch,
    expected_version: Option<i32>,
) -> Result<lead::Model, AppError> {
    let before = crate::kernel::gate::lead(txn, actor, id, Action::UpdateLead).await?;
    check_version(expected_version, before.version)?;
    rules_lead::edit(crate::kernel::error::stored(&before.status, LeadStatus::parse, "lead status")?)
        .map_err(rule_err)?;
    let mut am = before.clone().into_active_model();
    put(&mut am.company_name, patch.company_name);
    put(&mut am.contact_name, patch.contact_name);
    if let Some(e) = patch.email {
        am.email_domain = Set(Some(e.domain().to_owned()));
        am.contact_email = Set(Some(e.as_str().to_owned()));
    }
    put(&mut am.contact_phone, patch.phone.map(Some));
    put(&mut am.industry, patch.industry.map(Some));
    put(&mut am.company_size, patch.company_size.map(Some));
    put(&mut am.source, patch.source.map(|s| s.as_str().to_owned()));
    put(&mut am.pain_points, patch.pain_points.map(Some));
    let after = save(txn, am, before.version).await?;
    audit::record(txn, actor.org_id, actor, "updateLead", "lead", id, Some(&before), Some(&after)).await?;
    Ok(after)
}

/// Saves a lead with its version bumped and `updated_at` set.
async fn save(txn: &DatabaseTransaction, mut am: lead::ActiveModel, version: i32) -> Result<lead::Model, AppError> {
    am.bump(version, Utc::now());
    Ok(am.update(txn).await?)
}
