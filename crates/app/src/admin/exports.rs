//! CSV exports of the department views' lists and of `search`.
//!
//! An export reads through the same list functions the GraphQL views call (`leads`,
//! `opportunities`, `cs_accounts`, `invoices`, `search`), after the same view check, so it
//! holds exactly the rows the caller's view shows. A column is a field of the list's GraphQL
//! type; one the caller's roles do not read (custom-role field rules) is left out of the file.
//! Rows are read in keyset pages of [`EXPORT_PAGE`] while the file is sent, so memory stays
//! constant however long the list. One audit row per export, written before the first byte
//! leaves: who exported which list and filter, the columns, those holding personal data, and
//! the number of rows the list held when the export began.

use crate::insight::search::Hit;
use crate::kernel::audit::record;
use crate::kernel::page::{Page, PageRequest};
use crate::{Actor, App, AppError};
use baton_domain::Scope;
use baton_domain::export::{BOM, Cell, record as csv_record};
use baton_domain::invoice::InvoiceStatus;
use baton_domain::lead::LeadStatus;
use baton_domain::opportunity::Stage;
use baton_domain::permission::Action;
use baton_store::entity::{account, invoice, lead, opportunity};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Rows read per statement while an export streams.
pub const EXPORT_PAGE: u64 = 500;
/// The most hits a search export holds: a search is a ranking, and its tail is noise.
pub const SEARCH_EXPORT_LIMIT: usize = 1_000;

/// The lists an export can read, with their filters (the views' own arguments).
#[derive(Debug, Clone, PartialEq)]
pub enum ExportList {
    /// `salesView.leads(status)`.
    Leads { status: Option<LeadStatus> },
    /// `salesView.opportunities(stage)`.
    Opportunities { stage: Option<Stage> },
    /// `customerSuccessView.accounts(vip)`.
    Accounts { vip: Option<bool> },
    /// `financeView.invoices(status)`.
    Invoices { status: Option<InvoiceStatus> },
    /// `search(text)`.
    Search { text: String },
}

/// The names an export is asked for by (`/export/<name>.csv`).
pub const LISTS: [&str; 5] = ["leads", "opportunities", "accounts", "invoices", "search"];

fn only(params: &[(String, String)], allowed: &[&str]) -> Result<(), AppError> {
    match params.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        Some((k, _)) if allowed.is_empty() => Err(AppError::bad_input(k, "is not a parameter of this export")),
        Some((k, _)) => {
            Err(AppError::bad_input(k, format!("is not a parameter of this export (it takes {})", allowed.join(", "))))
        }
        None => Ok(()),
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, AppError> {
    let mut values = params.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(AppError::bad_input(name, "is given more than once"));
    }
    Ok(first)
}

