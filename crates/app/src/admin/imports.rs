//! CSV imports of leads, contacts and accounts, run as jobs.
//!
//! A file is read whole when the mutation arrives (encoding, header, mapping: a file that cannot
//! be read at all is BAD_USER_INPUT and leaves no job), then its rows are worked in chunks:
//! each row is parsed by the same function as the single-row mutation's input, checked for a
//! duplicate among the records the caller may read, and written through the same use case
//! (`createLead`, `addContact`, an account's creation), a chunk at a time. Small files finish
//! before the mutation answers; larger ones run in a background task that keeps the job row's
//! progress current.

use crate::marketing::consent::ConsentTerms;
use crate::sales::leads::{LeadDraft, LeadPatch, NewLead, ParsedPatch};
use crate::sales::opportunities::{ContactDraft, ContactInput};
use crate::{Actor, App, AppError, Owners, sales::accounts};
use anyhow::Context;
use baton_domain::Role;
use baton_domain::import::{
    self as file, CommitMode, DuplicatePolicy, Encoding, ImportKind, JobStatus, Mapping, Row, RowError,
};
use baton_domain::lead::LeadSource;
use baton_domain::opportunity::ContactRole;
use baton_domain::permission::Action;
use baton_domain::text;
use baton_store::entity::{account, contact, import_job, lead};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Rows checked and written together: one transaction per chunk when committing per row.
const CHUNK: usize = 500;
/// Files up to this many rows finish before the mutation answers.
const INLINE_ROWS: usize = 1_000;
/// Errors a job keeps (it counts them all).
const MAX_ERRORS: usize = 1_000;

/// Consent recorded for every lead whose consent cell says yes.
#[derive(Debug, Clone)]
pub struct ConsentColumn {
    pub purpose: String,
    pub lawful_basis: String,
    pub notice_version: String,
    /// Where the consent was given; by default `import`.
    pub source: Option<String>,
}

/// Raw input of `importLeads`, `importContacts` and `importAccounts`.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub kind: ImportKind,
    pub csv: String,
    pub encoding: Encoding,
    /// One character; a comma by default (some locales' Excel writes semicolons).
    pub delimiter: Option<String>,
    /// (column header, field) pairs.
    pub columns: Vec<(String, String)>,
    pub commit: CommitMode,
    pub dry_run: bool,
    pub duplicates: DuplicatePolicy,
    /// Leads: the consent the `consent` column records.
    pub consent: Option<ConsentColumn>,
    /// Leads: the source of rows without a `source` cell.
    pub source: Option<LeadSource>,
    /// Leads: the campaign every row came from.
    pub campaign_id: Option<Uuid>,
    /// Contacts: the account of rows without an `accountId` or `accountDomain` cell.
    pub account_id: Option<Uuid>,
}

/// What the rows are checked against and written with.
#[derive(Debug, Clone)]
struct Plan {
    job: Uuid,
    kind: ImportKind,
    mapping: Mapping,
    commit: CommitMode,
    dry_run: bool,
    duplicates: DuplicatePolicy,
    consent: Option<ConsentTerms>,
    source: Option<LeadSource>,
    campaign_id: Option<Uuid>,
    account_id: Option<Uuid>,
}

