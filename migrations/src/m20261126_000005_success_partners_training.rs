//! Customer success (usage, health, business reviews, tiers, churn, renewals, expansion,
//! referrals), channel partners with rebates, and training programmes.

use crate::fk;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn org(table: &'static str) -> ForeignKeyCreateStatement {
    fk(table, "organization_id", "organizations")
}

async fn add(m: &SchemaManager<'_>, table: &'static str, cols: Vec<ColumnDef>) -> Result<(), DbErr> {
    for mut c in cols {
        m.alter_table(Table::alter().table(table).add_column(&mut c).to_owned()).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add(
            m,
            "organizations",
            vec![
                integer("renewal_lead_days").default(90).to_owned(),
                big_integer("referral_reward_minor").default(50_000).to_owned(),
            ],
        )
        .await?;
        add(
            m,
            "accounts",
            vec![
                string_len("tier", 16).default("STANDARD").to_owned(),
                uuid_null("account_manager_id").to_owned(),
                integer_null("health_override").to_owned(),
                text_null("health_override_reason").to_owned(),
                timestamp_with_time_zone_null("churned_at").to_owned(),
                text_null("churn_reason").to_owned(),
            ],
        )
        .await?;
        add(
            m,
            "opportunities",
            vec![
                string_len("kind", 16).default("NEW_BUSINESS").to_owned(),
                uuid_null("cs_credit_id").to_owned(),
                uuid_null("renewal_of").to_owned(),
                uuid_null("partner_id").to_owned(),
            ],
        )
        .await?;
        add(m, "leads", vec![uuid_null("referred_by_account_id").to_owned(), uuid_null("partner_id").to_owned()])
            .await?;
        m.create_index(
            Index::create()
                .name("ux_opportunities_renewal")
                .table("opportunities")
                .col("renewal_of")
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("usage_snapshots")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("account_id"))
                .col(integer("active_users"))
                .col(integer("seats_used"))
                .col(integer("open_issues"))
                .col(text("adoption"))
                .col(uuid("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(&mut org("usage_snapshots"))
                .foreign_key(&mut fk("usage_snapshots", "account_id", "accounts"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_usage_account").table("usage_snapshots").col("account_id").to_owned())
            .await?;
        m.create_table(
            Table::create()
                .table("business_reviews")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("account_id"))
                .col(date("held_on"))
                .col(text("attendees"))
                .col(text("outcomes"))
                .col(text_null("new_needs"))
                .col(uuid("recorded_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("business_reviews"))
                .foreign_key(&mut fk("business_reviews", "account_id", "accounts"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("referral_rewards")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("referrer_account_id"))
                .col(uuid("referred_opportunity_id"))
                .col(big_integer("amount_minor"))
                .col(string_len("currency", 3))
                .col(string_len("status", 16))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("referral_rewards"))
                .foreign_key(&mut fk("referral_rewards", "referrer_account_id", "accounts"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_referral_opportunity")
                .table("referral_rewards")
                .col("referred_opportunity_id")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("partners")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string("name"))
                .col(string_len("kind", 32))
                .col(integer("rebate_bp"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("partners"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("training_programmes")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string("name"))
                .col(string_len("level", 16))
                .col(string_len("topic", 32))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("training_programmes"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("training_completions")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("programme_id"))
                .col(uuid("user_id"))
                .col(timestamp_with_time_zone("completed_at"))
                .foreign_key(&mut org("training_completions"))
                .foreign_key(&mut fk("training_completions", "programme_id", "training_programmes"))
                .foreign_key(&mut fk("training_completions", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_training_completion")
                .table("training_completions")
                .col("programme_id")
                .col("user_id")
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "training_completions",
            "training_programmes",
            "partners",
            "referral_rewards",
            "business_reviews",
            "usage_snapshots",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
