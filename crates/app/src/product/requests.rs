//! Product's loop: feature requests and pain points filed by sales and customer success against
//! accounts and deals, merged when they are the same, ranked by the revenue behind them, and
//! everyone who asked notified when product decides.

use crate::kernel::events::Event;
use crate::kernel::notifications::notify;
use crate::kernel::page::{Page, PageRequest};
use crate::kernel::tx::Versioned;
use crate::{Actor, App, AppError, kernel::audit};
use baton_domain::insight::{FeatureStatus, revenue_at_stake};
use baton_domain::opportunity::Stage;
use baton_domain::permission::Action;
use baton_domain::text;
use baton_store::entity::{account, feature_ask, feature_request, notification, opportunity};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set, Value,
};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// Raw input of `fileFeatureRequest`.
#[derive(Debug, Clone)]
pub struct NewAsk {
    /// Join this existing request instead of opening a new one.
    pub request_id: Option<Uuid>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub account_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    pub pain_point: Option<String>,
}

/// A feature request with the numbers product ranks by.
#[derive(Debug, Clone)]
pub struct RankedRequest {
    pub request: feature_request::Model,
    pub asks: i64,
    pub accounts: Vec<(Uuid, String)>,
    pub open_pipeline_minor: i64,
    pub recurring_monthly_minor: i64,
    pub revenue_at_stake_minor: i64,
    /// The pain points filed with the asks, oldest first.
    pub pain_points: Vec<PainPoint>,
}

/// A pain point in the customer's words, filed with one ask of a feature request.
#[derive(Debug, Clone)]
pub struct PainPoint {
    pub account_id: Uuid,
    pub account_name: String,
    pub text: String,
    pub asked_at: chrono::DateTime<Utc>,
}

impl App {
    /// Publishes committed notifications to their users' live subscriptions.
    pub(crate) fn publish_notifications(&self, sent: Vec<notification::Model>) {
        for n in sent {
            self.events.publish(Event::Notification {
                org: n.organization_id,
                user: n.user_id,
                id: n.id,
                title: n.title,
                body: n.body,
                created_at: n.created_at,
            });
        }
    }
}

async fn canonical<C: ConnectionTrait>(db: &C, org: Uuid, id: Uuid) -> Result<feature_request::Model, AppError> {
    let mut r = feature_request::Entity::find_by_id(id)
        .filter(feature_request::Column::OrganizationId.eq(org))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("feature request"))?;
    // Follow merges (a short chain at most; merges always point at a live request).
    for _ in 0..8 {
        match r.merged_into {
            Some(target) => {
                r = feature_request::Entity::find_by_id(target)
                    .one(db)
                    .await?
                    .ok_or(AppError::NotFound("feature request"))?
            }
            None => break,
        }
    }
    Ok(r)
}

/// The figures one feature request is ranked by, as the database computed them.
#[derive(Debug, Clone, Copy)]
struct RankFigures {
    id: Uuid,
    asks: i64,
    open_pipeline_minor: i64,
    recurring_monthly_minor: i64,
}

