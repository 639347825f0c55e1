//! Governance: yearly code-of-conduct and compliance-training acknowledgements, the contract
//! review policy as data, and the clause library's pre-approved fallback wordings.

use crate::kernel::actor::Owners;
use crate::kernel::tx::Versioned;
use crate::kernel::tx::put;
use crate::{Actor, App, AppError, kernel::audit};
use anyhow::Context;
use baton_domain::contract::{ClauseFacts, ReviewPolicy, TemplateKind, review_reasons};
use baton_domain::permission::Action;
use baton_domain::{Role, Scope, text};
use baton_store::entity::{
    clause_fallback, conduct_acknowledgement, contract, contract_clause, contract_template, organization,
    template_clause, user,
};
use chrono::{Datelike, Duration, TimeZone, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

/// What a user acknowledges once a year.
pub const CONDUCT_KINDS: [&str; 2] = ["CODE_OF_CONDUCT", "COMPLIANCE_TRAINING"];

/// One user's standing for a year.
#[derive(Debug, Clone)]
pub struct ConductStatus {
    pub user: user::Model,
    pub year: i32,
    pub code_of_conduct_at: Option<chrono::DateTime<Utc>>,
    pub training_at: Option<chrono::DateTime<Utc>>,
    /// Something is missing and the grace period (from the year's start, or the user's start
    /// if later) has run out.
    pub overdue: bool,
}

/// The organization's review policy.
pub fn policy_of(org: &organization::Model) -> ReviewPolicy {
    ReviewPolicy {
        all: org.review_all_contracts,
        above_minor: org.review_above_minor,
        deviations: org.review_deviations,
        custom_development: org.review_custom_development,
        clause_keys: org
            .review_clause_keys
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(String::from)
            .collect(),
    }
}

/// Why the contract's current clauses need legal review under the organization's policy.
pub(crate) async fn reasons_for<C: ConnectionTrait>(db: &C, c: &contract::Model) -> Result<Vec<String>, AppError> {
    let org = crate::kernel::tx::load_org(db, c.organization_id).await?;
    let clauses = contract_clause::Entity::find()
        .filter(contract_clause::Column::ContractId.eq(c.id))
        .order_by_asc(contract_clause::Column::Position)
        .all(db)
        .await?;
    let fallbacks = clause_fallback::Entity::find()
        .filter(clause_fallback::Column::OrganizationId.eq(c.organization_id))
        .filter(clause_fallback::Column::TemplateKind.eq(c.kind.clone()))
        .filter(clause_fallback::Column::Active.eq(true))
        .all(db)
        .await?;
    let facts: Vec<ClauseFacts<'_>> = clauses
        .iter()
        .map(|cl| ClauseFacts {
            key: &cl.key,
            text: &cl.text,
            template_text: &cl.template_text,
            is_fallback: fallbacks.iter().any(|f| f.clause_key == cl.key && f.text.trim() == cl.text.trim()),
        })
        .collect();
    let kind = crate::kernel::error::stored(&c.kind, TemplateKind::parse, "contract kind")?;
    Ok(review_reasons(&policy_of(&org), kind, c.value_minor, &facts))
}

/// Raw input of `updateContractReviewPolicy`: absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct PolicyPatch {
    pub review_all: Option<bool>,
    /// `Some(None)` clears the value threshold.
    pub review_above_minor: Option<Option<i64>>,
    pub review_deviations: Option<bool>,
    pub review_custom_development: Option<bool>,
    pub clause_keys: Option<Vec<String>>,
    /// Working hours legal has for a review (the LEGAL_REVIEW SLA clock).
    pub review_sla_hours: Option<i32>,
}

