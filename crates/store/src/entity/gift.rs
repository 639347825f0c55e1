//! The `gifts` table: the gifts and hospitality register.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "gifts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub direction: String,
    pub description: String,
    pub value_minor: i64,
    pub currency: String,
    pub account_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    pub purpose: String,
    pub status: String,
    pub recorded_by: Uuid,
    pub decided_by: Option<Uuid>,
    pub decision_note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
