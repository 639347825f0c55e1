//! The opportunity pipeline: DISCOVERY -> NEEDS_ANALYSIS -> DEMO -> PROPOSAL -> NEGOTIATION ->
//! CONTRACTING -> CLOSED_WON (only by signing), or CLOSED_LOST (with a reason) from any open stage.

use crate::lead::string_enum;
use crate::rule::Rule;
use crate::violation::{Violation, check};

string_enum!(
    /// A sales stage.
    Stage {
        Discovery = "DISCOVERY",
        NeedsAnalysis = "NEEDS_ANALYSIS",
        Demo = "DEMO",
        Proposal = "PROPOSAL",
        Negotiation = "NEGOTIATION",
        Contracting = "CONTRACTING",
        ClosedWon = "CLOSED_WON",
        ClosedLost = "CLOSED_LOST",
    }
);

string_enum!(
    /// A contact's part in the customer's decision chain.
    ContactRole { It = "IT", Business = "BUSINESS", Executive = "EXECUTIVE", Procurement = "PROCUREMENT", Other = "OTHER" }
);

string_enum!(
    /// What kind of activity was logged on an opportunity.
    ActivityKind { Call = "CALL", Email = "EMAIL", Meeting = "MEETING", Demo = "DEMO", Visit = "VISIT" }
);

impl Stage {
    /// The position of an open stage in the pipeline; closed stages have none.
    pub fn position(self) -> Option<usize> {
        [Stage::Discovery, Stage::NeedsAnalysis, Stage::Demo, Stage::Proposal, Stage::Negotiation, Stage::Contracting]
            .iter()
            .position(|s| *s == self)
    }

    pub fn is_open(self) -> bool {
        self.position().is_some()
    }
}

/// What the stage gates look at.
#[derive(Debug, Clone, Default)]
pub struct StageFacts {
    pub has_needs_analysis: bool,
    pub has_demo_activity: bool,
    /// A quote in APPROVED or ACCEPTED status.
    pub has_approved_quote: bool,
    pub has_accepted_quote: bool,
    /// The estimated value is at or above the organization's enterprise threshold.
    pub is_enterprise: bool,
    /// The roles covered by the account's contacts.
    pub contact_roles: Vec<ContactRole>,
}

/// The gates of a stage move. Backward moves between open stages are allowed (a deal can slip
/// back); forward moves go one stage at a time and need the target stage's conditions.
pub fn move_to(from: Stage, to: Stage, f: &StageFacts) -> Result<(), Vec<Violation>> {
    let gate = |reason: &str| Violation::new(Rule::StageGate, reason);
    let mut v = Vec::new();
    let (Some(a), Some(b)) = (from.position(), to.position()) else {
        v.push(match (from.is_open(), to) {
            (false, _) => gate(&format!("the opportunity is closed ({})", from.as_str())),
            (true, Stage::ClosedWon) => gate("an opportunity is won only by signing its contract"),
            _ => gate("an opportunity is lost only through closeOpportunityLost, with a reason"),
        });
        return check(v);
    };
    if b == a {
        v.push(gate(&format!("the opportunity is already in {}", to.as_str())));
    } else if b > a + 1 {
        v.push(gate(&format!(
            "stages cannot be skipped: the next stage after {} is {:?}",
            from.as_str(),
            next_name(a)
        )));
    }
    if b > a {
        if b >= Stage::Demo.position().unwrap_or(2) && !f.has_needs_analysis {
            v.push(gate("DEMO needs a needs-analysis report (recordNeedsAnalysis)"));
        }
        if b >= Stage::Proposal.position().unwrap_or(3) && !f.has_demo_activity {
            v.push(gate("PROPOSAL needs a logged demo (logActivity with kind DEMO)"));
        }
        if b >= Stage::Negotiation.position().unwrap_or(4) {
            if !f.has_approved_quote {
                v.push(gate("NEGOTIATION needs an approved quote"));
            }
            if f.is_enterprise {
                for (role, word) in [
                    (ContactRole::It, "an IT"),
                    (ContactRole::Business, "a business"),
                    (ContactRole::Executive, "an executive"),
                ] {
                    if !f.contact_roles.contains(&role) {
                        v.push(gate(&format!(
                            "at or above the enterprise threshold the decision chain needs {word} contact"
                        )));
                    }
                }
            }
        }
        if b >= Stage::Contracting.position().unwrap_or(5) && !f.has_accepted_quote {
            v.push(gate("CONTRACTING needs an accepted quote"));
        }
    }
    check(v)
}

