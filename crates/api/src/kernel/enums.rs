//! GraphQL enums, mirroring the domain's enums (only this crate derives GraphQL traits).

use async_graphql::Enum;
use baton_domain::Role as DRole;
use baton_domain::lead as d;

/// Declares a GraphQL enum mirroring a domain enum, with conversions both ways.
macro_rules! mirror {
    ($(#[$m:meta])* $name:ident <=> $domain:path { $($(#[$vm:meta])* $v:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
        #[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl From<$name> for $domain {
            fn from(v: $name) -> Self { match v { $($name::$v => <$domain>::$v),+ } }
        }
        impl From<$domain> for $name {
            fn from(v: $domain) -> Self { match v { $(<$domain>::$v => $name::$v),+ } }
        }
    };
}

mirror!(
    /// A role granted to a user or an API token.
    Role <=> DRole {
        /// Sales development rep: captures, contacts and qualifies leads.
        Sdr,
        /// Account executive: owns opportunities from discovery to signature.
        AccountExecutive,
        /// Sales manager: steers the team, approves discounts up to the manager limit.
        SalesManager,
        /// Marketing: campaigns, lead sources and messaging.
        Marketing,
        /// Product: feature requests and releases.
        Product,
        /// Customer success: onboarding, adoption, renewals.
        CustomerSuccess,
        /// Customer success manager: the whole customer success department.
        CsManager,
        /// Legal: contract templates and reviews.
        Legal,
        /// Privacy officer: data-subject requests (export, erasure), data residency and retention.
        PrivacyOfficer,
        /// Finance: invoices, payments and collections.
        Finance,
        /// Administrator: users, roles, teams, settings and API tokens.
        Admin,
    }
);

mirror!(
    /// Where a lead came from.
    LeadSource <=> d::LeadSource {
        /// Organic search.
        Seo,
        /// Paid search.
        Sem,
        /// Social media.
        Social,
        /// Trade shows and seminars.
        Event,
        /// White papers and case studies.
        Content,
        /// A customer's referral.
        Referral,
        /// A channel partner.
        Partner,
        /// An outbound cold call.
        ColdCall,
        /// The customer signed up by itself.
        SelfSignup,
    }
);

mirror!(
    /// Where a lead stands.
    LeadStatus <=> d::LeadStatus {
        /// Captured, not yet contacted.
        New,
        /// Contacted at least once.
        Contacted,
        /// Qualified with BANT; carries a priority.
        Qualified,
        /// Closed without conversion, with a reason.
        Disqualified,
        /// Converted into an account, a contact and an opportunity.
        Converted,
    }
);

mirror!(
    /// How urgently a lead is followed up.
    Priority <=> d::Priority {
        /// Follow up now; may be converted.
        High,
        /// Follow up periodically.
        Medium,
        /// Park.
        Low,
    }
);

mirror!(
    /// When the customer plans to buy.
    PurchaseTimeline <=> d::PurchaseTimeline {
        /// Within three months.
        Within3Months,
        /// Within six months.
        Within6Months,
        /// Within twelve months.
        Within12Months,
        /// Later than twelve months.
        Later,
        /// Not known yet.
        Unknown,
    }
);

/// The kind of a sales team.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TeamKind {
    /// Direct sales: high price, complex decisions.
    Direct,
    /// Channel partners: resellers and system integrators.
    Channel,
    /// Key accounts: the largest customers.
    KeyAccount,
}

impl TeamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TeamKind::Direct => "DIRECT",
            TeamKind::Channel => "CHANNEL",
            TeamKind::KeyAccount => "KEY_ACCOUNT",
        }
    }
    pub fn parse(s: &str) -> TeamKind {
        match s {
            "CHANNEL" => TeamKind::Channel,
            "KEY_ACCOUNT" => TeamKind::KeyAccount,
            _ => TeamKind::Direct,
        }
    }
}

