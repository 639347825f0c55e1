//! The `opportunities` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "opportunities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub account_id: Uuid,
    pub owner_id: Uuid,
    pub lead_id: Option<Uuid>,
    pub name: String,
    pub stage: String,
    pub estimated_value_minor: i64,
    pub currency: String,
    pub expected_close_date: Option<DateTimeUtc>,
    pub probability: Option<i32>,
    pub needs_analysis: Option<String>,
    pub loss_reason: Option<String>,
    pub closed_at: Option<DateTimeUtc>,
    pub kind: String,
    pub cs_credit_id: Option<Uuid>,
    pub renewal_of: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
