//! Contracts: DRAFT -> IN_LEGAL_REVIEW -> APPROVED | CHANGES_REQUESTED (-> DRAFT) -> SIGNED, or
//! VOIDED. An approval is bound to the version legal saw; any edit makes a new version and
//! returns the contract to DRAFT.

use crate::lead::string_enum;
use crate::violation::{Violation, check};

pub const LEGAL_REVIEW_REQUIRED: &str = "LEGAL_REVIEW_REQUIRED";
pub const QUOTE_NOT_ACCEPTED: &str = "QUOTE_NOT_ACCEPTED";
pub const SIGNATORY_NOT_DECISION_MAKER: &str = "SIGNATORY_NOT_DECISION_MAKER";
pub const REVIEWER_IS_AUTHOR: &str = "REVIEWER_IS_AUTHOR";
pub const GIFT_APPROVAL_PENDING: &str = "GIFT_APPROVAL_PENDING";
pub const INVALID_TRANSITION: &str = "INVALID_TRANSITION";

string_enum!(
    /// The status of a contract.
    ContractStatus {
        Draft = "DRAFT",
        InLegalReview = "IN_LEGAL_REVIEW",
        ChangesRequested = "CHANGES_REQUESTED",
        Approved = "APPROVED",
        Signed = "SIGNED",
        Voided = "VOIDED",
    }
);

string_enum!(
    /// The kind of a contract template.
    TemplateKind { SaasServiceAgreement = "SAAS_SERVICE_AGREEMENT", CustomDevelopment = "CUSTOM_DEVELOPMENT" }
);

use ContractStatus::*;

fn invalid(what: &str, s: ContractStatus) -> Vec<Violation> {
    vec![Violation::new(INVALID_TRANSITION, format!("a {} contract cannot be {what}", s.as_str()))]
}

/// Editing a clause: allowed until signed or voided; always a new version back in DRAFT.
pub fn edit(s: ContractStatus) -> Result<ContractStatus, Vec<Violation>> {
    match s {
        Signed | Voided => Err(invalid("edited", s)),
        _ => Ok(Draft),
    }
}

/// The account executive submits a draft (or a contract legal sent back) for review.
pub fn submit(s: ContractStatus) -> Result<ContractStatus, Vec<Violation>> {
    match s {
        Draft | ChangesRequested => Ok(InLegalReview),
        _ => Err(invalid("submitted for review", s)),
    }
}

/// Legal approves the exact version it reviewed; never a version it drafted or edited.
pub fn approve(s: ContractStatus, reviewer_is_author_or_editor: bool) -> Result<ContractStatus, Vec<Violation>> {
    let mut v = if s == InLegalReview { vec![] } else { invalid("approved", s) };
    if reviewer_is_author_or_editor {
        v.push(Violation::new(REVIEWER_IS_AUTHOR, "nobody approves a contract version they drafted or edited"));
    }
    check(v).map(|()| Approved)
}

/// Legal sends the contract back with comments.
pub fn request_changes(s: ContractStatus) -> Result<ContractStatus, Vec<Violation>> {
    if s == InLegalReview { Ok(ChangesRequested) } else { Err(invalid("sent back for changes", s)) }
}

/// The facts the signing gates look at.
#[derive(Debug, Clone, Copy)]
pub struct SigningFacts {
    pub status: ContractStatus,
    pub version: i32,
    pub approved_version: Option<i32>,
    pub quote_accepted: bool,
    pub signatory_is_decision_maker: bool,
    /// Gifts on the deal above the organization's threshold still waiting for compliance.
    pub pending_gifts: usize,
}

/// The signing gates in order: `LEGAL_REVIEW_REQUIRED`, `QUOTE_NOT_ACCEPTED`,
/// `SIGNATORY_NOT_DECISION_MAKER`. All unmet gates are returned.
pub fn sign(f: SigningFacts) -> Result<ContractStatus, Vec<Violation>> {
    if matches!(f.status, Signed | Voided) {
        return Err(invalid("signed", f.status));
    }
    let mut v = Vec::new();
    if f.status != Approved || f.approved_version != Some(f.version) {
        v.push(Violation::new(
            LEGAL_REVIEW_REQUIRED,
            format!("legal has not approved the current version ({}) of the contract", f.version),
        ));
    }
    if !f.quote_accepted {
        v.push(Violation::new(QUOTE_NOT_ACCEPTED, "the contract's quote has not been accepted by the customer"));
    }
    if !f.signatory_is_decision_maker {
        v.push(Violation::new(SIGNATORY_NOT_DECISION_MAKER, "the signatory is not a decision maker of the account"));
    }
    if f.pending_gifts > 0 {
        v.push(Violation::new(
            GIFT_APPROVAL_PENDING,
            format!("{} gift(s) on this deal await compliance approval", f.pending_gifts),
        ));
    }
    check(v).map(|()| Signed)
}

