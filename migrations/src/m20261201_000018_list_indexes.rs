//! Indexes that match each department list's filter and keyset order (newest first by id, or
//! oldest first for queues), so the first page costs the same at ten thousand rows as at a
//! million: the database walks the index in order and stops after the page.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, table, columns)
const INDEXES: &[(&str, &str, &[&str])] = &[
    ("ix_leads_org_id", "leads", &["organization_id", "id"]),
    ("ix_leads_org_owner_id", "leads", &["organization_id", "owner_id", "id"]),
    ("ix_leads_org_status_id", "leads", &["organization_id", "status", "id"]),
    ("ix_leads_org_owner_status_id", "leads", &["organization_id", "owner_id", "status", "id"]),
    ("ix_opportunities_org_id", "opportunities", &["organization_id", "id"]),
    ("ix_opportunities_org_owner_id", "opportunities", &["organization_id", "owner_id", "id"]),
    ("ix_opportunities_org_stage_id", "opportunities", &["organization_id", "stage", "id"]),
    ("ix_invoices_org_id", "invoices", &["organization_id", "id"]),
    ("ix_invoices_org_status_id", "invoices", &["organization_id", "status", "id"]),
    ("ix_invoices_opportunity", "invoices", &["opportunity_id"]),
    ("ix_contracts_org_status_submitted", "contracts", &["organization_id", "status", "submitted_at", "id"]),
    ("ix_handoffs_org_status_id", "handoff_packages", &["organization_id", "status", "id"]),
    ("ix_accounts_org_cs_owner_id", "accounts", &["organization_id", "cs_owner_id", "id"]),
    ("ix_feature_requests_org_id", "feature_requests", &["organization_id", "id"]),
    ("ix_activities_org_occurred", "activities", &["organization_id", "occurred_at"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, cols) in INDEXES {
            let mut i = Index::create();
            i.name(*name).table(*table);
            for c in *cols {
                i.col(*c);
            }
            m.create_index(i.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            m.drop_index(Index::drop().name(*name).table(*table).to_owned()).await?;
        }
        Ok(())
    }
}
