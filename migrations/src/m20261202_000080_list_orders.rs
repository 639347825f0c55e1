//! Indexes that match the orders `salesView.leads`, `salesView.opportunities`,
//! `financeView.invoices` and `customerSuccessView.accounts` offer beside creation: the
//! caller's scope (organization, owner), then the sort key, then the id that breaks ties, so
//! a keyset page in any order reads one index range; and the erasure times `tombstones` reads.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, table, columns)
const INDEXES: &[(&str, &str, &[&str])] = &[
    ("ix_leads_org_owner_updated", "leads", &["organization_id", "owner_id", "updated_at", "id"]),
    ("ix_leads_org_owner_company", "leads", &["organization_id", "owner_id", "company_name", "id"]),
    ("ix_opportunities_org_owner_updated", "opportunities", &["organization_id", "owner_id", "updated_at", "id"]),
    (
        "ix_opportunities_org_owner_value",
        "opportunities",
        &["organization_id", "owner_id", "estimated_value_minor", "id"],
    ),
    ("ix_opportunities_org_owner_name", "opportunities", &["organization_id", "owner_id", "name", "id"]),
    ("ix_invoices_org_due", "invoices", &["organization_id", "due_on", "id"]),
    ("ix_invoices_org_amount", "invoices", &["organization_id", "amount_minor", "id"]),
    ("ix_invoices_org_updated", "invoices", &["organization_id", "updated_at", "id"]),
    ("ix_accounts_org_name", "accounts", &["organization_id", "name", "id"]),
    ("ix_accounts_org_updated", "accounts", &["organization_id", "updated_at", "id"]),
    // `tombstones(since)`: the erased leads and contacts since a time.
    ("ix_leads_org_erased", "leads", &["organization_id", "erased_at", "id"]),
    ("ix_contacts_org_erased", "contacts", &["organization_id", "erased_at", "id"]),
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
