//! Roles as data: the built-in roles (read-only, the same in every organization) and an
//! organization's custom roles, each a set of (action, scope) grants from the permission table
//! and, per object type, the fields it may read. `explainAccess` says why an answer is what it is.
//!
//! A custom role is held through `custom_role_grants` and loaded with the principal (cached,
//! invalidated on every change on every instance, see `principals`), so a change takes effect on
//! the caller's next request and on open subscriptions, whose events are authorized against the
//! caller as they are now.

use crate::kernel::actor::HeldRole;
use crate::kernel::auth::{StoredGrant, custom_grants, held_by, held_by_token};
use crate::kernel::tx::Versioned;
use crate::{Actor, App, AppError, kernel::audit, kernel::auth};
use baton_domain::Role;
use baton_domain::Rule;
use baton_domain::permission::{self, Action, Scope};
use baton_domain::text;
use baton_store::entity::{custom_role, custom_role_grant, role_grant, user};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// The object types whose fields a role can restrict (their GraphQL names).
pub const FIELD_TYPES: &[&str] =
    &["Lead", "Contact", "Account", "Opportunity", "Quote", "Contract", "Invoice", "Payment"];

pub use crate::kernel::actor::{builtin_id, builtin_of};

/// A role as the API shows it, built-in or custom.
#[derive(Debug, Clone)]
pub struct RoleView {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub built_in: bool,
    pub grants: Vec<(Action, Scope)>,
    pub readable_fields: BTreeMap<String, BTreeSet<String>>,
    pub retired_at: Option<DateTime<Utc>>,
    pub version: i32,
}

/// What an ADMIN sends to create or change a custom role.
#[derive(Debug, Clone)]
pub struct RoleInput {
    pub name: String,
    pub description: Option<String>,
    /// (action name, scope)
    pub grants: Vec<(String, Scope)>,
    /// (type, fields); the API checks that each field is one of the type's.
    pub readable_fields: Vec<(String, Vec<String>)>,
}

/// What the audit log records of a role: a deliberate, versioned shape, not the table row.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleSnapshot<'a> {
    shape: u32,
    name: &'a str,
    description: Option<&'a str>,
    grants: Vec<StoredGrant>,
    readable_fields: &'a BTreeMap<String, BTreeSet<String>>,
    retired_at: Option<DateTime<Utc>>,
    version: i32,
}

fn stored(grants: &[(Action, Scope)]) -> Vec<StoredGrant> {
    grants.iter().map(|(a, s)| StoredGrant { action: a.name().to_owned(), scope: s.as_str().to_owned() }).collect()
}

impl RoleView {
    /// The role as its holder is authorized by it.
    fn held(self) -> HeldRole {
        HeldRole { id: self.id, name: self.name, grants: self.grants, readable_fields: self.readable_fields }
    }

    fn builtin(role: Role) -> Self {
        RoleView {
            id: builtin_id(role),
            name: role.as_str().to_owned(),
            description: Some("Built in; read-only.".to_owned()),
            built_in: true,
            grants: permission::TABLE.iter().filter(|(r, _, _)| *r == role).map(|(_, a, s)| (*a, *s)).collect(),
            readable_fields: BTreeMap::new(),
            retired_at: None,
            version: 1,
        }
    }

    fn custom(m: &custom_role::Model) -> Result<Self, AppError> {
        let (grants, readable_fields) = custom_grants(m)?;
        Ok(RoleView {
            id: m.id,
            name: m.name.clone(),
            description: m.description.clone(),
            built_in: false,
            grants,
            readable_fields,
            retired_at: m.retired_at,
            version: m.version,
        })
    }

    fn snapshot(&self) -> RoleSnapshot<'_> {
        RoleSnapshot {
            shape: 1,
            name: &self.name,
            description: self.description.as_deref(),
            grants: stored(&self.grants),
            readable_fields: &self.readable_fields,
            retired_at: self.retired_at,
            version: self.version,
        }
    }
}

/// A role input checked: a name, known grantable pairs, known types.
struct Checked {
    name: String,
    description: Option<String>,
    grants: Vec<(Action, Scope)>,
    readable_fields: BTreeMap<String, BTreeSet<String>>,
}

