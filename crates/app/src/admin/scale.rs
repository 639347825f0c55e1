//! Bulk benchmark data for the demo organization (`baton seed --demo --scale N`).
//!
//! `N` is the number of leads; everything else is derived from it: `N / 10` accounts, each with
//! the opportunity its converted lead became and three contacts; quotes and contracts in every
//! state; for the won deals the invoices of their payment schedule (in every aging bucket, with
//! payments and commission), subscriptions or delivery projects, hand-off packages, usage and
//! business reviews; renewals, feature requests and their asks, campaigns, partners, gifts,
//! consents, quotas, training, release notes, activities, and the SLA clocks and tasks of the
//! last two weeks' work. A few more sales and customer success users are added in teams; the
//! demo SDR owns most leads and the demo account executive most deals.
//!
//! The rows are what the use cases would have written, shaped to satisfy the schema (foreign
//! keys, unique indexes, statuses that exist, money in minor units, UUIDv7 ids whose time is
//! the row's creation time) and to be at rest for the scheduler: open leads with an owner were
//! touched within the pool's follow-up days, disqualified leads are within retention, invoices
//! due to be issued are issued, subscriptions inside their renewal window have their renewal,
//! and clocks past their warning or deadline are already warned or breached.
//!
//! This is benchmark data, not user actions, so it writes **no audit rows**: the audit log is a
//! hash chain of what people and jobs did, and a generator did none of it. Figures computed
//! from the audit history (funnel, time in stage) therefore do not include these rows.
//!
//! The rows go in with multi-row `INSERT` statements of up to 1,000 rows (on SQLite fewer for
//! wide tables, within its bound-parameter limit; on PostgreSQL `INSERT … SELECT * FROM
//! unnest(…)` with one array parameter per column), all in one transaction: an organization
//! gets all of the scale data or none of it. On PostgreSQL the filled tables' secondary
//! indexes and foreign keys are dropped first and recreated from the catalog's own definitions
//! before the commit (building an index once and checking a foreign key with one join is far
//! faster than row by row, and recreating them validates every row); the tables are locked
//! meanwhile, so seed a database no server is using. An organization that already has scale
//! data (its first scale user exists) is refused.