/// The stages of an opportunity.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OpportunityStage {
    /// The first conversations after conversion.
    Discovery,
    /// The account executive researches the deeper need.
    NeedsAnalysis,
    /// A tailored demo is shown.
    Demo,
    /// A priced proposal (quote) is on the table.
    Proposal,
    /// Terms are negotiated.
    Negotiation,
    /// The contract is drafted, reviewed and signed.
    Contracting,
    /// Won: the contract is signed.
    ClosedWon,
    /// Lost, with a reason.
    ClosedLost,
}

impl OpportunityStage {
    pub fn as_str(self) -> &'static str {
        match self {
            OpportunityStage::Discovery => "DISCOVERY",
            OpportunityStage::NeedsAnalysis => "NEEDS_ANALYSIS",
            OpportunityStage::Demo => "DEMO",
            OpportunityStage::Proposal => "PROPOSAL",
            OpportunityStage::Negotiation => "NEGOTIATION",
            OpportunityStage::Contracting => "CONTRACTING",
            OpportunityStage::ClosedWon => "CLOSED_WON",
            OpportunityStage::ClosedLost => "CLOSED_LOST",
        }
    }
}

/// The role a contact plays in the customer's decision chain.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ContactRole {
    /// Information technology.
    It,
    /// A business owner.
    Business,
    /// An executive.
    Executive,
    /// Procurement.
    Procurement,
    /// Any other role.
    Other,
}

impl ContactRole {
    pub fn parse(s: &str) -> ContactRole {
        match s {
            "IT" => ContactRole::It,
            "BUSINESS" => ContactRole::Business,
            "EXECUTIVE" => ContactRole::Executive,
            "PROCUREMENT" => ContactRole::Procurement,
            _ => ContactRole::Other,
        }
    }
}

macro_rules! plain_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
        pub enum $name { $($(#[$vm])* $v),+ }
    };
}

plain_enum!(
    /// The status of a quote.
    QuoteStatus {
        /// The discount exceeds the creator's limit and waits for an approver.
        PendingApproval,
        /// Approved (on creation within the creator's limit, or by an approver).
        Approved,
        /// The customer accepted it.
        Accepted,
        /// Replaced by a newer quote.
        Superseded,
        /// Withdrawn.
        Voided,
    }
);
plain_enum!(
    /// The status of a contract.
    ContractStatus {
        /// Being drafted or edited.
        Draft,
        /// Waiting in the legal approval queue.
        InLegalReview,
        /// Legal asked for changes.
        ChangesRequested,
        /// Legal approved this exact version.
        Approved,
        /// Signed by the customer.
        Signed,
        /// Voided.
        Voided,
    }
);
plain_enum!(
    /// The status of a hand-off package from sales to customer success.
    HandoffStatus {
        /// Being prepared by the account executive.
        Draft,
        /// Waiting for customer success.
        Submitted,
        /// Accepted by customer success.
        Accepted,
        /// Returned to the account executive with a reason.
        Returned,
    }
);
plain_enum!(
    /// The status of an invoice.
    InvoiceStatus {
        /// Planned by the payment schedule, not yet issued.
        Scheduled,
        /// Issued and unpaid.
        Issued,
        /// Partly paid.
        PartiallyPaid,
        /// Paid in full.
        Paid,
        /// Voided.
        Void,
    }
);
plain_enum!(
    /// How a contract's value is invoiced.
    PaymentSchedule {
        /// Everything up front.
        Upfront,
        /// Once a year.
        Annual,
        /// Every quarter.
        Quarterly,
        /// Every month.
        Monthly,
        /// At delivery milestones.
        Milestones,
    }
);
plain_enum!(
    /// How a product is priced.
    PricingModel {
        /// Per user (seat) per month.
        PerSeat,
        /// Per add-on module per seat per month.
        PerModule,
        /// A fixed total price.
        FixedPrice,
    }
);
plain_enum!(
    /// The tier of a subscription plan.
    PlanTier {
        /// The entry plan.
        Basic,
        /// The plan for growing teams.
        Professional,
        /// The plan for large organisations.
        Enterprise,
    }
);
plain_enum!(
    /// What kind of activity was logged.
    ActivityKind {
        /// A phone call.
        Call,
        /// An e-mail.
        Email,
        /// A meeting.
        Meeting,
        /// A product demo.
        Demo,
        /// A visit at the customer.
        Visit,
    }
);

/// A stored spelling read as its GraphQL enum: the stored values are the enum's item names, so
/// the wire value is what the column holds. A value the enum does not know is an internal
/// error naming the enum, never a guess.
pub fn stored<T: async_graphql::resolver_utils::EnumType>(s: &str) -> async_graphql::Result<T> {
    T::items().iter().find(|i| i.name == s).map(|i| i.value).ok_or_else(|| {
        crate::to_gql(baton_app::AppError::Internal(anyhow::anyhow!(
            "the stored value {s:?} is not a {}",
            std::any::type_name::<T>().rsplit("::").next().unwrap_or("known value")
        )))
    })
}

/// The wire name of an enum value, the string the store keeps for it.
pub fn wire<T: async_graphql::resolver_utils::EnumType + PartialEq>(v: T) -> &'static str {
    T::items().iter().find(|i| i.value == v).map_or("", |i| i.name)
}

