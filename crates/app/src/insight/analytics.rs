//! KPIs for a period and a scope (rep, team, organization), each with the rows it came from,
//! and win/loss reviews aggregated per period.

use crate::kernel::sql::{Sql, int};
use crate::{Actor, App, AppError, Owners, kernel::audit};
use baton_domain::kpi::{mean, mean_of, rate};
use baton_domain::lead::LeadStatus;
use baton_domain::opportunity::Stage;
use baton_domain::permission::Action;
use baton_domain::{Rule, Scope, text};
use baton_store::entity::{opportunity, win_loss_review};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, QueryResult, Set,
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// One row behind a figure.
#[derive(Debug, Clone)]
pub struct DrillRow {
    pub entity_type: String,
    pub entity_id: Uuid,
    pub label: String,
    pub value: Option<Decimal>,
}

/// What a figure's number measures, and so how many decimals it is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A number of things.
    Count,
    /// An amount in the organization's currency.
    Money,
    /// A share between 0 and 1.
    Rate,
    /// A number of days.
    Days,
    /// A number of minutes (the time in stage before it is averaged into days).
    Minutes,
    /// A number of years (the expected customer lifetime).
    Years,
    /// One amount divided by another (LTV to CAC).
    Ratio,
}

impl Unit {
    /// The fractional digits the unit is written with.
    pub fn scale(self) -> u32 {
        match self {
            Unit::Count | Unit::Minutes => 0,
            Unit::Money | Unit::Days | Unit::Years | Unit::Ratio => 2,
            Unit::Rate => 4,
        }
    }
}

/// A rate of counts: its value, numerator and denominator.
const RATE_OF_COUNTS: [Unit; 3] = [Unit::Rate, Unit::Count, Unit::Count];
/// A count, its numerator the same count.
const COUNT: [Unit; 3] = [Unit::Count, Unit::Count, Unit::Count];
/// An amount, summed or averaged over a number of things.
const MONEY_PER_COUNT: [Unit; 3] = [Unit::Money, Unit::Money, Unit::Count];

/// One KPI: its value, what it was computed from, and the rows.
#[derive(Debug, Clone)]
pub struct Figure {
    pub key: String,
    /// The units of `value`, `numerator` and `denominator`.
    pub units: [Unit; 3],
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
    /// The newest [`REVIEWS_SHOWN`] reviews of the period's closed deals with the deal's name.
    pub reviews: Vec<(win_loss_review::Model, String)>,
}

/// How many of a period's win/loss reviews `winLoss.reviews` shows, newest first (the counts
/// cover them all).
pub const REVIEWS_SHOWN: usize = 100;

fn money(minor: i64) -> Decimal {
    Decimal::new(minor, baton_domain::money::LEDGER_DIGITS)
}

fn counted(map: BTreeMap<String, i64>) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Every KPI returns at most this many drill-down rows of each kind: the first in id order
/// (activities in the order they happened). The figure itself counts every row.
pub const KPI_ROWS: usize = 100;

/// The open stages in order; a won deal went through all of them.
const OPEN_STAGES: [Stage; 6] =
    [Stage::Discovery, Stage::NeedsAnalysis, Stage::Demo, Stage::Proposal, Stage::Negotiation, Stage::Contracting];

/// `count` rows where `condition` holds, as a BIGINT.
fn count_where(condition: &str) -> String {
    format!("CAST(COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS BIGINT)")
}

/// `n` bounded selections, each `SELECT * FROM (… ORDER BY … LIMIT KPI_ROWS)`, as one statement
/// whose rows come part by part (`part` is the selection's index), each part in `order`.
fn bounded_parts(selections: &[String], order: &str) -> String {
    let parts: Vec<String> = selections
        .iter()
        .enumerate()
        .map(|(i, s)| format!("SELECT * FROM (SELECT CAST({i} AS BIGINT) AS part, {s} LIMIT {KPI_ROWS}) p{i}"))
        .collect();
    format!("{} ORDER BY part, {order}", parts.join(" UNION ALL "))
}

/// Whole days from `start` to `end` (chrono's `num_days`: truncated toward zero). SQLite keeps
/// the instants to the millisecond.
fn whole_days(backend: DbBackend, start: &str, end: &str) -> String {
    match backend {
        DbBackend::Sqlite => {
            format!("(CAST(ROUND((julianday({end}) - julianday({start})) * 86400000) AS INTEGER) / 86400000)")
        }
        _ => format!("(CAST(TRUNC(EXTRACT(EPOCH FROM ({end} - {start}))) AS BIGINT) / 86400)"),
    }
}

/// The stage an audit payload's `after` snapshot records, and the condition that it records one
/// (a string).
fn snapshot_stage(backend: DbBackend, q: &mut Sql) -> (String, String) {
    match backend {
        DbBackend::Sqlite => {
            let path = q.bind("$.stage");
            (format!("json_extract(p.after, {path})"), format!("json_type(p.after, {path}) = 'text'"))
        }
        _ => ("p.after ->> 'stage'".to_owned(), "json_typeof(p.after -> 'stage') = 'string'".to_owned()),
    }
}

/// A stage change an audit snapshot records: when, and to which stage.
type StageChange = (DateTime<Utc>, String);