use crate::{App, AppError};
use baton_domain::Role;
use baton_domain::commission::{self, Plan};
use baton_domain::contract::TemplateKind;
use baton_domain::invoice::{self as inv, PaymentSchedule};
use baton_domain::lead::LeadSource;
use baton_domain::opportunity::Stage;
use baton_domain::quote::{Line, PricingModel};
use baton_domain::text::Email;
use baton_store::entity::{contract_template, messaging_version, organization, product, quota, team, user};
use chrono::{DateTime, Datelike, Days, Duration, Months, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement, Value,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// How far back the generated history reaches. Shorter than the default retention of
/// disqualified leads (365 days), so the retention job finds nothing to purge.
const SPAN_DAYS: i64 = 330;

/// The smallest scale accepted.
pub const MIN_LEADS: u64 = 100;

/// The additional users of a scaled organization: (e-mail, name, role). Their password is the
/// demo password. The first one also marks an organization that holds scale data.
pub const SCALE_USERS: [(&str, &str, Role); 10] = [
    ("ae2@demo.test", "Jordan Blake (AE)", Role::AccountExecutive),
    ("ae3@demo.test", "Taylor Moss (AE)", Role::AccountExecutive),
    ("ae4@demo.test", "Riley Chen (AE)", Role::AccountExecutive),
    ("ae5@demo.test", "Quinn Patel (AE)", Role::AccountExecutive),
    ("sdr2@demo.test", "Drew Okafor (SDR)", Role::Sdr),
    ("sdr3@demo.test", "Avery Santos (SDR)", Role::Sdr),
    ("sdr4@demo.test", "Jamie Rossi (SDR)", Role::Sdr),
    ("salesmanager2@demo.test", "Robin Hart (Sales Manager)", Role::SalesManager),
    ("cs2@demo.test", "Sky Andersen (Customer Success)", Role::CustomerSuccess),
    ("cs3@demo.test", "Noa Laurent (Customer Success)", Role::CustomerSuccess),
];

/// Memberships added for the scale users (see `people`).
const SCALE_TEAM_MEMBERS: u64 = 7;

/// How many rows each table received.
#[derive(Debug, Clone, Default)]
pub struct ScaleReport {
    pub tables: Vec<(&'static str, u64)>,
}

impl ScaleReport {
    /// All rows written.
    pub fn total(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

// ---------------------------------------------------------------------------------------------
// Batched multi-row INSERTs.

/// Rows of one table, sent as multi-row `INSERT` statements of `per_statement` rows.
struct Rows<'t, const N: usize> {
    txn: &'t DatabaseTransaction,
    backend: DbBackend,
    table: &'static str,
    columns: &'static str,
    per_statement: usize,
    full: Option<String>,
    values: Vec<Value>,
    written: u64,
}

impl<'t, const N: usize> Rows<'t, N> {
    /// `columns` is the comma-separated column list; every row gives one value per column.
    fn new(txn: &'t DatabaseTransaction, table: &'static str, columns: &'static str) -> Self {
        // SQLite binds at most 32,766 parameters per statement; on PostgreSQL a statement
        // binds one array per column, whatever the number of rows.
        let per_statement = match txn.get_database_backend() {
            DbBackend::Postgres => 1_000,
            _ => (30_000 / N).clamp(1, 1_000),
        };
        Rows {
            txn,
            backend: txn.get_database_backend(),
            table,
            columns,
            per_statement,
            full: None,
            values: Vec::with_capacity(per_statement * N),
            written: 0,
        }
    }

    fn sql(&self, rows: usize) -> String {
        let mut sql = format!("INSERT INTO {} ({}) VALUES ", self.table, self.columns);
        let mut n = 0;
        for r in 0..rows {
            if r > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..N {
                if c > 0 {
                    sql.push(',');
                }
                n += 1;
                match self.backend {
                    DbBackend::Postgres => {
                        sql.push('$');
                        sql.push_str(&n.to_string());
                    }
                    _ => sql.push('?'),
                }
            }
            sql.push(')');
        }
        sql
    }

    async fn push(&mut self, row: [Value; N]) -> Result<(), DbErr> {
        self.values.extend(row);
        if self.values.len() >= self.per_statement * N {
            self.flush().await?;
        }
        Ok(())
    }

    /// Pushes a row that references rows of `parent`: the parent's pending rows go first when
    /// this push sends a statement, so foreign keys always find their rows.
    async fn push_child<const M: usize>(&mut self, parent: &mut Rows<'t, M>, row: [Value; N]) -> Result<(), DbErr> {
        if self.values.len() + N >= self.per_statement * N {
            parent.flush().await?;
        }
        self.push(row).await
    }

    async fn flush(&mut self) -> Result<(), DbErr> {
        let rows = self.values.len() / N;
        if rows == 0 {
            return Ok(());
        }
        if self.columns.split(',').count() != N {
            return Err(DbErr::Custom(format!("{}: {N} values per row for columns {}", self.table, self.columns)));
        }
        let values = std::mem::replace(&mut self.values, Vec::with_capacity(self.per_statement * N));
        let (sql, values) = if self.backend == DbBackend::Postgres {
            if self.full.is_none() {
                self.full = Some(self.unnest_sql().await?);
            }
            (self.full.clone().unwrap_or_default(), columns_as_arrays::<N>(&values)?)
        } else if rows == self.per_statement {
            if self.full.is_none() {
                self.full = Some(self.sql(rows));
            }
            (self.full.clone().unwrap_or_default(), values)
        } else {
            (self.sql(rows), values)
        };
        self.txn.execute_raw(Statement::from_sql_and_values(self.backend, sql, values)).await?;
        self.written += rows as u64;
        Ok(())
    }

    /// PostgreSQL: `INSERT … SELECT * FROM unnest($1::type[], …)`, one array parameter per
    /// column (in the array literal syntax, cast to the column's type as the catalog states it).
    async fn unnest_sql(&self) -> Result<String, DbErr> {
        let rows = self
            .txn
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a \
                 WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped",
                [v(self.table)],
            ))
            .await?;
        let mut types = HashMap::new();
        for r in rows {
            types.insert(r.try_get::<String>("", "name")?, r.try_get::<String>("", "type")?);
        }
        let mut arrays = vec![];
        for (k, c) in self.columns.split(',').map(str::trim).enumerate() {
            let t = types.get(c).ok_or_else(|| DbErr::Custom(format!("{}.{c}: no such column", self.table)))?;
            arrays.push(format!("${}::{t}[]", k + 1));
        }
        Ok(format!("INSERT INTO {} ({}) SELECT * FROM unnest({})", self.table, self.columns, arrays.join(", ")))
    }

    async fn finish(mut self, report: &mut ScaleReport) -> Result<(), DbErr> {
        self.flush().await?;
        match report.tables.iter_mut().find(|(t, _)| *t == self.table) {
            Some((_, n)) => *n += self.written,
            None => report.tables.push((self.table, self.written)),
        }
        Ok(())
    }
}

/// Row-major values as one PostgreSQL array literal per column.
fn columns_as_arrays<const N: usize>(values: &[Value]) -> Result<Vec<Value>, DbErr> {
    let mut arrays: Vec<String> = (0..N).map(|_| String::from("{")).collect();
    for (k, value) in values.iter().enumerate() {
        let a = &mut arrays[k % N];
        if a.len() > 1 {
            a.push(',');
        }
        array_element(a, value)?;
    }
    Ok(arrays
        .into_iter()
        .map(|mut a| {
            a.push('}');
            Value::String(Some(a))
        })
        .collect())
}

/// One element of an array literal: NULL, or the value's text in double quotes.
fn array_element(out: &mut String, value: &Value) -> Result<(), DbErr> {
    let text = match value {
        Value::Bool(Some(b)) => (if *b { "t" } else { "f" }).to_owned(),
        Value::Int(Some(i)) => i.to_string(),
        Value::BigInt(Some(i)) => i.to_string(),
        Value::String(Some(s)) => s.clone(),
        Value::Uuid(Some(u)) => u.to_string(),
        Value::ChronoDate(Some(d)) => d.to_string(),
        Value::ChronoDateTimeUtc(Some(t)) => t.to_rfc3339(),
        Value::Bool(None)
        | Value::Int(None)
        | Value::BigInt(None)
        | Value::String(None)
        | Value::Uuid(None)
        | Value::ChronoDate(None)
        | Value::ChronoDateTimeUtc(None) => {
            out.push_str("NULL");
            return Ok(());
        }
        other => return Err(DbErr::Custom(format!("no array form for {other:?}"))),
    };
    out.push('"');
    for ch in text.chars() {
        if ch == '"' || ch == '\\' {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    Ok(())
}

fn v<T: Into<Value>>(x: T) -> Value {
    x.into()
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness and time.

/// SplitMix64: fast, deterministic, good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below(u64::try_from(hi - lo + 1).unwrap_or(1)) as i64
    }
    /// True with `percent` % probability.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
    /// A UUIDv7 whose time is `at`, so that ordering by id orders by creation.
    fn id_at(&mut self, at: DateTime<Utc>) -> Uuid {
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&self.next().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next().to_le_bytes()[..2]);
        uuid::Builder::from_unix_timestamp_millis(u64::try_from(at.timestamp_millis()).unwrap_or(0), &bytes).into_uuid()
    }
    fn hex64(&mut self) -> String {
        format!("{:016x}{:016x}{:016x}{:016x}", self.next(), self.next(), self.next(), self.next())
    }
}

fn at_nine(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(9, 0, 0).map(|t| t.and_utc()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Names and words.

const COMPANY_A: [&str; 20] = [
    "Northwind",
    "Blue Harbor",
    "Summit",
    "Redwood",
    "Silverline",
    "Brightpath",
    "Ironclad",
    "Evergreen",
    "Lakeside",
    "Golden Gate",
    "Crescent",
    "Pioneer",
    "Skyline",
    "Granite",
    "Harborview",
    "Meridian",
    "Copperleaf",
    "Foxglove",
    "Starling",
    "Westbrook",
];
const COMPANY_B: [&str; 14] = [
    "Logistics",
    "Retail",
    "Analytics",
    "Health",
    "Foods",
    "Energy",
    "Media",
    "Finance",
    "Robotics",
    "Travel",
    "Textiles",
    "Labs",
    "Insurance",
    "Manufacturing",
];
const FIRST: [&str; 20] = [
    "Ann", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira", "Liam", "Maya", "Nils",
    "Olga", "Pablo", "Rosa", "Sven", "Tara", "Yusuf",
];
const LAST: [&str; 20] = [
    "Buyer", "Meyer", "Okoye", "Novak", "Garcia", "Schmidt", "Tanaka", "Rossi", "Dubois", "Kowalski", "Jensen",
    "Silva", "Nguyen", "Haddad", "Larsen", "Moreau", "Ivanova", "Costa", "Weber", "Fischer",
];
const INDUSTRIES: [&str; 8] =
    ["Retail", "Manufacturing", "Healthcare", "Finance", "Logistics", "Software", "Education", "Energy"];
const PAINS: [&str; 6] = [
    "Spreadsheets do not scale past one team",
    "No single view of the customer across departments",
    "Quotes take days to approve",
    "Renewals are noticed too late",
    "Reporting is manual every month",
    "Hand-offs from sales to onboarding lose information",
];
const DISQUALIFY: [&str; 5] =
    ["No budget this year", "Too small for the product", "Chose a competitor", "No response", "Student project"];
const LOSS: [&str; 5] = ["Price", "Missing feature", "Chose a competitor", "No decision", "Timing"];
const WIN: [&str; 4] = ["Product fit", "Price", "Relationship", "Time to value"];
const COMPETITORS: [&str; 4] = ["Pipedrive", "HubSpot", "Salesforce", "Zoho"];
const FREE_MAIL: [&str; 3] = ["gmail.com", "outlook.com", "yahoo.com"];
const CONTACT_NOTES: [&str; 5] = [
    "Intro call",
    "Left a voicemail, then reached by e-mail",
    "Discovery call booked",
    "Call back next week",
    "Demo interest",
];
const ACTIVITY_NOTES: [&str; 5] =
    ["Weekly sync", "Sent the proposal", "Walked through the roadmap", "Technical deep dive", "Met the sponsor"];
const FEATURES: [&str; 12] = [
    "SSO with SAML",
    "Custom dashboards",
    "Audit export to S3",
    "Mobile offline mode",
    "Bulk import of contacts",
    "Slack notifications",
    "Multi-currency quotes",
    "Field-level permissions",
    "API rate limit raise",
    "Data residency in the EU",
    "Webhooks for invoices",
    "Dark mode",
];
const TRAINING: [(&str, &str, &str); 6] = [
    ("Product fundamentals", "NEW_HIRE", "PRODUCT"),
    ("Selling the platform", "NEW_HIRE", "SELLING"),
    ("Retail industry primer", "VETERAN", "INDUSTRY"),
    ("Strategic negotiation", "VETERAN", "STRATEGIC_NEGOTIATION"),
    ("Coaching your team", "MANAGER", "COACHING"),
    ("Pipeline data hygiene", "MANAGER", "DATA"),
];
const RELEASES: [&str; 6] = [
    "Faster quote approvals",
    "Usage-based health scores",
    "Renewal reminders",
    "Partner rebates report",
    "Contract clause library",
    "EU data residency",
];
const PARTNERS: [(&str, &str, i32); 4] = [
    ("Nordic Resellers", "RESELLER", 1_000),
    ("Atlas Integrators", "SYSTEM_INTEGRATOR", 800),
    ("CloudMart", "CLOUD_MARKETPLACE", 500),
    ("Vertex Partners", "RESELLER", 1_200),
];
/// The states of contracts in the contracting stage, taken in turn.
const CONTRACTING_STATES: [&str; 5] = ["IN_LEGAL_REVIEW", "DRAFT", "APPROVED", "IN_LEGAL_REVIEW", "CHANGES_REQUESTED"];
/// Lead sources that come from a campaign channel of the same name.
const CAMPAIGN_CHANNELS: [&str; 6] = ["SEO", "SEM", "SOCIAL", "EVENT", "CONTENT", "WEBINAR"];

fn slug(s: &str) -> String {
    s.to_lowercase().replace(' ', "-")
}

// ---------------------------------------------------------------------------------------------
// The plan of the deals (one per account), computed before anything is written.

struct QuotePlan {
    id: Uuid,
    status: &'static str,
    at: DateTime<Utc>,
    discount_bp: i32,
    lines: Vec<(Uuid, Line)>,
    subtotal: i64,
    discount: i64,
    total: i64,
    term: i32,
    approved_by: Option<Uuid>,
    approved_at: Option<DateTime<Utc>>,
    accepted_at: Option<DateTime<Utc>>,
    version: i32,
}

struct PaymentPlan {
    id: Uuid,
    refund_of: Option<Uuid>,
    amount: i64,
    at: DateTime<Utc>,
}

struct InvoicePlan {
    id: Uuid,
    sequence: i32,
    status: &'static str,
    amount: i64,
    paid: i64,
    issue_on: NaiveDate,
    due_on: NaiveDate,
    issued_at: Option<DateTime<Utc>>,
    number: Option<i64>,
    payments: Vec<PaymentPlan>,
}

struct ContractPlan {
    id: Uuid,
    status: &'static str,
    custom: bool,
    schedule: PaymentSchedule,
    at: DateTime<Utc>,
    submitted_at: Option<DateTime<Utc>>,
    approved_at: Option<DateTime<Utc>>,
    approved_by: Option<Uuid>,
    by_policy: bool,
    signed_at: Option<DateTime<Utc>>,
    version: i32,
    approved_version: Option<i32>,
    updated_at: DateTime<Utc>,
    invoices: Vec<InvoicePlan>,
}

struct PackagePlan {
    id: Uuid,
    status: &'static str,
    submitted_at: Option<DateTime<Utc>>,
    accepted_at: Option<DateTime<Utc>>,
}

struct SubscriptionPlan {
    id: Uuid,
    tier: Option<&'static str>,
    seats: i32,
    start_on: NaiveDate,
    end_on: NaiveDate,
    mrr: i64,
    status: &'static str,
    renewal: Option<Uuid>,
}

struct Deal {
    lead: Uuid,
    account: Uuid,
    opportunity: Uuid,
    contacts: [Uuid; 3],
    company: String,
    domain: String,
    industry: &'static str,
    size: i32,
    source: LeadSource,
    opened: DateTime<Utc>,
    owner: Uuid,
    sdr: Uuid,
    stage: Stage,
    value: i64,
    closed_at: Option<DateTime<Utc>>,
    quotes: Vec<QuotePlan>,
    contract: Option<ContractPlan>,
    package: Option<PackagePlan>,
    subscription: Option<SubscriptionPlan>,
    cs_owner: Option<Uuid>,
    vip: bool,
    churned_at: Option<DateTime<Utc>>,
    referrer: Option<Uuid>,
    partner: Option<Uuid>,
    campaign: Option<Uuid>,
}

impl Deal {
    fn accepted_quote(&self) -> Option<&QuotePlan> {
        self.quotes.iter().find(|q| q.status == "ACCEPTED" || (q.status == "VOIDED" && self.contract.is_some()))
    }
}

/// The people the data is spread over.
struct People {
    sdr: Uuid,
    ae: Uuid,
    sales_manager: Uuid,
    sales_manager2: Uuid,
    marketing: Uuid,
    product: Uuid,
    cs: Uuid,
    cs_manager: Uuid,
    legal: Uuid,
    finance: Uuid,
    sdrs: Vec<Uuid>,
    aes: Vec<Uuid>,
    css: Vec<Uuid>,
    demo: Vec<Uuid>,
}

impl People {
    /// The demo SDR most of the time, another SDR otherwise.
    fn sdr_for(&self, rng: &mut Rng) -> Uuid {
        if rng.chance(80) { self.sdr } else { rng.pick(&self.sdrs[1..]) }
    }
    /// The demo account executive most of the time, another one otherwise.
    fn ae_for(&self, rng: &mut Rng) -> Uuid {
        if rng.chance(60) { self.ae } else { rng.pick(&self.aes[1..]) }
    }
    fn cs_for(&self, rng: &mut Rng) -> Uuid {
        if rng.chance(60) { self.cs } else { rng.pick(&self.css[1..]) }
    }
}

struct Catalog {
    plans: [(Uuid, &'static str, i64); 3],
    addon: (Uuid, i64),
    custom: (Uuid, i64),
    saas_template: Uuid,
    custom_template: Uuid,
    clauses: Vec<(String, String)>,
}

/// A campaign per channel and quarter of the span.
struct Campaigns {
    ids: HashMap<(&'static str, i64), Uuid>,
    start: DateTime<Utc>,
    quarter: Duration,
}

impl Campaigns {
    fn of(&self, source: LeadSource, at: DateTime<Utc>) -> Option<Uuid> {
        let channel = CAMPAIGN_CHANNELS.iter().find(|c| **c == source.as_str())?;
        let q = ((at - self.start).num_seconds() / self.quarter.num_seconds().max(1)).clamp(0, 3);
        self.ids.get(&(*channel, q)).copied()
    }
}

impl App {
    /// `baton seed --demo --scale N`: fills the demo organization (created first when missing)
    /// with `leads` leads and everything derived from them. Refuses an organization that
    /// already holds scale data. See the module documentation.
    #[tracing::instrument(skip_all)]
    pub async fn seed_scale(&self, leads: u64) -> Result<ScaleReport, AppError> {
        if leads < MIN_LEADS {
            return Err(AppError::bad_input("scale", format!("must be at least {MIN_LEADS} leads")));
        }
        let org_id = self.seed_demo().await?;
        let txn = self.tx().await?;
        let org = crate::kernel::tx::load_org(&txn, org_id).await?;
        let marker = SCALE_USERS[0].0;
        if user::Entity::find().filter(user::Column::Email.eq(marker)).one(&txn).await?.is_some() {
            return Err(AppError::Conflict(format!(
                "the demo organization already holds scale data ({marker} exists); scale a fresh database"
            )));
        }
        let people = people(&txn, org_id).await?;
        let catalog = catalog(&txn, org_id).await?;
        let mut report = ScaleReport {
            tables: vec![("users", SCALE_USERS.len() as u64), ("teams", 2), ("team_members", SCALE_TEAM_MEMBERS)],
        };
        let seed = 0x00C0_FFEE ^ (org_id.as_u128() as u64);
        let now = Utc::now();
        let start = now - Duration::days(SPAN_DAYS);
        let span_ms = SPAN_DAYS * 86_400_000;
        let lead_time = |i: u64| start + Duration::milliseconds((i as i64).saturating_mul(span_ms) / leads as i64);
        let base = Base { org: &org, people: &people, catalog: &catalog, now };

        let g = base.on(&txn);
        // Bulk loading on PostgreSQL: secondary indexes and foreign keys of the filled tables
        // are dropped, and recreated (and so validated) before the commit.
        let deferred = match txn.get_database_backend() {
            DbBackend::Postgres => Some(Deferred::drop(&txn).await?),
            _ => None,
        };
        let mut rng = Rng(seed);
        let partners = g.partners(&mut rng, start, &mut report).await?;
        let campaigns = g.campaigns(&mut rng, start, &mut report).await?;
        let mut deals = g.plan_deals(&mut rng, leads, &lead_time, &partners, &campaigns);
        g.number_invoices(&mut deals).await?;
        g.accounts(&deals, &mut report).await?;
        g.contacts(&mut rng, &deals, &mut report).await?;
        g.opportunities(&mut rng, &deals, &mut report).await?;
        g.leads(&mut rng, 0..leads, &lead_time, &deals, &partners, &campaigns, &mut report).await?;
        g.deal_activities(&mut rng, &deals, &mut report).await?;
        g.quotes(&deals, &mut report).await?;
        g.contracts(&mut rng, &deals, &mut report).await?;
        g.finance(&mut rng, &deals, &mut report).await?;
        g.after_signing(&mut rng, &deals, &mut report).await?;
        g.product(&mut rng, &deals, start, &mut report).await?;
        g.compliance(&mut rng, &deals, &mut report).await?;
        g.enablement(&mut rng, start, &mut report).await?;
        if let Some(d) = deferred {
            d.restore(&txn).await?;
        }
        // The clocks and tasks look up the new leads, so they come once the indexes are back.
        g.work(&mut rng, &deals, &mut report).await?;
        // The triggers counted every row inserted, a delta row per statement: one row a group.
        crate::kernel::counts::fold(&txn).await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            // Every table the seed filled gets its statistics now, once, not at the next
            // autovacuum: without them the planner takes the search index's million documents
            // for a few hundred and intersects them with the organization's (82 vs 1 ms).
            let filled: Vec<&str> = BULK_TABLES.iter().chain(&LATER_TABLES).copied().collect();
            txn.execute_unprepared(&format!("ANALYZE {}", filled.join(", "))).await?;
        }
        txn.commit().await?;
        Ok(report)
    }
}

/// The tables filled beside the bulk tables: by the database's triggers as the bulk tables are
/// written, and by the clocks and tasks that come once the indexes are back.
const LATER_TABLES: [&str; 6] =
    ["search_documents", "search_words", "daily_counts", "lead_counts", "sla_clocks", "tasks"];

/// The tables the generator fills in bulk.
const BULK_TABLES: [&str; 32] = [
    "partners",
    "campaigns",
    "accounts",
    "contacts",
    "opportunities",
    "leads",
    "consents",
    "activities",
    "quotes",
    "quote_lines",
    "contracts",
    "contract_clauses",
    "invoices",
    "payments",
    "commission_entries",
    "subscriptions",
    "delivery_projects",
    "handoff_packages",
    "onboarding_milestones",
    "usage_snapshots",
    "business_reviews",
    "referral_rewards",
    "win_loss_reviews",
    "feature_requests",
    "feature_asks",
    "release_notes",
    "release_acknowledgements",
    "messaging_versions",
    "gifts",
    "quotas",
    "training_programmes",
    "training_completions",
];

/// The secondary indexes and foreign keys of the bulk tables on PostgreSQL, as the catalog
/// states them. Building an index once over all rows, and checking a foreign key with one join,
/// is much faster than maintaining them row by row; the schema is the same after `restore`,
/// and everything happens inside the seeding transaction.
struct Deferred {
    indexes: Vec<(String, String)>,
    foreign_keys: Vec<(String, String, String)>,
}

impl Deferred {
    async fn drop(txn: &DatabaseTransaction) -> Result<Deferred, DbErr> {
        let tables = BULK_TABLES.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ");
        let q = |sql: String| Statement::from_string(DbBackend::Postgres, sql);
        let mut foreign_keys = vec![];
        for r in txn
            .query_all_raw(q(format!(
                "SELECT c.conrelid::regclass::text AS t, c.conname AS n, pg_get_constraintdef(c.oid) AS d \
                 FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text IN ({tables})"
            )))
            .await?
        {
            foreign_keys.push((r.try_get("", "t")?, r.try_get("", "n")?, r.try_get("", "d")?));
        }
        let mut indexes = vec![];
        for r in txn
            .query_all_raw(q(format!(
                "SELECT i.indexname AS n, i.indexdef AS d FROM pg_indexes i \
                 WHERE i.schemaname = current_schema() AND i.tablename IN ({tables}) \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
            )))
            .await?
        {
            indexes.push((r.try_get("", "n")?, r.try_get("", "d")?));
        }
        for (t, n, _) in &foreign_keys {
            txn.execute_unprepared(&format!("ALTER TABLE {t} DROP CONSTRAINT \"{n}\"")).await?;
        }
        for (n, _) in &indexes {
            txn.execute_unprepared(&format!("DROP INDEX \"{n}\"")).await?;
        }
        Ok(Deferred { indexes, foreign_keys })
    }

    async fn restore(self, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        for (_, d) in &self.indexes {
            txn.execute_unprepared(d).await?;
        }
        for (t, n, d) in &self.foreign_keys {
            txn.execute_unprepared(&format!("ALTER TABLE {t} ADD CONSTRAINT \"{n}\" {d}")).await?;
        }
        Ok(())
    }
}

/// Looks up the demo users and adds the scale users and their teams.
async fn people(txn: &DatabaseTransaction, org: Uuid) -> Result<People, AppError> {
    let by_email = |email: &'static str| async move {
        user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .filter(user::Column::OrganizationId.eq(org))
            .one(txn)
            .await?
            .map(|u| u.id)
            .ok_or(AppError::NotFound("demo user"))
    };
    let mut extra = HashMap::new();
    for (email, name, role) in SCALE_USERS {
        let e = Email::parse(email).map_err(AppError::text("email"))?;
        let u = crate::admin::org::insert_user(txn, org, name, &e, crate::admin::seed::DEMO_PASSWORD, &[role]).await?;
        extra.insert(email, u.id);
    }
    let p = People {
        sdr: by_email("sdr@demo.test").await?,
        ae: by_email("ae@demo.test").await?,
        sales_manager: by_email("salesmanager@demo.test").await?,
        sales_manager2: extra["salesmanager2@demo.test"],
        marketing: by_email("marketing@demo.test").await?,
        product: by_email("product@demo.test").await?,
        cs: by_email("cs@demo.test").await?,
        cs_manager: by_email("csmanager@demo.test").await?,
        legal: by_email("legal@demo.test").await?,
        finance: by_email("finance@demo.test").await?,
        sdrs: vec![],
        aes: vec![],
        css: vec![],
        demo: vec![],
    };
    let sdrs = vec![p.sdr, extra["sdr2@demo.test"], extra["sdr3@demo.test"], extra["sdr4@demo.test"]];
    let aes =
        vec![p.ae, extra["ae2@demo.test"], extra["ae3@demo.test"], extra["ae4@demo.test"], extra["ae5@demo.test"]];
    let css = vec![p.cs, extra["cs2@demo.test"], extra["cs3@demo.test"]];
    let mut demo = vec![];
    for (email, _, _) in crate::admin::seed::DEMO_USERS {
        demo.push(by_email(email).await?);
    }
    // The demo team (the manager's "Direct Sales") grows; a second manager leads key accounts.
    let direct = team::Entity::find()
        .filter(team::Column::OrganizationId.eq(org))
        .filter(team::Column::ManagerId.eq(p.sales_manager))
        .order_by_asc(team::Column::Id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("demo team"))?;
    let now = Utc::now();
    let key_accounts = Uuid::now_v7();
    let channel = Uuid::now_v7();
    for (id, name, kind, manager) in [
        (key_accounts, "Key Accounts", "KEY_ACCOUNT", p.sales_manager2),
        (channel, "Channel Sales", "CHANNEL", p.sales_manager2),
    ] {
        team::ActiveModel {
            id: Set(id),
            organization_id: Set(org),
            name: Set(name.to_owned()),
            kind: Set(kind.to_owned()),
            manager_id: Set(manager),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    for (t, u) in [
        (direct.id, aes[1]),
        (direct.id, sdrs[1]),
        (key_accounts, aes[2]),
        (key_accounts, aes[3]),
        (key_accounts, sdrs[2]),
        (channel, aes[4]),
        (channel, sdrs[3]),
    ] {
        crate::admin::org::insert_member(txn, org, t, u).await?;
    }
    Ok(People { sdrs, aes, css, demo, ..p })
}

async fn catalog(txn: &DatabaseTransaction, org: Uuid) -> Result<Catalog, AppError> {
    let products: HashMap<String, product::Model> = product::Entity::find()
        .filter(product::Column::OrganizationId.eq(org))
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.sku.clone(), p))
        .collect();
    let sku = |s: &str| products.get(s).map(|p| (p.id, p.unit_price_minor)).ok_or(AppError::NotFound("demo product"));
    let (basic, pro, ent) = (sku("PLAN-BASIC")?, sku("PLAN-PRO")?, sku("PLAN-ENT")?);
    let template = |kind: TemplateKind| async move {
        contract_template::Entity::find()
            .filter(contract_template::Column::OrganizationId.eq(org))
            .filter(contract_template::Column::Kind.eq(kind.as_str()))
            .one(txn)
            .await?
            .map(|t| t.id)
            .ok_or(AppError::NotFound("contract template"))
    };
    Ok(Catalog {
        plans: [(basic.0, "BASIC", basic.1), (pro.0, "PROFESSIONAL", pro.1), (ent.0, "ENTERPRISE", ent.1)],
        addon: sku("ADDON-MODULE")?,
        custom: sku("CUSTOM-DEV")?,
        saas_template: template(TemplateKind::SaasServiceAgreement).await?,
        custom_template: template(TemplateKind::CustomDevelopment).await?,
        clauses: crate::admin::org::STANDARD_CLAUSES.iter().map(|(k, t)| ((*k).to_owned(), (*t).to_owned())).collect(),
    })
}

/// What every writer of the scale data shares.
struct Base<'a> {
    org: &'a organization::Model,
    people: &'a People,
    catalog: &'a Catalog,
    now: DateTime<Utc>,
}

impl Base<'_> {
    /// A writer on one transaction.
    fn on<'t>(&'t self, txn: &'t DatabaseTransaction) -> Generator<'t> {
        Generator { txn, org: self.org, people: self.people, catalog: self.catalog, now: self.now }
    }
}

struct Generator<'a> {
    txn: &'a DatabaseTransaction,
    org: &'a organization::Model,
    people: &'a People,
    catalog: &'a Catalog,
    now: DateTime<Utc>,
}

impl Generator<'_> {
    /// Clamps a planned time to the past.
    fn past(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        t.min(self.now - Duration::minutes(5))
    }

    fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    /// The smallest unit of the organization's currency, in hundredths.
    fn unit(&self) -> i64 {
        crate::kernel::money::ledger_unit_of(self.org.currency.as_str())
    }

    async fn partners(
        &self,
        rng: &mut Rng,
        start: DateTime<Utc>,
        report: &mut ScaleReport,
    ) -> Result<Vec<Uuid>, DbErr> {
        let mut rows = Rows::new(self.txn, "partners", "id, organization_id, name, kind, rebate_bp, created_at");
        let mut ids = vec![];
        for (name, kind, bp) in PARTNERS {
            let id = rng.id_at(start);
            ids.push(id);
            rows.push([v(id), v(self.org.id), v(name), v(kind), v(bp), v(start)]).await?;
        }
        rows.finish(report).await?;
        Ok(ids)
    }

    async fn campaigns(
        &self,
        rng: &mut Rng,
        start: DateTime<Utc>,
        report: &mut ScaleReport,
    ) -> Result<Campaigns, DbErr> {
        let quarter = Duration::days(SPAN_DAYS / 4 + 1);
        let mut rows = Rows::new(
            self.txn,
            "campaigns",
            "id, organization_id, name, channel, budget_minor, spend_minor, currency, starts_on, ends_on, \
             created_by, version, created_at, updated_at",
        );
        let mut ids = HashMap::new();
        for q in 0..4i64 {
            let begins = start + quarter * q as i32;
            for channel in CAMPAIGN_CHANNELS {
                let id = rng.id_at(begins);
                ids.insert((channel, q), id);
                let budget = rng.range(20, 200) * 100_000;
                let ends = (begins + quarter).date_naive();
                let spend = if ends < self.today() { budget * rng.range(70, 105) / 100 } else { budget / 3 };
                rows.push([
                    v(id),
                    v(self.org.id),
                    v(format!("{channel} Q{} push", q + 1)),
                    v(channel),
                    v(budget),
                    v(spend),
                    v(self.org.currency.as_str()),
                    v(begins.date_naive()),
                    v(Some(ends)),
                    v(self.people.marketing),
                    v(2),
                    v(begins),
                    v(self.past(begins + quarter)),
                ])
                .await?;
            }
        }
        rows.finish(report).await?;
        Ok(Campaigns { ids, start, quarter })
    }

    /// One deal per converted lead (every tenth lead), with its quotes, contract, invoices,
    /// payments, subscription and hand-off package. Older deals are further along.
    fn plan_deals(
        &self,
        rng: &mut Rng,
        leads: u64,
        lead_time: &dyn Fn(u64) -> DateTime<Utc>,
        partners: &[Uuid],
        campaigns: &Campaigns,
    ) -> Vec<Deal> {
        let p = self.people;
        let count = leads.div_ceil(10);
        let limits_rep = i64::from(self.org.discount_limit_rep_bp);
        let mut deals: Vec<Deal> = Vec::with_capacity(count as usize);
        let mut won: Vec<Uuid> = vec![];
        let (mut proposals, mut contracting) = (0usize, 0usize);
        for j in 0..count {
            let li = j * 10;
            let lead_created = lead_time(li);
            let opened = self.past(lead_created + Duration::hours(rng.range(24, 24 * 14)));
            let f = j as f64 / count as f64;
            let stage = if f < 0.70 {
                if rng.chance(55) { Stage::ClosedWon } else { Stage::ClosedLost }
            } else {
                let g = (f - 0.70) / 0.30;
                let mut k = 5 - ((g * 6.0) as i64).min(5);
                if rng.chance(25) {
                    k = (k + rng.range(-1, 1)).clamp(0, 5);
                }
                [
                    Stage::Discovery,
                    Stage::NeedsAnalysis,
                    Stage::Demo,
                    Stage::Proposal,
                    Stage::Negotiation,
                    Stage::Contracting,
                ][k as usize]
            };
            let (a, b) = (rng.pick(&COMPANY_A), rng.pick(&COMPANY_B));
            let company = format!("{a} {b} {}", j + 1);
            let domain = format!("{}.example", slug(&company));
            let mut source = rng.pick(LeadSource::ALL);
            let referrer = match source {
                LeadSource::Referral if !won.is_empty() => Some(rng.pick(&won)),
                LeadSource::Referral => {
                    source = LeadSource::Seo;
                    None
                }
                _ => None,
            };
            let partner = (source == LeadSource::Partner).then(|| rng.pick(partners));
            let owner = p.ae_for(rng);
            let account = rng.id_at(opened);
            let opportunity = rng.id_at(opened);
            let contacts = [rng.id_at(opened), rng.id_at(opened), rng.id_at(opened)];
            let lead = rng.id_at(lead_created);
            let mut d = Deal {
                lead,
                account,
                opportunity,
                contacts,
                company,
                domain,
                industry: rng.pick(&INDUSTRIES),
                size: rng.range(10, 5_000) as i32,
                source,
                opened,
                owner,
                sdr: p.sdr_for(rng),
                stage,
                value: rng.range(50, 2_000) * 10_000,
                closed_at: None,
                quotes: vec![],
                contract: None,
                package: None,
                subscription: None,
                cs_owner: None,
                vip: false,
                churned_at: None,
                referrer,
                partner,
                campaign: campaigns.of(source, lead_created),
            };
            let cycle = Duration::days(rng.range(14, 90));
            if matches!(stage, Stage::ClosedWon | Stage::ClosedLost) {
                d.closed_at = Some(self.past(opened + cycle));
            }
            // Quotes from the proposal on; lost deals sometimes got that far.
            let quoted = match stage {
                Stage::Proposal | Stage::Negotiation | Stage::Contracting | Stage::ClosedWon => true,
                Stage::ClosedLost => rng.chance(60),
                _ => false,
            };
            if quoted {
                let custom = rng.chance(15);
                let term = if custom { 6 } else { rng.pick(&[12, 12, 24, 36]) };
                let qat = self.past(opened + cycle / 3);
                let make = |rng: &mut Rng, status: &'static str, at: DateTime<Utc>| {
                    let discount_bp: i32 = if status == "PENDING_APPROVAL" {
                        rng.pick(&[1_500, 2_000])
                    } else {
                        rng.pick(&[0, 500, 1_000, 1_500])
                    };
                    let mut lines = vec![];
                    if custom {
                        let (id, price) = self.catalog.custom;
                        let qty = rng.range(1, 3);
                        lines.push((
                            id,
                            Line {
                                model: PricingModel::FixedPrice,
                                unit_price_minor: price,
                                quantity: qty,
                                term_months: i64::from(term),
                            },
                        ));
                    } else {
                        let (id, _, price) = rng.pick(&self.catalog.plans);
                        let seats = rng.range(10, 250);
                        lines.push((
                            id,
                            Line {
                                model: PricingModel::PerSeat,
                                unit_price_minor: price,
                                quantity: seats,
                                term_months: i64::from(term),
                            },
                        ));
                        if rng.chance(30) {
                            let (aid, aprice) = self.catalog.addon;
                            lines.push((
                                aid,
                                Line {
                                    model: PricingModel::PerModule,
                                    unit_price_minor: aprice,
                                    quantity: seats,
                                    term_months: i64::from(term),
                                },
                            ));
                        }
                    }
                    let line_values: Vec<Line> = lines.iter().map(|(_, l)| *l).collect();
                    let t = baton_domain::quote::totals(&line_values, i64::from(discount_bp), self.unit()).unwrap_or(
                        baton_domain::quote::Totals { subtotal_minor: 0, discount_minor: 0, total_minor: 0 },
                    );
                    let needs_approval = i64::from(discount_bp) > limits_rep && status != "PENDING_APPROVAL";
                    let approved_at = (status != "PENDING_APPROVAL").then(|| self.past(at + Duration::hours(20)));
                    QuotePlan {
                        id: rng.id_at(at),
                        status,
                        at,
                        discount_bp,
                        lines,
                        subtotal: t.subtotal_minor,
                        discount: t.discount_minor,
                        total: t.total_minor,
                        term,
                        approved_by: needs_approval.then_some(p.sales_manager),
                        approved_at: if needs_approval { approved_at } else { None },
                        accepted_at: None,
                        version: 1,
                    }
                };
                if stage == Stage::Negotiation && rng.chance(30) {
                    d.quotes.push(make(rng, "SUPERSEDED", qat - Duration::days(3)));
                }
                let status = match stage {
                    Stage::Proposal => {
                        proposals += 1;
                        if proposals % 3 == 1 { "PENDING_APPROVAL" } else { "APPROVED" }
                    }
                    Stage::Negotiation => "APPROVED",
                    Stage::ClosedLost => "VOIDED",
                    _ => "ACCEPTED",
                };
                let mut q = make(rng, status, qat);
                if status == "ACCEPTED" || (status == "VOIDED" && rng.chance(35)) {
                    q.accepted_at = Some(self.past(qat + Duration::days(2)));
                }
                d.value = q.total;
                let contracted = q.accepted_at.is_some();
                let (total, qterm) = (q.total, q.term);
                d.quotes.push(q);
                if contracted {
                    let status = match stage {
                        Stage::ClosedWon => "SIGNED",
                        Stage::ClosedLost => "VOIDED",
                        _ => {
                            contracting += 1;
                            CONTRACTING_STATES[contracting % CONTRACTING_STATES.len()]
                        }
                    };
                    d.contract = Some(self.plan_contract(rng, &d, status, (custom, total, qterm), cycle));
                }
            }
            if stage == Stage::ClosedWon {
                won.push(d.account);
            }
            deals.push(d);
        }
        self.plan_after_signing(rng, &mut deals);
        self.cover_aging(&mut deals);
        deals
    }

    /// Makes sure every aging bucket holds an outstanding invoice when some issued invoice is
    /// due in its range: the most recent paid one there stays unpaid instead.
    fn cover_aging(&self, deals: &mut [Deal]) {
        let today = self.today();
        let bucket = |i: &InvoicePlan| inv::aging_bucket(inv::days_overdue(i.due_on, today));
        let mut covered = [false; inv::AGING_BUCKETS.len()];
        for i in deals.iter().filter_map(|d| d.contract.as_ref()).flat_map(|c| &c.invoices) {
            if matches!(i.status, "ISSUED" | "PARTIALLY_PAID") {
                covered[bucket(i)] = true;
            }
        }
        for (b, done) in covered.iter().enumerate() {
            if *done {
                continue;
            }
            let paid = deals
                .iter_mut()
                .rev()
                .filter_map(|d| d.contract.as_mut())
                .flat_map(|c| c.invoices.iter_mut())
                .find(|i| i.status == "PAID" && bucket(i) == b);
            if let Some(i) = paid {
                i.status = "ISSUED";
                i.paid = 0;
                i.payments.clear();
            }
        }
    }

    fn plan_contract(
        &self,
        rng: &mut Rng,
        d: &Deal,
        status: &'static str,
        (custom, value, term): (bool, i64, i32),
        cycle: Duration,
    ) -> ContractPlan {
        let p = self.people;
        let at = self.past(d.opened + cycle / 2);
        let schedule = if custom {
            PaymentSchedule::Milestones
        } else {
            rng.pick(&[
                PaymentSchedule::Annual,
                PaymentSchedule::Annual,
                PaymentSchedule::Quarterly,
                PaymentSchedule::Upfront,
            ])
        };
        let submitted_at = (status != "DRAFT").then(|| self.past(at + Duration::days(1)));
        let approved = matches!(status, "APPROVED" | "SIGNED");
        let by_policy = approved && rng.chance(20);
        let approved_at = approved.then(|| self.past(at + Duration::days(2)));
        let signed_at = (status == "SIGNED").then(|| d.closed_at.unwrap_or(at));
        let version = match status {
            "DRAFT" => 1,
            "IN_LEGAL_REVIEW" => 2,
            "CHANGES_REQUESTED" => 3,
            "APPROVED" => 3,
            "SIGNED" => 4,
            _ => 2,
        };
        let mut c = ContractPlan {
            id: rng.id_at(at),
            status,
            custom,
            schedule,
            at,
            submitted_at,
            approved_at,
            approved_by: if approved && !by_policy { Some(p.legal) } else { None },
            by_policy,
            signed_at,
            version,
            approved_version: approved.then_some(3),
            updated_at: signed_at.or(approved_at).or(submitted_at).unwrap_or(at),
            invoices: vec![],
        };
        if let Some(signed) = signed_at {
            c.invoices = self.plan_invoices(rng, schedule, value, term, signed);
        }
        c
    }

    /// The invoices of a signed contract: issued up to today (paid, partly paid, unpaid or
    /// void, more often unpaid the more recent), scheduled after.
    fn plan_invoices(
        &self,
        rng: &mut Rng,
        schedule: PaymentSchedule,
        value: i64,
        term: i32,
        signed: DateTime<Utc>,
    ) -> Vec<InvoicePlan> {
        let today = self.today();
        inv::schedule(schedule, value, self.unit(), u32::try_from(term).unwrap_or(12), signed.date_naive())
            .into_iter()
            .map(|step| {
                let first = step.sequence == 1;
                let created = rng.id_at(signed);
                let mut i = InvoicePlan {
                    id: created,
                    sequence: step.sequence,
                    status: "SCHEDULED",
                    amount: step.amount_minor,
                    paid: 0,
                    issue_on: step.issue_on,
                    due_on: step.due_on,
                    issued_at: None,
                    number: None,
                    payments: vec![],
                };
                if step.issue_on > today {
                    return i;
                }
                let issued = if first { signed } else { self.past(at_nine(step.issue_on)) };
                i.issued_at = Some(issued);
                let overdue = (today - step.due_on).num_days();
                let unpaid_pct = if overdue < -10 {
                    55
                } else if overdue < 120 {
                    35
                } else {
                    6
                };
                let r = rng.below(100);
                let pay_at = |rng: &mut Rng| {
                    let latest =
                        if overdue > 0 { at_nine(step.due_on) + Duration::days(rng.range(-20, 25)) } else { self.now };
                    let t = issued + Duration::hours(rng.range(2, 24 * 25));
                    self.past(t.min(latest).max(issued + Duration::hours(1)))
                };
                if r < 2 {
                    i.status = "VOID";
                } else if r < 2 + unpaid_pct {
                    i.status = "ISSUED";
                } else if r < 10 + unpaid_pct {
                    let part = i.amount * rng.range(20, 70) / 100;
                    let at = pay_at(rng);
                    i.payments.push(PaymentPlan { id: rng.id_at(at), refund_of: None, amount: part, at });
                    i.paid = part;
                    i.status = "PARTIALLY_PAID";
                } else {
                    let at = pay_at(rng);
                    let full = PaymentPlan { id: rng.id_at(at), refund_of: None, amount: i.amount, at };
                    let full_id = full.id;
                    i.payments.push(full);
                    i.paid = i.amount;
                    i.status = "PAID";
                    if rng.chance(2) {
                        let refund = i.amount / 10;
                        let rat = self.past(at + Duration::days(5));
                        i.payments.push(PaymentPlan {
                            id: rng.id_at(rat),
                            refund_of: Some(full_id),
                            amount: refund,
                            at: rat,
                        });
                        i.paid -= refund;
                        i.status = "PARTIALLY_PAID";
                    }
                }
                i
            })
            .collect()
    }

    /// Hand-off packages, customer success owners, subscriptions and renewals of the won deals.
    fn plan_after_signing(&self, rng: &mut Rng, deals: &mut [Deal]) {
        let p = self.people;
        let mut won: Vec<usize> = (0..deals.len()).filter(|k| deals[*k].stage == Stage::ClosedWon).collect();
        won.sort_by_key(|k| deals[*k].closed_at);
        let n = won.len();
        let today = self.today();
        let renewal_days = u64::try_from(self.org.renewal_lead_days).unwrap_or(90);
        for (rank, k) in won.into_iter().enumerate() {
            let from_newest = n - rank;
            let d = &mut deals[k];
            let Some(signed) = d.contract.as_ref().and_then(|c| c.signed_at) else { continue };
            let status = if from_newest * 100 <= n * 4 {
                "DRAFT"
            } else if from_newest * 100 <= n * 12 {
                "SUBMITTED"
            } else if rng.chance(5) {
                "RETURNED"
            } else {
                "ACCEPTED"
            };
            let submitted_at = (status != "DRAFT").then(|| self.past(signed + Duration::days(rng.range(1, 4))));
            let accepted_at = (status == "ACCEPTED")
                .then(|| self.past(submitted_at.unwrap_or(signed) + Duration::days(rng.range(1, 5))));
            if status == "ACCEPTED" {
                d.cs_owner = Some(p.cs_for(rng));
                d.vip = rng.chance(10);
            }
            d.package = Some(PackagePlan { id: rng.id_at(signed), status, submitted_at, accepted_at });
            let Some(c) = d.contract.as_ref() else { continue };
            if c.custom {
                continue;
            }
            let quote = d.quotes.iter().find(|q| q.status == "ACCEPTED");
            let seat = quote.and_then(|q| q.lines.first()).map(|(id, l)| (*id, l.quantity));
            let tier =
                seat.and_then(|(id, _)| self.catalog.plans.iter().find(|(pid, _, _)| *pid == id).map(|(_, t, _)| *t));
            let term = quote.map(|q| q.term).unwrap_or(12).max(1);
            let start_on = signed.date_naive();
            let end_on =
                start_on.checked_add_months(Months::new(u32::try_from(term).unwrap_or(12))).unwrap_or(start_on);
            let churned = d.cs_owner.is_some() && rng.chance(3);
            if churned {
                d.churned_at = Some(self.past(signed + Duration::days(rng.range(60, 200))));
            }
            let opens_on = end_on.checked_sub_days(Days::new(renewal_days)).unwrap_or(end_on);
            let renewal = (!churned && opens_on <= today).then(|| rng.id_at(at_nine(opens_on)));
            d.subscription = Some(SubscriptionPlan {
                id: rng.id_at(signed),
                tier,
                seats: seat.map(|(_, q)| i32::try_from(q).unwrap_or(0)).unwrap_or(0),
                start_on,
                end_on,
                mrr: d.value / i64::from(term),
                status: if churned { "CHURNED" } else { "ACTIVE" },
                renewal,
            });
        }
    }

    /// Gap-free invoice numbers in the order the invoices were issued, after the organization's
    /// counter; the counter moves past them (the transaction's first write to that row).
    async fn number_invoices(&self, deals: &mut [Deal]) -> Result<(), DbErr> {
        let mut issued: Vec<&mut InvoicePlan> = deals
            .iter_mut()
            .filter_map(|d| d.contract.as_mut())
            .flat_map(|c| c.invoices.iter_mut())
            .filter(|i| i.issued_at.is_some())
            .collect();
        issued.sort_by_key(|i| (i.issued_at, i.id));
        let count = issued.len() as i64;
        for (k, i) in issued.into_iter().enumerate() {
            i.number = Some(self.org.invoice_counter + k as i64 + 1);
        }
        organization::Entity::update_many()
            .col_expr(
                organization::Column::InvoiceCounter,
                sea_orm::sea_query::Expr::value(self.org.invoice_counter + count),
            )
            .filter(organization::Column::Id.eq(self.org.id))
            .exec(self.txn)
            .await?;
        Ok(())
    }

    async fn accounts(&self, deals: &[Deal], report: &mut ScaleReport) -> Result<(), DbErr> {
        let mut rows = Rows::new(
            self.txn,
            "accounts",
            "id, organization_id, name, domain, industry, company_size, account_executive_id, cs_owner_id, \
             tier, account_manager_id, health_override, health_override_reason, churned_at, churn_reason, \
             version, created_at, updated_at",
        );
        for d in deals {
            let updated = d.churned_at.or(d.package.as_ref().and_then(|p| p.accepted_at)).unwrap_or(d.opened);
            rows.push([
                v(d.account),
                v(self.org.id),
                v(d.company.as_str()),
                v(Some(d.domain.clone())),
                v(Some(d.industry)),
                v(Some(d.size)),
                v(Some(d.owner)),
                v(d.cs_owner),
                v(if d.vip { "VIP" } else { "STANDARD" }),
                v(if d.vip { Some(self.people.cs_manager) } else { None }),
                v(Option::<i32>::None),
                v(Option::<String>::None),
                v(d.churned_at),
                v(d.churned_at.map(|_| "Moved to an in-house tool".to_owned())),
                v(if d.cs_owner.is_some() { 2 } else { 1 }),
                v(d.opened),
                v(updated),
            ])
            .await?;
        }
        rows.finish(report).await
    }

    async fn contacts(&self, rng: &mut Rng, deals: &[Deal], report: &mut ScaleReport) -> Result<(), DbErr> {
        let mut rows = Rows::new(
            self.txn,
            "contacts",
            "id, organization_id, account_id, name, email, phone, role, decision_maker, jurisdiction, \
             cross_border_basis, erased_at, version, created_at, updated_at",
        );
        for (j, d) in deals.iter().enumerate() {
            for (k, (role, dm)) in [("BUSINESS", true), ("IT", false), (rng.pick(&["EXECUTIVE", "PROCUREMENT"]), true)]
                .into_iter()
                .enumerate()
            {
                let (first, last) =
                    if k == 0 { lead_person(j as u64 * 10) } else { (rng.pick(&FIRST), rng.pick(&LAST)) };
                rows.push([
                    v(d.contacts[k]),
                    v(self.org.id),
                    v(d.account),
                    v(format!("{first} {last}")),
                    v(Some(format!("{}.{}@{}", first.to_lowercase(), last.to_lowercase(), d.domain))),
                    v(Some(format!("+1 555 {:04} {:03}", j % 10_000, k))),
                    v(role),
                    v(dm),
                    v(Option::<String>::None),
                    v(Option::<String>::None),
                    v(Option::<DateTime<Utc>>::None),
                    v(1),
                    v(d.opened),
                    v(d.opened),
                ])
                .await?;
            }
        }
        rows.finish(report).await
    }

    async fn opportunities(&self, rng: &mut Rng, deals: &[Deal], report: &mut ScaleReport) -> Result<(), DbErr> {
        let mut rows = Rows::new(
            self.txn,
            "opportunities",
            "id, organization_id, account_id, owner_id, lead_id, name, stage, estimated_value_minor, \
             currency, expected_close_date, probability, needs_analysis, loss_reason, closed_at, kind, \
             cs_credit_id, renewal_of, partner_id, version, created_at, updated_at",
        );
        let cur = self.org.currency.as_str();
        for d in deals {
            let k = Stage::ALL.iter().position(|s| *s == d.stage).unwrap_or(0);
            let expected = d.closed_at.unwrap_or(self.now + Duration::days(rng.range(10, 120)));
            let probability: Option<i32> = match d.stage {
                Stage::ClosedWon => Some(100),
                Stage::ClosedLost => Some(0),
                _ => Some([10, 20, 30, 50, 70, 90][k.min(5)]),
            };
            let needs = (k >= 1).then(|| {
                format!("{} wants {} for about {} people.", d.company, rng.pick(&PAINS).to_lowercase(), d.size)
            });
            rows.push([
                v(d.opportunity),
                v(self.org.id),
                v(d.account),
                v(d.owner),
                v(Some(d.lead)),
                v(format!("{} platform", d.company)),
                v(d.stage.as_str()),
                v(d.value),
                v(cur),
                v(Some(expected)),
                v(probability),
                v(needs),
                v((d.stage == Stage::ClosedLost).then(|| (rng.pick(&LOSS)).to_owned())),
                v(d.closed_at),
                v("NEW_BUSINESS"),
                v(Option::<Uuid>::None),
                v(Option::<Uuid>::None),
                v(d.partner),
                v(k as i32 + 1),
                v(d.opened),
                v(d.closed_at.unwrap_or(d.opened)),
            ])
            .await?;
            // Renewals the job would have opened for subscriptions inside their window.
            if let Some(s) = &d.subscription
                && let Some(id) = s.renewal
            {
                let opened = at_nine(
                    s.end_on
                        .checked_sub_days(Days::new(u64::try_from(self.org.renewal_lead_days).unwrap_or(90)))
                        .unwrap_or(s.end_on),
                );
                rows.push([
                    v(id),
                    v(self.org.id),
                    v(d.account),
                    v(d.owner),
                    v(Option::<Uuid>::None),
                    v(format!("Renewal: {}", d.company)),
                    v(if rng.chance(50) { "DISCOVERY" } else { "NEEDS_ANALYSIS" }),
                    v(s.mrr.saturating_mul(12)),
                    v(cur),
                    v(Some(at_nine(s.end_on) - Duration::hours(9))),
                    v(Option::<i32>::None),
                    v(Option::<String>::None),
                    v(Option::<String>::None),
                    v(Option::<DateTime<Utc>>::None),
                    v("RENEWAL"),
                    v(d.cs_owner),
                    v(Some(s.id)),
                    v(Option::<Uuid>::None),
                    v(1),
                    v(opened),
                    v(opened),
                ])
                .await?;
            }
        }
        rows.finish(report).await
    }

    #[allow(clippy::too_many_arguments)] // the lead stream needs the whole plan
    async fn leads(
        &self,
        rng: &mut Rng,
        leads: std::ops::Range<u64>,
        lead_time: &dyn Fn(u64) -> DateTime<Utc>,
        deals: &[Deal],
        partners: &[Uuid],
        campaigns: &Campaigns,
        report: &mut ScaleReport,
    ) -> Result<(), DbErr> {
        let mut rows = Rows::new(
            self.txn,
            "leads",
            "id, organization_id, owner_id, company_name, contact_name, contact_email, email_domain, \
             contact_phone, industry, company_size, source, pain_points, status, priority, \
             budget_confirmed, authority_confirmed, need_confirmed, timeline, qualification_notes, \
             disqualification_reason, first_contacted_at, converted_at, converted_account_id, \
             converted_opportunity_id, campaign_id, referred_by_account_id, partner_id, pooled_at, \
             jurisdiction, cross_border_basis, erased_at, disqualified_at, version, created_at, \
             updated_at",
        );
        let mut acts = Rows::new(
            self.txn,
            "activities",
            "id, organization_id, lead_id, opportunity_id, actor_id, kind, notes, occurred_at",
        );
        let mut consents = Rows::new(
            self.txn,
            "consents",
            "id, organization_id, subject_type, subject_id, purpose, lawful_basis, source, notice_version, \
             granted_at, withdrawn_at, recorded_by",
        );
        let won: Vec<Uuid> = deals.iter().filter(|d| d.stage == Stage::ClosedWon).map(|d| d.account).collect();
        let recent = self.now - Duration::days(2);
        let mut contacted: Vec<(Uuid, DateTime<Utc>, Option<Uuid>)> = Vec::with_capacity(leads.clone().count());
        for i in leads {
            let created = lead_time(i);
            let deal = (i % 10 == 0).then(|| &deals[(i / 10) as usize]);
            let (first, last) = lead_person(i);
            let mut l = LeadRow::new(rng, i, created, first, last);
            match deal {
                Some(d) => {
                    l.id = d.lead;
                    l.company = d.company.clone();
                    l.domain = Some(d.domain.clone());
                    l.email = Some(format!("{}.{}@{}", first.to_lowercase(), last.to_lowercase(), d.domain));
                    l.industry = d.industry;
                    l.size = d.size;
                    l.source = d.source;
                    l.owner = Some(d.sdr);
                    l.status = "CONVERTED";
                    l.bant(rng, true);
                    l.contacted = Some(self.past(created + Duration::hours(rng.range(1, 20))));
                    l.converted = Some((d.opened, d.account, d.opportunity));
                    l.referrer = d.referrer;
                    l.partner = d.partner;
                    l.campaign = d.campaign;
                    l.version = 4;
                    l.updated = d.opened;
                }
                None => {
                    l.source = rng.pick(LeadSource::ALL);
                    if l.source == LeadSource::Referral {
                        match won.get(rng.below(won.len().max(1) as u64) as usize) {
                            Some(a) if i / 10 > 0 => l.referrer = Some(*a),
                            _ => l.source = LeadSource::Event,
                        }
                    }
                    if l.source == LeadSource::Partner {
                        l.partner = Some(rng.pick(partners));
                    }
                    l.campaign = campaigns.of(l.source, created);
                    let owner = self.people.sdr_for(rng);
                    if created > recent {
                        // Arrived in the last two days: new, or already called.
                        l.owner = Some(owner);
                        if rng.chance(40) {
                            l.status = "CONTACTED";
                            l.contacted = Some(self.past(created + Duration::hours(rng.range(1, 6))));
                            l.version = 2;
                            l.updated = l.contacted.unwrap_or(created);
                        }
                    } else {
                        let r = rng.below(100);
                        l.contacted = Some(self.past(created + Duration::hours(rng.range(1, 72))));
                        if r < 8 {
                            // Nobody followed up in time: back in the shared pool.
                            l.status = rng.pick(&["NEW", "NEW", "CONTACTED", "QUALIFIED"]);
                            if l.status == "NEW" {
                                l.contacted = None;
                            } else if l.status == "QUALIFIED" {
                                l.bant(rng, false);
                            }
                            let pooled = self.past(l.contacted.unwrap_or(created) + Duration::days(rng.range(3, 10)));
                            l.pooled = Some(pooled);
                            l.version = if l.status == "NEW" { 2 } else { 4 };
                            l.updated = pooled;
                        } else if r < 20 {
                            // Being worked: touched within the pool's follow-up days.
                            l.owner = Some(owner);
                            l.status = if rng.chance(60) { "CONTACTED" } else { "QUALIFIED" };
                            if l.status == "QUALIFIED" {
                                l.bant(rng, false);
                            }
                            l.version = if l.status == "CONTACTED" { 2 } else { 3 };
                            l.updated = self.past(self.now - Duration::minutes(rng.range(10, 36 * 60)));
                        } else {
                            l.owner = Some(owner);
                            l.status = "DISQUALIFIED";
                            if rng.chance(10) {
                                l.contacted = None;
                            }
                            let at = self.past(l.contacted.unwrap_or(created) + Duration::days(rng.range(1, 30)));
                            l.disqualified = Some((at, rng.pick(&DISQUALIFY)));
                            l.version = 3;
                            l.updated = at;
                        }
                    }
                }
            }
            if deal.is_none() && rng.chance(6) {
                l.jurisdiction = Some(if rng.chance(40) { "CN" } else { "DE" });
                if l.jurisdiction == Some("CN") && rng.chance(50) {
                    l.basis = Some("STANDARD_CONTRACT");
                }
            }
            if let Some(at) = l.contacted {
                contacted.push((l.id, at, l.owner));
            }
            if rng.chance(5) {
                consents
                    .push([
                        v(rng.id_at(created)),
                        v(self.org.id),
                        v("lead"),
                        v(l.id),
                        v(rng.pick(&["MARKETING_EMAIL", "SALES_CONTACT", "PRODUCT_RESEARCH"])),
                        v(rng.pick(&["CONSENT", "LEGITIMATE_INTEREST"])),
                        v("Web form"),
                        v("2026-01"),
                        v(created),
                        v(if rng.chance(5) { Some(self.past(created + Duration::days(30))) } else { None }),
                        v(l.owner.unwrap_or(self.people.marketing)),
                    ])
                    .await?;
            }
            rows.push(l.values(self.org.id)).await?;
        }
        rows.finish(report).await?;
        consents.finish(report).await?;
        // The first contact of every lead that had one (written once the leads are in).
        for (lead, at, owner) in contacted {
            acts.push([
                v(rng.id_at(at)),
                v(self.org.id),
                v(Some(lead)),
                v(Option::<Uuid>::None),
                v(owner),
                v("LEAD_CONTACT"),
                v(Some(rng.pick(&CONTACT_NOTES).to_owned())),
                v(at),
            ])
            .await?;
        }
        acts.finish(report).await
    }

    /// Two activities on every deal, by its owner.
    async fn deal_activities(&self, rng: &mut Rng, deals: &[Deal], report: &mut ScaleReport) -> Result<(), DbErr> {
        let mut acts = Rows::new(
            self.txn,
            "activities",
            "id, organization_id, lead_id, opportunity_id, actor_id, kind, notes, occurred_at",
        );
        for d in deals {
            let end = d.closed_at.unwrap_or(self.now);
            for _ in 0..2 {
                let span = (end - d.opened).num_minutes().max(1);
                let at = d.opened + Duration::minutes(rng.range(0, span));
                acts.push([
                    v(rng.id_at(at)),
                    v(self.org.id),
                    v(Option::<Uuid>::None),
                    v(Some(d.opportunity)),
                    v(Some(d.owner)),
                    v(rng.pick(&["CALL", "EMAIL", "MEETING", "DEMO", "VISIT"])),
                    v(Some((rng.pick(&ACTIVITY_NOTES)).to_owned())),
                    v(at),
                ])
                .await?;
            }
        }
        acts.finish(report).await
    }

    async fn quotes(&self, deals: &[Deal], report: &mut ScaleReport) -> Result<(), DbErr> {
        let mut rows = Rows::new(
            self.txn,
            "quotes",
            "id, organization_id, opportunity_id, status, discount_bp, subtotal_minor, discount_minor, \
             total_minor, currency, term_months, created_by, approved_by, approved_at, accepted_at, \
             version, created_at, updated_at",
        );
        let mut lines = Rows::new(
            self.txn,
            "quote_lines",
            "id, organization_id, quote_id, product_id, position, quantity, term_months, unit_price_minor, \
             line_total_minor",
        );
        let mut rng = Rng(0x5EED_0001);
        for d in deals {
            for q in &d.quotes {
                let updated = q.accepted_at.or(q.approved_at).unwrap_or(q.at);
                rows.push([
                    v(q.id),
                    v(self.org.id),
                    v(d.opportunity),
                    v(q.status),
                    v(q.discount_bp),
                    v(q.subtotal),
                    v(q.discount),
                    v(q.total),
                    v(self.org.currency.as_str()),
                    v(q.term),
                    v(d.owner),
                    v(q.approved_by),
                    v(q.approved_at),
                    v(q.accepted_at),
                    v(q.version + i32::from(q.status != "APPROVED" && q.status != "PENDING_APPROVAL")),
                    v(q.at),
                    v(updated),
                ])
                .await?;
                for (pos, (product, l)) in q.lines.iter().enumerate() {
                    lines
                        .push_child(
                            &mut rows,
                            [
                                v(rng.id_at(q.at)),
                                v(self.org.id),
                                v(q.id),
                                v(*product),
                                v(pos as i32),
                                v(i32::try_from(l.quantity).unwrap_or(1)),
                                v(i32::try_from(l.term_months).unwrap_or(12)),
                                v(l.unit_price_minor),
                                v(l.total_minor().unwrap_or(0)),
                            ],
                        )
                        .await?;
                }
            }
        }
        rows.finish(report).await?;
        lines.finish(report).await
    }

    async fn contracts(&self, rng: &mut Rng, deals: &[Deal], report: &mut ScaleReport) -> Result<(), DbErr> {
        let mut rows = Rows::new(
            self.txn,
            "contracts",
            "id, organization_id, opportunity_id, quote_id, template_id, kind, status, payment_schedule, \
             value_minor, currency, term_months, created_by, editors, submitted_at, approved_version, \
             approved_by, approved_at, review_note, changes_comments, signed_at, signatory_contact_id, \
             void_reason, approved_by_policy, review_reasons, version, created_at, updated_at",
        );
        let mut clauses = Rows::new(
            self.txn,
            "contract_clauses",
            "id, organization_id, contract_id, key, text, template_text, position",
        );
        for d in deals {
            let (Some(c), Some(q)) = (&d.contract, d.accepted_quote()) else { continue };
            let kind = if c.custom { TemplateKind::CustomDevelopment } else { TemplateKind::SaasServiceAgreement };
            let reasons = c.submitted_at.map(|_| {
                if c.custom { "ALL_CONTRACTS,CUSTOM_DEVELOPMENT".to_owned() } else { "ALL_CONTRACTS".to_owned() }
            });
            let deviates = rng.chance(20);
            rows.push([
                v(c.id),
                v(self.org.id),
                v(d.opportunity),
                v(q.id),
                v(if c.custom { self.catalog.custom_template } else { self.catalog.saas_template }),
                v(kind.as_str()),
                v(c.status),
                v(c.schedule.as_str()),
                v(q.total),
                v(self.org.currency.as_str()),
                v(q.term),
                v(d.owner),
                v(d.owner.to_string()),
                v(c.submitted_at),
                v(c.approved_version),
                v(c.approved_by),
                v(c.approved_at),
                v(c.approved_by.map(|_| "Standard terms; approved.".to_owned())),
                v((c.status == "CHANGES_REQUESTED")
                    .then(|| "Liability cap must follow the clause library.".to_owned())),
                v(c.signed_at),
                v(c.signed_at.map(|_| d.contacts[0])),
                v((c.status == "VOIDED").then(|| "The customer chose another vendor.".to_owned())),
                v(c.by_policy),
                v(reasons),
                v(c.version),
                v(c.at),
                v(c.updated_at),
            ])
            .await?;
            for (pos, (key, text)) in self.catalog.clauses.iter().enumerate() {
                let edited = deviates && key == "payment_terms";
                clauses
                    .push_child(
                        &mut rows,
                        [
                            v(rng.id_at(c.at)),
                            v(self.org.id),
                            v(c.id),
                            v(key.as_str()),
                            v(if edited {
                                "Invoices are payable within 45 days of issue according to the agreed payment schedule."
                            } else {
                                text.as_str()
                            }),
                            v(text.as_str()),
                            v(pos as i32),
                        ],
                    )
                    .await?;
            }
        }
        rows.finish(report).await?;
        clauses.finish(report).await
    }

    /// Invoices, payments and refunds, and the commission each payment booked.
    async fn finance(&self, rng: &mut Rng, deals: &[Deal], report: &mut ScaleReport) -> Result<(), DbErr> {
        let mut invoices = Rows::new(
            self.txn,
            "invoices",
            "id, organization_id, contract_id, account_id, opportunity_id, number, sequence, status, \
             amount_minor, paid_minor, currency, issue_on, due_on, issued_at, void_reason, version, \
             created_at, updated_at",
        );
        let mut payments = Rows::new(
            self.txn,
            "payments",
            "id, organization_id, invoice_id, kind, amount_minor, currency, received_at, reference, \
             reason, refund_of, idempotency_key, request_hash, created_by, created_at",
        );
        let mut commission = Rows::new(
            self.txn,
            "commission_entries",
            "id, organization_id, user_id, payment_id, opportunity_id, component, rate_bp, basis_minor, \
             amount_minor, currency, earned_at",
        );
        let o = self.org;
        let plan = Plan {
            base_bp: i64::from(o.commission_base_bp),
            retention_bp: i64::from(o.commission_retention_bp),
            big_deal_bp: i64::from(o.commission_big_deal_bp),
            big_deal_minor: o.commission_big_deal_minor,
            team_bp: i64::from(o.commission_team_bp),
        };
        let cur = o.currency.as_str();
        let mut n = 0u64;
        for d in deals {
            let Some(c) = &d.contract else { continue };
            let components = commission::components(
                &plan,
                &commission::Deal {
                    renewal: false,
                    expansion: false,
                    custom_software: c.custom,
                    contract_value_minor: d.value,
                    cs_credited: false,
                },
            );
            for i in &c.invoices {
                let last = i.payments.last().map(|p| p.at).or(i.issued_at).unwrap_or(c.at);
                invoices
                    .push([
                        v(i.id),
                        v(o.id),
                        v(c.id),
                        v(d.account),
                        v(d.opportunity),
                        v(i.number),
                        v(i.sequence),
                        v(i.status),
                        v(i.amount),
                        v(i.paid),
                        v(cur),
                        v(i.issue_on),
                        v(i.due_on),
                        v(i.issued_at),
                        v((i.status == "VOID").then(|| "Issued to the wrong billing entity".to_owned())),
                        v(1 + i32::from(i.issued_at.is_some()) + i.payments.len() as i32),
                        v(c.signed_at.unwrap_or(c.at)),
                        v(last),
                    ])
                    .await?;
                for p in &i.payments {
                    n += 1;
                    let refund = p.refund_of.is_some();
                    payments
                        .push_child(
                            &mut invoices,
                            [
                                v(p.id),
                                v(o.id),
                                v(i.id),
                                v(if refund { "REFUND" } else { "PAYMENT" }),
                                v(p.amount),
                                v(cur),
                                v(p.at),
                                v(Some(format!("WIRE-{n:08}"))),
                                v(refund.then(|| "Service credit for an outage".to_owned())),
                                v(p.refund_of),
                                v(format!("scale-{n:010}")),
                                v(rng.hex64()),
                                v(Some(self.people.finance)),
                                v(p.at),
                            ],
                        )
                        .await?;
                    let cash = if refund { -p.amount } else { p.amount };
                    for (component, bp, amount) in commission::earn(cash, &components, self.unit()) {
                        commission
                            .push([
                                v(rng.id_at(p.at)),
                                v(o.id),
                                v(d.owner),
                                v(p.id),
                                v(d.opportunity),
                                v(component),
                                v(i32::try_from(bp).unwrap_or(0)),
                                v(cash),
                                v(amount),
                                v(cur),
                                v(p.at),
                            ])
                            .await?;
                    }
                }
            }
        }
        invoices.finish(report).await?;
        payments.finish(report).await?;
        commission.finish(report).await
    }

    /// Subscriptions, delivery projects, hand-off packages, milestones, usage, business
    /// reviews, referral rewards and win/loss reviews.
    async fn after_signing(&self, rng: &mut Rng, deals: &[Deal], report: &mut ScaleReport) -> Result<(), DbErr> {
        let o = self.org;
        let p = self.people;
        let cur = o.currency.as_str();
        let mut subs = Rows::new(
            self.txn,
            "subscriptions",
            "id, organization_id, account_id, contract_id, tier, seats, start_on, end_on, mrr_minor, \
             currency, status, created_at",
        );
        let mut projects = Rows::new(
            self.txn,
            "delivery_projects",
            "id, organization_id, account_id, contract_id, status, created_at",
        );
        let mut packages = Rows::new(
            self.txn,
            "handoff_packages",
            "id, organization_id, account_id, opportunity_id, contract_id, status, needs_document, \
             special_requirements, success_criteria, kickoff_contact_id, return_reason, submitted_at, \
             accepted_at, accepted_by, version, created_at, updated_at",
        );
        let mut milestones = Rows::new(
            self.txn,
            "onboarding_milestones",
            "id, organization_id, package_id, account_id, key, position, done_at",
        );
        let mut usage = Rows::new(
            self.txn,
            "usage_snapshots",
            "id, organization_id, account_id, active_users, seats_used, open_issues, adoption, \
             recorded_by, recorded_at",
        );
        let mut reviews = Rows::new(
            self.txn,
            "business_reviews",
            "id, organization_id, account_id, held_on, attendees, outcomes, new_needs, recorded_by, \
             created_at",
        );
        let mut rewards = Rows::new(
            self.txn,
            "referral_rewards",
            "id, organization_id, referrer_account_id, referred_opportunity_id, amount_minor, currency, \
             status, created_at",
        );
        let mut win_loss = Rows::new(
            self.txn,
            "win_loss_reviews",
            "id, organization_id, opportunity_id, outcome, primary_reason, competitor, lessons, \
             reviewed_by, created_at",
        );
        for d in deals {
            if let Some(closed) = d.closed_at
                && rng.chance(40)
            {
                let won = d.stage == Stage::ClosedWon;
                let at = self.past(closed + Duration::days(2));
                win_loss
                    .push([
                        v(rng.id_at(at)),
                        v(o.id),
                        v(d.opportunity),
                        v(if won { "WON" } else { "LOST" }),
                        v(rng.pick(if won { &WIN[..] } else { &LOSS[..] })),
                        v(if rng.chance(50) { Some((rng.pick(&COMPETITORS)).to_owned()) } else { None }),
                        v(Some("Engage the economic buyer earlier.".to_owned())),
                        v(p.sales_manager),
                        v(at),
                    ])
                    .await?;
            }
            let Some(c) = &d.contract else { continue };
            let Some(signed) = c.signed_at else { continue };
            if let Some(s) = &d.subscription {
                subs.push([
                    v(s.id),
                    v(o.id),
                    v(d.account),
                    v(c.id),
                    v(s.tier),
                    v(s.seats),
                    v(s.start_on),
                    v(s.end_on),
                    v(s.mrr),
                    v(cur),
                    v(s.status),
                    v(signed),
                ])
                .await?;
            } else if c.custom {
                projects.push([v(rng.id_at(signed)), v(o.id), v(d.account), v(c.id), v("PLANNED"), v(signed)]).await?;
            }
            if let (Some(referrer), LeadSource::Referral) = (d.referrer, d.source) {
                rewards
                    .push([
                        v(rng.id_at(signed)),
                        v(o.id),
                        v(referrer),
                        v(d.opportunity),
                        v(o.referral_reward_minor),
                        v(cur),
                        v("EARNED"),
                        v(signed),
                    ])
                    .await?;
            }
            let Some(pk) = &d.package else { continue };
            let updated = pk.accepted_at.or(pk.submitted_at).unwrap_or(signed);
            packages
                .push([
                    v(pk.id),
                    v(o.id),
                    v(d.account),
                    v(d.opportunity),
                    v(c.id),
                    v(pk.status),
                    v(Some(format!("Needs analysis: {} for {} users.", rng.pick(&PAINS), d.size))),
                    v((pk.status != "DRAFT").then(|| "Single sign-on from day one".to_owned())),
                    v((pk.status != "DRAFT").then(|| "80 % of seats active within 60 days".to_owned())),
                    v(Some(d.contacts[0])),
                    v((pk.status == "RETURNED").then(|| "The success criteria are missing.".to_owned())),
                    v(pk.submitted_at),
                    v(pk.accepted_at),
                    v(pk.accepted_at.and(d.cs_owner)),
                    v(match pk.status {
                        "DRAFT" => 1,
                        "SUBMITTED" => 2,
                        _ => 3,
                    }),
                    v(signed),
                    v(updated),
                ])
                .await?;
            let (Some(accepted), Some(cs)) = (pk.accepted_at, d.cs_owner) else { continue };
            let keys = if c.custom { ["BUILD", "TEST", "GO_LIVE"] } else { ["ACCOUNTS_OPENED", "TRAINING", "GO_LIVE"] };
            let age = (self.now - accepted).num_days();
            for (k, key) in keys.iter().enumerate() {
                let due = (k as i64 + 1) * 20;
                let done = (age > due).then(|| self.past(accepted + Duration::days(due)));
                milestones
                    .push_child(
                        &mut packages,
                        [v(rng.id_at(accepted)), v(o.id), v(pk.id), v(d.account), v(*key), v(k as i32), v(done)],
                    )
                    .await?;
            }
            let seats = d.subscription.as_ref().map(|s| s.seats).unwrap_or(20).max(1);
            for m in 1..=2i64 {
                let at = self.past(accepted + Duration::days(30 * m));
                if at <= accepted {
                    continue;
                }
                let active = (i64::from(seats) * rng.range(30, 100) / 100) as i32;
                usage
                    .push([
                        v(rng.id_at(at)),
                        v(o.id),
                        v(d.account),
                        v(active),
                        v(active.max(1)),
                        v(rng.range(0, 6) as i32),
                        v(format!("Reports={};Dashboards={}", rng.range(20, 100), rng.range(0, 90))),
                        v(cs),
                        v(at),
                    ])
                    .await?;
            }
            if rng.chance(30) && age > 45 {
                let held = (accepted + Duration::days(45)).date_naive();
                reviews
                    .push([
                        v(rng.id_at(at_nine(held))),
                        v(o.id),
                        v(d.account),
                        v(held),
                        v("Sponsor, IT lead, CS owner"),
                        v("Adoption on track; expand to the finance team."),
                        v(Some("Custom dashboards".to_owned())),
                        v(cs),
                        v(at_nine(held)),
                    ])
                    .await?;
            }
        }
        subs.finish(report).await?;
        projects.finish(report).await?;
        packages.finish(report).await?;
        milestones.finish(report).await?;
        usage.finish(report).await?;
        reviews.finish(report).await?;
        rewards.finish(report).await?;
        win_loss.finish(report).await
    }

    /// Feature requests with the accounts and deals that asked, release notes and their
    /// acknowledgements, and the published messaging.
    async fn product(
        &self,
        rng: &mut Rng,
        deals: &[Deal],
        start: DateTime<Utc>,
        report: &mut ScaleReport,
    ) -> Result<(), DbErr> {
        let o = self.org;
        let p = self.people;
        let mut requests = Rows::new(
            self.txn,
            "feature_requests",
            "id, organization_id, title, description, status, merged_into, created_by, version, \
             created_at, updated_at",
        );
        let mut asks = Rows::new(
            self.txn,
            "feature_asks",
            "id, organization_id, request_id, account_id, opportunity_id, asked_by, pain_point, created_at",
        );
        let count = (deals.len() as u64 / 100).max(10);
        let mut open: Vec<Uuid> = vec![];
        for k in 0..count {
            let at = start + Duration::minutes(rng.range(0, SPAN_DAYS * 24 * 60));
            let id = rng.id_at(at);
            let merged = (!open.is_empty() && rng.chance(5)).then(|| rng.pick(&open));
            let status = if merged.is_some() {
                "DECLINED"
            } else {
                ["NEW", "UNDER_REVIEW", "PLANNED", "NEW", "SHIPPED", "UNDER_REVIEW", "DECLINED"][(k % 7) as usize]
            };
            if merged.is_none() {
                open.push(id);
            }
            requests
                .push([
                    v(id),
                    v(o.id),
                    v(format!("{} ({})", FEATURES[(k % FEATURES.len() as u64) as usize], k + 1)),
                    v(Some("Asked for by customers and prospects.".to_owned())),
                    v(status),
                    v(merged),
                    v(p.product),
                    v(if status == "NEW" { 1 } else { 2 }),
                    v(at),
                    v(at),
                ])
                .await?;
            for _ in 0..rng.range(1, 5) {
                let d = &deals[rng.below(deals.len() as u64) as usize];
                let open_deal = !matches!(d.stage, Stage::ClosedWon | Stage::ClosedLost);
                let at = self.past(d.opened + Duration::days(3));
                asks.push_child(
                    &mut requests,
                    [
                        v(rng.id_at(at)),
                        v(o.id),
                        v(id),
                        v(d.account),
                        v(if open_deal { Some(d.opportunity) } else { None }),
                        v(d.cs_owner.unwrap_or(d.owner)),
                        v(Some((rng.pick(&PAINS)).to_owned())),
                        v(at),
                    ],
                )
                .await?;
            }
        }
        requests.finish(report).await?;
        asks.finish(report).await?;

        let mut notes =
            Rows::new(self.txn, "release_notes", "id, organization_id, title, body, published_by, published_at");
        let mut acks =
            Rows::new(self.txn, "release_acknowledgements", "note_id, user_id, organization_id, acknowledged_at");
        let readers: Vec<Uuid> = p.sdrs.iter().chain(&p.aes).chain(&p.css).copied().collect();
        for (k, title) in RELEASES.iter().enumerate() {
            let at = start + Duration::days((k as i64 + 1) * SPAN_DAYS / 7);
            let id = rng.id_at(at);
            notes
                .push([
                    v(id),
                    v(o.id),
                    v(*title),
                    v(format!("{title}: what changed and how to use it.")),
                    v(p.product),
                    v(at),
                ])
                .await?;
            for u in &readers {
                if k + 2 < RELEASES.len() || rng.chance(50) {
                    acks.push_child(
                        &mut notes,
                        [v(id), v(*u), v(o.id), v(self.past(at + Duration::days(rng.range(1, 10))))],
                    )
                    .await?;
                }
            }
        }
        notes.finish(report).await?;
        acks.finish(report).await?;

        let last: Option<i32> = messaging_version::Entity::find()
            .select_only()
            .column_as(messaging_version::Column::Number.max(), "n")
            .filter(messaging_version::Column::OrganizationId.eq(o.id))
            .into_tuple::<Option<i32>>()
            .one(self.txn)
            .await?
            .flatten();
        let mut messaging = Rows::new(
            self.txn,
            "messaging_versions",
            "id, organization_id, number, title, claims, published_by, published_at",
        );
        for (k, (title, claims)) in [
            ("Hand-offs without loss", "One view of the customer;Approvals in hours, not days"),
            ("Revenue you can trust", "Every number traces to its rows;Renewals never missed"),
        ]
        .into_iter()
        .enumerate()
        {
            let at = start + Duration::days(SPAN_DAYS * (k as i64 + 1) / 3);
            messaging
                .push([
                    v(rng.id_at(at)),
                    v(o.id),
                    v(last.unwrap_or(0) + k as i32 + 1),
                    v(title),
                    v(claims),
                    v(p.marketing),
                    v(at),
                ])
                .await?;
        }
        messaging.finish(report).await
    }

    /// Gifts for legal's register and queue.
    async fn compliance(&self, rng: &mut Rng, deals: &[Deal], report: &mut ScaleReport) -> Result<(), DbErr> {
        let o = self.org;
        let mut gifts = Rows::new(
            self.txn,
            "gifts",
            "id, organization_id, direction, description, value_minor, currency, account_id, \
             opportunity_id, purpose, status, recorded_by, decided_by, decision_note, created_at",
        );
        let count = (deals.len() / 50).clamp(5, 400);
        for k in 0..count {
            let d = &deals[rng.below(deals.len() as u64) as usize];
            let status = ["RECORDED", "PENDING_APPROVAL", "APPROVED", "RECORDED", "REJECTED"][k % 5];
            let value = if status == "RECORDED" {
                rng.range(1_000, o.gift_threshold_minor.max(1_001))
            } else {
                o.gift_threshold_minor + rng.range(1_000, 50_000)
            };
            let at = self.past(d.opened + Duration::days(5));
            let decided = matches!(status, "APPROVED" | "REJECTED");
            gifts
                .push([
                    v(rng.id_at(at)),
                    v(o.id),
                    v(rng.pick(&["GIVEN", "RECEIVED"])),
                    v(rng.pick(&["Conference tickets", "Dinner with the buying team", "Gift basket", "Team offsite"])),
                    v(value),
                    v(o.currency.as_str()),
                    v(d.account),
                    v(Some(d.opportunity)),
                    v("Relationship building with the customer's team"),
                    v(status),
                    v(d.owner),
                    v(decided.then_some(self.people.legal)),
                    v(decided.then(|| "Within the policy for this customer.".to_owned())),
                    v(at),
                ])
                .await?;
        }
        gifts.finish(report).await
    }

    /// Quotas of the account executives and their training.
    async fn enablement(&self, rng: &mut Rng, start: DateTime<Utc>, report: &mut ScaleReport) -> Result<(), DbErr> {
        let o = self.org;
        let p = self.people;
        let taken: HashSet<(Uuid, NaiveDate)> = quota::Entity::find()
            .filter(quota::Column::OrganizationId.eq(o.id))
            .all(self.txn)
            .await?
            .into_iter()
            .map(|q| (q.user_id, q.starts_on))
            .collect();
        let mut quotas = Rows::new(
            self.txn,
            "quotas",
            "id, organization_id, user_id, starts_on, ends_on, amount_minor, currency, created_at",
        );
        let first = start.date_naive();
        let mut q_start = NaiveDate::from_ymd_opt(first.year(), ((first.month0() / 3) * 3) + 1, 1).unwrap_or(first);
        while q_start <= self.today() {
            let q_end = q_start.checked_add_months(Months::new(3)).unwrap_or(q_start);
            for ae in &p.aes {
                if taken.contains(&(*ae, q_start)) {
                    continue;
                }
                let at = at_nine(q_start).max(start);
                quotas
                    .push([
                        v(rng.id_at(at)),
                        v(o.id),
                        v(*ae),
                        v(q_start),
                        v(q_end),
                        v(rng.range(20, 60) * 1_000_000),
                        v(o.currency.as_str()),
                        v(at),
                    ])
                    .await?;
            }
            q_start = q_end;
        }
        quotas.finish(report).await?;

        let mut programmes =
            Rows::new(self.txn, "training_programmes", "id, organization_id, name, level, topic, created_at");
        let mut completions =
            Rows::new(self.txn, "training_completions", "id, organization_id, programme_id, user_id, completed_at");
        let learners: Vec<Uuid> = p.sdrs.iter().chain(&p.aes).chain(&p.css).copied().collect();
        for (name, level, topic) in TRAINING {
            let id = rng.id_at(start);
            programmes.push([v(id), v(o.id), v(name), v(level), v(topic), v(start)]).await?;
            for u in &learners {
                if rng.chance(50) {
                    let at = self.past(start + Duration::days(rng.range(5, SPAN_DAYS)));
                    completions.push_child(&mut programmes, [v(rng.id_at(at)), v(o.id), v(id), v(*u), v(at)]).await?;
                }
            }
        }
        programmes.finish(report).await?;
        completions.finish(report).await
    }

    /// SLA clocks (and their tasks) for the last two weeks' work, plus a few reminders for
    /// every demo user.
    async fn work(&self, rng: &mut Rng, deals: &[Deal], report: &mut ScaleReport) -> Result<(), DbErr> {
        let o = self.org;
        let mut clocks = Rows::new(
            self.txn,
            "sla_clocks",
            "id, organization_id, kind, entity_type, entity_id, owner_id, started_at, warn_at, due_at, \
             warned_at, breached_at, stopped_at",
        );
        let mut tasks = Rows::new(
            self.txn,
            "tasks",
            "id, organization_id, owner_id, title, due_at, status, snoozed_until, entity_type, entity_id, \
             clock_id, created_by, version, created_at, completed_at",
        );
        let now = self.now;
        let fortnight = now - Duration::days(14);
        for d in deals.iter().filter(|d| d.opened >= fortnight) {
            if d.stage == Stage::Discovery {
                for (kind, days, what) in [("NEEDS_ANALYSIS", 3, "Needs-analysis report for"), ("DEMO", 7, "Demo for")]
                {
                    let due = d.opened + Duration::days(days);
                    let name = format!("{what} {} platform", d.company);
                    self.clock(
                        rng,
                        &mut clocks,
                        &mut tasks,
                        kind,
                        ("opportunity", d.opportunity),
                        Some(d.owner),
                        d.opened,
                        due,
                        name,
                    )
                    .await?;
                }
            }
        }
        for d in deals {
            let Some(c) = &d.contract else { continue };
            if c.status == "IN_LEGAL_REVIEW"
                && let Some(sub) = c.submitted_at.filter(|s| *s >= fortnight)
            {
                self.clock(
                    rng,
                    &mut clocks,
                    &mut tasks,
                    "LEGAL_REVIEW",
                    ("contract", c.id),
                    None,
                    sub,
                    sub + Duration::days(2),
                    String::new(),
                )
                .await?;
            }
            if let Some(first) = c.invoices.first()
                && matches!(first.status, "ISSUED" | "PARTIALLY_PAID")
                && let Some(issued) = first.issued_at.filter(|s| *s >= fortnight)
            {
                let due = first.due_on.and_hms_opt(23, 59, 59).map(|t| t.and_utc()).unwrap_or(issued);
                let title = format!("Follow up the first payment of {} platform", d.company);
                self.clock(
                    rng,
                    &mut clocks,
                    &mut tasks,
                    "FIRST_PAYMENT",
                    ("invoice", first.id),
                    Some(d.owner),
                    issued,
                    due,
                    title,
                )
                .await?;
            }
        }
        // The leads of the last two days that are still NEW: one first-contact clock each
        // (looked up rather than kept while the leads streamed past).
        let new_leads: Vec<(Uuid, Option<Uuid>, String, DateTime<Utc>)> = baton_store::entity::lead::Entity::find()
            .select_only()
            .column(baton_store::entity::lead::Column::Id)
            .column(baton_store::entity::lead::Column::OwnerId)
            .column(baton_store::entity::lead::Column::CompanyName)
            .column(baton_store::entity::lead::Column::CreatedAt)
            .filter(baton_store::entity::lead::Column::OrganizationId.eq(o.id))
            .filter(baton_store::entity::lead::Column::Status.eq("NEW"))
            .filter(baton_store::entity::lead::Column::OwnerId.is_not_null())
            .filter(baton_store::entity::lead::Column::CreatedAt.gte(now - Duration::days(2)))
            .into_tuple()
            .all(self.txn)
            .await?;
        for (id, owner, company, created) in new_leads {
            let due = created + Duration::hours(24);
            self.clock(
                rng,
                &mut clocks,
                &mut tasks,
                "FIRST_CONTACT",
                ("lead", id),
                owner,
                created,
                due,
                format!("Contact {company}"),
            )
            .await?;
        }
        // A handful of reminders for every demo user, so every department's task list has work.
        for u in &self.people.demo {
            for k in 0..5i64 {
                let created = now - Duration::days(k + 1);
                tasks
                    .push([
                        v(rng.id_at(created)),
                        v(o.id),
                        v(*u),
                        v(rng.pick(&[
                            "Prepare the weekly review",
                            "Clean up last quarter's notes",
                            "Reply to the customer's questions",
                            "Update the forecast",
                            "Read the new release notes",
                        ])),
                        v(now + Duration::days(k * 2 + 1)),
                        v("OPEN"),
                        v(Option::<DateTime<Utc>>::None),
                        v(Option::<String>::None),
                        v(Option::<Uuid>::None),
                        v(Option::<Uuid>::None),
                        v(*u),
                        v(1),
                        v(created),
                        v(Option::<DateTime<Utc>>::None),
                    ])
                    .await?;
            }
        }
        clocks.finish(report).await?;
        tasks.finish(report).await
    }

    /// A running SLA clock (warned or breached when its time has come) with its owner's task.
    #[allow(clippy::too_many_arguments)] // one argument per fact of the clock
    async fn clock(
        &self,
        rng: &mut Rng,
        clocks: &mut Rows<'_, 12>,
        tasks: &mut Rows<'_, 14>,
        kind: &'static str,
        entity: (&'static str, Uuid),
        owner: Option<Uuid>,
        started: DateTime<Utc>,
        due: DateTime<Utc>,
        title: String,
    ) -> Result<(), DbErr> {
        let (o, now) = (self.org, self.now);
        let warn = started + (due - started) * 3 / 4;
        let id = rng.id_at(started);
        clocks
            .push([
                v(id),
                v(o.id),
                v(kind),
                v(entity.0),
                v(entity.1),
                v(owner),
                v(started),
                v(warn),
                v(due),
                v((warn <= now).then_some(warn)),
                v((due <= now).then_some(due)),
                v(Option::<DateTime<Utc>>::None),
            ])
            .await?;
        if let Some(u) = owner {
            tasks
                .push([
                    v(rng.id_at(started)),
                    v(o.id),
                    v(u),
                    v(title),
                    v(due),
                    v("OPEN"),
                    v(Option::<DateTime<Utc>>::None),
                    v(Some(entity.0.to_owned())),
                    v(Some(entity.1)),
                    v(Some(id)),
                    v(u),
                    v(1),
                    v(started),
                    v(Option::<DateTime<Utc>>::None),
                ])
                .await?;
        }
        Ok(())
    }
}

