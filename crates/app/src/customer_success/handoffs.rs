//! The hand-off from the account executive to customer success: the package, its
//! completeness, acceptance (which starts onboarding) and return.

use crate::kernel::gate::{self, Access};
use crate::kernel::page::{Page, PageRequest};
use crate::kernel::tx::Versioned;
use crate::{Actor, App, AppError, kernel::audit};
use anyhow::Context;
use baton_domain::assignment::Assignment;
use baton_domain::contract::TemplateKind;
use baton_domain::handoff::{self as rules, HandoffStatus, PackageFacts};
use baton_domain::invoice::InvoiceStatus;
use baton_domain::permission::Action;
use baton_domain::text;
use baton_store::entity::{
    account, contact, contract, handoff_package, invoice, onboarding_milestone, opportunity, user,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use uuid::Uuid;

/// Raw input of `updateHandoffPackage`: absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct PackagePatch {
    pub needs_document: Option<String>,
    pub special_requirements: Option<String>,
    pub success_criteria: Option<String>,
    pub kickoff_contact_id: Option<Uuid>,
}

fn status_of(p: &handoff_package::Model) -> Result<HandoffStatus, AppError> {
    crate::kernel::error::stored(&p.status, HandoffStatus::parse, "hand-off status")
}

/// Customer success's department holds every package that was submitted to it (a status this
/// version does not know reaches no department; the use case then refuses it as unknown).
fn access(p: &handoff_package::Model, owner: Uuid) -> Access {
    Access { owner: Some(owner), department: status_of(p).is_ok_and(|s| s != HandoffStatus::Draft) }
}

/// Loads a package (locked on PostgreSQL) through the gate for `action`.
pub(crate) async fn gate_package<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<handoff_package::Model, AppError> {
    actor.authorize(action)?;
    let p = handoff_package::Entity::find_by_id(id)
        .filter(handoff_package::Column::OrganizationId.eq(actor.org_id))
        .lock_exclusive()
        .one(db)
        .await?;
    let opp = match &p {
        Some(p) => opportunity::Entity::find_by_id(p.opportunity_id).one(db).await?,
        None => None,
    };
    gate::check(actor, action, Action::ReadHandoffPackage, "hand-off package", p.zip(opp), |(p, o)| {
        access(p, o.owner_id)
    })
    .map(|(p, _)| p)
}

/// The organization's first-payment policy for onboarding, and whether the contract's first
/// invoice is paid.
pub(crate) async fn first_payment_policy<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    contract_id: Uuid,
) -> Result<(bool, bool), AppError> {
    let org = crate::kernel::tx::load_org(db, org).await?;
    let paid = invoice::Entity::find()
        .filter(invoice::Column::ContractId.eq(contract_id))
        .filter(invoice::Column::Sequence.eq(1))
        .one(db)
        .await?
        .is_some_and(|i| i.status == InvoiceStatus::Paid.as_str());
    Ok((org.onboarding_requires_first_payment, paid))
}

impl App {
    /// What a package still lacks, one sentence per item (empty when complete).
    #[tracing::instrument(skip_all)]
    pub async fn package_missing_items(&self, p: &handoff_package::Model) -> Result<Vec<String>, AppError> {
        self.missing_items(&self.db, p).await
    }

    /// [`App::package_missing_items`] read in the caller's transaction (submitting, `blockers`).
    pub(crate) async fn missing_items<C: ConnectionTrait>(
        &self,
        db: &C,
        p: &handoff_package::Model,
    ) -> Result<Vec<String>, AppError> {
        Ok(rules::missing_items(&self.package_facts(db, p).await?))
    }

    async fn package_facts<C: ConnectionTrait>(
        &self,
        db: &C,
        p: &handoff_package::Model,
    ) -> Result<PackageFacts, AppError> {
        let decision_makers = contact::Entity::find()
            .filter(contact::Column::AccountId.eq(p.account_id))
            .filter(contact::Column::DecisionMaker.eq(true))
            .all(db)
            .await?
            .len();
        let filled = |s: &Option<String>| s.as_deref().is_some_and(|t| !t.trim().is_empty());
        Ok(PackageFacts {
            has_needs_document: filled(&p.needs_document),
            decision_makers,
            special_requirements_answered: filled(&p.special_requirements),
            has_success_criteria: filled(&p.success_criteria),
            has_kickoff_contact: p.kickoff_contact_id.is_some(),
        })
    }

