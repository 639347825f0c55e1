//! Administration: organizations, users, roles, teams, org settings and API tokens.

use crate::admin::roles::{find_user, keep_an_admin};
use crate::kernel::audit::AuditActor;
use crate::kernel::error::check_version;
use crate::kernel::tx::Versioned;
use crate::kernel::tx::put;
use crate::{Actor, App, AppError, kernel::audit, kernel::auth};
use anyhow::Context;
use baton_domain::permission::Action;
use baton_domain::text::{self, Email};
use baton_domain::{Currency, Role};
use baton_store::entity::{api_token, organization, role_grant, team, team_member, user};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

/// Shortest password accepted from `createUser` and `changePassword`.
pub const MIN_PASSWORD_LEN: usize = 8;
/// Longest password accepted (argon2 input stays bounded).
pub const MAX_PASSWORD_LEN: usize = 200;

/// Raw input of `createUser`.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub password: String,
    pub roles: Vec<Role>,
    pub team_id: Option<Uuid>,
}

/// Raw input of `updateOrgSettings`: absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    pub name: Option<String>,
    pub currency: Option<String>,
    pub enterprise_threshold: Option<Decimal>,
    pub discount_limit_rep: Option<Decimal>,
    pub discount_limit_manager: Option<Decimal>,
    pub first_contact_sla_hours: Option<i32>,
    pub legal_review_sla_hours: Option<i32>,
    pub onboarding_requires_first_payment: Option<bool>,
    pub time_zone: Option<String>,
    pub work_days: Option<String>,
    pub work_start: Option<String>,
    pub work_end: Option<String>,
    pub holidays: Option<Vec<chrono::NaiveDate>>,
    pub needs_analysis_sla_hours: Option<i32>,
    pub demo_sla_hours: Option<i32>,
    pub renewal_lead_days: Option<i32>,
    pub referral_reward: Option<Decimal>,
    pub gift_threshold: Option<Decimal>,
    pub pool_follow_up_days: Option<i32>,
    pub disqualified_lead_retention_days: Option<i32>,
    pub conduct_grace_days: Option<i32>,
    pub pool_claim_limit: Option<i32>,
    /// Commission plan rates in percent: base, retention, big deal, team.
    pub commission_rates: [Option<Decimal>; 4],
    pub commission_big_deal_threshold: Option<Decimal>,
    pub expected_version: Option<i32>,
}

/// The team kinds of the sales organisation.
pub const TEAM_KINDS: [&str; 3] = ["DIRECT", "CHANNEL", "KEY_ACCOUNT"];

fn password_field(field: &str, p: &str) -> Result<(), AppError> {
    let n = p.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(AppError::bad_input(field, format!("must be at least {MIN_PASSWORD_LEN} characters")));
    }
    if n > MAX_PASSWORD_LEN {
        return Err(AppError::bad_input(field, format!("must be at most {MAX_PASSWORD_LEN} characters")));
    }
    Ok(())
}

fn percent_to_bp(field: &str, p: Decimal) -> Result<i32, AppError> {
    if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED || p.normalize().scale() > 2 {
        return Err(AppError::bad_input(field, "must be a percentage between 0 and 100 with at most two decimals"));
    }
    i32::try_from((p * Decimal::ONE_HUNDRED).round()).map_err(|_| AppError::bad_input(field, "is out of range"))
}

/// Basis points back to a percentage.
pub fn bp_to_percent(bp: i32) -> Decimal {
    Decimal::new(i64::from(bp), 2)
}

