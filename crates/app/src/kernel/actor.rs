//! Who is calling: a user or an API token, its organization, and its roles as read from the
//! database on this request.

use crate::AppError;
use baton_domain::Role;
use baton_domain::permission::{self, Action, Scope};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// The authenticated principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    User(Uuid),
    ApiToken(Uuid),
}

/// The caller of a use case.
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    pub org_id: Uuid,
    pub roles: Vec<Role>,
    /// The organization's custom roles the caller holds (not retired).
    pub custom_roles: Vec<HeldRole>,
    /// Their grants, flattened, for the permission check.
    pub grants: Vec<(Action, Scope)>,
    /// The caller and the members of every team the caller manages or belongs to.
    pub team_user_ids: Vec<Uuid>,
}

/// A custom role as its holder is authorized by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRole {
    pub id: Uuid,
    pub name: String,
    pub grants: Vec<(Action, Scope)>,
    /// Per object type (the GraphQL type's name), the fields the role may read; a type not
    /// named is read in full.
    pub readable_fields: BTreeMap<String, BTreeSet<String>>,
}

/// The owners whose rows a scope reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owners {
    All,
    Only(Vec<Uuid>),
}

impl Owners {
    pub fn contains(&self, owner: Option<Uuid>) -> bool {
        match self {
            Owners::All => true,
            Owners::Only(ids) => owner.is_some_and(|o| ids.contains(&o)),
        }
    }

    /// The owners of both this and `ids`.
    pub fn within(self, ids: &[Uuid]) -> Owners {
        match self {
            Owners::All => Owners::Only(ids.to_vec()),
            Owners::Only(mine) => Owners::Only(mine.into_iter().filter(|o| ids.contains(o)).collect()),
        }
    }
}

impl Actor {
    /// The user behind the call, if it is a user (API tokens own nothing).
    pub fn user_id(&self) -> Option<Uuid> {
        match self.principal {
            Principal::User(id) => Some(id),
            Principal::ApiToken(_) => None,
        }
    }

    pub fn principal_id(&self) -> Uuid {
        match self.principal {
            Principal::User(id) | Principal::ApiToken(id) => id,
        }
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The caller's built-in roles and custom grants with the custom roles held.
    pub fn with_custom_roles(mut self, held: Vec<HeldRole>) -> Self {
        self.grants = held.iter().flat_map(|r| r.grants.iter().copied()).collect();
        self.custom_roles = held;
        self
    }

    /// The permission table's answer for this caller (built-in roles and custom grants).
    pub fn permission(&self, action: Action) -> Result<Scope, permission::Denied> {
        permission::authorize_with(&self.roles, &self.grants, action)
    }

    /// The permission table's answer for this caller, as an application error; an API token
    /// is refused a people-only action whatever its roles grant.
    pub fn authorize(&self, action: Action) -> Result<Scope, AppError> {
        let scope = self.permission(action).map_err(|mut d| {
            if !self.custom_roles.is_empty() {
                let names: Vec<&str> = self.custom_roles.iter().map(|r| r.name.as_str()).collect();
                d.reasons.push(format!("none of your custom roles ({}) grants it", names.join(", ")));
            }
            AppError::Forbidden(d.reasons)
        })?;
        if permission::people_only(action) {
            self.person(action)?;
        }
        Ok(scope)
    }

    /// The person doing `action` (a people-only one, see `permission::PEOPLE_ONLY`): an API
    /// token is FORBIDDEN, with the same reason `authorize` gives it.
    pub fn person(&self, action: Action) -> Result<Uuid, AppError> {
        self.user_id().ok_or_else(|| AppError::Forbidden(vec![permission::people_only_reason(action)]))
    }

    /// True when the caller may read `field` of objects of GraphQL type `type_name`: always
    /// with a built-in role (or no custom role); otherwise when one of the custom roles lists
    /// the field for that type or does not restrict the type.
    pub fn may_read_field(&self, type_name: &str, field: &str) -> bool {
        if self.reads_every_field() {
            return true;
        }
        self.custom_roles.iter().any(|r| r.readable_fields.get(type_name).is_none_or(|f| f.contains(field)))
    }

    /// True when no field rule narrows the caller: a built-in role, or no custom role.
    pub fn reads_every_field(&self) -> bool {
        self.custom_roles.is_empty() || !self.roles.is_empty()
    }

    /// The owners a scope reaches for this caller.
    pub fn owners(&self, scope: Scope) -> Owners {
        match scope {
            Scope::Org | Scope::Department => Owners::All,
            Scope::Team => Owners::Only(self.team_user_ids.clone()),
            Scope::Own => Owners::Only(self.user_id().into_iter().collect()),
        }
    }

    /// The owners whose rows the caller may read with `action`; nobody when it may not.
    pub fn readable(&self, action: Action) -> Owners {
        match self.permission(action) {
            Ok(scope) => self.owners(scope),
            Err(_) => Owners::Only(vec![]),
        }
    }
}

/// The id of a built-in role: fixed, the same in every organization.
pub fn builtin_id(role: Role) -> Uuid {
    let i = Role::ALL.iter().position(|r| *r == role).unwrap_or(0) as u128;
    Uuid::from_u128(0x0000_0000_0000_8000_8000_0000_0000_0000 | (i + 1))
}

/// The built-in role an id names, if it is one.
pub fn builtin_of(id: Uuid) -> Option<Role> {
    Role::ALL.into_iter().find(|r| builtin_id(*r) == id)
}
