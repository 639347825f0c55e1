//! Data-subject requests (export, erasure) and data residency, for the privacy officer.

use crate::id_arg;
use crate::kernel::connection::Conn;
use crate::kernel::connection::connection;
use crate::kernel::scalars::Timestamp;
use crate::kernel::types::id;
use crate::{Gql, actor, app};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use baton_app::entity::data_subject_request;
use baton_app::legal::privacy::NewRequest;
use chrono::Utc;

/// What the person asks for.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DataSubjectRequestKind {
    /// Everything Baton holds about the person, as JSON.
    Export,
    /// Anonymise the person everywhere; financial records stay, pseudonymised.
    Erasure,
}

/// A data-subject request: due 30 days after it was received.
pub struct DataSubjectRequest(pub data_subject_request::Model);

/// A data-subject request: due 30 days after it was received.
#[Object]
impl DataSubjectRequest {
    /// The request's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// EXPORT or ERASURE.
    async fn kind(&self) -> Result<DataSubjectRequestKind> {
        crate::kernel::enums::stored(&self.0.kind)
    }
    /// The person's e-mail address (null once the person is erased).
    async fn subject_email(&self) -> Option<&str> {
        self.0.subject_email.as_deref()
    }
    /// SHA-256 of the address: proves which person a completed erasure was about.
    async fn subject_digest(&self) -> &str {
        &self.0.subject_digest
    }
    /// OPEN or COMPLETED.
    async fn status(&self) -> Result<crate::kernel::enums::DataSubjectRequestStatus> {
        crate::kernel::enums::stored(&self.0.status)
    }
    /// When the person made the request.
    async fn received_at(&self) -> Timestamp {
        self.0.received_at.into()
    }
    /// The legal deadline: 30 days after receipt.
    async fn due_at(&self) -> Timestamp {
        self.0.due_at.into()
    }
    /// True when it is still open after its deadline.
    async fn overdue(&self) -> bool {
        self.0.status == "OPEN" && self.0.due_at < Utc::now()
    }
    /// When it was completed.
    async fn completed_at(&self) -> Option<Timestamp> {
        self.0.completed_at.map(Timestamp)
    }
    /// Where an export was delivered (ISO 3166-1 alpha-2).
    async fn destination_jurisdiction(&self) -> Option<&str> {
        self.0.destination_jurisdiction.as_deref()
    }
    /// What was exported or erased, by kind of record.
    async fn outcome(&self) -> Option<&str> {
        self.0.outcome.as_deref()
    }
}

/// A data-subject request to record.
#[derive(InputObject)]
pub struct OpenDataSubjectRequestInput {
    /// EXPORT or ERASURE.
    pub kind: DataSubjectRequestKind,
    /// The person's e-mail address.
    pub email: String,
    /// When the person made the request (default now); the 30 days run from it.
    pub received_at: Option<Timestamp>,
}

/// The personal data of one person, and the request it answers.
#[derive(SimpleObject)]
pub struct PersonalDataExport {
    /// The completed request.
    pub request: DataSubjectRequest,
    /// Everything Baton holds about the person, by table.
    pub data: async_graphql::Json<serde_json::Value>,
}

/// What an erasure changed.
#[derive(SimpleObject)]
pub struct PersonalDataErasure {
    /// The completed request.
    pub request: DataSubjectRequest,
    /// Leads anonymised.
    pub leads: i32,
    /// Contacts anonymised.
    pub contacts: i32,
    /// Activity notes replaced.
    pub activities: i32,
    /// Outbox e-mails anonymised.
    pub outbox_emails: i32,
    /// Free-text mentions redacted.
    pub mentions: i32,
    /// Audit snapshots erased (the chain still verifies).
    pub audit_payloads: i32,
}

/// A lead's or contact's data residency.
#[derive(SimpleObject)]
pub struct DataResidency {
    /// The lead or contact.
    pub subject_id: ID,
    /// Where the data resides.
    pub jurisdiction: Option<String>,
    /// The recorded cross-border basis.
    pub cross_border_basis: Option<String>,
}

/// The recorded bases for a PIPL subject's data to leave its jurisdiction.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CrossBorderBasis {
    /// The standard contract filed with the regulator.
    StandardContract,
    /// A security assessment passed.
    SecurityAssessment,
    /// A personal-information protection certification.
    Certification,
    /// The person's separate consent to the transfer.
    SeparateConsent,
}