/// One page of the ranking of the organization's live (unmerged) feature requests. Per
/// request: the asks; the open pipeline, the estimates of the distinct deals asking that are in
/// an open stage; the monthly recurring revenue of the distinct accounts asking, their ACTIVE
/// subscriptions; and the revenue at stake, `revenue_at_stake` (pipeline + 12 × monthly, each
/// step saturating at the i64 bounds). Ordered by stake, then asks (both descending), then id,
/// or by the `RequestOrder` asked for (ties broken by id, so a cursor is one exact position).
/// The page starts after the cursor's request in that order (the cursor is found among every
/// live request, so one that no longer meets the filter still marks its place); a cursor that
/// is not a live request of the organization starts it from the top.
///
/// `$1` organization, `$2` cursor (or NULL), `$3` row limit, `$4`/`$5` the i64 bounds, `$6`
/// the ACTIVE status, `{open}` the open stages' placeholders, `{only}` empty or the condition
/// that keeps one request, `{least}`/`{greatest}` the engine's scalar minimum and maximum,
/// `{filter}` empty or the list filter's `r.id IN (…) AND `, `{position}` where the rows lie
/// against the cursor row `c` (ahead of it for a page, at or behind it for the probe), and
/// `{order}` the walking order.
const RANKED_PAGE_SQL: &str = "\
WITH ask_counts AS ( \
    SELECT request_id, COUNT(*) AS asks FROM feature_asks WHERE organization_id = $1 GROUP BY request_id \
), deals AS ( \
    SELECT DISTINCT request_id, opportunity_id FROM feature_asks \
    WHERE organization_id = $1 AND opportunity_id IS NOT NULL \
), pipeline AS ( \
    SELECT d.request_id, SUM(o.estimated_value_minor) AS minor FROM deals d \
    JOIN opportunities o ON o.id = d.opportunity_id WHERE o.stage IN ({open}) GROUP BY d.request_id \
), asking AS ( \
    SELECT DISTINCT request_id, account_id FROM feature_asks WHERE organization_id = $1 \
), recurring AS ( \
    SELECT a.request_id, SUM(s.mrr_minor) AS minor FROM asking a \
    JOIN subscriptions s ON s.account_id = a.account_id WHERE s.status = $6 GROUP BY a.request_id \
), figures AS ( \
    SELECT r.id, CAST(COALESCE(k.asks, 0) AS BIGINT) AS asks, \
        CAST(COALESCE(p.minor, 0) AS BIGINT) AS pipeline, CAST(COALESCE(m.minor, 0) AS BIGINT) AS recurring \
    , r.updated_at, r.title FROM feature_requests r \
    LEFT JOIN ask_counts k ON k.request_id = r.id \
    LEFT JOIN pipeline p ON p.request_id = r.id \
    LEFT JOIN recurring m ON m.request_id = r.id \
    WHERE r.organization_id = $1 AND r.merged_into IS NULL{only} \
), ranked AS ( \
    SELECT id, asks, pipeline, recurring, updated_at, title, CAST({least}({greatest}(CAST(pipeline AS NUMERIC) + \
        {least}({greatest}(CAST(recurring AS NUMERIC) * 12, $4), $5), $4), $5) AS BIGINT) AS stake \
    FROM figures \
), resume AS ( \
    SELECT id, asks, stake, updated_at, title FROM ranked WHERE id = $2 \
) \
SELECT r.id, r.asks, r.pipeline, r.recurring FROM ranked r LEFT JOIN resume c ON 1 = 1 \
WHERE {filter}({position}) ORDER BY {order} LIMIT $3";

/// What `productView.featureRequests` is sorted by; ties are broken by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestOrder {
    /// Revenue at stake, then asks, then id (ascending when the stake descends): the ranking.
    #[default]
    RevenueAtStake,
    /// Creation: the id order.
    Created,
    Updated,
    Title,
}

/// `productView.featureRequests(filter:)`: every condition given must hold. Owner and team do
/// not apply (a request belongs to the organization, not to a rep); the text is looked for in
/// the title.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub common: crate::kernel::scope::ListFilter,
    pub statuses: Vec<FeatureStatus>,
}

/// The keyset columns of an order (of the `ranked` rows), each with whether it descends.
fn order_keys(order: RequestOrder, descending: bool) -> Vec<(&'static str, bool)> {
    match order {
        RequestOrder::RevenueAtStake => vec![("stake", descending), ("asks", descending), ("id", !descending)],
        RequestOrder::Created => vec![("id", descending)],
        RequestOrder::Updated => vec![("updated_at", descending), ("id", descending)],
        RequestOrder::Title => vec![("title", descending), ("id", descending)],
    }
}

/// `r` strictly after `c` in the order of `keys`, and the `ORDER BY` of that order.
fn keyset_sql(keys: &[(&str, bool)]) -> (String, String) {
    let cmp = |desc: bool| if desc { "<" } else { ">" };
    let beyond: Vec<String> = (0..keys.len())
        .map(|i| {
            let mut parts: Vec<String> = keys[..i].iter().map(|(k, _)| format!("r.{k} = c.{k}")).collect();
            parts.push(format!("r.{} {} c.{}", keys[i].0, cmp(keys[i].1), keys[i].0));
            format!("({})", parts.join(" AND "))
        })
        .collect();
    let order: Vec<String> =
        keys.iter().map(|(k, desc)| format!("r.{k} {}", if *desc { "DESC" } else { "ASC" })).collect();
    (beyond.join(" OR "), order.join(", "))
}

