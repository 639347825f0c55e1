//! `blockers(entityId, action)`: the same gates and rules the mutations run, asked without
//! acting. Permission reasons come first, then every unmet rule as `RULE: reason`.

use crate::customer_success::handoffs::{first_payment_policy, gate_package};
use crate::legal::contracts::{drafted_or_edited_by, gate_contract};
use crate::sales::opportunities::stage_of;
use crate::sales::quotes::{gate_quote, limits};
use crate::{Actor, App, AppError};
use baton_domain::contract::{self as contract_rules, ContractStatus, TemplateKind};
use baton_domain::handoff::{self as handoff_rules, HandoffStatus};
use baton_domain::invoice::{self as invoice_rules, InvoiceStatus};
use baton_domain::lead::{self as lead_rules, ConversionFacts, LeadStatus, Priority};
use baton_domain::opportunity::{self as opp_rules, Stage};
use baton_domain::permission::Action;
use baton_domain::permission::split_action;
use baton_domain::quote::{self as quote_rules, QuoteStatus};
use baton_domain::{Role, Rule, Violation};
use baton_store::entity::contact;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

type Verdict = Result<(), Vec<Violation>>;

fn unit<T>(r: Result<T, Vec<Violation>>) -> Verdict {
    r.map(|_| ())
}

/// A check that refuses with `AppError::Rule` (the form the mutations use), as a verdict; any
/// other error stays an error (a FORBIDDEN becomes the permission reasons in `blockers`).
fn ruled<T>(r: Result<T, AppError>) -> Result<Verdict, AppError> {
    match r {
        Ok(_) => Ok(Ok(())),
        Err(AppError::Rule(v)) => Ok(Err(v)),
        Err(e) => Err(e),
    }
}

/// What `entityId` names for an action whose decision is the caller's permission and the
/// row's existence alone (the actions with rules on the row's state have their own verdict).
enum Subject {
    /// The caller's organization: an action that creates something or reads a view, list or
    /// register (`createLead`, `salesView`, `updateOrgSettings`); `entityId` is the
    /// organization's id.
    Organization,
    /// A row of one of these tables in the caller's organization, NOT_FOUND otherwise.
    Row(&'static [&'static str], &'static str),
    /// Not an action `blockers` answers (none today; a new action must choose).
    Other,
}

impl Subject {
    fn of(act: Action) -> Subject {
        use Action::*;
        match act {
            SalesView
            | MarketingView
            | ProductView
            | CustomerSuccessView
            | LegalView
            | FinanceView
            | ReadAuditLog
            | ReadPoolActivity
            | CreateLead
            | ImportAccounts
            | CreateCampaign
            | PublishMessaging
            | ManagePartners
            | ManageTraining
            | PublishReleaseNote
            | ReadComplianceRegister
            | AcknowledgeConduct
            | ReadConductStatus
            | ManageContractPolicy
            | DefineCadence
            | CreateUser
            | CreateTeam
            | UpdateOrgSettings
            | CreateApiToken
            | CreateRole
            | ExplainAccess
            | CreateWebhook
            | ReadWebhooks
            | ExportCsv => Subject::Organization,
            UpdateCampaign => Subject::Row(&["campaigns"], "campaign"),
            MergeFeatureRequests | SetFeatureRequestStatus => Subject::Row(&["feature_requests"], "feature request"),
            RecordTraining => Subject::Row(&["training_programmes"], "training programme"),
            AcknowledgeReleaseNote => Subject::Row(&["release_notes"], "release note"),
            HandleDataSubjectRequest => Subject::Row(&["data_subject_requests"], "data subject request"),
            SetDataResidency => Subject::Row(&["leads", "accounts"], "lead or account"),
            SetUserRoles | DeactivateUser | GrantRole | RevokeRole => Subject::Row(&["users"], "user"),
            AddTeamMember => Subject::Row(&["teams"], "team"),
            RevokeApiToken => Subject::Row(&["api_tokens"], "API token"),
            UpdateRole | RetireRole | ViewAs => Subject::Row(&["custom_roles"], "role"),
            RedeliverWebhook => Subject::Row(&["webhook_deliveries"], "webhook delivery"),
            _ => Subject::Other,
        }
    }
}

