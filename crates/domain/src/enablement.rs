//! Channel partners and sales training: partner kinds and rebates, training levels and the
//! topics each level covers.

use crate::lead::string_enum;
use crate::money::share;

string_enum!(
    /// A kind of channel partner.
    PartnerKind { Reseller = "RESELLER", SystemIntegrator = "SYSTEM_INTEGRATOR", CloudMarketplace = "CLOUD_MARKETPLACE" }
);

string_enum!(
    /// Who a training programme is for.
    TrainingLevel { NewHire = "NEW_HIRE", Veteran = "VETERAN", Manager = "MANAGER" }
);

string_enum!(
    /// What a training programme teaches.
    TrainingTopic {
        Product = "PRODUCT",
        Selling = "SELLING",
        Industry = "INDUSTRY",
        StrategicNegotiation = "STRATEGIC_NEGOTIATION",
        ComplexProjects = "COMPLEX_PROJECTS",
        VerticalSolutions = "VERTICAL_SOLUTIONS",
        Coaching = "COACHING",
        Process = "PROCESS",
        Data = "DATA",
    }
);

impl TrainingLevel {
    /// The topics of the level: new hires learn product, selling and industry; veterans
    /// strategic negotiation, complex projects and vertical solutions; managers coaching,
    /// process and data.
    pub fn topics(self) -> [TrainingTopic; 3] {
        use TrainingTopic::*;
        match self {
            TrainingLevel::NewHire => [Product, Selling, Industry],
            TrainingLevel::Veteran => [StrategicNegotiation, ComplexProjects, VerticalSolutions],
            TrainingLevel::Manager => [Coaching, Process, Data],
        }
    }
}

/// The rebate a partner earns on collected cash: `paid × rate`, rounded to the currency's
/// smallest unit `unit`.
pub fn rebate(paid_minor: i64, rate_bp: i64, unit: i64) -> i64 {
    share(paid_minor, rate_bp, 10_000, unit).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_level_has_its_three_topics() {
        assert!(TrainingLevel::NewHire.topics().contains(&TrainingTopic::Industry));
        assert!(TrainingLevel::Veteran.topics().contains(&TrainingTopic::VerticalSolutions));
        assert!(TrainingLevel::Manager.topics().contains(&TrainingTopic::Data));
        assert!(!TrainingLevel::NewHire.topics().contains(&TrainingTopic::Coaching));
    }

    #[test]
    fn rebates_are_a_share_of_collected_cash() {
        assert_eq!(rebate(450_300, 1_000, 1), 45_030);
        assert_eq!(rebate(333, 1_500, 1), 50, "49.95 cents round to 50");
        assert_eq!(rebate(0, 2_000, 1), 0);
    }
}
