//! Roles as data: listing roles, custom roles and who holds them, `explainAccess`, and the
//! field rules custom roles set (enforced for every field by [`FieldRule`]).

use crate::id_arg;
use crate::kernel::types::User;
use crate::kernel::types::id;
use crate::{Gql, actor, app};
use async_graphql::{Context, Enum, ErrorExtensions, ID, InputObject, Object, Result, SimpleObject, Value};
use baton_app::AppError;
use baton_app::admin::roles::{self, Explanation, RoleView};
use baton_domain::permission::Scope as DScope;

/// Which rows an allowed action reaches.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PermissionScope {
    /// Rows the caller owns.
    Own,
    /// Rows owned by the caller or the members of the caller's teams.
    Team,
    /// Rows of the caller's department (for customer success: the accounts it took over).
    Department,
    /// Every row of the organization.
    Org,
}

impl From<PermissionScope> for DScope {
    fn from(s: PermissionScope) -> Self {
        match s {
            PermissionScope::Own => DScope::Own,
            PermissionScope::Team => DScope::Team,
            PermissionScope::Department => DScope::Department,
            PermissionScope::Org => DScope::Org,
        }
    }
}

impl From<DScope> for PermissionScope {
    fn from(s: DScope) -> Self {
        match s {
            DScope::Own => PermissionScope::Own,
            DScope::Team => PermissionScope::Team,
            DScope::Department => PermissionScope::Department,
            DScope::Org => PermissionScope::Org,
        }
    }
}

/// One grant of a role: an action at a scope.
#[derive(SimpleObject)]
pub struct RoleGrant {
    /// The action, by the mutation or read it names (e.g. `createLead`, `salesView`).
    pub action: String,
    /// The rows it reaches.
    pub scope: PermissionScope,
}

/// The fields of one object type a role may read.
#[derive(SimpleObject)]
pub struct FieldAllowList {
    /// The object type, such as `Contact`.
    #[graphql(name = "type")]
    pub type_name: String,
    /// The fields the role reads; every other field of the type is null with a FORBIDDEN error.
    pub fields: Vec<String>,
}

/// A role: one of the ten built-in roles (read-only) or one of the organization's own.
pub struct CustomRole(pub RoleView);

/// A role: one of the ten built-in roles (read-only) or one of the organization's own.
#[Object]
impl CustomRole {
    /// The role's id (built-in roles have the same id in every organization).
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The role's name (a built-in role's is its `Role` value, such as `SDR`).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the role is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// True for the ten built-in roles, which cannot be changed.
    async fn built_in(&self) -> bool {
        self.0.built_in
    }
    /// What the role allows.
    async fn grants(&self) -> Vec<RoleGrant> {
        self.0.grants.iter().map(|(a, s)| RoleGrant { action: a.name().to_owned(), scope: (*s).into() }).collect()
    }
    /// The types whose fields the role restricts; a type not listed is read in full.
    async fn readable_fields(&self) -> Vec<FieldAllowList> {
        self.0
            .readable_fields
            .iter()
            .map(|(t, f)| FieldAllowList { type_name: t.clone(), fields: f.iter().cloned().collect() })
            .collect()
    }
    /// When the role was retired; its holders no longer get its grants.
    async fn retired_at(&self) -> Option<crate::kernel::scalars::Timestamp> {
        self.0.retired_at.map(crate::kernel::scalars::Timestamp)
    }
    /// Incremented on every change; `updateRole` takes it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// One grant of a role being saved.
#[derive(InputObject)]
pub struct RoleGrantInput {
    /// The action, by name (e.g. `createLead`); one the permission table knows.
    pub action: String,
    /// The rows it reaches; one the table already pairs with the action.
    pub scope: PermissionScope,
}

/// The fields of one type a role may read.
#[derive(InputObject)]
pub struct FieldAllowListInput {
    /// The object type: Lead, Contact, Account, Opportunity, Quote, Contract, Invoice or Payment.
    #[graphql(name = "type")]
    pub type_name: String,
    /// Its fields the role reads.
    pub fields: Vec<String>,
}

/// A custom role as an ADMIN defines it.
#[derive(InputObject)]
pub struct RoleInput {
    /// A unique name in the organization, not a built-in role's.
    pub name: String,
    /// What the role is for.
    pub description: Option<String>,
    /// What it allows: at least one grant.
    pub grants: Vec<RoleGrantInput>,
    /// Per type, the only fields it reads; types not listed are read in full.
    pub readable_fields: Option<Vec<FieldAllowListInput>>,
}

