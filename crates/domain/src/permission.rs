//! Permissions as data: one table maps (role, action) to a row scope.
//!
//! A missing row means the role may not do the action. A caller holding several roles gets the
//! widest scope any of them grants. Every resolver authorizes through [`authorize`], and the
//! authorization test matrix is generated from [`TABLE`].

use crate::role::Role;

/// Which rows an allowed action reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Rows the caller owns.
    Own,
    /// Rows owned by the caller or by members of the teams the caller manages or belongs to.
    Team,
    /// Rows that belong to the caller's department (e.g. every account CS has taken over).
    Department,
    /// Every row of the organization.
    Org,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Own, Scope::Team, Scope::Department, Scope::Org];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Own => "OWN",
            Scope::Team => "TEAM",
            Scope::Department => "DEPARTMENT",
            Scope::Org => "ORG",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Everything a caller can ask Baton to do. The names are the GraphQL operation names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    // Department views.
    SalesView,
    MarketingView,
    ProductView,
    CustomerSuccessView,
    LegalView,
    FinanceView,
    // Reads under row scope.
    ReadLead,
    ReadAccount,
    ReadOpportunity,
    ReadAuditLog,
    // The lead slice.
    CreateLead,
    UpdateLead,
    AssignLead,
    RecordLeadContact,
    QualifyLead,
    DisqualifyLead,
    ConvertLead,
    // The backbone: opportunities, quotes, contracts, invoices, hand-offs.
    ReadQuote,
    ReadContract,
    ReadInvoice,
    ReadHandoffPackage,
    AddContact,
    UpdateContact,
    /// Creating accounts outside a conversion: only an import does it.
    ImportAccounts,
    UpdateOpportunity,
    RecordNeedsAnalysis,
    LogActivity,
    MoveOpportunity,
    CloseOpportunityLost,
    CreateQuote,
    UpdateQuote,
    ApproveQuote,
    AcceptQuote,
    DraftContract,
    UpdateContractClause,
    SubmitContractForReview,
    ApproveContract,
    RequestContractChanges,
    SignContract,
    VoidContract,
    CreateChangeOrder,
    UpdateHandoffPackage,
    SubmitHandoffPackage,
    AcceptHandoff,
    ReturnHandoff,
    RecordPayment,
    RefundPayment,
    VoidInvoice,
    // Product and marketing loops.
    CreateCampaign,
    UpdateCampaign,
    PublishMessaging,
    FileFeatureRequest,
    MergeFeatureRequests,
    SetFeatureRequestStatus,
    // Customer success.
    RecordUsage,
    RecordBusinessReview,
    OverrideHealth,
    RecordChurn,
    FlagUpsell,
    SetAccountTier,
    // Partners and enablement.
    ManagePartners,
    ManageTraining,
    RecordTraining,
    // Release notes.
    PublishReleaseNote,
    AcknowledgeReleaseNote,
    // Review and improvement.
    RecordWinLossReview,
    // Automation and incentives.
    ClaimLead,
    ReadPoolActivity,
    SetQuota,
    OptOutOfCadence,
    EnrollInCadence,
    // Compliance.
    RecordGift,
    ApproveGift,
    RejectGift,
    // Data protection.
    ManageConsent,
    EmailLead,
    HandleDataSubjectRequest,
    SetDataResidency,
    ReadComplianceRegister,
    // Conduct.
    AcknowledgeConduct,
    ReadConductStatus,
    // Contract governance.
    ManageContractPolicy,
    // Cadence definitions.
    DefineCadence,
    // Administration.
    CreateUser,
    SetUserRoles,
    DeactivateUser,
    CreateTeam,
    AddTeamMember,
    UpdateOrgSettings,
    CreateApiToken,
    RevokeApiToken,
    // Custom roles.
    CreateRole,
    UpdateRole,
    RetireRole,
    GrantRole,
    RevokeRole,
    ExplainAccess,
    ViewAs,
    // Webhooks.
    CreateWebhook,
    RedeliverWebhook,
    ReadWebhooks,
    // Exports.
    ExportCsv,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::SalesView,
        Action::MarketingView,
        Action::ProductView,
        Action::CustomerSuccessView,
        Action::LegalView,
        Action::FinanceView,
        Action::ReadLead,
        Action::ReadAccount,
        Action::ReadOpportunity,
        Action::ReadAuditLog,
        Action::CreateLead,
        Action::UpdateLead,
        Action::AssignLead,
        Action::RecordLeadContact,
        Action::QualifyLead,
        Action::DisqualifyLead,
        Action::ConvertLead,
        Action::ReadQuote,
        Action::ReadContract,
        Action::ReadInvoice,
        Action::ReadHandoffPackage,
        Action::AddContact,
        Action::UpdateContact,
        Action::ImportAccounts,
        Action::UpdateOpportunity,
        Action::RecordNeedsAnalysis,
        Action::LogActivity,
        Action::MoveOpportunity,
        Action::CloseOpportunityLost,
        Action::CreateQuote,
        Action::UpdateQuote,
        Action::ApproveQuote,
        Action::AcceptQuote,
        Action::DraftContract,
        Action::UpdateContractClause,
        Action::SubmitContractForReview,
        Action::ApproveContract,
        Action::RequestContractChanges,
        Action::SignContract,
        Action::VoidContract,
        Action::CreateChangeOrder,
        Action::UpdateHandoffPackage,
        Action::SubmitHandoffPackage,
        Action::AcceptHandoff,
        Action::ReturnHandoff,
        Action::RecordPayment,
        Action::RefundPayment,
        Action::VoidInvoice,
        Action::CreateCampaign,
        Action::UpdateCampaign,
        Action::PublishMessaging,
        Action::FileFeatureRequest,
        Action::MergeFeatureRequests,
        Action::SetFeatureRequestStatus,
        Action::RecordUsage,
        Action::RecordBusinessReview,
        Action::OverrideHealth,
        Action::RecordChurn,
        Action::FlagUpsell,
        Action::SetAccountTier,
        Action::ManagePartners,
        Action::ManageTraining,
        Action::RecordTraining,
        Action::PublishReleaseNote,
        Action::AcknowledgeReleaseNote,
        Action::RecordWinLossReview,
        Action::ClaimLead,
        Action::ReadPoolActivity,
        Action::SetQuota,
        Action::OptOutOfCadence,
        Action::EnrollInCadence,
        Action::RecordGift,
        Action::ApproveGift,
        Action::RejectGift,
        Action::ManageConsent,
        Action::EmailLead,
        Action::HandleDataSubjectRequest,
        Action::SetDataResidency,
        Action::ReadComplianceRegister,
        Action::AcknowledgeConduct,
        Action::ReadConductStatus,
        Action::ManageContractPolicy,
        Action::DefineCadence,
        Action::CreateUser,
        Action::SetUserRoles,
        Action::DeactivateUser,
        Action::CreateTeam,
        Action::AddTeamMember,
        Action::UpdateOrgSettings,
        Action::CreateApiToken,
        Action::RevokeApiToken,
        Action::CreateRole,
        Action::UpdateRole,
        Action::RetireRole,
        Action::GrantRole,
        Action::RevokeRole,
        Action::ExplainAccess,
        Action::ViewAs,
        Action::CreateWebhook,
        Action::RedeliverWebhook,
        Action::ReadWebhooks,
        Action::ExportCsv,
    ];

    /// The operation name the API exposes (`convertLead`, `salesView`).
    pub fn name(self) -> &'static str {
        match self {
            Action::SalesView => "salesView",
            Action::MarketingView => "marketingView",
            Action::ProductView => "productView",
            Action::CustomerSuccessView => "customerSuccessView",
            Action::LegalView => "legalView",
            Action::FinanceView => "financeView",
            Action::ReadLead => "lead",
            Action::ReadAccount => "account",
            Action::ReadOpportunity => "opportunity",
            Action::ReadAuditLog => "auditLog",
            Action::CreateLead => "createLead",
            Action::UpdateLead => "updateLead",
            Action::AssignLead => "assignLead",
            Action::RecordLeadContact => "recordLeadContact",
            Action::QualifyLead => "qualifyLead",
            Action::DisqualifyLead => "disqualifyLead",
            Action::ConvertLead => "convertLead",
            Action::ReadQuote => "quote",
            Action::ReadContract => "contract",
            Action::ReadInvoice => "invoice",
            Action::ReadHandoffPackage => "handoffPackage",
            Action::AddContact => "addContact",
            Action::UpdateContact => "updateContact",
            Action::ImportAccounts => "importAccounts",
            Action::UpdateOpportunity => "updateOpportunity",
            Action::RecordNeedsAnalysis => "recordNeedsAnalysis",
            Action::LogActivity => "logActivity",
            Action::MoveOpportunity => "moveOpportunity",
            Action::CloseOpportunityLost => "closeOpportunityLost",
            Action::CreateQuote => "createQuote",
            Action::UpdateQuote => "updateQuote",
            Action::ApproveQuote => "approveQuote",
            Action::AcceptQuote => "acceptQuote",
            Action::DraftContract => "draftContract",
            Action::UpdateContractClause => "updateContractClause",
            Action::SubmitContractForReview => "submitContractForReview",
            Action::ApproveContract => "approveContract",
            Action::RequestContractChanges => "requestContractChanges",
            Action::SignContract => "signContract",
            Action::VoidContract => "voidContract",
            Action::CreateChangeOrder => "createChangeOrder",
            Action::UpdateHandoffPackage => "updateHandoffPackage",
            Action::SubmitHandoffPackage => "submitHandoffPackage",
            Action::AcceptHandoff => "acceptHandoff",
            Action::ReturnHandoff => "returnHandoff",
            Action::RecordPayment => "recordPayment",
            Action::RefundPayment => "refundPayment",
            Action::VoidInvoice => "voidInvoice",
            Action::CreateCampaign => "createCampaign",
            Action::UpdateCampaign => "updateCampaign",
            Action::PublishMessaging => "publishMessaging",
            Action::FileFeatureRequest => "fileFeatureRequest",
            Action::MergeFeatureRequests => "mergeFeatureRequests",
            Action::SetFeatureRequestStatus => "setFeatureRequestStatus",
            Action::RecordUsage => "recordUsage",
            Action::RecordBusinessReview => "recordBusinessReview",
            Action::OverrideHealth => "overrideHealth",
            Action::RecordChurn => "recordChurn",
            Action::FlagUpsell => "flagUpsell",
            Action::SetAccountTier => "setAccountTier",
            Action::ManagePartners => "createPartner",
            Action::ManageTraining => "createTrainingProgramme",
            Action::RecordTraining => "recordTrainingCompletion",
            Action::PublishReleaseNote => "publishReleaseNote",
            Action::AcknowledgeReleaseNote => "acknowledgeReleaseNote",
            Action::RecordWinLossReview => "recordWinLossReview",
            Action::ClaimLead => "claimLead",
            Action::ReadPoolActivity => "poolActivity",
            Action::SetQuota => "setQuota",
            Action::OptOutOfCadence => "optOutOfCadence",
            Action::EnrollInCadence => "enrollInCadence",
            Action::RecordGift => "recordGift",
            Action::ApproveGift => "approveGift",
            Action::RejectGift => "rejectGift",
            Action::ManageConsent => "recordConsent",
            Action::EmailLead => "sendLeadEmail",
            Action::HandleDataSubjectRequest => "openDataSubjectRequest",
            Action::SetDataResidency => "setDataResidency",
            Action::ReadComplianceRegister => "consentRegister",
            Action::AcknowledgeConduct => "acknowledgeConduct",
            Action::ReadConductStatus => "conductStatus",
            Action::ManageContractPolicy => "updateContractReviewPolicy",
            Action::DefineCadence => "createCadence",
            Action::CreateUser => "createUser",
            Action::SetUserRoles => "setUserRoles",
            Action::DeactivateUser => "deactivateUser",
            Action::CreateTeam => "createTeam",
            Action::AddTeamMember => "addTeamMember",
            Action::UpdateOrgSettings => "updateOrgSettings",
            Action::CreateApiToken => "createApiToken",
            Action::RevokeApiToken => "revokeApiToken",
            Action::CreateRole => "createRole",
            Action::UpdateRole => "updateRole",
            Action::RetireRole => "retireRole",
            Action::GrantRole => "grantRole",
            Action::RevokeRole => "revokeRole",
            Action::ExplainAccess => "explainAccess",
            Action::ViewAs => "viewAs",
            Action::CreateWebhook => "createWebhook",
            Action::RedeliverWebhook => "redeliverWebhook",
            Action::ReadWebhooks => "webhookDeliveries",
            Action::ExportCsv => "exportCsv",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}