fn parsed<T>(
    params: &[(String, String)],
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, AppError> {
    param(params, name)?
        .map(|v| parse(v).ok_or_else(|| AppError::bad_input(name, "is not one of its values")))
        .transpose()
}

impl ExportList {
    /// The list `name` with the query parameters given; BAD_USER_INPUT for an unknown list, an
    /// unknown or repeated parameter, or a value the view's argument would refuse.
    pub fn parse(name: &str, params: &[(String, String)]) -> Result<Self, AppError> {
        Ok(match name {
            "leads" => {
                only(params, &["status"])?;
                ExportList::Leads { status: parsed(params, "status", LeadStatus::parse)? }
            }
            "opportunities" => {
                only(params, &["stage"])?;
                ExportList::Opportunities { stage: parsed(params, "stage", Stage::parse)? }
            }
            "accounts" => {
                only(params, &["vip"])?;
                let vip = parsed(params, "vip", |v| match v {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                })?;
                ExportList::Accounts { vip }
            }
            "invoices" => {
                only(params, &["status"])?;
                ExportList::Invoices { status: parsed(params, "status", InvoiceStatus::parse)? }
            }
            "search" => {
                only(params, &["text"])?;
                let text = param(params, "text")?.ok_or_else(|| AppError::bad_input("text", "is required"))?;
                ExportList::Search { text: text.to_owned() }
            }
            _ => {
                return Err(AppError::bad_input(
                    "list",
                    format!("is not a list that can be exported ({})", LISTS.join(", ")),
                ));
            }
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            ExportList::Leads { .. } => "leads",
            ExportList::Opportunities { .. } => "opportunities",
            ExportList::Accounts { .. } => "accounts",
            ExportList::Invoices { .. } => "invoices",
            ExportList::Search { .. } => "search",
        }
    }

    /// The filter as the audit row records it.
    fn filter(&self) -> serde_json::Value {
        match self {
            ExportList::Leads { status } => json!({ "status": status.map(|s| s.as_str()) }),
            ExportList::Opportunities { stage } => json!({ "stage": stage.map(|s| s.as_str()) }),
            ExportList::Accounts { vip } => json!({ "vip": vip }),
            ExportList::Invoices { status } => json!({ "status": status.map(|s| s.as_str()) }),
            ExportList::Search { text } => json!({ "text": text }),
        }
    }
}

/// The names behind the ids a page refers to (owners, account executives, CS owners).
#[derive(Default)]
struct Names {
    users: HashMap<Uuid, String>,
}

impl Names {
    fn user(&self, id: Option<Uuid>) -> Option<String> {
        id.and_then(|i| self.users.get(&i).cloned())
    }
}

/// One column: its header, the field of the GraphQL type whose rule governs it, whether it
/// holds a person's data, how it is written, and how it is read from a row.
struct Column<M: 'static> {
    name: &'static str,
    field: &'static str,
    personal: bool,
    cell: Cell,
    get: fn(&M, &Names) -> Option<String>,
}

const fn col<M>(name: &'static str, cell: Cell, get: fn(&M, &Names) -> Option<String>) -> Column<M> {
    Column { name, field: name, personal: false, cell, get }
}

const fn personal<M>(name: &'static str, get: fn(&M, &Names) -> Option<String>) -> Column<M> {
    Column { name, field: name, personal: true, cell: Cell::Text, get }
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn amount(minor: i64, currency: &str) -> String {
    crate::kernel::money::amount_of(minor, currency).to_string()
}

/// A kind of row an export writes: its GraphQL type and columns, and the users it names.
trait Exported: Sized + Send + Sync + 'static {
    const TYPE: &'static str;
    fn columns() -> &'static [Column<Self>];
    fn users(&self) -> Vec<Uuid>;
}

impl Exported for lead::Model {
    const TYPE: &'static str = "Lead";
    fn columns() -> &'static [Column<Self>] {
        use Cell::{Text, Value};
        const COLUMNS: &[Column<lead::Model>] = &[
            col("id", Value, |l, _| Some(l.id.to_string())),
            col("companyName", Text, |l, _| Some(l.company_name.clone())),
            personal("contactName", |l, _| Some(l.contact_name.clone())),
            personal("contactEmail", |l, _| l.contact_email.clone()),
            personal("contactPhone", |l, _| l.contact_phone.clone()),
            col("industry", Text, |l, _| l.industry.clone()),
            col("companySize", Value, |l, _| l.company_size.map(|n| n.to_string())),
            col("source", Value, |l, _| Some(l.source.clone())),
            col("status", Value, |l, _| Some(l.status.clone())),
            col("priority", Value, |l, _| l.priority.clone()),
            col("jurisdiction", Value, |l, _| l.jurisdiction.clone()),
            col("owner", Text, |l, n| n.user(l.owner_id)),
            col("firstContactedAt", Value, |l, _| l.first_contacted_at.as_ref().map(time)),
            col("createdAt", Value, |l, _| Some(time(&l.created_at))),
        ];
        COLUMNS
    }
    fn users(&self) -> Vec<Uuid> {
        self.owner_id.into_iter().collect()
    }
}