/// One row, parsed for its use case.
#[derive(Debug, Clone)]
enum Item {
    Lead { draft: Box<LeadDraft>, patch: Box<ParsedPatch>, consent: bool },
    Contact { account: Option<Uuid>, account_ref: Option<(&'static str, String)>, draft: ContactDraft },
    Account(accounts::AccountDraft),
}

/// What happens to a row.
#[derive(Debug, Clone)]
enum Step {
    Create(Item),
    Update(Uuid, Item),
    Skip,
}

/// What a job has done so far.
#[derive(Debug, Default)]
struct Tally {
    processed: usize,
    created: usize,
    updated: usize,
    skipped: usize,
    failed: usize,
    errors: Vec<RowError>,
}

impl Tally {
    fn fail(&mut self, e: RowError) {
        self.failed += 1;
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(e);
        }
    }
}

/// The action an import needs: the single-row mutation's.
fn action_of(kind: ImportKind) -> Action {
    match kind {
        ImportKind::Leads => Action::CreateLead,
        ImportKind::Contacts => Action::AddContact,
        ImportKind::Accounts => Action::ImportAccounts,
    }
}

/// An application error as the error of one row.
fn row_error(row: u64, e: AppError) -> RowError {
    match e {
        AppError::BadInput { field, message } => RowError::new(row, field, message),
        AppError::NotFound(what) => RowError::new(row, "row", format!("{what} not found")),
        AppError::Forbidden(reasons) => RowError::new(row, "row", reasons.join("; ")),
        AppError::Rule(v) => RowError::new(
            row,
            "row",
            v.iter().map(|v| format!("{}: {}", v.rule, v.reason)).collect::<Vec<_>>().join("; "),
        ),
        AppError::Conflict(m) => RowError::new(row, "row", m),
        e => {
            tracing::error!(error = %e, row, "import row failed");
            RowError::new(row, "row", "could not be written (internal error)")
        }
    }
}

fn errors_json(errors: &[RowError]) -> serde_json::Value {
    json!(errors.iter().map(|e| json!({ "row": e.row, "field": e.field, "message": e.message })).collect::<Vec<_>>())
}

/// The errors a job recorded, as (row, field, message).
pub fn job_errors(job: &import_job::Model) -> Vec<RowError> {
    job.errors
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    RowError::new(
                        e["row"].as_u64().unwrap_or(0),
                        e["field"].as_str().unwrap_or_default(),
                        e["message"].as_str().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn whole_number(field: &'static str, cell: Option<&str>) -> Result<Option<i32>, AppError> {
    cell.map(|c| {
        c.replace([',', ' ', '_'], "").parse::<i32>().map_err(|_| AppError::bad_input(field, "is not a whole number"))
    })
    .transpose()
}

/// A cell spelled as an enum value: `Self signup` reads as `SELF_SIGNUP`.
fn enum_cell(cell: &str) -> String {
    cell.trim().to_uppercase().replace([' ', '-'], "_")
}

/// Parses one row into its use case's input, exactly as the single-row mutation parses its own.
fn prepare(plan: &Plan, row: &Row) -> Result<Item, AppError> {
    let m = &plan.mapping;
    let get = |f: &str| m.get(row, f).map(str::to_owned);
    match plan.kind {
        ImportKind::Leads => {
            let source = match m.get(row, "source") {
                Some(c) => LeadSource::parse(&enum_cell(c)).ok_or_else(|| {
                    AppError::bad_input(
                        "source",
                        format!(
                            "must be one of {}",
                            LeadSource::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    )
                })?,
                None => {
                    plan.source.ok_or_else(|| AppError::bad_input("source", "is empty and the mapping gives none"))?
                }
            };
            let consent = match plan.consent {
                Some(_) => file::yes_no(m.get(row, "consent"))
                    .ok_or_else(|| AppError::bad_input("consent", "must be yes or no"))?,
                None => false,
            };
            let input = NewLead {
                company_name: get("companyName").unwrap_or_default(),
                contact_name: get("contactName").unwrap_or_default(),
                contact_email: get("contactEmail"),
                contact_phone: get("contactPhone"),
                industry: get("industry"),
                company_size: whole_number("companySize", m.get(row, "companySize"))?,
                source,
                pain_points: get("painPoints"),
                campaign_id: plan.campaign_id,
                referred_by_account_id: None,
                partner_id: None,
                jurisdiction: get("jurisdiction"),
            };
            // An update changes only what the file says; blank cells keep what the lead has.
            let patch = crate::sales::leads::parse_lead_patch(LeadPatch {
                company_name: input.company_name.clone().into(),
                contact_name: input.contact_name.clone().into(),
                contact_email: None,
                contact_phone: input.contact_phone.clone(),
                industry: input.industry.clone(),
                company_size: input.company_size,
                source: m.get(row, "source").map(|_| source),
                pain_points: input.pain_points.clone(),
            });
            let draft = crate::sales::leads::parse_new_lead(input)?;
            Ok(Item::Lead { draft: Box::new(draft), patch: Box::new(patch?), consent })
        }
        ImportKind::Contacts => {
            let role = match m.get(row, "role") {
                Some(c) => ContactRole::parse(&enum_cell(c)).ok_or_else(|| {
                    AppError::bad_input("role", "must be IT, BUSINESS, EXECUTIVE, PROCUREMENT or OTHER")
                })?,
                None => ContactRole::Other,
            };
            let decision_maker = file::yes_no(m.get(row, "decisionMaker"))
                .ok_or_else(|| AppError::bad_input("decisionMaker", "must be yes or no"))?;
            let account_ref = match (m.get(row, "accountId"), m.get(row, "accountDomain")) {
                (Some(id), _) => Some(("accountId", id.to_owned())),
                (None, Some(d)) => Some((
                    "accountDomain",
                    accounts::normalize_domain(d)
                        .map_err(|_| AppError::bad_input("accountDomain", "is not a domain name (example.com)"))?,
                )),
                (None, None) if plan.account_id.is_some() => None,
                (None, None) => {
                    return Err(AppError::bad_input("accountId", "is empty and the mapping gives no account"));
                }
            };
            let draft = crate::sales::opportunities::parse_contact_draft(&ContactInput {
                name: get("name").unwrap_or_default(),
                email: get("email"),
                phone: get("phone"),
                role,
                decision_maker,
                jurisdiction: get("jurisdiction"),
            })?;
            Ok(Item::Contact { account: plan.account_id, account_ref, draft })
        }
        ImportKind::Accounts => Ok(Item::Account(accounts::parse_new_account(accounts::NewAccount {
            name: get("name").unwrap_or_default(),
            domain: get("domain"),
            industry: get("industry"),
            company_size: whole_number("companySize", m.get(row, "companySize"))?,
            account_executive_email: get("accountExecutiveEmail"),
        })?)),
    }
}

/// The key a duplicate is found by: the lead's or contact's e-mail address, the account's
/// domain (a free-mail domain names no company).
fn key_of(item: &Item) -> Option<String> {
    match item {
        Item::Lead { draft, .. } => draft.email.as_ref().map(|e| e.as_str().to_owned()),
        Item::Contact { draft, .. } => draft.email.clone(),
        Item::Account(d) => d.domain.clone().filter(|d| !text::is_free_mail_domain(d)),
    }
}

/// The records with these keys that the caller may read, by key (the oldest when several).
async fn existing<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    kind: ImportKind,
    keys: Vec<String>,
) -> Result<HashMap<String, Uuid>, AppError> {
    let mut found = HashMap::new();
    if keys.is_empty() {
        return Ok(found);
    }
    match kind {
        ImportKind::Leads => {
            let mut q = lead::Entity::find()
                .filter(lead::Column::OrganizationId.eq(actor.org_id))
                .filter(lead::Column::ContactEmail.is_in(keys));
            if let Owners::Only(ids) = actor.readable(Action::ReadLead) {
                q = q.filter(lead::Column::OwnerId.is_in(ids));
            }
            for l in q.all(db).await? {
                if let Some(e) = l.contact_email {
                    found.entry(e).or_insert(l.id);
                }
            }
        }
        ImportKind::Contacts => {
            let rows = contact::Entity::find()
                .filter(contact::Column::OrganizationId.eq(actor.org_id))
                .filter(contact::Column::Email.is_in(keys))
                .all(db)
                .await?;
            let mut readable: HashMap<Uuid, bool> = HashMap::new();
            for c in rows {
                let may = match readable.get(&c.account_id) {
                    Some(m) => *m,
                    None => {
                        let a =
                            account::Entity::find_by_id(c.account_id).one(db).await?.context("contact's account")?;
                        let m = crate::kernel::scope::account_reaches(db, actor, Action::ReadAccount, &a).await?;
                        readable.insert(c.account_id, m);
                        m
                    }
                };
                if let (true, Some(e)) = (may, c.email) {
                    found.entry(e).or_insert(c.id);
                }
            }
        }
        ImportKind::Accounts => {
            let rows = account::Entity::find()
                .filter(account::Column::OrganizationId.eq(actor.org_id))
                .filter(account::Column::Domain.is_in(keys))
                .all(db)
                .await?;
            for a in rows {
                if crate::kernel::scope::account_reaches(db, actor, Action::ReadAccount, &a).await?
                    && let Some(d) = a.domain.clone()
                {
                    found.entry(d).or_insert(a.id);
                }
            }
        }
    }
    Ok(found)
}

/// Finds a contact row's account (by id, by domain, or the mapping's) and passes it through
/// `addContact`'s gate; answers are remembered for the job.
async fn contact_account<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    default: Option<Uuid>,
    reference: &Option<(&'static str, String)>,
    cache: &mut HashMap<String, Result<Uuid, (String, String)>>,
) -> Result<Uuid, (String, String)> {
    let key = match reference {
        Some((f, v)) => format!("{f}:{v}"),
        None => "default".to_owned(),
    };
    if let Some(r) = cache.get(&key) {
        return r.clone();
    }
    let field = reference.as_ref().map(|(f, _)| *f).unwrap_or("accountId");
    let found: Result<Option<Uuid>, AppError> = match reference {
        Some(("accountId", v)) => crate::parse_id("accountId", v).map(Some),
        Some((_, domain)) => account::Entity::find()
            .filter(account::Column::OrganizationId.eq(actor.org_id))
            .filter(account::Column::Domain.eq(domain.as_str()))
            .one(db)
            .await
            .map(|a| a.map(|a| a.id))
            .map_err(AppError::from),
        None => Ok(default),
    };
    let answer = match found {
        Ok(Some(id)) => {
            crate::kernel::gate::account(db, actor, id, Action::AddContact).await.map(|a| a.id).map_err(|e| match e {
                AppError::NotFound(_) => (field.to_owned(), "names no account you may read".to_owned()),
                e => {
                    let r = row_error(0, e);
                    (field.to_owned(), r.message)
                }
            })
        }
        Ok(None) => Err((field.to_owned(), "names no account you may read".to_owned())),
        Err(e) => {
            let r = row_error(0, e);
            Err((r.field, r.message))
        }
    };
    cache.insert(key, answer.clone());
    answer
}

/// Decides each row of a chunk: parsed, its account found (contacts), checked for duplicates
/// in the file and among existing records. Rows with an error are tallied and left out.
async fn decide<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    plan: &Plan,
    rows: &[Row],
    seen: &mut HashMap<String, u64>,
    accounts_cache: &mut HashMap<String, Result<Uuid, (String, String)>>,
    tally: &mut Tally,
) -> Result<Vec<(u64, Step)>, AppError> {
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        match prepare(plan, row) {
            Ok(mut item) => {
                if let Item::Contact { account, account_ref, .. } = &mut item {
                    match contact_account(db, actor, plan.account_id, account_ref, accounts_cache).await {
                        Ok(id) => *account = Some(id),
                        Err((field, message)) => {
                            tally.fail(RowError::new(row.number, field, message));
                            continue;
                        }
                    }
                }
                items.push((row.number, item));
            }
            Err(e) => tally.fail(row_error(row.number, e)),
        }
    }
    let keys: Vec<String> = items.iter().filter_map(|(_, i)| key_of(i)).collect();
    let found = if plan.duplicates == DuplicatePolicy::CreateAnyway {
        HashMap::new()
    } else {
        existing(db, actor, plan.kind, keys).await?
    };
    let key_field = match plan.kind {
        ImportKind::Leads => "contactEmail",
        ImportKind::Contacts => "email",
        ImportKind::Accounts => "domain",
    };
    let mut steps = Vec::with_capacity(items.len());
    for (number, item) in items {
        let Some(key) = key_of(&item) else {
            steps.push((number, Step::Create(item)));
            continue;
        };
        if plan.duplicates != DuplicatePolicy::CreateAnyway {
            if let Some(first) = seen.get(&key) {
                tally.fail(RowError::new(number, key_field, format!("repeats row {first} of this file")));
                continue;
            }
            seen.insert(key.clone(), number);
        }
        let step = match (found.get(&key), plan.duplicates) {
            (Some(_), DuplicatePolicy::Skip) => Step::Skip,
            (Some(id), DuplicatePolicy::Update) => Step::Update(*id, item),
            _ => Step::Create(item),
        };
        steps.push((number, step));
    }
    Ok(steps)
}

/// Writes a chunk's steps in the caller's transaction. Rows whose own use case refuses them
/// (an update the gate or a rule refuses) are tallied as errors without stopping the others.
async fn apply(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    plan: &Plan,
    steps: Vec<(u64, Step)>,
    tally: &mut Tally,
) -> Result<(), AppError> {
    let mut leads: Vec<(LeadDraft, bool)> = Vec::new();
    let mut contacts: Vec<(Uuid, ContactDraft)> = Vec::new();
    for (number, step) in steps {
        match step {
            Step::Skip => tally.skipped += 1,
            Step::Create(Item::Lead { draft, consent, .. }) => leads.push((*draft, consent)),
            Step::Create(Item::Contact { account: Some(a), draft, .. }) => contacts.push((a, draft)),
            Step::Create(Item::Contact { account: None, .. }) => {
                tally.fail(RowError::new(number, "accountId", "names no account you may read"))
            }
            Step::Create(Item::Account(d)) => match accounts::insert_account(txn, actor, d).await {
                Ok(_) => tally.created += 1,
                Err(e) => tally.fail(row_error(number, e)),
            },
            Step::Update(id, item) => {
                let done = match item {
                    Item::Lead { patch, .. } => {
                        crate::sales::leads::update_lead_in(txn, actor, id, *patch, None).await.map(|_| ())
                    }
                    Item::Contact { draft, .. } => {
                        crate::sales::opportunities::update_contact_in(txn, actor, id, draft).await.map(|_| ())
                    }
                    Item::Account(d) => accounts::update_account_in(txn, actor, id, d).await.map(|_| ()),
                };
                match done {
                    Ok(()) => tally.updated += 1,
                    Err(e) => tally.fail(row_error(number, e)),
                }
            }
        }
    }
    if !leads.is_empty() {
        let consenting: Vec<bool> = leads.iter().map(|(_, c)| *c).collect();
        let created =
            crate::sales::leads::insert_leads(txn, actor, leads.into_iter().map(|(d, _)| d).collect()).await?;
        if let Some(terms) = &plan.consent {
            let ids: Vec<Uuid> = created.iter().zip(consenting).filter(|(_, c)| *c).map(|(l, _)| l.id).collect();
            crate::marketing::consent::grant_all(txn, actor, &ids, terms).await?;
        }
        tally.created += created.len();
    }
    if !contacts.is_empty() {
        tally.created += crate::sales::opportunities::insert_contacts(txn, actor, contacts).await?.len();
    }
    Ok(())
}

impl App {
    /// `importLeads`, `importContacts`, `importAccounts`: reads the file, records the job and
    /// works it, before answering when it is small, in the background otherwise.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id, kind = req.kind.as_str()))]
    pub async fn start_import(&self, actor: &Actor, req: ImportRequest) -> Result<import_job::Model, AppError> {
        actor.authorize(action_of(req.kind))?;
        let text = file::decode(&req.csv, req.encoding).map_err(|e| AppError::bad_input("csv", e.message))?;
        let delimiter = match req.delimiter.as_deref() {
            None | Some(",") => b',',
            Some(d) if d.len() == 1 && d != "\"" => d.as_bytes()[0],
            Some(_) => return Err(AppError::bad_input("delimiter", "must be one ASCII character other than \"")),
        };
        let table = file::read(&text, delimiter).map_err(|e| AppError::bad_input("csv", e.message))?;
        let mapping = Mapping::resolve(req.kind, &table.headers, &req.columns)
            .map_err(|problems| AppError::bad_input("mapping", problems.join("; ")))?;
        let consent = match (&req.consent, req.kind) {
            (Some(c), ImportKind::Leads) => {
                if !mapping.maps("consent") {
                    return Err(AppError::bad_input(
                        "mapping",
                        "`consent` must be fed by a column when consent is given",
                    ));
                }
                actor.authorize(Action::ManageConsent)?;
                actor.person(Action::ManageConsent)?;
                Some(ConsentTerms::parse(
                    &c.purpose,
                    &c.lawful_basis,
                    c.source.as_deref().unwrap_or("import"),
                    &c.notice_version,
                )?)
            }
            (Some(_), _) => return Err(AppError::bad_input("consent", "applies to leads only")),
            (None, _) if mapping.maps("consent") => {
                return Err(AppError::bad_input("consent", "says what the `consent` column records: give it"));
            }
            (None, _) => None,
        };
        if req.kind == ImportKind::Leads && req.source.is_none() && !mapping.maps("source") {
            return Err(AppError::bad_input("mapping", "`source` must be fed by a column or given as a default"));
        }
        if req.kind == ImportKind::Contacts
            && req.account_id.is_none()
            && !mapping.maps("accountId")
            && !mapping.maps("accountDomain")
        {
            return Err(AppError::bad_input(
                "mapping",
                "`accountId` or `accountDomain` must be fed, or an account given",
            ));
        }
        if let Some(c) = req.campaign_id {
            baton_store::entity::campaign::Entity::find_by_id(c)
                .filter(baton_store::entity::campaign::Column::OrganizationId.eq(actor.org_id))
                .one(&self.db)
                .await?
                .ok_or(AppError::NotFound("campaign"))?;
        }

        let now = Utc::now();
        let total = table.rows.len() + table.errors.len();
        let mut tally = Tally::default();
        for e in table.errors {
            tally.fail(e);
            tally.processed += 1;
        }
        let job = import_job::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            kind: Set(req.kind.as_str().to_owned()),
            status: Set(JobStatus::Running.as_str().to_owned()),
            dry_run: Set(req.dry_run),
            commit_mode: Set(req.commit.as_str().to_owned()),
            duplicates: Set(req.duplicates.as_str().to_owned()),
            total: Set(i32::try_from(total).unwrap_or(i32::MAX)),
            processed: Set(0),
            created: Set(0),
            updated: Set(0),
            skipped: Set(0),
            failed: Set(0),
            errors: Set(json!([])),
            created_by: Set(actor.principal_id()),
            created_at: Set(now),
            updated_at: Set(now),
            finished_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        let plan = Plan {
            job: job.id,
            kind: req.kind,
            mapping,
            commit: req.commit,
            dry_run: req.dry_run,
            duplicates: req.duplicates,
            consent,
            source: req.source,
            campaign_id: req.campaign_id,
            account_id: req.account_id,
        };
        if table.rows.len() <= INLINE_ROWS {
            self.run_import(actor.clone(), plan, table.rows, tally).await;
        } else {
            let app = self.clone();
            let actor = actor.clone();
            tokio::spawn(async move { app.run_import(actor, plan, table.rows, tally).await });
        }
        self.import_job(actor, job.id).await
    }