impl App {
    /// Every reason the caller cannot do `action` to the entity now; empty when it can.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn blockers(&self, actor: &Actor, entity_id: Uuid, action: &str) -> Result<Vec<String>, AppError> {
        let (name, target) = split_action(action);
        let unknown = || AppError::bad_input("action", format!("`{action}` is not an action blockers can check"));
        let act = Action::from_name(name).ok_or_else(unknown)?;
        let verdict = match self.verdict(actor, entity_id, act, target).await {
            Ok(Some(v)) => v,
            Ok(None) => return Err(unknown()),
            Err(AppError::Forbidden(reasons)) => return Ok(reasons),
            Err(e) => return Err(e),
        };
        Ok(verdict.err().unwrap_or_default().into_iter().map(|v| format!("{}: {}", v.rule, v.reason)).collect())
    }

    async fn verdict(
        &self,
        actor: &Actor,
        id: Uuid,
        act: Action,
        target: Option<&str>,
    ) -> Result<Option<Verdict>, AppError> {
        Ok(Some(match act {
            Action::UpdateLead
            | Action::AssignLead
            | Action::RecordLeadContact
            | Action::QualifyLead
            | Action::DisqualifyLead
            | Action::ConvertLead => self.lead_verdict(actor, id, act).await?,
            Action::MoveOpportunity => self.opportunity_move_verdict(actor, id, act, target).await?,
            Action::CloseOpportunityLost
            | Action::UpdateOpportunity
            | Action::RecordNeedsAnalysis
            | Action::LogActivity
            | Action::CreateQuote
            | Action::DraftContract => self.opportunity_edit_verdict(actor, id, act).await?,
            Action::ApproveQuote | Action::AcceptQuote | Action::UpdateQuote => {
                self.quote_verdict(actor, id, act).await?
            }
            Action::SubmitContractForReview
            | Action::ApproveContract
            | Action::RequestContractChanges
            | Action::SignContract
            | Action::VoidContract
            | Action::UpdateContractClause
            | Action::CreateChangeOrder => self.contract_verdict(actor, id, act).await?,
            Action::UpdateHandoffPackage
            | Action::SubmitHandoffPackage
            | Action::AcceptHandoff
            | Action::ReturnHandoff => self.handoff_verdict(actor, id, act).await?,
            Action::RecordPayment | Action::VoidInvoice => self.invoice_verdict(actor, id, act).await?,
            Action::AddContact
            | Action::RecordUsage
            | Action::OverrideHealth
            | Action::SetAccountTier
            | Action::RecordBusinessReview
            | Action::RecordChurn
            | Action::FlagUpsell => self.account_verdict(actor, id, act).await?,
            Action::UpdateContact => ruled(crate::kernel::gate::contact(&self.db, actor, id, act).await)?,
            Action::RecordWinLossReview => {
                let o = crate::kernel::gate::opportunity(&self.db, actor, id, act).await?;
                ruled(crate::insight::analytics::reviewable(&self.db, &o).await)?
            }
            Action::ApproveGift | Action::RejectGift => {
                let approve = act == Action::ApproveGift;
                ruled(crate::legal::compliance::gift_decision(&self.db, actor, id, approve).await)?
            }
            Action::OptOutOfCadence => ruled(crate::kernel::gate::lead(&self.db, actor, id, act).await)?,
            Action::EnrollInCadence => {
                let l = crate::kernel::gate::lead(&self.db, actor, id, act).await?;
                ruled(crate::marketing::automation::enrollable(&l))?
            }
            Action::ClaimLead => ruled(crate::marketing::automation::claimable(&self.db, actor, id).await)?,
            Action::EmailLead => {
                let l = crate::kernel::gate::lead(&self.db, actor, id, act).await?;
                ruled(crate::marketing::consent::sales_email_to(&self.db, &l).await)?
            }
            Action::RefundPayment => ruled(crate::finance::invoices::gate_payment(&self.db, actor, id).await)?,
            Action::SetQuota => ruled(crate::sales::incentives::gate_quota(&self.db, actor, id).await)?,
            Action::ReadLead => ruled(crate::kernel::gate::lead(&self.db, actor, id, act).await)?,
            Action::ViewAs if crate::kernel::actor::builtin_of(id).is_some() => ruled(actor.authorize(act))?,
            Action::ReadOpportunity => ruled(crate::kernel::gate::opportunity(&self.db, actor, id, act).await)?,
            Action::ReadAccount | Action::RecordGift | Action::FileFeatureRequest => {
                ruled(crate::kernel::gate::account(&self.db, actor, id, act).await)?
            }
            Action::ReadQuote => ruled(gate_quote(&self.db, actor, id, act).await)?,
            Action::ReadContract => ruled(gate_contract(&self.db, actor, id, act).await)?,
            Action::ReadInvoice => ruled(crate::kernel::gate::invoice(&self.db, actor, id, act).await)?,
            Action::ReadHandoffPackage => ruled(gate_package(&self.db, actor, id, act).await)?,
            Action::ManageConsent => {
                let lead = crate::kernel::gate::lead(&self.db, actor, id, act).await;
                match lead {
                    Err(AppError::NotFound(_)) => ruled(crate::kernel::gate::contact(&self.db, actor, id, act).await)?,
                    other => ruled(other)?,
                }
            }
            _ => match Subject::of(act) {
                Subject::Organization => {
                    if id != actor.org_id {
                        return Err(AppError::NotFound("organization"));
                    }
                    ruled(actor.authorize(act))?
                }
                Subject::Row(tables, name) => {
                    actor.authorize(act)?;
                    if !self.row_in_org(tables, id, actor.org_id).await? {
                        return Err(AppError::NotFound(name));
                    }
                    Ok(())
                }
                Subject::Other => return Ok(None),
            },
        }))
    }

    /// True when one of `tables` holds the row `id` in the organization.
    async fn row_in_org(&self, tables: &[&str], id: Uuid, org: Uuid) -> Result<bool, AppError> {
        for table in tables {
            let mut q = crate::kernel::sql::Sql::default();
            let sql =
                format!("SELECT 1 AS n FROM {table} WHERE id = {} AND organization_id = {}", q.bind(id), q.bind(org));
            if q.one(&self.db, &sql).await?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// An action on an account: its gate, and the rules of churn (once) and upsell (to the
    /// account's executive); the other account actions have no rule on the account's state.
    async fn account_verdict(&self, actor: &Actor, id: Uuid, act: Action) -> Result<Verdict, AppError> {
        let a = crate::kernel::gate::account(&self.db, actor, id, act).await?;
        match act {
            Action::RecordChurn => ruled(crate::customer_success::success::not_churned(&a)),
            Action::FlagUpsell => ruled(crate::customer_success::success::upsell_owner(&a)),
            _ => Ok(Ok(())),
        }
    }

    /// A lead action: the lead's status machine (conversion with a valid account executive assumed).
    async fn lead_verdict(&self, actor: &Actor, id: Uuid, act: Action) -> Result<Verdict, AppError> {
        let db = &self.db;
        let lead = crate::kernel::gate::lead(db, actor, id, act).await?;
        let status = crate::kernel::error::stored(&lead.status, LeadStatus::parse, "lead status")?;
        Ok(match act {
            Action::RecordLeadContact => unit(lead_rules::contact(status)),
            Action::QualifyLead => unit(lead_rules::qualify(status)),
            Action::DisqualifyLead => unit(lead_rules::disqualify(status)),
            Action::UpdateLead | Action::AssignLead => lead_rules::edit(status),
            // The account executive is named only when converting; assume a valid one.
            _ => unit(lead_rules::convert(&ConversionFacts {
                status,
                priority: lead.priority.as_deref().and_then(Priority::parse),
                caller_scope: actor.permission(Action::ConvertLead).ok(),
                assignee_roles: &[Role::AccountExecutive],
            })),
        })
    }

    /// `moveOpportunity:<stage>`: the stage machine with the deal's facts.
    async fn opportunity_move_verdict(
        &self,
        actor: &Actor,
        id: Uuid,
        act: Action,
        target: Option<&str>,
    ) -> Result<Verdict, AppError> {
        let db = &self.db;
        let to = target
            .and_then(Stage::parse)
            .ok_or_else(|| AppError::bad_input("action", "name the target stage: `moveOpportunity:NEGOTIATION`"))?;
        let o = crate::kernel::gate::opportunity(db, actor, id, act).await?;
        let facts = self.stage_facts(db, &o).await?;
        Ok(opp_rules::move_to(stage_of(&o)?, to, &facts))
    }

    /// An action on an open deal: it must not be closed.
    async fn opportunity_edit_verdict(&self, actor: &Actor, id: Uuid, act: Action) -> Result<Verdict, AppError> {
        let db = &self.db;
        let o = crate::kernel::gate::opportunity(db, actor, id, act).await?;
        Ok(opp_rules::edit(stage_of(&o)?))
    }

    /// A quote action: its status machine, and for approval the discount limits and separation of duties.
    async fn quote_verdict(&self, actor: &Actor, id: Uuid, act: Action) -> Result<Verdict, AppError> {
        let db = &self.db;
        let (q, _) = gate_quote(db, actor, id, act).await?;
        let status = crate::kernel::error::stored(&q.status, QuoteStatus::parse, "quote status")?;
        Ok(match act {
            Action::ApproveQuote => {
                let org = crate::kernel::tx::load_org(db, actor.org_id).await?;
                quote_rules::approve(
                    status,
                    actor.permission(Action::ApproveQuote).ok(),
                    actor.user_id() == Some(q.created_by),
                    i64::from(q.discount_bp),
                    limits(&org),
                )
            }
            Action::AcceptQuote => quote_rules::accept(status),
            _ => quote_rules::edit(status),
        })
    }

    /// A contract action: its status machine, and for signing the signing facts with any decision maker.
    async fn contract_verdict(&self, actor: &Actor, id: Uuid, act: Action) -> Result<Verdict, AppError> {
        let db = &self.db;
        let (c, o) = gate_contract(db, actor, id, act).await?;
        let status = crate::kernel::error::stored(&c.status, ContractStatus::parse, "contract status")?;
        Ok(match act {
            Action::SubmitContractForReview => unit(contract_rules::submit(status)),
            Action::ApproveContract => unit(contract_rules::approve(status, drafted_or_edited_by(&c, actor))),
            Action::RequestContractChanges => unit(contract_rules::request_changes(status)),
            Action::UpdateContractClause => unit(contract_rules::edit(status)),
            Action::CreateChangeOrder => {
                let kind = crate::kernel::error::stored(&c.kind, TemplateKind::parse, "contract kind")?;
                unit(contract_rules::change_order(status, kind))
            }
            Action::VoidContract => {
                crate::legal::contracts::refuse_signed_void(actor, status)?;
                unit(contract_rules::void(status))
            }
            // The signatory is named only when signing: any decision maker of the account will do.
            _ => {
                let signer = contact::Entity::find()
                    .filter(contact::Column::AccountId.eq(o.account_id))
                    .filter(contact::Column::DecisionMaker.eq(true))
                    .one(db)
                    .await?
                    .map(|c| c.id);
                let facts = self.signing_facts(db, &c, o.account_id, signer).await?;
                unit(contract_rules::sign(facts))
            }
        })
    }

    /// A hand-off action: its status machine, completeness for submitting, the first-payment policy for accepting.
    async fn handoff_verdict(&self, actor: &Actor, id: Uuid, act: Action) -> Result<Verdict, AppError> {
        let db = &self.db;
        let p = gate_package(db, actor, id, act).await?;
        let status = crate::kernel::error::stored(&p.status, HandoffStatus::parse, "hand-off status")?;
        Ok(match act {
            Action::UpdateHandoffPackage => handoff_rules::edit(status),
            Action::SubmitHandoffPackage => {
                let reasons = self.missing_items(db, &p).await?;
                match handoff_rules::edit(status) {
                    Err(v) => Err(v),
                    Ok(()) if reasons.is_empty() => Ok(()),
                    Ok(()) => Err(reasons.into_iter().map(|r| Violation::new(Rule::HandoffIncomplete, r)).collect()),
                }
            }
            Action::AcceptHandoff => {
                let (required, paid) = first_payment_policy(db, actor.org_id, p.contract_id).await?;
                unit(handoff_rules::accept(status, required, paid))
            }
            _ => unit(handoff_rules::give_back(status)),
        })
    }

    /// An invoice action: its status machine.
    async fn invoice_verdict(&self, actor: &Actor, id: Uuid, act: Action) -> Result<Verdict, AppError> {
        let db = &self.db;
        let i = crate::kernel::gate::invoice(db, actor, id, act).await?;
        let status = crate::kernel::error::stored(&i.status, InvoiceStatus::parse, "invoice status")?;
        Ok(match act {
            Action::RecordPayment => invoice_rules::pay(status),
            _ => invoice_rules::void(status, i.paid_minor),
        })
    }
}

#[cfg(test)]
mod tests {
    use baton_domain::permission::split_action;

    #[test]
    fn an_action_splits_into_its_name_and_optional_target() {
        assert_eq!(split_action("moveOpportunity:DEMO"), ("moveOpportunity", Some("DEMO")));
        assert_eq!(split_action("convertLead"), ("convertLead", None));
        assert_eq!(split_action("a:b:c"), ("a", Some("b:c")));
    }
}