fn check(input: RoleInput) -> Result<Checked, AppError> {
    let name = text::required_short(&input.name).map_err(AppError::text("name"))?;
    if Role::ALL.iter().any(|r| r.as_str().eq_ignore_ascii_case(&name)) {
        return Err(AppError::bad_input("name", "is the name of a built-in role"));
    }
    let description =
        text::optional(input.description.as_deref(), text::LONG_TEXT_MAX).map_err(AppError::text("description"))?;
    if input.grants.is_empty() {
        return Err(AppError::bad_input("grants", "a role grants at least one action"));
    }
    let mut grants = BTreeMap::new();
    for (name, scope) in &input.grants {
        let action = Action::from_name(name)
            .ok_or_else(|| AppError::bad_input("grants", format!("`{name}` is not an action")))?;
        if permission::ADMIN_ONLY.contains(&action) {
            return Err(AppError::bad_input("grants", format!("`{name}` stays with the built-in ADMIN role")));
        }
        if !permission::grantable(action, *scope) {
            let known: Vec<&str> =
                Scope::ALL.into_iter().filter(|s| permission::grantable(action, *s)).map(|s| s.as_str()).collect();
            return Err(AppError::bad_input(
                "grants",
                format!("`{name}` cannot be granted at {}; it can at {}", scope.as_str(), known.join(", ")),
            ));
        }
        let widest: &mut Scope = grants.entry(action.name()).or_insert(*scope);
        *widest = (*widest).max(*scope);
    }
    let grants = grants.into_iter().filter_map(|(n, s)| Action::from_name(n).map(|a| (a, s))).collect();
    let mut readable_fields = BTreeMap::new();
    for (t, fields) in input.readable_fields {
        if !FIELD_TYPES.contains(&t.as_str()) {
            return Err(AppError::bad_input(
                "readableFields",
                format!("`{t}` is not a type whose fields a role restricts ({})", FIELD_TYPES.join(", ")),
            ));
        }
        readable_fields.insert(t, fields.into_iter().collect::<BTreeSet<_>>());
    }
    Ok(Checked { name, description, grants, readable_fields })
}

/// Gives API token `token_id` the custom roles `ids` (each an active role of the organization).
pub(crate) async fn give_token_roles<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    token_id: Uuid,
    ids: &[Uuid],
) -> Result<(), AppError> {
    for id in ids {
        let m = find_role(db, org, *id).await.map_err(|e| match e {
            AppError::NotFound(_) => AppError::bad_input("customRoleIds", format!("no role {id} in this organization")),
            e => e,
        })?;
        if m.retired_at.is_some() {
            return Err(AppError::bad_input("customRoleIds", format!("the role `{}` is retired", m.name)));
        }
        let sql = "INSERT INTO api_token_custom_roles (token_id, role_id, organization_id) VALUES ($1, $2, $3)";
        db.execute_raw(crate::kernel::sql::statement(db, sql, vec![token_id.into(), (*id).into(), org.into()])).await?;
    }
    Ok(())
}

/// Who answered an `explainAccess` question, role by role.
#[derive(Debug, Clone)]
pub struct RoleAnswer {
    pub role_id: Uuid,
    pub name: String,
    pub built_in: bool,
    /// The scope this role gives for the action; `None` when it does not grant it.
    pub scope: Option<Scope>,
}

/// `explainAccess`.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub user_id: Option<Uuid>,
    pub action: Action,
    pub allowed: bool,
    pub scope: Option<Scope>,
    pub roles: Vec<RoleAnswer>,
    pub reasons: Vec<String>,
    /// With an entity: whether the user may read it (its getter's answer).
    pub entity_readable: Option<bool>,
    /// With an entity: what `blockers` answers for the user.
    pub blockers: Vec<String>,
}

impl App {
    /// "View as": the ADMIN as the holder of one role and nothing else, to see what that role
    /// sees (its scopes from the ADMIN's own place: own rows are the ADMIN's, team rows the
    /// ADMIN's teams'; its field rules). Each use is an audit row; the HTTP layer lets such a
    /// request read only.
    #[tracing::instrument(skip_all)]
    pub async fn view_as(&self, admin: &Actor, role_id: Uuid) -> Result<(Actor, String), AppError> {
        admin.authorize(Action::ViewAs)?;
        let mut as_role = admin.clone();
        let name = match builtin_of(role_id) {
            Some(role) => {
                as_role.roles = vec![role];
                as_role = as_role.with_custom_roles(vec![]);
                role.as_str().to_owned()
            }
            None => {
                let m = find_role(&self.db, admin.org_id, role_id).await?;
                if m.retired_at.is_some() {
                    return Err(AppError::bad_input("x-baton-view-as", "names a retired role"));
                }
                let held = RoleView::custom(&m)?.held();
                let name = held.name.clone();
                as_role.roles = vec![];
                as_role = as_role.with_custom_roles(vec![held]);
                name
            }
        };
        let txn = self.tx().await?;
        let after = serde_json::json!({ "role": name });
        audit::record(&txn, admin.org_id, admin, "viewAs", "role", role_id, None::<&serde_json::Value>, Some(&after))
            .await?;
        txn.commit().await?;
        Ok((as_role, name))
    }
}

