//! The deal-to-handoff backbone: opportunity facts, the catalog, quotes, contract templates and
//! contracts, invoices and payments, subscriptions and delivery projects, hand-off packages and
//! onboarding milestones.

use crate::fk;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn org(table: &'static str) -> ForeignKeyCreateStatement {
    fk(table, "organization_id", "organizations")
}

fn index(name: &str, table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(*c);
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Organization policy and the gap-free invoice counter.
        for col in [
            big_integer("invoice_counter").default(0).to_owned(),
            boolean("onboarding_requires_first_payment").default(false).to_owned(),
        ] {
            m.alter_table(Table::alter().table("organizations").add_column(col).to_owned()).await?;
        }
        for col in [
            text_null("needs_analysis").to_owned(),
            text_null("loss_reason").to_owned(),
            timestamp_with_time_zone_null("closed_at").to_owned(),
        ] {
            m.alter_table(Table::alter().table("opportunities").add_column(col).to_owned()).await?;
        }

        m.create_table(
            Table::create()
                .table("products")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string("name"))
                .col(string("sku"))
                .col(string_len_null("tier", 16))
                .col(string_len("pricing_model", 16))
                .col(big_integer("unit_price_minor"))
                .col(string_len("currency", 3))
                .col(boolean("active"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("products"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_products_sku", "products", &["organization_id", "sku"]).unique().to_owned()).await?;

        m.create_table(
            Table::create()
                .table("quotes")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("opportunity_id"))
                .col(string_len("status", 32))
                .col(integer("discount_bp"))
                .col(big_integer("subtotal_minor"))
                .col(big_integer("discount_minor"))
                .col(big_integer("total_minor"))
                .col(string_len("currency", 3))
                .col(integer("term_months"))
                .col(uuid("created_by"))
                .col(uuid_null("approved_by"))
                .col(timestamp_with_time_zone_null("approved_at"))
                .col(timestamp_with_time_zone_null("accepted_at"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut org("quotes"))
                .foreign_key(&mut fk("quotes", "opportunity_id", "opportunities"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_quotes_opportunity", "quotes", &["opportunity_id"])).await?;

        m.create_table(
            Table::create()
                .table("quote_lines")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("quote_id"))
                .col(uuid("product_id"))
                .col(integer("position"))
                .col(integer("quantity"))
                .col(integer("term_months"))
                .col(big_integer("unit_price_minor"))
                .col(big_integer("line_total_minor"))
                .foreign_key(&mut org("quote_lines"))
                .foreign_key(&mut fk("quote_lines", "quote_id", "quotes"))
                .foreign_key(&mut fk("quote_lines", "product_id", "products"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_quote_lines_quote", "quote_lines", &["quote_id"])).await?;

        m.create_table(
            Table::create()
                .table("contract_templates")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(string("name"))
                .col(string_len("kind", 32))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("contract_templates"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("template_clauses")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("template_id"))
                .col(string_len("key", 64))
                .col(text("text"))
                .col(integer("position"))
                .foreign_key(&mut org("template_clauses"))
                .foreign_key(&mut fk("template_clauses", "template_id", "contract_templates"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("contracts")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("opportunity_id"))
                .col(uuid("quote_id"))
                .col(uuid("template_id"))
                .col(string_len("kind", 32))
                .col(string_len("status", 32))
                .col(string_len("payment_schedule", 16))
                .col(big_integer("value_minor"))
                .col(string_len("currency", 3))
                .col(integer("term_months"))
                .col(uuid("created_by"))
                // Everyone who drafted or edited a version since the last approval, comma-separated.
                .col(text("editors"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(integer_null("approved_version"))
                .col(uuid_null("approved_by"))
                .col(timestamp_with_time_zone_null("approved_at"))
                .col(text_null("review_note"))
                .col(text_null("changes_comments"))
                .col(timestamp_with_time_zone_null("signed_at"))
                .col(uuid_null("signatory_contact_id"))
                .col(text_null("void_reason"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut org("contracts"))
                .foreign_key(&mut fk("contracts", "opportunity_id", "opportunities"))
                .foreign_key(&mut fk("contracts", "quote_id", "quotes"))
                .foreign_key(&mut fk("contracts", "template_id", "contract_templates"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_contracts_org_status", "contracts", &["organization_id", "status"])).await?;
        m.create_index(index("ix_contracts_opportunity", "contracts", &["opportunity_id"])).await?;

        m.create_table(
            Table::create()
                .table("contract_clauses")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("contract_id"))
                .col(string_len("key", 64))
                .col(text("text"))
                .col(text("template_text"))
                .col(integer("position"))
                .foreign_key(&mut org("contract_clauses"))
                .foreign_key(&mut fk("contract_clauses", "contract_id", "contracts"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_contract_clauses_contract", "contract_clauses", &["contract_id"])).await?;

        m.create_table(
            Table::create()
                .table("invoices")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("contract_id"))
                .col(uuid("account_id"))
                .col(uuid("opportunity_id"))
                .col(big_integer_null("number"))
                .col(integer("sequence"))
                .col(string_len("status", 32))
                .col(big_integer("amount_minor"))
                .col(big_integer("paid_minor").default(0))
                .col(string_len("currency", 3))
                .col(date("issue_on"))
                .col(date("due_on"))
                .col(timestamp_with_time_zone_null("issued_at"))
                .col(text_null("void_reason"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut org("invoices"))
                .foreign_key(&mut fk("invoices", "contract_id", "contracts"))
                .foreign_key(&mut fk("invoices", "account_id", "accounts"))
                .foreign_key(&mut fk("invoices", "opportunity_id", "opportunities"))
                .to_owned(),
        )
        .await?;
        // Numbers are unique per organization; the counter on the organization keeps them gap-free.
        m.create_index(index("ux_invoices_number", "invoices", &["organization_id", "number"]).unique().to_owned())
            .await?;
        m.create_index(index("ix_invoices_org_status", "invoices", &["organization_id", "status"])).await?;

        m.create_table(
            Table::create()
                .table("payments")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("invoice_id"))
                .col(string_len("kind", 16))
                .col(big_integer("amount_minor"))
                .col(string_len("currency", 3))
                .col(timestamp_with_time_zone("received_at"))
                .col(string_null("reference"))
                .col(text_null("reason"))
                .col(uuid_null("refund_of"))
                .col(string("idempotency_key"))
                .col(string("request_hash"))
                .col(uuid_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("payments"))
                .foreign_key(&mut fk("payments", "invoice_id", "invoices"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index("ux_payments_key", "payments", &["organization_id", "idempotency_key"]).unique().to_owned(),
        )
        .await?;
        m.create_index(index("ix_payments_invoice", "payments", &["invoice_id"])).await?;

        m.create_table(
            Table::create()
                .table("subscriptions")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("account_id"))
                .col(uuid("contract_id"))
                .col(string_len_null("tier", 16))
                .col(integer("seats"))
                .col(date("start_on"))
                .col(date("end_on"))
                .col(big_integer("mrr_minor"))
                .col(string_len("currency", 3))
                .col(string_len("status", 16))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("subscriptions"))
                .foreign_key(&mut fk("subscriptions", "account_id", "accounts"))
                .foreign_key(&mut fk("subscriptions", "contract_id", "contracts"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("delivery_projects")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("account_id"))
                .col(uuid("contract_id"))
                .col(string_len("status", 16))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut org("delivery_projects"))
                .foreign_key(&mut fk("delivery_projects", "account_id", "accounts"))
                .foreign_key(&mut fk("delivery_projects", "contract_id", "contracts"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("handoff_packages")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("account_id"))
                .col(uuid("opportunity_id"))
                .col(uuid("contract_id"))
                .col(string_len("status", 16))
                .col(text_null("needs_document"))
                .col(text_null("special_requirements"))
                .col(text_null("success_criteria"))
                .col(uuid_null("kickoff_contact_id"))
                .col(text_null("return_reason"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(timestamp_with_time_zone_null("accepted_at"))
                .col(uuid_null("accepted_by"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut org("handoff_packages"))
                .foreign_key(&mut fk("handoff_packages", "account_id", "accounts"))
                .foreign_key(&mut fk("handoff_packages", "opportunity_id", "opportunities"))
                .foreign_key(&mut fk("handoff_packages", "contract_id", "contracts"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_handoff_org_status", "handoff_packages", &["organization_id", "status"])).await?;

        m.create_table(
            Table::create()
                .table("onboarding_milestones")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("package_id"))
                .col(uuid("account_id"))
                .col(string_len("key", 32))
                .col(integer("position"))
                .col(timestamp_with_time_zone_null("done_at"))
                .foreign_key(&mut org("onboarding_milestones"))
                .foreign_key(&mut fk("onboarding_milestones", "package_id", "handoff_packages"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_activities_opportunity", "activities", &["opportunity_id"])).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "onboarding_milestones",
            "handoff_packages",
            "delivery_projects",
            "subscriptions",
            "payments",
            "invoices",
            "contract_clauses",
            "contracts",
            "template_clauses",
            "contract_templates",
            "quote_lines",
            "quotes",
            "products",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
