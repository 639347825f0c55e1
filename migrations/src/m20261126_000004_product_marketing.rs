//! Product and marketing loops: feature requests with the accounts and deals asking for them,
//! campaigns linked to leads, versioned messaging, and notification rows.

use crate::fk;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn org(table: &'static str) -> ForeignKeyCreateStatement {
    fk(table, "organization_id", "organizations")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("campaigns")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string("name"))
                .col(string_len("channel", 16))
                .col(big_integer("budget_minor"))
                .col(big_integer("spend_minor"))
                .col(string_len("currency", 3))
                .col(date("starts_on"))
                .col(date_null("ends_on"))
                .col(uuid("created_by"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut org("campaigns"))
                .to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table("leads").add_column(uuid_null("campaign_id").to_owned()).to_owned()).await?;
        m.create_index(Index::create().name("ix_leads_campaign").table("leads").col("campaign_id").to_owned()).await?;

        m.create_table(
            Table::create()
                .table("messaging_versions")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(integer("number"))
                .col(string("title"))
                .col(text("claims"))
                .col(uuid("published_by"))
                .col(timestamp_with_time_zone("published_at"))
                .foreign_key(&mut org("messaging_versions"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_messaging_number")
                .table("messaging_versions")
                .col("organization_id")
                .col("number")
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("feature_requests")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string("title"))
                .col(text_null("description"))
                .col(string_len("status", 16))
                .col(uuid_null("merged_into"))
                .col(uuid("created_by"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut org("feature_requests"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("feature_asks")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("request_id"))
                .col(uuid("account_id"))
                .col(uuid_null("opportunity_id"))
                .col(uuid("asked_by"))
                .col(text_null("pain_point"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("feature_asks"))
                .foreign_key(&mut fk("feature_asks", "request_id", "feature_requests"))
                .foreign_key(&mut fk("feature_asks", "account_id", "accounts"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_feature_asks_request").table("feature_asks").col("request_id").to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("notifications")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("user_id"))
                .col(string("title"))
                .col(text("body"))
                .col(timestamp_with_time_zone_null("read_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("notifications"))
                .foreign_key(&mut fk("notifications", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_notifications_user").table("notifications").col("user_id").to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["notifications", "feature_asks", "feature_requests", "messaging_versions", "campaigns"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
