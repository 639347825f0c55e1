//! Import jobs: one row per CSV import, with its progress and its per-row error report, read by
//! `importJob(id)` while the import runs in the background. Duplicate detection looks contacts
//! up by e-mail address and accounts by domain within the organization, so both get an index.

use crate::fk;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, table, columns)
const INDEXES: &[(&str, &str, &[&str])] = &[
    ("ix_import_jobs_org_creator", "import_jobs", &["organization_id", "created_by", "id"]),
    ("ix_contacts_org_email", "contacts", &["organization_id", "email"]),
    ("ix_accounts_org_domain", "accounts", &["organization_id", "domain"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("import_jobs")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string_len("kind", 16))
                .col(string_len("status", 16))
                .col(boolean("dry_run"))
                .col(string_len("commit_mode", 16))
                .col(string_len("duplicates", 16))
                .col(integer("total"))
                .col(integer("processed"))
                .col(integer("created"))
                .col(integer("updated"))
                .col(integer("skipped"))
                .col(integer("failed"))
                .col(json("errors"))
                .col(uuid("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .foreign_key(&mut fk("import_jobs", "organization_id", "organizations"))
                .to_owned(),
        )
        .await?;
        crate::create_indexes(m, INDEXES).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_indexes(m, INDEXES).await?;
        m.drop_table(Table::drop().table("import_jobs").to_owned()).await
    }
}
