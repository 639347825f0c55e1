//! The gifts and hospitality register: a gift under the organization's threshold is RECORDED;
//! over it, PENDING_APPROVAL until someone other than who recorded it APPROVES or REJECTS it.

use crate::lead::string_enum;
use crate::rule::Rule;
use crate::violation::{Violation, check};

string_enum!(
    /// Where a gift stands in the register.
    GiftStatus {
        Recorded = "RECORDED",
        PendingApproval = "PENDING_APPROVAL",
        Approved = "APPROVED",
        Rejected = "REJECTED",
    }
);

/// A new gift's status: over the threshold it waits for approval.
pub fn recorded(value_minor: i64, threshold_minor: i64) -> GiftStatus {
    if value_minor > threshold_minor { GiftStatus::PendingApproval } else { GiftStatus::Recorded }
}

/// Approving or rejecting a gift: only one waiting for approval, never by who recorded it.
/// Every unmet rule is returned.
pub fn decide(status: GiftStatus, decided_by_recorder: bool, approve: bool) -> Result<GiftStatus, Vec<Violation>> {
    let mut v = vec![];
    if status != GiftStatus::PendingApproval {
        v.push(Violation::new(
            Rule::InvalidTransition,
            format!("the gift is {}, not waiting for approval", status.as_str()),
        ));
    }
    if decided_by_recorder {
        v.push(Violation::new(Rule::SelfApproval, "nobody approves a gift they recorded"));
    }
    check(v).map(|()| if approve { GiftStatus::Approved } else { GiftStatus::Rejected })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gift_over_the_threshold_waits_and_is_decided_once_by_someone_else() {
        assert_eq!(recorded(100, 100), GiftStatus::Recorded);
        assert_eq!(recorded(101, 100), GiftStatus::PendingApproval);
        assert_eq!(decide(GiftStatus::PendingApproval, false, true), Ok(GiftStatus::Approved));
        assert_eq!(decide(GiftStatus::PendingApproval, false, false), Ok(GiftStatus::Rejected));
        for s in [GiftStatus::Recorded, GiftStatus::Approved, GiftStatus::Rejected] {
            let rules: Vec<Rule> = decide(s, false, true).unwrap_err().iter().map(|v| v.rule).collect();
            assert_eq!(rules, [Rule::InvalidTransition], "{s:?}");
        }
        let both: Vec<Rule> = decide(GiftStatus::Approved, true, true).unwrap_err().iter().map(|v| v.rule).collect();
        assert_eq!(both, [Rule::InvalidTransition, Rule::SelfApproval]);
    }
}
