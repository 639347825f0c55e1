//! The foundation: organizations, users and their roles, teams, API tokens, the audit log,
//! and the lead slice (leads, accounts, contacts, opportunities, activities).

use crate::fk;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn org(table: &'static str) -> ForeignKeyCreateStatement {
    fk(table, "organization_id", "organizations")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("organizations")
                .col(pk_uuid("id"))
                .col(string("name"))
                .col(string_len("currency", 3))
                // Money is stored in minor units (cents) as integers everywhere.
                .col(big_integer("enterprise_threshold_minor"))
                // Discount limits in basis points (1000 = 10 %).
                .col(integer("discount_limit_rep_bp"))
                .col(integer("discount_limit_manager_bp"))
                .col(integer("first_contact_sla_hours"))
                .col(integer("legal_review_sla_hours"))
                .col(big_integer("round_robin_cursor").default(0))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("users")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string_uniq("email"))
                .col(string("name"))
                .col(string("password_hash"))
                .col(boolean("active"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut org("users"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_users_org").table("users").col("organization_id").to_owned()).await?;

        m.create_table(
            Table::create()
                .table("role_grants")
                .col(uuid("user_id"))
                .col(string_len("role", 32))
                .col(uuid("organization_id"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("user_id").col("role"))
                .foreign_key(&mut fk("role_grants", "user_id", "users"))
                .foreign_key(&mut org("role_grants"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("teams")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string("name"))
                .col(string_len("kind", 32))
                .col(uuid("manager_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("teams"))
                .foreign_key(&mut fk("teams", "manager_id", "users"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("team_members")
                .col(uuid("team_id"))
                .col(uuid("user_id"))
                .col(uuid("organization_id"))
                .primary_key(Index::create().col("team_id").col("user_id"))
                .foreign_key(&mut fk("team_members", "team_id", "teams"))
                .foreign_key(&mut fk("team_members", "user_id", "users"))
                .foreign_key(&mut org("team_members"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("api_tokens")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string("name"))
                .col(string_uniq("token_hash"))
                .col(string("roles"))
                .col(uuid("created_by"))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("api_tokens"))
                .foreign_key(&mut fk("api_tokens", "created_by", "users"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("audit_log")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid_null("actor_id"))
                .col(string_len("actor_kind", 16))
                .col(string("action"))
                .col(string("entity_type"))
                .col(uuid("entity_id"))
                .col(json_null("before"))
                .col(json_null("after"))
                .col(string_null("request_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("audit_log"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_entity")
                .table("audit_log")
                .col("organization_id")
                .col("entity_id")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("accounts")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string("name"))
                .col(string_null("domain"))
                .col(string_null("industry"))
                .col(integer_null("company_size"))
                .col(uuid_null("account_executive_id"))
                .col(uuid_null("cs_owner_id"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut org("accounts"))
                .foreign_key(&mut fk("accounts", "account_executive_id", "users"))
                .foreign_key(&mut fk("accounts", "cs_owner_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_accounts_org").table("accounts").col("organization_id").to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table("contacts")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("account_id"))
                .col(string("name"))
                .col(string_null("email"))
                .col(string_null("phone"))
                .col(string_len("role", 32))
                .col(boolean("decision_maker"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut org("contacts"))
                .foreign_key(&mut fk("contacts", "account_id", "accounts"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_contacts_account").table("contacts").col("account_id").to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table("opportunities")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("account_id"))
                .col(uuid("owner_id"))
                .col(uuid_null("lead_id"))
                .col(string("name"))
                .col(string_len("stage", 32))
                .col(big_integer("estimated_value_minor"))
                .col(string_len("currency", 3))
                .col(timestamp_with_time_zone_null("expected_close_date"))
                .col(integer_null("probability"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut org("opportunities"))
                .foreign_key(&mut fk("opportunities", "account_id", "accounts"))
                .foreign_key(&mut fk("opportunities", "owner_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_opportunities_org_owner")
                .table("opportunities")
                .col("organization_id")
                .col("owner_id")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("leads")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid_null("owner_id"))
                .col(string("company_name"))
                .col(string("contact_name"))
                .col(string_null("contact_email"))
                .col(string_null("email_domain"))
                .col(string_null("contact_phone"))
                .col(string_null("industry"))
                .col(integer_null("company_size"))
                .col(string_len("source", 32))
                .col(text_null("pain_points"))
                .col(string_len("status", 32))
                .col(string_len_null("priority", 16))
                .col(boolean_null("budget_confirmed"))
                .col(boolean_null("authority_confirmed"))
                .col(boolean_null("need_confirmed"))
                .col(string_len_null("timeline", 32))
                .col(text_null("qualification_notes"))
                .col(text_null("disqualification_reason"))
                .col(timestamp_with_time_zone_null("first_contacted_at"))
                .col(timestamp_with_time_zone_null("converted_at"))
                .col(uuid_null("converted_account_id"))
                .col(uuid_null("converted_opportunity_id"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut org("leads"))
                .foreign_key(&mut fk("leads", "owner_id", "users"))
                .foreign_key(&mut fk("leads", "converted_account_id", "accounts"))
                .foreign_key(&mut fk("leads", "converted_opportunity_id", "opportunities"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_leads_org_owner").table("leads").col("organization_id").col("owner_id").to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_leads_org_email")
                .table("leads")
                .col("organization_id")
                .col("contact_email")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_leads_org_domain")
                .table("leads")
                .col("organization_id")
                .col("email_domain")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("activities")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid_null("lead_id"))
                .col(uuid_null("opportunity_id"))
                .col(uuid_null("actor_id"))
                .col(string_len("kind", 32))
                .col(text_null("notes"))
                .col(timestamp_with_time_zone("occurred_at"))
                .foreign_key(&mut org("activities"))
                .foreign_key(&mut fk("activities", "lead_id", "leads"))
                .foreign_key(&mut fk("activities", "opportunity_id", "opportunities"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "activities",
            "leads",
            "opportunities",
            "contacts",
            "accounts",
            "audit_log",
            "api_tokens",
            "team_members",
            "teams",
            "role_grants",
            "users",
            "organizations",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
