//! The registry of rule codes: every code a `RULE_VIOLATION` can carry in `extensions.rule`,
//! with what it means. A violation names its rule with this enum, so a code cannot be
//! misspelt or left undocumented; the README's table of rule codes is generated from `ALL`
//! (`Rule::markdown_table`), and a test fails when the committed table differs.

use std::fmt;

macro_rules! rules {
    ($($(#[$doc:meta])* $variant:ident = $code:literal: $meaning:literal,)+) => {
        /// One stable rule code. The code strings are part of the API contract: never rename one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Rule { $($(#[$doc])* $variant),+ }

        impl Rule {
            /// Every rule, in the order the README lists them: the backbone's hand-offs first,
            /// then the departments' own rules.
            pub const ALL: &[Rule] = &[$(Rule::$variant),+];

            /// The stable upper-case code shown as `extensions.rule`.
            pub fn code(self) -> &'static str {
                match self { $(Rule::$variant => $code),+ }
            }

            /// What the rule asks for, in one sentence.
            pub fn meaning(self) -> &'static str {
                match self { $(Rule::$variant => $meaning),+ }
            }
        }
    };
}

rules! {
    InvalidTransition = "INVALID_TRANSITION":
        "the object's status does not allow the action (an approved quote edited, a void invoice voided, a done task completed, a request that is not open answered)",
    LeadNotQualified = "LEAD_NOT_QUALIFIED":
        "a lead converts only when QUALIFIED with HIGH priority (a sales manager may convert MEDIUM, audited as an override)",
    AssigneeNotAe = "ASSIGNEE_NOT_AE":
        "the owner of a converted lead's opportunity must hold ACCOUNT_EXECUTIVE",
    AssigneeNotSales = "ASSIGNEE_NOT_SALES":
        "a lead is assigned only to an active SDR or account executive",
    StageGate = "STAGE_GATE":
        "an opportunity stage's entry conditions are unmet (no skipping forward, the needs analysis, a demo, an approved or accepted quote, the decision chain, a loss reason), or the deal is closed",
    DiscountApprovalRequired = "DISCOUNT_APPROVAL_REQUIRED":
        "a discount above the organization's free limit waits for a sales manager (up to the manager limit) or finance",
    SelfApproval = "SELF_APPROVAL":
        "nobody approves their own quote or a gift they recorded",
    ReviewerIsAuthor = "REVIEWER_IS_AUTHOR":
        "nobody approves a contract version they drafted or edited",
    LegalReviewRequired = "LEGAL_REVIEW_REQUIRED":
        "a contract is signed only in the version legal (or the review policy) approved",
    QuoteNotAccepted = "QUOTE_NOT_ACCEPTED":
        "a contract is signed only once the customer accepted its quote",
    SignatoryNotDecisionMaker = "SIGNATORY_NOT_DECISION_MAKER":
        "the signatory must be a decision maker among the account's contacts",
    GiftApprovalPending = "GIFT_APPROVAL_PENDING":
        "a deal with gifts awaiting compliance approval cannot be signed",
    ChangeOrderNotAllowed = "CHANGE_ORDER_NOT_ALLOWED":
        "change orders extend a signed custom-development contract only",
    InvoiceNotPayable = "INVOICE_NOT_PAYABLE":
        "only an issued or partly paid invoice takes a payment",
    HandoffIncomplete = "HANDOFF_INCOMPLETE":
        "a hand-off package is submitted only with every item filled in (one violation per missing item)",
    FirstPaymentPending = "FIRST_PAYMENT_PENDING":
        "under the organization's policy, onboarding starts once the first invoice is paid",
    CsOwnerNotCs = "CS_OWNER_NOT_CS":
        "the customer success owner or account manager must be an active CUSTOMER_SUCCESS or CS_MANAGER user",
    NoAccountExecutive = "NO_ACCOUNT_EXECUTIVE":
        "an upsell is handed to the account's account executive, and the account has none",
    AlreadyChurned = "ALREADY_CHURNED":
        "an account's churn is recorded once",
    OpportunityNotClosed = "OPPORTUNITY_NOT_CLOSED":
        "only a won or lost deal gets a win/loss review",
    AlreadyReviewed = "ALREADY_REVIEWED":
        "a deal has one win/loss review",
    LeadNotInPool = "LEAD_NOT_IN_POOL":
        "only a lead in the shared pool is claimed",
    ClaimLimitReached = "CLAIM_LIMIT_REACHED":
        "an SDR claims at most the organization's pool claim limit of leads a day",
    NoEmailAddress = "NO_EMAIL_ADDRESS":
        "an e-mail is sent only to a lead with an e-mail address",
    ConsentRequired = "CONSENT_REQUIRED":
        "sales e-mails a lead only with a live SALES_CONTACT consent",
    CrossBorderBasisRequired = "CROSS_BORDER_BASIS_REQUIRED":
        "a person residing in a PIPL jurisdiction is exported elsewhere only with a recorded cross-border basis",
    LastAdmin = "LAST_ADMIN":
        "the organization keeps at least one active ADMIN",
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The line before and after the README's generated table of rule codes.
pub const README_BEGIN: &str = "<!-- rule codes: generated from baton_domain::rule::Rule; do not edit by hand -->";
pub const README_END: &str = "<!-- end of rule codes -->";

impl Rule {
    /// The Markdown table of every rule code and its meaning, as the README shows it.
    pub fn markdown_table() -> String {
        let mut s = String::from("| rule | meaning |\n|---|---|\n");
        for r in Rule::ALL {
            s.push_str(&format!("| `{}` | {} |\n", r.code(), r.meaning()));
        }
        s
    }

    /// `readme` with the text between its rule-code markers replaced by `markdown_table`;
    /// `None` when the markers are missing.
    pub fn with_generated_table(readme: &str) -> Option<String> {
        let start = readme.find(README_BEGIN)? + README_BEGIN.len();
        let end = start + readme[start..].find(README_END)?;
        Some(format!("{}\n{}{}", &readme[..start], Rule::markdown_table(), &readme[end..]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_is_unique_upper_snake_case_and_means_something() {
        let mut seen = HashSet::new();
        for r in Rule::ALL {
            assert!(seen.insert(r.code()), "{} is listed twice", r.code());
            assert!(r.code().chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{} is not SCREAMING_CASE", r.code());
            assert!(!r.meaning().is_empty() && !r.meaning().ends_with('.'), "{}'s meaning", r.code());
            assert!(!r.meaning().contains('|'), "{}'s meaning would break the table", r.code());
        }
        assert_eq!(Rule::ALL.len(), 27);
    }

    #[test]
    fn the_generated_section_replaces_only_what_lies_between_the_markers() {
        let readme = format!("before\n{README_BEGIN}\nstale\n{README_END}\nafter\n");
        let out = Rule::with_generated_table(&readme).unwrap_or_default();
        assert!(out.starts_with(&format!("before\n{README_BEGIN}\n| rule | meaning |")));
        assert!(out.ends_with(&format!("|\n{README_END}\nafter\n")));
        assert!(!out.contains("stale"));
        assert_eq!(Rule::with_generated_table("no markers"), None);
    }
}