/// [`stored`] for a nullable column.
pub fn stored_opt<T: async_graphql::resolver_utils::EnumType>(s: Option<&str>) -> async_graphql::Result<Option<T>> {
    s.map(stored).transpose()
}

/// How an account is served.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AccountTier {
    /// A named account manager.
    Vip,
    /// Automated programmes.
    Standard,
}

/// What a deal is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OpportunityKind {
    /// A new customer.
    NewBusiness,
    /// An existing customer's renewal.
    Renewal,
    /// More for an existing customer.
    Expansion,
}

/// The kind of a contract and of its template.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ContractKind {
    /// The standard SaaS service agreement.
    SaasServiceAgreement,
    /// A custom-development contract, with milestones and change orders.
    CustomDevelopment,
}

/// What moved on an invoice.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PaymentKind {
    /// Cash received.
    Payment,
    /// Cash paid back.
    Refund,
    /// A referral reward applied to the invoice; no cash moved.
    Credit,
}

/// Whether a gift was given or received.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum GiftDirection {
    /// Given to the counterpart.
    Given,
    /// Received from the counterpart.
    Received,
}

/// Where a gift stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum GiftStatus {
    /// Under the threshold: recorded, no approval needed.
    Recorded,
    /// Over the threshold: waiting for approval.
    PendingApproval,
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
}

/// Where a data-subject request stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DataSubjectRequestStatus {
    /// Received, not yet done.
    Open,
    /// Exported or erased.
    Completed,
}

/// Whether a customer still subscribes.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SubscriptionStatus {
    /// Running.
    Active,
    /// The customer left.
    Churned,
}

/// Where a referral reward stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ReferralRewardStatus {
    /// Waiting for the referrer's next invoice.
    Earned,
    /// Credited on it.
    Applied,
}

/// What an SLA clock watches.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SlaClockKind {
    /// A new lead's first contact.
    FirstContact,
    /// The needs analysis of a new deal.
    NeedsAnalysis,
    /// The demo of a deal in solution design.
    Demo,
    /// Legal's review of a submitted contract.
    LegalReview,
    /// The first invoice's payment.
    FirstPayment,
}

/// Where a task stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TaskStatus {
    /// To do.
    Open,
    /// Done.
    Done,
}

/// How a closed deal ended.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DealOutcome {
    /// Won.
    Won,
    /// Lost.
    Lost,
}

/// A component of the commission plan.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CommissionComponent {
    /// The base rate on collected cash.
    Base,
    /// The retention bonus on a SaaS renewal.
    Retention,
    /// The bonus on a large custom-development deal.
    BigDeal,
    /// Customer success's share of a renewal or expansion it is credited on.
    Team,
}