fn basis_name(b: CrossBorderBasis) -> &'static str {
    match b {
        CrossBorderBasis::StandardContract => "STANDARD_CONTRACT",
        CrossBorderBasis::SecurityAssessment => "SECURITY_ASSESSMENT",
        CrossBorderBasis::Certification => "CERTIFICATION",
        CrossBorderBasis::SeparateConsent => "SEPARATE_CONSENT",
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Privacy mutations (PRIVACY_OFFICER).
#[derive(Default)]
pub struct PrivacyMutation;

#[Object]
impl PrivacyMutation {
    /// Records a data-subject request (PRIVACY_OFFICER); it is due 30 days after receipt.
    async fn open_data_subject_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request.")] input: OpenDataSubjectRequestInput,
    ) -> Result<DataSubjectRequest> {
        let a = actor(ctx)?;
        let kind = match input.kind {
            DataSubjectRequestKind::Export => "EXPORT",
            DataSubjectRequestKind::Erasure => "ERASURE",
        };
        let r = NewRequest { kind: kind.into(), email: input.email, received_at: input.received_at.map(Into::into) };
        Ok(DataSubjectRequest(app(ctx).open_data_subject_request(a, r).await.gql()?))
    }

    /// Answers an export request with everything Baton holds about the person; CROSS_BORDER_BASIS_REQUIRED when a PIPL subject's data would leave its jurisdiction without a recorded basis. The read is audited.
    async fn export_personal_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The export request.")] request_id: ID,
        #[graphql(desc = "Where the data goes (ISO 3166-1 alpha-2).")] destination_jurisdiction: String,
    ) -> Result<PersonalDataExport> {
        let a = actor(ctx)?;
        let id = id_arg("requestId", &request_id)?;
        let e = app(ctx).export_personal_data(a, id, &destination_jurisdiction).await.gql()?;
        Ok(PersonalDataExport { request: DataSubjectRequest(e.request), data: async_graphql::Json(e.data) })
    }

    /// Answers an erasure request: anonymises the person in leads, contacts, notes, e-mail, free text and audit snapshots; invoices, payments and contract values stay, pseudonymised.
    async fn erase_personal_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The erasure request.")] request_id: ID,
    ) -> Result<PersonalDataErasure> {
        let a = actor(ctx)?;
        let id = id_arg("requestId", &request_id)?;
        let (r, n) = app(ctx).erase_personal_data(a, id).await.gql()?;
        Ok(PersonalDataErasure {
            request: DataSubjectRequest(r),
            leads: count(n.leads),
            contacts: count(n.contacts),
            activities: count(n.activities),
            outbox_emails: count(n.outbox_emails),
            mentions: count(n.mentions),
            audit_payloads: count(n.audit_payloads),
        })
    }

    /// Sets where a lead's or contact's data resides and the basis on which it may leave (PRIVACY_OFFICER).
    async fn set_data_residency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead or contact.")] subject_id: ID,
        #[graphql(desc = "ISO 3166-1 alpha-2 country code; null when unknown.")] jurisdiction: Option<String>,
        #[graphql(desc = "The recorded cross-border basis; null when none.")] cross_border_basis: Option<
            CrossBorderBasis,
        >,
    ) -> Result<DataResidency> {
        let a = actor(ctx)?;
        let sid = id_arg("subjectId", &subject_id)?;
        let (j, b) = app(ctx)
            .set_data_residency(a, sid, jurisdiction.as_deref(), cross_border_basis.map(basis_name))
            .await
            .gql()?;
        Ok(DataResidency { subject_id, jurisdiction: j, cross_border_basis: b })
    }
}

/// Privacy queries.
#[derive(Default)]
pub struct PrivacyQuery;

#[Object]
impl PrivacyQuery {
    /// Data-subject requests (PRIVACY_OFFICER, LEGAL, ADMIN): open ones first, soonest due first.
    async fn data_subject_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only open requests.")] open_only: Option<bool>,
    ) -> Result<Vec<DataSubjectRequest>> {
        let a = actor(ctx)?;
        let v = app(ctx).data_subject_requests(a, open_only.unwrap_or(false)).await.gql()?;
        Ok(v.into_iter().map(DataSubjectRequest).collect())
    }

    /// Every consent of the organization, newest first (PRIVACY_OFFICER, LEGAL, ADMIN): who consented to what, when, and what was withdrawn.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn consent_register(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only consents for this purpose.")] purpose: Option<crate::legal::compliance::ConsentPurpose>,
        #[graphql(desc = "Only consents of this lead or contact.")] subject_id: Option<ID>,
        #[graphql(desc = "Page size: default 20, at most 100.")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
    ) -> Result<Conn<crate::legal::compliance::Consent>> {
        let a = actor(ctx)?;
        let req = crate::kernel::connection::page_request(ctx, first, after.as_deref())?;
        let subject = subject_id.as_ref().map(|s| id_arg("subjectId", s)).transpose()?;
        let p = purpose.map(crate::legal::compliance::purpose_name);
        let page = app(ctx).consent_register(a, p, subject, req).await.gql()?;
        Ok(connection(page, |c| c.id, crate::legal::compliance::Consent))
    }

    /// Every gift and hospitality, newest first (LEGAL, PRIVACY_OFFICER, ADMIN): what was approved, rejected or is waiting.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn gift_register(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only gifts in one of these statuses.")] statuses: Option<
            Vec<crate::kernel::enums::GiftStatus>,
        >,
        #[graphql(
            desc = "Only gifts in this status: RECORDED, PENDING_APPROVAL, APPROVED or REJECTED.",
            deprecation = "Use `statuses`, typed by the `GiftStatus` enum."
        )]
        status: Option<String>,
        #[graphql(desc = "Page size: default 20, at most 100.")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
    ) -> Result<Conn<crate::legal::compliance::Gift>> {
        let a = actor(ctx)?;
        let req = crate::kernel::connection::page_request(ctx, first, after.as_deref())?;
        let mut wanted: Vec<&str> = statuses.unwrap_or_default().into_iter().map(crate::kernel::enums::wire).collect();
        if let Some(s) = status.as_deref() {
            // An unknown status is a mistake to report, never an empty register.
            let known: crate::kernel::enums::GiftStatus = crate::kernel::enums::stored(s)
                .map_err(|_| crate::to_gql(baton_app::AppError::bad_input("status", "is not a gift status")))?;
            wanted.push(crate::kernel::enums::wire(known));
        }
        let page = app(ctx).gift_register(a, &wanted, req).await.gql()?;
        Ok(connection(page, |g| g.id, crate::legal::compliance::Gift))
    }
}