/// The contact person of lead `i` (a converted lead's person is also its account's first contact).
fn lead_person(i: u64) -> (&'static str, &'static str) {
    (FIRST[(i % FIRST.len() as u64) as usize], LAST[((i / FIRST.len() as u64) % LAST.len() as u64) as usize])
}

/// One lead row being assembled.
struct LeadRow {
    id: Uuid,
    owner: Option<Uuid>,
    company: String,
    contact: String,
    email: Option<String>,
    domain: Option<String>,
    phone: Option<String>,
    industry: &'static str,
    size: i32,
    source: LeadSource,
    pain: &'static str,
    status: &'static str,
    priority: Option<&'static str>,
    budget: Option<bool>,
    authority: Option<bool>,
    need: Option<bool>,
    timeline: Option<&'static str>,
    contacted: Option<DateTime<Utc>>,
    converted: Option<(DateTime<Utc>, Uuid, Uuid)>,
    disqualified: Option<(DateTime<Utc>, &'static str)>,
    campaign: Option<Uuid>,
    referrer: Option<Uuid>,
    partner: Option<Uuid>,
    pooled: Option<DateTime<Utc>>,
    jurisdiction: Option<&'static str>,
    basis: Option<&'static str>,
    version: i32,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
}

impl LeadRow {
    fn new(rng: &mut Rng, i: u64, created: DateTime<Utc>, first: &str, last: &str) -> Self {
        let company = format!("{} {} {}", rng.pick(&COMPANY_A), rng.pick(&COMPANY_B), i + 1);
        let domain =
            if rng.chance(10) { (rng.pick(&FREE_MAIL)).to_owned() } else { format!("{}.example", slug(&company)) };
        LeadRow {
            id: rng.id_at(created),
            owner: None,
            email: Some(format!("{}.{}{}@{}", first.to_lowercase(), last.to_lowercase(), i % 1000, domain)),
            domain: Some(domain),
            company,
            contact: format!("{first} {last}"),
            phone: rng.chance(70).then(|| format!("+1 555 {:07}", i % 10_000_000)),
            industry: rng.pick(&INDUSTRIES),
            size: rng.range(5, 5_000) as i32,
            source: LeadSource::Seo,
            pain: rng.pick(&PAINS),
            status: "NEW",
            priority: None,
            budget: None,
            authority: None,
            need: None,
            timeline: None,
            contacted: None,
            converted: None,
            disqualified: None,
            campaign: None,
            referrer: None,
            partner: None,
            pooled: None,
            jurisdiction: None,
            basis: None,
            version: 1,
            created,
            updated: created,
        }
    }

