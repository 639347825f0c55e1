//! Row scope and list filters: which rows of a list a caller's scope reaches, and the filters
//! every department list takes.

use crate::{Actor, AppError, Owners};
use baton_domain::Scope;
use baton_domain::lead::{LeadSource, LeadStatus};
use baton_domain::permission::Action;
use baton_store::entity::lead;
use baton_store::entity::{account, opportunity};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select};
use std::collections::HashSet;
use uuid::Uuid;

/// Restricts a select to rows whose owner column is in `owners`.
pub(crate) fn owned_by<E: EntityTrait>(q: Select<E>, col: impl ColumnTrait, owners: &Owners) -> Select<E> {
    match owners {
        Owners::All => q,
        Owners::Only(ids) => q.filter(col.is_in(ids.iter().copied())),
    }
}

/// True when `action`'s scope reaches the account: sales reps reach the accounts they are the
/// account executive of, or own an opportunity or a converted lead of; customer success the
/// accounts it took over (the department: every account with a CS owner).
pub async fn account_reaches<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    action: Action,
    a: &account::Model,
) -> Result<bool, AppError> {
    Ok(accounts_reached(db, actor, action, std::slice::from_ref(a)).await?.contains(&a.id))
}

/// The accounts among `accounts` that `action`'s scope reaches ([`account_reaches`] for many at
/// once: at most two statements, whatever their number).
pub async fn accounts_reached<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    action: Action,
    accounts: &[account::Model],
) -> Result<HashSet<Uuid>, AppError> {
    let all = || accounts.iter().map(|a| a.id).collect();
    let scope = match actor.authorize(action) {
        Err(_) => return Ok(HashSet::new()),
        Ok(Scope::Org) => return Ok(all()),
        Ok(Scope::Department) => {
            return Ok(accounts.iter().filter(|a| a.cs_owner_id.is_some()).map(|a| a.id).collect());
        }
        Ok(scope) => scope,
    };
    let owners = actor.owners(scope);
    let mut reached: HashSet<Uuid> = accounts
        .iter()
        .filter(|a| owners.contains(a.account_executive_id) || owners.contains(a.cs_owner_id))
        .map(|a| a.id)
        .collect();
    let rest: Vec<Uuid> = accounts.iter().map(|a| a.id).filter(|id| !reached.contains(id)).collect();
    if rest.is_empty() {
        return Ok(reached);
    }
    let deals: Vec<Uuid> = owned_by(
        opportunity::Entity::find().filter(opportunity::Column::AccountId.is_in(rest.iter().copied())),
        opportunity::Column::OwnerId,
        &owners,
    )
    .select_only()
    .column(opportunity::Column::AccountId)
    .distinct()
    .into_tuple()
    .all(db)
    .await?;
    reached.extend(deals);
    let rest: Vec<Uuid> = rest.into_iter().filter(|id| !reached.contains(id)).collect();
    if rest.is_empty() {
        return Ok(reached);
    }
    let converted: Vec<Option<Uuid>> = owned_by(
        lead::Entity::find().filter(lead::Column::ConvertedAccountId.is_in(rest.iter().copied())),
        lead::Column::OwnerId,
        &owners,
    )
    .select_only()
    .column(lead::Column::ConvertedAccountId)
    .distinct()
    .into_tuple()
    .all(db)
    .await?;
    reached.extend(converted.into_iter().flatten());
    Ok(reached)
}

/// The filters every list shares (`filter` of the views' lists).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub owner_id: Option<Uuid>,
    /// Rows owned by a member of this team (of the caller's organization).
    pub team_id: Option<Uuid>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    pub updated_before: Option<DateTime<Utc>>,
    /// Text contained in the row's name (case-insensitive).
    pub text: Option<String>,
}

/// `salesView.leads(filter:)`.
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    pub common: ListFilter,
    pub statuses: Vec<LeadStatus>,
    pub sources: Vec<LeadSource>,
}

/// The leads a list holds, as the lead counts (migration 85) say it: their owners (the nil id
/// standing for no owner) and, when the list holds only some, their statuses.
pub(crate) struct LeadTally {
    pub owners: Owners,
    pub statuses: Option<Vec<LeadStatus>>,
}

/// `salesView.opportunities(filter:)`.
#[derive(Debug, Clone, Default)]
pub struct OpportunityFilter {
    pub common: ListFilter,
    pub stages: Vec<String>,
    /// The estimated value's bounds, in minor units of its currency.
    pub value_at_least: Option<i64>,
    pub value_at_most: Option<i64>,
    pub closes_after: Option<DateTime<Utc>>,
    pub closes_before: Option<DateTime<Utc>>,
}

/// `financeView.invoices(filter:)`.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    /// Created and updated ranges (owner, team and text do not apply to invoices).
    pub common: ListFilter,
    pub statuses: Vec<String>,
    pub due_after: Option<chrono::NaiveDate>,
    pub due_before: Option<chrono::NaiveDate>,
    /// The amount's bounds, in minor units of its currency.
    pub amount_at_least: Option<i64>,
    pub amount_at_most: Option<i64>,
}

/// `legalView.approvalQueue(filter:)`.
#[derive(Debug, Clone, Default)]
pub struct ContractFilter {
    /// Created and updated ranges (owner, team and text do not apply to contracts).
    pub common: ListFilter,
    /// The contract value's bounds, in minor units of its currency.
    pub value_at_least: Option<i64>,
    pub value_at_most: Option<i64>,
    pub submitted_after: Option<DateTime<Utc>>,
    pub submitted_before: Option<DateTime<Utc>>,
}

/// `customerSuccessView.incomingHandoffs(filter:)`.
#[derive(Debug, Clone, Default)]
pub struct HandoffFilter {
    /// Created and updated ranges (owner, team and text do not apply to packages).
    pub common: ListFilter,
    pub submitted_after: Option<DateTime<Utc>>,
    pub submitted_before: Option<DateTime<Utc>>,
}

/// An object the caller may have a copy of that was erased: its copy must go (delta sync).
#[derive(Debug, Clone, PartialEq)]
pub struct Tombstone {
    pub id: Uuid,
    pub kind: ErasedKind,
    pub removed_at: DateTime<Utc>,
}

/// The kinds of object erasure removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasedKind {
    Lead,
    Contact,
}

/// At most this many tombstones answer one call; the caller continues from the last one's time.
pub const TOMBSTONE_PAGE: u64 = 500;