async fn find_role<C: ConnectionTrait>(db: &C, org: Uuid, id: Uuid) -> Result<custom_role::Model, AppError> {
    if builtin_of(id).is_some() {
        return Err(AppError::bad_input("roleId", "built-in roles are read-only"));
    }
    custom_role::Entity::find_by_id(id)
        .filter(custom_role::Column::OrganizationId.eq(org))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("role"))
}

async fn name_taken<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    name: &str,
    other_than: Option<Uuid>,
) -> Result<(), AppError> {
    let same = custom_role::Entity::find()
        .filter(custom_role::Column::OrganizationId.eq(org))
        .filter(custom_role::Column::Name.eq(name))
        .one(db)
        .await?;
    match same {
        Some(r) if Some(r.id) != other_than => Err(AppError::bad_input("name", "another role has this name")),
        _ => Ok(()),
    }
}

/// A user's roles, built-in and custom, for the audit log.
async fn held_names<C: ConnectionTrait>(db: &C, org: Uuid, user_id: Uuid) -> Result<Vec<String>, AppError> {
    let mut names: Vec<String> = auth::roles_of(db, user_id).await?.iter().map(|r| r.as_str().to_owned()).collect();
    names.extend(held_by(db, org, user_id).await?.into_iter().map(|r| r.name));
    Ok(names)
}

