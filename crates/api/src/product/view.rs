//! `productView`, with the feature request ranking's order and filter.

use crate::kernel::connection::{Conn, OrderDirection, connection, list_filter, ordered, ordered_page_request, since};
use crate::kernel::scalars::Timestamp;
use crate::kernel::sla::my_tasks;
use crate::product::requests::{FeatureRequest, release_notes};
use crate::{Gql, actor, app};
use async_graphql::{Context, Object, Result};

/// The product department's view: feature requests with the revenue behind them.
pub struct ProductView;

/// The product department's view: feature requests with the revenue behind them.
#[Object]
impl ProductView {
    /// The caller's open tasks, soonest first; only those due before `dueBefore` when given.
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tasks due before this time.")] due_before: Option<Timestamp>,
    ) -> Result<Vec<crate::kernel::sla::Task>> {
        my_tasks(ctx, due_before).await
    }
    /// Release notes with who in sales and customer success has and has not learned them.
    async fn release_notes(&self, ctx: &Context<'_>) -> Result<Vec<crate::product::requests::ReleaseNote>> {
        release_notes(ctx).await
    }
    /// Feature requests, ranked by revenue at stake unless `orderBy` says otherwise.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn feature_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only requests matching every condition given.")] filter: Option<FeatureRequestFilter>,
        #[graphql(desc = "The order: default the ranking, most revenue at stake first.")] order_by: Option<
            FeatureRequestOrder,
        >,
        #[graphql(desc = "Only rows changed at or after this time: delta sync.")] updated_since: Option<Timestamp>,
        #[graphql(desc = "Page size: default 20, at most 100.")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted back from `before` (or from the end): at most 100.")] last: Option<i32>,
        #[graphql(desc = "The cursor before which the page ends.")] before: Option<String>,
    ) -> Result<Conn<FeatureRequest>> {
        // A request's id is its cursor in every order (its place is read from the ranking).
        let by_id = ordered(baton_app::kernel::page::SortKey::Created, OrderDirection::Desc);
        let req = ordered_page_request(ctx, first, after.as_deref(), last, before.as_deref(), by_id)?;
        let mut filter = filter.map(FeatureRequestFilter::into_app).transpose()?.unwrap_or_default();
        since(&mut filter.common, updated_since);
        let order = order_by
            .map_or((baton_app::product::requests::RequestOrder::RevenueAtStake, true), FeatureRequestOrder::order);
        let a = actor(ctx)?;
        let currency = app(ctx).org_settings(a).await.gql()?.currency;
        let page = app(ctx).ranked_feature_requests(a, &filter, order, req).await.gql()?;
        Ok(connection(page, |r| r.request.id, |r| FeatureRequest(r, currency.clone())))
    }
}

/// Conditions on `productView.featureRequests`; a request is listed when it meets every one given.
#[derive(async_graphql::InputObject, Clone, Debug, Default)]
pub struct FeatureRequestFilter {
    /// In one of these statuses.
    pub statuses: Option<Vec<crate::product::requests::FeatureRequestStatus>>,
    /// First filed at or after this time.
    pub created_after: Option<Timestamp>,
    /// First filed before this time.
    pub created_before: Option<Timestamp>,
    /// Changed at or after this time.
    pub updated_after: Option<Timestamp>,
    /// Changed before this time.
    pub updated_before: Option<Timestamp>,
    /// Contained in the title (any case).
    pub text: Option<String>,
}

impl FeatureRequestFilter {
    pub(crate) fn into_app(self) -> Result<baton_app::product::requests::RequestFilter> {
        let common = list_filter(
            None,
            None,
            [self.created_after, self.created_before, self.updated_after, self.updated_before],
            self.text,
        )?;
        let statuses = self.statuses.unwrap_or_default().into_iter().map(|s| s.domain()).collect();
        Ok(baton_app::product::requests::RequestFilter { common, statuses })
    }
}

/// What feature requests can be sorted by.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum FeatureRequestOrderField {
    /// Revenue at stake, then the number of asks: the ranking.
    RevenueAtStake,
    /// When the request was first filed.
    CreatedAt,
    /// When it last changed.
    UpdatedAt,
    /// The title.
    Title,
}

/// An order of `productView.featureRequests`; ties are broken by creation, so cursors stay exact.
#[derive(async_graphql::InputObject, Clone, Copy, Debug)]
pub struct FeatureRequestOrder {
    /// The field to sort by.
    pub field: FeatureRequestOrderField,
    /// The direction (default descending).
    #[graphql(default_with = "OrderDirection::Desc")]
    pub direction: OrderDirection,
}

impl FeatureRequestOrder {
    pub(crate) fn order(self) -> (baton_app::product::requests::RequestOrder, bool) {
        use baton_app::product::requests::RequestOrder as O;
        let key = match self.field {
            FeatureRequestOrderField::RevenueAtStake => O::RevenueAtStake,
            FeatureRequestOrderField::CreatedAt => O::Created,
            FeatureRequestOrderField::UpdatedAt => O::Updated,
            FeatureRequestOrderField::Title => O::Title,
        };
        (key, self.direction == OrderDirection::Desc)
    }
}
