//! Relay connections, list orders and filters every department list shares, and tombstones.

use crate::customer_success::handoffs::HandoffPackage;
use crate::finance::invoices::Invoice;
use crate::kernel::scalars::{Decimal, Timestamp};
use crate::legal::contracts::Contract;
use crate::product::requests::FeatureRequest;
use crate::sales::deals::{Account, Opportunity};
use crate::sales::leads::Lead;
use crate::{Gql, id_arg};
use async_graphql::connection::PageInfo;
use async_graphql::{Context, Result, SimpleObject};
use baton_app::kernel::page::{Page, PageRequest};

/// A page of a list: a Relay connection with the total count.
#[derive(SimpleObject)]
#[graphql(
    concrete(name = "LeadConnection", params(Lead)),
    concrete(name = "OpportunityConnection", params(Opportunity)),
    concrete(name = "AccountConnection", params(Account)),
    concrete(name = "ContractConnection", params(Contract)),
    concrete(name = "InvoiceConnection", params(Invoice)),
    concrete(name = "HandoffPackageConnection", params(HandoffPackage)),
    concrete(name = "FeatureRequestConnection", params(FeatureRequest)),
    concrete(name = "AuditEntryConnection", params(crate::admin::audit::AuditEntry)),
    concrete(name = "ConsentConnection", params(crate::legal::compliance::Consent)),
    concrete(name = "GiftConnection", params(crate::legal::compliance::Gift)),
    concrete(name = "WebhookDeliveryConnection", params(crate::admin::webhooks::WebhookDelivery))
)]
pub struct Conn<T: async_graphql::OutputType>
where
    Edge<T>: async_graphql::OutputType,
{
    /// The items of this page, each with its cursor.
    pub edges: Vec<Edge<T>>,
    /// Where this page stands in the whole list.
    pub page_info: PageInfo,
    /// How many items match, across all pages.
    pub total_count: i64,
}

/// One item of a page and its cursor.
#[derive(SimpleObject)]
#[graphql(
    concrete(name = "LeadEdge", params(Lead)),
    concrete(name = "OpportunityEdge", params(Opportunity)),
    concrete(name = "AccountEdge", params(Account)),
    concrete(name = "ContractEdge", params(Contract)),
    concrete(name = "InvoiceEdge", params(Invoice)),
    concrete(name = "HandoffPackageEdge", params(HandoffPackage)),
    concrete(name = "FeatureRequestEdge", params(FeatureRequest)),
    concrete(name = "AuditEntryEdge", params(crate::admin::audit::AuditEntry)),
    concrete(name = "ConsentEdge", params(crate::legal::compliance::Consent)),
    concrete(name = "GiftEdge", params(crate::legal::compliance::Gift)),
    concrete(name = "WebhookDeliveryEdge", params(crate::admin::webhooks::WebhookDelivery))
)]
pub struct Edge<T: async_graphql::OutputType> {
    /// The cursor to pass as `after` to continue after this item.
    pub cursor: String,
    /// The item.
    pub node: T,
}

/// The page a list field was asked for; the total is counted only when the query selects
/// `totalCount`.
pub fn page_request(ctx: &Context<'_>, first: Option<i32>, after: Option<&str>) -> Result<PageRequest> {
    let req = PageRequest::parse(first, after).gql()?;
    Ok(req.counting(ctx.look_ahead().field("totalCount").exists()))
}

/// The page of a list that pages both ways and sorts: the total is counted only when the
/// query selects `totalCount`, and the far side of a cursor probed only when it selects
/// `hasPreviousPage` (or `hasNextPage`, paging backward).
pub fn ordered_page_request(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<&str>,
    last: Option<i32>,
    before: Option<&str>,
    order: baton_app::kernel::page::Order,
) -> Result<PageRequest> {
    let req = PageRequest::parse_ordered(first, after, last, before, order).gql()?;
    let look = ctx.look_ahead();
    let info = look.field("pageInfo");
    let probe = if req.backward { info.field("hasNextPage").exists() } else { info.field("hasPreviousPage").exists() };
    Ok(req.counting(look.field("totalCount").exists()).probing(probe))
}

/// Builds a connection from a page of rows, with the id as cursor (or the page's own
/// cursors, for a list in another order).
pub fn connection<M, T>(page: Page<M>, key: impl Fn(&M) -> uuid::Uuid, wrap: impl Fn(M) -> T) -> Conn<T>
where
    T: async_graphql::OutputType,
    Edge<T>: async_graphql::OutputType,
{
    let mut cursors = page.cursors.into_iter();
    let edges: Vec<Edge<T>> = page
        .items
        .into_iter()
        .map(|m| Edge { cursor: cursors.next().unwrap_or_else(|| key(&m).to_string()), node: wrap(m) })
        .collect();
    Conn {
        page_info: PageInfo {
            has_previous_page: page.has_previous_page,
            has_next_page: page.has_next_page,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        },
        edges,
        total_count: page.total_count as i64,
    }
}

/// An empty connection, for views whose objects arrive with later features.
pub fn empty<T: async_graphql::OutputType>() -> Conn<T>
where
    Edge<T>: async_graphql::OutputType,
{
    let page_info = PageInfo { has_previous_page: false, has_next_page: false, start_cursor: None, end_cursor: None };
    Conn { edges: vec![], page_info, total_count: 0 }
}