impl App {
    /// `acknowledgeConduct`: the caller acknowledges the code of conduct or completes compliance
    /// training for the current year. Doing it twice keeps the first.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn acknowledge_conduct(
        &self,
        actor: &Actor,
        kind: &str,
    ) -> Result<conduct_acknowledgement::Model, AppError> {
        if !CONDUCT_KINDS.contains(&kind) {
            return Err(AppError::bad_input("kind", "must be CODE_OF_CONDUCT or COMPLIANCE_TRAINING"));
        }
        actor.authorize(Action::AcknowledgeConduct)?;
        let me = actor.person(Action::AcknowledgeConduct)?;
        let now = Utc::now();
        let txn = self.tx().await?;
        let find = conduct_acknowledgement::Entity::find()
            .filter(conduct_acknowledgement::Column::UserId.eq(me))
            .filter(conduct_acknowledgement::Column::Year.eq(now.year()))
            .filter(conduct_acknowledgement::Column::Kind.eq(kind));
        if let Some(e) = find.clone().one(&txn).await? {
            return Ok(e);
        }
        let inserted = conduct_acknowledgement::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            user_id: Set(me),
            year: Set(now.year()),
            kind: Set(kind.to_owned()),
            acknowledged_at: Set(now),
        }
        .insert(&txn)
        .await;
        let row = match inserted {
            Ok(row) => row,
            Err(e) => {
                // A concurrent call won the unique index: the first acknowledgement stands.
                txn.rollback().await?;
                return find.one(&self.db).await?.ok_or_else(|| e.into());
            }
        };
        audit::commit(
            txn,
            actor,
            audit::Entry::new("acknowledgeConduct", "conduct_acknowledgement", row.id, None::<&()>, Some(&row)),
        )
        .await?;
        Ok(row)
    }

    /// `conductStatus`: the people the caller manages (team, department or organization) and
    /// their acknowledgements for `year`; overdue ones first.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn conduct_status(&self, actor: &Actor, year: i32) -> Result<Vec<ConductStatus>, AppError> {
        let scope = actor.authorize(Action::ReadConductStatus)?;
        if !(2000..=2100).contains(&year) {
            return Err(AppError::bad_input("year", "must be between 2000 and 2100"));
        }
        let org = crate::kernel::tx::load_org(&self.db, actor.org_id).await?;
        let people = match scope {
            Scope::Department => {
                // Only the departments of the roles that grant the department scope.
                let dept = actor
                    .roles
                    .iter()
                    .filter(|r| {
                        baton_domain::permission::scope_of(**r, Action::ReadConductStatus) == Some(Scope::Department)
                    })
                    .map(|r| r.department())
                    .collect::<Vec<_>>();
                let roles: Vec<Role> = Role::ALL.into_iter().filter(|r| dept.contains(&r.department())).collect();
                crate::kernel::auth::holders_of(actor.org_id, &roles)
            }
            _ => {
                let q = user::Entity::find().filter(user::Column::OrganizationId.eq(actor.org_id));
                match actor.owners(scope) {
                    Owners::Only(ids) => q.filter(user::Column::Id.is_in(ids)),
                    Owners::All => q,
                }
            }
        };
        let q = people.filter(user::Column::Active.eq(true));
        let users = q.order_by_asc(user::Column::Email).all(&self.db).await?;
        let acks = conduct_acknowledgement::Entity::find()
            .filter(conduct_acknowledgement::Column::OrganizationId.eq(actor.org_id))
            .filter(conduct_acknowledgement::Column::Year.eq(year))
            .all(&self.db)
            .await?;
        let year_start = Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).single().context("a valid year")?;
        let now = Utc::now();
        let year_end = Utc.with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0).single().context("a valid year")?;
        let mut out: Vec<ConductStatus> = users
            .into_iter()
            // Nobody owes a year that ended before they joined.
            .filter(|u| u.created_at < year_end)
            .map(|u| {
                let at =
                    |kind: &str| acks.iter().find(|a| a.user_id == u.id && a.kind == kind).map(|a| a.acknowledged_at);
                let (code, training) = (at("CODE_OF_CONDUCT"), at("COMPLIANCE_TRAINING"));
                let due = year_start.max(u.created_at) + Duration::days(i64::from(org.conduct_grace_days));
                let overdue = (code.is_none() || training.is_none()) && now > due;
                ConductStatus { user: u, year, code_of_conduct_at: code, training_at: training, overdue }
            })
            .collect();
        out.sort_by_key(|s| !s.overdue);
        Ok(out)
    }

    /// `updateContractReviewPolicy` (LEGAL): which contracts legal reviews.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn update_review_policy(
        &self,
        actor: &Actor,
        patch: PolicyPatch,
    ) -> Result<organization::Model, AppError> {
        if let Some(Some(t)) = patch.review_above_minor
            && t < 0
        {
            return Err(AppError::bad_input("reviewAboveValue", "must not be negative"));
        }
        if patch.review_sla_hours.is_some_and(|h| !(1..=720).contains(&h)) {
            return Err(AppError::bad_input("reviewSlaHours", "must be between 1 and 720"));
        }
        let keys = match &patch.clause_keys {
            Some(keys) => {
                let mut out = vec![];
                for k in keys {
                    let k = text::required_short(k).map_err(AppError::text("clauseKeys"))?;
                    if k.contains(',') {
                        return Err(AppError::bad_input("clauseKeys", "a clause key has no commas"));
                    }
                    out.push(k);
                }
                Some(out.join(","))
            }
            None => None,
        };
        actor.authorize(Action::ManageContractPolicy)?;
        let txn = self.tx().await?;
        let before = crate::kernel::tx::load_org(&txn, actor.org_id).await?;
        let mut am = before.clone().into_active_model();
        put(&mut am.review_all_contracts, patch.review_all);
        put(&mut am.review_above_minor, patch.review_above_minor);
        crate::kernel::money::check_org_amounts(&crate::kernel::money::stored_currency(&before.currency)?, &am)?;
        put(&mut am.review_deviations, patch.review_deviations);
        put(&mut am.review_custom_development, patch.review_custom_development);
        put(&mut am.review_clause_keys, keys);
        put(&mut am.legal_review_sla_hours, patch.review_sla_hours);
        am.bump(before.version, Utc::now());
        let after = am.update(&txn).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new(
                "updateContractReviewPolicy",
                "organization",
                actor.org_id,
                Some(&policy_json(&before)),
                Some(&policy_json(&after)),
            ),
        )
        .await?;
        Ok(after)
    }

    /// `addClauseFallback` (LEGAL): a pre-approved alternative wording for a template clause.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn add_clause_fallback(
        &self,
        actor: &Actor,
        kind: &str,
        key: &str,
        wording: &str,
    ) -> Result<clause_fallback::Model, AppError> {
        let kind =
            TemplateKind::parse(kind).ok_or_else(|| AppError::bad_input("templateKind", "unknown template kind"))?;
        let wording = text::required_long(wording).map_err(AppError::text("text"))?;
        actor.authorize(Action::ManageContractPolicy)?;
        let me = actor.person(Action::ManageContractPolicy)?;
        let txn = self.tx().await?;
        let templates: Vec<Uuid> = contract_template::Entity::find()
            .filter(contract_template::Column::OrganizationId.eq(actor.org_id))
            .filter(contract_template::Column::Kind.eq(kind.as_str()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect();
        let exists = template_clause::Entity::find()
            .filter(template_clause::Column::TemplateId.is_in(templates))
            .filter(template_clause::Column::Key.eq(key))
            .one(&txn)
            .await?
            .is_some();
        if !exists {
            return Err(AppError::bad_input(
                "clauseKey",
                format!("no {} template has a clause `{key}`", kind.as_str()),
            ));
        }
        let row = clause_fallback::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            template_kind: Set(kind.as_str().to_owned()),
            clause_key: Set(key.to_owned()),
            text: Set(wording),
            approved_by: Set(me),
            active: Set(true),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("addClauseFallback", "clause_fallback", row.id, None::<&()>, Some(&row)),
        )
        .await?;
        Ok(row)
    }

    /// `retireClauseFallback` (LEGAL): the wording is no longer pre-approved; versions that
    /// use it and are submitted from now on go to legal. Versions already approved stay approved.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn retire_clause_fallback(&self, actor: &Actor, id: Uuid) -> Result<clause_fallback::Model, AppError> {
        actor.authorize(Action::ManageContractPolicy)?;
        let txn = self.tx().await?;
        let before = clause_fallback::Entity::find_by_id(id)
            .filter(clause_fallback::Column::OrganizationId.eq(actor.org_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("clause fallback"))?;
        let mut am = before.clone().into_active_model();
        am.active = Set(false);
        let after = am.update(&txn).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("retireClauseFallback", "clause_fallback", id, Some(&before), Some(&after)),
        )
        .await?;
        Ok(after)
    }

    /// The clause library's active fallbacks (anyone who may read contracts).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn clause_fallbacks(&self, actor: &Actor) -> Result<Vec<clause_fallback::Model>, AppError> {
        actor.authorize(Action::ReadContract)?;
        Ok(clause_fallback::Entity::find()
            .filter(clause_fallback::Column::OrganizationId.eq(actor.org_id))
            .filter(clause_fallback::Column::Active.eq(true))
            .order_by_asc(clause_fallback::Column::ClauseKey)
            .order_by_asc(clause_fallback::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// `useClauseFallback`: puts a pre-approved wording into a contract clause (a new version,
    /// like any edit).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn use_clause_fallback(
        &self,
        actor: &Actor,
        contract_id: Uuid,
        fallback_id: Uuid,
        expected_version: i32,
    ) -> Result<contract::Model, AppError> {
        let f = clause_fallback::Entity::find_by_id(fallback_id)
            .filter(clause_fallback::Column::OrganizationId.eq(actor.org_id))
            .filter(clause_fallback::Column::Active.eq(true))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("clause fallback"))?;
        let c = self.contract(actor, contract_id).await?;
        if c.kind != f.template_kind {
            return Err(AppError::bad_input(
                "fallbackId",
                format!("the fallback is for {} contracts; this one is {}", f.template_kind, c.kind),
            ));
        }
        self.update_contract_clause(actor, contract_id, &f.clause_key, &f.text, expected_version).await
    }

    /// Contracts the policy approved on its own, newest first: legal looks at them afterwards.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn policy_approved(&self, actor: &Actor) -> Result<Vec<contract::Model>, AppError> {
        use sea_orm::QuerySelect;
        actor.authorize(Action::LegalView)?;
        Ok(contract::Entity::find()
            .filter(contract::Column::OrganizationId.eq(actor.org_id))
            .filter(contract::Column::ApprovedByPolicy.eq(true))
            .order_by_desc(contract::Column::ApprovedAt)
            .limit(100)
            .all(&self.db)
            .await?)
    }
}

fn policy_json(o: &organization::Model) -> serde_json::Value {
    serde_json::json!({
        "reviewAllContracts": o.review_all_contracts,
        "reviewAboveMinor": o.review_above_minor,
        "reviewDeviations": o.review_deviations,
        "reviewCustomDevelopment": o.review_custom_development,
        "reviewClauseKeys": o.review_clause_keys,
        "reviewSlaHours": o.legal_review_sla_hours,
    })
}