/// A deal's spells in the open stages it left: (stage, minutes).
type Spells = Vec<(&'static str, i64)>;

/// What a KPI request reads: the organization's rows in its scope, in the period `[from, to)`.
struct Reach<'a> {
    org: Uuid,
    owners: &'a Owners,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl Reach<'_> {
    /// A statement whose first values are the organization ($1) and the period's start ($2)
    /// and end ($3).
    fn sql(&self) -> Sql {
        let mut q = Sql::default();
        q.bind(self.org);
        q.bind(self.from);
        q.bind(self.to);
        q
    }

    /// How a count over a table the database counts per day (`daily_counts`) reads the
    /// period: the whole UTC days from the daily counts, the rest (at most a day at each end)
    /// from the rows, whose time is `column`.
    fn split(&self, q: &mut Sql, column: &str) -> Split {
        match crate::kernel::counts::full_days(self.from, self.to) {
            None => Split { rows: format!("{column} >= $2 AND {column} < $3"), days: None },
            Some((first, last)) => {
                let (a, b) =
                    (q.bind(crate::kernel::counts::midnight(first)), q.bind(crate::kernel::counts::midnight(last)));
                let (d1, d2) = (q.bind(first), q.bind(last));
                Split {
                    rows: format!("(({column} >= $2 AND {column} < {a}) OR ({column} >= {b} AND {column} < $3))"),
                    days: Some(format!("day >= {d1} AND day < {d2}")),
                }
            }
        }
    }
}

/// A period split for a count: the condition on the rows outside the whole days, and the
/// condition on `daily_counts.day` for the whole days (none when the period holds none).
struct Split {
    rows: String,
    days: Option<String>,
}

/// One statement counting per `dim`: `raw` (the rows outside whole days, grouped and selecting
/// `dim, n, flagged`) plus, for the whole days, the daily counts of `fact` under `days` and
/// `scope` (on `owner_id`).
fn per_dim(q: &mut Sql, raw: String, fact: &str, days: Option<String>, scope: &str) -> String {
    match days {
        None => raw,
        Some(days) => {
            let fact = q.bind(fact.to_owned());
            format!(
                "SELECT dim, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(flagged) AS BIGINT) AS flagged FROM ({raw} \
                 UNION ALL SELECT dim, SUM(n), SUM(flagged) FROM daily_counts \
                 WHERE organization_id = $1 AND fact = {fact} AND {days}{scope} GROUP BY dim) x GROUP BY dim"
            )
        }
    }
}

fn figure(
    key: impl Into<String>,
    units: [Unit; 3],
    value: Decimal,
    numerator: Decimal,
    denominator: Decimal,
    rows: Vec<DrillRow>,
) -> Figure {
    Figure { key: key.into(), units, value, numerator, denominator, rows }
}

/// An opportunity as the deal figures show it.
struct Deal {
    id: Uuid,
    name: String,
    stage: String,
    created_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
}

impl Deal {
    fn read(r: &QueryResult) -> Result<Deal, AppError> {
        Ok(Deal {
            id: r.try_get("", "id")?,
            name: r.try_get("", "name")?,
            stage: r.try_get("", "stage")?,
            created_at: r.try_get("", "created_at")?,
            closed_at: r.try_get("", "closed_at")?,
        })
    }

    fn row(&self, value: Option<Decimal>) -> DrillRow {
        DrillRow {
            entity_type: "opportunity".into(),
            entity_id: self.id,
            label: format!("{} ({})", self.name, self.stage),
            value,
        }
    }

    fn cycle_days(&self) -> Option<i64> {
        self.closed_at.map(|c| (c - self.created_at).num_days())
    }
}

/// Lead conversion, overall and per source, for the leads created in the period: counted per
/// source by the database; the rows are the first converted leads of each source.
async fn lead_conversion(db: &DatabaseConnection, r: &Reach<'_>) -> Result<Vec<Figure>, AppError> {
    let reads = || {
        let mut q = r.sql();
        let converted = q.bind(LeadStatus::Converted.as_str());
        let scope = q.owned_by("owner_id", r.owners);
        let within = format!("organization_id = $1 AND created_at >= $2 AND created_at < $3{scope}");
        (q, converted, scope, within)
    };
    // Counted per source: the whole days from the daily counts, the edges from the rows.
    let (mut q, converted, scope, _) = reads();
    let split = r.split(&mut q, "created_at");
    let raw = format!(
        "SELECT source AS dim, CAST(COUNT(*) AS BIGINT) AS n, {} AS flagged FROM leads \
         WHERE organization_id = $1 AND {}{scope} GROUP BY source",
        count_where(&format!("status = {converted}")),
        split.rows
    );
    let sql = per_dim(&mut q, raw, "lead", split.days, &scope);
    let mut per_source: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for row in q.all(db, &sql).await? {
        per_source.insert(row.try_get("", "dim")?, (int(Some(&row), "n")?, int(Some(&row), "flagged")?));
    }
    // The first converted leads of each source (the first of all are among them).
    let (mut q, converted, _, within) = reads();
    let selections: Vec<String> = per_source
        .iter()
        .filter(|(_, (_, converted))| *converted > 0)
        .map(|(s, _)| {
            let source = q.bind(s.as_str());
            format!(
                "id, company_name, source FROM leads \
                 WHERE {within} AND status = {converted} AND source = {source} ORDER BY id"
            )
        })
        .collect();
    let mut leads: Vec<(String, DrillRow)> = Vec::new();
    if !selections.is_empty() {
        for row in q.all(db, &bounded_parts(&selections, "id")).await? {
            let lead = DrillRow {
                entity_type: "lead".into(),
                entity_id: row.try_get("", "id")?,
                label: row.try_get("", "company_name")?,
                value: None,
            };
            leads.push((row.try_get("", "source")?, lead));
        }
    }
    leads.sort_by_key(|(_, l)| l.entity_id);
    let rows = |source: Option<&str>| -> Vec<DrillRow> {
        leads
            .iter()
            .filter(|(s, _)| source.is_none_or(|source| s == source))
            .map(|(_, l)| l.clone())
            .take(KPI_ROWS)
            .collect()
    };
    let n: i64 = per_source.values().map(|(_, c)| c).sum();
    let d: i64 = per_source.values().map(|(l, _)| l).sum();
    let mut out = vec![figure("leadConversionRate", RATE_OF_COUNTS, rate(n, d), n.into(), d.into(), rows(None))];
    for (s, (d, n)) in &per_source {
        out.push(figure(
            format!("leadConversionRate:{s}"),
            RATE_OF_COUNTS,
            rate(*n, *d),
            (*n).into(),
            (*d).into(),
            rows(Some(s)),
        ));
    }
    Ok(out)
}

/// The scope's deals closed or created in the period, counted by the database, with the first
/// rows of each kind.
#[derive(Default)]
struct Deals {
    closed: i64,
    won: i64,
    /// The won deals' sales cycles, in whole days, added up.
    cycle_days: i64,
    renewals: i64,
    renewed: i64,
    /// Won new business: the new customers.
    new_customers: i64,
    created: i64,
    closed_rows: Vec<Deal>,
    won_rows: Vec<Deal>,
    renewal_rows: Vec<Deal>,
    new_customer_rows: Vec<Deal>,
    created_rows: Vec<Deal>,
}

async fn deals(db: &DatabaseConnection, r: &Reach<'_>) -> Result<Deals, AppError> {
    let reads = || {
        let mut q = r.sql();
        let won = q.bind(Stage::ClosedWon.as_str());
        let renewal = q.bind("RENEWAL");
        let new_business = q.bind("NEW_BUSINESS");
        let scope = q.owned_by("owner_id", r.owners);
        let closed = "closed_at >= $2 AND closed_at < $3".to_owned();
        let conditions = [
            closed.clone(),
            format!("{closed} AND stage = {won}"),
            format!("{closed} AND kind = {renewal}"),
            format!("{closed} AND kind = {renewal} AND stage = {won}"),
            format!("{closed} AND stage = {won} AND kind = {new_business}"),
            "created_at >= $2 AND created_at < $3".to_owned(),
        ];
        (q, scope, [won, renewal, new_business], conditions)
    };
    // Counted by the database: the whole days from the daily counts, the edges from the rows.
    let (mut q, scope, [won, renewal, new_business], _) = reads();
    let (closed, created) = (r.split(&mut q, "closed_at"), r.split(&mut q, "created_at"));
    let days = whole_days(db.get_database_backend(), "created_at", "closed_at");
    let is_won = format!("stage = {won}");
    let mut parts = vec![
        format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS closed, {} AS won, \
             CAST(COALESCE(SUM(CASE WHEN {is_won} THEN {days} ELSE 0 END), 0) AS BIGINT) AS cycle_days, \
             {} AS renewals, {} AS renewed, {} AS new_customers, CAST(0 AS BIGINT) AS created \
             FROM opportunities WHERE organization_id = $1{scope} AND {}",
            count_where(&is_won),
            count_where(&format!("kind = {renewal}")),
            count_where(&format!("kind = {renewal} AND {is_won}")),
            count_where(&format!("kind = {new_business} AND {is_won}")),
            closed.rows
        ),
        format!(
            "SELECT 0, 0, 0, 0, 0, 0, COUNT(*) FROM opportunities WHERE organization_id = $1{scope} AND {}",
            created.rows
        ),
    ];
    if let Some(days) = closed.days {
        let fact = q.bind("deal_closed");
        parts.push(format!(
            "SELECT SUM(n), SUM(flagged), SUM(amount), SUM(CASE WHEN dim = {renewal} THEN n ELSE 0 END), \
             SUM(CASE WHEN dim = {renewal} THEN flagged ELSE 0 END), \
             SUM(CASE WHEN dim = {new_business} THEN flagged ELSE 0 END), 0 \
             FROM daily_counts WHERE organization_id = $1 AND fact = {fact} AND {days}{scope}"
        ));
    }
    if let Some(days) = created.days {
        let fact = q.bind("deal_created");
        parts.push(format!(
            "SELECT 0, 0, 0, 0, 0, 0, SUM(n) FROM daily_counts WHERE organization_id = $1 AND fact = {fact} AND {days}{scope}"
        ));
    }
    let columns = ["closed", "won", "cycle_days", "renewals", "renewed", "new_customers", "created"]
        .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}"))
        .join(", ");
    let sql = format!("SELECT {columns} FROM ({}) x", parts.join(" UNION ALL "));
    let totals = q.one(db, &sql).await?;
    let t = totals.as_ref();
    let mut d = Deals {
        closed: int(t, "closed")?,
        won: int(t, "won")?,
        cycle_days: int(t, "cycle_days")?,
        renewals: int(t, "renewals")?,
        renewed: int(t, "renewed")?,
        new_customers: int(t, "new_customers")?,
        created: int(t, "created")?,
        ..Deals::default()
    };
    let (q, scope, _, [closed, won, renewal, _, new_customer, created]) = reads();
    let selections: Vec<String> = [closed, won, renewal, new_customer, created]
        .iter()
        .map(|c| {
            format!(
                "id, name, stage, created_at, closed_at FROM opportunities \
                 WHERE organization_id = $1{scope} AND {c} ORDER BY id"
            )
        })
        .collect();
    for row in q.all(db, &bounded_parts(&selections, "id")).await? {
        let deal = Deal::read(&row)?;
        match row.try_get::<i64>("", "part")? {
            0 => d.closed_rows.push(deal),
            1 => d.won_rows.push(deal),
            2 => d.renewal_rows.push(deal),
            3 => d.new_customer_rows.push(deal),
            _ => d.created_rows.push(deal),
        }
    }
    Ok(d)
}