async fn grant_roles(txn: &DatabaseTransaction, org: Uuid, user_id: Uuid, roles: &[Role]) -> Result<(), AppError> {
    role_grant::Entity::delete_many().filter(role_grant::Column::UserId.eq(user_id)).exec(txn).await?;
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    for r in roles {
        role_grant::ActiveModel {
            user_id: Set(user_id),
            role: Set(r.as_str().to_owned()),
            organization_id: Set(org),
            created_at: Set(Utc::now()),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

async fn find_team<C: ConnectionTrait>(db: &C, org: Uuid, id: Uuid) -> Result<team::Model, AppError> {
    team::Entity::find_by_id(id)
        .filter(team::Column::OrganizationId.eq(org))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("team"))
}

/// Inserts an organization with default settings; used by `baton org create` and seeding.
pub(crate) async fn insert_org(txn: &DatabaseTransaction, name: &str) -> Result<organization::Model, AppError> {
    let now = Utc::now();
    Ok(organization::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.to_owned()),
        currency: Set("USD".into()),
        enterprise_threshold_minor: Set(5_000_000),
        discount_limit_rep_bp: Set(1000),
        discount_limit_manager_bp: Set(2500),
        first_contact_sla_hours: Set(8),
        legal_review_sla_hours: Set(16),
        time_zone: Set("UTC".into()),
        work_days: Set("MON,TUE,WED,THU,FRI".into()),
        work_start: Set("09:00".into()),
        work_end: Set("17:00".into()),
        holidays: Set(String::new()),
        needs_analysis_sla_hours: Set(24),
        demo_sla_hours: Set(56),
        pool_follow_up_days: Set(3),
        pool_claim_limit: Set(5),
        commission_base_bp: Set(800),
        commission_retention_bp: Set(200),
        commission_big_deal_bp: Set(200),
        commission_big_deal_minor: Set(5_000_000),
        commission_team_bp: Set(100),
        audit_seq: Set(0),
        gift_threshold_minor: Set(10_000),
        disqualified_lead_retention_days: Set(365),
        conduct_grace_days: Set(30),
        review_all_contracts: Set(true),
        review_above_minor: Set(None),
        review_deviations: Set(true),
        review_custom_development: Set(true),
        review_clause_keys: Set(String::new()),
        round_robin_cursor: Set(0),
        invoice_counter: Set(0),
        onboarding_requires_first_payment: Set(false),
        renewal_lead_days: Set(90),
        referral_reward_minor: Set(50_000),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?)
}

/// Inserts a user with roles, hashing the password off the async workers.
pub(crate) async fn insert_user(
    txn: &DatabaseTransaction,
    org: Uuid,
    name: &str,
    email: &Email,
    password: &str,
    roles: &[Role],
) -> Result<user::Model, AppError> {
    if user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(txn).await?.is_some() {
        return Err(AppError::bad_input("email", "is already in use"));
    }
    let pw = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw)).await.context("hashing")??;
    let now = Utc::now();
    let u = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        email: Set(email.as_str().to_owned()),
        name: Set(name.to_owned()),
        password_hash: Set(hash),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    grant_roles(txn, org, u.id, roles).await?;
    Ok(u)
}

pub(crate) async fn insert_member(
    txn: &DatabaseTransaction,
    org: Uuid,
    team_id: Uuid,
    user_id: Uuid,
) -> Result<(), AppError> {
    let exists = team_member::Entity::find_by_id((team_id, user_id)).one(txn).await?;
    if exists.is_none() {
        team_member::ActiveModel { team_id: Set(team_id), user_id: Set(user_id), organization_id: Set(org) }
            .insert(txn)
            .await?;
    }
    Ok(())
}

impl App {
    /// `login` without a known client address (the account is still throttled).
    #[tracing::instrument(skip_all)]
    pub async fn login(&self, email: &str, password: &str) -> Result<(String, DateTime<Utc>, user::Model), AppError> {
        self.login_from(email, password, None).await
    }

    /// A JWT for an existing, active user (`baton token --email`).
    #[tracing::instrument(skip_all)]
    pub async fn token_for_email(&self, email: &str) -> Result<String, AppError> {
        let email = Email::parse(email).map_err(AppError::text("email"))?;
        let u = user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await?
            .filter(|u| u.active)
            .ok_or(AppError::NotFound("user"))?;
        Ok(self.jwt.issue(u.id, u.organization_id)?.0)
    }

