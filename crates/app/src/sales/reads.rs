//! Reads under the caller's row scope: getters, department-view lists and counts.

use crate::kernel::page::{KeyValue, Page, PageRequest, Sort, SortKey};
use crate::kernel::scope::{
    ErasedKind, LeadFilter, LeadTally, ListFilter, OpportunityFilter, TOMBSTONE_PAGE, Tombstone, account_reaches,
    accounts_reached, owned_by,
};
use crate::kernel::sql::{Sql, int};
use crate::{Actor, App, AppError};
use baton_domain::Scope;
use baton_domain::lead::{LeadSource, LeadStatus};
use baton_domain::opportunity::Stage;
use baton_domain::permission::Action;
use baton_domain::text::is_free_mail_domain;
use baton_store::entity::{account, contact, lead, opportunity, user};
use chrono::{DateTime, TimeZone, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Where opportunities without an expected close date sort: after every dated one.
fn no_close_date() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).single().unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `text` with LIKE's wildcards escaped (by a backslash).
fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
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

/// The orders opportunity lists offer beside creation. Columns are named with their table,
/// so that a page read with its accounts (a join) orders by the opportunity's own.
fn opportunity_sorts() -> [Sort<opportunity::Model>; 4] {
    use opportunity::Column as O;
    [
        Sort {
            key: SortKey::Updated,
            expr: || Expr::col((opportunity::Entity, O::UpdatedAt)),
            value: |o: &opportunity::Model| KeyValue::Time(o.updated_at),
        },
        Sort {
            key: SortKey::Value,
            expr: || Expr::col((opportunity::Entity, O::EstimatedValueMinor)),
            value: |o: &opportunity::Model| KeyValue::Int(o.estimated_value_minor),
        },
        Sort {
            key: SortKey::Name,
            expr: || Expr::col((opportunity::Entity, O::Name)),
            value: |o: &opportunity::Model| KeyValue::Text(o.name.clone()),
        },
        Sort {
            key: SortKey::CloseDate,
            expr: || {
                Func::coalesce([Expr::col((opportunity::Entity, O::ExpectedCloseDate)), Expr::val(no_close_date())])
                    .into()
            },
            value: |o: &opportunity::Model| KeyValue::Time(o.expected_close_date.unwrap_or_else(no_close_date)),
        },
    ]
}

/// An opportunity's account, for reading both in one statement: only an account of the
/// deal's own organization (as the account loader reads them).
fn its_account() -> sea_orm::RelationDef {
    use sea_orm::sea_query::IntoCondition;
    opportunity::Entity::belongs_to(account::Entity)
        .from(opportunity::Column::AccountId)
        .to(account::Column::Id)
        .on_condition(|left, right| {
            Expr::col((right, account::Column::OrganizationId))
                .equals((left, opportunity::Column::OrganizationId))
                .into_condition()
        })
        .into()
}

/// The orders lead lists offer beside creation.
fn lead_sorts() -> [Sort<lead::Model>; 2] {
    use lead::Column as L;
    [
        Sort {
            key: SortKey::Updated,
            expr: || Expr::col(L::UpdatedAt),
            value: |l: &lead::Model| KeyValue::Time(l.updated_at),
        },
        Sort {
            key: SortKey::Name,
            expr: || Expr::col(L::CompanyName),
            value: |l: &lead::Model| KeyValue::Text(l.company_name.clone()),
        },
    ]
}

