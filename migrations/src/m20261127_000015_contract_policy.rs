//! Contract governance as data: the organization's review policy, the reasons a contract is
//! in legal's queue, approval by policy, and the clause library's pre-approved fallbacks.

use crate::fk;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for mut c in [
            boolean("review_all_contracts").default(true).to_owned(),
            big_integer_null("review_above_minor").to_owned(),
            boolean("review_deviations").default(true).to_owned(),
            boolean("review_custom_development").default(true).to_owned(),
            string("review_clause_keys").default("").to_owned(),
        ] {
            m.alter_table(Table::alter().table("organizations").add_column(&mut c).to_owned()).await?;
        }
        for mut c in [boolean("approved_by_policy").default(false).to_owned(), string_null("review_reasons").to_owned()]
        {
            m.alter_table(Table::alter().table("contracts").add_column(&mut c).to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("clause_fallbacks")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string_len("template_kind", 32))
                .col(string_len("clause_key", 64))
                .col(text("text"))
                .col(uuid("approved_by"))
                .col(boolean("active"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("clause_fallbacks", "organization_id", "organizations"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_clause_fallbacks_key")
                .table("clause_fallbacks")
                .col("organization_id")
                .col("clause_key")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("clause_fallbacks").to_owned()).await
    }
}
