//! Feature requests, asks and release notes: types and mutations.

use crate::kernel::scalars::Timestamp;
use crate::kernel::types::{Money, User, id};
use crate::{Gql, actor, app, id_arg};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use baton_app::product::requests;
use baton_domain::insight::FeatureStatus as DStatus;

pub(crate) async fn release_notes(ctx: &Context<'_>) -> Result<Vec<crate::product::requests::ReleaseNote>> {
    Ok(app(ctx)
        .release_notes(actor(ctx)?)
        .await
        .gql()?
        .into_iter()
        .map(crate::product::requests::ReleaseNote)
        .collect())
}

/// Where a feature request stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum FeatureRequestStatus {
    /// Filed, not yet looked at.
    New,
    /// Product is evaluating it.
    UnderReview,
    /// On the roadmap.
    Planned,
    /// Released.
    Shipped,
    /// Not going to be built.
    Declined,
}

impl FeatureRequestStatus {
    pub(crate) fn domain(self) -> DStatus {
        match self {
            FeatureRequestStatus::New => DStatus::New,
            FeatureRequestStatus::UnderReview => DStatus::UnderReview,
            FeatureRequestStatus::Planned => DStatus::Planned,
            FeatureRequestStatus::Shipped => DStatus::Shipped,
            FeatureRequestStatus::Declined => DStatus::Declined,
        }
    }
}

/// An account asking for a feature: its name and nothing personal.
#[derive(SimpleObject)]
pub struct AskingAccount {
    /// The account's id.
    pub id: ID,
    /// The account's name.
    pub name: String,
}

/// A pain point behind a feature request, in the customer's words.
#[derive(SimpleObject)]
pub struct PainPoint {
    /// The pain point as sales or customer success filed it.
    pub text: String,
    /// The account that has it.
    pub account: AskingAccount,
    /// When it was filed.
    pub asked_at: Timestamp,
}

/// A feature request with the revenue behind it.
pub struct FeatureRequest(pub requests::RankedRequest, pub String);

/// A feature request with the revenue behind it.
#[Object]
impl FeatureRequest {
    /// The request's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.request.id)
    }
    /// What is asked for.
    async fn title(&self) -> &str {
        &self.0.request.title
    }
    /// The details.
    async fn description(&self) -> Option<&str> {
        self.0.request.description.as_deref()
    }
    /// Where the request stands.
    async fn status(&self) -> Result<FeatureRequestStatus> {
        crate::kernel::enums::stored(&self.0.request.status)
    }
    /// How many times sales and customer success asked (merged duplicates included).
    async fn request_count(&self) -> i64 {
        self.0.asks
    }
    /// The accounts asking.
    async fn accounts(&self) -> Vec<AskingAccount> {
        self.0.accounts.iter().map(|(i, n)| AskingAccount { id: id(*i), name: n.clone() }).collect()
    }
    /// The pain points filed with the asks (merged duplicates included), oldest first.
    async fn pain_points(&self) -> Vec<PainPoint> {
        self.0
            .pain_points
            .iter()
            .map(|p| PainPoint {
                text: p.text.clone(),
                account: AskingAccount { id: id(p.account_id), name: p.account_name.clone() },
                asked_at: p.asked_at.into(),
            })
            .collect()
    }
    /// The estimated value of the open deals asking.
    async fn open_pipeline(&self) -> Money {
        Money::from_minor(self.0.open_pipeline_minor, &self.1)
    }
    /// The annual recurring revenue of the accounts asking.
    async fn annual_recurring_revenue(&self) -> Money {
        Money::from_minor(self.0.recurring_monthly_minor * 12, &self.1)
    }
    /// Open pipeline plus annual recurring revenue: what the ranking sorts by.
    async fn revenue_at_stake(&self) -> Money {
        Money::from_minor(self.0.revenue_at_stake_minor, &self.1)
    }
    /// When it was first filed.
    async fn created_at(&self) -> Timestamp {
        self.0.request.created_at.into()
    }
}

/// One account's ask, filed by sales or customer success, and the request it joined.
pub struct FeatureAsk(pub baton_app::entity::feature_ask::Model, pub baton_app::entity::feature_request::Model);

