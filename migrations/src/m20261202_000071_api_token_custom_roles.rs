//! Custom roles held by API tokens: an integration acts with the organization's own roles, as a
//! user does. One row per (token, role).

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
                .table("api_token_custom_roles")
                .col(uuid("token_id"))
                .col(uuid("role_id"))
                .col(uuid("organization_id"))
                .primary_key(Index::create().col("token_id").col("role_id"))
                .foreign_key(&mut fk("api_token_custom_roles", "token_id", "api_tokens"))
                .foreign_key(&mut fk("api_token_custom_roles", "role_id", "custom_roles"))
                .foreign_key(&mut fk("api_token_custom_roles", "organization_id", "organizations"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("api_token_custom_roles").to_owned()).await
    }
}