impl Exported for opportunity::Model {
    const TYPE: &'static str = "Opportunity";
    fn columns() -> &'static [Column<Self>] {
        use Cell::{Text, Value};
        const COLUMNS: &[Column<opportunity::Model>] = &[
            col("id", Value, |o, _| Some(o.id.to_string())),
            col("name", Text, |o, _| Some(o.name.clone())),
            col("stage", Value, |o, _| Some(o.stage.clone())),
            col("kind", Value, |o, _| Some(o.kind.clone())),
            col("estimatedValue", Value, |o, _| Some(amount(o.estimated_value_minor, &o.currency))),
            Column {
                name: "currency",
                field: "estimatedValue",
                personal: false,
                cell: Value,
                get: |o, _| Some(o.currency.clone()),
            },
            col("probability", Value, |o, _| o.probability.map(|p| p.to_string())),
            col("expectedCloseDate", Value, |o, _| o.expected_close_date.as_ref().map(time)),
            col("owner", Text, |o, n| n.user(Some(o.owner_id))),
            col("closedAt", Value, |o, _| o.closed_at.as_ref().map(time)),
            col("createdAt", Value, |o, _| Some(time(&o.created_at))),
        ];
        COLUMNS
    }
    fn users(&self) -> Vec<Uuid> {
        vec![self.owner_id]
    }
}

impl Exported for account::Model {
    const TYPE: &'static str = "Account";
    fn columns() -> &'static [Column<Self>] {
        use Cell::{Text, Value};
        const COLUMNS: &[Column<account::Model>] = &[
            col("id", Value, |a, _| Some(a.id.to_string())),
            col("name", Text, |a, _| Some(a.name.clone())),
            col("domain", Text, |a, _| a.domain.clone()),
            col("industry", Text, |a, _| a.industry.clone()),
            col("tier", Value, |a, _| Some(a.tier.clone())),
            col("accountExecutive", Text, |a, n| n.user(a.account_executive_id)),
            col("csOwner", Text, |a, n| n.user(a.cs_owner_id)),
            col("accountManager", Text, |a, n| n.user(a.account_manager_id)),
            col("churnedAt", Value, |a, _| a.churned_at.as_ref().map(time)),
            col("createdAt", Value, |a, _| Some(time(&a.created_at))),
        ];
        COLUMNS
    }
    fn users(&self) -> Vec<Uuid> {
        [self.account_executive_id, self.cs_owner_id, self.account_manager_id].into_iter().flatten().collect()
    }
}

impl Exported for invoice::Model {
    const TYPE: &'static str = "Invoice";
    fn columns() -> &'static [Column<Self>] {
        use Cell::Value;
        const COLUMNS: &[Column<invoice::Model>] = &[
            col("id", Value, |i, _| Some(i.id.to_string())),
            col("number", Value, |i, _| i.number.map(|n| format!("INV-{n:06}"))),
            col("status", Value, |i, _| Some(i.status.clone())),
            col("sequence", Value, |i, _| Some(i.sequence.to_string())),
            col("amount", Value, |i, _| Some(amount(i.amount_minor, &i.currency))),
            col("amountPaid", Value, |i, _| Some(amount(i.paid_minor, &i.currency))),
            Column {
                name: "currency",
                field: "amount",
                personal: false,
                cell: Value,
                get: |i, _| Some(i.currency.clone()),
            },
            col("issueOn", Value, |i, _| Some(i.issue_on.to_string())),
            col("dueAt", Value, |i, _| Some(i.due_on.to_string())),
            col("issuedAt", Value, |i, _| i.issued_at.as_ref().map(time)),
        ];
        COLUMNS
    }
    fn users(&self) -> Vec<Uuid> {
        vec![]
    }
}

/// The columns of a search export. The label is a person's name for leads and contacts.
const SEARCH_COLUMNS: [(&str, bool); 4] = [("kind", false), ("id", false), ("label", true), ("score", false)];