/// One account's ask, filed by sales or customer success, and the request it joined.
#[Object]
impl FeatureAsk {
    /// The ask's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The id of the feature request it joined or opened (product reads the request itself).
    async fn request_id(&self) -> ID {
        id(self.1.id)
    }
    /// The request's title.
    async fn title(&self) -> &str {
        &self.1.title
    }
    /// The account that needs it, when the caller may read it.
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<crate::sales::deals::Account>> {
        Ok(app(ctx).account(actor(ctx)?, self.0.account_id).await.gql()?.map(crate::sales::deals::Account))
    }
    /// The deal it matters to, when one was named and the caller may read it.
    async fn opportunity(&self, ctx: &Context<'_>) -> Result<Option<crate::sales::deals::Opportunity>> {
        match self.0.opportunity_id {
            Some(o) => crate::insight::node::opportunity(ctx, o).await,
            None => Ok(None),
        }
    }
    /// The pain point, when one was filed.
    async fn pain_point(&self) -> Option<&str> {
        self.0.pain_point.as_deref()
    }
    /// When it was filed.
    async fn asked_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

/// A release note and who has learned it.
pub struct ReleaseNote(pub requests::ReleaseNoteStatus);

/// A release note and who has learned it.
#[Object]
impl ReleaseNote {
    /// The note's id.
    async fn id(&self) -> ID {
        id(self.0.note.id)
    }
    /// The headline.
    async fn title(&self) -> &str {
        &self.0.note.title
    }
    /// What changed, for sales and customer success to learn.
    async fn body(&self) -> &str {
        &self.0.note.body
    }
    /// When product published it.
    async fn published_at(&self) -> Timestamp {
        self.0.note.published_at.into()
    }
    /// True when the caller has acknowledged it.
    async fn acknowledged_by_me(&self, ctx: &Context<'_>) -> Result<bool> {
        let me = actor(ctx)?.user_id();
        Ok(self.0.acknowledged.iter().any(|u| Some(u.id) == me))
    }
    /// The sales and customer success users who acknowledged it.
    async fn acknowledged_by(&self) -> Vec<User> {
        self.0.acknowledged.iter().cloned().map(User).collect()
    }
    /// The sales and customer success users who have not acknowledged it yet.
    async fn not_acknowledged_by(&self) -> Vec<User> {
        self.0.pending.iter().cloned().map(User).collect()
    }
}

/// A request filed by sales or customer success.
#[derive(InputObject)]
pub struct FeatureRequestInput {
    /// Add this account's ask to an existing request instead of opening a new one.
    pub request_id: Option<ID>,
    /// What is asked for (needed for a new request).
    pub title: Option<String>,
    /// The details.
    pub description: Option<String>,
    /// The account asking.
    pub account_id: ID,
    /// The deal that depends on it.
    pub opportunity_id: Option<ID>,
    /// The pain point behind the ask, in the customer's words.
    pub pain_point: Option<String>,
}

/// Feature requests, asks and release notes: types and mutations.
#[derive(Default)]
pub struct ProductMutation;

#[Object]
impl ProductMutation {
    /// Files a feature request or pain point for an account (sales, customer success).
    async fn file_feature_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request.")] input: FeatureRequestInput,
    ) -> Result<FeatureAsk> {
        let a = actor(ctx)?;
        let ask = requests::NewAsk {
            request_id: input.request_id.as_ref().map(|r| id_arg("requestId", r)).transpose()?,
            title: input.title,
            description: input.description,
            account_id: id_arg("accountId", &input.account_id)?,
            opportunity_id: input.opportunity_id.as_ref().map(|o| id_arg("opportunityId", o)).transpose()?,
            pain_point: input.pain_point,
        };
        let (request, ask) = app(ctx).file_feature_request(a, ask).await.gql()?;
        Ok(FeatureAsk(ask, request))
    }

    /// Merges a duplicate request into another; its asks move over (PRODUCT). Returns the surviving request's id.
    async fn merge_feature_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The duplicate.")] duplicate_id: ID,
        #[graphql(desc = "The request that survives.")] into_id: ID,
    ) -> Result<FeatureRequest> {
        let a = actor(ctx)?;
        let (d, i) = (id_arg("duplicateId", &duplicate_id)?, id_arg("intoId", &into_id)?);
        let survivor = app(ctx).merge_feature_requests(a, d, i).await.gql()?;
        crate::insight::node::feature_request(ctx, survivor.id).await
    }

    /// Sets a request's status (PRODUCT); everyone who asked is notified.
    async fn set_feature_request_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request.")] request_id: ID,
        #[graphql(desc = "The new status.")] status: FeatureRequestStatus,
        #[graphql(desc = "A note for the askers.")] note: Option<String>,
    ) -> Result<FeatureRequestStatus> {
        let a = actor(ctx)?;
        let id = id_arg("requestId", &request_id)?;
        let r = app(ctx).set_feature_request_status(a, id, status.domain(), note).await.gql()?;
        crate::kernel::enums::stored(&r.status)
    }

    /// Publishes a release note (PRODUCT); every sales and customer success user is notified.
    async fn publish_release_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The headline.")] title: String,
        #[graphql(desc = "What changed.")] body: String,
    ) -> Result<ReleaseNote> {
        let a = actor(ctx)?;
        let note = app(ctx).publish_release_note(a, &title, &body).await.gql()?;
        Ok(ReleaseNote(app(ctx).release_note(a, note.id).await.gql()?))
    }

    /// Acknowledges having learned a release note (sales and customer success).
    async fn acknowledge_release_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The release note.")] note_id: ID,
    ) -> Result<ReleaseNote> {
        let a = actor(ctx)?;
        let id = id_arg("noteId", &note_id)?;
        app(ctx).acknowledge_release_note(a, id).await.gql()?;
        Ok(ReleaseNote(app(ctx).release_note(a, id).await.gql()?))
    }
}