    /// `updateHandoffPackage`: while the account executive holds it (DRAFT or RETURNED).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn update_handoff(
        &self,
        actor: &Actor,
        id: Uuid,
        patch: PackagePatch,
    ) -> Result<handoff_package::Model, AppError> {
        let long = |f: &'static str, v: &Option<String>| {
            text::optional(v.as_deref(), text::LONG_TEXT_MAX).map_err(AppError::text(f))
        };
        let needs = long("needsDocument", &patch.needs_document)?;
        let special = long("specialRequirements", &patch.special_requirements)?;
        let criteria = long("successCriteria", &patch.success_criteria)?;
        let txn = self.tx().await?;
        let before = gate_package(&txn, actor, id, Action::UpdateHandoffPackage).await?;
        rules::edit(status_of(&before)?).map_err(AppError::Rule)?;
        if let Some(c) = patch.kickoff_contact_id {
            contact::Entity::find_by_id(c)
                .filter(contact::Column::OrganizationId.eq(actor.org_id))
                .filter(contact::Column::AccountId.eq(before.account_id))
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound("contact"))?;
        }
        let mut am = before.clone().into_active_model();
        if needs.is_some() {
            am.needs_document = Set(needs);
        }
        if special.is_some() {
            am.special_requirements = Set(special);
        }
        if criteria.is_some() {
            am.success_criteria = Set(criteria);
        }
        if patch.kickoff_contact_id.is_some() {
            am.kickoff_contact_id = Set(patch.kickoff_contact_id);
        }
        am.bump(before.version, Utc::now());
        let after = am.update(&txn).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("updateHandoffPackage", "handoff_package", id, Some(&before), Some(&after)),
        )
        .await?;
        Ok(after)
    }

    /// `submitHandoffPackage`: refused with one `HANDOFF_INCOMPLETE` reason per missing item.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn submit_handoff(&self, actor: &Actor, id: Uuid) -> Result<handoff_package::Model, AppError> {
        let txn = self.tx().await?;
        let before = gate_package(&txn, actor, id, Action::SubmitHandoffPackage).await?;
        let facts = self.package_facts(&txn, &before).await?;
        let to = rules::submit(status_of(&before)?, &facts).map_err(AppError::Rule)?;
        let mut am = before.clone().into_active_model();
        am.status = Set(to.as_str().to_owned());
        am.submitted_at = Set(Some(Utc::now()));
        am.bump(before.version, Utc::now());
        let after = am.update(&txn).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("submitHandoffPackage", "handoff_package", id, Some(&before), Some(&after)),
        )
        .await?;
        Ok(after)
    }

    /// `acceptHandoff`: customer success takes the customer over; onboarding starts with its
    /// milestones (SaaS: accounts opened, training, go-live; custom: build, test, go-live).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn accept_handoff(
        &self,
        actor: &Actor,
        id: Uuid,
        cs_owner: Option<Uuid>,
    ) -> Result<handoff_package::Model, AppError> {
        let txn = self.tx().await?;
        let before = gate_package(&txn, actor, id, Action::AcceptHandoff).await?;
        let owner_id = cs_owner
            .or(actor.user_id())
            .ok_or_else(|| AppError::bad_input("csOwnerId", "name the customer success owner"))?;
        let owner = user::Entity::find_by_id(owner_id)
            .filter(user::Column::OrganizationId.eq(actor.org_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let (required, first_paid) = first_payment_policy(&txn, actor.org_id, before.contract_id).await?;
        let mut violations = rules::accept(status_of(&before)?, required, first_paid).err().unwrap_or_default();
        let owner_roles = crate::kernel::auth::roles_of(&txn, owner.id).await?;
        violations.extend(Assignment::CsOwner.check(owner.active, &owner_roles).err().unwrap_or_default());
        if !violations.is_empty() {
            return Err(AppError::Rule(violations));
        }
        let now = Utc::now();
        let mut am = before.clone().into_active_model();
        am.status = Set(HandoffStatus::Accepted.as_str().to_owned());
        am.accepted_at = Set(Some(now));
        am.accepted_by = Set(actor.user_id());
        am.bump(before.version, now);
        let after = am.update(&txn).await?;
        let acc = account::Entity::find_by_id(before.account_id).one(&txn).await?.context("account row")?;
        let mut aam = acc.clone().into_active_model();
        aam.cs_owner_id = Set(Some(owner.id));
        aam.bump(acc.version, now);
        let acc_after = aam.update(&txn).await?;
        let kind = contract::Entity::find_by_id(before.contract_id).one(&txn).await?.map(|c| c.kind);
        let keys: [&str; 3] = match kind.as_deref().and_then(TemplateKind::parse) {
            Some(TemplateKind::CustomDevelopment) => ["BUILD", "TEST", "GO_LIVE"],
            _ => ["ACCOUNTS_OPENED", "TRAINING", "GO_LIVE"],
        };
        for (i, key) in keys.iter().enumerate() {
            onboarding_milestone::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(actor.org_id),
                package_id: Set(id),
                account_id: Set(before.account_id),
                key: Set((*key).to_owned()),
                position: Set(i as i32),
                done_at: Set(None),
            }
            .insert(&txn)
            .await?;
        }
        audit::record(&txn, actor.org_id, actor, "acceptHandoff", "handoff_package", id, Some(&before), Some(&after))
            .await?;
        audit::commit(txn, actor, audit::Entry::new("acceptHandoff", "account", acc.id, Some(&acc), Some(&acc_after)))
            .await?;
        Ok(after)
    }

    /// `returnHandoff`: back to the account executive with a reason.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn return_handoff(
        &self,
        actor: &Actor,
        id: Uuid,
        reason: &str,
    ) -> Result<handoff_package::Model, AppError> {
        let reason = text::required_long(reason).map_err(AppError::text("reason"))?;
        let txn = self.tx().await?;
        let before = gate_package(&txn, actor, id, Action::ReturnHandoff).await?;
        let to = rules::give_back(status_of(&before)?).map_err(AppError::Rule)?;
        let mut am = before.clone().into_active_model();
        am.status = Set(to.as_str().to_owned());
        am.return_reason = Set(Some(reason));
        am.bump(before.version, Utc::now());
        let after = am.update(&txn).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("returnHandoff", "handoff_package", id, Some(&before), Some(&after)),
        )
        .await?;
        Ok(after)
    }

    /// `handoffPackage(id)` under the caller's scope.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn handoff(&self, actor: &Actor, id: Uuid) -> Result<handoff_package::Model, AppError> {
        let p = handoff_package::Entity::find_by_id(id)
            .filter(handoff_package::Column::OrganizationId.eq(actor.org_id))
            .one(&self.db)
            .await?;
        let opp = match &p {
            Some(p) => opportunity::Entity::find_by_id(p.opportunity_id).one(&self.db).await?,
            None => None,
        };
        match p.zip(opp) {
            Some((p, o)) if gate::reaches(actor, Action::ReadHandoffPackage, access(&p, o.owner_id)) => Ok(p),
            _ => Err(AppError::NotFound("hand-off package")),
        }
    }

    /// Packages submitted to customer success, filtered, in the request's order (oldest first
    /// by default: creation order).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn incoming_handoffs(
        &self,
        actor: &Actor,
        filter: &crate::kernel::scope::HandoffFilter,
        req: PageRequest,
    ) -> Result<Page<handoff_package::Model>, AppError> {
        use crate::kernel::page::{KeyValue, Sort, SortKey};
        use handoff_package::Column as H;
        use sea_orm::sea_query::{Expr, Func};
        actor.authorize(Action::CustomerSuccessView)?;
        let mut q = handoff_package::Entity::find()
            .filter(H::OrganizationId.eq(actor.org_id))
            .filter(H::Status.eq(HandoffStatus::Submitted.as_str()));
        if let Some(t) = filter.submitted_after {
            q = q.filter(H::SubmittedAt.gte(t));
        }
        if let Some(t) = filter.submitted_before {
            q = q.filter(H::SubmittedAt.lt(t));
        }
        let q = self.narrowed(q, actor.org_id, &filter.common, (None, H::CreatedAt, H::UpdatedAt), &[]).await?;
        let sorts = [
            Sort {
                key: SortKey::Submitted,
                // Submitting sets the time; a package without one sorts as if submitted when made.
                expr: || Func::coalesce([Expr::col(H::SubmittedAt), Expr::col(H::CreatedAt)]).into(),
                value: |p: &handoff_package::Model| KeyValue::Time(p.submitted_at.unwrap_or(p.created_at)),
            },
            Sort {
                key: SortKey::Updated,
                expr: || Expr::col(H::UpdatedAt),
                value: |p: &handoff_package::Model| KeyValue::Time(p.updated_at),
            },
        ];
        crate::kernel::page::sorted(&self.db, q, H::Id, &sorts, req).await
    }

    /// Accounts customer success took over: its own for CUSTOMER_SUCCESS, all for CS_MANAGER.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn cs_accounts(
        &self,
        actor: &Actor,
        vip: Option<bool>,
        filter: &crate::kernel::scope::ListFilter,
        req: PageRequest,
    ) -> Result<Page<account::Model>, AppError> {
        use crate::kernel::page::{KeyValue, Sort, SortKey};
        use account::Column as A;
        use sea_orm::sea_query::Expr;
        let scope = actor.authorize(Action::CustomerSuccessView)?;
        let mut q = account::Entity::find()
            .filter(account::Column::OrganizationId.eq(actor.org_id))
            .filter(account::Column::CsOwnerId.is_not_null());
        if let Some(v) = vip {
            q = q.filter(account::Column::Tier.eq(if v { "VIP" } else { "STANDARD" }));
        }
        if scope == baton_domain::Scope::Own {
            q = q.filter(account::Column::CsOwnerId.eq(actor.user_id().unwrap_or_default()));
        }
        let q = self
            .narrowed(q, actor.org_id, filter, (Some(A::CsOwnerId), A::CreatedAt, A::UpdatedAt), &[A::Name, A::Domain])
            .await?;
        let sorts = [
            Sort {
                key: SortKey::Updated,
                expr: || Expr::col(A::UpdatedAt),
                value: |a: &account::Model| KeyValue::Time(a.updated_at),
            },
            Sort {
                key: SortKey::Name,
                expr: || Expr::col(A::Name),
                value: |a: &account::Model| KeyValue::Text(a.name.clone()),
            },
        ];
        crate::kernel::page::sorted(&self.db, q, A::Id, &sorts, req).await
    }

    /// Hand-off packages of opportunities, for the API's batch loader.
    #[tracing::instrument(skip_all)]
    pub async fn handoffs_of_contracts(
        &self,
        org: Uuid,
        contract_ids: &[Uuid],
    ) -> Result<Vec<handoff_package::Model>, AppError> {
        Ok(handoff_package::Entity::find()
            .filter(handoff_package::Column::OrganizationId.eq(org))
            .filter(handoff_package::Column::ContractId.is_in(contract_ids.iter().copied()))
            .all(&self.db)
            .await?)
    }

    /// Onboarding milestones of a package.
    #[tracing::instrument(skip_all)]
    pub async fn milestones_of(
        &self,
        org: Uuid,
        package_id: Uuid,
    ) -> Result<Vec<onboarding_milestone::Model>, AppError> {
        Ok(onboarding_milestone::Entity::find()
            .filter(onboarding_milestone::Column::OrganizationId.eq(org))
            .filter(onboarding_milestone::Column::PackageId.eq(package_id))
            .order_by_asc(onboarding_milestone::Column::Position)
            .all(&self.db)
            .await?)
    }
}
