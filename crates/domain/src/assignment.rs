//! Who may be given a piece of work: each assignment names the roles that may take it and the
//! rule a wrong assignee breaks. One table, so "the assignee must hold role X" is written once.

use crate::{Role, Rule, Violation};

/// A piece of work given to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignment {
    /// The owner of a lead (`assignLead`): an active SDR or account executive.
    LeadOwner,
    /// The owner of the opportunity a conversion opens: an account executive.
    DealOwner,
    /// The customer success owner who takes a customer over (`acceptHandoff`).
    CsOwner,
    /// The account manager of a VIP account (`setAccountTier`).
    AccountManager,
}

impl Assignment {
    /// The roles of which the assignee must hold one.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Assignment::LeadOwner => &[Role::Sdr, Role::AccountExecutive],
            Assignment::DealOwner => &[Role::AccountExecutive],
            Assignment::CsOwner | Assignment::AccountManager => &[Role::CustomerSuccess, Role::CsManager],
        }
    }

    /// The rule a wrong assignee breaks, and why.
    fn refusal(self) -> (Rule, &'static str) {
        match self {
            Assignment::LeadOwner => {
                (Rule::AssigneeNotSales, "a lead can only be assigned to an active SDR or account executive")
            }
            Assignment::DealOwner => {
                (Rule::AssigneeNotAe, "the new owner of the opportunity does not hold the ACCOUNT_EXECUTIVE role")
            }
            Assignment::CsOwner => {
                (Rule::CsOwnerNotCs, "the customer success owner must be an active CUSTOMER_SUCCESS or CS_MANAGER user")
            }
            Assignment::AccountManager => {
                (Rule::CsOwnerNotCs, "the account manager must be an active customer success user")
            }
        }
    }

    /// Whether a user, active or not and holding `roles`, may take the work.
    pub fn check(self, active: bool, roles: &[Role]) -> Result<(), Vec<Violation>> {
        if active && self.roles().iter().any(|r| roles.contains(r)) {
            return Ok(());
        }
        let (rule, reason) = self.refusal();
        Err(vec![Violation::new(rule, reason)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_assignment_takes_an_active_holder_of_one_of_its_roles() {
        let cases = [
            (Assignment::LeadOwner, Role::Sdr, Rule::AssigneeNotSales),
            (Assignment::LeadOwner, Role::AccountExecutive, Rule::AssigneeNotSales),
            (Assignment::DealOwner, Role::AccountExecutive, Rule::AssigneeNotAe),
            (Assignment::CsOwner, Role::CustomerSuccess, Rule::CsOwnerNotCs),
            (Assignment::CsOwner, Role::CsManager, Rule::CsOwnerNotCs),
            (Assignment::AccountManager, Role::CustomerSuccess, Rule::CsOwnerNotCs),
        ];
        for (a, role, rule) in cases {
            assert_eq!(a.check(true, &[role]), Ok(()), "{a:?} {role:?}");
            let inactive = a.check(false, &[role]).unwrap_err();
            assert_eq!(inactive.iter().map(|v| v.rule).collect::<Vec<_>>(), [rule], "{a:?} inactive");
            let others: Vec<Role> = Role::ALL.into_iter().filter(|r| !a.roles().contains(r)).collect();
            let wrong = a.check(true, &others).unwrap_err();
            assert_eq!(wrong.iter().map(|v| v.rule).collect::<Vec<_>>(), [rule], "{a:?} without its roles");
        }
    }
}
