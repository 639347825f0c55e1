//! Indexes that answer the KPIs' revenue and collection statements on their own (index-only
//! scans on PostgreSQL): the contracts signed in a period with their deal and value; each
//! owner's deals with the close date, stage and kind the new-customer figures test; the
//! invoices issued in a period with their deal, status and amounts.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, table, columns)
const INDEXES: &[(&str, &str, &[&str])] = &[
    (
        "ix_contracts_org_signed_deal_value",
        "contracts",
        &["organization_id", "signed_at", "opportunity_id", "value_minor"],
    ),
    (
        "ix_opportunities_org_owner_closing",
        "opportunities",
        &["organization_id", "owner_id", "id", "closed_at", "stage", "kind"],
    ),
    (
        "ix_invoices_org_issued_amounts",
        "invoices",
        &["organization_id", "issued_at", "opportunity_id", "status", "amount_minor", "paid_minor"],
    ),
];

crate::index_migration!(INDEXES);