/// The fields a hit's label is made of, per kind: the label is written only when the caller
/// reads all of them (the snippet is the document's title, see migration 33).
fn label_fields(object: &crate::insight::node::Object) -> (&'static str, &'static str, &'static [&'static str]) {
    use crate::insight::node::Object as O;
    match object {
        O::Lead(_) => ("LEAD", "Lead", &["companyName", "contactName"]),
        O::Account(_) => ("ACCOUNT", "Account", &["name"]),
        O::Contact(_) => ("CONTACT", "Contact", &["name"]),
        O::Opportunity(_) => ("OPPORTUNITY", "Opportunity", &["name"]),
        // A contract is labelled with its deal's name.
        O::Contract(_) => ("CONTRACT", "Opportunity", &["name"]),
        O::Invoice(_) => ("INVOICE", "Invoice", &["number"]),
        O::FeatureRequest(_) => ("FEATURE_REQUEST", "FeatureRequest", &[]),
        O::User(_) => ("USER", "User", &[]),
        O::Team(_) => ("TEAM", "Team", &[]),
        O::Quote(_) => ("QUOTE", "Quote", &[]),
        O::HandoffPackage(_) => ("HANDOFF_PACKAGE", "HandoffPackage", &[]),
        O::ImportJob(_) => ("IMPORT_JOB", "ImportJob", &[]),
    }
}

fn object_id(object: &crate::insight::node::Object) -> Uuid {
    use crate::insight::node::Object as O;
    match object {
        O::Lead(x) => x.id,
        O::Account(x) => x.id,
        O::Contact(x) => x.id,
        O::Opportunity(x) => x.id,
        O::Contract(x) => x.id,
        O::Invoice(x) => x.id,
        O::FeatureRequest(x) => x.request.id,
        O::User(x) => x.id,
        O::Team(x) => x.id,
        O::Quote(x) => x.id,
        O::HandoffPackage(x) => x.id,
        O::ImportJob(x) => x.id,
    }
}

/// What is left to read, and from where.
enum Source {
    Leads { scope: Scope, status: Option<LeadStatus> },
    Opportunities { scope: Scope, stage: Option<Stage> },
    Accounts { vip: Option<bool> },
    Invoices { status: Option<InvoiceStatus> },
    Search,
}

/// The rows of one page, before they are written.
enum Rows {
    Leads(Vec<lead::Model>),
    Opportunities(Vec<opportunity::Model>),
    Accounts(Vec<account::Model>),
    Invoices(Vec<invoice::Model>),
    Hits(Vec<Hit>),
}

/// An export under way: the header and first page are ready; [`Export::next_chunk`] reads
/// and writes the following pages.
pub struct Export {
    /// The id the audit row names the export by.
    pub id: Uuid,
    pub list: ExportList,
    /// The columns written, in order.
    pub columns: Vec<&'static str>,
    /// The rows the list held when the export began.
    pub rows: u64,
    app: App,
    actor: Actor,
    source: Source,
    /// Indices of the columns written, into the list type's columns.
    visible: Vec<usize>,
    /// The first chunk (byte-order mark, header and first page), until it is taken.
    first: Option<String>,
    after: Option<Uuid>,
    done: bool,
}

fn visible<M: Exported>(actor: &Actor) -> Vec<usize> {
    M::columns()
        .iter()
        .enumerate()
        // An object's id is never hidden (as in the API), so every row stays identifiable.
        .filter(|(_, c)| c.field == "id" || actor.may_read_field(M::TYPE, c.field))
        .map(|(i, _)| i)
        .collect()
}

