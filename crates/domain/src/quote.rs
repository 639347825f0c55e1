//! Quotes: pricing, discounts and the approval rules.
//!
//! PENDING_APPROVAL -> APPROVED -> ACCEPTED (or SUPERSEDED / VOIDED). A quote within the
//! organization's free discount (the rep limit, the same for everyone) is APPROVED on creation;
//! above it a SALES_MANAGER (up to the manager limit) or FINANCE (any) approves, and nobody
//! approves their own quote. The roles of the creator never count: holding an approving role
//! must not turn into approving one's own discount (segregation of duties).

use crate::lead::string_enum;
use crate::money::share;
use crate::rule::Rule;
use crate::violation::{Violation, check};

string_enum!(
    /// The status of a quote.
    QuoteStatus {
        PendingApproval = "PENDING_APPROVAL",
        Approved = "APPROVED",
        Accepted = "ACCEPTED",
        Superseded = "SUPERSEDED",
        Voided = "VOIDED",
    }
);

string_enum!(
    /// How a product is priced.
    PricingModel { PerSeat = "PER_SEAT", PerModule = "PER_MODULE", FixedPrice = "FIXED_PRICE" }
);

string_enum!(
    /// A plan tier.
    PlanTier { Basic = "BASIC", Professional = "PROFESSIONAL", Enterprise = "ENTERPRISE" }
);

/// One priced line, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub model: PricingModel,
    pub unit_price_minor: i64,
    pub quantity: i64,
    /// Months of the term for per-seat and per-module prices; ignored for fixed prices.
    pub term_months: i64,
}

impl Line {
    /// Per seat (or per module per seat) per month times seats times months; fixed price times quantity.
    pub fn total_minor(&self) -> Option<i64> {
        let base = self.unit_price_minor.checked_mul(self.quantity)?;
        match self.model {
            PricingModel::FixedPrice => Some(base),
            PricingModel::PerSeat | PricingModel::PerModule => base.checked_mul(self.term_months),
        }
    }
}

/// Totals of a quote, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
}

/// Adds the lines and applies the discount (basis points), rounding the discount to the
/// currency's smallest unit `unit` (half to even), so that `total = subtotal - discount` exactly.
pub fn totals(lines: &[Line], discount_bp: i64, unit: i64) -> Option<Totals> {
    let mut subtotal: i64 = 0;
    for l in lines {
        subtotal = subtotal.checked_add(l.total_minor()?)?;
    }
    let discount = share(subtotal, discount_bp, 10_000, unit)?;
    Some(Totals { subtotal_minor: subtotal, discount_minor: discount, total_minor: subtotal - discount })
}

/// The discount limits of an organization, in basis points.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub rep_bp: i64,
    pub manager_bp: i64,
}

/// The status of a new (or edited) quote: APPROVED within the organization's free discount,
/// whoever creates it; anything above waits for an approver who is not its author.
pub fn initial_status(discount_bp: i64, limits: Limits) -> QuoteStatus {
    if discount_bp > limits.rep_bp { QuoteStatus::PendingApproval } else { QuoteStatus::Approved }
}

fn percent(bp: i64) -> String {
    format!("{}.{:02} %", bp / 100, bp % 100)
}

/// Who may approve a pending quote: whoever approves quotes organization-wide (FINANCE among
/// the built-in roles) any discount, a team-wide approver (SALES_MANAGER) up to the manager
/// limit. `approver_scope` is the scope the caller's roles (built-in or custom) give
/// `approveQuote`, so a custom role's grant carries the same authority as the built-in row.
pub fn approve(
    status: QuoteStatus,
    approver_scope: Option<crate::permission::Scope>,
    approver_is_creator: bool,
    discount_bp: i64,
    limits: Limits,
) -> Result<(), Vec<Violation>> {
    let mut v = Vec::new();
    if status != QuoteStatus::PendingApproval {
        v.push(Violation::new(
            Rule::InvalidTransition,
            format!("only a PENDING_APPROVAL quote can be approved; this one is {}", status.as_str()),
        ));
    }
    if approver_is_creator {
        v.push(Violation::new(Rule::SelfApproval, "nobody approves their own quote"));
    }
    use crate::permission::Scope;
    let can = match approver_scope {
        Some(Scope::Org) => true,
        Some(Scope::Team | Scope::Department) => discount_bp <= limits.manager_bp,
        Some(Scope::Own) | None => false,
    };
    if !can {
        v.push(Violation::new(
            Rule::DiscountApprovalRequired,
            format!(
                "a discount of {} needs {}",
                percent(discount_bp),
                if discount_bp <= limits.manager_bp {
                    format!("a SALES_MANAGER (up to {}) or FINANCE", percent(limits.manager_bp))
                } else {
                    format!("FINANCE (above the sales manager limit of {})", percent(limits.manager_bp))
                }
            ),
        ));
    }
    check(v)
}

