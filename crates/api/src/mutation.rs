//! Mutations. Each resolver authenticates, parses ids, calls one use case and maps the result.

use crate::enums::*;
use crate::id_arg;
use crate::scalars::Decimal;
use crate::scalars::Timestamp;
use crate::types::{Account, ApiTokenPayload, AuthPayload, Lead, Opportunity, OrgSettings, Team, User};
use crate::{Gql, actor, app};
use async_graphql::{Context, ID, InputObject, MergedObject, Object, Result, SimpleObject};
use baton_app::{admin::org, sales::leads};

/// Every change Baton accepts.
#[derive(MergedObject, Default)]
pub struct Mutation(
    IdentityMutation,
    LeadMutation,
    crate::deal_mutation::DealMutation,
    crate::loops::LoopMutation,
    crate::success::SuccessMutation,
    crate::enablement::EnablementMutation,
    crate::work::WorkMutation,
    crate::analytics::ReviewMutation,
    crate::automation::AutomationMutation,
    crate::compliance::ComplianceMutation,
    crate::compliance::ConsentMutation,
    crate::privacy::PrivacyMutation,
    crate::governance::GovernanceMutation,
    crate::roles::RoleMutation,
    crate::webhooks::WebhookMutation,
    crate::imports::ImportMutation,
);

/// Login, passwords and administration.
#[derive(Default)]
pub struct IdentityMutation;

/// A new user.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// The display name.
    pub name: String,
    /// The login e-mail address, unique across organizations.
    pub email: String,
    /// The initial password, at least 8 characters.
    pub password: String,
    /// The roles to grant.
    pub roles: Vec<Role>,
    /// A team to join.
    pub team_id: Option<ID>,
}

/// Changes to the organization's settings; absent fields stay as they are.
#[derive(InputObject, Default)]
pub struct OrgSettingsInput {
    /// The organization's name.
    pub name: Option<String>,
    /// The currency of quotes, contracts and invoices (ISO-4217).
    pub currency: Option<String>,
    /// The estimated value at or above which the full decision chain is needed.
    pub enterprise_threshold: Option<Decimal>,
    /// The discount (percent) a sales rep may give without approval.
    pub discount_limit_rep: Option<Decimal>,
    /// The discount (percent) a sales manager may approve.
    pub discount_limit_manager: Option<Decimal>,
    /// Hours within which a new lead must be contacted.
    pub first_contact_sla_hours: Option<i32>,
    /// Hours within which legal reviews a submitted contract.
    pub legal_review_sla_hours: Option<i32>,
    /// Customer success starts onboarding only once the first invoice is paid.
    pub onboarding_requires_first_payment: Option<bool>,
    /// The IANA time zone of the business-hours calendar, such as Europe/Berlin.
    pub time_zone: Option<String>,
    /// Working days, such as MON,TUE,WED,THU,FRI.
    pub work_days: Option<String>,
    /// Start of the working day, HH:MM.
    pub work_start: Option<String>,
    /// End of the working day, HH:MM.
    pub work_end: Option<String>,
    /// Holidays (the complete list).
    pub holidays: Option<Vec<chrono::NaiveDate>>,
    /// Working hours within which a converted deal needs its needs-analysis report.
    pub needs_analysis_sla_hours: Option<i32>,
    /// Working hours within which a converted deal needs its demo.
    pub demo_sla_hours: Option<i32>,
    /// Days before a subscription ends that its renewal opportunity opens.
    pub renewal_lead_days: Option<i32>,
    /// The reward a customer earns for a referred deal that is won.
    pub referral_reward: Option<Decimal>,
    /// Gifts above this value need compliance approval.
    pub gift_threshold: Option<Decimal>,
    /// Days without follow-up after which a lead returns to the pool.
    pub pool_follow_up_days: Option<i32>,
    /// Days a disqualified lead's personal data is kept before the retention job erases it.
    pub disqualified_lead_retention_days: Option<i32>,
    /// Days into the year (or after joining) before missing conduct acknowledgements are overdue.
    pub conduct_grace_days: Option<i32>,
    /// Leads an SDR may claim from the pool per day.
    pub pool_claim_limit: Option<i32>,
    /// Commission: the base rate on collected cash, in percent.
    pub commission_base_percent: Option<Decimal>,
    /// Commission: the retention bonus on SaaS renewals, in percent.
    pub commission_retention_percent: Option<Decimal>,
    /// Commission: the big-deal bonus on custom software, in percent.
    pub commission_big_deal_percent: Option<Decimal>,
    /// Commission: the contract value from which the big-deal bonus applies.
    pub commission_big_deal_threshold: Option<Decimal>,
    /// Commission: the team bonus on renewals and upsells won with customer success, in percent.
    pub commission_team_percent: Option<Decimal>,
    /// The version the change is based on; a stale one is a CONFLICT.
    pub expected_version: Option<i32>,
}