/// Who may void: the account executive before signing, legal after.
pub fn void(s: ContractStatus) -> Result<ContractStatus, Vec<Violation>> {
    if s == Voided { Err(invalid("voided", s)) } else { Ok(Voided) }
}

pub const CHANGE_ORDER_NOT_ALLOWED: &str = "CHANGE_ORDER_NOT_ALLOWED";

/// Paid change orders extend a signed custom-development contract only.
pub fn change_order(s: ContractStatus, kind: TemplateKind) -> Result<(), Vec<Violation>> {
    let mut v = Vec::new();
    if s != Signed {
        v.push(Violation::new(
            CHANGE_ORDER_NOT_ALLOWED,
            format!("change orders extend a SIGNED contract; this one is {}", s.as_str()),
        ));
    }
    if kind != TemplateKind::CustomDevelopment {
        v.push(Violation::new(
            CHANGE_ORDER_NOT_ALLOWED,
            "change orders apply to custom-development contracts; SaaS changes are a new quote",
        ));
    }
    check(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(r: Result<ContractStatus, Vec<Violation>>) -> Vec<&'static str> {
        r.err().unwrap_or_default().iter().map(|v| v.rule).collect()
    }

    #[test]
    fn the_review_cycle() {
        assert_eq!(submit(Draft), Ok(InLegalReview));
        assert_eq!(submit(ChangesRequested), Ok(InLegalReview));
        assert!(submit(Approved).is_err());
        assert_eq!(approve(InLegalReview, false), Ok(Approved));
        assert_eq!(rules(approve(InLegalReview, true)), [REVIEWER_IS_AUTHOR]);
        assert_eq!(rules(approve(Draft, false)), [INVALID_TRANSITION]);
        assert_eq!(request_changes(InLegalReview), Ok(ChangesRequested));
        assert_eq!(edit(Approved), Ok(Draft), "an edit after approval returns the contract to DRAFT");
        assert_eq!(edit(InLegalReview), Ok(Draft));
        assert!(edit(Signed).is_err());
        assert!(void(Signed).is_ok());
        assert!(void(Voided).is_err());
    }

    #[test]
    fn change_orders_need_a_signed_custom_contract() {
        assert!(change_order(Signed, TemplateKind::CustomDevelopment).is_ok());
        assert_eq!(change_order(Approved, TemplateKind::CustomDevelopment).err().unwrap_or_default().len(), 1);
        assert_eq!(change_order(Signed, TemplateKind::SaasServiceAgreement).err().unwrap_or_default().len(), 1);
        assert_eq!(change_order(Draft, TemplateKind::SaasServiceAgreement).err().unwrap_or_default().len(), 2);
    }

    #[test]
    fn signing_gates_in_order() {
        let ok = SigningFacts {
            status: Approved,
            version: 3,
            approved_version: Some(3),
            quote_accepted: true,
            signatory_is_decision_maker: true,
            pending_gifts: 0,
        };
        assert_eq!(sign(ok), Ok(Signed));
        assert_eq!(rules(sign(SigningFacts { pending_gifts: 1, ..ok })), [GIFT_APPROVAL_PENDING]);
        assert_eq!(
            rules(sign(SigningFacts { approved_version: Some(2), ..ok })),
            [LEGAL_REVIEW_REQUIRED],
            "approval of an older version"
        );
        assert_eq!(rules(sign(SigningFacts { status: Draft, ..ok })), [LEGAL_REVIEW_REQUIRED]);
        assert_eq!(rules(sign(SigningFacts { quote_accepted: false, ..ok })), [QUOTE_NOT_ACCEPTED]);
        assert_eq!(
            rules(sign(SigningFacts { signatory_is_decision_maker: false, ..ok })),
            [SIGNATORY_NOT_DECISION_MAKER]
        );
        assert_eq!(
            rules(sign(SigningFacts {
                status: InLegalReview,
                approved_version: None,
                quote_accepted: false,
                signatory_is_decision_maker: false,
                ..ok
            })),
            [LEGAL_REVIEW_REQUIRED, QUOTE_NOT_ACCEPTED, SIGNATORY_NOT_DECISION_MAKER]
        );
        assert_eq!(rules(sign(SigningFacts { status: Signed, ..ok })), [INVALID_TRANSITION]);
    }
}