    /// BANT as qualification recorded it; a converted lead was HIGH or MEDIUM.
    fn bant(&mut self, rng: &mut Rng, converted: bool) {
        let timeline = rng.pick(&["WITHIN_3_MONTHS", "WITHIN_6_MONTHS", "WITHIN_12_MONTHS", "LATER"]);
        let (b, a, n) = (rng.chance(80), rng.chance(70), rng.chance(90));
        let met = [b, a, n, timeline != "LATER"].iter().filter(|m| **m).count();
        let priority = match met {
            4 => "HIGH",
            2 | 3 => "MEDIUM",
            _ if converted => "MEDIUM",
            _ => "LOW",
        };
        let (b, a, n) = if converted && met < 2 { (true, true, n) } else { (b, a, n) };
        self.budget = Some(b);
        self.authority = Some(a);
        self.need = Some(n);
        self.timeline = Some(timeline);
        self.priority = Some(priority);
    }

    fn values(self, org: Uuid) -> [Value; 35] {
        let qualified = self.priority.is_some();
        [
            v(self.id),
            v(org),
            v(self.owner),
            v(self.company),
            v(self.contact),
            v(self.email),
            v(self.domain),
            v(self.phone),
            v(Some(self.industry)),
            v(Some(self.size)),
            v(self.source.as_str()),
            v(Some(self.pain)),
            v(self.status),
            v(self.priority),
            v(self.budget),
            v(self.authority),
            v(self.need),
            v(self.timeline),
            v(qualified.then(|| "Qualified on the discovery call.".to_owned())),
            v(self.disqualified.map(|(_, r)| r)),
            v(self.contacted),
            v(self.converted.map(|c| c.0)),
            v(self.converted.map(|c| c.1)),
            v(self.converted.map(|c| c.2)),
            v(self.campaign),
            v(self.referrer),
            v(self.partner),
            v(self.pooled),
            v(self.jurisdiction),
            v(self.basis),
            v(Option::<DateTime<Utc>>::None),
            v(self.disqualified.map(|(t, _)| t)),
            v(self.version),
            v(self.created),
            v(self.updated),
        ]
    }
}
