//! Data protection and conduct: data residency and cross-border basis per lead and contact,
//! erasure marks, the retention of disqualified leads, data-subject requests, and yearly
//! code-of-conduct and compliance-training acknowledgements.

use crate::fk;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["leads", "contacts"] {
            for mut c in [
                string_len_null("jurisdiction", 8).to_owned(),
                string_len_null("cross_border_basis", 32).to_owned(),
                timestamp_with_time_zone_null("erased_at").to_owned(),
            ] {
                m.alter_table(Table::alter().table(table).add_column(&mut c).to_owned()).await?;
            }
        }
        m.alter_table(
            Table::alter()
                .table("leads")
                .add_column(timestamp_with_time_zone_null("disqualified_at").to_owned())
                .to_owned(),
        )
        .await?;
        // Leads disqualified before this column existed count from their last change.
        m.get_connection()
            .execute_unprepared("UPDATE leads SET disqualified_at = updated_at WHERE status = 'DISQUALIFIED'")
            .await?;
        for mut c in [
            integer("disqualified_lead_retention_days").default(365).to_owned(),
            integer("conduct_grace_days").default(30).to_owned(),
        ] {
            m.alter_table(Table::alter().table("organizations").add_column(&mut c).to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("data_subject_requests")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string_len("kind", 16))
                .col(string_null("subject_email"))
                .col(string_len("subject_digest", 64))
                .col(string_len("status", 16))
                .col(timestamp_with_time_zone("received_at"))
                .col(timestamp_with_time_zone("due_at"))
                .col(uuid("opened_by"))
                .col(timestamp_with_time_zone_null("completed_at"))
                .col(uuid_null("completed_by"))
                .col(string_len_null("destination_jurisdiction", 8))
                .col(text_null("outcome"))
                .foreign_key(&mut fk("data_subject_requests", "organization_id", "organizations"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_data_subject_requests_org_status")
                .table("data_subject_requests")
                .col("organization_id")
                .col("status")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("conduct_acknowledgements")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("user_id"))
                .col(integer("year"))
                .col(string_len("kind", 32))
                .col(timestamp_with_time_zone("acknowledged_at"))
                .foreign_key(&mut fk("conduct_acknowledgements", "organization_id", "organizations"))
                .foreign_key(&mut fk("conduct_acknowledgements", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_conduct_acknowledgements")
                .table("conduct_acknowledgements")
                .col("user_id")
                .col("year")
                .col("kind")
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("conduct_acknowledgements").to_owned()).await?;
        m.drop_table(Table::drop().table("data_subject_requests").to_owned()).await
    }
}
