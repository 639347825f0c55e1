//! The hand-off package from the account executive to customer success:
//! DRAFT -> SUBMITTED -> ACCEPTED | RETURNED (edited and resubmitted like a DRAFT).

use crate::lead::string_enum;
use crate::rule::Rule;
use crate::violation::{Violation, check};

string_enum!(
    /// The status of a hand-off package.
    HandoffStatus { Draft = "DRAFT", Submitted = "SUBMITTED", Accepted = "ACCEPTED", Returned = "RETURNED" }
);

use HandoffStatus::*;

/// What a complete package holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct PackageFacts {
    pub has_needs_document: bool,
    pub decision_makers: usize,
    /// Special requirements answered; an explicit "none" counts.
    pub special_requirements_answered: bool,
    pub has_success_criteria: bool,
    pub has_kickoff_contact: bool,
}

/// Every missing item, one reason each.
pub fn missing_items(f: &PackageFacts) -> Vec<String> {
    let mut m = Vec::new();
    if !f.has_needs_document {
        m.push("the needs document is missing".to_owned());
    }
    if f.decision_makers == 0 {
        m.push("the decision chain has no decision maker".to_owned());
    }
    if !f.special_requirements_answered {
        m.push("special requirements are not answered (write \"none\" if there are none)".to_owned());
    }
    if !f.has_success_criteria {
        m.push("the success criteria are missing".to_owned());
    }
    if !f.has_kickoff_contact {
        m.push("no kickoff contact is named".to_owned());
    }
    m
}

/// The package can be edited while the account executive holds it.
pub fn edit(s: HandoffStatus) -> Result<(), Vec<Violation>> {
    match s {
        Draft | Returned => Ok(()),
        _ => Err(vec![Violation::new(Rule::InvalidTransition, format!("a {} package cannot be edited", s.as_str()))]),
    }
}

/// Submitting checks completeness: `HANDOFF_INCOMPLETE`, one reason per missing item.
pub fn submit(s: HandoffStatus, f: &PackageFacts) -> Result<HandoffStatus, Vec<Violation>> {
    edit(s).map_err(|_| {
        vec![Violation::new(Rule::InvalidTransition, format!("a {} package cannot be submitted", s.as_str()))]
    })?;
    check(missing_items(f).into_iter().map(|r| Violation::new(Rule::HandoffIncomplete, r)).collect())
        .map(|()| Submitted)
}

/// Customer success accepts a submitted package; the org may require the first payment first.
pub fn accept(
    s: HandoffStatus,
    requires_first_payment: bool,
    first_invoice_paid: bool,
) -> Result<HandoffStatus, Vec<Violation>> {
    let mut v = if s == Submitted {
        vec![]
    } else {
        vec![Violation::new(Rule::InvalidTransition, format!("a {} package cannot be accepted", s.as_str()))]
    };
    if requires_first_payment && !first_invoice_paid {
        v.push(Violation::new(
            Rule::FirstPaymentPending,
            "onboarding starts once the first invoice is paid (organization policy)",
        ));
    }
    check(v).map(|()| Accepted)
}

/// Customer success returns a submitted package with a reason.
pub fn give_back(s: HandoffStatus) -> Result<HandoffStatus, Vec<Violation>> {
    if s == Submitted {
        Ok(Returned)
    } else {
        Err(vec![Violation::new(Rule::InvalidTransition, format!("a {} package cannot be returned", s.as_str()))])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPLETE: PackageFacts = PackageFacts {
        has_needs_document: true,
        decision_makers: 1,
        special_requirements_answered: true,
        has_success_criteria: true,
        has_kickoff_contact: true,
    };

    #[test]
    fn each_missing_item_is_one_reason() {
        assert_eq!(submit(Draft, &COMPLETE), Ok(Submitted));
        assert_eq!(submit(Returned, &COMPLETE), Ok(Submitted));
        let cases = [
            PackageFacts { has_needs_document: false, ..COMPLETE },
            PackageFacts { decision_makers: 0, ..COMPLETE },
            PackageFacts { special_requirements_answered: false, ..COMPLETE },
            PackageFacts { has_success_criteria: false, ..COMPLETE },
            PackageFacts { has_kickoff_contact: false, ..COMPLETE },
        ];
        for f in cases {
            let v = submit(Draft, &f).err().unwrap_or_default();
            assert_eq!(v.len(), 1, "{f:?}");
            assert_eq!(v[0].rule, Rule::HandoffIncomplete);
        }
        assert_eq!(submit(Draft, &PackageFacts::default()).err().unwrap_or_default().len(), 5);
        assert!(submit(Submitted, &COMPLETE).is_err());
    }

    #[test]
    fn acceptance_and_return() {
        assert_eq!(accept(Submitted, false, false), Ok(Accepted));
        assert_eq!(accept(Submitted, true, true), Ok(Accepted));
        let v = accept(Submitted, true, false).err().unwrap_or_default();
        assert_eq!(v[0].rule, Rule::FirstPaymentPending);
        assert!(accept(Draft, false, false).is_err());
        assert_eq!(give_back(Submitted), Ok(Returned));
        assert!(give_back(Accepted).is_err());
        assert!(edit(Submitted).is_err());
    }
}
