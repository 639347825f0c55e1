//! SLA clocks on business-hours calendars, and the tasks they create.

use crate::fk;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for mut c in [
            string("time_zone").default("UTC").to_owned(),
            string("work_days").default("MON,TUE,WED,THU,FRI").to_owned(),
            string_len("work_start", 5).default("09:00").to_owned(),
            string_len("work_end", 5).default("17:00").to_owned(),
            text("holidays").default("").to_owned(),
            integer("needs_analysis_sla_hours").default(24).to_owned(),
            integer("demo_sla_hours").default(56).to_owned(),
        ] {
            m.alter_table(Table::alter().table("organizations").add_column(&mut c).to_owned()).await?;
        }
        // SLA hours are working hours now: 24 calendar hours are one working day of 8 hours.
        m.get_connection()
            .execute_unprepared(
                "UPDATE organizations SET first_contact_sla_hours = 8 WHERE first_contact_sla_hours = 24",
            )
            .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE organizations SET legal_review_sla_hours = 16 WHERE legal_review_sla_hours = 48",
            )
            .await?;
        m.create_table(
            Table::create()
                .table("sla_clocks")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string_len("kind", 32))
                .col(string_len("entity_type", 32))
                .col(uuid("entity_id"))
                .col(uuid_null("owner_id"))
                .col(timestamp_with_time_zone("started_at"))
                .col(timestamp_with_time_zone("warn_at"))
                .col(timestamp_with_time_zone("due_at"))
                .col(timestamp_with_time_zone_null("warned_at"))
                .col(timestamp_with_time_zone_null("breached_at"))
                .col(timestamp_with_time_zone_null("stopped_at"))
                .foreign_key(&mut fk("sla_clocks", "organization_id", "organizations"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_sla_entity").table("sla_clocks").col("entity_id").to_owned()).await?;
        m.create_table(
            Table::create()
                .table("tasks")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("owner_id"))
                .col(string("title"))
                .col(timestamp_with_time_zone("due_at"))
                .col(string_len("status", 16))
                .col(timestamp_with_time_zone_null("snoozed_until"))
                .col(string_len_null("entity_type", 32))
                .col(uuid_null("entity_id"))
                .col(uuid_null("clock_id"))
                .col(uuid("created_by"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("completed_at"))
                .foreign_key(&mut fk("tasks", "organization_id", "organizations"))
                .foreign_key(&mut fk("tasks", "owner_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_tasks_owner").table("tasks").col("owner_id").col("status").to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("tasks").to_owned()).await?;
        m.drop_table(Table::drop().table("sla_clocks").to_owned()).await
    }
}
