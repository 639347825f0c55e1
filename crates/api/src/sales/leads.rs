//! Leads: the type, the lead mutations and conversion.

use crate::kernel::enums::*;
use crate::kernel::scalars::Timestamp;
use crate::kernel::types::{Money, MoneyInput, User, id, load_user};
use crate::sales::deals::{Account, Opportunity};
use crate::{Gql, actor, app, id_arg};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use baton_app::entity::lead;
use baton_app::sales::leads;

/// A prospective customer, from capture to conversion.
pub struct Lead(pub lead::Model);

/// A prospective customer, from capture to conversion.
#[Object(guard = "crate::admin::roles::FieldRule(\"Lead\")")]
impl Lead {
    /// The lead's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Where the lead stands.
    async fn status(&self) -> Result<LeadStatus> {
        stored(&self.0.status)
    }
    /// The priority derived from BANT; null until qualified.
    async fn priority(&self) -> Option<Priority> {
        self.0.priority.as_deref().and_then(baton_domain::lead::Priority::parse).map(Priority::from)
    }
    /// The company's name.
    async fn company_name(&self) -> &str {
        &self.0.company_name
    }
    /// The contact person's name.
    async fn contact_name(&self) -> &str {
        &self.0.contact_name
    }
    /// The contact's e-mail address.
    async fn contact_email(&self) -> Option<&str> {
        self.0.contact_email.as_deref()
    }
    /// The contact's phone number.
    async fn contact_phone(&self) -> Option<&str> {
        self.0.contact_phone.as_deref()
    }
    /// Where the person's data resides (ISO 3166-1 alpha-2), when known.
    async fn jurisdiction(&self) -> Option<&str> {
        self.0.jurisdiction.as_deref()
    }
    /// The recorded basis on which the person's data may leave its jurisdiction (PIPL).
    async fn cross_border_basis(&self) -> Option<&str> {
        self.0.cross_border_basis.as_deref()
    }
    /// When the person's data was erased (a data-subject request or retention).
    async fn erased_at(&self) -> Option<crate::kernel::scalars::Timestamp> {
        self.0.erased_at.map(crate::kernel::scalars::Timestamp)
    }
    /// The company's industry.
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }
    /// The company's number of employees.
    async fn company_size(&self) -> Option<i32> {
        self.0.company_size
    }
    /// Where the lead came from.
    async fn source(&self) -> Result<LeadSource> {
        stored(&self.0.source)
    }
    /// The pain points the customer named.
    async fn pain_points(&self) -> Option<&str> {
        self.0.pain_points.as_deref()
    }
    /// BANT: the budget is confirmed (null until qualified).
    async fn budget_confirmed(&self) -> Option<bool> {
        self.0.budget_confirmed
    }
    /// BANT: a decision maker is involved (null until qualified).
    async fn authority_confirmed(&self) -> Option<bool> {
        self.0.authority_confirmed
    }
    /// BANT: the need is real (null until qualified).
    async fn need_confirmed(&self) -> Option<bool> {
        self.0.need_confirmed
    }
    /// BANT: when the customer plans to buy (null until qualified).
    async fn timeline(&self) -> Option<PurchaseTimeline> {
        self.0.timeline.as_deref().and_then(baton_domain::lead::PurchaseTimeline::parse).map(PurchaseTimeline::from)
    }
    /// Why the lead was disqualified.
    async fn disqualification_reason(&self) -> Option<&str> {
        self.0.disqualification_reason.as_deref()
    }
    /// The SDR who owns the lead; it keeps its owner after conversion.
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.owner_id).await
    }
    /// When the lead was first contacted.
    async fn first_contacted_at(&self) -> Option<Timestamp> {
        self.0.first_contacted_at.map(Timestamp)
    }
    /// When the lead was converted.
    async fn converted_at(&self) -> Option<Timestamp> {
        self.0.converted_at.map(Timestamp)
    }
    /// The account the lead was converted into, if the caller may see it.
    async fn converted_account(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        match self.0.converted_account_id {
            Some(a) => Ok(app(ctx).account(actor(ctx)?, a).await.gql()?.map(Account)),
            None => Ok(None),
        }
    }
    /// The opportunity the lead was converted into, if the caller may see it.
    async fn converted_opportunity(&self, ctx: &Context<'_>) -> Result<Option<Opportunity>> {
        match self.0.converted_opportunity_id {
            Some(o) => Ok(app(ctx).opportunity(actor(ctx)?, o).await.gql()?.map(Opportunity)),
            None => Ok(None),
        }
    }
    /// The lead's consents, oldest first.
    async fn consents(&self, ctx: &Context<'_>) -> Result<Vec<crate::legal::compliance::Consent>> {
        Ok(app(ctx)
            .consents_of(self.0.organization_id, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(crate::legal::compliance::Consent)
            .collect())
    }
    /// The lead's SLA clocks (first contact).
    async fn sla_clocks(&self, ctx: &Context<'_>) -> Result<Vec<crate::kernel::sla::SlaClock>> {
        Ok(app(ctx)
            .clocks_of(self.0.organization_id, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(crate::kernel::sla::SlaClock)
            .collect())
    }
    /// Other leads with the same e-mail address or company e-mail domain that the caller may see.
    async fn possible_duplicates(&self, ctx: &Context<'_>) -> Result<Vec<Lead>> {
        Ok(app(ctx).possible_duplicates(actor(ctx)?, &self.0).await.gql()?.into_iter().map(Lead).collect())
    }
    /// Incremented on every change; pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the lead was captured.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// When the lead last changed.
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
}

/// What one lead source produced, and at what cost.
#[derive(SimpleObject)]
pub struct SourceCount {
    /// The source.
    pub source: LeadSource,
    /// All leads from the source.
    pub count: i64,
    /// Leads from the source that were qualified (including those converted since).
    pub qualified: i64,
    /// Leads from the source that were converted into opportunities.
    pub converted: i64,
    /// Won deals from the source's leads.
    pub customers: i64,
    /// The value of the contracts signed for those won deals (the figure sales reports as revenue).
    pub won_revenue: Money,
    /// The spend of the campaigns on the channel of the same name.
    pub spend: Money,
    /// Spend per lead; null without leads or spend.
    pub cost_per_lead: Option<Money>,
    /// Spend per won customer; null without customers.
    pub cost_per_customer: Option<Money>,
}

/// The lead slice.
#[derive(Default)]
pub struct LeadMutation;

/// A new lead.
#[derive(InputObject)]
pub struct CreateLeadInput {
    /// The company's name.
    pub company_name: String,
    /// The contact person's name.
    pub contact_name: String,
    /// The contact's e-mail address.
    pub contact_email: Option<String>,
    /// The contact's phone number.
    pub contact_phone: Option<String>,
    /// The company's industry.
    pub industry: Option<String>,
    /// The company's number of employees, at least 1.
    pub company_size: Option<i32>,
    /// Where the lead came from.
    pub source: LeadSource,
    /// The pain points the customer named.
    pub pain_points: Option<String>,
    /// The marketing campaign that brought the lead in.
    pub campaign_id: Option<ID>,
    /// The customer account that referred the lead (referral programme).
    pub referred_by_account_id: Option<ID>,
    /// The channel partner that brought the lead.
    pub partner_id: Option<ID>,
    /// Where the person's data resides (ISO 3166-1 alpha-2 country code, e.g. DE or CN).
    pub jurisdiction: Option<String>,
}

/// Changes to a lead; absent fields stay as they are.
#[derive(InputObject, Default)]
pub struct UpdateLeadInput {
    /// The company's name.
    pub company_name: Option<String>,
    /// The contact person's name.
    pub contact_name: Option<String>,
    /// The contact's e-mail address.
    pub contact_email: Option<String>,
    /// The contact's phone number.
    pub contact_phone: Option<String>,
    /// The company's industry.
    pub industry: Option<String>,
    /// The company's number of employees, at least 1.
    pub company_size: Option<i32>,
    /// Where the lead came from.
    pub source: Option<LeadSource>,
    /// The pain points the customer named.
    pub pain_points: Option<String>,
}

/// The BANT facts confirmed while qualifying a lead.
#[derive(InputObject)]
pub struct QualifyLeadInput {
    /// Budget: the customer has the money.
    pub budget_confirmed: bool,
    /// Authority: a decision maker is involved.
    pub authority_confirmed: bool,
    /// Need: the need is real.
    pub need_confirmed: bool,
    /// Timeline: when the customer plans to buy; met within 12 months.
    pub timeline: PurchaseTimeline,
    /// Notes from the qualification call.
    pub notes: Option<String>,
}

/// How a qualified lead becomes an opportunity.
#[derive(InputObject)]
pub struct ConvertLeadInput {
    /// The account executive who will own the opportunity.
    pub account_executive_id: ID,
    /// The opportunity's name.
    pub opportunity_name: String,
    /// The expected value of the deal.
    pub estimated_value: MoneyInput,
    /// Attach to this existing account instead of creating one.
    pub account_id: Option<ID>,
    /// When the deal is expected to close.
    pub expected_close_date: Option<Timestamp>,
}

/// What a conversion created.
#[derive(SimpleObject)]
pub struct ConvertLeadPayload {
    /// The converted lead.
    pub lead: Lead,
    /// The account created or reused.
    pub account: Account,
    /// The new opportunity.
    pub opportunity: Opportunity,
}

#[Object]
impl LeadMutation {
    /// Captures a lead (SDR, SALES_MANAGER, MARKETING). The creating SDR owns it; otherwise the org's round-robin over SDRs assigns it.
    async fn create_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new lead.")] input: CreateLeadInput,
    ) -> Result<Lead> {
        let a = actor(ctx)?;
        crate::admin::roles::refuse_hidden_writes(ctx, a, "Lead")?;
        let new = leads::NewLead {
            company_name: input.company_name,
            contact_name: input.contact_name,
            contact_email: input.contact_email,
            contact_phone: input.contact_phone,
            industry: input.industry,
            company_size: input.company_size,
            source: input.source.into(),
            pain_points: input.pain_points,
            campaign_id: input.campaign_id.as_ref().map(|c| id_arg("campaignId", c)).transpose()?,
            referred_by_account_id: input
                .referred_by_account_id
                .as_ref()
                .map(|c| id_arg("referredByAccountId", c))
                .transpose()?,
            partner_id: input.partner_id.as_ref().map(|c| id_arg("partnerId", c)).transpose()?,
            jurisdiction: input.jurisdiction,
        };
        Ok(Lead(app(ctx).create_lead(a, new).await.gql()?))
    }

    /// Edits an open lead.
    async fn update_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] lead_id: ID,
        #[graphql(desc = "The changes.")] input: UpdateLeadInput,
        #[graphql(desc = "The version the change is based on; a stale one is a CONFLICT.")] expected_version: Option<
            i32,
        >,
    ) -> Result<Lead> {
        let a = actor(ctx)?;
        crate::admin::roles::refuse_hidden_writes(ctx, a, "Lead")?;
        let id = id_arg("leadId", &lead_id)?;
        let patch = leads::LeadPatch {
            company_name: input.company_name,
            contact_name: input.contact_name,
            contact_email: input.contact_email,
            contact_phone: input.contact_phone,
            industry: input.industry,
            company_size: input.company_size,
            source: input.source.map(Into::into),
            pain_points: input.pain_points,
        };
        Ok(Lead(app(ctx).update_lead(a, id, patch, expected_version).await.gql()?))
    }

    /// Gives a lead to another SDR or account executive (SALES_MANAGER).
    async fn assign_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] lead_id: ID,
        #[graphql(desc = "The new owner.")] owner_id: ID,
    ) -> Result<Lead> {
        let a = actor(ctx)?;
        let (l, o) = (id_arg("leadId", &lead_id)?, id_arg("ownerId", &owner_id)?);
        Ok(Lead(app(ctx).assign_lead(a, l, o).await.gql()?))
    }

    /// Records a contact with the lead: NEW becomes CONTACTED and `firstContactedAt` is set.
    async fn record_lead_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] lead_id: ID,
        #[graphql(desc = "What was said.")] notes: Option<String>,
    ) -> Result<Lead> {
        let a = actor(ctx)?;
        let id = id_arg("leadId", &lead_id)?;
        Ok(Lead(app(ctx).record_lead_contact(a, id, notes).await.gql()?))
    }

    /// Qualifies a contacted lead with BANT; the priority is derived.
    async fn qualify_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] lead_id: ID,
        #[graphql(desc = "The BANT facts.")] input: QualifyLeadInput,
    ) -> Result<Lead> {
        let a = actor(ctx)?;
        let id = id_arg("leadId", &lead_id)?;
        let q = leads::Qualification {
            budget_confirmed: input.budget_confirmed,
            authority_confirmed: input.authority_confirmed,
            need_confirmed: input.need_confirmed,
            timeline: input.timeline.into(),
            notes: input.notes,
        };
        Ok(Lead(app(ctx).qualify_lead(a, id, q).await.gql()?))
    }

    /// Closes an open lead with a reason.
    async fn disqualify_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] lead_id: ID,
        #[graphql(desc = "Why the lead is disqualified.")] reason: String,
    ) -> Result<Lead> {
        let a = actor(ctx)?;
        let id = id_arg("leadId", &lead_id)?;
        Ok(Lead(app(ctx).disqualify_lead(a, id, reason).await.gql()?))
    }

    /// Converts a QUALIFIED, HIGH-priority lead (a SALES_MANAGER may convert MEDIUM) into an account, a contact and an opportunity owned by an account executive.
    async fn convert_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] lead_id: ID,
        #[graphql(desc = "The conversion.")] input: ConvertLeadInput,
    ) -> Result<ConvertLeadPayload> {
        let a = actor(ctx)?;
        let id = id_arg("leadId", &lead_id)?;
        let c = leads::ConvertInput {
            account_executive_id: id_arg("accountExecutiveId", &input.account_executive_id)?,
            opportunity_name: input.opportunity_name,
            estimated_value: input.estimated_value.amount.0,
            currency: input.estimated_value.currency,
            account_id: input.account_id.as_ref().map(|x| id_arg("accountId", x)).transpose()?,
            expected_close_date: input.expected_close_date.map(Into::into),
        };
        let r = app(ctx).convert_lead(a, id, c).await.gql()?;
        Ok(ConvertLeadPayload {
            lead: Lead(r.lead),
            account: Account(r.account),
            opportunity: Opportunity(r.opportunity),
        })
    }
}