/// The ranking's statement for this engine with its bound values.
/// `only` narrows the ranking to one request (its figures, for `node(id)`); `filter` is the
/// list filter's query of request ids, built for the engine with its own numbering.
fn ranked_page_statement<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    req: PageRequest,
    only: Option<Uuid>,
    (order, descending): (RequestOrder, bool),
    filter: Option<sea_orm::Statement>,
    probe: bool,
) -> sea_orm::Statement {
    let open: Vec<&str> = Stage::ALL.iter().filter(|s| s.is_open()).map(|s| s.as_str()).collect();
    let (least, greatest) = match db.get_database_backend() {
        DbBackend::Sqlite => ("MIN", "MAX"),
        _ => ("LEAST", "GREATEST"),
    };
    let placeholders: Vec<String> = (0..open.len()).map(|i| format!("${}", i + 7)).collect();
    let only_sql = match only {
        Some(_) => format!(" AND r.id = ${}", open.len() + 7),
        None => String::new(),
    };
    // Paging backward walks the order the other way from `before`; the caller turns the page
    // around. The probe looks the other way from the cursor for one row.
    let cursor = if req.backward { req.before } else { req.after };
    let limit = if probe { 1 } else { req.first + 1 };
    let mut values: Vec<Value> = vec![
        org.into(),
        cursor.into(),
        // `first` is at most `MAX_PAGE`; one more row tells whether a next page exists.
        i64::try_from(limit).unwrap_or(i64::MAX).into(),
        i64::MIN.into(),
        i64::MAX.into(),
        "ACTIVE".into(),
    ];
    values.extend(open.into_iter().map(Value::from));
    values.extend(only.map(Value::from));
    let filter_sql = match filter {
        Some(f) => {
            let sql = format!("r.id IN ({}) AND ", crate::kernel::sql::shifted(&f.sql, values.len()));
            values.extend(f.values.map(|v| v.0).unwrap_or_default());
            sql
        }
        None => String::new(),
    };
    let (ahead, order_sql) = keyset_sql(&order_keys(order, descending != req.backward));
    let position =
        if probe { format!("c.id IS NOT NULL AND NOT ({ahead})") } else { format!("c.id IS NULL OR {ahead}") };
    let sql = RANKED_PAGE_SQL
        .replace("{open}", &placeholders.join(", "))
        .replace("{only}", &only_sql)
        .replace("{least}", least)
        .replace("{greatest}", greatest)
        .replace("{filter}", &filter_sql)
        .replace("{position}", &position)
        .replace("{order}", &order_sql);
    crate::kernel::sql::statement(db, &sql, values)
}

/// The figures of the requested page of the ranking (one row more than the page, to tell
/// whether a next page exists), best first.
async fn ranked_page<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    req: PageRequest,
    only: Option<Uuid>,
    order: (RequestOrder, bool),
    filter: Option<sea_orm::Statement>,
    probe: bool,
) -> Result<Vec<RankFigures>, AppError> {
    let rows = db.query_all_raw(ranked_page_statement(db, org, req, only, order, filter, probe)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(RankFigures {
            id: r.try_get("", "id")?,
            asks: r.try_get("", "asks")?,
            open_pipeline_minor: r.try_get("", "pipeline")?,
            recurring_monthly_minor: r.try_get("", "recurring")?,
        });
    }
    Ok(out)
}

/// What a page of ranked requests shows besides its figures: the requests, their asks (oldest
/// first) and the names of the accounts asking.
struct PageDetails {
    requests: HashMap<Uuid, feature_request::Model>,
    asks: HashMap<Uuid, Vec<feature_ask::Model>>,
    names: HashMap<Uuid, String>,
}