/// Win rate, sales cycle and renewal rate of the deals closed in the period.
fn deal_figures(d: &Deals) -> Vec<Figure> {
    let rows = |deals: &[Deal]| deals.iter().map(|o| o.row(None)).collect();
    vec![
        figure("winRate", RATE_OF_COUNTS, rate(d.won, d.closed), d.won.into(), d.closed.into(), rows(&d.closed_rows)),
        figure(
            "averageSalesCycleDays",
            [Unit::Days, Unit::Days, Unit::Count],
            mean_of(d.cycle_days, d.won),
            d.cycle_days.into(),
            d.won.into(),
            d.won_rows.iter().map(|o| o.row(o.cycle_days().map(Decimal::from))).collect(),
        ),
        figure(
            "renewalRate",
            RATE_OF_COUNTS,
            rate(d.renewed, d.renewals),
            d.renewed.into(),
            d.renewals.into(),
            rows(&d.renewal_rows),
        ),
    ]
}

/// Contract value signed in the period for the scope's deals: what sales and marketing count as
/// won revenue (`won_revenue`), summed by the database.
#[derive(Default)]
struct Revenue {
    minor: i64,
    /// The owners of the deals signed.
    reps: i64,
    /// The new customers (won new business closed in the period) with a contract signed.
    new_customers: i64,
    new_customer_minor: i64,
    /// The first contracts, and the first of new customers: (id, deal's name, value).
    contracts: Vec<(Uuid, String, i64)>,
    new_customer_contracts: Vec<(Uuid, String, i64)>,
}

