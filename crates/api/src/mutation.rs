//! Mutations. Each resolver authenticates, parses ids, calls one use case and maps the result.

use crate::admin::org::IdentityMutation;
use crate::sales::leads::LeadMutation;
use async_graphql::MergedObject;

/// Every change Baton accepts.
#[derive(MergedObject, Default)]
pub struct Mutation(
    IdentityMutation,
    LeadMutation,
    crate::sales::deals::DealMutation,
    crate::legal::contracts::ContractMutation,
    crate::customer_success::handoffs::HandoffMutation,
    crate::finance::invoices::FinanceMutation,
    crate::marketing::campaigns::CampaignMutation,
    crate::product::requests::ProductMutation,
    crate::kernel::notifications::NotificationMutation,
    crate::customer_success::success::SuccessMutation,
    crate::sales::enablement::EnablementMutation,
    crate::kernel::sla::WorkMutation,
    crate::insight::analytics::ReviewMutation,
    crate::sales::automation::AutomationMutation,
    crate::legal::compliance::ComplianceMutation,
    crate::legal::compliance::ConsentMutation,
    crate::legal::privacy::PrivacyMutation,
    crate::legal::governance::GovernanceMutation,
    crate::admin::roles::RoleMutation,
    crate::admin::webhooks::WebhookMutation,
    crate::admin::imports::ImportMutation,
);