/// Refuses a write that sets a field of `type_name` the caller's roles do not read: a role
/// that may not see a contact's phone may not set it either (FORBIDDEN, `extensions.field`
/// naming the first such field, never its value). The fields are the input object arguments'
/// members that are fields of the type; nothing is written when any is refused.
pub fn refuse_hidden_writes(ctx: &Context<'_>, a: &baton_app::Actor, type_name: &str) -> Result<()> {
    if a.reads_every_field() {
        return Ok(());
    }
    let Some(async_graphql::registry::MetaType::Object { fields, .. }) = ctx.schema_env.registry.types.get(type_name)
    else {
        return Ok(());
    };
    let mut hidden = Vec::new();
    for (_, value) in ctx.field().arguments()? {
        let Value::Object(members) = value else { continue };
        for (name, v) in members {
            if v != Value::Null && fields.contains_key(name.as_str()) && !a.may_read_field(type_name, name.as_str()) {
                hidden.push(name.to_string());
            }
        }
    }
    let Some(first) = hidden.first().cloned() else { return Ok(()) };
    let reasons =
        hidden.iter().map(|f| format!("your roles do not read `{type_name}.{f}`, so they do not write it")).collect();
    Err(crate::to_gql(AppError::Forbidden(reasons)).extend_with(move |_, x| x.set("field", first.clone())))
}

/// Checks that every listed field is a field of its type in this schema.
fn role_input(ctx: &Context<'_>, input: RoleInput) -> Result<roles::RoleInput> {
    let registry = &ctx.schema_env.registry;
    let mut readable_fields = Vec::new();
    for l in input.readable_fields.unwrap_or_default() {
        if let Some(async_graphql::registry::MetaType::Object { fields, .. }) = registry.types.get(&l.type_name)
            && let Some(f) = l.fields.iter().find(|f| !fields.contains_key(f.as_str()))
        {
            return Err(crate::to_gql(AppError::bad_input(
                "readableFields",
                format!("`{f}` is not a field of `{}`", l.type_name),
            )));
        }
        readable_fields.push((l.type_name, l.fields));
    }
    Ok(roles::RoleInput {
        name: input.name,
        description: input.description,
        grants: input.grants.into_iter().map(|g| (g.action, g.scope.into())).collect(),
        readable_fields,
    })
}

/// How one role answers an `explainAccess` question.
#[derive(SimpleObject)]
pub struct AccessRoleAnswer {
    /// The role's id.
    pub role_id: ID,
    /// The role's name.
    pub name: String,
    /// True for a built-in role.
    pub built_in: bool,
    /// The scope this role gives for the action; null when it does not grant it.
    pub scope: Option<PermissionScope>,
}

/// Why an action is allowed or refused for a user.
#[derive(SimpleObject)]
pub struct AccessExplanation {
    /// The user asked about; null for an API token asking about itself.
    pub user_id: Option<ID>,
    /// The action, by name.
    pub action: String,
    /// True when the user's roles allow the action at all.
    pub allowed: bool,
    /// The widest scope the user's roles give for it.
    pub scope: Option<PermissionScope>,
    /// Every role the user holds and what it gives for the action.
    pub roles: Vec<AccessRoleAnswer>,
    /// Why it is refused (empty when allowed), and notes about the entity.
    pub reasons: Vec<String>,
    /// With `entityId`: whether the user may read the object.
    pub entity_readable: Option<bool>,
    /// With `entityId`: the rules `blockers` reports for the user on that object.
    pub blockers: Vec<String>,
}

impl From<Explanation> for AccessExplanation {
    fn from(e: Explanation) -> Self {
        AccessExplanation {
            user_id: e.user_id.map(id),
            action: e.action.name().to_owned(),
            allowed: e.allowed,
            scope: e.scope.map(Into::into),
            roles: e
                .roles
                .into_iter()
                .map(|r| AccessRoleAnswer {
                    role_id: id(r.role_id),
                    name: r.name,
                    built_in: r.built_in,
                    scope: r.scope.map(Into::into),
                })
                .collect(),
            reasons: e.reasons,
            entity_readable: e.entity_readable,
            blockers: e.blockers,
        }
    }
}

/// `roles` and `explainAccess`.
#[derive(Default)]
pub struct RoleQuery;