/// The details of the page's requests, loaded for just those requests.
async fn page_details<C: ConnectionTrait>(db: &C, org: Uuid, ids: &[Uuid]) -> Result<PageDetails, AppError> {
    if ids.is_empty() {
        return Ok(PageDetails { requests: HashMap::new(), asks: HashMap::new(), names: HashMap::new() });
    }
    let requests = feature_request::Entity::find()
        .filter(feature_request::Column::OrganizationId.eq(org))
        .filter(feature_request::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut asks: HashMap<Uuid, Vec<feature_ask::Model>> = HashMap::new();
    for a in feature_ask::Entity::find()
        .filter(feature_ask::Column::OrganizationId.eq(org))
        .filter(feature_ask::Column::RequestId.is_in(ids.iter().copied()))
        .order_by_asc(feature_ask::Column::CreatedAt)
        .order_by_asc(feature_ask::Column::Id)
        .all(db)
        .await?
    {
        asks.entry(a.request_id).or_default().push(a);
    }
    let accounts: BTreeSet<Uuid> = asks.values().flatten().map(|a| a.account_id).collect();
    let names = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(account::Column::Name)
        .filter(account::Column::Id.is_in(accounts))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(PageDetails { requests, asks, names })
}

impl PageDetails {
    /// The account's name, empty when the account is gone.
    fn name(&self, account: Uuid) -> String {
        self.names.get(&account).cloned().unwrap_or_default()
    }

    /// The ranked request of one row of the ranking; `None` when the request is no longer
    /// there (merged or removed since it was ranked).
    fn ranked(&mut self, f: RankFigures) -> Option<RankedRequest> {
        let request = self.requests.remove(&f.id)?;
        let mine = self.asks.remove(&f.id).unwrap_or_default();
        let accounts: BTreeSet<Uuid> = mine.iter().map(|a| a.account_id).collect();
        let mut pain_points: Vec<PainPoint> = mine
            .iter()
            .filter_map(|a| {
                Some(PainPoint {
                    account_id: a.account_id,
                    account_name: self.name(a.account_id),
                    text: a.pain_point.clone()?,
                    asked_at: a.created_at,
                })
            })
            .collect();
        pain_points.sort_by_key(|p| p.asked_at);
        Some(RankedRequest {
            pain_points,
            asks: f.asks,
            accounts: accounts.iter().map(|a| (*a, self.name(*a))).collect(),
            open_pipeline_minor: f.open_pipeline_minor,
            recurring_monthly_minor: f.recurring_monthly_minor,
            revenue_at_stake_minor: revenue_at_stake(f.open_pipeline_minor, f.recurring_monthly_minor),
            request,
        })
    }
}

impl App {
    /// `fileFeatureRequest`: sales or customer success records that an account (and maybe a
    /// deal) needs something; joins an existing request when `requestId` is given.
    /// Returns the request the ask joined (or opened) and the ask.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn file_feature_request(
        &self,
        actor: &Actor,
        ask: NewAsk,
    ) -> Result<(feature_request::Model, feature_ask::Model), AppError> {
        let title = text::optional(ask.title.as_deref(), text::SHORT_TEXT_MAX).map_err(AppError::text("title"))?;
        let description =
            text::optional(ask.description.as_deref(), text::LONG_TEXT_MAX).map_err(AppError::text("description"))?;
        let pain =
            text::optional(ask.pain_point.as_deref(), text::LONG_TEXT_MAX).map_err(AppError::text("painPoint"))?;
        if ask.request_id.is_none() && title.is_none() {
            return Err(AppError::bad_input("title", "a new feature request needs a title"));
        }
        let asker = actor.person(Action::FileFeatureRequest)?;
        let txn = self.tx().await?;
        let acc = crate::kernel::gate::account(&txn, actor, ask.account_id, Action::FileFeatureRequest).await?;
        if let Some(o) = ask.opportunity_id {
            opportunity::Entity::find_by_id(o)
                .filter(opportunity::Column::OrganizationId.eq(actor.org_id))
                .filter(opportunity::Column::AccountId.eq(acc.id))
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound("opportunity"))?;
        }
        let now = Utc::now();
        let request = match ask.request_id {
            Some(id) => canonical(&txn, actor.org_id, id).await?,
            None => {
                let r = feature_request::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    organization_id: Set(actor.org_id),
                    title: Set(title.unwrap_or_default()),
                    description: Set(description),
                    status: Set(FeatureStatus::New.as_str().to_owned()),
                    merged_into: Set(None),
                    created_by: Set(asker),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&txn)
                .await?;
                audit::record(
                    &txn,
                    actor.org_id,
                    actor,
                    "fileFeatureRequest",
                    "feature_request",
                    r.id,
                    None::<&()>,
                    Some(&r),
                )
                .await?;
                r
            }
        };
        let a = feature_ask::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            request_id: Set(request.id),
            account_id: Set(acc.id),
            opportunity_id: Set(ask.opportunity_id),
            asked_by: Set(asker),
            pain_point: Set(pain),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        audit::commit(txn, actor, audit::Entry::new("fileFeatureRequest", "feature_ask", a.id, None::<&()>, Some(&a)))
            .await?;
        Ok((request, a))
    }

    /// `mergeFeatureRequests` (PRODUCT): the duplicate's asks move to the surviving request.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn merge_feature_requests(
        &self,
        actor: &Actor,
        duplicate: Uuid,
        into: Uuid,
    ) -> Result<feature_request::Model, AppError> {
        actor.authorize(Action::MergeFeatureRequests)?;
        let txn = self.tx().await?;
        let dup = canonical(&txn, actor.org_id, duplicate).await?;
        let target = canonical(&txn, actor.org_id, into).await?;
        if dup.id == target.id {
            return Err(AppError::bad_input("duplicateId", "a request cannot be merged into itself"));
        }
        feature_ask::Entity::update_many()
            .col_expr(feature_ask::Column::RequestId, sea_orm::sea_query::Expr::value(target.id))
            .filter(feature_ask::Column::RequestId.eq(dup.id))
            .exec(&txn)
            .await?;
        let mut am = dup.clone().into_active_model();
        am.merged_into = Set(Some(target.id));
        am.bump(dup.version, Utc::now());
        let after = am.update(&txn).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("mergeFeatureRequests", "feature_request", dup.id, Some(&dup), Some(&after)),
        )
        .await?;
        Ok(target)
    }

    /// `setFeatureRequestStatus` (PRODUCT): everyone who asked is notified.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn set_feature_request_status(
        &self,
        actor: &Actor,
        id: Uuid,
        status: FeatureStatus,
        note: Option<String>,
    ) -> Result<feature_request::Model, AppError> {
        let note = text::optional(note.as_deref(), text::LONG_TEXT_MAX).map_err(AppError::text("note"))?;
        actor.authorize(Action::SetFeatureRequestStatus)?;
        let txn = self.tx().await?;
        let before = canonical(&txn, actor.org_id, id).await?;
        let mut am = before.clone().into_active_model();
        am.status = Set(status.as_str().to_owned());
        am.bump(before.version, Utc::now());
        let after = am.update(&txn).await?;
        let askers: BTreeSet<Uuid> = feature_ask::Entity::find()
            .filter(feature_ask::Column::RequestId.eq(after.id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|a| a.asked_by)
            .collect();
        let title = format!("Feature request {}: {}", status.as_str(), after.title);
        let body = note.unwrap_or_else(|| format!("Product set \"{}\" to {}.", after.title, status.as_str()));
        let mut sent = Vec::new();
        for user in askers {
            sent.push(notify(&txn, actor.org_id, user, &title, &body).await?);
        }
        audit::commit(
            txn,
            actor,
            audit::Entry::new("setFeatureRequestStatus", "feature_request", id, Some(&before), Some(&after)),
        )
        .await?;
        self.publish_notifications(sent);
        Ok(after)
    }

    /// Open feature requests ranked by revenue at stake, then by how many asked.
    ///
    /// The database ranks (see [`RANKED_PAGE_SQL`]) and returns only the page; the page's
    /// requests, asks and account names are then loaded for just those rows.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn ranked_feature_requests(
        &self,
        actor: &Actor,
        filter: &RequestFilter,
        order: (RequestOrder, bool),
        req: PageRequest,
    ) -> Result<Page<RankedRequest>, AppError> {
        use feature_request::Column as F;
        actor.authorize(Action::ProductView)?;
        let org = actor.org_id;
        let live = feature_request::Entity::find().filter(F::OrganizationId.eq(org)).filter(F::MergedInto.is_null());
        let mut narrowed =
            self.narrowed(live, org, &filter.common, (None, F::CreatedAt, F::UpdatedAt), &[F::Title]).await?;
        if !filter.statuses.is_empty() {
            narrowed = narrowed.filter(F::Status.is_in(filter.statuses.iter().map(|s| s.as_str())));
        }
        let total = crate::kernel::page::total(&narrowed, &req, &self.db).await?;
        // The filter is one query of request ids, the same one the total counted, so the page
        // and the count cannot disagree about which requests match (none without a filter).
        let filtered = !filter.statuses.is_empty() || filter.common != crate::kernel::scope::ListFilter::default();
        let ids = filtered.then(|| {
            use sea_orm::QueryTrait;
            narrowed.select_only().column(F::Id).build(self.db.get_database_backend())
        });
        let figures = ranked_page(&self.db, org, req.clone(), None, order, ids.clone(), false).await?;
        // Requests on the other side of the cursor: one probe, only when the caller asked.
        let cursor = if req.backward { req.before } else { req.after };
        let behind = cursor.is_some()
            && req.probe
            && !ranked_page(&self.db, org, req.clone(), None, order, ids, true).await?.is_empty();
        let page = Page::from_walked(figures, &req, behind, total);
        let page_ids: Vec<Uuid> = page.items.iter().map(|f| f.id).collect();
        let mut details = page_details(&self.db, org, &page_ids).await?;
        let items = page.items.into_iter().filter_map(|f| details.ranked(f)).collect();
        Ok(Page {
            items,
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            total_count: page.total_count,
            cursors: page.cursors,
        })
    }

    /// `node(id)` for a feature request: the same figures as in the ranking, for one live
    /// request; NOT_FOUND for a merged one (its asks live on in the request it was merged into).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn feature_request(&self, actor: &Actor, id: Uuid) -> Result<RankedRequest, AppError> {
        actor.authorize(Action::ProductView)?;
        let req = PageRequest::parse(Some(1), None)?;
        let figures = ranked_page(&self.db, actor.org_id, req, Some(id), Default::default(), None, false).await?;
        let mut details = page_details(&self.db, actor.org_id, &[id]).await?;
        figures.into_iter().find_map(|f| details.ranked(f)).ok_or(AppError::NotFound("feature request"))
    }

    /// The caller's notifications, newest first.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn notifications(&self, actor: &Actor, unread_only: bool) -> Result<Vec<notification::Model>, AppError> {
        let Some(me) = actor.user_id() else { return Ok(vec![]) };
        let mut q = notification::Entity::find().filter(notification::Column::UserId.eq(me));
        if unread_only {
            q = q.filter(notification::Column::ReadAt.is_null());
        }
        Ok(q.order_by_desc(notification::Column::Id).limit(100).all(&self.db).await?)
    }

    /// `markNotificationRead`: only the caller's own.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn mark_notification_read(&self, actor: &Actor, id: Uuid) -> Result<notification::Model, AppError> {
        let me = actor.user_id().ok_or(AppError::NotFound("notification"))?;
        let txn = self.tx().await?;
        let n = notification::Entity::find_by_id(id)
            .filter(notification::Column::UserId.eq(me))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("notification"))?;
        if n.read_at.is_some() {
            return Ok(n);
        }
        let mut am = n.into_active_model();
        am.read_at = Set(Some(Utc::now()));
        let after = am.update(&txn).await?;
        txn.commit().await?;
        Ok(after)
    }
}

