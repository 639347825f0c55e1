//! Consent records per lead or contact and purpose.

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
                .table("consents")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string_len("subject_type", 16))
                .col(uuid("subject_id"))
                .col(string_len("purpose", 32))
                .col(string_len("lawful_basis", 32))
                .col(string("source"))
                .col(string("notice_version"))
                .col(timestamp_with_time_zone("granted_at"))
                .col(timestamp_with_time_zone_null("withdrawn_at"))
                .col(uuid("recorded_by"))
                .foreign_key(&mut fk("consents", "organization_id", "organizations"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_consents_subject").table("consents").col("subject_id").col("purpose").to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("consents").to_owned()).await
    }
}