impl App {
    /// Starts an export (`GET /export/<list>.csv`): checks that the caller may export and may
    /// read the list's view (FORBIDDEN otherwise, before anything is read), reads the first
    /// page, and writes the audit row. Nothing is sent before the audit row has committed.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id, list = list.name()))]
    pub async fn start_export(&self, actor: &Actor, list: ExportList) -> Result<Export, AppError> {
        actor.authorize(Action::ExportCsv)?;
        let (source, visible, columns, personal, hidden): (
            Source,
            Vec<usize>,
            Vec<&'static str>,
            Vec<&str>,
            Vec<&str>,
        ) = match &list {
            ExportList::Leads { status } => {
                let scope = actor.authorize(Action::SalesView)?;
                let (v, c, p, h) = layout::<lead::Model>(actor);
                (Source::Leads { scope, status: *status }, v, c, p, h)
            }
            ExportList::Opportunities { stage } => {
                let scope = actor.authorize(Action::SalesView)?;
                let (v, c, p, h) = layout::<opportunity::Model>(actor);
                (Source::Opportunities { scope, stage: *stage }, v, c, p, h)
            }
            ExportList::Accounts { vip } => {
                actor.authorize(Action::CustomerSuccessView)?;
                let (v, c, p, h) = layout::<account::Model>(actor);
                (Source::Accounts { vip: *vip }, v, c, p, h)
            }
            ExportList::Invoices { status } => {
                actor.authorize(Action::FinanceView)?;
                let (v, c, p, h) = layout::<invoice::Model>(actor);
                (Source::Invoices { status: *status }, v, c, p, h)
            }
            ExportList::Search { .. } => {
                let c: Vec<&'static str> = SEARCH_COLUMNS.iter().map(|(n, _)| *n).collect();
                let p = SEARCH_COLUMNS.iter().filter(|(_, p)| *p).map(|(n, _)| *n).collect();
                ((Source::Search), (0..c.len()).collect(), c, p, vec![])
            }
        };
        let mut export = Export {
            id: Uuid::now_v7(),
            list,
            columns,
            rows: 0,
            app: self.clone(),
            actor: actor.clone(),
            source,
            visible,
            first: None,
            after: None,
            done: false,
        };
        let (rows, total) = export.page(true).await?;
        export.rows = total;
        let mut first = String::from(BOM);
        first.push_str(&csv_record(export.columns.iter().map(|c| (Cell::Value, *c))));
        first.push_str(&export.write(rows).await?);
        export.first = Some(first);
        let logged = json!({
            "list": export.list.name(), "filter": export.list.filter(), "columns": export.columns,
            "personalColumns": personal, "hiddenColumns": hidden, "rows": export.rows,
        });
        let txn = self.tx().await?;
        record(&txn, actor.org_id, actor, "exportCsv", "export", export.id, None::<&()>, Some(&logged)).await?;
        txn.commit().await?;
        Ok(export)
    }
}

/// The columns of a list type the caller reads: indices, headers, the personal ones, and the
/// ones its field rules leave out.
#[allow(clippy::type_complexity)]
fn layout<M: Exported>(actor: &Actor) -> (Vec<usize>, Vec<&'static str>, Vec<&'static str>, Vec<&'static str>) {
    let v = visible::<M>(actor);
    let cols = M::columns();
    let names = v.iter().map(|i| cols[*i].name).collect();
    let personal = v.iter().filter(|i| cols[**i].personal).map(|i| cols[*i].name).collect();
    let hidden = (0..cols.len()).filter(|i| !v.contains(i)).map(|i| cols[i].name).collect();
    (v, names, personal, hidden)
}

impl Export {
    /// The next part of the file; `None` once everything was sent.
    pub async fn next_chunk(&mut self) -> Result<Option<String>, AppError> {
        if let Some(first) = self.first.take() {
            return Ok(Some(first));
        }
        if self.done {
            return Ok(None);
        }
        let (rows, _) = self.page(false).await?;
        let chunk = self.write(rows).await?;
        Ok(if chunk.is_empty() && self.done { None } else { Some(chunk) })
    }

