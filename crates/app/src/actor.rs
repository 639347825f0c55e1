//! Who is calling: a user or an API token, its organization, and its roles as read from the
//! database on this request.

use crate::AppError;
use baton_domain::Role;
use baton_domain::permission::{self, Action, Scope};
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
    /// The caller and the members of every team the caller manages or belongs to.
    pub team_user_ids: Vec<Uuid>,
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

    /// The permission table's answer for this caller, as an application error.
    pub fn authorize(&self, action: Action) -> Result<Scope, AppError> {
        permission::authorize(&self.roles, action).map_err(|d| AppError::Forbidden(d.reasons))
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
        match permission::authorize(&self.roles, action) {
            Ok(scope) => self.owners(scope),
            Err(_) => Owners::Only(vec![]),
        }
    }
}
