//! Data-subject requests: OPEN until the privacy officer completes the export or erasure it asks
//! for (COMPLETED); a request is completed once, by the kind it was opened as.

use crate::lead::string_enum;
use crate::rule::Rule;
use crate::violation::Violation;

string_enum!(
    /// Where a data-subject request stands.
    RequestStatus { Open = "OPEN", Completed = "COMPLETED" }
);

string_enum!(
    /// What a data subject asks for.
    RequestKind { Export = "EXPORT", Erasure = "ERASURE" }
);

/// Completing a request as `doing`: it must be open and of that kind.
pub fn complete(status: RequestStatus, kind: RequestKind, doing: RequestKind) -> Result<RequestStatus, Vec<Violation>> {
    if status != RequestStatus::Open {
        let reason = format!("the request is {}, not OPEN", status.as_str());
        return Err(vec![Violation::new(Rule::InvalidTransition, reason)]);
    }
    if kind != doing {
        let reason = format!("this is an {} request, not {}", kind.as_str(), doing.as_str());
        return Err(vec![Violation::new(Rule::InvalidTransition, reason)]);
    }
    Ok(RequestStatus::Completed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_completed_once_and_as_its_own_kind() {
        use RequestKind::*;
        assert_eq!(complete(RequestStatus::Open, Export, Export), Ok(RequestStatus::Completed));
        assert_eq!(complete(RequestStatus::Open, Erasure, Erasure), Ok(RequestStatus::Completed));
        for (status, kind, doing) in
            [(RequestStatus::Completed, Export, Export), (RequestStatus::Open, Export, Erasure)]
        {
            let rules: Vec<Rule> = complete(status, kind, doing).unwrap_err().iter().map(|v| v.rule).collect();
            assert_eq!(rules, [Rule::InvalidTransition], "{status:?} {kind:?} {doing:?}");
        }
    }
}
