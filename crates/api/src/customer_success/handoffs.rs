//! The takeover package from sales to customer success: types and mutations.

use crate::kernel::enums::*;
use crate::kernel::loaders::loaders;
use crate::kernel::scalars::Timestamp;
use crate::kernel::types::id;
use crate::sales::deals::{Account, Contact, Opportunity};
use crate::{Gql, actor, app, id_arg};
use async_graphql::{Context, ID, InputObject, Object, Result};
use baton_app::customer_success::handoffs;
use baton_app::entity::{handoff_package, onboarding_milestone};

/// The takeover package from the account executive to customer success.
pub struct HandoffPackage(pub handoff_package::Model);

/// The takeover package from the account executive to customer success.
#[Object]
impl HandoffPackage {
    /// When the package was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// When the package last changed (for delta sync: lists take `updatedSince`).
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// The package's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Where the package stands.
    async fn status(&self) -> HandoffStatus {
        match self.0.status.as_str() {
            "SUBMITTED" => HandoffStatus::Submitted,
            "ACCEPTED" => HandoffStatus::Accepted,
            "RETURNED" => HandoffStatus::Returned,
            _ => HandoffStatus::Draft,
        }
    }
    /// The customer.
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        Ok(loaders(ctx)?.accounts.load_one(self.0.account_id).await?.map(Account))
    }
    /// The won opportunity, if the caller may see it.
    async fn opportunity(&self, ctx: &Context<'_>) -> Result<Option<Opportunity>> {
        Ok(app(ctx).opportunity(actor(ctx)?, self.0.opportunity_id).await.gql()?.map(Opportunity))
    }
    /// The needs document (pre-filled from the needs analysis).
    async fn needs_document(&self) -> Option<&str> {
        self.0.needs_document.as_deref()
    }
    /// The decision chain: the account's contacts.
    async fn decision_chain(&self, ctx: &Context<'_>) -> Result<Vec<Contact>> {
        let rows = loaders(ctx)?.contacts_by_account.load_one(self.0.account_id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(Contact).collect())
    }
    /// Special requirements ("none" when there are none).
    async fn special_requirements(&self) -> Option<&str> {
        self.0.special_requirements.as_deref()
    }
    /// What success looks like for the customer.
    async fn success_criteria(&self) -> Option<&str> {
        self.0.success_criteria.as_deref()
    }
    /// The customer's contact for the kickoff.
    async fn kickoff_contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        match self.0.kickoff_contact_id {
            Some(c) => Ok(loaders(ctx)?.contacts.load_one(c).await?.map(Contact)),
            None => Ok(None),
        }
    }
    /// What is still missing before the package can be submitted, one sentence per item.
    async fn missing_items(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        app(ctx).package_missing_items(&self.0).await.gql()
    }
    /// Why customer success returned it.
    async fn return_reason(&self) -> Option<&str> {
        self.0.return_reason.as_deref()
    }
    /// When it was (last) submitted.
    async fn submitted_at(&self) -> Option<Timestamp> {
        self.0.submitted_at.map(Timestamp)
    }
    /// When customer success accepted it.
    async fn accepted_at(&self) -> Option<Timestamp> {
        self.0.accepted_at.map(Timestamp)
    }
    /// Onboarding milestones, once accepted.
    async fn milestones(&self, ctx: &Context<'_>) -> Result<Vec<Milestone>> {
        Ok(app(ctx).milestones_of(self.0.organization_id, self.0.id).await.gql()?.into_iter().map(Milestone).collect())
    }
    /// Incremented on every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// An onboarding milestone.
pub struct Milestone(pub onboarding_milestone::Model);

/// An onboarding milestone.
#[Object]
impl Milestone {
    /// The milestone's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// ACCOUNTS_OPENED, TRAINING, GO_LIVE (SaaS) or BUILD, TEST, GO_LIVE (custom software).
    async fn key(&self) -> &str {
        &self.0.key
    }
    /// When it was reached.
    async fn done_at(&self) -> Option<Timestamp> {
        self.0.done_at.map(Timestamp)
    }
}

/// What the account executive fills in before handing the customer over.
#[derive(InputObject, Default)]
pub struct HandoffPackageInput {
    /// The needs document.
    pub needs_document: Option<String>,
    /// Special requirements; write "none" when there are none.
    pub special_requirements: Option<String>,
    /// What success looks like for the customer.
    pub success_criteria: Option<String>,
    /// The customer's contact for the kickoff.
    pub kickoff_contact_id: Option<ID>,
}

/// The takeover package from sales to customer success: types and mutations.
#[derive(Default)]
pub struct HandoffMutation;

#[Object]
impl HandoffMutation {
    /// Fills in the hand-off package (DRAFT or RETURNED).
    async fn update_handoff_package(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The package.")] package_id: ID,
        #[graphql(desc = "The changes.")] input: HandoffPackageInput,
    ) -> Result<HandoffPackage> {
        let a = actor(ctx)?;
        let id = id_arg("packageId", &package_id)?;
        let patch = handoffs::PackagePatch {
            needs_document: input.needs_document,
            special_requirements: input.special_requirements,
            success_criteria: input.success_criteria,
            kickoff_contact_id: input.kickoff_contact_id.as_ref().map(|c| id_arg("kickoffContactId", c)).transpose()?,
        };
        Ok(HandoffPackage(app(ctx).update_handoff(a, id, patch).await.gql()?))
    }

    /// Submits the package to customer success; HANDOFF_INCOMPLETE names every missing item.
    async fn submit_handoff_package(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The package.")] package_id: ID,
    ) -> Result<HandoffPackage> {
        let a = actor(ctx)?;
        let id = id_arg("packageId", &package_id)?;
        Ok(HandoffPackage(app(ctx).submit_handoff(a, id).await.gql()?))
    }

    /// Customer success takes the customer over; the account's CS owner becomes `csOwnerId` (default: the caller) and onboarding starts.
    async fn accept_handoff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The package.")] package_id: ID,
        #[graphql(desc = "The customer success owner (default: the caller).")] cs_owner_id: Option<ID>,
    ) -> Result<HandoffPackage> {
        let a = actor(ctx)?;
        let id = id_arg("packageId", &package_id)?;
        let owner = cs_owner_id.as_ref().map(|o| id_arg("csOwnerId", o)).transpose()?;
        Ok(HandoffPackage(app(ctx).accept_handoff(a, id, owner).await.gql()?))
    }

    /// Returns the package to the account executive with a reason.
    async fn return_handoff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The package.")] package_id: ID,
        #[graphql(desc = "What is missing or wrong.")] reason: String,
    ) -> Result<HandoffPackage> {
        let a = actor(ctx)?;
        let id = id_arg("packageId", &package_id)?;
        Ok(HandoffPackage(app(ctx).return_handoff(a, id, &reason).await.gql()?))
    }
}
