//! An index that answers `financeView.collections` on its own: the organization's invoices by
//! status, with the due date and the amounts the aging buckets add up, so the grouped statement
//! reads the index alone (an index-only scan on PostgreSQL) instead of every invoice row.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, table, columns)
const INDEXES: &[(&str, &str, &[&str])] = &[(
    "ix_invoices_org_status_due_amounts",
    "invoices",
    &["organization_id", "status", "due_on", "amount_minor", "paid_minor"],
)];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::create_indexes(m, INDEXES).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_indexes(m, INDEXES).await
    }
}