fn next_name(pos: usize) -> &'static str {
    [Stage::NeedsAnalysis, Stage::Demo, Stage::Proposal, Stage::Negotiation, Stage::Contracting]
        .get(pos)
        .map(|s| s.as_str())
        .unwrap_or("none")
}

/// An open opportunity may be closed as lost, with a reason.
pub fn close_lost(from: Stage) -> Result<(), Vec<Violation>> {
    if from.is_open() {
        Ok(())
    } else {
        Err(vec![Violation::new(Rule::StageGate, format!("the opportunity is already closed ({})", from.as_str()))])
    }
}

/// Facts of an open opportunity may be edited; a closed one is history.
pub fn edit(stage: Stage) -> Result<(), Vec<Violation>> {
    close_lost(stage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;

    fn all_met() -> StageFacts {
        StageFacts {
            has_needs_analysis: true,
            has_demo_activity: true,
            has_approved_quote: true,
            has_accepted_quote: true,
            is_enterprise: true,
            contact_roles: vec![ContactRole::It, ContactRole::Business, ContactRole::Executive],
        }
    }

    fn reasons(r: Result<(), Vec<Violation>>) -> Vec<String> {
        r.err().unwrap_or_default().into_iter().map(|v| v.reason).collect()
    }

    #[test]
    fn each_forward_gate_names_its_missing_condition() {
        let table: Vec<(Stage, Stage, StageFacts, &str)> = vec![
            (NeedsAnalysis, Demo, StageFacts { has_needs_analysis: false, ..all_met() }, "needs-analysis"),
            (Demo, Proposal, StageFacts { has_demo_activity: false, ..all_met() }, "logged demo"),
            (Proposal, Negotiation, StageFacts { has_approved_quote: false, ..all_met() }, "approved quote"),
            (
                Proposal,
                Negotiation,
                StageFacts { contact_roles: vec![ContactRole::It, ContactRole::Business], ..all_met() },
                "executive",
            ),
            (
                Proposal,
                Negotiation,
                StageFacts { contact_roles: vec![ContactRole::Executive, ContactRole::Business], ..all_met() },
                "IT",
            ),
            (
                Proposal,
                Negotiation,
                StageFacts { contact_roles: vec![ContactRole::Executive, ContactRole::It], ..all_met() },
                "business",
            ),
            (Negotiation, Contracting, StageFacts { has_accepted_quote: false, ..all_met() }, "accepted quote"),
        ];
        for (from, to, facts, word) in table {
            let r = reasons(move_to(from, to, &facts));
            assert_eq!(r.len(), 1, "{from:?}->{to:?}: {r:?}");
            assert!(r[0].contains(word), "{from:?}->{to:?}: {r:?}");
            assert!(move_to(from, to, &all_met()).is_ok());
        }
    }

    #[test]
    fn below_the_threshold_no_decision_chain_is_needed() {
        let f = StageFacts { is_enterprise: false, contact_roles: vec![], ..all_met() };
        assert!(move_to(Proposal, Negotiation, &f).is_ok());
        let f = StageFacts { is_enterprise: true, contact_roles: vec![], ..all_met() };
        assert_eq!(reasons(move_to(Proposal, Negotiation, &f)).len(), 3, "one reason per missing role");
    }

    #[test]
    fn stages_are_not_skipped_won_only_by_signing_and_closed_is_final() {
        assert!(move_to(Discovery, NeedsAnalysis, &StageFacts::default()).is_ok());
        assert!(move_to(Discovery, Demo, &all_met()).is_err());
        assert!(move_to(Contracting, ClosedWon, &all_met()).is_err());
        assert!(move_to(Contracting, ClosedLost, &all_met()).is_err());
        assert!(move_to(ClosedLost, Discovery, &all_met()).is_err());
        assert!(move_to(Demo, Discovery, &StageFacts::default()).is_ok(), "a deal may slip back");
        assert!(move_to(Demo, Demo, &all_met()).is_err());
        assert!(close_lost(Negotiation).is_ok());
        assert!(close_lost(ClosedWon).is_err());
        let all = move_to(Discovery, Proposal, &StageFacts::default()).err().unwrap_or_default();
        assert!(all.iter().all(|v| v.rule == Rule::StageGate));
        assert_eq!(all.len(), 3, "skip + needs analysis + demo: {all:?}");
    }
}
