//! The gifts and hospitality register.

use crate::fk;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("organizations")
                .add_column(big_integer("gift_threshold_minor").default(10_000).to_owned())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("gifts")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string_len("direction", 16))
                .col(string("description"))
                .col(big_integer("value_minor"))
                .col(string_len("currency", 3))
                .col(uuid("account_id"))
                .col(uuid_null("opportunity_id"))
                .col(text("purpose"))
                .col(string_len("status", 24))
                .col(uuid("recorded_by"))
                .col(uuid_null("decided_by"))
                .col(text_null("decision_note"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("gifts", "organization_id", "organizations"))
                .foreign_key(&mut fk("gifts", "account_id", "accounts"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_gifts_opportunity").table("gifts").col("opportunity_id").to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("gifts").to_owned()).await
    }
}
