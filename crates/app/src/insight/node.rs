//! `node(id)`: which kind of object an id names, so that the object can be read through its
//! kind's own getter (and so under the same rules as `lead(id)`, `account(id)`, ...).

use crate::product::requests::RankedRequest;
use crate::{Actor, App, AppError};
use baton_store::entity::{
    account, contact, contract, handoff_package, import_job, invoice, lead, opportunity, quote, team, user,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// The kinds of object `node(id)` can answer: every object with its own getter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    User,
    Team,
    Lead,
    Account,
    Contact,
    Opportunity,
    Quote,
    Contract,
    Invoice,
    HandoffPackage,
    FeatureRequest,
    ImportJob,
}

impl NodeKind {
    /// The kind an entity type names, as tasks, SLA clocks and the audit log write it
    /// (`lead`, `opportunity`, `handoff_package`, ...).
    pub fn of_entity_type(entity_type: &str) -> Option<NodeKind> {
        NodeKind::ALL.iter().find(|(_, _, e)| *e == entity_type).map(|(k, _, _)| *k)
    }

    /// Every kind with its table and its entity type, in the order of the lookup statement.
    pub const ALL: [(NodeKind, &'static str, &'static str); 12] = [
        (NodeKind::User, "users", "user"),
        (NodeKind::Team, "teams", "team"),
        (NodeKind::Lead, "leads", "lead"),
        (NodeKind::Account, "accounts", "account"),
        (NodeKind::Contact, "contacts", "contact"),
        (NodeKind::Opportunity, "opportunities", "opportunity"),
        (NodeKind::Quote, "quotes", "quote"),
        (NodeKind::Contract, "contracts", "contract"),
        (NodeKind::Invoice, "invoices", "invoice"),
        (NodeKind::HandoffPackage, "handoff_packages", "handoff_package"),
        (NodeKind::FeatureRequest, "feature_requests", "feature_request"),
        (NodeKind::ImportJob, "import_jobs", "import_job"),
    ];
}

/// An object `node(id)` or `search` found, read through its kind's getter.
#[derive(Debug, Clone)]
pub enum Object {
    User(user::Model),
    Team(team::Model),
    Lead(lead::Model),
    Account(account::Model),
    Contact(contact::Model),
    Opportunity(opportunity::Model),
    Quote(quote::Model),
    Contract(contract::Model),
    Invoice(invoice::Model),
    HandoffPackage(handoff_package::Model),
    FeatureRequest(Box<RankedRequest>),
    ImportJob(import_job::Model),
}

impl App {
    /// `node(id)`: the object `id` names, if the caller may read it. NOT_FOUND when it does not
    /// exist, belongs to another organization, or the caller may not read it, also where the
    /// kind's getter would say FORBIDDEN: which kind an unreadable id names is not told.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn node(&self, actor: &Actor, id: Uuid) -> Result<Object, AppError> {
        let kind = self.node_kind(actor, id).await?.ok_or(AppError::NotFound("object"))?;
        match self.read_object(actor, kind, id).await {
            Err(AppError::Forbidden(_)) => Err(AppError::NotFound("object")),
            other => other,
        }
    }

    /// The object of a known kind through that kind's getter (the same rules as `lead(id)`,
    /// `quote(id)`, ...).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn read_object(&self, actor: &Actor, kind: NodeKind, id: Uuid) -> Result<Object, AppError> {
        let missing = |what: &'static str| AppError::NotFound(what);
        Ok(match kind {
            NodeKind::User => Object::User(self.user(actor, id).await?),
            NodeKind::Team => Object::Team(self.team(actor, id).await?),
            NodeKind::Lead => Object::Lead(self.lead(actor, id).await?.ok_or_else(|| missing("lead"))?),
            NodeKind::Account => Object::Account(self.account(actor, id).await?.ok_or_else(|| missing("account"))?),
            NodeKind::Contact => Object::Contact(self.contact(actor, id).await?.ok_or_else(|| missing("contact"))?),
            NodeKind::Opportunity => {
                Object::Opportunity(self.opportunity(actor, id).await?.ok_or_else(|| missing("opportunity"))?)
            }
            NodeKind::Quote => Object::Quote(self.quote(actor, id).await?),
            NodeKind::Contract => Object::Contract(self.contract(actor, id).await?),
            NodeKind::Invoice => Object::Invoice(self.invoice(actor, id).await?),
            NodeKind::HandoffPackage => Object::HandoffPackage(self.handoff(actor, id).await?),
            NodeKind::FeatureRequest => Object::FeatureRequest(Box::new(self.feature_request(actor, id).await?)),
            NodeKind::ImportJob => Object::ImportJob(self.import_job(actor, id).await?),
        })
    }

    /// The kind of the object `id` names in the caller's organization, `None` when no object
    /// of the organization has that id. One statement: one primary-key probe per table. Whether
    /// the caller may read the object is its getter's decision, not this one's.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn node_kind(&self, actor: &Actor, id: Uuid) -> Result<Option<NodeKind>, AppError> {
        let sql = NodeKind::ALL
            .iter()
            .enumerate()
            .map(|(i, (_, table, _))| {
                format!("SELECT CAST({i} AS BIGINT) AS kind FROM {table} WHERE id = $1 AND organization_id = $2")
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let row = self
            .db
            .query_one_raw(crate::kernel::sql::statement(&self.db, &sql, vec![id.into(), actor.org_id.into()]))
            .await?;
        let Some(row) = row else { return Ok(None) };
        let kind: i64 = row.try_get("", "kind")?;
        Ok(usize::try_from(kind).ok().and_then(|i| NodeKind::ALL.get(i)).map(|(k, _, _)| *k))
    }

    /// A contact the caller may read: one of an account the caller may read.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn contact(&self, actor: &Actor, id: Uuid) -> Result<Option<contact::Model>, AppError> {
        let Some(c) = contact::Entity::find_by_id(id)
            .filter(contact::Column::OrganizationId.eq(actor.org_id))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        Ok(self.account(actor, c.account_id).await?.map(|_| c))
    }

    /// A team of the caller's organization (the directory every member reads).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn team(&self, actor: &Actor, id: Uuid) -> Result<team::Model, AppError> {
        team::Entity::find_by_id(id)
            .filter(team::Column::OrganizationId.eq(actor.org_id))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("team"))
    }
}