    /// `baton org create`: a new organization with its first administrator.
    #[tracing::instrument(skip_all)]
    pub async fn create_org(
        &self,
        name: &str,
        admin_email: &str,
        admin_password: &str,
    ) -> Result<(organization::Model, user::Model), AppError> {
        let name = text::required_short(name).map_err(AppError::text("name"))?;
        let email = Email::parse(admin_email).map_err(AppError::text("adminEmail"))?;
        password_field("adminPassword", admin_password)?;
        let txn = self.tx().await?;
        let org = insert_org(&txn, &name).await?;
        let admin = insert_user(&txn, org.id, "Administrator", &email, admin_password, &[Role::Admin]).await?;
        audit::record(
            &txn,
            org.id,
            AuditActor::SYSTEM,
            "createOrganization",
            "organization",
            org.id,
            None::<&()>,
            Some(&org),
        )
        .await?;
        audit::record(&txn, org.id, AuditActor::SYSTEM, "createUser", "user", admin.id, None::<&()>, Some(&admin))
            .await?;
        crate::admin::org::ensure_templates(&txn, org.id).await?;
        txn.commit().await?;
        Ok((org, admin))
    }

    /// `changePassword`: the caller's own password, after checking the current one.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str) -> Result<(), AppError> {
        password_field("newPassword", new)?;
        let user_id =
            actor.user_id().ok_or_else(|| AppError::Forbidden(vec!["an API token has no password".into()]))?;
        let txn = self.tx().await?;
        let u = find_user(&txn, actor.org_id, user_id).await?;
        let (cur, hash) = (current.to_owned(), u.password_hash.clone());
        let ok =
            tokio::task::spawn_blocking(move || auth::verify_password(&cur, &hash)).await.context("password check")?;
        if !ok {
            return Err(AppError::bad_input("currentPassword", "is not your current password"));
        }
        let pw = new.to_owned();
        let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw)).await.context("hashing")??;
        let mut am = u.clone().into_active_model();
        am.password_hash = Set(hash);
        am.bump(u.version, Utc::now());
        let after = am.update(&txn).await?;
        audit::commit(txn, actor, audit::Entry::new("changePassword", "user", u.id, Some(&u), Some(&after))).await?;
        Ok(())
    }

    /// `createUser` (ADMIN).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn create_user(&self, actor: &Actor, input: NewUser) -> Result<user::Model, AppError> {
        let name = text::required_short(&input.name).map_err(AppError::text("name"))?;
        let email = Email::parse(&input.email).map_err(AppError::text("email"))?;
        password_field("password", &input.password)?;
        actor.authorize(Action::CreateUser)?;
        let txn = self.tx().await?;
        if let Some(t) = input.team_id {
            find_team(&txn, actor.org_id, t).await?;
        }
        let u = insert_user(&txn, actor.org_id, &name, &email, &input.password, &input.roles).await?;
        if let Some(t) = input.team_id {
            insert_member(&txn, actor.org_id, t, u.id).await?;
        }
        audit::commit(txn, actor, audit::Entry::new("createUser", "user", u.id, None::<&()>, Some(&u))).await?;
        Ok(u)
    }

    /// `setUserRoles` (ADMIN): replaces the user's roles; effective on the user's next request.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn set_user_roles(
        &self,
        actor: &Actor,
        user_id: Uuid,
        roles: Vec<Role>,
    ) -> Result<user::Model, AppError> {
        actor.authorize(Action::SetUserRoles)?;
        let txn = self.tx().await?;
        let u = find_user(&txn, actor.org_id, user_id).await?;
        let before = auth::roles_of(&txn, u.id).await?;
        if before.contains(&Role::Admin) && !roles.contains(&Role::Admin) {
            keep_an_admin(&txn, actor.org_id, u.id).await?;
        }
        grant_roles(&txn, actor.org_id, u.id, &roles).await?;
        let names = |rs: &[Role]| rs.iter().map(|r| r.as_str()).collect::<Vec<_>>();
        audit::commit(
            txn,
            actor,
            audit::Entry::new("setUserRoles", "user", u.id, Some(&names(&before)), Some(&names(&roles))),
        )
        .await?;
        self.principals_changed(actor.org_id);
        Ok(u)
    }

    /// `deactivateUser` (ADMIN): the user's tokens stop working on their next request.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn deactivate_user(&self, actor: &Actor, user_id: Uuid) -> Result<user::Model, AppError> {
        actor.authorize(Action::DeactivateUser)?;
        let txn = self.tx().await?;
        let u = find_user(&txn, actor.org_id, user_id).await?;
        keep_an_admin(&txn, actor.org_id, u.id).await?;
        let mut am = u.clone().into_active_model();
        am.active = Set(false);
        am.bump(u.version, Utc::now());
        let after = am.update(&txn).await?;
        audit::commit(txn, actor, audit::Entry::new("deactivateUser", "user", u.id, Some(&u), Some(&after))).await?;
        self.principals_changed(actor.org_id);
        Ok(after)
    }

    /// `createTeam` (ADMIN): a direct, channel or key-account team with its manager.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn create_team(
        &self,
        actor: &Actor,
        name: &str,
        kind: &str,
        manager_id: Uuid,
    ) -> Result<team::Model, AppError> {
        let name = text::required_short(name).map_err(AppError::text("name"))?;
        if !TEAM_KINDS.contains(&kind) {
            return Err(AppError::bad_input("kind", "must be DIRECT, CHANNEL or KEY_ACCOUNT"));
        }
        actor.authorize(Action::CreateTeam)?;
        let txn = self.tx().await?;
        find_user(&txn, actor.org_id, manager_id).await?;
        let t = team::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            name: Set(name),
            kind: Set(kind.to_owned()),
            manager_id: Set(manager_id),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::commit(txn, actor, audit::Entry::new("createTeam", "team", t.id, None::<&()>, Some(&t))).await?;
        self.principals_changed(actor.org_id);
        Ok(t)
    }

    /// `addTeamMember` (ADMIN).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn add_team_member(&self, actor: &Actor, team_id: Uuid, user_id: Uuid) -> Result<team::Model, AppError> {
        actor.authorize(Action::AddTeamMember)?;
        let txn = self.tx().await?;
        let t = find_team(&txn, actor.org_id, team_id).await?;
        find_user(&txn, actor.org_id, user_id).await?;
        insert_member(&txn, actor.org_id, team_id, user_id).await?;
        audit::commit(txn, actor, audit::Entry::new("addTeamMember", "team", t.id, None::<&()>, Some(&user_id)))
            .await?;
        self.principals_changed(actor.org_id);
        Ok(t)
    }

    /// `updateOrgSettings` (ADMIN).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn update_org_settings(&self, actor: &Actor, p: SettingsPatch) -> Result<organization::Model, AppError> {
        let checked = CheckedSettings::of(&p)?;
        actor.authorize(Action::UpdateOrgSettings)?;
        let txn = self.tx().await?;
        let before = crate::kernel::tx::load_org(&txn, actor.org_id).await?;
        check_version(p.expected_version, before.version)?;
        let new_rep = checked.rep.unwrap_or(before.discount_limit_rep_bp);
        let new_mgr = checked.mgr.unwrap_or(before.discount_limit_manager_bp);
        if new_rep > new_mgr {
            return Err(AppError::bad_input("discountLimitRep", "must not exceed the manager's discount limit"));
        }
        let currency = match &checked.currency {
            Some(c) => c.clone(),
            None => crate::kernel::money::stored_currency(&before.currency)?,
        };
        if currency.as_str() != before.currency {
            holds_no_money(&txn, &before).await?;
        }
        let mut am = before.clone().into_active_model();
        checked.apply(p, &mut am);
        crate::kernel::money::check_org_amounts(&currency, &am)?;
        am.bump(before.version, Utc::now());
        let after = am.update(&txn).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("updateOrgSettings", "organization", after.id, Some(&before), Some(&after)),
        )
        .await?;
        Ok(after)
    }

    /// `createApiToken` (ADMIN): returns the row and the secret, which is shown only now.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        name: &str,
        roles: Vec<Role>,
        custom_roles: Vec<Uuid>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(api_token::Model, String), AppError> {
        let name = text::required_short(name).map_err(AppError::text("name"))?;
        if roles.is_empty() && custom_roles.is_empty() {
            return Err(AppError::bad_input("roles", "must name at least one role or custom role"));
        }
        let mut custom_roles = custom_roles;
        custom_roles.sort();
        custom_roles.dedup();
        if expires_at.is_some_and(|e| e <= Utc::now()) {
            return Err(AppError::bad_input("expiresAt", "must be in the future"));
        }
        actor.authorize(Action::CreateApiToken)?;
        let creator =
            actor.user_id().ok_or_else(|| AppError::Forbidden(vec!["API tokens cannot create API tokens".into()]))?;
        let (secret, hash) = auth::new_api_token_secret();
        let mut roles = roles;
        roles.sort();
        roles.dedup();
        let txn = self.tx().await?;
        let t = api_token::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            name: Set(name),
            token_hash: Set(hash),
            roles: Set(roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")),
            created_by: Set(creator),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        crate::admin::roles::give_token_roles(&txn, actor.org_id, t.id, &custom_roles).await?;
        let mut snapshot = serde_json::to_value(&t).map_err(anyhow::Error::from)?;
        snapshot["custom_role_ids"] = serde_json::json!(custom_roles);
        audit::commit(txn, actor, audit::Entry::new("createApiToken", "api_token", t.id, None::<&()>, Some(&snapshot)))
            .await?;
        Ok((t, secret))
    }

    /// `revokeApiToken` (ADMIN): the token stops working on its next request.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn revoke_api_token(&self, actor: &Actor, id: Uuid) -> Result<(), AppError> {
        actor.authorize(Action::RevokeApiToken)?;
        let txn = self.tx().await?;
        let t = api_token::Entity::find_by_id(id)
            .filter(api_token::Column::OrganizationId.eq(actor.org_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("API token"))?;
        if t.revoked_at.is_none() {
            let mut am = t.clone().into_active_model();
            am.revoked_at = Set(Some(Utc::now()));
            let after = am.update(&txn).await?;
            audit::record(&txn, actor.org_id, actor, "revokeApiToken", "api_token", t.id, Some(&t), Some(&after))
                .await?;
        }
        txn.commit().await?;
        self.principals_changed(actor.org_id);
        Ok(())
    }

    // Directory reads, open to every member of the organization.

    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn user(&self, actor: &Actor, id: Uuid) -> Result<user::Model, AppError> {
        find_user(&self.db, actor.org_id, id).await
    }

    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn users(&self, actor: &Actor) -> Result<Vec<user::Model>, AppError> {
        Ok(user::Entity::find()
            .filter(user::Column::OrganizationId.eq(actor.org_id))
            .order_by_asc(user::Column::Name)
            .all(&self.db)
            .await?)
    }

    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn teams(&self, actor: &Actor) -> Result<Vec<team::Model>, AppError> {
        Ok(team::Entity::find()
            .filter(team::Column::OrganizationId.eq(actor.org_id))
            .order_by_asc(team::Column::Name)
            .all(&self.db)
            .await?)
    }

    /// The ids of a team's members (of the organization's team).
    pub(crate) async fn team_member_ids(&self, org: Uuid, team_id: Uuid) -> Result<Vec<Uuid>, AppError> {
        Ok(team_member::Entity::find()
            .filter(team_member::Column::TeamId.eq(team_id))
            .filter(team_member::Column::OrganizationId.eq(org))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect())
    }

    #[tracing::instrument(skip_all)]
    pub async fn team_members(&self, org: Uuid, team_id: Uuid) -> Result<Vec<user::Model>, AppError> {
        let ids = self.team_member_ids(org, team_id).await?;
        Ok(user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .order_by_asc(user::Column::Name)
            .all(&self.db)
            .await?)
    }

    /// The first team a user belongs to.
    #[tracing::instrument(skip_all)]
    pub async fn team_of(&self, org: Uuid, user_id: Uuid) -> Result<Option<team::Model>, AppError> {
        let m = team_member::Entity::find()
            .filter(team_member::Column::UserId.eq(user_id))
            .filter(team_member::Column::OrganizationId.eq(org))
            .order_by_asc(team_member::Column::TeamId)
            .one(&self.db)
            .await?;
        match m {
            Some(m) => Ok(team::Entity::find_by_id(m.team_id).one(&self.db).await?),
            None => Ok(None),
        }
    }

    #[tracing::instrument(skip_all)]
    pub async fn roles(&self, user_id: Uuid) -> Result<Vec<Role>, AppError> {
        auth::roles_of(&self.db, user_id).await
    }

    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn org_settings(&self, actor: &Actor) -> Result<organization::Model, AppError> {
        crate::kernel::tx::load_org(&self.db, actor.org_id).await
    }

    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn api_tokens(&self, actor: &Actor) -> Result<Vec<api_token::Model>, AppError> {
        actor.authorize(Action::CreateApiToken)?;
        Ok(api_token::Entity::find()
            .filter(api_token::Column::OrganizationId.eq(actor.org_id))
            .order_by_desc(api_token::Column::Id)
            .all(&self.db)
            .await?)
    }
}

