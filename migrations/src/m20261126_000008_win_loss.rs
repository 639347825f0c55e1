//! Win/loss reviews of closed deals.

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
                .table("win_loss_reviews")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("opportunity_id"))
                .col(string_len("outcome", 16))
                .col(string("primary_reason"))
                .col(string_null("competitor"))
                .col(text_null("lessons"))
                .col(uuid("reviewed_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("win_loss_reviews", "organization_id", "organizations"))
                .foreign_key(&mut fk("win_loss_reviews", "opportunity_id", "opportunities"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_win_loss_opportunity")
                .table("win_loss_reviews")
                .col("opportunity_id")
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("win_loss_reviews").to_owned()).await
    }
}
