//! The one gate every mutation passes before its rules: who may act on which row.
//!
//! Order (API.md, refined in ARCHITECTURE.md): a caller whose roles may never do the action gets
//! FORBIDDEN (the same answer for every id, so nothing leaks); a row in another organization or
//! outside the caller's read scope is NOT_FOUND; a readable row outside the action's scope is
//! FORBIDDEN.

use crate::kernel::scope::account_reaches;
use crate::{Actor, AppError};
use baton_domain::Scope;
use baton_domain::permission::Action;
use baton_store::entity::{account, contact, invoice, lead, opportunity};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
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

/// Loads a lead of the caller's organization through the gate for `action`.
pub(crate) async fn lead<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<lead::Model, AppError> {
    actor.authorize(action)?;
    let row = lead::Entity::find_by_id(id).filter(lead::Column::OrganizationId.eq(actor.org_id)).one(db).await?;
    crate::kernel::gate::check(actor, action, Action::ReadLead, "lead", row, |l| {
        crate::kernel::gate::Access::owned_by(l.owner_id)
    })
}

/// Loads an opportunity (locked for update on PostgreSQL) through the gate for `action`.
pub(crate) async fn opportunity<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<opportunity::Model, AppError> {
    actor.authorize(action)?;
    let row = opportunity::Entity::find_by_id(id)
        .filter(opportunity::Column::OrganizationId.eq(actor.org_id))
        .lock_exclusive()
        .one(db)
        .await?;
    check(actor, action, Action::ReadOpportunity, "opportunity", row, |o| Access::owned_by(Some(o.owner_id)))
}

/// Loads an account through the gate for `action`.
pub(crate) async fn account<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<account::Model, AppError> {
    let scope = actor.authorize(action)?;
    let a = account::Entity::find_by_id(id)
        .filter(account::Column::OrganizationId.eq(actor.org_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("account"))?;
    let readable = account_reaches(db, actor, Action::ReadAccount, &a).await?;
    let may = account_reaches(db, actor, action, &a).await?;
    if !readable && !may {
        return Err(AppError::NotFound("account"));
    }
    if !may {
        return Err(AppError::Forbidden(vec![format!(
            "`{}` is limited to {} accounts and this one is not among them",
            action.name(),
            scope_words(scope)
        )]));
    }
    Ok(a)
}

/// Loads a contact through its account's gate for `action`; a contact outside it is NOT_FOUND
/// as a contact.
pub(crate) async fn contact<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<contact::Model, AppError> {
    actor.authorize(action)?;
    let c = contact::Entity::find_by_id(id)
        .filter(contact::Column::OrganizationId.eq(actor.org_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("contact"))?;
    crate::kernel::gate::account(db, actor, c.account_id, action).await.map_err(|e| match e {
        AppError::NotFound(_) => AppError::NotFound("contact"),
        e => e,
    })?;
    Ok(c)
}

/// Loads an invoice (locked on PostgreSQL) through the gate for `action`; an invoice belongs to
/// its opportunity's owner.
pub(crate) async fn invoice<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<invoice::Model, AppError> {
    Ok(crate::kernel::gate::invoice_deal(db, actor, id, action).await?.0)
}

/// [`gate_invoice`] that also hands back the invoice's deal it read for the gate, for a use
/// case that needs it (commission on a payment).
pub(crate) async fn invoice_deal<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<(invoice::Model, opportunity::Model), AppError> {
    actor.authorize(action)?;
    let i = invoice::Entity::find_by_id(id)
        .filter(invoice::Column::OrganizationId.eq(actor.org_id))
        .lock_exclusive()
        .one(db)
        .await?;
    let opp = match &i {
        Some(i) => opportunity::Entity::find_by_id(i.opportunity_id).one(db).await?,
        None => None,
    };
    check(actor, action, Action::ReadInvoice, "invoice", i.zip(opp), |(_, o)| Access::owned_by(Some(o.owner_id)))
}