impl Revenue {
    fn rows(contracts: &[(Uuid, String, i64)]) -> impl Iterator<Item = DrillRow> + '_ {
        contracts.iter().map(|(id, name, value)| DrillRow {
            entity_type: "contract".into(),
            entity_id: *id,
            label: name.clone(),
            value: Some(money(*value)),
        })
    }
}

async fn revenue(db: &DatabaseConnection, r: &Reach<'_>) -> Result<Revenue, AppError> {
    let reads = || {
        let mut q = r.sql();
        let won = q.bind(Stage::ClosedWon.as_str());
        let new_business = q.bind("NEW_BUSINESS");
        let scope = q.owned_by("o.owner_id", r.owners);
        let signed = format!(
            "FROM contracts c JOIN opportunities o ON o.id = c.opportunity_id WHERE c.organization_id = $1 \
             AND c.signed_at >= $2 AND c.signed_at < $3 AND o.organization_id = $1{scope}"
        );
        let new_customer =
            format!("o.closed_at >= $2 AND o.closed_at < $3 AND o.stage = {won} AND o.kind = {new_business}");
        (q, signed, new_customer)
    };
    let (q, signed, new_customer) = reads();
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(c.value_minor), 0) AS BIGINT) AS revenue, \
         CAST(COUNT(DISTINCT o.owner_id) AS BIGINT) AS reps, \
         CAST(COUNT(DISTINCT CASE WHEN {new_customer} THEN c.opportunity_id END) AS BIGINT) AS new_customers, \
         CAST(COALESCE(SUM(CASE WHEN {new_customer} THEN c.value_minor ELSE 0 END), 0) AS BIGINT) AS new_customer_value \
         {signed}"
    );
    let totals = q.one(db, &sql).await?;
    let t = totals.as_ref();
    let mut rev = Revenue {
        minor: int(t, "revenue")?,
        reps: int(t, "reps")?,
        new_customers: int(t, "new_customers")?,
        new_customer_minor: int(t, "new_customer_value")?,
        ..Revenue::default()
    };
    let (q, signed, new_customer) = reads();
    let columns = "c.id AS id, o.name AS name, c.value_minor AS value_minor";
    let selections =
        [format!("{columns} {signed} ORDER BY c.id"), format!("{columns} {signed} AND {new_customer} ORDER BY c.id")];
    for row in q.all(db, &bounded_parts(&selections, "id")).await? {
        let contract = (row.try_get("", "id")?, row.try_get("", "name")?, row.try_get("", "value_minor")?);
        match row.try_get::<i64>("", "part")? {
            0 => rev.contracts.push(contract),
            _ => rev.new_customer_contracts.push(contract),
        }
    }
    Ok(rev)
}

