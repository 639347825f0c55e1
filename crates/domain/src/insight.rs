//! Numbers the departments steer by: campaign efficiency for marketing and revenue at stake
//! for product. Pure arithmetic on counts and minor units.

use crate::lead::string_enum;
use crate::money::share;

string_enum!(
    /// A marketing channel.
    Channel { Seo = "SEO", Sem = "SEM", Social = "SOCIAL", Event = "EVENT", Content = "CONTENT", Webinar = "WEBINAR" }
);

string_enum!(
    /// Where a feature request stands.
    FeatureStatus { New = "NEW", UnderReview = "UNDER_REVIEW", Planned = "PLANNED", Shipped = "SHIPPED", Declined = "DECLINED" }
);

/// What a campaign produced, and what it cost per result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CampaignMetrics {
    pub leads: i64,
    pub qualified: i64,
    pub opportunities: i64,
    pub customers: i64,
    pub won_revenue_minor: i64,
    pub spend_minor: i64,
    /// Spend per lead, rounded to the cent; `None` without leads.
    pub cost_per_lead_minor: Option<i64>,
    /// Spend per won customer, rounded to the cent; `None` without customers.
    pub cost_per_customer_minor: Option<i64>,
}

impl CampaignMetrics {
    pub fn compute(
        leads: i64,
        qualified: i64,
        opportunities: i64,
        customers: i64,
        won_revenue_minor: i64,
        spend_minor: i64,
        unit: i64,
    ) -> Self {
        let per = |n: i64| if n > 0 { share(spend_minor, 1, n, unit) } else { None };
        CampaignMetrics {
            leads,
            qualified,
            opportunities,
            customers,
            won_revenue_minor,
            spend_minor,
            cost_per_lead_minor: per(leads),
            cost_per_customer_minor: per(customers),
        }
    }
}

/// Revenue at stake behind a feature request: the open pipeline of the deals asking plus the
/// annual recurring revenue (12 × monthly) of the accounts asking.
pub fn revenue_at_stake(open_pipeline_minor: i64, monthly_recurring_minor: i64) -> i64 {
    open_pipeline_minor.saturating_add(monthly_recurring_minor.saturating_mul(12))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_per_lead_and_customer_are_rounded_and_absent_without_results() {
        let m = CampaignMetrics::compute(3, 2, 1, 1, 1_801_200, 100_000, 1);
        assert_eq!(m.cost_per_lead_minor, Some(33_333));
        assert_eq!(m.cost_per_customer_minor, Some(100_000));
        let none = CampaignMetrics::compute(0, 0, 0, 0, 0, 50_000, 1);
        assert_eq!((none.cost_per_lead_minor, none.cost_per_customer_minor), (None, None));
    }

    #[test]
    fn revenue_at_stake_adds_pipeline_and_annualised_recurring_revenue() {
        assert_eq!(revenue_at_stake(2_400_000, 150_100), 2_400_000 + 1_801_200);
        assert_eq!(revenue_at_stake(0, 0), 0);
        assert_eq!(revenue_at_stake(i64::MAX, 1), i64::MAX);
    }
}