    /// `importJob(id)`: its creator and the organization's administrators read it; NOT_FOUND otherwise.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn import_job(&self, actor: &Actor, id: Uuid) -> Result<import_job::Model, AppError> {
        let job = import_job::Entity::find_by_id(id)
            .filter(import_job::Column::OrganizationId.eq(actor.org_id))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("import job"))?;
        if job.created_by != actor.principal_id() && !actor.has(Role::Admin) {
            return Err(AppError::NotFound("import job"));
        }
        Ok(job)
    }

    /// Works a job to its end and records the outcome; a fault fails the job (it is logged).
    async fn run_import(&self, actor: Actor, plan: Plan, rows: Vec<Row>, mut tally: Tally) {
        let job = plan.job;
        let outcome = self.work(&actor, &plan, rows, &mut tally).await;
        let status = match outcome {
            Ok(true) => JobStatus::Completed,
            Ok(false) => JobStatus::Failed,
            Err(e) => {
                tracing::error!(error = %crate::kernel::error::chain(&e), job = %job, "import failed");
                tally.fail(RowError::new(
                    0,
                    "csv",
                    "the import stopped on an internal error; nothing more was written",
                ));
                JobStatus::Failed
            }
        };
        if let Err(e) = self.progress(job, &tally, Some(status)).await {
            tracing::error!(error = %crate::kernel::error::chain(&e), job = %job, "import outcome not recorded");
        }
    }

    /// Writes the job's progress (and, at the end, its status).
    async fn progress(&self, job: Uuid, tally: &Tally, status: Option<JobStatus>) -> Result<(), AppError> {
        let row = import_job::Entity::find_by_id(job).one(&self.db).await?.context("import job row")?;
        let now = Utc::now();
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        let mut am = row.into_active_model();
        am.processed = Set(count(tally.processed));
        am.created = Set(count(tally.created));
        am.updated = Set(count(tally.updated));
        am.skipped = Set(count(tally.skipped));
        am.failed = Set(count(tally.failed));
        am.errors = Set(errors_json(&tally.errors));
        am.updated_at = Set(now);
        if let Some(s) = status {
            am.status = Set(s.as_str().to_owned());
            am.finished_at = Set(Some(now));
        }
        let saved = am.update(&self.db).await?;
        self.events.publish(crate::kernel::events::Event::ImportJobChanged { org: saved.organization_id, job_id: job });
        Ok(())
    }

    /// Checks and writes every row; true when the job completed, false when an all-or-nothing
    /// file had errors and nothing was written.
    async fn work(&self, actor: &Actor, plan: &Plan, rows: Vec<Row>, tally: &mut Tally) -> Result<bool, AppError> {
        let mut seen = HashMap::new();
        let mut accounts_cache = HashMap::new();
        if plan.dry_run {
            for chunk in rows.chunks(CHUNK) {
                for (_, step) in decide(&self.db, actor, plan, chunk, &mut seen, &mut accounts_cache, tally).await? {
                    match step {
                        Step::Create(_) => tally.created += 1,
                        Step::Update(..) => tally.updated += 1,
                        Step::Skip => tally.skipped += 1,
                    }
                }
                tally.processed += chunk.len();
                self.progress(plan.job, tally, None).await?;
            }
            return Ok(true);
        }
        match plan.commit {
            CommitMode::AllOrNothing => {
                // One transaction for the file. SQLite holds its write lock meanwhile, so the job
                // row learns the progress only at the end there.
                let live = self.db.get_database_backend() != DatabaseBackend::Sqlite;
                let txn = self.tx().await?;
                for chunk in rows.chunks(CHUNK) {
                    let steps = decide(&txn, actor, plan, chunk, &mut seen, &mut accounts_cache, tally).await?;
                    if tally.failed == 0 {
                        apply(&txn, actor, plan, steps, tally).await?;
                    }
                    tally.processed += chunk.len();
                    if live {
                        self.progress(plan.job, tally, None).await?;
                    }
                }
                if tally.failed > 0 {
                    txn.rollback().await?;
                    (tally.created, tally.updated, tally.skipped) = (0, 0, 0);
                    return Ok(false);
                }
                txn.commit().await?;
                Ok(true)
            }
            CommitMode::PerRow => {
                for chunk in rows.chunks(CHUNK) {
                    let steps = decide(&self.db, actor, plan, chunk, &mut seen, &mut accounts_cache, tally).await?;
                    let mut attempt = Tally::default();
                    let txn = self.tx().await?;
                    let written = match apply(&txn, actor, plan, steps.clone(), &mut attempt).await {
                        Ok(()) => txn.commit().await.map_err(AppError::from),
                        Err(e) => {
                            let _ = txn.rollback().await;
                            Err(e)
                        }
                    };
                    match written {
                        Ok(()) => merge(tally, attempt),
                        Err(e) => {
                            // Something in the chunk failed as a whole: write its rows one by one,
                            // so that only the row at fault is left out.
                            tracing::warn!(error = %e, job = %plan.job, "import chunk failed; writing its rows one by one");
                            for (number, step) in steps {
                                let mut one = Tally::default();
                                let txn = self.tx().await?;
                                match apply(&txn, actor, plan, vec![(number, step)], &mut one).await {
                                    Ok(()) => {
                                        txn.commit().await?;
                                        merge(tally, one);
                                    }
                                    Err(e) => {
                                        let _ = txn.rollback().await;
                                        tally.fail(row_error(number, e));
                                    }
                                }
                            }
                        }
                    }
                    tally.processed += chunk.len();
                    self.progress(plan.job, tally, None).await?;
                }
                Ok(true)
            }
        }
    }
}

fn merge(into: &mut Tally, from: Tally) {
    into.created += from.created;
    into.updated += from.updated;
    into.skipped += from.skipped;
    let unkept = from.failed - from.errors.len();
    for e in from.errors {
        into.fail(e);
    }
    into.failed += unkept;
}