fn revenue_figures(rev: &Revenue) -> Vec<Figure> {
    let total = money(rev.minor);
    let per_rep = if rev.reps == 0 { Decimal::ZERO } else { (total / Decimal::from(rev.reps)).round_dp(2) };
    let rows = || Revenue::rows(&rev.contracts).collect();
    vec![
        figure("revenue", MONEY_PER_COUNT, total, total, Decimal::ONE, rows()),
        figure("revenuePerRep", MONEY_PER_COUNT, per_rep, total, rev.reps.into(), rows()),
    ]
}

/// Collection: paid over invoiced, for the invoices issued in the period (void ones aside):
/// summed by the database; the rows are the first invoices.
async fn collection_rate(db: &DatabaseConnection, r: &Reach<'_>) -> Result<Figure, AppError> {
    let reads = || {
        let mut q = r.sql();
        let void = q.bind("VOID");
        // An invoice is in scope through its deal's owner; the whole organization needs no
        // look at the deals (an invoice's deal is always of its organization).
        let scope = q.owned_by("owner_id", r.owners);
        let deals = if scope.is_empty() {
            String::new()
        } else {
            format!(" AND opportunity_id IN (SELECT id FROM opportunities WHERE organization_id = $1{scope})")
        };
        let issued = format!(
            "FROM invoices WHERE organization_id = $1 AND issued_at >= $2 AND issued_at < $3 AND status <> {void}{deals}"
        );
        (q, issued)
    };
    let (q, issued) = reads();
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(paid_minor), 0) AS BIGINT) AS paid, \
         CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS billed {issued}"
    );
    let totals = q.one(db, &sql).await?;
    let (paid, billed) = (int(totals.as_ref(), "paid")?, int(totals.as_ref(), "billed")?);
    let (q, issued) = reads();
    let sql = format!("SELECT id, number, paid_minor {issued} ORDER BY id LIMIT {KPI_ROWS}");
    let mut rows = Vec::new();
    for row in q.all(db, &sql).await? {
        let number: Option<i64> = row.try_get("", "number")?;
        rows.push(DrillRow {
            entity_type: "invoice".into(),
            entity_id: row.try_get("", "id")?,
            label: number.map(|n| format!("INV-{n:06}")).unwrap_or_default(),
            value: Some(money(row.try_get("", "paid_minor")?)),
        });
    }
    Ok(figure(
        "collectionRate",
        [Unit::Rate, Unit::Money, Unit::Money],
        rate(paid, billed),
        money(paid),
        money(billed),
        rows,
    ))
}

/// Activities by kind (visits and calls are the process measures), counted by the database,
/// with the first of each kind.
async fn activity_figures(db: &DatabaseConnection, r: &Reach<'_>) -> Result<Vec<Figure>, AppError> {
    const KINDS: [&str; 5] = ["CALL", "VISIT", "MEETING", "DEMO", "EMAIL"];
    let reads = || {
        let mut q = r.sql();
        let kinds: Vec<String> = KINDS.iter().map(|k| q.bind(*k)).collect();
        let scope = q.owned_by("actor_id", r.owners);
        let within = format!("organization_id = $1 AND occurred_at >= $2 AND occurred_at < $3{scope}");
        (q, kinds, scope, within)
    };
    // Counted per kind: the whole days from the daily counts, the edges from the rows.
    let (mut q, kinds, scope, _) = reads();
    let kinds = kinds.join(", ");
    let split = r.split(&mut q, "occurred_at");
    let raw = format!(
        "SELECT kind AS dim, CAST(COUNT(*) AS BIGINT) AS n, CAST(0 AS BIGINT) AS flagged FROM activities \
         WHERE organization_id = $1 AND {}{scope} AND kind IN ({kinds}) GROUP BY kind",
        split.rows
    );
    let counts_scope = format!("{} AND dim IN ({kinds})", q.owned_by("owner_id", r.owners));
    let sql = per_dim(&mut q, raw, "activity", split.days, &counts_scope);
    let mut counts: HashMap<String, i64> = HashMap::new();
    for row in q.all(db, &sql).await? {
        counts.insert(row.try_get("", "dim")?, int(Some(&row), "n")?);
    }
    let (q, kinds, _, within) = reads();
    let selections: Vec<String> = kinds
        .iter()
        .map(|k| {
            format!("id, notes, occurred_at FROM activities WHERE {within} AND kind = {k} ORDER BY occurred_at, id")
        })
        .collect();
    let mut rows: Vec<Vec<DrillRow>> = KINDS.iter().map(|_| Vec::new()).collect();
    for row in q.all(db, &bounded_parts(&selections, "occurred_at, id")).await? {
        let part = usize::try_from(row.try_get::<i64>("", "part")?).unwrap_or(0);
        let notes: Option<String> = row.try_get("", "notes")?;
        if let Some(of_kind) = rows.get_mut(part) {
            of_kind.push(DrillRow {
                entity_type: "activity".into(),
                entity_id: row.try_get("", "id")?,
                label: notes.unwrap_or_default(),
                value: None,
            });
        }
    }
    Ok(KINDS
        .iter()
        .zip(rows)
        .map(|(kind, rows)| {
            let n = Decimal::from(counts.get(*kind).copied().unwrap_or(0));
            figure(format!("activities:{kind}"), COUNT, n, n, Decimal::ONE, rows)
        })
        .collect())
}

