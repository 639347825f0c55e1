//! Reads under the caller's row scope: getters, department-view lists and counts.

use crate::page::{Page, PageRequest};
use crate::{Actor, App, AppError, Owners};
use baton_domain::Scope;
use baton_domain::lead::{LeadSource, LeadStatus};
use baton_domain::permission::Action;
use baton_domain::text::is_free_mail_domain;
use baton_store::entity::{account, contact, lead, opportunity, user};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use std::collections::HashMap;
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
    Ok(match actor.authorize(action) {
        Err(_) => false,
        Ok(Scope::Org) => true,
        Ok(Scope::Department) => a.cs_owner_id.is_some(),
        Ok(scope) => {
            let owners = actor.owners(scope);
            owners.contains(a.account_executive_id)
                || owners.contains(a.cs_owner_id)
                || owned_by(
                    opportunity::Entity::find().filter(opportunity::Column::AccountId.eq(a.id)),
                    opportunity::Column::OwnerId,
                    &owners,
                )
                .one(db)
                .await?
                .is_some()
                || owned_by(
                    lead::Entity::find().filter(lead::Column::ConvertedAccountId.eq(a.id)),
                    lead::Column::OwnerId,
                    &owners,
                )
                .one(db)
                .await?
                .is_some()
        }
    })
}

/// How many leads came from one source.
#[derive(Debug, Clone)]
pub struct SourceCount {
    pub source: LeadSource,
    pub count: u64,
    pub qualified: u64,
    pub converted: u64,
    pub metrics: baton_domain::insight::CampaignMetrics,
}

impl App {
    /// `lead(id)`: a lead inside the caller's read scope.
    pub async fn lead(&self, actor: &Actor, id: Uuid) -> Result<Option<lead::Model>, AppError> {
        let owners = actor.readable(Action::ReadLead);
        Ok(lead::Entity::find_by_id(id)
            .filter(lead::Column::OrganizationId.eq(actor.org_id))
            .one(&self.db)
            .await?
            .filter(|l| owners.contains(l.owner_id)))
    }

    /// Leads under the caller's scope, newest first (`salesView.leads`).
    pub async fn leads(
        &self,
        actor: &Actor,
        scope: Scope,
        status: Option<LeadStatus>,
        req: PageRequest,
    ) -> Result<Page<lead::Model>, AppError> {
        let mut q = lead::Entity::find().filter(lead::Column::OrganizationId.eq(actor.org_id));
        q = owned_by(q, lead::Column::OwnerId, &actor.owners(scope));
        if let Some(s) = status {
            q = q.filter(lead::Column::Status.eq(s.as_str()));
        }
        crate::page::keyset(&self.db, q, lead::Column::Id, req).await
    }

    /// Opportunities under the caller's scope, newest first (`salesView.opportunities`).
    pub async fn opportunities(
        &self,
        actor: &Actor,
        scope: Scope,
        stage: Option<&str>,
        req: PageRequest,
    ) -> Result<Page<opportunity::Model>, AppError> {
        let mut q = opportunity::Entity::find().filter(opportunity::Column::OrganizationId.eq(actor.org_id));
        q = owned_by(q, opportunity::Column::OwnerId, &actor.owners(scope));
        if let Some(s) = stage {
            q = q.filter(opportunity::Column::Stage.eq(s));
        }
        crate::page::keyset(&self.db, q, opportunity::Column::Id, req).await
    }

    /// `opportunity(id)`: an opportunity the caller may read.
    pub async fn opportunity(&self, actor: &Actor, id: Uuid) -> Result<Option<opportunity::Model>, AppError> {
        let owners = actor.readable(Action::ReadOpportunity);
        Ok(opportunity::Entity::find_by_id(id)
            .filter(opportunity::Column::OrganizationId.eq(actor.org_id))
            .one(&self.db)
            .await?
            .filter(|o| owners.contains(Some(o.owner_id))))
    }

    /// `account(id)`: an account the caller may read. Sales reps see the accounts of the
    /// opportunities and leads they own; customer success the accounts it took over.
    pub async fn account(&self, actor: &Actor, id: Uuid) -> Result<Option<account::Model>, AppError> {
        let Some(a) = account::Entity::find_by_id(id)
            .filter(account::Column::OrganizationId.eq(actor.org_id))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let visible = account_reaches(&self.db, actor, Action::ReadAccount, &a).await?;
        Ok(visible.then_some(a))
    }