use Action as A;
use Role as R;
use Scope as S;

/// The permission table: (role, action, scope). The single source of truth for who may do what.
pub const TABLE: &[(Role, Action, Scope)] = &[
    // Sales development reps work their own leads and convert them.
    (R::Sdr, A::SalesView, S::Own),
    (R::Sdr, A::ReadLead, S::Own),
    (R::Sdr, A::ReadAccount, S::Own),
    (R::Sdr, A::ReadOpportunity, S::Own),
    (R::Sdr, A::CreateLead, S::Own),
    (R::Sdr, A::UpdateLead, S::Own),
    (R::Sdr, A::RecordLeadContact, S::Own),
    (R::Sdr, A::QualifyLead, S::Own),
    (R::Sdr, A::DisqualifyLead, S::Own),
    (R::Sdr, A::ConvertLead, S::Own),
    // Account executives work their own leads and the opportunities they own.
    (R::AccountExecutive, A::SalesView, S::Own),
    (R::AccountExecutive, A::ReadLead, S::Own),
    (R::AccountExecutive, A::ReadAccount, S::Own),
    (R::AccountExecutive, A::ReadOpportunity, S::Own),
    (R::AccountExecutive, A::UpdateLead, S::Own),
    (R::AccountExecutive, A::RecordLeadContact, S::Own),
    (R::AccountExecutive, A::QualifyLead, S::Own),
    (R::AccountExecutive, A::DisqualifyLead, S::Own),
    // Sales managers see and steer their team's work.
    (R::SalesManager, A::SalesView, S::Team),
    (R::SalesManager, A::ReadLead, S::Team),
    (R::SalesManager, A::ReadAccount, S::Team),
    (R::SalesManager, A::ReadOpportunity, S::Team),
    (R::SalesManager, A::CreateLead, S::Team),
    (R::SalesManager, A::UpdateLead, S::Team),
    (R::SalesManager, A::AssignLead, S::Team),
    (R::SalesManager, A::ReadPoolActivity, S::Team),
    (R::SalesManager, A::RecordLeadContact, S::Team),
    (R::SalesManager, A::QualifyLead, S::Team),
    (R::SalesManager, A::DisqualifyLead, S::Team),
    (R::SalesManager, A::ConvertLead, S::Team),
    // Marketing brings leads in and sees all of them, not the commercial side.
    (R::Marketing, A::MarketingView, S::Org),
    (R::Marketing, A::ReadLead, S::Org),
    (R::Marketing, A::CreateLead, S::Org),
    (R::Product, A::ProductView, S::Org),
    // Customer success sees the accounts it has taken over.
    (R::CustomerSuccess, A::CustomerSuccessView, S::Own),
    (R::CustomerSuccess, A::ReadAccount, S::Own),
    (R::CsManager, A::CustomerSuccessView, S::Department),
    (R::CsManager, A::ReadAccount, S::Department),
    (R::Legal, A::LegalView, S::Org),
    (R::Legal, A::ReadAuditLog, S::Org),
    (R::Finance, A::FinanceView, S::Org),
    (R::Finance, A::ReadAccount, S::Org),
    // The backbone. Objects of a deal belong to the opportunity's owner.
    (R::AccountExecutive, A::ReadQuote, S::Own),
    (R::AccountExecutive, A::ReadContract, S::Own),
    (R::AccountExecutive, A::ReadInvoice, S::Own),
    (R::AccountExecutive, A::ReadHandoffPackage, S::Own),
    (R::AccountExecutive, A::AddContact, S::Own),
    (R::AccountExecutive, A::UpdateContact, S::Own),
    // An account executive imports the accounts they will work; a manager, their team's.
    (R::AccountExecutive, A::ImportAccounts, S::Own),
    (R::AccountExecutive, A::UpdateOpportunity, S::Own),
    (R::AccountExecutive, A::RecordNeedsAnalysis, S::Own),
    (R::AccountExecutive, A::LogActivity, S::Own),
    (R::AccountExecutive, A::MoveOpportunity, S::Own),
    (R::AccountExecutive, A::CloseOpportunityLost, S::Own),
    (R::AccountExecutive, A::CreateQuote, S::Own),
    (R::AccountExecutive, A::UpdateQuote, S::Own),
    (R::AccountExecutive, A::AcceptQuote, S::Own),
    (R::AccountExecutive, A::DraftContract, S::Own),
    (R::AccountExecutive, A::UpdateContractClause, S::Own),
    (R::AccountExecutive, A::SubmitContractForReview, S::Own),
    (R::AccountExecutive, A::SignContract, S::Own),
    (R::AccountExecutive, A::VoidContract, S::Own),
    (R::AccountExecutive, A::CreateChangeOrder, S::Own),
    (R::AccountExecutive, A::UpdateHandoffPackage, S::Own),
    (R::AccountExecutive, A::SubmitHandoffPackage, S::Own),
    (R::SalesManager, A::ReadQuote, S::Team),
    (R::SalesManager, A::ReadContract, S::Team),
    (R::SalesManager, A::ReadInvoice, S::Team),
    (R::SalesManager, A::ReadHandoffPackage, S::Team),
    (R::SalesManager, A::AddContact, S::Team),
    (R::SalesManager, A::UpdateContact, S::Team),
    (R::SalesManager, A::ImportAccounts, S::Team),
    (R::SalesManager, A::UpdateOpportunity, S::Team),
    (R::SalesManager, A::LogActivity, S::Team),
    (R::SalesManager, A::MoveOpportunity, S::Team),
    (R::SalesManager, A::CloseOpportunityLost, S::Team),
    (R::SalesManager, A::ApproveQuote, S::Team),
    (R::SalesManager, A::CreateChangeOrder, S::Team),
    // Legal reviews every contract; it may edit clauses, but never approves its own edits.
    (R::Legal, A::ReadContract, S::Org),
    (R::Legal, A::ReadQuote, S::Org),
    (R::Legal, A::UpdateContractClause, S::Org),
    (R::Legal, A::ApproveContract, S::Org),
    (R::Legal, A::RequestContractChanges, S::Org),
    (R::Legal, A::VoidContract, S::Org),
    // Finance sees all quotes, contracts and invoices, approves any discount, takes payments.
    (R::Finance, A::ReadQuote, S::Org),
    (R::Finance, A::ReadContract, S::Org),
    (R::Finance, A::ReadInvoice, S::Org),
    (R::Finance, A::ApproveQuote, S::Org),
    (R::Finance, A::RecordPayment, S::Org),
    (R::Finance, A::RefundPayment, S::Org),
    (R::Finance, A::VoidInvoice, S::Org),
    // Customer success sees the packages submitted to it and takes them over or returns them.
    (R::CustomerSuccess, A::ReadHandoffPackage, S::Department),
    (R::CustomerSuccess, A::AcceptHandoff, S::Department),
    (R::CustomerSuccess, A::ReturnHandoff, S::Department),
    (R::CsManager, A::ReadHandoffPackage, S::Department),
    (R::CsManager, A::AcceptHandoff, S::Department),
    (R::CsManager, A::ReturnHandoff, S::Department),
    (R::Admin, A::ReadQuote, S::Org),
    (R::Admin, A::ReadContract, S::Org),
    (R::Admin, A::ReadInvoice, S::Org),
    (R::Admin, A::ReadHandoffPackage, S::Org),
    // Marketing runs campaigns and publishes the messaging sales repeats.
    (R::Marketing, A::CreateCampaign, S::Org),
    (R::Marketing, A::UpdateCampaign, S::Org),
    (R::Marketing, A::PublishMessaging, S::Org),
    // Sales and customer success file feature requests for the accounts they work with.
    (R::AccountExecutive, A::FileFeatureRequest, S::Own),
    (R::SalesManager, A::FileFeatureRequest, S::Team),
    (R::CustomerSuccess, A::FileFeatureRequest, S::Own),
    (R::CsManager, A::FileFeatureRequest, S::Department),
    // Product triages them.
    (R::Product, A::MergeFeatureRequests, S::Org),
    (R::Product, A::SetFeatureRequestStatus, S::Org),
    // Customer success works the accounts it took over; usage may come from any CS
    // integration, and only the CS manager decides tiers.
    (R::CustomerSuccess, A::RecordUsage, S::Department),
    (R::CustomerSuccess, A::RecordBusinessReview, S::Own),
    (R::CustomerSuccess, A::OverrideHealth, S::Own),
    (R::CustomerSuccess, A::RecordChurn, S::Own),
    (R::CustomerSuccess, A::FlagUpsell, S::Own),
    (R::CsManager, A::RecordUsage, S::Department),
    (R::CsManager, A::RecordBusinessReview, S::Department),
    (R::CsManager, A::OverrideHealth, S::Department),
    (R::CsManager, A::RecordChurn, S::Department),
    (R::CsManager, A::FlagUpsell, S::Department),
    (R::CsManager, A::SetAccountTier, S::Department),
    // The channel and training are run by sales management; every rep records its own training.
    (R::SalesManager, A::ManagePartners, S::Org),
    (R::SalesManager, A::ManageTraining, S::Org),
    (R::SalesManager, A::RecordTraining, S::Team),
    (R::Sdr, A::RecordTraining, S::Own),
    (R::AccountExecutive, A::RecordTraining, S::Own),
    (R::CustomerSuccess, A::RecordTraining, S::Own),
    (R::CsManager, A::RecordTraining, S::Own),
    (R::Admin, A::ManagePartners, S::Org),
    (R::Admin, A::ManageTraining, S::Org),
    // Product publishes release notes; sales and customer success acknowledge learning them.
    (R::Product, A::PublishReleaseNote, S::Org),
    (R::Sdr, A::AcknowledgeReleaseNote, S::Own),
    (R::AccountExecutive, A::AcknowledgeReleaseNote, S::Own),
    (R::SalesManager, A::AcknowledgeReleaseNote, S::Own),
    (R::CustomerSuccess, A::AcknowledgeReleaseNote, S::Own),
    (R::CsManager, A::AcknowledgeReleaseNote, S::Own),
    // Closed deals are reviewed by their owner or the manager.
    (R::AccountExecutive, A::RecordWinLossReview, S::Own),
    (R::SalesManager, A::RecordWinLossReview, S::Team),
    // SDRs claim leads from the shared pool; managers set quotas; leads are put on cadences and
    // taken off them by whoever works the lead.
    (R::Sdr, A::ClaimLead, S::Own),
    (R::SalesManager, A::ClaimLead, S::Team),
    (R::SalesManager, A::SetQuota, S::Team),
    (R::Admin, A::SetQuota, S::Org),
    (R::Sdr, A::OptOutOfCadence, S::Own),
    (R::SalesManager, A::OptOutOfCadence, S::Team),
    (R::Marketing, A::OptOutOfCadence, S::Org),
    (R::Sdr, A::EnrollInCadence, S::Own),
    (R::SalesManager, A::EnrollInCadence, S::Team),
    (R::Marketing, A::EnrollInCadence, S::Org),
    // Gifts are recorded by whoever gives or receives them; legal (compliance) decides above the threshold.
    (R::Sdr, A::RecordGift, S::Own),
    (R::AccountExecutive, A::RecordGift, S::Own),
    (R::SalesManager, A::RecordGift, S::Team),
    (R::CustomerSuccess, A::RecordGift, S::Own),
    (R::CsManager, A::RecordGift, S::Department),
    (R::Legal, A::ApproveGift, S::Org),
    (R::Legal, A::RejectGift, S::Org),
    // Consent is recorded by whoever works the lead; e-mail to a lead needs its consent.
    (R::Sdr, A::ManageConsent, S::Own),
    (R::AccountExecutive, A::ManageConsent, S::Own),
    (R::SalesManager, A::ManageConsent, S::Team),
    (R::Marketing, A::ManageConsent, S::Org),
    (R::Sdr, A::EmailLead, S::Own),
    (R::AccountExecutive, A::EmailLead, S::Own),
    (R::SalesManager, A::EmailLead, S::Team),
    // Marketing and sales management define the organization's cadences.
    (R::Marketing, A::DefineCadence, S::Org),
    // The privacy officer answers data-subject requests, keeps residency and reads the audit log.
    (R::PrivacyOfficer, A::HandleDataSubjectRequest, S::Org),
    (R::PrivacyOfficer, A::SetDataResidency, S::Org),
    (R::PrivacyOfficer, A::ManageConsent, S::Org),
    (R::PrivacyOfficer, A::ReadAuditLog, S::Org),
    // The registers an auditor is shown: consents, gifts, data-subject requests.
    (R::PrivacyOfficer, A::ReadComplianceRegister, S::Org),
    (R::Legal, A::ReadComplianceRegister, S::Org),
    (R::Admin, A::ReadComplianceRegister, S::Org),
    // Everyone acknowledges the code of conduct and completes compliance training once a year;
    // managers see their people, legal and administrators everyone.
    (R::Sdr, A::AcknowledgeConduct, S::Own),
    (R::AccountExecutive, A::AcknowledgeConduct, S::Own),
    (R::SalesManager, A::AcknowledgeConduct, S::Own),
    (R::Marketing, A::AcknowledgeConduct, S::Own),
    (R::Product, A::AcknowledgeConduct, S::Own),
    (R::CustomerSuccess, A::AcknowledgeConduct, S::Own),
    (R::CsManager, A::AcknowledgeConduct, S::Own),
    (R::Legal, A::AcknowledgeConduct, S::Own),
    (R::PrivacyOfficer, A::AcknowledgeConduct, S::Own),
    (R::Finance, A::AcknowledgeConduct, S::Own),
    (R::Admin, A::AcknowledgeConduct, S::Own),
    (R::SalesManager, A::ReadConductStatus, S::Team),
    (R::CsManager, A::ReadConductStatus, S::Department),
    (R::Legal, A::ReadConductStatus, S::Org),
    (R::Admin, A::ReadConductStatus, S::Org),
    // Legal owns the contract review policy and the clause library's fallbacks.
    (R::Legal, A::ManageContractPolicy, S::Org),
    (R::SalesManager, A::DefineCadence, S::Org),
    (R::Admin, A::DefineCadence, S::Org),
    // Administrators see every view and run the organization, but do no department's work.
    (R::Admin, A::SalesView, S::Org),
    (R::Admin, A::MarketingView, S::Org),
    (R::Admin, A::ProductView, S::Org),
    (R::Admin, A::CustomerSuccessView, S::Org),
    (R::Admin, A::LegalView, S::Org),
    (R::Admin, A::FinanceView, S::Org),
    (R::Admin, A::ReadLead, S::Org),
    (R::Admin, A::ReadAccount, S::Org),
    (R::Admin, A::ReadOpportunity, S::Org),
    (R::Admin, A::ReadAuditLog, S::Org),
    (R::Admin, A::CreateUser, S::Org),
    (R::Admin, A::SetUserRoles, S::Org),
    (R::Admin, A::DeactivateUser, S::Org),
    (R::Admin, A::CreateTeam, S::Org),
    (R::Admin, A::AddTeamMember, S::Org),
    (R::Admin, A::UpdateOrgSettings, S::Org),
    (R::Admin, A::CreateApiToken, S::Org),
    (R::Admin, A::RevokeApiToken, S::Org),
    (R::Admin, A::CreateRole, S::Org),
    (R::Admin, A::UpdateRole, S::Org),
    (R::Admin, A::RetireRole, S::Org),
    (R::Admin, A::GrantRole, S::Org),
    (R::Admin, A::RevokeRole, S::Org),
    (R::Admin, A::ExplainAccess, S::Org),
    (R::Admin, A::ViewAs, S::Org),
    (R::Admin, A::CreateWebhook, S::Org),
    (R::Admin, A::RedeliverWebhook, S::Org),
    (R::Admin, A::ReadWebhooks, S::Org),
    // Exporting a list as CSV, for the roles whose lists are worked in spreadsheets. The rows are
    // those the list itself shows the caller; this grant only decides whether it may leave as a file.
    (R::Sdr, A::ExportCsv, S::Own),
    (R::AccountExecutive, A::ExportCsv, S::Own),
    (R::SalesManager, A::ExportCsv, S::Team),
    (R::CustomerSuccess, A::ExportCsv, S::Own),
    (R::CsManager, A::ExportCsv, S::Department),
    (R::Finance, A::ExportCsv, S::Org),
    (R::Admin, A::ExportCsv, S::Org),
];