/// SLA breach rate of the clocks started in the period: counted by the database; the rows are
/// the first breached clocks.
async fn sla_breach_rate(db: &DatabaseConnection, r: &Reach<'_>) -> Result<Figure, AppError> {
    let reads = || {
        let mut q = r.sql();
        let scope = q.owned_by("owner_id", r.owners);
        (q, format!("FROM sla_clocks WHERE organization_id = $1 AND started_at >= $2 AND started_at < $3{scope}"))
    };
    let (q, clocks) = reads();
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) AS clocks, {} AS breached {clocks}",
        count_where("breached_at IS NOT NULL")
    );
    let totals = q.one(db, &sql).await?;
    let (n, breached) = (int(totals.as_ref(), "clocks")?, int(totals.as_ref(), "breached")?);
    let (q, clocks) = reads();
    let sql = format!(
        "SELECT entity_type, entity_id, kind {clocks} AND breached_at IS NOT NULL ORDER BY id LIMIT {KPI_ROWS}"
    );
    let mut rows = Vec::new();
    for row in q.all(db, &sql).await? {
        rows.push(DrillRow {
            entity_type: row.try_get("", "entity_type")?,
            entity_id: row.try_get("", "entity_id")?,
            label: row.try_get("", "kind")?,
            value: None,
        });
    }
    Ok(figure("slaBreachRate", RATE_OF_COUNTS, rate(breached, n), breached.into(), n.into(), rows))
}

/// The marketing spend of the campaigns started in the period, summed by the database beside
/// the first campaigns.
async fn campaign_spend(db: &DatabaseConnection, r: &Reach<'_>) -> Result<(i64, Vec<DrillRow>), AppError> {
    let mut q = Sql::default();
    q.bind(r.org);
    q.bind(r.from.date_naive());
    q.bind(r.to.date_naive());
    let sql = format!(
        "SELECT id, name, spend_minor, CAST(SUM(spend_minor) OVER () AS BIGINT) AS spend FROM campaigns \
         WHERE organization_id = $1 AND starts_on >= $2 AND starts_on < $3 ORDER BY id LIMIT {KPI_ROWS}"
    );
    let found = q.all(db, &sql).await?;
    let mut rows = Vec::with_capacity(found.len());
    for row in &found {
        rows.push(DrillRow {
            entity_type: "campaign".into(),
            entity_id: row.try_get("", "id")?,
            label: row.try_get("", "name")?,
            value: Some(money(row.try_get("", "spend_minor")?)),
        });
    }
    Ok((int(found.first(), "spend")?, rows))
}

/// CAC (marketing spend per new customer won in the period), LTV (the new customers' average
/// contract value over the expected lifetime in years: 1 / (1 − renewal rate), capped at ten
/// years; three years without renewal data) and their ratio.
fn acquisition_figures(d: &Deals, rev: &Revenue, (spend, campaigns): &(i64, Vec<DrillRow>)) -> Vec<Figure> {
    let cac =
        if d.new_customers == 0 { Decimal::ZERO } else { (money(*spend) / Decimal::from(d.new_customers)).round_dp(2) };
    let avg_value = mean_of(rev.new_customer_minor, rev.new_customers) / Decimal::ONE_HUNDRED;
    let lifetime = if d.renewals == 0 {
        Decimal::from(3)
    } else {
        let churn = Decimal::ONE - rate(d.renewed, d.renewals);
        if churn <= Decimal::new(1, 1) { Decimal::from(10) } else { (Decimal::ONE / churn).round_dp(2) }
    };
    let mut ltv = (avg_value * lifetime).round_dp(2);
    ltv.rescale(2);
    let ratio = if cac.is_zero() { Decimal::ZERO } else { (ltv / cac).round_dp(2) };
    let new_customers = || d.new_customer_rows.iter().map(|o| o.row(None)).collect();
    // The ratio's rows are both sides: the new customers' contracts behind LTV and the
    // campaigns whose spend makes CAC.
    let ratio_rows = Revenue::rows(&rev.new_customer_contracts).chain(campaigns.iter().cloned()).collect();
    vec![
        figure("customerAcquisitionCost", MONEY_PER_COUNT, cac, money(*spend), d.new_customers.into(), new_customers()),
        figure("lifetimeValue", [Unit::Money, Unit::Money, Unit::Years], ltv, avg_value, lifetime, new_customers()),
        figure("ltvToCac", [Unit::Ratio, Unit::Money, Unit::Money], ratio, ltv, cac, ratio_rows),
    ]
}

