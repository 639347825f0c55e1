//! Governance: conduct acknowledgements, the contract review policy and clause library, and
//! the audit export.

use crate::id_arg;
use crate::kernel::scalars::Decimal;
use crate::kernel::scalars::Timestamp;
use crate::kernel::types::Money;
use crate::kernel::types::User;
use crate::kernel::types::id;
use crate::legal::contracts::Contract;
use crate::{Gql, actor, app};
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use baton_app::entity::{clause_fallback, organization};
use baton_app::legal::governance::PolicyPatch;
use chrono::{Datelike, Utc};

/// What a user acknowledges once a year.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ConductKind {
    /// The code of conduct: no bribery, no false claims.
    CodeOfConduct,
    /// The yearly compliance training.
    ComplianceTraining,
}

/// One acknowledgement.
#[derive(SimpleObject)]
pub struct ConductAcknowledgement {
    /// The acknowledgement's id.
    pub id: ID,
    /// What was acknowledged.
    pub kind: ConductKind,
    /// The year it counts for.
    pub year: i32,
    /// When it was given.
    pub acknowledged_at: Timestamp,
}

/// One person's conduct standing for a year.
#[derive(SimpleObject)]
pub struct ConductStanding {
    /// The person.
    pub user: User,
    /// The year.
    pub year: i32,
    /// When the code of conduct was acknowledged that year.
    pub code_of_conduct_at: Option<Timestamp>,
    /// When the compliance training was completed that year.
    pub training_at: Option<Timestamp>,
    /// Something is missing after the organization's grace period.
    pub overdue: bool,
}

/// Which contracts legal must review.
pub struct ContractReviewPolicy(pub organization::Model);

/// Which contracts legal must review.
#[Object]
impl ContractReviewPolicy {
    /// Every contract.
    async fn review_all_contracts(&self) -> bool {
        self.0.review_all_contracts
    }
    /// Contracts above this value.
    async fn review_above_value(&self) -> Option<Money> {
        self.0.review_above_minor.map(|m| Money::from_minor(m, &self.0.currency))
    }
    /// Contracts with a clause that is neither standard nor an approved fallback.
    async fn review_deviations(&self) -> bool {
        self.0.review_deviations
    }
    /// Contracts on the custom-development template.
    async fn review_custom_development(&self) -> bool {
        self.0.review_custom_development
    }
    /// Clauses legal looks at whenever they differ from the template, fallbacks included.
    async fn review_clause_keys(&self) -> Vec<String> {
        baton_app::legal::governance::policy_of(&self.0).clause_keys
    }
    /// Working hours legal has for a review.
    async fn review_sla_hours(&self) -> i32 {
        self.0.legal_review_sla_hours
    }
}

/// Changes to the review policy; absent fields stay as they are.
#[derive(InputObject)]
pub struct ContractReviewPolicyInput {
    /// Every contract.
    pub review_all_contracts: Option<bool>,
    /// Contracts above this value, in the organization's currency; null removes the threshold.
    pub review_above_value: MaybeUndefined<Decimal>,
    /// Contracts with a clause that is neither standard nor an approved fallback.
    pub review_deviations: Option<bool>,
    /// Contracts on the custom-development template.
    pub review_custom_development: Option<bool>,
    /// Clauses legal looks at whenever they differ from the template.
    pub review_clause_keys: Option<Vec<String>>,
    /// Working hours legal has for a review (1 to 720).
    pub review_sla_hours: Option<i32>,
}

/// A pre-approved alternative wording of a template clause.
pub struct ClauseFallback(pub clause_fallback::Model);

/// A pre-approved alternative wording of a template clause.
#[Object]
impl ClauseFallback {
    /// The fallback's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The template kind it applies to.
    async fn template_kind(&self) -> Result<crate::kernel::enums::ContractKind> {
        crate::kernel::enums::stored(&self.0.template_kind)
    }
    /// The clause it replaces.
    async fn clause_key(&self) -> &str {
        &self.0.clause_key
    }
    /// The wording.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// False once retired.
    async fn active(&self) -> bool {
        self.0.active
    }
}

