//! CSV imports: `importLeads`, `importContacts`, `importAccounts` and `importJob`.

use crate::id_arg;
use crate::kernel::enums::LeadSource;
use crate::kernel::scalars::Timestamp;
use crate::{Gql, actor, app};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use baton_app::admin::imports::{ConsentColumn, ImportRequest};
use baton_app::entity::import_job;
use baton_domain::import as d;

/// How the file's bytes arrive in the `csv` string.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CsvEncoding {
    /// The string is the file's text: UTF-8, with or without a byte-order mark.
    Utf8,
    /// The string is the base64 of the file's bytes in GBK (read as GB 18030, its superset), as Chinese spreadsheets save CSV.
    Gbk,
}

/// What to do with a row whose record already exists among those the caller may read (a lead or contact with the same e-mail address, an account with the same domain).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DuplicatePolicy {
    /// Leave the existing record as it is and count the row as skipped.
    Skip,
    /// Update the existing record with the row's non-blank cells, through the update's own gate.
    Update,
    /// Create a new record anyway (rows repeating each other are created too).
    CreateAnyway,
}

/// Whether one bad row stops the whole file.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ImportCommitMode {
    /// Nothing is written unless every row is good.
    AllOrNothing,
    /// Every good row is written; bad rows are reported and left out.
    PerRow,
}

/// Where an import job stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ImportJobStatus {
    /// Rows are being checked or written.
    Running,
    /// Every row was handled (bad rows of a per-row import are in `errors`).
    Completed,
    /// Nothing was written: an all-or-nothing file had errors, or the import stopped on a fault.
    Failed,
}

/// What an import creates.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ImportKind {
    /// Leads, as `createLead` creates them.
    Leads,
    /// Contacts of accounts, as `addContact` adds them.
    Contacts,
    /// Accounts.
    Accounts,
}

/// One CSV column feeding one field.
#[derive(InputObject)]
pub struct ImportColumnInput {
    /// The column's header in the file (case and surrounding spaces do not matter).
    pub column: String,
    /// The field it feeds, spelled as in the single-row input. Leads: companyName, contactName, contactEmail, contactPhone, industry, companySize, source, painPoints, jurisdiction, consent. Contacts: accountId, accountDomain, name, email, phone, role, decisionMaker, jurisdiction. Accounts: name, domain, industry, companySize, accountExecutiveEmail.
    pub field: String,
}

/// The consent a leads file's `consent` column records (yes/no per row).
#[derive(InputObject)]
pub struct ImportConsentInput {
    /// SALES_CONTACT, MARKETING_EMAIL or PRODUCT_RESEARCH.
    pub purpose: String,
    /// CONSENT, CONTRACT or LEGITIMATE_INTEREST.
    pub lawful_basis: String,
    /// The version of the privacy notice the people were shown.
    pub notice_version: String,
    /// Where they consented, such as the trade show's sign-up sheet; by default `import`.
    pub source: Option<String>,
}

/// How to read the file and what its columns mean.
#[derive(InputObject)]
pub struct ImportMappingInput {
    /// Which column feeds which field; unmapped columns are ignored.
    pub columns: Vec<ImportColumnInput>,
    /// How the `csv` string carries the file.
    #[graphql(default_with = "CsvEncoding::Utf8")]
    pub encoding: CsvEncoding,
    /// The field delimiter, one character; a comma by default.
    pub delimiter: Option<String>,
    /// All-or-nothing or per-row commit.
    #[graphql(default_with = "ImportCommitMode::AllOrNothing")]
    pub commit: ImportCommitMode,
    /// Leads: what the `consent` column records; needed when a column feeds `consent`.
    pub consent: Option<ImportConsentInput>,
    /// Leads: the source of rows without a source cell.
    pub source: Option<LeadSource>,
    /// Leads: the campaign every row came from.
    pub campaign_id: Option<ID>,
    /// Contacts: the account of rows without an account cell.
    pub account_id: Option<ID>,
}

/// One problem in the file.
#[derive(SimpleObject)]
pub struct ImportError {
    /// The row as a spreadsheet numbers it (the header is row 1); 0 for the file as a whole.
    pub row: i32,
    /// The field the problem is in (`row` when the row's use case refused it as a whole).
    pub field: String,
    /// What is wrong, without the cell's value.
    pub message: String,
}

/// A CSV import and its progress.
pub struct ImportJob(pub import_job::Model);

/// A CSV import and its progress.
#[Object]
impl ImportJob {
    /// The job's id, for `importJob(id)` and `node(id)`.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What the import creates.
    async fn kind(&self) -> ImportKind {
        match d::ImportKind::parse(&self.0.kind) {
            Some(d::ImportKind::Contacts) => ImportKind::Contacts,
            Some(d::ImportKind::Accounts) => ImportKind::Accounts,
            _ => ImportKind::Leads,
        }
    }
    /// Where the job stands.
    async fn status(&self) -> ImportJobStatus {
        match d::JobStatus::parse(&self.0.status) {
            Some(d::JobStatus::Completed) => ImportJobStatus::Completed,
            Some(d::JobStatus::Failed) => ImportJobStatus::Failed,
            _ => ImportJobStatus::Running,
        }
    }
    /// A dry run checks every row and changes nothing.
    async fn dry_run(&self) -> bool {
        self.0.dry_run
    }
    /// Rows in the file (the header not counted).
    async fn total(&self) -> i32 {
        self.0.total
    }
    /// Rows handled so far.
    async fn processed(&self) -> i32 {
        self.0.processed
    }
    /// Records created (on a dry run: that would be created).
    async fn created(&self) -> i32 {
        self.0.created
    }
    /// Existing records updated (UPDATE policy).
    async fn updated(&self) -> i32 {
        self.0.updated
    }
    /// Rows skipped as duplicates (SKIP policy).
    async fn skipped(&self) -> i32 {
        self.0.skipped
    }
    /// Rows with an error.
    async fn failed(&self) -> i32 {
        self.0.failed
    }
    /// The problems found, by row (at most the first 1,000; `failed` counts them all).
    async fn errors(&self) -> Vec<ImportError> {
        baton_app::admin::imports::job_errors(&self.0)
            .into_iter()
            .map(|e| ImportError { row: i32::try_from(e.row).unwrap_or(i32::MAX), field: e.field, message: e.message })
            .collect()
    }
    /// When the import was asked for.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// When the job last moved.
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// When the job ended.
    async fn finished_at(&self) -> Option<Timestamp> {
        self.0.finished_at.map(Timestamp)
    }
}