/// Which way a list runs.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrderDirection {
    /// Smallest, earliest or A first.
    Asc,
    /// Largest, latest or Z first.
    Desc,
}

/// Creation order, oldest first: the default of the queues (the pool, incoming hand-offs).
pub(crate) const OLDEST_FIRST: baton_app::kernel::page::Order =
    baton_app::kernel::page::Order { key: baton_app::kernel::page::SortKey::Created, descending: false };

/// An order of `key` in `direction`.
pub(crate) fn ordered(
    key: baton_app::kernel::page::SortKey,
    direction: OrderDirection,
) -> baton_app::kernel::page::Order {
    baton_app::kernel::page::Order { key, descending: direction == OrderDirection::Desc }
}

/// The conditions every list's filter shares, checked: ids are ids, a range is not empty
/// the wrong way round, a text is at most 200 characters.
pub(crate) fn list_filter(
    owner_id: Option<async_graphql::ID>,
    team_id: Option<async_graphql::ID>,
    [created_after, created_before, updated_after, updated_before]: [Option<Timestamp>; 4],
    text: Option<String>,
) -> Result<baton_app::kernel::scope::ListFilter> {
    range("filter.createdBefore", created_after, created_before)?;
    range("filter.updatedBefore", updated_after, updated_before)?;
    if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(crate::to_gql(baton_app::AppError::bad_input("filter.text", "must be at most 200 characters")));
    }
    Ok(baton_app::kernel::scope::ListFilter {
        owner_id: owner_id.as_ref().map(|i| id_arg("filter.ownerId", i)).transpose()?,
        team_id: team_id.as_ref().map(|i| id_arg("filter.teamId", i)).transpose()?,
        created_after: created_after.map(Into::into),
        created_before: created_before.map(Into::into),
        updated_after: updated_after.map(Into::into),
        updated_before: updated_before.map(Into::into),
        text,
    })
}

/// An amount in minor units, or `BAD_USER_INPUT` naming `field`.
pub(crate) fn minor(field: &str, v: Option<Decimal>) -> Result<Option<i64>> {
    v.map(|d| {
        baton_app::kernel::money::bound_minor(d.0).map_err(|_| baton_app::AppError::bad_input(field, "is too large"))
    })
    .transpose()
    .gql()
}

/// `updatedSince` narrows a list as `filter.updatedAfter` does (the later of the two holds).
pub(crate) fn since(f: &mut baton_app::kernel::scope::ListFilter, updated_since: Option<Timestamp>) {
    f.updated_after = f.updated_after.max(updated_since.map(Into::into));
}

/// What kind of object a tombstone stands for.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum TombstoneKind {
    /// A `Lead`.
    Lead,
    /// A `Contact`.
    Contact,
}

/// An object that was erased: a client drops its copy (the object answers no more personal data).
#[derive(SimpleObject, Clone, Debug)]
pub struct Tombstone {
    /// The erased object's id (as `node(id)` takes it).
    pub id: async_graphql::ID,
    /// The erased object's type.
    pub kind: TombstoneKind,
    /// When it was erased.
    pub removed_at: Timestamp,
}

impl From<baton_app::kernel::scope::Tombstone> for Tombstone {
    fn from(t: baton_app::kernel::scope::Tombstone) -> Self {
        let kind = match t.kind {
            baton_app::kernel::scope::ErasedKind::Lead => TombstoneKind::Lead,
            baton_app::kernel::scope::ErasedKind::Contact => TombstoneKind::Contact,
        };
        Tombstone { id: t.id.into(), kind, removed_at: t.removed_at.into() }
    }
}

/// A filter's range is not empty the wrong way round: `BAD_USER_INPUT` naming its end
/// (`field`) when it comes before the start.
pub(crate) fn range<T: PartialOrd>(field: &str, start: Option<T>, end: Option<T>) -> Result<()> {
    match (start, end) {
        (Some(a), Some(b)) if b < a => {
            Err(crate::to_gql(baton_app::AppError::bad_input(field, "is earlier than the range's start")))
        }
        _ => Ok(()),
    }
}

/// Declares a list's order: the enum of what it sorts by, each field with its sort key, and
/// the input `{ field, direction }` (descending unless asked) whose `order()` is the keyset
/// order the list pages by. Ties are broken by creation, so cursors stay exact.
macro_rules! list_order {
    (
        $(#[$field_meta:meta])* $field:ident { $($(#[$variant_meta:meta])* $variant:ident => $key:ident),+ $(,)? }
        $(#[$order_meta:meta])* $order:ident
    ) => {
        $(#[$field_meta])*
        #[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
        pub enum $field {
            $($(#[$variant_meta])* $variant),+
        }

        $(#[$order_meta])*
        #[derive(async_graphql::InputObject, Clone, Copy, Debug)]
        pub struct $order {
            /// The field to sort by.
            pub field: $field,
            /// The direction (default descending).
            #[graphql(default_with = "crate::kernel::connection::OrderDirection::Desc")]
            pub direction: crate::kernel::connection::OrderDirection,
        }

        impl $order {
            pub(crate) fn order(self) -> baton_app::kernel::page::Order {
                let key = match self.field {
                    $($field::$variant => baton_app::kernel::page::SortKey::$key),+
                };
                crate::kernel::connection::ordered(key, self.direction)
            }
        }
    };
}
pub(crate) use list_order;
