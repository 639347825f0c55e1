//! Cadences defined by an organization, beside the built-in trial cadence.

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
                .table("cadence_definitions")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string("name"))
                .col(json("steps"))
                .col(uuid("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("cadence_definitions", "organization_id", "organizations"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("cadence_definitions").to_owned()).await
    }
}
