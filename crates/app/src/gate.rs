//! The one gate every mutation passes before its rules: who may act on which row.
//!
//! Order (API.md, refined in ARCHITECTURE.md): a caller whose roles may never do the action gets
//! FORBIDDEN (the same answer for every id, so nothing leaks); a row in another organization or
//! outside the caller's read scope is NOT_FOUND; a readable row outside the action's scope is
//! FORBIDDEN.

use crate::{Actor, AppError};
use baton_domain::Scope;
use baton_domain::permission::Action;
use uuid::Uuid;

/// How a row relates to row scopes: its owner, and whether it belongs to the caller's
/// department view (e.g. a submitted hand-off package for customer success).
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub owner: Option<Uuid>,
    pub department: bool,
}

impl Access {
    pub fn owned_by(owner: Option<Uuid>) -> Self {
        Access { owner, department: false }
    }
}

/// True when `action`'s scope for this caller reaches the row.
pub fn reaches(actor: &Actor, action: Action, access: Access) -> bool {
    match actor.permission(action) {
        Err(_) => false,
        Ok(Scope::Org) => true,
        Ok(Scope::Department) => access.department,
        Ok(scope) => actor.owners(scope).contains(access.owner),
    }
}

fn scope_words(scope: Scope) -> &'static str {
    match scope {
        Scope::Own => "your own",
        Scope::Team => "your team's",
        Scope::Department => "your department's",
        Scope::Org => "the organization's",
    }
}

/// Applies the gate to a loaded row (`None` when it does not exist in the caller's org).
pub fn check<T>(
    actor: &Actor,
    action: Action,
    read: Action,
    what: &'static str,
    row: Option<T>,
    access: impl Fn(&T) -> Access,
) -> Result<T, AppError> {
    let scope = actor.authorize(action)?;
    let row = row.ok_or(AppError::NotFound(what))?;
    let a = access(&row);
    if !reaches(actor, read, a) && !reaches(actor, action, a) {
        return Err(AppError::NotFound(what));
    }
    if !reaches(actor, action, a) {
        return Err(AppError::Forbidden(vec![format!(
            "`{}` is limited to {} {what}s and this one is not among them",
            action.name(),
            scope_words(scope)
        )]));
    }
    Ok(row)
}
