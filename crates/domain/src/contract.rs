//! Contracts: DRAFT -> IN_LEGAL_REVIEW -> APPROVED | CHANGES_REQUESTED (-> DRAFT) -> SIGNED, or
//! VOIDED. An approval is bound to the version legal saw; any edit makes a new version and
//! returns the contract to DRAFT.

use crate::lead::string_enum;
use crate::rule::Rule;
use crate::violation::{Violation, check};

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
    vec![Violation::new(Rule::InvalidTransition, format!("a {} contract cannot be {what}", s.as_str()))]
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
        v.push(Violation::new(Rule::ReviewerIsAuthor, "nobody approves a contract version they drafted or edited"));
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
            Rule::LegalReviewRequired,
            format!("legal has not approved the current version ({}) of the contract", f.version),
        ));
    }
    if !f.quote_accepted {
        v.push(Violation::new(Rule::QuoteNotAccepted, "the contract's quote has not been accepted by the customer"));
    }
    if !f.signatory_is_decision_maker {
        v.push(Violation::new(Rule::SignatoryNotDecisionMaker, "the signatory is not a decision maker of the account"));
    }
    if f.pending_gifts > 0 {
        v.push(Violation::new(
            Rule::GiftApprovalPending,
            format!("{} gift(s) on this deal await compliance approval", f.pending_gifts),
        ));
    }
    check(v).map(|()| Signed)
}

/// Who may void: the account executive before signing, legal after.
pub fn void(s: ContractStatus) -> Result<ContractStatus, Vec<Violation>> {
    if s == Voided { Err(invalid("voided", s)) } else { Ok(Voided) }
}

/// The organization's contract review policy: which contracts legal must review.
#[derive(Debug, Clone, Default)]
pub struct ReviewPolicy {
    /// Every contract.
    pub all: bool,
    /// Contracts above this value (minor units).
    pub above_minor: Option<i64>,
    /// Contracts with any clause that differs from its template and from every approved fallback.
    pub deviations: bool,
    /// Contracts on the custom-development template.
    pub custom_development: bool,
    /// Clauses legal must look at whenever they differ from the template, fallbacks included.
    pub clause_keys: Vec<String>,
}

/// One clause as the policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct ClauseFacts<'a> {
    pub key: &'a str,
    pub text: &'a str,
    pub template_text: &'a str,
    /// The clause is word for word one of its approved fallbacks.
    pub is_fallback: bool,
}

