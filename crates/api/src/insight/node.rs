//! Relay's object identification: the `Node` interface and `node(id)`.

use crate::customer_success::handoffs::HandoffPackage;
use crate::finance::invoices::Invoice;
use crate::id_arg;
use crate::kernel::types::Team;
use crate::kernel::types::User;
use crate::legal::contracts::Contract;
use crate::product::requests::FeatureRequest;
use crate::sales::deals::Account;
use crate::sales::deals::Contact;
use crate::sales::deals::Opportunity;
use crate::sales::deals::Quote;
use crate::sales::leads::Lead;
use crate::{Gql, actor, app};
use async_graphql::{Context, ID, Interface, Object, Result};
use baton_app::Actor;
use baton_app::insight::node::{NodeKind, Object};

/// An object with an identity: `node(id)` refetches it.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's id, unique across all kinds of object."))]
pub enum Node {
    User(User),
    Team(Team),
    Lead(Lead),
    Account(Account),
    Contact(Contact),
    Opportunity(Opportunity),
    Quote(Quote),
    Contract(Contract),
    Invoice(Invoice),
    HandoffPackage(HandoffPackage),
    FeatureRequest(FeatureRequest),
    ImportJob(crate::admin::imports::ImportJob),
}

/// The GraphQL object of an object `app` read for the caller.
pub async fn wrap(ctx: &Context<'_>, a: &Actor, object: Object) -> Result<Node> {
    Ok(match object {
        Object::User(m) => Node::User(User(m)),
        Object::Team(m) => Node::Team(Team(m)),
        Object::Lead(m) => Node::Lead(Lead(m)),
        Object::Account(m) => Node::Account(Account(m)),
        Object::Contact(m) => Node::Contact(Contact(m)),
        Object::Opportunity(m) => Node::Opportunity(Opportunity(m)),
        Object::Quote(m) => Node::Quote(Quote(m)),
        Object::Contract(m) => Node::Contract(Contract(m)),
        Object::Invoice(m) => Node::Invoice(Invoice(m)),
        Object::HandoffPackage(m) => Node::HandoffPackage(HandoffPackage(m)),
        Object::ImportJob(m) => Node::ImportJob(crate::admin::imports::ImportJob(m)),
        Object::FeatureRequest(r) => {
            let currency = app(ctx).org_settings(a).await.gql()?.currency;
            Node::FeatureRequest(FeatureRequest(*r, currency))
        }
    })
}

/// The object a task or an SLA clock is about (its entity type and id), when the caller may
/// read it: through the kind's own getter, so under the same rules as `node(id)`.
pub async fn subject(ctx: &Context<'_>, entity_type: Option<&str>, id: Option<uuid::Uuid>) -> Result<Option<Node>> {
    match (entity_type.and_then(NodeKind::of_entity_type), id) {
        (Some(kind), Some(id)) => readable(ctx, kind, id).await,
        _ => Ok(None),
    }
}

/// The object of a known kind when the caller may read it, null when not (or gone): the typed
/// link of a row that points at another object.
pub async fn readable(ctx: &Context<'_>, kind: NodeKind, id: uuid::Uuid) -> Result<Option<Node>> {
    let a = actor(ctx)?;
    match app(ctx).read_object(a, kind, id).await {
        Ok(object) => Ok(Some(wrap(ctx, a, object).await?)),
        Err(baton_app::AppError::NotFound(_) | baton_app::AppError::Forbidden(_)) => Ok(None),
        Err(e) => Err(e).gql(),
    }
}

/// The lead `id` names, when the caller may read it.
pub async fn lead(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Option<Lead>> {
    Ok(match readable(ctx, NodeKind::Lead, id).await? {
        Some(Node::Lead(l)) => Some(l),
        _ => None,
    })
}

/// The opportunity `id` names, when the caller may read it.
pub async fn opportunity(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Option<Opportunity>> {
    Ok(match readable(ctx, NodeKind::Opportunity, id).await? {
        Some(Node::Opportunity(o)) => Some(o),
        _ => None,
    })
}

/// The feature request `id` names, as the caller reads it (after a write of the caller's).
pub async fn feature_request(ctx: &Context<'_>, id: uuid::Uuid) -> Result<FeatureRequest> {
    let a = actor(ctx)?;
    match wrap(ctx, a, app(ctx).read_object(a, NodeKind::FeatureRequest, id).await.gql()?).await? {
        Node::FeatureRequest(r) => Ok(r),
        _ => Err(crate::to_gql(baton_app::AppError::NotFound("feature request"))),
    }
}

/// `node(id)`.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object the caller may read, by its id (Relay's refetch); NOT_FOUND when it does not exist, belongs to another organization or lies outside the caller's read scope, the same answer the kind's own getter gives.
    async fn node(&self, ctx: &Context<'_>, #[graphql(desc = "The object's id.")] id: ID) -> Result<Option<Node>> {
        let a = actor(ctx)?;
        let id = id_arg("id", &id)?;
        let object = app(ctx).node(a, id).await.gql()?;
        Ok(Some(wrap(ctx, a, object).await?))
    }
}
