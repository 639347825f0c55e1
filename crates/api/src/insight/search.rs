//! `search`: one ranked list over the objects a department looks for.

use crate::insight::node::{Node, wrap};
use crate::{Gql, actor, app};
use async_graphql::connection::PageInfo;
use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use baton_app::insight::node::NodeKind;

/// What `search` can find.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SearchableType {
    /// Leads: company, contact name, e-mail address and domain.
    Lead,
    /// Accounts: name and domain.
    Account,
    /// Contacts: name and e-mail address.
    Contact,
    /// Opportunities: the deal's name.
    Opportunity,
    /// Contracts: their deal's name.
    Contract,
    /// Invoices: the invoice number (`INV-000042`).
    Invoice,
    /// Feature requests: title and description.
    FeatureRequest,
}

impl From<SearchableType> for NodeKind {
    fn from(t: SearchableType) -> Self {
        match t {
            SearchableType::Lead => NodeKind::Lead,
            SearchableType::Account => NodeKind::Account,
            SearchableType::Contact => NodeKind::Contact,
            SearchableType::Opportunity => NodeKind::Opportunity,
            SearchableType::Contract => NodeKind::Contract,
            SearchableType::Invoice => NodeKind::Invoice,
            SearchableType::FeatureRequest => NodeKind::FeatureRequest,
        }
    }
}

/// One object that matched.
#[derive(SimpleObject)]
pub struct SearchHit {
    /// The object, as its own getter shows it to the caller.
    pub node: Node,
    /// How well it matched, between 0 and 1 (higher is better); comparable within one search.
    pub score: f64,
    /// The object's label, such as an account's name or a lead's company and contact.
    pub snippet: Option<String>,
}

/// One hit and its cursor.
#[derive(SimpleObject)]
pub struct SearchEdge {
    /// The cursor to pass as `after` to continue after this hit.
    pub cursor: String,
    /// The hit.
    pub node: SearchHit,
}

/// A page of search hits, best first.
#[derive(SimpleObject)]
pub struct SearchConnection {
    /// The hits of this page, each with its cursor.
    pub edges: Vec<SearchEdge>,
    /// Where this page stands in the ranking.
    pub page_info: PageInfo,
}

/// `search`.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Finds leads, accounts, contacts, opportunities, contracts, invoices and feature requests by name, e-mail address, domain, number or title: ranked, matching a word typed halfway and tolerating small typos. Only objects the caller may read are hits (one outside the caller's row scope does not exist), each showing what its getter shows.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for: at least 2 and at most 200 characters.")] text: String,
        #[graphql(desc = "Only these kinds of object; all when absent or empty.")] types: Option<Vec<SearchableType>>,
        #[graphql(desc = "Page size: default 20, at most 100.")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
    ) -> Result<SearchConnection> {
        let a = actor(ctx)?;
        let kinds: Option<Vec<NodeKind>> = types.map(|t| t.into_iter().map(Into::into).collect());
        let page = app(ctx).search(a, &text, kinds.as_deref(), first, after.as_deref()).await.gql()?;
        let mut edges = Vec::with_capacity(page.hits.len());
        for h in page.hits {
            let node = wrap(ctx, a, h.object).await?;
            edges.push(SearchEdge {
                cursor: h.cursor,
                node: SearchHit { node, score: h.score, snippet: Some(h.snippet) },
            });
        }
        Ok(SearchConnection {
            page_info: PageInfo {
                has_previous_page: after.is_some(),
                has_next_page: page.has_next_page,
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
        })
    }
}