impl App {
    /// `lead(id)`: a lead inside the caller's read scope.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn lead(&self, actor: &Actor, id: Uuid) -> Result<Option<lead::Model>, AppError> {
        let owners = actor.readable(Action::ReadLead);
        Ok(lead::Entity::find_by_id(id)
            .filter(lead::Column::OrganizationId.eq(actor.org_id))
            .one(&self.db)
            .await?
            .filter(|l| owners.contains(l.owner_id)))
    }

    /// Leads under the caller's scope (`salesView.leads`), filtered and in the request's
    /// order (newest first by default).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn leads(
        &self,
        actor: &Actor,
        scope: Scope,
        status: Option<LeadStatus>,
        filter: &LeadFilter,
        req: PageRequest,
    ) -> Result<Page<lead::Model>, AppError> {
        use lead::Column as L;
        let owners = actor.owners(scope);
        let mut q = lead::Entity::find().filter(L::OrganizationId.eq(actor.org_id));
        q = owned_by(q, L::OwnerId, &owners);
        if let Some(s) = status {
            q = q.filter(L::Status.eq(s.as_str()));
        }
        let counted = LeadTally { owners, statuses: status.map(|s| vec![s]) };
        self.lead_page(q, actor.org_id, filter, req, counted).await
    }

    /// A page of the leads of `q` (a list's scope, already applied; `scope` says the same in
    /// owners and statuses) that meet `filter`, in the request's order: `salesView.leads` and
    /// the lead pool. A `totalCount` asked for with no filter but owners, team, statuses and
    /// sources is summed from the lead counts (migration 85); any other is counted row by row.
    pub(crate) async fn lead_page(
        &self,
        mut q: Select<lead::Entity>,
        org: Uuid,
        filter: &LeadFilter,
        req: PageRequest,
        scope: LeadTally,
    ) -> Result<Page<lead::Model>, AppError> {
        use lead::Column as L;
        let f = &filter.common;
        let tallied = req.count
            && f.text.as_deref().is_none_or(|t| t.trim().is_empty())
            && [f.created_after, f.created_before, f.updated_after, f.updated_before].iter().all(Option::is_none);
        let total = if tallied { Some(self.tallied_leads(org, filter, scope).await?) } else { None };
        let req = if tallied { req.counting(false) } else { req };
        if !filter.statuses.is_empty() {
            q = q.filter(L::Status.is_in(filter.statuses.iter().map(|s| s.as_str())));
        }
        if !filter.sources.is_empty() {
            q = q.filter(L::Source.is_in(filter.sources.iter().map(|s| s.as_str())));
        }
        let q = self
            .narrowed(
                q,
                org,
                &filter.common,
                (Some(L::OwnerId), L::CreatedAt, L::UpdatedAt),
                &[L::CompanyName, L::ContactName],
            )
            .await?;
        let mut page = crate::kernel::page::sorted(&self.db, q, L::Id, &lead_sorts(), req).await?;
        if let Some(n) = total {
            page.total_count = n;
        }
        Ok(page)
    }

    /// How many leads of `scope` meet `filter` (owners, team, statuses and sources only), from
    /// the lead counts: the sum of the rows of the (owner, status, source) groups it covers.
    async fn tallied_leads(&self, org: Uuid, filter: &LeadFilter, scope: LeadTally) -> Result<u64, AppError> {
        let mut owners = scope.owners;
        if let Some(o) = filter.common.owner_id {
            owners = owners.within(&[o]);
        }
        if let Some(t) = filter.common.team_id {
            owners = owners.within(&self.team_member_ids(org, t).await?);
        }
        let mut statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
        if let Some(only) = scope.statuses {
            let only: Vec<&str> = only.iter().map(|s| s.as_str()).collect();
            statuses =
                if statuses.is_empty() { only } else { statuses.into_iter().filter(|s| only.contains(s)).collect() };
            if statuses.is_empty() {
                return Ok(0);
            }
        }
        let mut q = Sql::default();
        let mut sql = format!(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM lead_counts WHERE organization_id = {}",
            q.bind(org)
        );
        sql.push_str(&q.owned_by("owner_id", &owners));
        let sources: Vec<&str> = filter.sources.iter().map(|s| s.as_str()).collect();
        for (column, values) in [("status", statuses), ("source", sources)] {
            if !values.is_empty() {
                let marks: Vec<String> = values.into_iter().map(|v| q.bind(v)).collect();
                sql.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
            }
        }
        let row = self.db.query_one_raw(q.statement(&self.db, &sql)).await?;
        Ok(u64::try_from(int(row.as_ref(), "n")?).unwrap_or(0))
    }

    /// Opportunities under the caller's scope (`salesView.opportunities`), filtered and in
    /// the request's order (newest first by default).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn opportunities(
        &self,
        actor: &Actor,
        scope: Scope,
        stage: Option<&str>,
        filter: &OpportunityFilter,
        req: PageRequest,
    ) -> Result<Page<opportunity::Model>, AppError> {
        let q = self.opportunity_list(actor, scope, stage, filter).await?;
        crate::kernel::page::sorted(&self.db, q, opportunity::Column::Id, &opportunity_sorts(), req).await
    }

    /// [`App::opportunities`], each with its account read in the same statement (a join), for
    /// a page whose reader asks for the accounts: as `Opportunity.account` would load them.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn opportunities_with_accounts(
        &self,
        actor: &Actor,
        scope: Scope,
        stage: Option<&str>,
        filter: &OpportunityFilter,
        req: PageRequest,
    ) -> Result<Page<(opportunity::Model, Option<account::Model>)>, AppError> {
        let q = self.opportunity_list(actor, scope, stage, filter).await?;
        let rows = crate::kernel::page::With { link: its_account(), entity: account::Entity };
        crate::kernel::page::sorted_rows(&self.db, q, opportunity::Column::Id, &opportunity_sorts(), req, rows).await
    }

    /// The statement of an opportunity list: the caller's scope and the list's filters.
    async fn opportunity_list(
        &self,
        actor: &Actor,
        scope: Scope,
        stage: Option<&str>,
        filter: &OpportunityFilter,
    ) -> Result<Select<opportunity::Entity>, AppError> {
        use opportunity::Column as O;
        let mut q = opportunity::Entity::find().filter(O::OrganizationId.eq(actor.org_id));
        q = owned_by(q, O::OwnerId, &actor.owners(scope));
        if let Some(s) = stage {
            q = q.filter(O::Stage.eq(s));
        }
        if !filter.stages.is_empty() {
            q = q.filter(O::Stage.is_in(filter.stages.iter().map(String::as_str)));
        }
        if let Some(v) = filter.value_at_least {
            q = q.filter(O::EstimatedValueMinor.gte(v));
        }
        if let Some(v) = filter.value_at_most {
            q = q.filter(O::EstimatedValueMinor.lte(v));
        }
        if let Some(t) = filter.closes_after {
            q = q.filter(O::ExpectedCloseDate.gte(t));
        }
        if let Some(t) = filter.closes_before {
            q = q.filter(O::ExpectedCloseDate.lt(t));
        }
        self.narrowed(q, actor.org_id, &filter.common, (Some(O::OwnerId), O::CreatedAt, O::UpdatedAt), &[O::Name]).await
    }

    /// Applies the filters every list shares: owner, team (its members' rows), created and
    /// updated ranges, and a text contained (case-insensitively) in one of `text_cols`.
    pub(crate) async fn narrowed<E: EntityTrait>(
        &self,
        mut q: Select<E>,
        org: Uuid,
        f: &ListFilter,
        (owner, created, updated): (Option<E::Column>, E::Column, E::Column),
        text_cols: &[E::Column],
    ) -> Result<Select<E>, AppError> {
        if let (Some(o), Some(owner)) = (f.owner_id, owner) {
            q = q.filter(owner.eq(o));
        }
        if let (Some(t), Some(owner)) = (f.team_id, owner) {
            q = q.filter(owner.is_in(self.team_member_ids(org, t).await?));
        }
        for (col, bound, after) in [
            (created, f.created_after, true),
            (created, f.created_before, false),
            (updated, f.updated_after, true),
            (updated, f.updated_before, false),
        ] {
            if let Some(t) = bound {
                q = q.filter(if after { col.gte(t) } else { col.lt(t) });
            }
        }
        if let Some(text) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = format!("%{}%", like_escape(&text.to_lowercase()));
            let mut any = Condition::any();
            for c in text_cols {
                any = any.add(
                    Expr::expr(Func::lower(Expr::col((E::default(), *c))))
                        .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\')),
                );
            }
            q = q.filter(any);
        }
        Ok(q)
    }

    /// `tombstones(since)`: leads and contacts erased at or after `since` that the caller
    /// reads (a lead under its read scope, a contact of an account it reaches), oldest first,
    /// at most [`TOMBSTONE_PAGE`]. Objects are never deleted; erasure is what removes them
    /// from a client's copy.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn tombstones(&self, actor: &Actor, since: DateTime<Utc>) -> Result<Vec<Tombstone>, AppError> {
        let mut out = Vec::new();
        let leads = owned_by(
            lead::Entity::find()
                .filter(lead::Column::OrganizationId.eq(actor.org_id))
                .filter(lead::Column::ErasedAt.gte(since)),
            lead::Column::OwnerId,
            &actor.readable(Action::ReadLead),
        )
        .order_by_asc(lead::Column::ErasedAt)
        .order_by_asc(lead::Column::Id)
        .limit(TOMBSTONE_PAGE)
        .all(&self.db)
        .await?;
        out.extend(
            leads
                .into_iter()
                .filter_map(|l| Some(Tombstone { id: l.id, kind: ErasedKind::Lead, removed_at: l.erased_at? })),
        );
        if actor.permission(Action::ReadAccount).is_ok() {
            let contacts = contact::Entity::find()
                .filter(contact::Column::OrganizationId.eq(actor.org_id))
                .filter(contact::Column::ErasedAt.gte(since))
                .order_by_asc(contact::Column::ErasedAt)
                .order_by_asc(contact::Column::Id)
                .limit(TOMBSTONE_PAGE)
                .all(&self.db)
                .await?;
            // The contacts' accounts, read and scoped at once rather than one by one.
            let ids: HashSet<Uuid> = contacts.iter().map(|c| c.account_id).collect();
            let accounts = account::Entity::find()
                .filter(account::Column::OrganizationId.eq(actor.org_id))
                .filter(account::Column::Id.is_in(ids))
                .all(&self.db)
                .await?;
            let reached = accounts_reached(&self.db, actor, Action::ReadAccount, &accounts).await?;
            for c in contacts {
                let reaches = reached.contains(&c.account_id);
                if reaches && let Some(at) = c.erased_at {
                    out.push(Tombstone { id: c.id, kind: ErasedKind::Contact, removed_at: at });
                }
            }
        }
        out.sort_by_key(|t| (t.removed_at, t.id));
        out.truncate(TOMBSTONE_PAGE as usize);
        Ok(out)
    }

    /// `opportunity(id)`: an opportunity the caller may read.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn opportunity(&self, actor: &Actor, id: Uuid) -> Result<Option<opportunity::Model>, AppError> {
        let owners = actor.readable(Action::ReadOpportunity);
        Ok(opportunity::Entity::find_by_id(id)
            .filter(opportunity::Column::OrganizationId.eq(actor.org_id))
            .one(&self.db)
            .await?
            .filter(|o| owners.contains(Some(o.owner_id))))
    }

    /// `opportunity(id)` with its account, read in the same statement (a join), for a caller
    /// that asks for both. The account comes with a deal the caller may read, as
    /// `Opportunity.account` would load it.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn opportunity_with_account(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Option<(opportunity::Model, Option<account::Model>)>, AppError> {
        let owners = actor.readable(Action::ReadOpportunity);
        let found = opportunity::Entity::find_by_id(id)
            .filter(opportunity::Column::OrganizationId.eq(actor.org_id))
            .join(sea_orm::JoinType::LeftJoin, its_account())
            .select_also(account::Entity)
            .one(&self.db)
            .await?;
        Ok(found.filter(|(o, _)| owners.contains(Some(o.owner_id))))
    }

    /// `account(id)`: an account the caller may read. Sales reps see the accounts of the
    /// opportunities and leads they own; customer success the accounts it took over.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
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
    #[tracing::instrument(skip_all)]
    pub async fn contacts_of_accounts(&self, org: Uuid, account_ids: &[Uuid]) -> Result<Vec<contact::Model>, AppError> {
        Ok(contact::Entity::find()
            .filter(contact::Column::OrganizationId.eq(org))
            .filter(contact::Column::AccountId.is_in(account_ids.iter().copied()))
            .order_by_asc(contact::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Contacts by id, for the API's batch loader.
    #[tracing::instrument(skip_all)]
    pub async fn contacts_by_ids(&self, org: Uuid, ids: &[Uuid]) -> Result<Vec<contact::Model>, AppError> {
        Ok(contact::Entity::find()
            .filter(contact::Column::OrganizationId.eq(org))
            .filter(contact::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
    }

    /// Other leads with the same e-mail or the same company domain, within the caller's scope.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
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
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
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
        // Deals per source of their lead, the won ones and what their signed contracts brought
        // in, and campaign spend per channel of the same name (SEO, SEM, …): grouped by the
        // database, one row per source and per channel.
        let mut q = Sql::default();
        q.bind(actor.org_id);
        let won = q.bind(Stage::ClosedWon.as_str());
        let sql = format!(
            "SELECT l.source AS source, CAST(COUNT(*) AS BIGINT) AS deals, \
             CAST(COALESCE(SUM(CASE WHEN o.stage = {won} THEN 1 ELSE 0 END), 0) AS BIGINT) AS wins, \
             CAST(COALESCE(SUM(CASE WHEN o.stage = {won} THEN c.value_minor ELSE 0 END), 0) AS BIGINT) AS revenue \
             FROM opportunities o JOIN leads l ON l.id = o.lead_id AND l.organization_id = $1 \
             LEFT JOIN ({}) c ON c.opportunity_id = o.id \
             WHERE o.organization_id = $1 AND o.lead_id IS NOT NULL GROUP BY l.source",
            crate::kernel::revenue::PER_DEAL_SQL
        );
        let mut deals: HashMap<String, (i64, i64, i64)> = HashMap::new();
        for r in q.all(&self.db, &sql).await? {
            let n = |c: &str| int(Some(&r), c);
            deals.insert(r.try_get("", "source")?, (n("deals")?, n("wins")?, n("revenue")?));
        }
        let mut q = Sql::default();
        q.bind(actor.org_id);
        let sql = "SELECT channel, CAST(COALESCE(SUM(spend_minor), 0) AS BIGINT) AS spend FROM campaigns \
             WHERE organization_id = $1 GROUP BY channel";
        let mut spend: HashMap<String, i64> = HashMap::new();
        for r in q.all(&self.db, sql).await? {
            spend.insert(r.try_get("", "channel")?, int(Some(&r), "spend")?);
        }
        let unit = crate::kernel::money::org_unit(&self.db, actor.org_id).await?;
        Ok(LeadSource::ALL
            .iter()
            .map(|s| {
                let (count, qualified, converted) = by.get(s.as_str()).copied().unwrap_or_default();
                let (opps, wins, revenue) = deals.get(s.as_str()).copied().unwrap_or_default();
                let metrics = baton_domain::insight::CampaignMetrics::compute(
                    count as i64,
                    qualified as i64,
                    opps,
                    wins,
                    revenue,
                    spend.get(s.as_str()).copied().unwrap_or_default(),
                    unit,
                );
                SourceCount { source: *s, count, qualified, converted, metrics }
            })
            .collect())
    }

    /// Users by id, for the API's batch loader.
    #[tracing::instrument(skip_all)]
    pub async fn users_by_ids(&self, org: Uuid, ids: &[Uuid]) -> Result<Vec<user::Model>, AppError> {
        Ok(user::Entity::find()
            .filter(user::Column::OrganizationId.eq(org))
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
    }

    /// Accounts by id (no scope check: callers pass ids of rows already authorized).
    #[tracing::instrument(skip_all)]
    pub async fn accounts_by_ids(&self, org: Uuid, ids: &[Uuid]) -> Result<Vec<account::Model>, AppError> {
        Ok(account::Entity::find()
            .filter(account::Column::OrganizationId.eq(org))
            .filter(account::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
    }
}