/// Actions no custom role may grant: who may do what, and who holds which role, stays with
/// the built-in ADMIN (a custom role that could grant roles could grant itself anything).
pub const ADMIN_ONLY: &[Action] = &[
    Action::CreateUser,
    Action::SetUserRoles,
    Action::DeactivateUser,
    Action::CreateApiToken,
    Action::RevokeApiToken,
    Action::CreateRole,
    Action::UpdateRole,
    Action::RetireRole,
    Action::GrantRole,
    Action::RevokeRole,
    Action::ViewAs,
    Action::CreateWebhook,
];

/// True when a custom role may grant `action` at `scope`: an action and scope the table already
/// pairs for some built-in role, and not an [`ADMIN_ONLY`] action.
pub fn grantable(action: Action, scope: Scope) -> bool {
    !ADMIN_ONLY.contains(&action) && TABLE.iter().any(|(_, a, s)| *a == action && *s == scope)
}

/// Authorizes an action for a caller holding built-in `roles` and the `grants` of custom roles:
/// the widest scope any of them gives.
pub fn authorize_with(roles: &[Role], grants: &[(Action, Scope)], action: Action) -> Result<Scope, Denied> {
    let custom = grants.iter().filter(|(a, _)| *a == action).map(|(_, s)| *s).max();
    match (authorize(roles, action), custom) {
        (Ok(s), Some(c)) => Ok(s.max(c)),
        (Ok(s), None) => Ok(s),
        (Err(_), Some(c)) => Ok(c),
        (Err(d), None) => Err(d),
    }
}