/// Why a contract version needs legal review under the policy; empty when the policy approves
/// it on its own. Reasons: `ALL_CONTRACTS`, `VALUE_ABOVE_THRESHOLD`, `CUSTOM_DEVELOPMENT`,
/// `CLAUSE_DEVIATION:<key>` (a wording neither standard nor an approved fallback) and
/// `CLAUSE_REVIEW:<key>` (a clause legal always looks at, changed).
pub fn review_reasons(
    p: &ReviewPolicy,
    kind: TemplateKind,
    value_minor: i64,
    clauses: &[ClauseFacts<'_>],
) -> Vec<String> {
    let mut v = vec![];
    if p.all {
        v.push("ALL_CONTRACTS".to_owned());
    }
    if p.above_minor.is_some_and(|t| value_minor > t) {
        v.push("VALUE_ABOVE_THRESHOLD".to_owned());
    }
    if p.custom_development && kind == TemplateKind::CustomDevelopment {
        v.push("CUSTOM_DEVELOPMENT".to_owned());
    }
    for c in clauses {
        let changed = c.text.trim() != c.template_text.trim();
        if p.deviations && changed && !c.is_fallback {
            v.push(format!("CLAUSE_DEVIATION:{}", c.key));
        }
        if changed && p.clause_keys.iter().any(|k| k == c.key) {
            v.push(format!("CLAUSE_REVIEW:{}", c.key));
        }
    }
    v
}

/// Paid change orders extend a signed custom-development contract only.
pub fn change_order(s: ContractStatus, kind: TemplateKind) -> Result<(), Vec<Violation>> {
    let mut v = Vec::new();
    if s != Signed {
        v.push(Violation::new(
            Rule::ChangeOrderNotAllowed,
            format!("change orders extend a SIGNED contract; this one is {}", s.as_str()),
        ));
    }
    if kind != TemplateKind::CustomDevelopment {
        v.push(Violation::new(
            Rule::ChangeOrderNotAllowed,
            "change orders apply to custom-development contracts; SaaS changes are a new quote",
        ));
    }
    check(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(r: Result<ContractStatus, Vec<Violation>>) -> Vec<Rule> {
        r.err().unwrap_or_default().iter().map(|v| v.rule).collect()
    }

    #[test]
    fn the_review_cycle() {
        assert_eq!(submit(Draft), Ok(InLegalReview));
        assert_eq!(submit(ChangesRequested), Ok(InLegalReview));
        assert!(submit(Approved).is_err());
        assert_eq!(approve(InLegalReview, false), Ok(Approved));
        assert_eq!(rules(approve(InLegalReview, true)), [Rule::ReviewerIsAuthor]);
        assert_eq!(rules(approve(Draft, false)), [Rule::InvalidTransition]);
        assert_eq!(request_changes(InLegalReview), Ok(ChangesRequested));
        assert_eq!(edit(Approved), Ok(Draft), "an edit after approval returns the contract to DRAFT");
        assert_eq!(edit(InLegalReview), Ok(Draft));
        assert!(edit(Signed).is_err());
        assert!(void(Signed).is_ok());
        assert!(void(Voided).is_err());
    }

    #[test]
    fn the_policy_names_why_legal_reviews_and_lets_fallbacks_through() {
        let p = ReviewPolicy {
            all: false,
            above_minor: Some(1_000_000),
            deviations: true,
            custom_development: true,
            clause_keys: vec!["liability".into()],
        };
        let std = ClauseFacts { key: "scope", text: "A", template_text: "A", is_fallback: false };
        let saas = TemplateKind::SaasServiceAgreement;
        assert!(review_reasons(&p, saas, 500_000, &[std]).is_empty(), "standard and small");
        let fallback = ClauseFacts { key: "payment", text: "B", template_text: "A", is_fallback: true };
        assert!(review_reasons(&p, saas, 500_000, &[std, fallback]).is_empty(), "a pre-approved fallback");
        let custom = ClauseFacts { is_fallback: false, ..fallback };
        assert_eq!(review_reasons(&p, saas, 500_000, &[custom]), ["CLAUSE_DEVIATION:payment"]);
        let liability = ClauseFacts { key: "liability", ..fallback };
        assert_eq!(review_reasons(&p, saas, 500_000, &[liability]), ["CLAUSE_REVIEW:liability"]);
        assert_eq!(
            review_reasons(&p, TemplateKind::CustomDevelopment, 2_000_000, &[]),
            ["VALUE_ABOVE_THRESHOLD", "CUSTOM_DEVELOPMENT"]
        );
        assert_eq!(review_reasons(&ReviewPolicy { all: true, ..p }, saas, 0, &[]), ["ALL_CONTRACTS"]);
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
        assert_eq!(rules(sign(SigningFacts { pending_gifts: 1, ..ok })), [Rule::GiftApprovalPending]);
        assert_eq!(
            rules(sign(SigningFacts { approved_version: Some(2), ..ok })),
            [Rule::LegalReviewRequired],
            "approval of an older version"
        );
        assert_eq!(rules(sign(SigningFacts { status: Draft, ..ok })), [Rule::LegalReviewRequired]);
        assert_eq!(rules(sign(SigningFacts { quote_accepted: false, ..ok })), [Rule::QuoteNotAccepted]);
        assert_eq!(
            rules(sign(SigningFacts { signatory_is_decision_maker: false, ..ok })),
            [Rule::SignatoryNotDecisionMaker]
        );
        assert_eq!(
            rules(sign(SigningFacts {
                status: InLegalReview,
                approved_version: None,
                quote_accepted: false,
                signatory_is_decision_maker: false,
                ..ok
            })),
            [Rule::LegalReviewRequired, Rule::QuoteNotAccepted, Rule::SignatoryNotDecisionMaker]
        );
        assert_eq!(rules(sign(SigningFacts { status: Signed, ..ok })), [Rule::InvalidTransition]);
    }
}
