//! The `invoices` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub contract_id: Uuid,
    pub account_id: Uuid,
    pub opportunity_id: Uuid,
    pub number: Option<i64>,
    pub sequence: i32,
    pub status: String,
    pub amount_minor: i64,
    pub paid_minor: i64,
    pub currency: String,
    pub issue_on: Date,
    pub due_on: Date,
    pub issued_at: Option<DateTimeUtc>,
    pub void_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