    /// Reads the next page through the view's own list function.
    async fn page(&mut self, count: bool) -> Result<(Rows, u64), AppError> {
        let req = PageRequest::forward(EXPORT_PAGE, self.after, count);
        let (app, actor) = (&self.app, &self.actor);
        fn step<M>(p: Page<M>, id: impl Fn(&M) -> Uuid, after: &mut Option<Uuid>, done: &mut bool) -> (Vec<M>, u64) {
            *after = p.items.last().map(&id);
            *done = !p.has_next_page;
            (p.items, p.total_count)
        }
        let (after, done) = (&mut self.after, &mut self.done);
        Ok(match &self.source {
            Source::Leads { scope, status } => {
                let (r, t) =
                    step(app.leads(actor, *scope, *status, &Default::default(), req).await?, |l| l.id, after, done);
                (Rows::Leads(r), t)
            }
            Source::Opportunities { scope, stage } => {
                let p = app.opportunities(actor, *scope, stage.map(|s| s.as_str()), &Default::default(), req).await?;
                let (r, t) = step(p, |o| o.id, after, done);
                (Rows::Opportunities(r), t)
            }
            Source::Accounts { vip } => {
                let (r, t) = step(app.cs_accounts(actor, *vip, &Default::default(), req).await?, |a| a.id, after, done);
                (Rows::Accounts(r), t)
            }
            Source::Invoices { status } => {
                let (r, t) = step(app.invoices(actor, *status, &Default::default(), req).await?, |i| i.id, after, done);
                (Rows::Invoices(r), t)
            }
            Source::Search => {
                // A search is a snapshot of a ranking: its hits are read at once, bounded.
                let ExportList::Search { text } = &self.list else { return Ok((Rows::Hits(vec![]), 0)) };
                let mut hits: Vec<Hit> = Vec::new();
                let mut cursor: Option<String> = None;
                loop {
                    let page = app
                        .search(actor, text, None, Some(crate::insight::search::MAX_PAGE as i32), cursor.as_deref())
                        .await?;
                    cursor = page.hits.last().map(|h| h.cursor.clone()).or(cursor);
                    hits.extend(page.hits);
                    if !page.has_next_page || hits.len() >= SEARCH_EXPORT_LIMIT {
                        break;
                    }
                }
                hits.truncate(SEARCH_EXPORT_LIMIT);
                *done = true;
                let n = hits.len() as u64;
                (Rows::Hits(hits), n)
            }
        })
    }

    /// Writes a page's rows in the export's columns.
    async fn write(&self, rows: Rows) -> Result<String, AppError> {
        Ok(match rows {
            Rows::Leads(r) => self.write_rows(&r).await?,
            Rows::Opportunities(r) => self.write_rows(&r).await?,
            Rows::Accounts(r) => self.write_rows(&r).await?,
            Rows::Invoices(r) => self.write_rows(&r).await?,
            Rows::Hits(hits) => {
                let mut out = String::new();
                for h in hits {
                    let (kind, type_name, fields) = label_fields(&h.object);
                    let label = if fields.iter().all(|f| self.actor.may_read_field(type_name, f)) {
                        h.snippet.clone()
                    } else {
                        String::new()
                    };
                    let id = object_id(&h.object).to_string();
                    let score = format!("{:.3}", h.score);
                    out.push_str(&csv_record([
                        (Cell::Value, kind),
                        (Cell::Value, id.as_str()),
                        (Cell::Text, label.as_str()),
                        (Cell::Value, score.as_str()),
                    ]));
                }
                out
            }
        })
    }

    async fn write_rows<M: Exported>(&self, rows: &[M]) -> Result<String, AppError> {
        let cols = M::columns();
        let mut ids: Vec<Uuid> = rows.iter().flat_map(Exported::users).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut names = Names::default();
        if !ids.is_empty() {
            for u in self.app.users_by_ids(self.actor.org_id, &ids).await? {
                names.users.insert(u.id, u.email);
            }
        }
        let mut out = String::new();
        for row in rows {
            let cells: Vec<(Cell, String)> =
                self.visible.iter().map(|i| (cols[*i].cell, (cols[*i].get)(row, &names).unwrap_or_default())).collect();
            out.push_str(&csv_record(cells.iter().map(|(k, v)| (*k, v.as_str()))));
        }
        Ok(out)
    }
}
