//! Contracts from templates, the legal review bound to a version, signing (the one transaction
//! that closes the deal and starts finance and customer success), and voiding.

use crate::kernel::error::check_version;
use crate::kernel::events::Event;
use crate::kernel::gate::{self, Access};
use crate::kernel::tx::Versioned;
use crate::kernel::tx::{Counter, next_counter};
use crate::sales::opportunities::stage_of;
use crate::{Actor, App, AppError, kernel::audit};
use baton_domain::contract::{self as rules, ContractStatus, SigningFacts, TemplateKind};
use baton_domain::handoff::HandoffStatus;
use baton_domain::invoice::{self as inv, InvoiceStatus, PaymentSchedule};
use baton_domain::opportunity::{self as opp_rules, Stage};
use baton_domain::permission::Action;
use baton_domain::quote::{PricingModel, QuoteStatus};
use baton_domain::sla::ClockKind;
use baton_domain::text;
use baton_store::entity::{
    change_order, contact, contract, contract_clause, contract_template, delivery_project, handoff_package, invoice,
    opportunity, product, quote, quote_line, subscription, template_clause,
};
use chrono::{DateTime, Months, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// What signing created.
#[derive(Debug, Clone)]
pub struct Signed {
    pub contract: contract::Model,
    pub opportunity: opportunity::Model,
    pub invoices: Vec<invoice::Model>,
    pub handoff: handoff_package::Model,
}

/// Loads a contract (locked on PostgreSQL) through the gate for `action`; a contract belongs to
/// its opportunity's owner.
pub(crate) async fn gate_contract<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<(contract::Model, opportunity::Model), AppError> {
    actor.authorize(action)?;
    let c = contract::Entity::find_by_id(id)
        .filter(contract::Column::OrganizationId.eq(actor.org_id))
        .lock_exclusive()
        .one(db)
        .await?;
    let opp = match &c {
        Some(c) => opportunity::Entity::find_by_id(c.opportunity_id).one(db).await?,
        None => None,
    };
    gate::check(actor, action, Action::ReadContract, "contract", c.zip(opp), |(_, o)| {
        Access::owned_by(Some(o.owner_id))
    })
}

fn status_of(c: &contract::Model) -> Result<ContractStatus, AppError> {
    crate::kernel::error::stored(&c.status, ContractStatus::parse, "contract status")
}

/// True when the caller drafted the contract or edited a version since the last approval.
pub(crate) fn drafted_or_edited_by(c: &contract::Model, actor: &Actor) -> bool {
    let me = actor.principal_id();
    c.created_by == me || c.editors.split(',').any(|e| e == me.to_string())
}

fn with_editor(editors: &str, who: Uuid) -> String {
    let who = who.to_string();
    if editors.split(',').any(|e| e == who) {
        editors.to_owned()
    } else if editors.is_empty() {
        who
    } else {
        format!("{editors},{who}")
    }
}

/// Saves a contract with its version bumped.
async fn save<C: ConnectionTrait>(
    db: &C,
    mut am: contract::ActiveModel,
    version: i32,
) -> Result<contract::Model, AppError> {
    am.bump(version, Utc::now());
    Ok(am.update(db).await?)
}

impl App {
    /// `draftContract`: copies the template's clauses; the value, term and currency come from
    /// the quote.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn draft_contract(
        &self,
        actor: &Actor,
        opportunity_id: Uuid,
        template_id: Uuid,
        quote_id: Uuid,
        schedule: Option<PaymentSchedule>,
    ) -> Result<contract::Model, AppError> {
        let txn = self.tx().await?;
        let opp = crate::kernel::gate::opportunity(&txn, actor, opportunity_id, Action::DraftContract).await?;
        opp_rules::edit(stage_of(&opp)?).map_err(AppError::Rule)?;
        let template = contract_template::Entity::find_by_id(template_id)
            .filter(contract_template::Column::OrganizationId.eq(actor.org_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("contract template"))?;
        let q = quote::Entity::find_by_id(quote_id)
            .filter(quote::Column::OrganizationId.eq(actor.org_id))
            .filter(quote::Column::OpportunityId.eq(opp.id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("quote"))?;
        let kind = crate::kernel::error::stored(&template.kind, TemplateKind::parse, "contract kind")?;
        let schedule = schedule.unwrap_or(match kind {
            TemplateKind::SaasServiceAgreement => PaymentSchedule::Annual,
            TemplateKind::CustomDevelopment => PaymentSchedule::Milestones,
        });
        let author = actor.person(Action::DraftContract)?;
        let now = Utc::now();
        let c = contract::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            opportunity_id: Set(opp.id),
            quote_id: Set(q.id),
            template_id: Set(template.id),
            kind: Set(template.kind.clone()),
            status: Set(ContractStatus::Draft.as_str().to_owned()),
            payment_schedule: Set(schedule.as_str().to_owned()),
            value_minor: Set(q.total_minor),
            currency: Set(q.currency.clone()),
            term_months: Set(q.term_months),
            created_by: Set(author),
            editors: Set(author.to_string()),
            submitted_at: Set(None),
            approved_version: Set(None),
            approved_by: Set(None),
            approved_at: Set(None),
            review_note: Set(None),
            changes_comments: Set(None),
            signed_at: Set(None),
            signatory_contact_id: Set(None),
            void_reason: Set(None),
            approved_by_policy: Set(false),
            review_reasons: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let clauses = template_clause::Entity::find()
            .filter(template_clause::Column::TemplateId.eq(template.id))
            .order_by_asc(template_clause::Column::Position)
            .all(&txn)
            .await?;
        for t in clauses {
            contract_clause::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(actor.org_id),
                contract_id: Set(c.id),
                key: Set(t.key.clone()),
                text: Set(t.text.clone()),
                template_text: Set(t.text),
                position: Set(t.position),
            }
            .insert(&txn)
            .await?;
        }
        audit::commit(txn, actor, audit::Entry::new("draftContract", "contract", c.id, None::<&()>, Some(&c))).await?;
        Ok(c)
    }

    /// `updateContractClause`: a new version, back in DRAFT; the editor can no longer approve it.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn update_contract_clause(
        &self,
        actor: &Actor,
        id: Uuid,
        key: &str,
        text_in: &str,
        expected_version: i32,
    ) -> Result<contract::Model, AppError> {
        let body = text::required_long(text_in).map_err(AppError::text("text"))?;
        let key = text::required_short(key).map_err(AppError::text("clauseKey"))?;
        let txn = self.tx().await?;
        let (before, _) = gate_contract(&txn, actor, id, Action::UpdateContractClause).await?;
        check_version(Some(expected_version), before.version)?;
        let to = rules::edit(status_of(&before)?).map_err(AppError::Rule)?;
        let clause = contract_clause::Entity::find()
            .filter(contract_clause::Column::ContractId.eq(id))
            .filter(contract_clause::Column::Key.eq(key.clone()))
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::bad_input("clauseKey", format!("the contract has no clause `{key}`")))?;
        let mut cam = clause.into_active_model();
        cam.text = Set(body);
        cam.update(&txn).await?;
        let mut am = before.clone().into_active_model();
        am.status = Set(to.as_str().to_owned());
        am.editors = Set(with_editor(&before.editors, actor.principal_id()));
        let after = save(&txn, am, before.version).await?;
        audit::record(&txn, actor.org_id, actor, "updateContractClause", "contract", id, Some(&before), Some(&after))
            .await?;
        crate::kernel::sla::stop_clocks(&txn, id, ClockKind::LegalReview).await?;
        txn.commit().await?;
        if status_of(&before)? == ContractStatus::InLegalReview {
            self.events.publish(Event::LegalQueueChanged { org: actor.org_id, contract_id: id });
        }
        Ok(after)
    }

    /// `submitContractForReview`: into the legal approval queue, with the policy's reasons; a
    /// version the policy needs no review for is approved by the policy on the spot.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn submit_contract(&self, actor: &Actor, id: Uuid) -> Result<contract::Model, AppError> {
        let txn = self.tx().await?;
        let (before, _) = gate_contract(&txn, actor, id, Action::SubmitContractForReview).await?;
        let to = rules::submit(status_of(&before)?).map_err(AppError::Rule)?;
        let reasons = crate::legal::governance::reasons_for(&txn, &before).await?;
        let now = Utc::now();
        let mut am = before.clone().into_active_model();
        am.submitted_at = Set(Some(now));
        am.review_reasons = Set(Some(reasons.join(",")));
        let by_policy = reasons.is_empty();
        if by_policy {
            am.status = Set(ContractStatus::Approved.as_str().to_owned());
            am.approved_by = Set(None);
            am.approved_at = Set(Some(now));
            am.approved_version = Set(Some(before.version + 1));
            am.approved_by_policy = Set(true);
        } else {
            am.status = Set(to.as_str().to_owned());
        }
        let after = save(&txn, am, before.version).await?;
        audit::record(
            &txn,
            actor.org_id,
            actor,
            "submitContractForReview",
            "contract",
            id,
            Some(&before),
            Some(&after),
        )
        .await?;
        if by_policy {
            let why = serde_json::json!({ "approvedVersion": after.approved_version, "reviewReasons": [] });
            audit::commit(
                txn,
                actor,
                audit::Entry::new("approveContractByPolicy", "contract", id, None::<&()>, Some(&why)),
            )
            .await?;
            return Ok(after);
        }
        crate::kernel::sla::start_clock(
            &txn,
            actor.org_id,
            ClockKind::LegalReview,
            "contract",
            id,
            None,
            "Review contract",
        )
        .await?;
        txn.commit().await?;
        self.events.publish(Event::LegalQueueChanged { org: actor.org_id, contract_id: id });
        Ok(after)
    }

    /// `approveContract`: legal approves exactly the version it saw (`expectedVersion`).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn approve_contract(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i32,
        note: Option<String>,
    ) -> Result<contract::Model, AppError> {
        let note = text::optional(note.as_deref(), text::LONG_TEXT_MAX).map_err(AppError::text("note"))?;
        let txn = self.tx().await?;
        let (before, _) = gate_contract(&txn, actor, id, Action::ApproveContract).await?;
        check_version(Some(expected_version), before.version)?;
        let to = rules::approve(status_of(&before)?, drafted_or_edited_by(&before, actor)).map_err(AppError::Rule)?;
        let mut am = before.clone().into_active_model();
        am.status = Set(to.as_str().to_owned());
        am.approved_by = Set(Some(actor.principal_id()));
        am.approved_at = Set(Some(Utc::now()));
        am.approved_version = Set(Some(before.version + 1));
        am.approved_by_policy = Set(false);
        am.review_note = Set(note);
        // The approved text was vetted by someone other than its editors: later versions are
        // judged by who edits them from here on (the drafter stays excluded for good).
        am.editors = Set(String::new());
        let after = save(&txn, am, before.version).await?;
        audit::record(&txn, actor.org_id, actor, "approveContract", "contract", id, Some(&before), Some(&after))
            .await?;
        crate::kernel::sla::stop_clocks(&txn, id, ClockKind::LegalReview).await?;
        txn.commit().await?;
        self.events.publish(Event::LegalQueueChanged { org: actor.org_id, contract_id: id });
        Ok(after)
    }

    /// `requestContractChanges`: back to the account executive with comments.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn request_contract_changes(
        &self,
        actor: &Actor,
        id: Uuid,
        comments: &str,
    ) -> Result<contract::Model, AppError> {
        let comments = text::required_long(comments).map_err(AppError::text("comments"))?;
        let txn = self.tx().await?;
        let (before, _) = gate_contract(&txn, actor, id, Action::RequestContractChanges).await?;
        let to = rules::request_changes(status_of(&before)?).map_err(AppError::Rule)?;
        let mut am = before.clone().into_active_model();
        am.status = Set(to.as_str().to_owned());
        am.changes_comments = Set(Some(comments));
        let after = save(&txn, am, before.version).await?;
        audit::record(&txn, actor.org_id, actor, "requestContractChanges", "contract", id, Some(&before), Some(&after))
            .await?;
        crate::kernel::sla::stop_clocks(&txn, id, ClockKind::LegalReview).await?;
        txn.commit().await?;
        self.events.publish(Event::LegalQueueChanged { org: actor.org_id, contract_id: id });
        Ok(after)
    }

    /// `voidContract`: the account executive before signing, legal after (see
    /// [`refuse_signed_void`]).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn void_contract(&self, actor: &Actor, id: Uuid, reason: &str) -> Result<contract::Model, AppError> {
        let reason = text::required_long(reason).map_err(AppError::text("reason"))?;
        let txn = self.tx().await?;
        let (before, _) = gate_contract(&txn, actor, id, Action::VoidContract).await?;
        let status = status_of(&before)?;
        refuse_signed_void(actor, status)?;
        let to = rules::void(status).map_err(AppError::Rule)?;
        let mut am = before.clone().into_active_model();
        am.status = Set(to.as_str().to_owned());
        am.void_reason = Set(Some(reason));
        let after = save(&txn, am, before.version).await?;
        // Invoices not yet issued will never be.
        let scheduled = invoice::Entity::find()
            .filter(invoice::Column::ContractId.eq(id))
            .filter(invoice::Column::Status.eq(InvoiceStatus::Scheduled.as_str()))
            .all(&txn)
            .await?;
        for i in scheduled {
            let mut iam = i.clone().into_active_model();
            iam.status = Set(InvoiceStatus::Void.as_str().to_owned());
            iam.void_reason = Set(Some("the contract was voided".into()));
            iam.bump(i.version, Utc::now());
            let ia = iam.update(&txn).await?;
            audit::record(&txn, actor.org_id, actor, "voidContract", "invoice", i.id, Some(&i), Some(&ia)).await?;
        }
        audit::record(&txn, actor.org_id, actor, "voidContract", "contract", id, Some(&before), Some(&after)).await?;
        crate::kernel::sla::stop_clocks(&txn, id, ClockKind::LegalReview).await?;
        txn.commit().await?;
        if status == ContractStatus::InLegalReview {
            self.events.publish(Event::LegalQueueChanged { org: actor.org_id, contract_id: id });
        }
        Ok(after)
    }

    /// The facts the signing gates look at.
    pub(crate) async fn signing_facts<C: ConnectionTrait>(
        &self,
        db: &C,
        c: &contract::Model,
        account_id: Uuid,
        signatory: Option<Uuid>,
    ) -> Result<SigningFacts, AppError> {
        let q = quote::Entity::find_by_id(c.quote_id).one(db).await?;
        let signer = match signatory {
            Some(s) => {
                contact::Entity::find_by_id(s)
                    .filter(contact::Column::OrganizationId.eq(c.organization_id))
                    .filter(contact::Column::AccountId.eq(account_id))
                    .one(db)
                    .await?
            }
            None => None,
        };
        Ok(SigningFacts {
            status: status_of(c)?,
            version: c.version,
            approved_version: c.approved_version,
            quote_accepted: q.is_some_and(|q| q.status == QuoteStatus::Accepted.as_str()),
            signatory_is_decision_maker: signer.is_some_and(|s| s.decision_maker),
            pending_gifts: baton_store::entity::gift::Entity::find()
                .filter(baton_store::entity::gift::Column::OpportunityId.eq(c.opportunity_id))
                .filter(baton_store::entity::gift::Column::Status.eq("PENDING_APPROVAL"))
                .all(db)
                .await?
                .len(),
        })
    }

    /// `signContract`: in one transaction the contract is SIGNED, the opportunity CLOSED_WON,
    /// the invoices of the payment schedule created (the first issued now), the subscription or
    /// delivery project created, and the hand-off package drafted from the deal.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn sign_contract(&self, actor: &Actor, id: Uuid, signatory_contact_id: Uuid) -> Result<Signed, AppError> {
        let txn = self.tx().await?;
        let (before, opp) = gate_contract(&txn, actor, id, Action::SignContract).await?;
        let signer = contact::Entity::find_by_id(signatory_contact_id)
            .filter(contact::Column::OrganizationId.eq(actor.org_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("contact"))?;
        let facts = self.signing_facts(&txn, &before, opp.account_id, Some(signer.id)).await?;
        rules::sign(facts).map_err(AppError::Rule)?;
        let signing = Signing { txn: &txn, actor, contract: &before, deal: &opp, now: Utc::now() };
        let signed = signing.mark_signed(signer.id).await?;
        let won = signing.close_deal_won().await?;
        signing.reward_referral().await?;
        let invoices = signing.issue_invoices().await?;
        signing.start_delivery().await?;
        let handoff = signing.open_handoff(signer.id).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("signContract", "handoff_package", handoff.id, None::<&()>, Some(&handoff)),
        )
        .await?;
        Ok(Signed { contract: signed, opportunity: won, invoices, handoff })
    }

    /// `contract(id)` under the caller's scope.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn contract(&self, actor: &Actor, id: Uuid) -> Result<contract::Model, AppError> {
        Ok(self.readable_contract(actor, id).await?.0)
    }

    /// A contract the caller may read, with the deal its reach was judged by.
    async fn readable_contract(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(contract::Model, opportunity::Model), AppError> {
        let c = contract::Entity::find_by_id(id)
            .filter(contract::Column::OrganizationId.eq(actor.org_id))
            .one(&self.db)
            .await?;
        let opp = match &c {
            Some(c) => opportunity::Entity::find_by_id(c.opportunity_id).one(&self.db).await?,
            None => None,
        };
        match c.zip(opp) {
            Some((c, o)) if gate::reaches(actor, Action::ReadContract, Access::owned_by(Some(o.owner_id))) => {
                Ok((c, o))
            }
            _ => Err(AppError::NotFound("contract")),
        }
    }

    /// The deal and the quote behind a contract, for whoever may read the contract: legal
    /// reviews a contract with its customer, the deal's value and stage, and the quote it prices
    /// from in view, without reading the rest of the pipeline (the `opportunity` and `quote`
    /// getters still answer NOT_FOUND to it).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn contract_deal(
        &self,
        actor: &Actor,
        contract_id: Uuid,
    ) -> Result<(opportunity::Model, Option<quote::Model>), AppError> {
        let (c, o) = self.readable_contract(actor, contract_id).await?;
        let q = quote::Entity::find_by_id(c.quote_id)
            .filter(quote::Column::OrganizationId.eq(actor.org_id))
            .one(&self.db)
            .await?;
        Ok((o, q))
    }

    /// The clauses of contracts, for the API's batch loader.
    #[tracing::instrument(skip_all)]
    pub async fn clauses_of(&self, org: Uuid, contract_ids: &[Uuid]) -> Result<Vec<contract_clause::Model>, AppError> {
        Ok(contract_clause::Entity::find()
            .filter(contract_clause::Column::OrganizationId.eq(org))
            .filter(contract_clause::Column::ContractId.is_in(contract_ids.iter().copied()))
            .order_by_asc(contract_clause::Column::Position)
            .all(&self.db)
            .await?)
    }

    /// Contracts of opportunities, for the API's batch loader (callers pass authorized ids).
    #[tracing::instrument(skip_all)]
    pub async fn contracts_of_opportunities(&self, org: Uuid, ids: &[Uuid]) -> Result<Vec<contract::Model>, AppError> {
        Ok(contract::Entity::find()
            .filter(contract::Column::OrganizationId.eq(org))
            .filter(contract::Column::OpportunityId.is_in(ids.iter().copied()))
            .order_by_asc(contract::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// The legal approval queue: contracts in review, filtered, in the request's order (oldest
    /// submission first by default).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn approval_queue(
        &self,
        actor: &Actor,
        filter: &crate::kernel::scope::ContractFilter,
        req: crate::kernel::page::PageRequest,
    ) -> Result<crate::kernel::page::Page<contract::Model>, AppError> {
        use crate::kernel::page::{KeyValue, Sort, SortKey};
        use contract::Column as C;
        use sea_orm::sea_query::Expr;
        // A contract in review was submitted: the submission time is always there to sort by.
        let mut q = contract::Entity::find()
            .filter(C::OrganizationId.eq(actor.org_id))
            .filter(C::Status.eq(ContractStatus::InLegalReview.as_str()))
            .filter(C::SubmittedAt.is_not_null());
        if let Some(v) = filter.value_at_least {
            q = q.filter(C::ValueMinor.gte(v));
        }
        if let Some(v) = filter.value_at_most {
            q = q.filter(C::ValueMinor.lte(v));
        }
        if let Some(t) = filter.submitted_after {
            q = q.filter(C::SubmittedAt.gte(t));
        }
        if let Some(t) = filter.submitted_before {
            q = q.filter(C::SubmittedAt.lt(t));
        }
        let q = self.narrowed(q, actor.org_id, &filter.common, (None, C::CreatedAt, C::UpdatedAt), &[]).await?;
        let sorts = [
            Sort {
                key: SortKey::Submitted,
                expr: || Expr::col(C::SubmittedAt),
                value: |c: &contract::Model| KeyValue::Time(c.submitted_at.unwrap_or(c.created_at)),
            },
            Sort {
                key: SortKey::Updated,
                expr: || Expr::col(C::UpdatedAt),
                value: |c: &contract::Model| KeyValue::Time(c.updated_at),
            },
            Sort {
                key: SortKey::Value,
                expr: || Expr::col(C::ValueMinor),
                value: |c: &contract::Model| KeyValue::Int(c.value_minor),
            },
        ];
        crate::kernel::page::sorted(&self.db, q, C::Id, &sorts, req).await
    }
}

impl App {
    /// `createChangeOrder`: a paid change against a signed custom-development contract; its
    /// invoice is issued at once with the next number.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn create_change_order(
        &self,
        actor: &Actor,
        contract_id: Uuid,
        description: &str,
        amount: rust_decimal::Decimal,
        currency: &str,
    ) -> Result<(change_order::Model, invoice::Model), AppError> {
        let description = text::required_long(description).map_err(AppError::text("description"))?;
        let money =
            baton_domain::Money::parse_non_negative(amount, currency).map_err(|m| AppError::bad_input("amount", m))?;
        if money.amount.is_zero() {
            return Err(AppError::bad_input("amount", "must be positive"));
        }
        let minor = crate::kernel::money::minor("amount", &money)?;
        let txn = self.tx().await?;
        let (c, opp) = gate_contract(&txn, actor, contract_id, Action::CreateChangeOrder).await?;
        rules::change_order(
            status_of(&c)?,
            crate::kernel::error::stored(&c.kind, TemplateKind::parse, "contract kind")?,
        )
        .map_err(AppError::Rule)?;
        if money.currency.as_str() != c.currency {
            return Err(AppError::bad_input("amount", format!("the contract is in {}", c.currency)));
        }
        let author = actor.person(Action::CreateChangeOrder)?;
        let now = Utc::now();
        let today = now.date_naive();
        let sequence = invoice::Entity::find()
            .filter(invoice::Column::ContractId.eq(c.id))
            .all(&txn)
            .await?
            .iter()
            .map(|i| i.sequence)
            .max()
            .unwrap_or(0)
            + 1;
        let number = next_counter(&txn, actor.org_id, Counter::Invoice).await?;
        let i = invoice::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            contract_id: Set(c.id),
            account_id: Set(opp.account_id),
            opportunity_id: Set(opp.id),
            number: Set(Some(number)),
            sequence: Set(sequence),
            status: Set(InvoiceStatus::Issued.as_str().to_owned()),
            amount_minor: Set(minor),
            paid_minor: Set(0),
            currency: Set(c.currency.clone()),
            issue_on: Set(today),
            due_on: Set(today.checked_add_days(chrono::Days::new(inv::NET_DAYS)).unwrap_or(today)),
            issued_at: Set(Some(now)),
            void_reason: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let co = change_order::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            contract_id: Set(c.id),
            invoice_id: Set(i.id),
            description: Set(description),
            amount_minor: Set(minor),
            currency: Set(c.currency.clone()),
            created_by: Set(author),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        audit::record(&txn, actor.org_id, actor, "createChangeOrder", "change_order", co.id, None::<&()>, Some(&co))
            .await?;
        audit::commit(txn, actor, audit::Entry::new("createChangeOrder", "invoice", i.id, None::<&()>, Some(&i)))
            .await?;
        Ok((co, i))
    }

    /// The change orders of a contract the caller may read.
    #[tracing::instrument(skip_all)]
    pub async fn change_orders_of(&self, org: Uuid, contract_id: Uuid) -> Result<Vec<change_order::Model>, AppError> {
        Ok(change_order::Entity::find()
            .filter(change_order::Column::OrganizationId.eq(org))
            .filter(change_order::Column::ContractId.eq(contract_id))
            .order_by_asc(change_order::Column::Id)
            .all(&self.db)
            .await?)
    }
}