/// The scope one role has for one action, if any.
pub fn scope_of(role: Role, action: Action) -> Option<Scope> {
    TABLE.iter().find(|(r, a, _)| *r == role && *a == action).map(|(_, _, s)| *s)
}

/// The roles that may do an action at all, for error messages ("ask a SALES_MANAGER").
pub fn roles_allowed(action: Action) -> Vec<Role> {
    Role::ALL.into_iter().filter(|r| scope_of(*r, action).is_some()).collect()
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    pub reasons: Vec<String>,
}

/// Authorizes an action for a caller holding `roles`: the widest scope any role grants.
pub fn authorize(roles: &[Role], action: Action) -> Result<Scope, Denied> {
    roles.iter().filter_map(|r| scope_of(*r, action)).max().ok_or_else(|| {
        let allowed: Vec<&str> = roles_allowed(action).iter().map(|r| r.as_str()).collect();
        let held: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Denied {
            reasons: vec![format!(
                "`{}` needs one of the roles {}; you hold {}",
                action.name(),
                allowed.join(", "),
                if held.is_empty() { "none".to_owned() } else { held.join(", ") }
            )],
        }
    })
}

/// Actions only a person does, never an API token, whatever its roles: each records a
/// person's own act or judgement (a review, an acknowledgement, a claim, a filing, a gift
/// received, a campaign or message put out under their name), or authors a commercial document
/// whose author separation of duties is checked against (quotes, contracts, change orders).
pub const PEOPLE_ONLY: &[Action] = &[
    Action::RecordBusinessReview,
    Action::FlagUpsell,
    Action::RecordWinLossReview,
    Action::RecordGift,
    Action::AcknowledgeConduct,
    Action::ClaimLead,
    Action::DefineCadence,
    Action::CreateCampaign,
    Action::PublishMessaging,
    Action::FileFeatureRequest,
    Action::PublishReleaseNote,
    Action::AcknowledgeReleaseNote,
    Action::CreateQuote,
    Action::UpdateQuote,
    Action::DraftContract,
    Action::CreateChangeOrder,
];

