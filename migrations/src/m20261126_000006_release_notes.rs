//! Release notes product publishes and the acknowledgements of the sales and CS users who
//! learned them.

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
                .table("release_notes")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string("title"))
                .col(text("body"))
                .col(uuid("published_by"))
                .col(timestamp_with_time_zone("published_at"))
                .foreign_key(&mut fk("release_notes", "organization_id", "organizations"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("release_acknowledgements")
                .col(uuid("note_id"))
                .col(uuid("user_id"))
                .col(uuid("organization_id"))
                .col(timestamp_with_time_zone("acknowledged_at"))
                .primary_key(Index::create().col("note_id").col("user_id"))
                .foreign_key(&mut fk("release_acknowledgements", "note_id", "release_notes"))
                .foreign_key(&mut fk("release_acknowledgements", "user_id", "users"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("release_acknowledgements").to_owned()).await?;
        m.drop_table(Table::drop().table("release_notes").to_owned()).await
    }
}