/// Creates the two standard contract templates of an organization when missing.
pub(crate) async fn ensure_templates(txn: &sea_orm::DatabaseTransaction, org: Uuid) -> Result<(), AppError> {
    use baton_store::entity::{contract_template, template_clause};
    for (name, kind) in
        [("SaaS service agreement", "SAAS_SERVICE_AGREEMENT"), ("Custom development contract", "CUSTOM_DEVELOPMENT")]
    {
        let exists = contract_template::Entity::find()
            .filter(contract_template::Column::OrganizationId.eq(org))
            .filter(contract_template::Column::Kind.eq(kind))
            .one(txn)
            .await?;
        if exists.is_some() {
            continue;
        }
        let t = contract_template::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(org),
            name: Set(name.to_owned()),
            kind: Set(kind.to_owned()),
            created_at: Set(chrono::Utc::now()),
        }
        .insert(txn)
        .await?;
        for (i, (key, text)) in STANDARD_CLAUSES.iter().enumerate() {
            template_clause::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(org),
                template_id: Set(t.id),
                key: Set((*key).to_owned()),
                text: Set((*text).to_owned()),
                position: Set(i as i32),
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

/// The standard clauses of both contract templates: (key, wording).
pub const STANDARD_CLAUSES: [(&str, &str); 6] = [
    ("scope", "The Provider delivers the services and deliverables described in the order form and its annexes."),
    (
        "service_level",
        "The Provider keeps the service available 99.5 % of each calendar month, excluding announced maintenance.",
    ),
    ("liability", "Each party's total liability is limited to the fees paid in the twelve months before the claim."),
    (
        "data_protection",
        "The Provider processes personal data only on the Customer's documented instructions, under GDPR and PIPL.",
    ),
    (
        "ip",
        "The Customer owns its data and the deliverables paid for; the Provider keeps its pre-existing platform and tools.",
    ),
    ("payment_terms", "Invoices are payable within 30 days of issue according to the agreed payment schedule."),
];

/// The values of a settings patch that need checking or converting, checked: money in minor
/// units, percentages in basis points. The rest of the patch is checked in place by [`of`].
///
/// [`of`]: CheckedSettings::of
struct CheckedSettings {
    name: Option<String>,
    currency: Option<Currency>,
    threshold: Option<i64>,
    rep: Option<i32>,
    mgr: Option<i32>,
    referral: Option<i64>,
    gift: Option<i64>,
    big_deal: Option<i64>,
    rates: [Option<i32>; 4],
}

/// Refuses a change of currency once the organization has recorded an amount: every amount of
/// an organization is in its one currency (each write checks it), so every sum it reports
/// (KPIs, standings, rebates, collections) adds amounts of one currency; a deal, quota, gift
/// or referral reward kept in the old currency would be added to those in the new one. A
/// quote, contract, invoice, payment or commission always belongs to a deal.
async fn holds_no_money<C: ConnectionTrait>(db: &C, org: &organization::Model) -> Result<(), AppError> {
    use baton_store::entity::{gift, opportunity, quota, referral_reward};
    let held = [
        opportunity::Entity::find().filter(opportunity::Column::OrganizationId.eq(org.id)).one(db).await?.is_some(),
        quota::Entity::find().filter(quota::Column::OrganizationId.eq(org.id)).one(db).await?.is_some(),
        gift::Entity::find().filter(gift::Column::OrganizationId.eq(org.id)).one(db).await?.is_some(),
        referral_reward::Entity::find()
            .filter(referral_reward::Column::OrganizationId.eq(org.id))
            .one(db)
            .await?
            .is_some(),
    ];
    if held.iter().any(|h| *h) {
        return Err(AppError::bad_input(
            "currency",
            format!(
                "stays {}: the organization has recorded amounts in it (deals, quotas, gifts or referral rewards), \
                 and every amount of an organization is in its one currency",
                org.currency
            ),
        ));
    }
    Ok(())
}

/// A non-negative amount in hundredths; whether it is whole in the organization's currency is
/// checked once the currency is known ([`check_org_amounts`]).
///
/// [`check_org_amounts`]: crate::kernel::money::check_org_amounts
fn non_negative_minor(field: &str, v: Option<Decimal>) -> Result<Option<i64>, AppError> {
    v.map(|d| {
        if d < Decimal::ZERO {
            Err(AppError::bad_input(field, "must not be negative"))
        } else {
            crate::kernel::money::hundredths(field, d)
        }
    })
    .transpose()
}

impl CheckedSettings {
    /// Checks every field of the patch; the first field that is wrong is the error.
    fn of(p: &SettingsPatch) -> Result<Self, AppError> {
        let name = p.name.as_deref().map(text::required_short).transpose().map_err(AppError::text("name"))?;
        let currency =
            p.currency.as_deref().map(Currency::parse).transpose().map_err(|m| AppError::bad_input("currency", m))?;
        let threshold = non_negative_minor("enterpriseThreshold", p.enterprise_threshold)?;
        let rep = p.discount_limit_rep.map(|d| percent_to_bp("discountLimitRep", d)).transpose()?;
        let mgr = p.discount_limit_manager.map(|d| percent_to_bp("discountLimitManager", d)).transpose()?;
        check_calendar(p)?;
        let referral = non_negative_minor("referralReward", p.referral_reward)?;
        let gift = non_negative_minor("giftThreshold", p.gift_threshold)?;
        let big_deal = non_negative_minor("commissionBigDealThreshold", p.commission_big_deal_threshold)?;
        let mut rates = [None; 4];
        for (i, (field, r)) in
            ["commissionBasePercent", "commissionRetentionPercent", "commissionBigDealPercent", "commissionTeamPercent"]
                .into_iter()
                .zip(p.commission_rates)
                .enumerate()
        {
            rates[i] = r.map(|d| percent_to_bp(field, d)).transpose()?;
        }
        for (field, v, max) in [
            ("renewalLeadDays", p.renewal_lead_days, 365),
            ("poolFollowUpDays", p.pool_follow_up_days, 90),
            ("poolClaimLimit", p.pool_claim_limit, 1000),
            ("disqualifiedLeadRetentionDays", p.disqualified_lead_retention_days, 3650),
            ("conductGraceDays", p.conduct_grace_days, 365),
        ] {
            if v.is_some_and(|v| !(1..=max).contains(&v)) {
                return Err(AppError::bad_input(field, format!("must be between 1 and {max}")));
            }
        }
        Ok(CheckedSettings { name, currency, threshold, rep, mgr, referral, gift, big_deal, rates })
    }

    /// Writes every setting the patch gives onto the organization row (the caller has checked
    /// the discount limits against each other).
    fn apply(self, p: SettingsPatch, am: &mut organization::ActiveModel) {
        put(&mut am.name, self.name);
        put(&mut am.currency, self.currency.map(|c| c.as_str().to_owned()));
        put(&mut am.enterprise_threshold_minor, self.threshold);
        put(&mut am.discount_limit_rep_bp, self.rep);
        put(&mut am.discount_limit_manager_bp, self.mgr);
        put(&mut am.first_contact_sla_hours, p.first_contact_sla_hours);
        put(&mut am.time_zone, p.time_zone);
        put(&mut am.work_days, p.work_days);
        put(&mut am.work_start, p.work_start);
        put(&mut am.work_end, p.work_end);
        put(&mut am.holidays, p.holidays.map(|h| h.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(",")));
        put(&mut am.needs_analysis_sla_hours, p.needs_analysis_sla_hours);
        put(&mut am.demo_sla_hours, p.demo_sla_hours);
        put(&mut am.renewal_lead_days, p.renewal_lead_days);
        put(&mut am.referral_reward_minor, self.referral);
        put(&mut am.gift_threshold_minor, self.gift);
        put(&mut am.commission_big_deal_minor, self.big_deal);
        put(&mut am.disqualified_lead_retention_days, p.disqualified_lead_retention_days);
        put(&mut am.conduct_grace_days, p.conduct_grace_days);
        put(&mut am.pool_follow_up_days, p.pool_follow_up_days);
        put(&mut am.pool_claim_limit, p.pool_claim_limit);
        let [base, retention, big, team] = self.rates;
        put(&mut am.commission_base_bp, base);
        put(&mut am.commission_retention_bp, retention);
        put(&mut am.commission_big_deal_bp, big);
        put(&mut am.commission_team_bp, team);
        put(&mut am.onboarding_requires_first_payment, p.onboarding_requires_first_payment);
        put(&mut am.legal_review_sla_hours, p.legal_review_sla_hours);
    }
}

/// The business calendar and SLA fields of a patch: SLA hours within 90 days, an IANA time
/// zone, work days, and HH:MM work hours.
fn check_calendar(p: &SettingsPatch) -> Result<(), AppError> {
    for (field, hours) in [
        ("firstContactSlaHours", p.first_contact_sla_hours),
        ("legalReviewSlaHours", p.legal_review_sla_hours),
        ("needsAnalysisSlaHours", p.needs_analysis_sla_hours),
        ("demoSlaHours", p.demo_sla_hours),
    ] {
        if hours.is_some_and(|h| !(1..=24 * 90).contains(&h)) {
            return Err(AppError::bad_input(field, "must be between 1 and 2160 hours"));
        }
    }
    if let Some(tz) = &p.time_zone {
        tz.parse::<chrono_tz::Tz>()
            .map_err(|_| AppError::bad_input("timeZone", "is not an IANA time zone such as Europe/Berlin"))?;
    }
    if let Some(d) = &p.work_days {
        baton_domain::sla::parse_work_days(d).map_err(|m| AppError::bad_input("workDays", m))?;
    }
    for (field, t) in [("workStart", &p.work_start), ("workEnd", &p.work_end)] {
        if let Some(t) = t {
            chrono::NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| AppError::bad_input(field, "must be HH:MM"))?;
        }
    }
    Ok(())
}
