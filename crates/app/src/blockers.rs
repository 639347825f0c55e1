//! `blockers(entityId, action)`: the same gates the mutations run, asked without acting.

use crate::leads::gate_lead;
use crate::{Actor, App, AppError};
use baton_domain::Role;
use baton_domain::lead::{self as rules, ConversionFacts, LeadStatus, Priority};
use baton_domain::permission::Action;
use uuid::Uuid;

impl App {
    /// Every reason the caller cannot do `action` to the entity now; empty when it can.
    pub async fn blockers(&self, actor: &Actor, entity_id: Uuid, action: &str) -> Result<Vec<String>, AppError> {
        let act = Action::from_name(action)
            .filter(|a| {
                matches!(
                    a,
                    Action::UpdateLead
                        | Action::AssignLead
                        | Action::RecordLeadContact
                        | Action::QualifyLead
                        | Action::DisqualifyLead
                        | Action::ConvertLead
                )
            })
            .ok_or_else(|| AppError::bad_input("action", format!("`{action}` is not an action blockers can check")))?;
        let lead = match gate_lead(&self.db, actor, entity_id, act).await {
            Ok(l) => l,
            Err(AppError::Forbidden(reasons)) => return Ok(reasons),
            Err(e) => return Err(e),
        };
        let status = LeadStatus::parse(&lead.status).unwrap_or(LeadStatus::New);
        let verdict = match act {
            Action::RecordLeadContact => rules::contact(status).map(|_| ()),
            Action::QualifyLead => rules::qualify(status).map(|_| ()),
            Action::DisqualifyLead => rules::disqualify(status).map(|_| ()),
            Action::UpdateLead | Action::AssignLead => rules::edit(status),
            // The account executive is named only when converting; assume a valid one.
            _ => rules::convert(&ConversionFacts {
                status,
                priority: lead.priority.as_deref().and_then(Priority::parse),
                caller_roles: &actor.roles,
                assignee_roles: &[Role::AccountExecutive],
            })
            .map(|_| ()),
        };
        Ok(verdict.err().unwrap_or_default().into_iter().map(|v| format!("{}: {}", v.rule, v.reason)).collect())
    }
}
