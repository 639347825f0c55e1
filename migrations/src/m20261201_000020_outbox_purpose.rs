//! The purpose an e-mail was queued under (a consent purpose such as MARKETING_EMAIL), so that
//! delivery re-checks that consent and withdrawing it cancels what is still queued.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("outbox_emails").add_column(string_len_null("purpose", 32)).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("outbox_emails").drop_column("purpose").to_owned()).await
    }
}