/// The deals created in the period that have a stage history, in id order, each with the
/// stages its audit snapshots moved it to: (when, stage). The snapshots live in the erasable
/// payloads (an erased one simply drops out).
async fn stage_history(db: &DatabaseConnection, r: &Reach<'_>) -> Result<Vec<(Deal, Vec<StageChange>)>, AppError> {
    let mut q = r.sql();
    let entity = q.bind("opportunity");
    let (stage, records_stage) = snapshot_stage(db.get_database_backend(), &mut q);
    let scope = q.owned_by("o.owner_id", r.owners);
    let sql = format!(
        "SELECT o.id AS id, o.name AS name, o.stage AS stage, o.created_at AS created_at, o.closed_at AS closed_at, \
         a.created_at AS moved_at, {stage} AS moved_to FROM audit_log a \
         JOIN audit_payloads p ON p.audit_id = a.id JOIN opportunities o ON o.id = a.entity_id \
         WHERE a.organization_id = $1 AND a.entity_type = {entity} AND {records_stage} \
         AND o.organization_id = $1 AND o.created_at >= $2 AND o.created_at < $3{scope} ORDER BY o.id"
    );
    let mut out: Vec<(Deal, Vec<StageChange>)> = Vec::new();
    for row in q.all(db, &sql).await? {
        let change = (row.try_get("", "moved_at")?, row.try_get("", "moved_to")?);
        let id: Uuid = row.try_get("", "id")?;
        match out.last_mut() {
            Some((deal, changes)) if deal.id == id => changes.push(change),
            _ => out.push((Deal::read(&row)?, vec![change])),
        }
    }
    Ok(out)
}

/// How far a deal got (the index of its furthest stage, the open stages then won) and its
/// spells in the open stages it left, in minutes, from its stage changes.
fn walk(opened: DateTime<Utc>, mut changes: Vec<StageChange>) -> (usize, Spells) {
    changes.sort();
    let (mut reached, mut spells) = (0, Vec::new());
    let (mut since, mut current) = (opened, Stage::Discovery.as_str().to_owned());
    for (at, stage) in changes {
        if stage != current {
            if let Some(s) = OPEN_STAGES.iter().find(|s| s.as_str() == current) {
                spells.push((s.as_str(), (at - since).num_minutes()));
            }
            since = at;
            current = stage;
        }
        let pos = match Stage::parse(&current) {
            Some(Stage::ClosedWon) => OPEN_STAGES.len(),
            Some(s) => s.position().unwrap_or(0),
            None => 0,
        };
        reached = reached.max(pos);
    }
    (reached, spells)
}

/// The stage funnel (deals created in the period that reached each stage) and the time spent
/// in each open stage, from the deals' history; a deal without history is in discovery.
fn stage_figures(d: &Deals, history: Vec<(Deal, Vec<StageChange>)>) -> Vec<Figure> {
    let walked: Vec<(Deal, usize, Spells)> = history
        .into_iter()
        .map(|(deal, changes)| {
            let (reached, spells) = walk(deal.created_at, changes);
            (deal, reached, spells)
        })
        .collect();
    let mut out = Vec::new();
    for (i, stage) in OPEN_STAGES.iter().chain([Stage::ClosedWon].iter()).enumerate() {
        let (n, rows) = if i == 0 {
            (d.created, d.created_rows.iter().map(|o| o.row(None)).collect())
        } else {
            let at: Vec<&Deal> = walked.iter().filter(|(_, reached, _)| *reached >= i).map(|(o, _, _)| o).collect();
            (at.len() as i64, at.iter().take(KPI_ROWS).map(|o| o.row(None)).collect())
        };
        let n = Decimal::from(n);
        out.push(figure(format!("funnel:{}", stage.as_str()), COUNT, n, n, Decimal::from(d.created), rows));
    }
    let in_days = |m: Decimal| (m / Decimal::from(24 * 60)).round_dp(2).normalize();
    for stage in OPEN_STAGES {
        let spells: Vec<(&Deal, i64)> = walked
            .iter()
            .flat_map(|(o, _, spells)| spells.iter().filter(|(s, _)| *s == stage.as_str()).map(move |(_, m)| (o, *m)))
            .collect();
        let minutes: Vec<i64> = spells.iter().map(|(_, m)| *m).collect();
        out.push(figure(
            format!("timeInStageDays:{}", stage.as_str()),
            [Unit::Days, Unit::Minutes, Unit::Count],
            in_days(mean(&minutes)),
            Decimal::from(minutes.iter().sum::<i64>()),
            Decimal::from(minutes.len() as i64),
            spells.iter().take(KPI_ROWS).map(|(o, m)| o.row(Some(in_days(Decimal::from(*m))))).collect(),
        ));
    }
    out
}

impl App {
    /// The scope a caller asked for, never wider than its permission.
    fn kpi_owners(&self, actor: &Actor, requested: Option<Scope>) -> Result<Owners, AppError> {
        let allowed = actor.authorize(Action::SalesView)?;
        let scope = requested.map(|r| r.min(allowed)).unwrap_or(allowed);
        Ok(actor.owners(scope))
    }