/// A signed contract is voided only by a caller who voids contracts organization-wide (LEGAL
/// among the built-in roles, or a custom role granted `voidContract` at ORG): the account
/// executive's own-scope grant covers contracts before signature. One rule for the mutation
/// and for `blockers`, read from the permission table rather than from a role's name.
pub(crate) fn refuse_signed_void(actor: &crate::Actor, status: ContractStatus) -> Result<(), AppError> {
    if status == ContractStatus::Signed && actor.permission(Action::VoidContract).ok() != Some(baton_domain::Scope::Org)
    {
        return Err(AppError::Forbidden(vec![
            "a signed contract is voided only by a caller who voids contracts organization-wide (LEGAL)".into(),
        ]));
    }
    Ok(())
}

/// What signing a contract sets off, one named step each, all in the signing's transaction and
/// audited as `signContract`: the contract signed, the deal won, the referral rewarded, the
/// invoices of the payment schedule, the delivery (a project for custom development, a
/// subscription otherwise), and the takeover package for customer success.
struct Signing<'a> {
    txn: &'a DatabaseTransaction,
    actor: &'a Actor,
    contract: &'a contract::Model,
    deal: &'a opportunity::Model,
    now: DateTime<Utc>,
}

impl Signing<'_> {
    async fn audit<A: serde::Serialize>(
        &self,
        entity: &str,
        id: Uuid,
        before: Option<&A>,
        after: &A,
    ) -> Result<(), AppError> {
        let actor = self.actor;
        audit::record(self.txn, actor.org_id, actor, "signContract", entity, id, before, Some(after)).await?;
        Ok(())
    }

    /// The contract, signed by `signer` now.
    async fn mark_signed(&self, signer: Uuid) -> Result<contract::Model, AppError> {
        let mut am = self.contract.clone().into_active_model();
        am.status = Set(ContractStatus::Signed.as_str().to_owned());
        am.signed_at = Set(Some(self.now));
        am.signatory_contact_id = Set(Some(signer));
        let signed = save(self.txn, am, self.contract.version).await?;
        self.audit("contract", signed.id, Some(self.contract), &signed).await?;
        Ok(signed)
    }

    /// The deal, closed won.
    async fn close_deal_won(&self) -> Result<opportunity::Model, AppError> {
        let opp = self.deal;
        let mut am = opp.clone().into_active_model();
        am.stage = Set(Stage::ClosedWon.as_str().to_owned());
        am.closed_at = Set(Some(self.now));
        am.bump(opp.version, self.now);
        let won = am.update(self.txn).await?;
        self.audit("opportunity", opp.id, Some(opp), &won).await?;
        Ok(won)
    }

    /// The referral reward the deal earns its referrer, when it came from a referral.
    async fn reward_referral(&self) -> Result<(), AppError> {
        let org = crate::kernel::tx::load_org(self.txn, self.actor.org_id).await?;
        let reward =
            crate::customer_success::success::reward_referral(self.txn, &org, self.deal.lead_id, self.deal.id).await?;
        if let Some(r) = reward {
            self.audit("referral_reward", r.id, None, &r).await?;
        }
        Ok(())
    }

    /// The invoices of the contract's payment schedule: the first issued now with its number
    /// and a first-payment clock for the deal's owner, the others scheduled.
    async fn issue_invoices(&self) -> Result<Vec<invoice::Model>, AppError> {
        let (c, opp, now) = (self.contract, self.deal, self.now);
        let kind = crate::kernel::error::stored(&c.payment_schedule, PaymentSchedule::parse, "payment schedule")?;
        let unit = crate::kernel::money::ledger_unit_of(&c.currency);
        let plan =
            inv::schedule(kind, c.value_minor, unit, u32::try_from(c.term_months).unwrap_or(0), now.date_naive());
        let mut invoices = Vec::with_capacity(plan.len());
        for step in plan {
            let first = step.sequence == 1;
            let number =
                if first { Some(next_counter(self.txn, self.actor.org_id, Counter::Invoice).await?) } else { None };
            let i = invoice::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(self.actor.org_id),
                contract_id: Set(c.id),
                account_id: Set(opp.account_id),
                opportunity_id: Set(opp.id),
                number: Set(number),
                sequence: Set(step.sequence),
                status: Set(if first { InvoiceStatus::Issued } else { InvoiceStatus::Scheduled }.as_str().to_owned()),
                amount_minor: Set(step.amount_minor),
                paid_minor: Set(0),
                currency: Set(c.currency.clone()),
                issue_on: Set(step.issue_on),
                due_on: Set(step.due_on),
                issued_at: Set(first.then_some(now)),
                void_reason: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(self.txn)
            .await?;
            self.audit("invoice", i.id, None, &i).await?;
            if first {
                let due = i.due_on.and_hms_opt(23, 59, 59).map(|d| d.and_utc()).unwrap_or(now);
                crate::kernel::sla::start_clock_until(
                    self.txn,
                    self.actor.org_id,
                    ClockKind::FirstPayment,
                    ("invoice", i.id),
                    opp.owner_id,
                    due,
                    &format!("Follow up the first payment of {}", opp.name),
                )
                .await?;
            }
            invoices.push(i);
        }
        Ok(invoices)
    }

    /// What the customer gets: a delivery project for custom development; otherwise a
    /// subscription for the contract's term, with the seats and tier of its per-seat line.
    async fn start_delivery(&self) -> Result<(), AppError> {
        let (c, now) = (self.contract, self.now);
        if TemplateKind::parse(&c.kind) == Some(TemplateKind::CustomDevelopment) {
            let p = delivery_project::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(self.actor.org_id),
                account_id: Set(self.deal.account_id),
                contract_id: Set(c.id),
                status: Set("PLANNED".into()),
                created_at: Set(now),
            }
            .insert(self.txn)
            .await?;
            return self.audit("delivery_project", p.id, None, &p).await;
        }
        let lines = quote_line::Entity::find().filter(quote_line::Column::QuoteId.eq(c.quote_id)).all(self.txn).await?;
        let products = product::Entity::find()
            .filter(product::Column::Id.is_in(lines.iter().map(|l| l.product_id)))
            .all(self.txn)
            .await?;
        let seat = lines.iter().find_map(|l| {
            products
                .iter()
                .find(|p| p.id == l.product_id && p.pricing_model == PricingModel::PerSeat.as_str())
                .map(|p| (l, p))
        });
        let term = c.term_months.max(1);
        let today = now.date_naive();
        let s = subscription::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(self.actor.org_id),
            account_id: Set(self.deal.account_id),
            contract_id: Set(c.id),
            tier: Set(seat.and_then(|(_, p)| p.tier.clone())),
            seats: Set(seat.map(|(l, _)| l.quantity).unwrap_or(0)),
            start_on: Set(today),
            end_on: Set(today.checked_add_months(Months::new(u32::try_from(term).unwrap_or(12))).unwrap_or(today)),
            // A month's share of the value, cut down to the currency's unit (whole yen for JPY).
            mrr_minor: Set({
                let unit = crate::kernel::money::ledger_unit_of(&c.currency);
                c.value_minor / (i64::from(term) * unit) * unit
            }),
            currency: Set(c.currency.clone()),
            status: Set("ACTIVE".into()),
            created_at: Set(now),
        }
        .insert(self.txn)
        .await?;
        self.audit("subscription", s.id, None, &s).await
    }

    /// The takeover package, a draft for the deal's owner to complete, with the deal's needs
    /// analysis and the signer as kick-off contact. Its audit row is the signing's commit.
    async fn open_handoff(&self, signer: Uuid) -> Result<handoff_package::Model, AppError> {
        let (opp, now) = (self.deal, self.now);
        Ok(handoff_package::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(self.actor.org_id),
            account_id: Set(opp.account_id),
            opportunity_id: Set(opp.id),
            contract_id: Set(self.contract.id),
            status: Set(HandoffStatus::Draft.as_str().to_owned()),
            needs_document: Set(opp.needs_analysis.clone()),
            special_requirements: Set(None),
            success_criteria: Set(None),
            kickoff_contact_id: Set(Some(signer)),
            return_reason: Set(None),
            submitted_at: Set(None),
            accepted_at: Set(None),
            accepted_by: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(self.txn)
        .await?)
    }
}