impl App {
    /// `roles`: the built-in roles, then the organization's custom roles by name (retired ones too).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn all_roles(&self, actor: &Actor) -> Result<Vec<RoleView>, AppError> {
        let mut out: Vec<RoleView> = Role::ALL.into_iter().map(RoleView::builtin).collect();
        for m in custom_role::Entity::find()
            .filter(custom_role::Column::OrganizationId.eq(actor.org_id))
            .order_by_asc(custom_role::Column::Name)
            .all(&self.db)
            .await?
        {
            out.push(RoleView::custom(&m)?);
        }
        Ok(out)
    }

    /// The custom roles a user holds (for `User.customRoles`).
    #[tracing::instrument(skip_all)]
    pub async fn custom_roles_of(&self, org: Uuid, user_id: Uuid) -> Result<Vec<RoleView>, AppError> {
        let ids: Vec<Uuid> = held_by(&self.db, org, user_id).await?.into_iter().map(|h| h.id).collect();
        let rows = custom_role::Entity::find().filter(custom_role::Column::Id.is_in(ids)).all(&self.db).await?;
        rows.iter().map(RoleView::custom).collect()
    }

    /// The custom roles an API token holds (for `ApiToken.customRoles`).
    #[tracing::instrument(skip_all)]
    pub async fn custom_roles_of_token(&self, org: Uuid, token_id: Uuid) -> Result<Vec<RoleView>, AppError> {
        let ids: Vec<Uuid> = held_by_token(&self.db, org, token_id).await?.into_iter().map(|h| h.id).collect();
        let rows = custom_role::Entity::find()
            .filter(custom_role::Column::Id.is_in(ids))
            .order_by_asc(custom_role::Column::Name)
            .all(&self.db)
            .await?;
        rows.iter().map(RoleView::custom).collect()
    }

    /// `createRole` (ADMIN).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn create_role(&self, actor: &Actor, input: RoleInput) -> Result<RoleView, AppError> {
        actor.authorize(Action::CreateRole)?;
        let c = check(input)?;
        let txn = self.tx().await?;
        name_taken(&txn, actor.org_id, &c.name, None).await?;
        let now = Utc::now();
        let m = custom_role::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            name: Set(c.name),
            description: Set(c.description),
            grants: Set(serde_json::to_string(&stored(&c.grants)).map_err(anyhow::Error::from)?),
            readable_fields: Set(serde_json::to_string(&c.readable_fields).map_err(anyhow::Error::from)?),
            retired_at: Set(None),
            created_by: Set(actor.principal_id()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let view = RoleView::custom(&m)?;
        audit::commit(txn, actor, audit::Entry::new("createRole", "role", m.id, None::<&()>, Some(&view.snapshot())))
            .await?;
        Ok(view)
    }

    /// `updateRole` (ADMIN): replaces the role's name, grants and fields; takes effect on its
    /// holders' next request.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn update_role(
        &self,
        actor: &Actor,
        role_id: Uuid,
        input: RoleInput,
        expected_version: i32,
    ) -> Result<RoleView, AppError> {
        actor.authorize(Action::UpdateRole)?;
        let c = check(input)?;
        let txn = self.tx().await?;
        let m = find_role(&txn, actor.org_id, role_id).await?;
        if m.version != expected_version {
            return Err(AppError::Conflict(format!(
                "the role is at version {}, not {expected_version}; reload it and try again",
                m.version
            )));
        }
        if m.retired_at.is_some() {
            return Err(AppError::bad_input("roleId", "the role is retired"));
        }
        name_taken(&txn, actor.org_id, &c.name, Some(m.id)).await?;
        let mut am: custom_role::ActiveModel = m.clone().into();
        am.name = Set(c.name);
        am.description = Set(c.description);
        am.grants = Set(serde_json::to_string(&stored(&c.grants)).map_err(anyhow::Error::from)?);
        am.readable_fields = Set(serde_json::to_string(&c.readable_fields).map_err(anyhow::Error::from)?);
        self.save_role(txn, actor, "updateRole", &m, am).await
    }

    /// `retireRole` (ADMIN): its holders lose its grants at once; it stays listed, retired.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn retire_role(&self, actor: &Actor, role_id: Uuid) -> Result<RoleView, AppError> {
        actor.authorize(Action::RetireRole)?;
        let txn = self.tx().await?;
        let m = find_role(&txn, actor.org_id, role_id).await?;
        if m.retired_at.is_some() {
            return RoleView::custom(&m);
        }
        let mut am: custom_role::ActiveModel = m.clone().into();
        am.retired_at = Set(Some(Utc::now()));
        self.save_role(txn, actor, "retireRole", &m, am).await
    }

    /// The tail of every change of a custom role: bump and stamp, save, audit before and
    /// after, commit, and tell every instance that principals changed.
    async fn save_role(
        &self,
        txn: sea_orm::DatabaseTransaction,
        actor: &Actor,
        action: &str,
        m: &custom_role::Model,
        mut am: custom_role::ActiveModel,
    ) -> Result<RoleView, AppError> {
        let before = RoleView::custom(m)?;
        am.bump(m.version, Utc::now());
        let after = RoleView::custom(&am.update(&txn).await?)?;
        let (b, a) = (before.snapshot(), after.snapshot());
        audit::commit(txn, actor, audit::Entry::new(action, "role", m.id, Some(&b), Some(&a))).await?;
        self.principals_changed(actor.org_id);
        Ok(after)
    }

    /// `grantRole` (ADMIN): a built-in or custom role to a user; granting one held is a no-op.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn grant_role(&self, actor: &Actor, user_id: Uuid, role_id: Uuid) -> Result<user::Model, AppError> {
        actor.authorize(Action::GrantRole)?;
        let txn = self.tx().await?;
        let u = find_user(&txn, actor.org_id, user_id).await?;
        let before = held_names(&txn, actor.org_id, u.id).await?;
        let now = Utc::now();
        if let Some(role) = builtin_of(role_id) {
            if !auth::roles_of(&txn, u.id).await?.contains(&role) {
                role_grant::ActiveModel {
                    user_id: Set(u.id),
                    role: Set(role.as_str().to_owned()),
                    organization_id: Set(actor.org_id),
                    created_at: Set(now),
                }
                .insert(&txn)
                .await?;
            }
        } else {
            let m = find_role(&txn, actor.org_id, role_id).await?;
            if m.retired_at.is_some() {
                return Err(AppError::bad_input("roleId", "the role is retired"));
            }
            let held = custom_role_grant::Entity::find_by_id((m.id, u.id)).one(&txn).await?;
            if held.is_none() {
                custom_role_grant::ActiveModel {
                    role_id: Set(m.id),
                    user_id: Set(u.id),
                    organization_id: Set(actor.org_id),
                    created_at: Set(now),
                }
                .insert(&txn)
                .await?;
            }
        }
        let after = held_names(&txn, actor.org_id, u.id).await?;
        audit::commit(txn, actor, audit::Entry::new("grantRole", "user", u.id, Some(&before), Some(&after))).await?;
        self.principals_changed(actor.org_id);
        Ok(u)
    }

    /// `revokeRole` (ADMIN): refused when it would leave the organization without an active
    /// ADMIN; revoking one not held is a no-op.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn revoke_role(&self, actor: &Actor, user_id: Uuid, role_id: Uuid) -> Result<user::Model, AppError> {
        actor.authorize(Action::RevokeRole)?;
        let txn = self.tx().await?;
        let u = find_user(&txn, actor.org_id, user_id).await?;
        let before = held_names(&txn, actor.org_id, u.id).await?;
        if let Some(role) = builtin_of(role_id) {
            if role == Role::Admin {
                keep_an_admin(&txn, actor.org_id, u.id).await?;
            }
            role_grant::Entity::delete_many()
                .filter(role_grant::Column::UserId.eq(u.id))
                .filter(role_grant::Column::Role.eq(role.as_str()))
                .exec(&txn)
                .await?;
        } else {
            let m = find_role(&txn, actor.org_id, role_id).await?;
            custom_role_grant::Entity::delete_many()
                .filter(custom_role_grant::Column::RoleId.eq(m.id))
                .filter(custom_role_grant::Column::UserId.eq(u.id))
                .exec(&txn)
                .await?;
        }
        let after = held_names(&txn, actor.org_id, u.id).await?;
        audit::commit(txn, actor, audit::Entry::new("revokeRole", "user", u.id, Some(&before), Some(&after))).await?;
        self.principals_changed(actor.org_id);
        Ok(u)
    }

    /// `explainAccess`: why `action` is allowed or refused for a user (the caller when
    /// `user_id` is absent; another user needs ADMIN), role by role, and with an entity whether
    /// the user may read it and what `blockers` would add.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn explain_access(
        &self,
        actor: &Actor,
        user_id: Option<Uuid>,
        action: &str,
        entity_id: Option<Uuid>,
    ) -> Result<Explanation, AppError> {
        let about_self = user_id.is_none() || user_id == actor.user_id();
        if !about_self {
            actor.authorize(Action::ExplainAccess)?;
        }
        let (verb, _) = baton_domain::permission::split_action(action);
        let parsed = Action::from_name(verb)
            .ok_or_else(|| AppError::bad_input("action", format!("`{verb}` is not an action")))?;
        let target = match user_id {
            Some(id) if !about_self => {
                let u = find_user(&self.db, actor.org_id, id).await?;
                auth::actor_for_user(&self.db, &u).await?
            }
            _ => actor.clone(),
        };
        let mut roles: Vec<RoleAnswer> = target
            .roles
            .iter()
            .map(|r| RoleAnswer {
                role_id: builtin_id(*r),
                name: r.as_str().to_owned(),
                built_in: true,
                scope: permission::scope_of(*r, parsed),
            })
            .collect();
        roles.extend(target.custom_roles.iter().map(|h| RoleAnswer {
            role_id: h.id,
            name: h.name.clone(),
            built_in: false,
            scope: h.grants.iter().filter(|(a, _)| *a == parsed).map(|(_, s)| *s).max(),
        }));
        let (allowed, scope, mut reasons) = match target.authorize(parsed) {
            Ok(s) => (true, Some(s), vec![]),
            Err(AppError::Forbidden(r)) => (false, None, r),
            Err(e) => return Err(e),
        };
        let (mut entity_readable, mut blockers) = (None, vec![]);
        if let Some(id) = entity_id {
            entity_readable = Some(self.node(&target, id).await.is_ok());
            match self.blockers(&target, id, action).await {
                Ok(b) => blockers = b,
                Err(AppError::BadInput { message, .. }) => reasons.push(message),
                Err(AppError::NotFound(what)) => reasons.push(format!("the {what} is not within the user's reach")),
                Err(AppError::Forbidden(r)) => reasons.extend(r),
                Err(e) => return Err(e),
            }
        }
        Ok(Explanation {
            user_id: target.user_id(),
            action: parsed,
            allowed,
            scope,
            roles,
            reasons,
            entity_readable,
            blockers,
        })
    }
}

pub(crate) async fn find_user<C: ConnectionTrait>(db: &C, org: Uuid, id: Uuid) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(id)
        .filter(user::Column::OrganizationId.eq(org))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("user"))
}

/// Refuses a change that would leave the organization without an active administrator.
pub(crate) async fn keep_an_admin(txn: &DatabaseTransaction, org: Uuid, losing: Uuid) -> Result<(), AppError> {
    let active = crate::kernel::auth::holders_of(org, &[Role::Admin])
        .filter(user::Column::Id.ne(losing))
        .filter(user::Column::Active.eq(true))
        .one(txn)
        .await?;
    if active.is_none() {
        return Err(AppError::rule(Rule::LastAdmin, "the organization must keep at least one active ADMIN"));
    }
    Ok(())
}
