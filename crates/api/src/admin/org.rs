//! The organization, its users and API tokens: types and mutations.

use crate::kernel::enums::*;
use crate::kernel::scalars::{Decimal, Timestamp};
use crate::kernel::types::{Money, Team, User, id};
use crate::{Gql, actor, app, id_arg};
use async_graphql::{Context, ID, InputObject, Object, Result};
use baton_app::admin::org;
use baton_app::entity::{api_token, organization, user};

/// The organization's settings that rules depend on.
pub struct OrgSettings(pub organization::Model);

/// The organization's settings that rules depend on.
#[Object]
impl OrgSettings {
    /// The organization's id.
    async fn organization_id(&self) -> ID {
        id(self.0.id)
    }
    /// The organization's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The currency of quotes, contracts and invoices.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// At or above this estimated value an opportunity needs the IT, business and executive decision chain.
    async fn enterprise_threshold(&self) -> Money {
        Money::from_minor(self.0.enterprise_threshold_minor, &self.0.currency)
    }
    /// The discount (percent) a sales rep may give without approval.
    async fn discount_limit_rep(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.discount_limit_rep_bp))
    }
    /// The discount (percent) a sales manager may approve; finance approves any.
    async fn discount_limit_manager(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.discount_limit_manager_bp))
    }
    /// Working hours within which a new lead must be contacted (8: one working day, the handbook's 24 h).
    async fn first_contact_sla_hours(&self) -> i32 {
        self.0.first_contact_sla_hours
    }
    /// Working hours within which legal reviews a submitted contract.
    async fn legal_review_sla_hours(&self) -> i32 {
        self.0.legal_review_sla_hours
    }
    /// Customer success starts onboarding only once the first invoice is paid.
    async fn onboarding_requires_first_payment(&self) -> bool {
        self.0.onboarding_requires_first_payment
    }
    /// The time zone of the business-hours calendar SLA clocks run on.
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    /// Working days.
    async fn work_days(&self) -> &str {
        &self.0.work_days
    }
    /// Start of the working day, HH:MM.
    async fn work_start(&self) -> &str {
        &self.0.work_start
    }
    /// End of the working day, HH:MM.
    async fn work_end(&self) -> &str {
        &self.0.work_end
    }
    /// Holidays, comma-separated dates.
    async fn holidays(&self) -> &str {
        &self.0.holidays
    }
    /// Working hours for the needs-analysis report after conversion.
    async fn needs_analysis_sla_hours(&self) -> i32 {
        self.0.needs_analysis_sla_hours
    }
    /// Working hours for the demo after conversion.
    async fn demo_sla_hours(&self) -> i32 {
        self.0.demo_sla_hours
    }
    /// Days before a subscription ends that its renewal opportunity opens.
    async fn renewal_lead_days(&self) -> i32 {
        self.0.renewal_lead_days
    }
    /// The reward a customer earns for a referred deal that is won.
    async fn referral_reward(&self) -> Money {
        Money::from_minor(self.0.referral_reward_minor, &self.0.currency)
    }
    /// Gifts above this value need compliance approval.
    async fn gift_threshold(&self) -> Money {
        Money::from_minor(self.0.gift_threshold_minor, &self.0.currency)
    }
    /// Days a disqualified lead's personal data is kept before the retention job erases it.
    async fn disqualified_lead_retention_days(&self) -> i32 {
        self.0.disqualified_lead_retention_days
    }
    /// Days into the year (or after joining) before missing conduct acknowledgements are overdue.
    async fn conduct_grace_days(&self) -> i32 {
        self.0.conduct_grace_days
    }
    /// Days without follow-up after which a lead returns to the pool.
    async fn pool_follow_up_days(&self) -> i32 {
        self.0.pool_follow_up_days
    }
    /// Leads an SDR may claim from the pool per day.
    async fn pool_claim_limit(&self) -> i32 {
        self.0.pool_claim_limit
    }
    /// Commission: the base rate on collected cash, in percent.
    async fn commission_base_percent(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.commission_base_bp))
    }
    /// Commission: the retention bonus on SaaS renewals, in percent.
    async fn commission_retention_percent(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.commission_retention_bp))
    }
    /// Commission: the big-deal bonus on custom software, in percent.
    async fn commission_big_deal_percent(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.commission_big_deal_bp))
    }
    /// Commission: the contract value from which the big-deal bonus applies.
    async fn commission_big_deal_threshold(&self) -> Money {
        Money::from_minor(self.0.commission_big_deal_minor, &self.0.currency)
    }
    /// Commission: the team bonus on renewals and upsells won with customer success, in percent.
    async fn commission_team_percent(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.commission_team_bp))
    }
    /// Incremented on every change; pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// The result of a successful login.
pub struct AuthPayload {
    pub token: String,
    pub expires_at: Timestamp,
    pub user: user::Model,
}

/// The result of a successful login.
#[Object]
impl AuthPayload {
    /// A JWT to send as `Authorization: Bearer <token>`.
    async fn token(&self) -> &str {
        &self.token
    }
    /// When the token stops working.
    async fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
    /// The user who logged in.
    async fn user(&self) -> User {
        User(self.user.clone())
    }
}

/// An API token for an integration.
pub struct ApiToken(pub api_token::Model);

/// An API token for an integration.
#[Object]
impl ApiToken {
    /// The token's id (not its secret).
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// What the token is for.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The roles the token acts with.
    async fn roles(&self) -> Vec<Role> {
        baton_app::kernel::auth::parse_roles(&self.0.roles).into_iter().map(Role::from).collect()
    }
    /// The organization's custom roles the token acts with (not retired).
    async fn custom_roles(&self, ctx: &Context<'_>) -> Result<Vec<crate::admin::roles::CustomRole>> {
        let rows = app(ctx).custom_roles_of_token(self.0.organization_id, self.0.id).await.gql()?;
        Ok(rows.into_iter().filter(|r| r.retired_at.is_none()).map(crate::admin::roles::CustomRole).collect())
    }
    /// When the token stops working, if ever.
    async fn expires_at(&self) -> Option<Timestamp> {
        self.0.expires_at.map(Timestamp)
    }
    /// When the token was revoked, if it was.
    async fn revoked_at(&self) -> Option<Timestamp> {
        self.0.revoked_at.map(Timestamp)
    }
    /// When the token was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

/// A new API token and its secret.
pub struct ApiTokenPayload {
    pub token: api_token::Model,
    pub secret: String,
}

/// A new API token and its secret.
#[Object]
impl ApiTokenPayload {
    /// The token.
    async fn api_token(&self) -> ApiToken {
        ApiToken(self.token.clone())
    }
    /// The bearer secret. It is shown only once and stored only as a hash.
    async fn secret(&self) -> &str {
        &self.secret
    }
}

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
            return Err(crate::kernel::error::bad_request(
                "one login per request: send each login in a request of its own",
            ));
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
