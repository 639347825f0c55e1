//! The gifts and hospitality register.

use crate::id_arg;
use crate::kernel::scalars::Timestamp;
use crate::kernel::types::Money;
use crate::kernel::types::MoneyInput;
use crate::kernel::types::User;
use crate::kernel::types::id;
use crate::kernel::types::load_user;
use crate::{Gql, actor, app};
use async_graphql::{Context, ID, InputObject, Object, Result};
use baton_app::entity::gift;
use baton_app::legal::compliance::GiftInput;
use baton_app::marketing::consent::Subject;

/// A gift or hospitality given or received.
pub struct Gift(pub gift::Model);

/// A gift or hospitality given or received.
#[Object]
impl Gift {
    /// The entry's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// GIVEN or RECEIVED.
    async fn direction(&self) -> Result<crate::kernel::enums::GiftDirection> {
        crate::kernel::enums::stored(&self.0.direction)
    }
    /// What it was.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Its value.
    async fn value(&self) -> Money {
        Money::from_minor(self.0.value_minor, &self.0.currency)
    }
    /// The business purpose.
    async fn purpose(&self) -> &str {
        &self.0.purpose
    }
    /// RECORDED (under the threshold), PENDING_APPROVAL, APPROVED or REJECTED.
    async fn status(&self) -> Result<crate::kernel::enums::GiftStatus> {
        crate::kernel::enums::stored(&self.0.status)
    }
    /// The counterpart account.
    async fn account_id(&self) -> ID {
        id(self.0.account_id)
    }
    /// The deal it relates to.
    async fn opportunity_id(&self) -> Option<ID> {
        self.0.opportunity_id.map(id)
    }
    /// Who recorded it.
    async fn recorded_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, Some(self.0.recorded_by)).await
    }
    /// Who approved or rejected it.
    async fn decided_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.decided_by).await
    }
    /// When it was recorded.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

/// A gift or hospitality to record.
#[derive(InputObject)]
#[graphql(name = "GiftInput")]
pub struct GiftInputGql {
    /// True when the company gives it, false when it receives it.
    pub given: bool,
    /// What it is.
    pub description: String,
    /// Its value.
    pub value: MoneyInput,
    /// The counterpart account.
    pub account_id: ID,
    /// The deal it relates to.
    pub opportunity_id: Option<ID>,
    /// The business purpose.
    pub purpose: String,
}

/// Compliance mutations.
#[derive(Default)]
pub struct ComplianceMutation;

#[Object]
impl ComplianceMutation {
    /// Records a gift or hospitality; above the organization's threshold it needs compliance approval before it is given.
    async fn record_gift(&self, ctx: &Context<'_>, #[graphql(desc = "The gift.")] input: GiftInputGql) -> Result<Gift> {
        let a = actor(ctx)?;
        let g = GiftInput {
            given: input.given,
            description: input.description,
            value: input.value.amount.0,
            currency: input.value.currency,
            account_id: id_arg("accountId", &input.account_id)?,
            opportunity_id: input.opportunity_id.as_ref().map(|o| id_arg("opportunityId", o)).transpose()?,
            purpose: input.purpose,
        };
        Ok(Gift(app(ctx).record_gift(a, g).await.gql()?))
    }

    /// Approves a gift waiting for compliance (LEGAL); never one the approver recorded.
    async fn approve_gift(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The gift.")] gift_id: ID,
        #[graphql(desc = "A note.")] note: Option<String>,
    ) -> Result<Gift> {
        let a = actor(ctx)?;
        let id = id_arg("giftId", &gift_id)?;
        Ok(Gift(app(ctx).decide_gift(a, id, true, note).await.gql()?))
    }

    /// Rejects a gift waiting for compliance (LEGAL): it may not be given.
    async fn reject_gift(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The gift.")] gift_id: ID,
        #[graphql(desc = "Why.")] note: Option<String>,
    ) -> Result<Gift> {
        let a = actor(ctx)?;
        let id = id_arg("giftId", &gift_id)?;
        Ok(Gift(app(ctx).decide_gift(a, id, false, note).await.gql()?))
    }
}

/// What a consent covers.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ConsentPurpose {
    /// Being contacted by sales.
    SalesContact,
    /// Marketing e-mail, cadences included.
    MarketingEmail,
    /// Taking part in product research.
    ProductResearch,
}

/// The lawful basis of processing.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum LawfulBasis {
    /// The person consented.
    Consent,
    /// A contract with the person requires it.
    Contract,
    /// A legitimate interest, weighed against the person's rights.
    LegitimateInterest,
}

pub(crate) fn purpose_name(p: ConsentPurpose) -> &'static str {
    match p {
        ConsentPurpose::SalesContact => "SALES_CONTACT",
        ConsentPurpose::MarketingEmail => "MARKETING_EMAIL",
        ConsentPurpose::ProductResearch => "PRODUCT_RESEARCH",
    }
}

fn basis_name(b: LawfulBasis) -> &'static str {
    match b {
        LawfulBasis::Consent => "CONSENT",
        LawfulBasis::Contract => "CONTRACT",
        LawfulBasis::LegitimateInterest => "LEGITIMATE_INTEREST",
    }
}

/// A consent a lead or contact gave for one purpose.
pub struct Consent(pub baton_app::entity::consent::Model);

