//! A tamper-evident audit log: each row carries its sequence number in the organization, the
//! hash of the previous row and its own hash; before/after snapshots move to an erasable
//! payload table that the chain covers by digest.

use crate::fk;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table("organizations").add_column(big_integer("audit_seq").default(0).to_owned()).to_owned(),
        )
        .await?;
        for c in [
            big_integer_null("seq").to_owned(),
            string_null("prev_hash").to_owned(),
            string_null("hash").to_owned(),
            string_null("payload_digest").to_owned(),
        ] {
            m.alter_table(Table::alter().table("audit_log").add_column(c).to_owned()).await?;
        }
        m.create_index(
            Index::create()
                .name("ux_audit_seq")
                .table("audit_log")
                .col("organization_id")
                .col("seq")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("audit_payloads")
                .col(uuid("audit_id").primary_key())
                .col(uuid("organization_id"))
                .col(json_null("before"))
                .col(json_null("after"))
                .col(timestamp_with_time_zone_null("erased_at"))
                .foreign_key(&mut fk("audit_payloads", "audit_id", "audit_log"))
                .foreign_key(&mut fk("audit_payloads", "organization_id", "organizations"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("audit_payloads").to_owned()).await
    }
}
