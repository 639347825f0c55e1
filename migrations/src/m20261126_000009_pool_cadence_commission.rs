//! The shared lead pool, cadences with an e-mail outbox, commission on collected cash, and
//! quotas.

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
        for mut c in [
            integer("pool_follow_up_days").default(3).to_owned(),
            integer("pool_claim_limit").default(5).to_owned(),
            integer("commission_base_bp").default(800).to_owned(),
            integer("commission_retention_bp").default(200).to_owned(),
            integer("commission_big_deal_bp").default(200).to_owned(),
            big_integer("commission_big_deal_minor").default(5_000_000).to_owned(),
            integer("commission_team_bp").default(100).to_owned(),
        ] {
            m.alter_table(Table::alter().table("organizations").add_column(&mut c).to_owned()).await?;
        }
        m.alter_table(
            Table::alter().table("leads").add_column(timestamp_with_time_zone_null("pooled_at").to_owned()).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("cadence_enrollments")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("lead_id"))
                .col(string("cadence"))
                .col(integer("next_step"))
                .col(timestamp_with_time_zone("started_at"))
                .col(timestamp_with_time_zone_null("stopped_at"))
                .col(string_null("stop_reason"))
                .foreign_key(&mut org("cadence_enrollments"))
                .foreign_key(&mut fk("cadence_enrollments", "lead_id", "leads"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("outbox_emails")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string("to_address"))
                .col(string("subject"))
                .col(text("body"))
                .col(string_len("status", 16))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .col(text_null("last_error"))
                .col(uuid_null("lead_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("outbox_emails"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_due")
                .table("outbox_emails")
                .col("status")
                .col("next_attempt_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("commission_entries")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("user_id"))
                .col(uuid("payment_id"))
                .col(uuid("opportunity_id"))
                .col(string_len("component", 16))
                .col(integer("rate_bp"))
                .col(big_integer("basis_minor"))
                .col(big_integer("amount_minor"))
                .col(string_len("currency", 3))
                .col(timestamp_with_time_zone("earned_at"))
                .foreign_key(&mut org("commission_entries"))
                .foreign_key(&mut fk("commission_entries", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_commission_user")
                .table("commission_entries")
                .col("user_id")
                .col("earned_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("quotas")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("user_id"))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .col(big_integer("amount_minor"))
                .col(string_len("currency", 3))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("quotas"))
                .foreign_key(&mut fk("quotas", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ux_quota_period").table("quotas").col("user_id").col("starts_on").unique().to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["quotas", "commission_entries", "outbox_emails", "cadence_enrollments"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