fn request(
    kind: d::ImportKind,
    csv: String,
    mapping: ImportMappingInput,
    dry_run: bool,
    duplicates: DuplicatePolicy,
) -> Result<ImportRequest> {
    let id = |field: &str, v: &Option<ID>| v.as_ref().map(|v| id_arg(field, v)).transpose();
    Ok(ImportRequest {
        kind,
        csv,
        encoding: match mapping.encoding {
            CsvEncoding::Utf8 => d::Encoding::Utf8,
            CsvEncoding::Gbk => d::Encoding::Gbk,
        },
        delimiter: mapping.delimiter,
        columns: mapping.columns.into_iter().map(|c| (c.column, c.field)).collect(),
        commit: match mapping.commit {
            ImportCommitMode::AllOrNothing => d::CommitMode::AllOrNothing,
            ImportCommitMode::PerRow => d::CommitMode::PerRow,
        },
        dry_run,
        duplicates: match duplicates {
            DuplicatePolicy::Skip => d::DuplicatePolicy::Skip,
            DuplicatePolicy::Update => d::DuplicatePolicy::Update,
            DuplicatePolicy::CreateAnyway => d::DuplicatePolicy::CreateAnyway,
        },
        consent: mapping.consent.map(|c| ConsentColumn {
            purpose: c.purpose,
            lawful_basis: c.lawful_basis,
            notice_version: c.notice_version,
            source: c.source,
        }),
        source: mapping.source.map(Into::into),
        campaign_id: id("campaignId", &mapping.campaign_id)?,
        account_id: id("accountId", &mapping.account_id)?,
    })
}

/// The import mutations.
#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Imports leads from CSV (the roles that may `createLead`). Every row goes through `createLead`: owned by the importing SDR or routed by round-robin (else pooled), audited, its first-contact clock started; a `consent` column records consent as the file says. Small files finish before the answer; follow larger ones with `importJob`.
    async fn import_leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file: its text, or base64 for GBK (see `mapping.encoding`).")] csv: String,
        #[graphql(desc = "How to read the file and what its columns mean.")] mapping: ImportMappingInput,
        #[graphql(desc = "Check every row and change nothing.")] dry_run: bool,
        #[graphql(desc = "What to do with a lead whose e-mail address is already known.")] duplicates: DuplicatePolicy,
    ) -> Result<ImportJob> {
        let req = request(d::ImportKind::Leads, csv, mapping, dry_run, duplicates)?;
        Ok(ImportJob(app(ctx).start_import(actor(ctx)?, req).await.gql()?))
    }

    /// Imports contacts of accounts from CSV (the roles that may `addContact`, on the accounts they may add contacts to). Every row goes through `addContact`.
    async fn import_contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file: its text, or base64 for GBK (see `mapping.encoding`).")] csv: String,
        #[graphql(desc = "How to read the file and what its columns mean.")] mapping: ImportMappingInput,
        #[graphql(desc = "Check every row and change nothing.")] dry_run: bool,
        #[graphql(desc = "What to do with a contact whose e-mail address is already known.")]
        duplicates: DuplicatePolicy,
    ) -> Result<ImportJob> {
        let req = request(d::ImportKind::Contacts, csv, mapping, dry_run, duplicates)?;
        Ok(ImportJob(app(ctx).start_import(actor(ctx)?, req).await.gql()?))
    }

    /// Imports accounts from CSV (ACCOUNT_EXECUTIVE for accounts they will work, SALES_MANAGER for their team's); each is audited as `createAccount`.
    async fn import_accounts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file: its text, or base64 for GBK (see `mapping.encoding`).")] csv: String,
        #[graphql(desc = "How to read the file and what its columns mean.")] mapping: ImportMappingInput,
        #[graphql(desc = "Check every row and change nothing.")] dry_run: bool,
        #[graphql(desc = "What to do with an account whose domain is already known.")] duplicates: DuplicatePolicy,
    ) -> Result<ImportJob> {
        let req = request(d::ImportKind::Accounts, csv, mapping, dry_run, duplicates)?;
        Ok(ImportJob(app(ctx).start_import(actor(ctx)?, req).await.gql()?))
    }
}

/// `importJob`.
#[derive(Default)]
pub struct ImportQuery;

#[Object]
impl ImportQuery {
    /// An import job and its progress: readable by whoever started it and by ADMIN; NOT_FOUND otherwise.
    async fn import_job(&self, ctx: &Context<'_>, #[graphql(desc = "The job's id.")] id: ID) -> Result<ImportJob> {
        let a = actor(ctx)?;
        let id = id_arg("id", &id)?;
        Ok(ImportJob(app(ctx).import_job(a, id).await.gql()?))
    }
}