/// True when only a person may do `action` (see [`PEOPLE_ONLY`]).
pub fn people_only(action: Action) -> bool {
    PEOPLE_ONLY.contains(&action)
}

/// The refusal an API token gets for a people-only action.
pub fn people_only_reason(action: Action) -> String {
    format!("`{}` is done by a person, not an API token", action.name())
}

/// An action as `blockers` and `explainAccess` take it: a mutation's name, then optionally its
/// target after a colon (`moveOpportunity:NEGOTIATION`).
pub fn split_action(action: &str) -> (&str, Option<&str>) {
    match action.split_once(':') {
        Some((name, target)) => (name, Some(target)),
        None => (action, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Every pair the table knows is grantable to a custom role unless it administers
    /// principals; nothing else is; and a grant widens, never narrows, a built-in scope.
    #[test]
    fn custom_grants_are_the_tables_own_pairs() {
        for a in Action::ALL {
            for s in Scope::ALL {
                let known = TABLE.iter().any(|(_, ta, ts)| ta == a && *ts == s);
                assert_eq!(grantable(*a, s), known && !ADMIN_ONLY.contains(a), "{a:?} {s:?}");
                if grantable(*a, s) {
                    assert_eq!(authorize_with(&[], &[(*a, s)], *a), Ok(s));
                    for r in Role::ALL {
                        let with = authorize_with(&[r], &[(*a, s)], *a).unwrap();
                        assert!(with >= s);
                        if let Some(b) = scope_of(r, *a) {
                            assert!(with >= b);
                        }
                    }
                }
            }
            assert!(authorize_with(&[], &[], *a).is_err());
        }
        assert!(!grantable(Action::GrantRole, Scope::Org), "role administration is never grantable");
    }

    /// The gate, generated from the table: for every built-in role and every action, the row's
    /// scope when there is one, otherwise a refusal naming the action and the roles that may;
    /// and for a custom role per grantable pair, that pair's scope for its action and, for every
    /// other action, the very refusal a caller with no role gets.
    #[test]
    fn the_gate_answers_every_role_and_grant_as_the_table_says() {
        let mut rows = 0;
        for role in Role::ALL {
            for a in Action::ALL {
                let row = TABLE.iter().find(|(r, ta, _)| *r == role && ta == a).map(|(_, _, s)| *s);
                match (authorize(&[role], *a), row) {
                    (Ok(s), Some(want)) => {
                        assert_eq!(s, want, "{role:?} {a:?}");
                        assert_eq!(authorize_with(&[role], &[], *a), Ok(want), "{role:?} {a:?}");
                        rows += 1;
                    }
                    (Err(d), None) => {
                        let reason = d.reasons.first().cloned().unwrap_or_default();
                        assert!(reason.starts_with(&format!("`{}` needs", a.name())), "{reason}");
                        assert!(reason.contains(role.as_str()), "the refusal names what the caller holds: {reason}");
                        for allowed in roles_allowed(*a) {
                            assert!(reason.contains(allowed.as_str()), "{reason} misses {allowed:?}");
                        }
                        assert_eq!(authorize_with(&[role], &[], *a), Err(d), "{role:?} {a:?}");
                    }
                    (got, want) => panic!("{role:?} {a:?}: the gate says {got:?}, the table {want:?}"),
                }
            }
        }
        assert_eq!(rows, TABLE.len(), "every row was checked once");
        let mut pairs = 0;
        for a in Action::ALL {
            for s in Scope::ALL.into_iter().filter(|s| grantable(*a, *s)) {
                pairs += 1;
                for other in Action::ALL {
                    let got = authorize_with(&[], &[(*a, s)], *other);
                    if other == a {
                        assert_eq!(got, Ok(s), "{a:?} at {s:?}");
                    } else {
                        assert_eq!(got, authorize(&[], *other), "{a:?} at {s:?} asked for {other:?}");
                    }
                }
            }
        }
        assert!(pairs >= Action::ALL.len() - ADMIN_ONLY.len(), "every grantable action has at least one scope");
    }

    #[test]
    fn the_table_has_one_row_per_role_and_action() {
        let mut seen = HashSet::new();
        for (r, a, _) in TABLE {
            assert!(seen.insert((*r, *a)), "duplicate row {r:?} {a:?}");
        }
    }

    #[test]
    fn every_action_has_a_unique_name_and_someone_who_may_do_it() {
        let names: HashSet<_> = Action::ALL.iter().map(|a| a.name()).collect();
        assert_eq!(names.len(), Action::ALL.len());
        for a in Action::ALL {
            assert!(!roles_allowed(*a).is_empty(), "{a:?} is allowed to nobody");
            assert_eq!(Action::from_name(a.name()), Some(*a));
        }
    }

    /// The department views: each role sees its own department's view; ADMIN sees all.
    #[test]
    fn each_role_sees_exactly_its_department_views() {
        let views = [
            (A::SalesView, vec![R::Sdr, R::AccountExecutive, R::SalesManager, R::Admin]),
            (A::MarketingView, vec![R::Marketing, R::Admin]),
            (A::ProductView, vec![R::Product, R::Admin]),
            (A::CustomerSuccessView, vec![R::CustomerSuccess, R::CsManager, R::Admin]),
            (A::LegalView, vec![R::Legal, R::Admin]),
            (A::FinanceView, vec![R::Finance, R::Admin]),
        ];
        for (view, allowed) in views {
            for role in Role::ALL {
                assert_eq!(authorize(&[role], view).is_ok(), allowed.contains(&role), "{role:?} on {view:?}");
            }
        }
    }

    /// Every role against every action that is not a department view (those are in
    /// `each_role_sees_exactly_its_department_views`): the expected grants, written out, and a check that no action of
    /// `Action::ALL` is left out, so a new action cannot ship without its row here.
    #[test]
    fn mutation_matrix() {
        let expect: &[(Action, &[(Role, Scope)])] = &[
            (
                A::ReadLead,
                &[
                    (R::Sdr, S::Own),
                    (R::AccountExecutive, S::Own),
                    (R::SalesManager, S::Team),
                    (R::Marketing, S::Org),
                    (R::Admin, S::Org),
                ],
            ),
            (A::CreateLead, &[(R::Sdr, S::Own), (R::SalesManager, S::Team), (R::Marketing, S::Org)]),
            (A::UpdateLead, &[(R::Sdr, S::Own), (R::AccountExecutive, S::Own), (R::SalesManager, S::Team)]),
            (A::AssignLead, &[(R::SalesManager, S::Team)]),
            (A::ReadPoolActivity, &[(R::SalesManager, S::Team)]),
            (A::RecordLeadContact, &[(R::Sdr, S::Own), (R::AccountExecutive, S::Own), (R::SalesManager, S::Team)]),
            (A::QualifyLead, &[(R::Sdr, S::Own), (R::AccountExecutive, S::Own), (R::SalesManager, S::Team)]),
            (A::DisqualifyLead, &[(R::Sdr, S::Own), (R::AccountExecutive, S::Own), (R::SalesManager, S::Team)]),
            (A::ConvertLead, &[(R::Sdr, S::Own), (R::SalesManager, S::Team)]),
            (A::AddContact, &[(R::AccountExecutive, S::Own), (R::SalesManager, S::Team)]),
            (A::ImportAccounts, &[(R::AccountExecutive, S::Own), (R::SalesManager, S::Team)]),
            (A::MoveOpportunity, &[(R::AccountExecutive, S::Own), (R::SalesManager, S::Team)]),
            (A::CreateQuote, &[(R::AccountExecutive, S::Own)]),
            (A::ApproveQuote, &[(R::SalesManager, S::Team), (R::Finance, S::Org)]),
            (A::AcceptQuote, &[(R::AccountExecutive, S::Own)]),
            (A::DraftContract, &[(R::AccountExecutive, S::Own)]),
            (A::UpdateContractClause, &[(R::AccountExecutive, S::Own), (R::Legal, S::Org)]),
            (A::SubmitContractForReview, &[(R::AccountExecutive, S::Own)]),
            (A::ApproveContract, &[(R::Legal, S::Org)]),
            (A::RequestContractChanges, &[(R::Legal, S::Org)]),
            (A::SignContract, &[(R::AccountExecutive, S::Own)]),
            (A::VoidContract, &[(R::AccountExecutive, S::Own), (R::Legal, S::Org)]),
            (A::CreateChangeOrder, &[(R::AccountExecutive, S::Own), (R::SalesManager, S::Team)]),
            (A::UpdateHandoffPackage, &[(R::AccountExecutive, S::Own)]),
            (A::SubmitHandoffPackage, &[(R::AccountExecutive, S::Own)]),
            (A::AcceptHandoff, &[(R::CustomerSuccess, S::Department), (R::CsManager, S::Department)]),
            (A::ReturnHandoff, &[(R::CustomerSuccess, S::Department), (R::CsManager, S::Department)]),
            (A::RecordPayment, &[(R::Finance, S::Org)]),
            (A::RefundPayment, &[(R::Finance, S::Org)]),
            (A::VoidInvoice, &[(R::Finance, S::Org)]),
            (A::CreateCampaign, &[(R::Marketing, S::Org)]),
            (A::PublishMessaging, &[(R::Marketing, S::Org)]),
            (
                A::FileFeatureRequest,
                &[
                    (R::AccountExecutive, S::Own),
                    (R::SalesManager, S::Team),
                    (R::CustomerSuccess, S::Own),
                    (R::CsManager, S::Department),
                ],
            ),
            (A::MergeFeatureRequests, &[(R::Product, S::Org)]),
            (A::SetFeatureRequestStatus, &[(R::Product, S::Org)]),
            (A::RecordUsage, &[(R::CustomerSuccess, S::Department), (R::CsManager, S::Department)]),
            (A::FlagUpsell, &[(R::CustomerSuccess, S::Own), (R::CsManager, S::Department)]),
            (A::SetAccountTier, &[(R::CsManager, S::Department)]),
            (A::ManagePartners, &[(R::SalesManager, S::Org), (R::Admin, S::Org)]),
            (
                A::RecordTraining,
                &[
                    (R::Sdr, S::Own),
                    (R::AccountExecutive, S::Own),
                    (R::SalesManager, S::Team),
                    (R::CustomerSuccess, S::Own),
                    (R::CsManager, S::Own),
                ],
            ),
            (A::OptOutOfCadence, &[(R::Sdr, S::Own), (R::SalesManager, S::Team), (R::Marketing, S::Org)]),
            (A::EnrollInCadence, &[(R::Sdr, S::Own), (R::SalesManager, S::Team), (R::Marketing, S::Org)]),
            (A::ApproveGift, &[(R::Legal, S::Org)]),
            (A::RejectGift, &[(R::Legal, S::Org)]),
            (A::HandleDataSubjectRequest, &[(R::PrivacyOfficer, S::Org)]),
            (A::SetDataResidency, &[(R::PrivacyOfficer, S::Org)]),
            (A::ManageContractPolicy, &[(R::Legal, S::Org)]),
            (
                A::ReadConductStatus,
                &[(R::SalesManager, S::Team), (R::CsManager, S::Department), (R::Legal, S::Org), (R::Admin, S::Org)],
            ),
            (A::CreateUser, &[(R::Admin, S::Org)]),
            (A::SetUserRoles, &[(R::Admin, S::Org)]),
            (A::DeactivateUser, &[(R::Admin, S::Org)]),
            (A::CreateTeam, &[(R::Admin, S::Org)]),
            (A::AddTeamMember, &[(R::Admin, S::Org)]),
            (A::UpdateOrgSettings, &[(R::Admin, S::Org)]),
            (A::CreateApiToken, &[(R::Admin, S::Org)]),
            (A::RevokeApiToken, &[(R::Admin, S::Org)]),
            (A::CreateRole, &[(R::Admin, S::Org)]),
            (A::UpdateRole, &[(R::Admin, S::Org)]),
            (A::RetireRole, &[(R::Admin, S::Org)]),
            (A::GrantRole, &[(R::Admin, S::Org)]),
            (A::RevokeRole, &[(R::Admin, S::Org)]),
            (A::ExplainAccess, &[(R::Admin, S::Org)]),
            (A::ViewAs, &[(R::Admin, S::Org)]),
            (A::CreateWebhook, &[(R::Admin, S::Org)]),
            (A::RedeliverWebhook, &[(R::Admin, S::Org)]),
            (A::ReadWebhooks, &[(R::Admin, S::Org)]),
            (
                A::ExportCsv,
                &[
                    (R::Sdr, S::Own),
                    (R::AccountExecutive, S::Own),
                    (R::SalesManager, S::Team),
                    (R::CustomerSuccess, S::Own),
                    (R::CsManager, S::Department),
                    (R::Finance, S::Org),
                    (R::Admin, S::Org),
                ],
            ),
            (
                A::ReadAccount,
                &[
                    (R::Sdr, S::Own),
                    (R::AccountExecutive, S::Own),
                    (R::SalesManager, S::Team),
                    (R::CustomerSuccess, S::Own),
                    (R::CsManager, S::Department),
                    (R::Finance, S::Org),
                    (R::Admin, S::Org),
                ],
            ),
            (
                A::ReadOpportunity,
                &[(R::Sdr, S::Own), (R::AccountExecutive, S::Own), (R::SalesManager, S::Team), (R::Admin, S::Org)],
            ),
            (A::ReadAuditLog, &[(R::Legal, S::Org), (R::PrivacyOfficer, S::Org), (R::Admin, S::Org)]),
            (
                A::ReadQuote,
                &[
                    (R::AccountExecutive, S::Own),
                    (R::SalesManager, S::Team),
                    (R::Legal, S::Org),
                    (R::Finance, S::Org),
                    (R::Admin, S::Org),
                ],
            ),
            (
                A::ReadContract,
                &[
                    (R::AccountExecutive, S::Own),
                    (R::SalesManager, S::Team),
                    (R::Legal, S::Org),
                    (R::Finance, S::Org),
                    (R::Admin, S::Org),
                ],
            ),
            (
                A::ReadInvoice,
                &[(R::AccountExecutive, S::Own), (R::SalesManager, S::Team), (R::Finance, S::Org), (R::Admin, S::Org)],
            ),
            (
                A::ReadHandoffPackage,
                &[
                    (R::AccountExecutive, S::Own),
                    (R::SalesManager, S::Team),
                    (R::CustomerSuccess, S::Department),
                    (R::CsManager, S::Department),
                    (R::Admin, S::Org),
                ],
            ),
            (A::UpdateContact, &[(R::AccountExecutive, S::Own), (R::SalesManager, S::Team)]),
            (A::UpdateOpportunity, &[(R::AccountExecutive, S::Own), (R::SalesManager, S::Team)]),
            (A::RecordNeedsAnalysis, &[(R::AccountExecutive, S::Own)]),
            (A::LogActivity, &[(R::AccountExecutive, S::Own), (R::SalesManager, S::Team)]),
            (A::CloseOpportunityLost, &[(R::AccountExecutive, S::Own), (R::SalesManager, S::Team)]),
            (A::UpdateQuote, &[(R::AccountExecutive, S::Own)]),
            (A::UpdateCampaign, &[(R::Marketing, S::Org)]),
            (A::RecordBusinessReview, &[(R::CustomerSuccess, S::Own), (R::CsManager, S::Department)]),
            (A::OverrideHealth, &[(R::CustomerSuccess, S::Own), (R::CsManager, S::Department)]),
            (A::RecordChurn, &[(R::CustomerSuccess, S::Own), (R::CsManager, S::Department)]),
            (A::ManageTraining, &[(R::SalesManager, S::Org), (R::Admin, S::Org)]),
            (A::PublishReleaseNote, &[(R::Product, S::Org)]),
            (
                A::AcknowledgeReleaseNote,
                &[
                    (R::Sdr, S::Own),
                    (R::AccountExecutive, S::Own),
                    (R::SalesManager, S::Own),
                    (R::CustomerSuccess, S::Own),
                    (R::CsManager, S::Own),
                ],
            ),
            (A::RecordWinLossReview, &[(R::AccountExecutive, S::Own), (R::SalesManager, S::Team)]),
            (A::ClaimLead, &[(R::Sdr, S::Own), (R::SalesManager, S::Team)]),
            (A::SetQuota, &[(R::SalesManager, S::Team), (R::Admin, S::Org)]),
            (
                A::RecordGift,
                &[
                    (R::Sdr, S::Own),
                    (R::AccountExecutive, S::Own),
                    (R::SalesManager, S::Team),
                    (R::CustomerSuccess, S::Own),
                    (R::CsManager, S::Department),
                ],
            ),
            (
                A::ManageConsent,
                &[
                    (R::Sdr, S::Own),
                    (R::AccountExecutive, S::Own),
                    (R::SalesManager, S::Team),
                    (R::Marketing, S::Org),
                    (R::PrivacyOfficer, S::Org),
                ],
            ),
            (A::EmailLead, &[(R::Sdr, S::Own), (R::AccountExecutive, S::Own), (R::SalesManager, S::Team)]),
            (A::ReadComplianceRegister, &[(R::Legal, S::Org), (R::PrivacyOfficer, S::Org), (R::Admin, S::Org)]),
            (
                A::AcknowledgeConduct,
                &[
                    (R::Sdr, S::Own),
                    (R::AccountExecutive, S::Own),
                    (R::SalesManager, S::Own),
                    (R::Marketing, S::Own),
                    (R::Product, S::Own),
                    (R::CustomerSuccess, S::Own),
                    (R::CsManager, S::Own),
                    (R::Legal, S::Own),
                    (R::Finance, S::Own),
                    (R::PrivacyOfficer, S::Own),
                    (R::Admin, S::Own),
                ],
            ),
            (A::DefineCadence, &[(R::SalesManager, S::Org), (R::Marketing, S::Org), (R::Admin, S::Org)]),
        ];
        for (action, allowed) in expect {
            for role in Role::ALL {
                let want = allowed.iter().find(|(r, _)| *r == role).map(|(_, s)| *s);
                assert_eq!(authorize(&[role], *action).ok(), want, "{role:?} on {action:?}");
            }
        }
        let views =
            [A::SalesView, A::MarketingView, A::ProductView, A::CustomerSuccessView, A::LegalView, A::FinanceView];
        let left_out: Vec<&Action> =
            Action::ALL.iter().filter(|a| !views.contains(a) && !expect.iter().any(|(e, _)| e == *a)).collect();
        assert!(left_out.is_empty(), "actions the matrix does not name: {left_out:?}");
    }

    #[test]
    fn several_roles_get_the_widest_scope_and_denials_name_who_may() {
        assert_eq!(authorize(&[R::Sdr, R::SalesManager], A::ReadLead), Ok(S::Team));
        assert_eq!(authorize(&[R::Sdr, R::Marketing], A::ReadLead), Ok(S::Org));
        let denied = authorize(&[R::Product], A::AssignLead).err().unwrap_or(Denied { reasons: vec![] });
        assert_eq!(denied.reasons.len(), 1);
        assert!(denied.reasons[0].contains("SALES_MANAGER"), "{:?}", denied.reasons);
        assert!(authorize(&[], A::SalesView).is_err());
    }

    /// Operations that used to share another operation's action are refused in their own name.
    #[test]
    fn a_refusal_names_the_operation_asked() {
        for (action, name) in [
            (A::EnrollInCadence, "enrollInCadence"),
            (A::OptOutOfCadence, "optOutOfCadence"),
            (A::ApproveGift, "approveGift"),
            (A::RejectGift, "rejectGift"),
            (A::ReadPoolActivity, "poolActivity"),
        ] {
            let denied = authorize(&[R::Product], action).err().unwrap_or(Denied { reasons: vec![] });
            assert!(denied.reasons.iter().any(|r| r.starts_with(&format!("`{name}` needs"))), "{:?}", denied.reasons);
        }
    }
}