    /// The contacts of an account the caller already may read.
    pub async fn contacts_of_accounts(&self, org: Uuid, account_ids: &[Uuid]) -> Result<Vec<contact::Model>, AppError> {
        Ok(contact::Entity::find()
            .filter(contact::Column::OrganizationId.eq(org))
            .filter(contact::Column::AccountId.is_in(account_ids.iter().copied()))
            .order_by_asc(contact::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Contacts by id, for the API's batch loader.
    pub async fn contacts_by_ids(&self, org: Uuid, ids: &[Uuid]) -> Result<Vec<contact::Model>, AppError> {
        Ok(contact::Entity::find()
            .filter(contact::Column::OrganizationId.eq(org))
            .filter(contact::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
    }

    /// Other leads with the same e-mail or the same company domain, within the caller's scope.
    pub async fn possible_duplicates(&self, actor: &Actor, l: &lead::Model) -> Result<Vec<lead::Model>, AppError> {
        let mut any = Condition::any();
        if let Some(e) = &l.contact_email {
            any = any.add(lead::Column::ContactEmail.eq(e.clone()));
        }
        if let Some(d) = l.email_domain.as_ref().filter(|d| !is_free_mail_domain(d)) {
            any = any.add(lead::Column::EmailDomain.eq(d.clone()));
        }
        if any.is_empty() {
            return Ok(vec![]);
        }
        let q = lead::Entity::find()
            .filter(lead::Column::OrganizationId.eq(actor.org_id))
            .filter(lead::Column::Id.ne(l.id))
            .filter(any);
        Ok(owned_by(q, lead::Column::OwnerId, &actor.readable(Action::ReadLead))
            .order_by_desc(lead::Column::Id)
            .limit(20)
            .all(&self.db)
            .await?)
    }

    /// Lead counts per source, every source listed, zeros included (`marketingView.leadsBySource`).
    pub async fn leads_by_source(&self, actor: &Actor) -> Result<Vec<SourceCount>, AppError> {
        let rows: Vec<(String, String, i64)> = lead::Entity::find()
            .select_only()
            .column(lead::Column::Source)
            .column(lead::Column::Status)
            .expr(Func::count(Expr::col(lead::Column::Id)))
            .filter(lead::Column::OrganizationId.eq(actor.org_id))
            .group_by(lead::Column::Source)
            .group_by(lead::Column::Status)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut by: HashMap<&str, (u64, u64, u64)> = HashMap::new();
        for (source, status, n) in &rows {
            let e = by.entry(source.as_str()).or_default();
            let n = u64::try_from(*n).unwrap_or(0);
            e.0 += n;
            if status == LeadStatus::Qualified.as_str() || status == LeadStatus::Converted.as_str() {
                e.1 += n;
            }
            if status == LeadStatus::Converted.as_str() {
                e.2 += n;
            }
        }
        // Won deals per source, and campaign spend per channel of the same name (SEO, SEM, …).
        let won: Vec<opportunity::Model> = opportunity::Entity::find()
            .filter(opportunity::Column::OrganizationId.eq(actor.org_id))
            .filter(opportunity::Column::LeadId.is_not_null())
            .all(&self.db)
            .await?;
        // A subquery, not a list of ids: a list grows with the deals and would pass the
        // database's limit of bound parameters.
        let converted = sea_orm::sea_query::Query::select()
            .column(opportunity::Column::LeadId)
            .from(opportunity::Entity)
            .and_where(opportunity::Column::OrganizationId.eq(actor.org_id))
            .and_where(opportunity::Column::LeadId.is_not_null())
            .to_owned();
        let sources: HashMap<Uuid, String> = lead::Entity::find()
            .select_only()
            .column(lead::Column::Id)
            .column(lead::Column::Source)
            .filter(lead::Column::OrganizationId.eq(actor.org_id))
            .filter(lead::Column::Id.in_subquery(converted))
            .into_tuple::<(Uuid, String)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let signed = crate::analytics::signed_contracts(&self.db, actor.org_id, None).await?;
        let spend: Vec<baton_store::entity::campaign::Model> = baton_store::entity::campaign::Entity::find()
            .filter(baton_store::entity::campaign::Column::OrganizationId.eq(actor.org_id))
            .all(&self.db)
            .await?;
        Ok(LeadSource::ALL
            .iter()
            .map(|s| {
                let (count, qualified, converted) = by.get(s.as_str()).copied().unwrap_or_default();
                let of_source =
                    |o: &&opportunity::Model| o.lead_id.and_then(|l| sources.get(&l)).is_some_and(|x| x == s.as_str());
                let opps: Vec<&opportunity::Model> = won.iter().filter(of_source).collect();
                let wins: Vec<&&opportunity::Model> = opps.iter().filter(|o| o.stage == "CLOSED_WON").collect();
                let metrics = baton_domain::insight::CampaignMetrics::compute(
                    count as i64,
                    qualified as i64,
                    opps.len() as i64,
                    wins.len() as i64,
                    wins.iter().map(|o| crate::analytics::won_revenue(&signed, o.id)).sum(),
                    spend.iter().filter(|c| c.channel == s.as_str()).map(|c| c.spend_minor).sum(),
                );
                SourceCount { source: *s, count, qualified, converted, metrics }
            })
            .collect())
    }

    /// Users by id, for the API's batch loader.
    pub async fn users_by_ids(&self, org: Uuid, ids: &[Uuid]) -> Result<Vec<user::Model>, AppError> {
        Ok(user::Entity::find()
            .filter(user::Column::OrganizationId.eq(org))
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
    }

    /// Accounts by id (no scope check: callers pass ids of rows already authorized).
    pub async fn accounts_by_ids(&self, org: Uuid, ids: &[Uuid]) -> Result<Vec<account::Model>, AppError> {
        Ok(account::Entity::find()
            .filter(account::Column::OrganizationId.eq(org))
            .filter(account::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
    }
}
