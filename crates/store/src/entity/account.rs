//! The `accounts` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub company_size: Option<i32>,
    pub account_executive_id: Option<Uuid>,
    pub cs_owner_id: Option<Uuid>,
    pub tier: String,
    pub account_manager_id: Option<Uuid>,
    pub health_override: Option<i32>,
    pub health_override_reason: Option<String>,
    pub churned_at: Option<DateTimeUtc>,
    pub churn_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
