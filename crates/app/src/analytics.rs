//! KPIs for a period and a scope (rep, team, organization), each with the rows it came from,
//! and win/loss reviews aggregated per period.

use crate::opportunities::gate_opportunity;
use crate::{Actor, App, AppError, Owners, audit};
use baton_domain::kpi::{mean, rate};
use baton_domain::lead::LeadStatus;
use baton_domain::opportunity::Stage;
use baton_domain::permission::Action;
use baton_domain::{Scope, text};
use baton_store::entity::{
    activity, audit_log, audit_payload, campaign, contract, invoice, lead, opportunity, sla_clock, win_loss_review,
};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

/// One row behind a figure.
#[derive(Debug, Clone)]
pub struct DrillRow {
    pub entity_type: String,
    pub entity_id: Uuid,
    pub label: String,
    pub value: Option<Decimal>,
}

/// One KPI: its value, what it was computed from, and the rows.
#[derive(Debug, Clone)]
pub struct Figure {
    pub key: String,
    pub value: Decimal,
    pub numerator: Decimal,
    pub denominator: Decimal,
    pub rows: Vec<DrillRow>,
}

/// Counts per reason, for the review meeting, and the reviews themselves with their lessons.
#[derive(Debug, Clone, Default)]
pub struct WinLoss {
    pub won_by_reason: Vec<(String, i64)>,
    pub lost_by_reason: Vec<(String, i64)>,
    pub competitors: Vec<(String, i64)>,
    pub leads_lost_by_stage: Vec<(String, i64)>,
    /// The reviews of the period's closed deals with the deal's name, newest first.
    pub reviews: Vec<(win_loss_review::Model, String)>,
}

fn within(t: Option<DateTime<Utc>>, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    t.is_some_and(|t| t >= from && t < to)
}

fn money(minor: i64) -> Decimal {
    crate::leads::from_minor(minor)
}

/// The contracts signed for the organization's deals; only those signed in `[from, to)` when a
/// period is given.
pub(crate) async fn signed_contracts<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    period: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<Vec<contract::Model>, AppError> {
    let mut q = contract::Entity::find()
        .filter(contract::Column::OrganizationId.eq(org))
        .filter(contract::Column::SignedAt.is_not_null());
    if let Some((from, to)) = period {
        q = q.filter(contract::Column::SignedAt.gte(from)).filter(contract::Column::SignedAt.lt(to));
    }
    Ok(q.all(db).await?)
}

/// What a won deal brought in: the value of the contract signed for it, never the opportunity's
/// estimate. Sales' revenue figures and marketing's won revenue per campaign and per source all
/// count this, so the departments report the same number for the same deal.
pub(crate) fn won_revenue(signed: &[contract::Model], deal: Uuid) -> i64 {
    signed.iter().filter(|c| c.opportunity_id == deal).map(|c| c.value_minor).sum()
}

fn counted(map: BTreeMap<String, i64>) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// The rows of `column` a scope reaches: every row for the whole organization, else those
/// whose owner is one of the scope's users (never an unowned row).
fn owned_by(column: impl ColumnTrait, owners: &Owners) -> Condition {
    match owners {
        Owners::All => Condition::all(),
        Owners::Only(ids) => Condition::all().add(column.is_in(ids.iter().copied())),
    }
}

/// The rows whose `column` falls in `[from, to)`.
fn in_period<T: Into<sea_orm::Value> + Copy>(column: impl ColumnTrait, from: T, to: T) -> Condition {
    Condition::all().add(column.gte(from)).add(column.lt(to))
}

/// The ids of the organization's opportunities a scope reaches, as a subquery.
fn scoped_opportunity_ids(org: Uuid, owners: &Owners) -> SelectStatement {
    Query::select()
        .column(opportunity::Column::Id)
        .from(opportunity::Entity)
        .cond_where(
            Condition::all()
                .add(opportunity::Column::OrganizationId.eq(org))
                .add(owned_by(opportunity::Column::OwnerId, owners)),
        )
        .to_owned()
}