/// A consent a lead or contact gave for one purpose.
#[Object]
impl Consent {
    /// The consent's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// SALES_CONTACT, MARKETING_EMAIL or PRODUCT_RESEARCH.
    async fn purpose(&self) -> Result<ConsentPurpose> {
        crate::kernel::enums::stored(&self.0.purpose)
    }
    /// Whose consent: lead or contact.
    async fn subject_type(&self) -> &str {
        &self.0.subject_type
    }
    /// The lead or contact who consented.
    async fn subject_id(&self) -> ID {
        id(self.0.subject_id)
    }
    /// Who recorded it.
    async fn recorded_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, Some(self.0.recorded_by)).await
    }
    /// CONSENT, CONTRACT or LEGITIMATE_INTEREST.
    async fn lawful_basis(&self) -> Result<LawfulBasis> {
        crate::kernel::enums::stored(&self.0.lawful_basis)
    }
    /// Where it was given (a form, a call).
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// The version of the privacy notice shown.
    async fn notice_version(&self) -> &str {
        &self.0.notice_version
    }
    /// When it was given.
    async fn granted_at(&self) -> Timestamp {
        self.0.granted_at.into()
    }
    /// When it was withdrawn, if it was.
    async fn withdrawn_at(&self) -> Option<Timestamp> {
        self.0.withdrawn_at.map(Timestamp)
    }
}

/// Records a consent of a lead or contact.
async fn record(
    ctx: &Context<'_>,
    subject: Subject,
    purpose: ConsentPurpose,
    basis: LawfulBasis,
    source: &str,
    notice: &str,
) -> Result<Consent> {
    let a = actor(ctx)?;
    let c = app(ctx).record_consent(a, subject, purpose_name(purpose), basis_name(basis), source, notice).await;
    Ok(Consent(c.gql()?))
}

/// Where an outgoing e-mail stands.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum EmailStatus {
    /// Queued: the outbox sends it at its next attempt.
    Pending,
    /// The mail server accepted it.
    Sent,
    /// Given up after the last attempt.
    Failed,
    /// Withdrawn before it was sent (consent withdrawn, lead erased, cadence stopped).
    Cancelled,
}

/// An e-mail through the outbox, sent when the mail server accepts it.
pub struct OutboundEmail(pub baton_app::entity::outbox_email::Model);

/// An e-mail through the outbox, sent when the mail server accepts it.
#[Object]
impl OutboundEmail {
    /// The e-mail's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The lead it was written to, when the caller may read it.
    async fn lead(&self, ctx: &Context<'_>) -> Result<Option<crate::sales::leads::Lead>> {
        match self.0.lead_id {
            Some(l) => crate::insight::node::lead(ctx, l).await,
            None => Ok(None),
        }
    }
    /// The subject.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// The text.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Where it stands.
    async fn status(&self) -> Result<EmailStatus> {
        Ok(match self.0.status.as_str() {
            "PENDING" => EmailStatus::Pending,
            "SENT" => EmailStatus::Sent,
            "FAILED" => EmailStatus::Failed,
            "CANCELLED" => EmailStatus::Cancelled,
            other => {
                return Err(crate::to_gql(baton_app::AppError::Internal(anyhow::anyhow!(
                    "outbox e-mail {} has the unknown status {other:?}",
                    self.0.id
                ))));
            }
        })
    }
    /// When it was queued.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// When the mail server accepted it.
    async fn sent_at(&self) -> Option<Timestamp> {
        self.0.sent_at.map(Timestamp)
    }
}

/// Data-protection mutations.
#[derive(Default)]
pub struct ConsentMutation;

#[Object]
impl ConsentMutation {
    /// Records a lead's consent for a purpose, with its lawful basis, source and notice version.
    async fn record_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] lead_id: ID,
        #[graphql(desc = "What the consent covers.")] purpose: ConsentPurpose,
        #[graphql(desc = "The lawful basis.")] lawful_basis: LawfulBasis,
        #[graphql(desc = "Where it was given.")] source: String,
        #[graphql(desc = "The version of the privacy notice shown.")] notice_version: String,
    ) -> Result<Consent> {
        let l = id_arg("leadId", &lead_id)?;
        record(ctx, Subject::Lead(l), purpose, lawful_basis, &source, &notice_version).await
    }

    /// Records a customer contact's consent for a purpose, with its lawful basis, source and notice version.
    async fn record_contact_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact.")] contact_id: ID,
        #[graphql(desc = "What the consent covers.")] purpose: ConsentPurpose,
        #[graphql(desc = "The lawful basis.")] lawful_basis: LawfulBasis,
        #[graphql(desc = "Where it was given.")] source: String,
        #[graphql(desc = "The version of the privacy notice shown.")] notice_version: String,
    ) -> Result<Consent> {
        let c = id_arg("contactId", &contact_id)?;
        record(ctx, Subject::Contact(c), purpose, lawful_basis, &source, &notice_version).await
    }

    /// Withdraws a consent; nothing is sent for that purpose from now on.
    async fn withdraw_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The consent.")] consent_id: ID,
    ) -> Result<Consent> {
        let a = actor(ctx)?;
        let c = id_arg("consentId", &consent_id)?;
        Ok(Consent(app(ctx).withdraw_consent(a, c).await.gql()?))
    }

    /// Sends a sales e-mail to a lead through the outbox; CONSENT_REQUIRED without a live SALES_CONTACT consent.
    async fn send_lead_email(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] lead_id: ID,
        #[graphql(desc = "The subject.")] subject: String,
        #[graphql(desc = "The text.")] body: String,
    ) -> Result<OutboundEmail> {
        let a = actor(ctx)?;
        let l = id_arg("leadId", &lead_id)?;
        Ok(OutboundEmail(app(ctx).send_lead_email(a, l, &subject, &body).await.gql()?))
    }
}
