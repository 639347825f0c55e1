//! Login throttling shared by every instance: one row per throttled key (an account's e-mail
//! address or a client address) with its recent failures and the time it is blocked until.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("login_throttles")
                .col(string_len("key", 320).primary_key())
                .col(integer("failures"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("blocked_until"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("login_throttles").to_owned()).await
    }
}