#[Object]
impl RoleQuery {
    /// The ten built-in roles, then the organization's custom roles by name (retired ones too).
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<CustomRole>> {
        Ok(app(ctx).all_roles(actor(ctx)?).await.gql()?.into_iter().map(CustomRole).collect())
    }

    /// Why `action` is allowed or refused for a user (ADMIN; anyone about themselves, the default): role by role, and with `entityId` whether the user may read the object and what `blockers` reports.
    async fn explain_access(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user; the caller when absent.")] user_id: Option<ID>,
        #[graphql(desc = "The action's name, such as `convertLead`.")] action: String,
        #[graphql(desc = "The object the action would apply to.")] entity_id: Option<ID>,
    ) -> Result<AccessExplanation> {
        let a = actor(ctx)?;
        let user = user_id.as_ref().map(|u| id_arg("userId", u)).transpose()?;
        let entity = entity_id.as_ref().map(|e| id_arg("entityId", e)).transpose()?;
        Ok(app(ctx).explain_access(a, user, &action, entity).await.gql()?.into())
    }
}

/// Custom roles and who holds which role.
#[derive(Default)]
pub struct RoleMutation;

#[Object]
impl RoleMutation {
    /// Defines a custom role (ADMIN): grants from the permission table, and fields it reads.
    async fn create_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The role.")] input: RoleInput,
    ) -> Result<CustomRole> {
        let a = actor(ctx)?;
        let input = role_input(ctx, input)?;
        Ok(CustomRole(app(ctx).create_role(a, input).await.gql()?))
    }

    /// Replaces a custom role's name, grants and fields (ADMIN); its holders get the change on their next request and on open subscriptions.
    async fn update_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The role.")] role_id: ID,
        #[graphql(desc = "The role as it is to be.")] input: RoleInput,
        #[graphql(desc = "The version the change is based on; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<CustomRole> {
        let a = actor(ctx)?;
        let id = id_arg("roleId", &role_id)?;
        let input = role_input(ctx, input)?;
        Ok(CustomRole(app(ctx).update_role(a, id, input, expected_version).await.gql()?))
    }

    /// Retires a custom role (ADMIN): its holders lose its grants at once.
    async fn retire_role(&self, ctx: &Context<'_>, #[graphql(desc = "The role.")] role_id: ID) -> Result<CustomRole> {
        let a = actor(ctx)?;
        let id = id_arg("roleId", &role_id)?;
        Ok(CustomRole(app(ctx).retire_role(a, id).await.gql()?))
    }

    /// Gives a user a built-in or custom role (ADMIN).
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user.")] user_id: ID,
        #[graphql(desc = "The role (see `roles`).")] role_id: ID,
    ) -> Result<User> {
        let a = actor(ctx)?;
        let (u, r) = (id_arg("userId", &user_id)?, id_arg("roleId", &role_id)?);
        Ok(User(app(ctx).grant_role(a, u, r).await.gql()?))
    }

    /// Takes a role from a user (ADMIN); refused when it would leave no active ADMIN.
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user.")] user_id: ID,
        #[graphql(desc = "The role (see `roles`).")] role_id: ID,
    ) -> Result<User> {
        let a = actor(ctx)?;
        let (u, r) = (id_arg("userId", &user_id)?, id_arg("roleId", &role_id)?);
        Ok(User(app(ctx).revoke_role(a, u, r).await.gql()?))
    }
}

/// Field-level rules: a field of a restricted type that none of the caller's roles may read
/// is refused with a FORBIDDEN error whose path names the field (never its value). One check
/// for every field of every such type, wherever the object appears (getters, views, search,
/// node, subscriptions): it is the object-level guard of the eight types of
/// [`roles::FIELD_TYPES`] (`#[Object(guard = "FieldRule(\"Lead\")")]`), so it runs before
/// the field resolves and costs nothing on any other type. The refused field is then `null`
/// as the GraphQL spec has it (see [`crate::kernel::conform`]).
pub struct FieldRule(pub &'static str);

impl async_graphql::Guard for FieldRule {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let field = ctx.item.node.name.node.as_str();
        if field == "id" || field == "__typename" {
            return Ok(());
        }
        let Some(crate::Auth::Actor(a)) = ctx.data_opt::<crate::Auth>() else { return Ok(()) };
        if a.may_read_field(self.0, field) {
            return Ok(());
        }
        Err(crate::to_gql(AppError::Forbidden(vec![format!("your roles do not read `{}.{field}`", self.0)]))
            .extend_with(|_, x| x.set("field", field)))
    }
}
