//! Webhooks: an organization's subscriptions to events (signed with a per-webhook secret,
//! rotatable with an overlap), and one delivery row per (webhook, audited change), written by
//! the sealer in the transaction that chains the change's audit row.

use crate::fk;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("webhooks")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(text("url"))
                // JSON: ["contract.signed", ...]
                .col(text("events"))
                .col(text_null("description"))
                .col(text("secret"))
                .col(text_null("previous_secret"))
                .col(timestamp_with_time_zone_null("previous_secret_until"))
                .col(uuid_null("api_token_id"))
                .col(boolean("allow_private_network"))
                .col(string_len("status", 16))
                .col(integer("consecutive_failures").default(0))
                .col(uuid("created_by"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("webhooks", "organization_id", "organizations"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_webhooks_org_status")
                .table("webhooks")
                .col("organization_id")
                .col("status")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("webhook_deliveries")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("webhook_id"))
                .col(uuid("audit_id"))
                .col(string_len("event", 64))
                .col(text("payload"))
                .col(string_len("status", 16))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(integer_null("last_status_code"))
                .col(text_null("last_error"))
                // JSON: [{"at": ..., "statusCode": 500, "error": null}, ...]
                .col(text("history"))
                .col(timestamp_with_time_zone_null("delivered_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("webhook_deliveries", "webhook_id", "webhooks"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_webhook_deliveries_change")
                .table("webhook_deliveries")
                .col("webhook_id")
                .col("audit_id")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_webhook_deliveries_due")
                .table("webhook_deliveries")
                .col("status")
                .col("next_attempt_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("webhook_deliveries").to_owned()).await?;
        m.drop_table(Table::drop().table("webhooks").to_owned()).await
    }
}