    /// The KPIs of the period `[from, to)` for the requested scope. Each figure is counted or
    /// summed by the database, with its first rows (`KPI_ROWS` of each kind); the reads are
    /// independent and run side by side.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
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
        let r = Reach { org: actor.org_id, owners: &owners, from, to };
        let db = &self.db;
        let (leads, deals, revenue, collection, activities, sla, campaigns, history) = tokio::try_join!(
            lead_conversion(db, &r),
            deals(db, &r),
            revenue(db, &r),
            collection_rate(db, &r),
            activity_figures(db, &r),
            sla_breach_rate(db, &r),
            campaign_spend(db, &r),
            stage_history(db, &r),
        )?;
        let mut out = leads;
        out.extend(deal_figures(&deals));
        out.extend(revenue_figures(&revenue));
        out.push(collection);
        out.extend(activities);
        out.push(sla);
        out.extend(acquisition_figures(&deals, &revenue, &campaigns));
        out.extend(stage_figures(&deals, history));
        Ok(out)
    }

    /// `recordWinLossReview`: why a closed deal was won or lost, against whom, and the lesson.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
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
        let me = actor.person(Action::RecordWinLossReview)?;
        let txn = self.tx().await?;
        let o = crate::kernel::gate::opportunity(&txn, actor, opportunity_id, Action::RecordWinLossReview).await?;
        let stage = reviewable(&txn, &o).await?;
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
        audit::commit(
            txn,
            actor,
            audit::Entry::new("recordWinLossReview", "win_loss_review", r.id, None::<&()>, Some(&r)),
        )
        .await?;
        Ok(r)
    }

    /// Win/loss reasons of deals closed in the period, and the leads lost per stage reached.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn win_loss(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        requested: Option<Scope>,
    ) -> Result<WinLoss, AppError> {
        let owners = self.kpi_owners(actor, requested)?;
        // The reviews of the deals closed in the period, in scope: counted per outcome and
        // reason and per competitor by the database, and the newest `REVIEWS_SHOWN` read back
        // with the deal's name.
        let reviewed = || {
            let mut q = Sql::default();
            q.bind(actor.org_id);
            q.bind(from);
            q.bind(to);
            let scope = q.owned_by("o.owner_id", &owners);
            let from_where = format!(
                "FROM win_loss_reviews r JOIN opportunities o ON o.id = r.opportunity_id \
                 WHERE r.organization_id = $1 AND o.organization_id = $1 \
                 AND o.closed_at >= $2 AND o.closed_at < $3{scope}"
            );
            (q, from_where)
        };
        let (mut won, mut lost, mut rivals) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        let (q, from_where) = reviewed();
        let sql = format!(
            "SELECT r.outcome AS outcome, r.primary_reason AS reason, CAST(COUNT(*) AS BIGINT) AS n {from_where} \
             GROUP BY r.outcome, r.primary_reason"
        );
        for row in q.all(&self.db, &sql).await? {
            let outcome: String = row.try_get("", "outcome")?;
            let n: i64 = row.try_get("", "n")?;
            *if outcome == "WON" { &mut won } else { &mut lost }.entry(row.try_get("", "reason")?).or_insert(0) += n;
        }
        let (q, from_where) = reviewed();
        let sql = format!(
            "SELECT r.competitor AS competitor, CAST(COUNT(*) AS BIGINT) AS n {from_where} \
             AND r.competitor IS NOT NULL GROUP BY r.competitor"
        );
        for row in q.all(&self.db, &sql).await? {
            rivals.insert(row.try_get::<String>("", "competitor")?, row.try_get::<i64>("", "n")?);
        }
        let (q, from_where) = reviewed();
        let sql =
            format!("SELECT r.*, o.name AS opportunity_name {from_where} ORDER BY r.id DESC LIMIT {REVIEWS_SHOWN}");
        let mut read_back = Vec::new();
        for row in q.all(&self.db, &sql).await? {
            let r = win_loss_review::Model::from_query_result(&row, "")?;
            read_back.push((r, row.try_get("", "opportunity_name")?));
        }
        // A disqualified lead's furthest stage shows in its row: priority set = QUALIFIED,
        // first contact recorded = CONTACTED, else NEW. Counted by the database.
        let mut q = Sql::default();
        q.bind(actor.org_id);
        q.bind(from);
        q.bind(to);
        let disqualified = q.bind(LeadStatus::Disqualified.as_str());
        let scope = q.owned_by("owner_id", &owners);
        let stage = "CASE WHEN priority IS NOT NULL THEN 'QUALIFIED' \
                     WHEN first_contacted_at IS NOT NULL THEN 'CONTACTED' ELSE 'NEW' END";
        let sql = format!(
            "SELECT stage, CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT {stage} AS stage FROM leads \
             WHERE organization_id = $1 AND status = {disqualified} AND updated_at >= $2 AND updated_at < $3{scope}) x \
             GROUP BY stage"
        );
        let mut stages = BTreeMap::new();
        for r in q.all(&self.db, &sql).await? {
            stages.insert(r.try_get::<String>("", "stage")?, r.try_get::<i64>("", "n")?);
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

/// `recordWinLossReview`'s rules: only a closed deal is reviewed, and once. Answers how it closed.
pub(crate) async fn reviewable<C: ConnectionTrait>(db: &C, o: &opportunity::Model) -> Result<Stage, AppError> {
    let stage = crate::kernel::error::stored(&o.stage, Stage::parse, "opportunity stage")?;
    if stage.is_open() {
        return Err(AppError::rule(Rule::OpportunityNotClosed, "only a won or lost deal is reviewed"));
    }
    if win_loss_review::Entity::find().filter(win_loss_review::Column::OpportunityId.eq(o.id)).one(db).await?.is_some()
    {
        return Err(AppError::rule(Rule::AlreadyReviewed, "the deal already has its win/loss review"));
    }
    Ok(stage)
}