/// A release note with who learned it and who has not yet.
#[derive(Debug, Clone)]
pub struct ReleaseNoteStatus {
    pub note: baton_store::entity::release_note::Model,
    pub acknowledged: Vec<baton_store::entity::user::Model>,
    pub pending: Vec<baton_store::entity::user::Model>,
}

/// The roles that must learn release notes.
const LEARNERS: [baton_domain::Role; 5] = [
    baton_domain::Role::Sdr,
    baton_domain::Role::AccountExecutive,
    baton_domain::Role::SalesManager,
    baton_domain::Role::CustomerSuccess,
    baton_domain::Role::CsManager,
];

impl App {
    /// `publishReleaseNote` (PRODUCT): every sales and CS user is notified and must acknowledge it.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn publish_release_note(
        &self,
        actor: &Actor,
        title: &str,
        body: &str,
    ) -> Result<baton_store::entity::release_note::Model, AppError> {
        use baton_store::entity::release_note;
        let title = text::required_short(title).map_err(AppError::text("title"))?;
        let body = text::required_long(body).map_err(AppError::text("body"))?;
        actor.authorize(Action::PublishReleaseNote)?;
        let author = actor.person(Action::PublishReleaseNote)?;
        let txn = self.tx().await?;
        let note = release_note::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            title: Set(title),
            body: Set(body),
            published_by: Set(author),
            published_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        let mut sent = Vec::new();
        for u in self.learners(&txn, actor.org_id).await? {
            sent.push(
                notify(
                    &txn,
                    actor.org_id,
                    u.id,
                    &format!("Release note: {}", note.title),
                    "Read it and acknowledge that you learned it.",
                )
                .await?,
            );
        }
        audit::commit(
            txn,
            actor,
            audit::Entry::new("publishReleaseNote", "release_note", note.id, None::<&()>, Some(&note)),
        )
        .await?;
        self.publish_notifications(sent);
        Ok(note)
    }

    async fn learners<C: ConnectionTrait>(
        &self,
        db: &C,
        org: Uuid,
    ) -> Result<Vec<baton_store::entity::user::Model>, AppError> {
        use baton_store::entity::user;
        Ok(crate::kernel::auth::holders_of(org, &LEARNERS)
            .filter(user::Column::Active.eq(true))
            .order_by_asc(user::Column::Name)
            .all(db)
            .await?)
    }

    /// `acknowledgeReleaseNote`: the caller learned it (idempotent).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn acknowledge_release_note(&self, actor: &Actor, note_id: Uuid) -> Result<(), AppError> {
        use baton_store::entity::{release_acknowledgement, release_note};
        actor.authorize(Action::AcknowledgeReleaseNote)?;
        let me = actor.person(Action::AcknowledgeReleaseNote)?;
        let txn = self.tx().await?;
        let note = release_note::Entity::find_by_id(note_id)
            .filter(release_note::Column::OrganizationId.eq(actor.org_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("release note"))?;
        if release_acknowledgement::Entity::find_by_id((note.id, me)).one(&txn).await?.is_none() {
            let a = release_acknowledgement::ActiveModel {
                note_id: Set(note.id),
                user_id: Set(me),
                organization_id: Set(actor.org_id),
                acknowledged_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
            audit::record(
                &txn,
                actor.org_id,
                actor,
                "acknowledgeReleaseNote",
                "release_note",
                note.id,
                None::<&()>,
                Some(&a),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Release notes, newest first, with who acknowledged them and who has not.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn release_notes(&self, actor: &Actor) -> Result<Vec<ReleaseNoteStatus>, AppError> {
        self.release_notes_where(actor, None).await
    }

    /// One release note with who acknowledged it and who has not.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn release_note(&self, actor: &Actor, id: Uuid) -> Result<ReleaseNoteStatus, AppError> {
        self.release_notes_where(actor, Some(id)).await?.pop().ok_or(AppError::NotFound("release note"))
    }

    async fn release_notes_where(&self, actor: &Actor, id: Option<Uuid>) -> Result<Vec<ReleaseNoteStatus>, AppError> {
        use baton_store::entity::{release_acknowledgement, release_note};
        let mut notes = release_note::Entity::find().filter(release_note::Column::OrganizationId.eq(actor.org_id));
        let mut acks = release_acknowledgement::Entity::find()
            .filter(release_acknowledgement::Column::OrganizationId.eq(actor.org_id));
        if let Some(id) = id {
            notes = notes.filter(release_note::Column::Id.eq(id));
            acks = acks.filter(release_acknowledgement::Column::NoteId.eq(id));
        }
        let notes = notes.order_by_desc(release_note::Column::Id).all(&self.db).await?;
        let acks = acks.all(&self.db).await?;
        let learners = self.learners(&self.db, actor.org_id).await?;
        Ok(notes
            .into_iter()
            .map(|n| {
                let (acknowledged, pending) =
                    learners.iter().cloned().partition(|u| acks.iter().any(|a| a.note_id == n.id && a.user_id == u.id));
                ReleaseNoteStatus { note: n, acknowledged, pending }
            })
            .collect())
    }
}
