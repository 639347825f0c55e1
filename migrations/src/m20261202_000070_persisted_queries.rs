//! Registered operations: the documents the department frontends ship, by the SHA-256 of their
//! text, loaded by `baton persisted-queries` from a client's manifest. Automatic persisted
//! queries find a document here when no instance has it cached, and the allow-list mode runs
//! only these. They belong to the frontends, not to an organization.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("persisted_queries")
                .col(string_len("hash", 64).primary_key())
                .col(string_null("name"))
                .col(text("document"))
                .col(timestamp_with_time_zone("registered_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("persisted_queries").to_owned()).await
    }
}