/// The customer accepts an approved quote.
pub fn accept(status: QuoteStatus) -> Result<(), Vec<Violation>> {
    match status {
        QuoteStatus::Approved => Ok(()),
        QuoteStatus::PendingApproval => Err(vec![Violation::new(
            Rule::DiscountApprovalRequired,
            "the quote's discount is not approved yet; it cannot be accepted",
        )]),
        s => Err(vec![Violation::new(Rule::InvalidTransition, format!("a {} quote cannot be accepted", s.as_str()))]),
    }
}

/// A quote can be edited until the customer accepted it.
pub fn edit(status: QuoteStatus) -> Result<(), Vec<Violation>> {
    match status {
        QuoteStatus::PendingApproval | QuoteStatus::Approved => Ok(()),
        s => Err(vec![Violation::new(Rule::InvalidTransition, format!("a {} quote cannot be edited", s.as_str()))]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const L: Limits = Limits { rep_bp: 1000, manager_bp: 2500 };

    #[test]
    fn line_and_quote_totals() {
        let seats = Line { model: PricingModel::PerSeat, unit_price_minor: 7900, quantity: 20, term_months: 12 };
        let module = Line { model: PricingModel::PerModule, unit_price_minor: 1000, quantity: 20, term_months: 12 };
        let custom =
            Line { model: PricingModel::FixedPrice, unit_price_minor: 5_000_000, quantity: 1, term_months: 99 };
        assert_eq!(seats.total_minor(), Some(1_896_000));
        assert_eq!(module.total_minor(), Some(240_000));
        assert_eq!(custom.total_minor(), Some(5_000_000));
        let t = totals(&[seats, module], 1500, 1).unwrap_or(Totals {
            subtotal_minor: 0,
            discount_minor: 0,
            total_minor: 0,
        });
        assert_eq!(t, Totals { subtotal_minor: 2_136_000, discount_minor: 320_400, total_minor: 1_815_600 });
        assert_eq!(
            totals(
                &[Line { model: PricingModel::FixedPrice, unit_price_minor: i64::MAX, quantity: 2, term_months: 1 }],
                0,
                1
            ),
            None
        );
    }

    #[test]
    fn a_discount_in_a_currency_without_minor_digits_rounds_to_its_unit() {
        // 3 × ¥3,333 with 12.5 % off: ¥1,249.875 rounds to ¥1,250, kept in hundredths.
        let line = Line { model: PricingModel::FixedPrice, unit_price_minor: 333_300, quantity: 3, term_months: 1 };
        let t = totals(&[line], 1250, 100).unwrap_or(Totals { subtotal_minor: 0, discount_minor: 0, total_minor: 0 });
        assert_eq!(t, Totals { subtotal_minor: 999_900, discount_minor: 125_000, total_minor: 874_900 });
        let cents = totals(&[line], 1250, 1).map(|t| t.discount_minor);
        assert_eq!(cents, Some(124_988), "in a two-digit currency the same discount keeps its cents");
    }

    #[test]
    fn approval_on_creation_is_the_organizations_free_discount_for_everyone() {
        use QuoteStatus::*;
        let table: &[(i64, QuoteStatus)] = &[
            (0, Approved),
            (1000, Approved),
            (1001, PendingApproval),
            (2500, PendingApproval),
            (9000, PendingApproval),
        ];
        for (bp, want) in table {
            assert_eq!(initial_status(*bp, L), *want, "{bp}");
        }
    }

    #[test]
    fn approval_table() {
        use crate::permission::Scope;
        use QuoteStatus::*;
        let codes =
            |r: Result<(), Vec<Violation>>| r.err().unwrap_or_default().iter().map(|v| v.rule).collect::<Vec<_>>();
        assert_eq!(codes(approve(PendingApproval, Some(Scope::Team), false, 2000, L)), Vec::<Rule>::new());
        assert_eq!(
            codes(approve(PendingApproval, Some(Scope::Team), false, 3000, L)),
            [Rule::DiscountApprovalRequired]
        );
        assert_eq!(codes(approve(PendingApproval, Some(Scope::Org), false, 9000, L)), Vec::<Rule>::new());
        assert_eq!(codes(approve(PendingApproval, Some(Scope::Org), true, 9000, L)), [Rule::SelfApproval]);
        assert_eq!(codes(approve(PendingApproval, None, false, 1500, L)), [Rule::DiscountApprovalRequired]);
        assert_eq!(codes(approve(Approved, Some(Scope::Org), false, 1500, L)), [Rule::InvalidTransition]);
        let r = approve(PendingApproval, Some(Scope::Team), false, 3000, L).err().unwrap_or_default();
        assert!(r[0].reason.contains("FINANCE"), "the reason names who can approve: {r:?}");
        assert!(accept(Approved).is_ok());
        assert_eq!(codes(accept(PendingApproval)), [Rule::DiscountApprovalRequired]);
        assert!(edit(Accepted).is_err());
    }
}
