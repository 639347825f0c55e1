//! Custom roles: an organization's own roles, each a set of (action, scope) grants and, per
//! object type, the fields it may read; and who holds them. The built-in roles stay in
//! `role_grants`; a custom role is held through `custom_role_grants`.

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
                .table("custom_roles")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string("name"))
                .col(text_null("description"))
                // JSON: [{"action": "createLead", "scope": "OWN"}, ...]
                .col(text("grants"))
                // JSON: {"Contact": ["name", "role"], ...}; a type not named is read in full.
                .col(text("readable_fields"))
                .col(timestamp_with_time_zone_null("retired_at"))
                .col(uuid("created_by"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("custom_roles", "organization_id", "organizations"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_custom_roles_org_name")
                .table("custom_roles")
                .col("organization_id")
                .col("name")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("custom_role_grants")
                .col(uuid("role_id"))
                .col(uuid("user_id"))
                .col(uuid("organization_id"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("role_id").col("user_id"))
                .foreign_key(&mut fk("custom_role_grants", "role_id", "custom_roles"))
                .foreign_key(&mut fk("custom_role_grants", "user_id", "users"))
                .foreign_key(&mut fk("custom_role_grants", "organization_id", "organizations"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_custom_role_grants_user").table("custom_role_grants").col("user_id").to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("custom_role_grants").to_owned()).await?;
        m.drop_table(Table::drop().table("custom_roles").to_owned()).await
    }
}