/// The leads created in the period in the scope, per source: how many, grouped by the database.
async fn leads_per_source<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    owners: &Owners,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<BTreeMap<String, i64>, AppError> {
    Ok(lead::Entity::find()
        .select_only()
        .column(lead::Column::Source)
        .column_as(lead::Column::Id.count(), "leads")
        .filter(lead::Column::OrganizationId.eq(org))
        .filter(in_period(lead::Column::CreatedAt, from, to))
        .filter(owned_by(lead::Column::OwnerId, owners))
        .group_by(lead::Column::Source)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// The converted leads among those created in the period in the scope: (id, company, source).
async fn converted_leads<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    owners: &Owners,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<(Uuid, String, String)>, AppError> {
    Ok(lead::Entity::find()
        .select_only()
        .column(lead::Column::Id)
        .column(lead::Column::CompanyName)
        .column(lead::Column::Source)
        .filter(lead::Column::OrganizationId.eq(org))
        .filter(in_period(lead::Column::CreatedAt, from, to))
        .filter(owned_by(lead::Column::OwnerId, owners))
        .filter(lead::Column::Status.eq(LeadStatus::Converted.as_str()))
        .order_by_asc(lead::Column::Id)
        .into_tuple()
        .all(db)
        .await?)
}

/// The scope's opportunities the period's figures read: those closed or created in the period
/// and those with a contract signed in it.
async fn period_opportunities<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    owners: &Owners,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<opportunity::Model>, AppError> {
    let signed = Query::select()
        .column(contract::Column::OpportunityId)
        .from(contract::Entity)
        .cond_where(Condition::all().add(contract::Column::OrganizationId.eq(org)).add(in_period(
            contract::Column::SignedAt,
            from,
            to,
        )))
        .to_owned();
    Ok(opportunity::Entity::find()
        .filter(opportunity::Column::OrganizationId.eq(org))
        .filter(owned_by(opportunity::Column::OwnerId, owners))
        .filter(
            Condition::any()
                .add(in_period(opportunity::Column::ClosedAt, from, to))
                .add(in_period(opportunity::Column::CreatedAt, from, to))
                .add(opportunity::Column::Id.in_subquery(signed)),
        )
        .order_by_asc(opportunity::Column::Id)
        .all(db)
        .await?)
}

/// The contracts signed in the period for the scope's opportunities.
async fn scoped_signed_contracts<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    owners: &Owners,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<contract::Model>, AppError> {
    Ok(contract::Entity::find()
        .filter(contract::Column::OrganizationId.eq(org))
        .filter(in_period(contract::Column::SignedAt, from, to))
        .filter(contract::Column::OpportunityId.in_subquery(scoped_opportunity_ids(org, owners)))
        .order_by_asc(contract::Column::Id)
        .all(db)
        .await?)
}

/// How many SLA clocks started in the period in the scope, counted by the database.
async fn sla_clock_count<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    owners: &Owners,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<i64, AppError> {
    let n = sla_clock::Entity::find()
        .filter(sla_clock::Column::OrganizationId.eq(org))
        .filter(in_period(sla_clock::Column::StartedAt, from, to))
        .filter(owned_by(sla_clock::Column::OwnerId, owners))
        .count(db)
        .await?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

impl App {
    /// The scope a caller asked for, never wider than its permission.
    fn kpi_owners(&self, actor: &Actor, requested: Option<Scope>) -> Result<Owners, AppError> {
        let allowed = actor.authorize(Action::SalesView)?;
        let scope = requested.map(|r| r.min(allowed)).unwrap_or(allowed);
        Ok(actor.owners(scope))
    }

    /// The KPIs of the period `[from, to)` for the requested scope.
    pub async fn kpis(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        requested: Option<Scope>,
    ) -> Result<Vec<Figure>, AppError> {
        if to <= from {
            return Err(AppError::bad_input("to", "must be after from"));
        }
        let owners = self.kpi_owners(actor, requested)?;
        let org = actor.org_id;
        let figure = |key: String, num: Decimal, den: Decimal, value: Decimal, rows: Vec<DrillRow>| Figure {
            key,
            value,
            numerator: num,
            denominator: den,
            rows,
        };
        let mut out = Vec::new();

        let period = (from, to);

        // Lead conversion, overall and per source, for leads created in the period: the
        // database counts the leads per source; only the converted ones (the rows) are read.
        let per_source = leads_per_source(&self.db, org, &owners, period).await?;
        let converted = converted_leads(&self.db, org, &owners, period).await?;
        let conv = |source: Option<&str>| -> (i64, Vec<DrillRow>) {
            let rows: Vec<DrillRow> = converted
                .iter()
                .filter(|(_, _, s)| source.is_none_or(|source| s == source))
                .map(|(id, company, _)| DrillRow {
                    entity_type: "lead".into(),
                    entity_id: *id,
                    label: company.clone(),
                    value: None,
                })
                .collect();
            (rows.len() as i64, rows)
        };
        let (n, rows) = conv(None);
        let d: i64 = per_source.values().sum();
        out.push(figure("leadConversionRate".into(), n.into(), d.into(), rate(n, d), rows));
        for (s, d) in &per_source {
            let (n, rows) = conv(Some(s));
            out.push(figure(format!("leadConversionRate:{s}"), n.into(), (*d).into(), rate(n, *d), rows));
        }

        // Deals closed in the period.
        let opps = period_opportunities(&self.db, org, &owners, period).await?;
        let closed: Vec<&opportunity::Model> = opps.iter().filter(|o| within(o.closed_at, from, to)).collect();
        let won: Vec<&&opportunity::Model> = closed.iter().filter(|o| o.stage == Stage::ClosedWon.as_str()).collect();
        let row = |o: &opportunity::Model, v: Option<Decimal>| DrillRow {
            entity_type: "opportunity".into(),
            entity_id: o.id,
            label: format!("{} ({})", o.name, o.stage),
            value: v,
        };
        out.push(figure(
            "winRate".into(),
            Decimal::from(won.len() as i64),
            Decimal::from(closed.len() as i64),
            rate(won.len() as i64, closed.len() as i64),
            closed.iter().map(|o| row(o, None)).collect(),
        ));
        let cycles: Vec<i64> = won.iter().filter_map(|o| o.closed_at.map(|c| (c - o.created_at).num_days())).collect();
        out.push(figure(
            "averageSalesCycleDays".into(),
            Decimal::from(cycles.iter().sum::<i64>()),
            Decimal::from(cycles.len() as i64),
            mean(&cycles),
            won.iter().map(|o| row(o, o.closed_at.map(|c| Decimal::from((c - o.created_at).num_days())))).collect(),
        ));
        let renewals: Vec<&&opportunity::Model> = closed.iter().filter(|o| o.kind == "RENEWAL").collect();
        let renewed = renewals.iter().filter(|o| o.stage == Stage::ClosedWon.as_str()).count() as i64;
        out.push(figure(
            "renewalRate".into(),
            renewed.into(),
            Decimal::from(renewals.len() as i64),
            rate(renewed, renewals.len() as i64),
            renewals.iter().map(|o| row(o, None)).collect(),
        ));

        // Revenue: contract value signed in the period.
        let opp_ids: HashMap<Uuid, &opportunity::Model> = opps.iter().map(|o| (o.id, o)).collect();
        let signed: Vec<contract::Model> = scoped_signed_contracts(&self.db, org, &owners, period)
            .await?
            .into_iter()
            .filter(|c| opp_ids.contains_key(&c.opportunity_id))
            .collect();
        let deals: BTreeSet<Uuid> = signed.iter().map(|c| c.opportunity_id).collect();
        let revenue: i64 = deals.iter().map(|d| won_revenue(&signed, *d)).sum();
        let crow = |c: &contract::Model| DrillRow {
            entity_type: "contract".into(),
            entity_id: c.id,
            label: opp_ids.get(&c.opportunity_id).map(|o| o.name.clone()).unwrap_or_default(),
            value: Some(money(c.value_minor)),
        };
        out.push(figure(
            "revenue".into(),
            money(revenue),
            Decimal::ONE,
            money(revenue),
            signed.iter().map(crow).collect(),
        ));
        let reps: BTreeSet<Uuid> =
            signed.iter().filter_map(|c| opp_ids.get(&c.opportunity_id).map(|o| o.owner_id)).collect();
        let per_rep = if reps.is_empty() {
            Decimal::ZERO
        } else {
            (money(revenue) / Decimal::from(reps.len() as i64)).round_dp(2)
        };
        out.push(figure(
            "revenuePerRep".into(),
            money(revenue),
            Decimal::from(reps.len() as i64),
            per_rep,
            signed.iter().map(crow).collect(),
        ));

        // Collection: paid over invoiced, for invoices issued in the period.
        let invoices: Vec<invoice::Model> = invoice::Entity::find()
            .filter(invoice::Column::OrganizationId.eq(org))
            .filter(in_period(invoice::Column::IssuedAt, from, to))
            .filter(invoice::Column::Status.ne("VOID"))
            .filter(invoice::Column::OpportunityId.in_subquery(scoped_opportunity_ids(org, &owners)))
            .order_by_asc(invoice::Column::Id)
            .all(&self.db)
            .await?;
        let (paid, billed): (i64, i64) =
            invoices.iter().fold((0, 0), |(p, b), i| (p + i.paid_minor, b + i.amount_minor));
        out.push(figure(
            "collectionRate".into(),
            money(paid),
            money(billed),
            rate(paid, billed),
            invoices
                .iter()
                .map(|i| DrillRow {
                    entity_type: "invoice".into(),
                    entity_id: i.id,
                    label: i.number.map(|n| format!("INV-{n:06}")).unwrap_or_default(),
                    value: Some(money(i.paid_minor)),
                })
                .collect(),
        ));

        // Activities by kind (visits and calls are the process measures).
        const KINDS: [&str; 5] = ["CALL", "VISIT", "MEETING", "DEMO", "EMAIL"];
        let acts: Vec<activity::Model> = activity::Entity::find()
            .filter(activity::Column::OrganizationId.eq(org))
            .filter(in_period(activity::Column::OccurredAt, from, to))
            .filter(owned_by(activity::Column::ActorId, &owners))
            .filter(activity::Column::Kind.is_in(KINDS))
            .order_by_asc(activity::Column::OccurredAt)
            .order_by_asc(activity::Column::Id)
            .all(&self.db)
            .await?;
        for kind in KINDS {
            let of: Vec<&activity::Model> = acts.iter().filter(|a| a.kind == kind).collect();
            let n = Decimal::from(of.len() as i64);
            out.push(figure(
                format!("activities:{kind}"),
                n,
                Decimal::ONE,
                n,
                of.iter()
                    .map(|a| DrillRow {
                        entity_type: "activity".into(),
                        entity_id: a.id,
                        label: a.notes.clone().unwrap_or_default(),
                        value: None,
                    })
                    .collect(),
            ));
        }

        // SLA breach rate of the clocks started in the period: the database counts the clocks;
        // only the breached ones (the rows) are read.
        let clocks = sla_clock_count(&self.db, org, &owners, period).await?;
        let breached: Vec<sla_clock::Model> = sla_clock::Entity::find()
            .filter(sla_clock::Column::OrganizationId.eq(org))
            .filter(in_period(sla_clock::Column::StartedAt, from, to))
            .filter(owned_by(sla_clock::Column::OwnerId, &owners))
            .filter(sla_clock::Column::BreachedAt.is_not_null())
            .order_by_asc(sla_clock::Column::Id)
            .all(&self.db)
            .await?;
        out.push(figure(
            "slaBreachRate".into(),
            Decimal::from(breached.len() as i64),
            Decimal::from(clocks),
            rate(breached.len() as i64, clocks),
            breached
                .iter()
                .map(|c| DrillRow {
                    entity_type: c.entity_type.clone(),
                    entity_id: c.entity_id,
                    label: c.kind.clone(),
                    value: None,
                })
                .collect(),
        ));

        // CAC: marketing spend of campaigns started in the period per new customer won in it.
        let campaigns: Vec<campaign::Model> = campaign::Entity::find()
            .filter(campaign::Column::OrganizationId.eq(org))
            .filter(in_period(campaign::Column::StartsOn, from.date_naive(), to.date_naive()))
            .order_by_asc(campaign::Column::Id)
            .all(&self.db)
            .await?;
        let spend: i64 = campaigns.iter().map(|c| c.spend_minor).sum();
        let new_customers: Vec<&&opportunity::Model> =
            won.iter().copied().filter(|o| o.kind == "NEW_BUSINESS").collect();
        let cac = if new_customers.is_empty() {
            Decimal::ZERO
        } else {
            (money(spend) / Decimal::from(new_customers.len() as i64)).round_dp(2)
        };
        out.push(figure(
            "customerAcquisitionCost".into(),
            money(spend),
            Decimal::from(new_customers.len() as i64),
            cac,
            new_customers.iter().map(|o| row(o, None)).collect(),
        ));

        // LTV: the average value of new customers' contracts, over the expected lifetime in
        // years (1 / (1 − renewal rate), capped at ten years; three years without renewal data).
        let acv: Vec<i64> =
            new_customers.iter().filter(|o| deals.contains(&o.id)).map(|o| won_revenue(&signed, o.id)).collect();
        let avg_value = mean(&acv) / Decimal::ONE_HUNDRED;
        let lifetime = if renewals.is_empty() {
            Decimal::from(3)
        } else {
            let churn = Decimal::ONE - rate(renewed, renewals.len() as i64);
            if churn <= Decimal::new(1, 1) { Decimal::from(10) } else { (Decimal::ONE / churn).round_dp(2) }
        };
        let mut ltv = (avg_value * lifetime).round_dp(2);
        ltv.rescale(2);
        out.push(figure(
            "lifetimeValue".into(),
            avg_value,
            lifetime,
            ltv,
            new_customers.iter().map(|o| row(o, None)).collect(),
        ));
        let ratio = if cac.is_zero() { Decimal::ZERO } else { (ltv / cac).round_dp(2) };
        // The ratio's rows are both sides: the new customers' contracts behind LTV and the
        // campaigns whose spend makes CAC.
        let ratio_rows = signed
            .iter()
            .filter(|c| new_customers.iter().any(|o| o.id == c.opportunity_id))
            .map(crow)
            .chain(campaigns.iter().map(|c| DrillRow {
                entity_type: "campaign".into(),
                entity_id: c.id,
                label: c.name.clone(),
                value: Some(money(c.spend_minor)),
            }))
            .collect();
        out.push(figure("ltvToCac".into(), ltv, cac, ratio, ratio_rows));

        // The stage funnel and the time spent in each stage, from the opportunities' history.
        let created: Vec<&opportunity::Model> =
            opps.iter().filter(|o| o.created_at >= from && o.created_at < to).collect();
        let history = audit_log::Entity::find()
            .filter(audit_log::Column::OrganizationId.eq(org))
            .filter(audit_log::Column::EntityId.is_in(created.iter().map(|o| o.id)))
            .filter(audit_log::Column::EntityType.eq("opportunity"))
            .all(&self.db)
            .await?;
        // The snapshots live in the erasable payloads (an erased one simply drops out).
        let after_of: HashMap<Uuid, serde_json::Value> = audit_payload::Entity::find()
            .filter(audit_payload::Column::AuditId.is_in(history.iter().map(|h| h.id)))
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|p| p.after.map(|a| (p.audit_id, a)))
            .collect();
        let open_stages = [
            Stage::Discovery,
            Stage::NeedsAnalysis,
            Stage::Demo,
            Stage::Proposal,
            Stage::Negotiation,
            Stage::Contracting,
        ];
        let mut furthest: HashMap<Uuid, usize> = HashMap::new();
        let mut in_stage: HashMap<&'static str, Vec<(&opportunity::Model, i64)>> = HashMap::new();
        for o in &created {
            let mut changes: Vec<(DateTime<Utc>, String)> = history
                .iter()
                .filter(|h| h.entity_id == o.id)
                .filter_map(|h| {
                    let stage = after_of.get(&h.id).and_then(|a| a.get("stage")).and_then(|s| s.as_str())?;
                    Some((h.created_at, stage.to_owned()))
                })
                .collect();
            changes.sort();
            let mut reached = 0;
            let (mut since, mut current) = (o.created_at, Stage::Discovery.as_str().to_owned());
            for (at, stage) in changes {
                if stage != current {
                    if let Some(s) = open_stages.iter().find(|s| s.as_str() == current) {
                        in_stage.entry(s.as_str()).or_default().push((o, (at - since).num_minutes()));
                    }
                    since = at;
                    current = stage;
                }
                let pos = match Stage::parse(&current) {
                    Some(Stage::ClosedWon) => open_stages.len(),
                    Some(s) => s.position().unwrap_or(0),
                    None => 0,
                };
                reached = reached.max(pos);
            }
            furthest.insert(o.id, reached);
        }
        for (i, stage) in open_stages.iter().chain([Stage::ClosedWon].iter()).enumerate() {
            let at: Vec<&&opportunity::Model> =
                created.iter().filter(|o| furthest.get(&o.id).copied().unwrap_or(0) >= i).collect();
            let n = Decimal::from(at.len() as i64);
            out.push(figure(
                format!("funnel:{}", stage.as_str()),
                n,
                Decimal::from(created.len() as i64),
                n,
                at.iter().map(|o| row(o, None)).collect(),
            ));
        }
        for stage in open_stages {
            let spells = in_stage.get(stage.as_str()).cloned().unwrap_or_default();
            let minutes: Vec<i64> = spells.iter().map(|(_, m)| *m).collect();
            let in_days = |m: Decimal| (m / Decimal::from(24 * 60)).round_dp(2).normalize();
            out.push(figure(
                format!("timeInStageDays:{}", stage.as_str()),
                Decimal::from(minutes.iter().sum::<i64>()),
                Decimal::from(minutes.len() as i64),
                in_days(mean(&minutes)),
                spells.iter().map(|(o, m)| row(o, Some(in_days(Decimal::from(*m))))).collect(),
            ));
        }
        Ok(out)
    }

    /// `recordWinLossReview`: why a closed deal was won or lost, against whom, and the lesson.
    pub async fn record_win_loss(
        &self,
        actor: &Actor,
        opportunity_id: Uuid,
        reason: &str,
        competitor: Option<String>,
        lessons: Option<String>,
    ) -> Result<win_loss_review::Model, AppError> {
        let reason = text::required_short(reason).map_err(AppError::text("primaryReason"))?;
        let competitor =
            text::optional(competitor.as_deref(), text::SHORT_TEXT_MAX).map_err(AppError::text("competitor"))?;
        let lessons = text::optional(lessons.as_deref(), text::LONG_TEXT_MAX).map_err(AppError::text("lessons"))?;
        let me = actor.user_id().ok_or_else(|| AppError::Forbidden(vec!["reviews are written by people".into()]))?;
        let txn = self.tx().await?;
        let o = gate_opportunity(&txn, actor, opportunity_id, Action::RecordWinLossReview).await?;
        let stage = Stage::parse(&o.stage).unwrap_or(Stage::Discovery);
        if stage.is_open() {
            return Err(AppError::rule("OPPORTUNITY_NOT_CLOSED", "only a won or lost deal is reviewed"));
        }
        if win_loss_review::Entity::find()
            .filter(win_loss_review::Column::OpportunityId.eq(o.id))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(AppError::rule("ALREADY_REVIEWED", "the deal already has its win/loss review"));
        }
        let r = win_loss_review::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            opportunity_id: Set(o.id),
            outcome: Set(if stage == Stage::ClosedWon { "WON" } else { "LOST" }.into()),
            primary_reason: Set(reason),
            competitor: Set(competitor),
            lessons: Set(lessons),
            reviewed_by: Set(me),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::record(&txn, actor.org_id, actor, "recordWinLossReview", "win_loss_review", r.id, None::<&()>, Some(&r))
            .await?;
        txn.commit().await?;
        Ok(r)
    }

    /// Win/loss reasons of deals closed in the period, and the leads lost per stage reached.
    pub async fn win_loss(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        requested: Option<Scope>,
    ) -> Result<WinLoss, AppError> {
        let owners = self.kpi_owners(actor, requested)?;
        let opps: HashMap<Uuid, opportunity::Model> = opportunity::Entity::find()
            .filter(opportunity::Column::OrganizationId.eq(actor.org_id))
            .all(&self.db)
            .await?
            .into_iter()
            .filter(|o| owners.contains(Some(o.owner_id)) && within(o.closed_at, from, to))
            .map(|o| (o.id, o))
            .collect();
        let reviews = win_loss_review::Entity::find()
            .filter(win_loss_review::Column::OrganizationId.eq(actor.org_id))
            .all(&self.db)
            .await?;
        let (mut won, mut lost, mut rivals) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        let mut read_back = Vec::new();
        for r in reviews.into_iter().filter(|r| opps.contains_key(&r.opportunity_id)) {
            *if r.outcome == "WON" { &mut won } else { &mut lost }.entry(r.primary_reason.clone()).or_insert(0) += 1;
            if let Some(c) = &r.competitor {
                *rivals.entry(c.clone()).or_insert(0) += 1;
            }
            let name = opps.get(&r.opportunity_id).map(|o| o.name.clone()).unwrap_or_default();
            read_back.push((r, name));
        }
        read_back.sort_by_key(|r| std::cmp::Reverse(r.0.id));
        // A disqualified lead's furthest stage shows in its row: priority set = QUALIFIED,
        // first contact recorded = CONTACTED, else NEW.
        let mut stages = BTreeMap::new();
        for l in lead::Entity::find()
            .filter(lead::Column::OrganizationId.eq(actor.org_id))
            .filter(lead::Column::Status.eq(LeadStatus::Disqualified.as_str()))
            .filter(lead::Column::UpdatedAt.gte(from))
            .filter(lead::Column::UpdatedAt.lt(to))
            .all(&self.db)
            .await?
            .into_iter()
            .filter(|l| owners.contains(l.owner_id))
        {
            let stage = if l.priority.is_some() {
                "QUALIFIED"
            } else if l.first_contacted_at.is_some() {
                "CONTACTED"
            } else {
                "NEW"
            };
            *stages.entry(stage.to_owned()).or_insert(0) += 1;
        }
        Ok(WinLoss {
            won_by_reason: counted(won),
            lost_by_reason: counted(lost),
            competitors: counted(rivals),
            leads_lost_by_stage: counted(stages),
            reviews: read_back,
        })
    }
}
