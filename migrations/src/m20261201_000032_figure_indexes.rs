//! Indexes for the figures the database now groups (campaign funnels, the KPI period reads):
//! campaign leads by status, leads created in a period, contracts signed and invoices issued in
//! a period, each within the organization.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, table, columns)
const INDEXES: &[(&str, &str, &[&str])] = &[
    ("ix_leads_org_campaign_status_id", "leads", &["organization_id", "campaign_id", "status", "id"]),
    ("ix_leads_org_created", "leads", &["organization_id", "created_at"]),
    ("ix_contracts_org_signed", "contracts", &["organization_id", "signed_at"]),
    ("ix_invoices_org_issued", "invoices", &["organization_id", "issued_at"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::create_indexes(m, INDEXES).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_indexes(m, INDEXES).await
    }
}