/// Whether the organization's audit chain is intact.
#[derive(SimpleObject)]
pub struct AuditVerification {
    /// True when every row links to its predecessor, matches its hash and (unless erased) its snapshot.
    pub intact: bool,
    /// How many chained rows were checked.
    pub rows: i32,
    /// The first broken row's place in the chain.
    pub broken_seq: Option<i32>,
    /// The first broken row's id (absent when the newest rows are missing).
    pub broken_entry_id: Option<ID>,
    /// What is wrong with it.
    pub reason: Option<String>,
    /// When the check ran.
    pub verified_at: Timestamp,
}

/// The audit log's rows as JSON, for an auditor.
#[derive(SimpleObject)]
pub struct AuditExport {
    /// How many rows.
    pub rows: i32,
    /// The rows, oldest first, with hashes and snapshots.
    pub data: async_graphql::Json<serde_json::Value>,
}

fn kind_name(k: ConductKind) -> &'static str {
    match k {
        ConductKind::CodeOfConduct => "CODE_OF_CONDUCT",
        ConductKind::ComplianceTraining => "COMPLIANCE_TRAINING",
    }
}

/// Governance mutations.
#[derive(Default)]
pub struct GovernanceMutation;

#[Object]
impl GovernanceMutation {
    /// Acknowledges the code of conduct or records the compliance training for the current year (the caller).
    async fn acknowledge_conduct(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What is acknowledged.")] kind: ConductKind,
    ) -> Result<ConductAcknowledgement> {
        let r = app(ctx).acknowledge_conduct(actor(ctx)?, kind_name(kind)).await.gql()?;
        Ok(ConductAcknowledgement {
            id: id(r.id),
            kind: crate::kernel::enums::stored(&r.kind)?,
            year: r.year,
            acknowledged_at: r.acknowledged_at.into(),
        })
    }

    /// Changes which contracts legal must review (LEGAL).
    async fn update_contract_review_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: ContractReviewPolicyInput,
    ) -> Result<ContractReviewPolicy> {
        let above = match input.review_above_value {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(v) => {
                Some(Some(baton_app::kernel::money::hundredths("reviewAboveValue", v.0).gql()?))
            }
        };
        let patch = PolicyPatch {
            review_all: input.review_all_contracts,
            review_above_minor: above,
            review_deviations: input.review_deviations,
            review_custom_development: input.review_custom_development,
            clause_keys: input.review_clause_keys,
            review_sla_hours: input.review_sla_hours,
        };
        Ok(ContractReviewPolicy(app(ctx).update_review_policy(actor(ctx)?, patch).await.gql()?))
    }

    /// Adds a pre-approved fallback wording for a template clause (LEGAL).
    async fn add_clause_fallback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "SAAS_SERVICE_AGREEMENT or CUSTOM_DEVELOPMENT.")] template_kind: String,
        #[graphql(desc = "The clause.")] clause_key: String,
        #[graphql(desc = "The wording.")] text: String,
    ) -> Result<ClauseFallback> {
        let f = app(ctx).add_clause_fallback(actor(ctx)?, &template_kind, &clause_key, &text).await.gql()?;
        Ok(ClauseFallback(f))
    }

    /// Retires a fallback: versions using it need legal review again (LEGAL).
    async fn retire_clause_fallback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fallback.")] fallback_id: ID,
    ) -> Result<ClauseFallback> {
        let fid = id_arg("fallbackId", &fallback_id)?;
        Ok(ClauseFallback(app(ctx).retire_clause_fallback(actor(ctx)?, fid).await.gql()?))
    }

    /// Puts a pre-approved fallback wording into a contract's clause: a new version, back in DRAFT.
    async fn use_clause_fallback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract.")] contract_id: ID,
        #[graphql(desc = "The fallback.")] fallback_id: ID,
        #[graphql(desc = "The contract version the caller saw.")] expected_version: i32,
    ) -> Result<Contract> {
        let cid = id_arg("contractId", &contract_id)?;
        let fid = id_arg("fallbackId", &fallback_id)?;
        Ok(Contract(app(ctx).use_clause_fallback(actor(ctx)?, cid, fid, expected_version).await.gql()?))
    }

    /// Exports the filtered audit log with its snapshots as JSON (ADMIN, LEGAL, PRIVACY_OFFICER); the export is itself audited.
    async fn export_audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only changes by this user or API token.")] actor_id: Option<ID>,
        #[graphql(desc = "Only changes to this object.")] entity_id: Option<ID>,
        #[graphql(desc = "Only this action (the mutation's name).")] action: Option<String>,
        #[graphql(desc = "From this time (inclusive).")] from: Option<Timestamp>,
        #[graphql(desc = "Until this time (exclusive).")] to: Option<Timestamp>,
    ) -> Result<AuditExport> {
        let filter = crate::admin::audit::audit_filter(actor_id, entity_id, action, from, to)?;
        let data = app(ctx).export_audit(actor(ctx)?, filter).await.gql()?;
        let rows = data.as_array().map_or(0, Vec::len);
        Ok(AuditExport { rows: i32::try_from(rows).unwrap_or(i32::MAX), data: async_graphql::Json(data) })
    }
}

