//! The `handoff_packages` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "handoff_packages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub account_id: Uuid,
    pub opportunity_id: Uuid,
    pub contract_id: Uuid,
    pub status: String,
    pub needs_document: Option<String>,
    pub special_requirements: Option<String>,
    pub success_criteria: Option<String>,
    pub kickoff_contact_id: Option<Uuid>,
    pub return_reason: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub accepted_at: Option<DateTimeUtc>,
    pub accepted_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
