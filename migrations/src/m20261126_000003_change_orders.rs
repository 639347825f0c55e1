//! Paid change orders against a signed custom-development contract.

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
                .table("change_orders")
                .col(pk_uuid("id"))
                .col(uuid("organization_id"))
                .col(uuid("contract_id"))
                .col(uuid("invoice_id"))
                .col(text("description"))
                .col(big_integer("amount_minor"))
                .col(string_len("currency", 3))
                .col(uuid("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("change_orders", "organization_id", "organizations"))
                .foreign_key(&mut fk("change_orders", "contract_id", "contracts"))
                .foreign_key(&mut fk("change_orders", "invoice_id", "invoices"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_change_orders_contract").table("change_orders").col("contract_id").to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("change_orders").to_owned()).await
    }
}