#[Object]
impl IdentityMutation {
    /// Logs in with e-mail and password and returns a JWT. Wrong e-mails and wrong passwords get the same answer.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The login e-mail address.")] email: String,
        #[graphql(desc = "The password.")] password: String,
    ) -> Result<AuthPayload> {
        let info = ctx.data_opt::<crate::RequestInfo>().cloned().unwrap_or_default();
        if !info.take_login() {
            return Err(crate::error::bad_request("one login per request: send each login in a request of its own"));
        }
        let (token, expires_at, user) = app(ctx).login_from(&email, &password, info.client).await.gql()?;
        Ok(AuthPayload { token, expires_at: expires_at.into(), user })
    }

    /// Changes the caller's own password.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The current password.")] current_password: String,
        #[graphql(desc = "The new password, at least 8 characters.")] new_password: String,
    ) -> Result<bool> {
        let a = actor(ctx)?;
        app(ctx).change_password(a, &current_password, &new_password).await.gql()?;
        Ok(true)
    }

    /// Creates a user (ADMIN).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new user.")] input: CreateUserInput,
    ) -> Result<User> {
        let a = actor(ctx)?;
        let team_id = input.team_id.as_ref().map(|t| id_arg("teamId", t)).transpose()?;
        let new = org::NewUser {
            name: input.name,
            email: input.email,
            password: input.password,
            roles: input.roles.into_iter().map(Into::into).collect(),
            team_id,
        };
        Ok(User(app(ctx).create_user(a, new).await.gql()?))
    }

    /// Replaces a user's roles (ADMIN); effective on the user's next request.
    async fn set_user_roles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user.")] user_id: ID,
        #[graphql(desc = "The complete new set of roles.")] roles: Vec<Role>,
    ) -> Result<User> {
        let a = actor(ctx)?;
        let id = id_arg("userId", &user_id)?;
        Ok(User(app(ctx).set_user_roles(a, id, roles.into_iter().map(Into::into).collect()).await.gql()?))
    }

    /// Deactivates a user (ADMIN); its tokens stop working at once.
    async fn deactivate_user(&self, ctx: &Context<'_>, #[graphql(desc = "The user.")] user_id: ID) -> Result<User> {
        let a = actor(ctx)?;
        let id = id_arg("userId", &user_id)?;
        Ok(User(app(ctx).deactivate_user(a, id).await.gql()?))
    }

    /// Creates a team with its manager (ADMIN).
    async fn create_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The team's name.")] name: String,
        #[graphql(desc = "Direct, channel or key account.")] kind: TeamKind,
        #[graphql(desc = "The manager.")] manager_id: ID,
    ) -> Result<Team> {
        let a = actor(ctx)?;
        let m = id_arg("managerId", &manager_id)?;
        Ok(Team(app(ctx).create_team(a, &name, kind.as_str(), m).await.gql()?))
    }

    /// Adds a user to a team (ADMIN).
    async fn add_team_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The team.")] team_id: ID,
        #[graphql(desc = "The user to add.")] user_id: ID,
    ) -> Result<Team> {
        let a = actor(ctx)?;
        let (t, u) = (id_arg("teamId", &team_id)?, id_arg("userId", &user_id)?);
        Ok(Team(app(ctx).add_team_member(a, t, u).await.gql()?))
    }

    /// Changes the organization's settings (ADMIN).
    async fn update_org_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: OrgSettingsInput,
    ) -> Result<OrgSettings> {
        let a = actor(ctx)?;
        let p = org::SettingsPatch {
            name: input.name,
            currency: input.currency,
            enterprise_threshold: input.enterprise_threshold.map(|d| d.0),
            discount_limit_rep: input.discount_limit_rep.map(|d| d.0),
            discount_limit_manager: input.discount_limit_manager.map(|d| d.0),
            first_contact_sla_hours: input.first_contact_sla_hours,
            legal_review_sla_hours: input.legal_review_sla_hours,
            onboarding_requires_first_payment: input.onboarding_requires_first_payment,
            time_zone: input.time_zone,
            work_days: input.work_days,
            work_start: input.work_start,
            work_end: input.work_end,
            holidays: input.holidays,
            needs_analysis_sla_hours: input.needs_analysis_sla_hours,
            demo_sla_hours: input.demo_sla_hours,
            renewal_lead_days: input.renewal_lead_days,
            referral_reward: input.referral_reward.map(|d| d.0),
            gift_threshold: input.gift_threshold.map(|d| d.0),
            pool_follow_up_days: input.pool_follow_up_days,
            disqualified_lead_retention_days: input.disqualified_lead_retention_days,
            conduct_grace_days: input.conduct_grace_days,
            pool_claim_limit: input.pool_claim_limit,
            commission_rates: [
                input.commission_base_percent.map(|d| d.0),
                input.commission_retention_percent.map(|d| d.0),
                input.commission_big_deal_percent.map(|d| d.0),
                input.commission_team_percent.map(|d| d.0),
            ],
            commission_big_deal_threshold: input.commission_big_deal_threshold.map(|d| d.0),
            expected_version: input.expected_version,
        };
        Ok(OrgSettings(app(ctx).update_org_settings(a, p).await.gql()?))
    }

    /// Creates an API token for an integration (ADMIN); the secret is shown only in this answer.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the token is for.")] name: String,
        #[graphql(desc = "The roles the token acts with.")] roles: Vec<Role>,
        #[graphql(desc = "When the token stops working; never when absent.")] expires_at: Option<Timestamp>,
        #[graphql(desc = "Custom roles (see `roles`) the token acts with as well.")] custom_role_ids: Option<Vec<ID>>,
    ) -> Result<ApiTokenPayload> {
        let a = actor(ctx)?;
        let custom: Vec<uuid::Uuid> =
            custom_role_ids.unwrap_or_default().iter().map(|r| id_arg("customRoleIds", r)).collect::<Result<_>>()?;
        let roles = roles.into_iter().map(Into::into).collect();
        let (token, secret) =
            app(ctx).create_api_token(a, &name, roles, custom, expires_at.map(Into::into)).await.gql()?;
        Ok(ApiTokenPayload { token, secret })
    }

    /// Revokes an API token (ADMIN); it stops working at once.
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token's id.")] token_id: ID,
    ) -> Result<bool> {
        let a = actor(ctx)?;
        let id = id_arg("tokenId", &token_id)?;
        app(ctx).revoke_api_token(a, id).await.gql()?;
        Ok(true)
    }
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

/// An amount of money.
#[derive(InputObject)]
pub struct MoneyInput {
    /// The amount, a decimal string such as "1200.50".
    pub amount: Decimal,
    /// The ISO-4217 currency code, such as "USD".
    pub currency: String,
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
        crate::roles::refuse_hidden_writes(ctx, a, "Lead")?;
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
        crate::roles::refuse_hidden_writes(ctx, a, "Lead")?;
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
