//! Referral rewards are applied as credits on the referrer's next invoice: each reward records
//! the invoice that took it and when, and the issuing job finds a referrer's earned rewards by
//! account.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for mut c in
            [uuid_null("applied_invoice_id").to_owned(), timestamp_with_time_zone_null("applied_at").to_owned()]
        {
            m.alter_table(Table::alter().table("referral_rewards").add_column(&mut c).to_owned()).await?;
        }
        m.create_index(
            Index::create()
                .name("ix_referral_rewards_referrer_status")
                .table("referral_rewards")
                .col("referrer_account_id")
                .col("status")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_referral_rewards_referrer_status").table("referral_rewards").to_owned())
            .await?;
        for c in ["applied_at", "applied_invoice_id"] {
            m.alter_table(Table::alter().table("referral_rewards").drop_column(c).to_owned()).await?;
        }
        Ok(())
    }
}
