//! Commission: earned on collected cash (never on bookings), clawed back on refunds. A base rate
//! on every payment; a retention bonus on SaaS renewals; a big-deal bonus on custom software at
//! or above a threshold; a team bonus on renewals and upsells won with customer success.

use crate::money::share;

/// An organization's commission plan, rates in basis points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub base_bp: i64,
    pub retention_bp: i64,
    pub big_deal_bp: i64,
    pub big_deal_minor: i64,
    pub team_bp: i64,
}

/// What the plan looks at in a deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deal {
    /// NEW_BUSINESS, RENEWAL or EXPANSION.
    pub renewal: bool,
    pub expansion: bool,
    pub custom_software: bool,
    pub contract_value_minor: i64,
    pub cs_credited: bool,
}

/// The components that apply to a deal, with their rates.
pub fn components(plan: &Plan, deal: &Deal) -> Vec<(&'static str, i64)> {
    let mut c = vec![("BASE", plan.base_bp)];
    if deal.renewal && !deal.custom_software {
        c.push(("RETENTION", plan.retention_bp));
    }
    if deal.custom_software && deal.contract_value_minor >= plan.big_deal_minor {
        c.push(("BIG_DEAL", plan.big_deal_bp));
    }
    if (deal.renewal || deal.expansion) && deal.cs_credited {
        c.push(("TEAM", plan.team_bp));
    }
    c
}

/// The commission on `cash_minor` collected (negative for a refund), per component, each
/// rounded to the currency's smallest unit `unit`.
pub fn earn(cash_minor: i64, components: &[(&'static str, i64)], unit: i64) -> Vec<(&'static str, i64, i64)> {
    components.iter().map(|(name, bp)| (*name, *bp, share(cash_minor, *bp, 10_000, unit).unwrap_or(0))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: Plan =
        Plan { base_bp: 800, retention_bp: 200, big_deal_bp: 200, big_deal_minor: 5_000_000, team_bp: 100 };

    #[test]
    fn components_by_deal() {
        let new = Deal {
            renewal: false,
            expansion: false,
            custom_software: false,
            contract_value_minor: 1_801_200,
            cs_credited: false,
        };
        assert_eq!(components(&PLAN, &new), [("BASE", 800)]);
        let renewal = Deal { renewal: true, cs_credited: true, ..new };
        assert_eq!(components(&PLAN, &renewal), [("BASE", 800), ("RETENTION", 200), ("TEAM", 100)]);
        let big = Deal { custom_software: true, contract_value_minor: 5_000_000, ..new };
        assert_eq!(components(&PLAN, &big), [("BASE", 800), ("BIG_DEAL", 200)]);
        let small = Deal { custom_software: true, contract_value_minor: 4_999_999, ..new };
        assert_eq!(components(&PLAN, &small), [("BASE", 800)]);
    }

    #[test]
    fn commission_follows_the_cash_and_refunds_claw_it_back() {
        let c = [("BASE", 800), ("TEAM", 100)];
        assert_eq!(earn(450_300, &c, 1), [("BASE", 800, 36_024), ("TEAM", 100, 4_503)]);
        assert_eq!(earn(-100_000, &c, 1), [("BASE", 800, -8_000), ("TEAM", 100, -1_000)]);
    }
}