/// Governance queries.
#[derive(Default)]
pub struct GovernanceQuery;

#[Object]
impl GovernanceQuery {
    /// Conduct standing of the people the caller manages (SALES_MANAGER: team, CS_MANAGER: department, LEGAL and ADMIN: everyone), overdue first.
    async fn conduct_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year (default the current one).")] year: Option<i32>,
    ) -> Result<Vec<ConductStanding>> {
        let y = year.unwrap_or_else(|| Utc::now().year());
        let v = app(ctx).conduct_status(actor(ctx)?, y).await.gql()?;
        Ok(v.into_iter()
            .map(|s| ConductStanding {
                user: User(s.user),
                year: s.year,
                code_of_conduct_at: s.code_of_conduct_at.map(Timestamp),
                training_at: s.training_at.map(Timestamp),
                overdue: s.overdue,
            })
            .collect())
    }

    /// Checks the organization's audit chain now, as `baton audit verify` does (ADMIN, LEGAL, PRIVACY_OFFICER).
    async fn audit_chain_verification(&self, ctx: &Context<'_>) -> Result<AuditVerification> {
        use baton_app::kernel::audit::Verdict;
        let v = app(ctx).verify_own_audit(actor(ctx)?).await.gql()?;
        let now = Utc::now();
        let count = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
        Ok(match v {
            Verdict::Intact { rows, .. } => AuditVerification {
                intact: true,
                rows: count(rows as i64),
                broken_seq: None,
                broken_entry_id: None,
                reason: None,
                verified_at: now.into(),
            },
            Verdict::Broken { seq, id: row, reason, .. } => AuditVerification {
                intact: false,
                rows: count(seq - 1),
                broken_seq: Some(count(seq)),
                broken_entry_id: (!row.is_nil()).then(|| id(row)),
                reason: Some(reason),
                verified_at: now.into(),
            },
        })
    }

    /// The contract review policy (LEGAL, ADMIN).
    async fn contract_review_policy(&self, ctx: &Context<'_>) -> Result<ContractReviewPolicy> {
        let a = actor(ctx)?;
        a.authorize(baton_domain::permission::Action::LegalView).gql()?;
        Ok(ContractReviewPolicy(app(ctx).org_settings(a).await.gql()?))
    }

    /// The clause library's active fallback wordings (whoever may read contracts).
    async fn clause_fallbacks(&self, ctx: &Context<'_>) -> Result<Vec<ClauseFallback>> {
        Ok(app(ctx).clause_fallbacks(actor(ctx)?).await.gql()?.into_iter().map(ClauseFallback).collect())
    }
}
