//! The `consents` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub subject_type: String,
    pub subject_id: Uuid,
    pub purpose: String,
    pub lawful_basis: String,
    pub source: String,
    pub notice_version: String,
    pub granted_at: DateTimeUtc,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub recorded_by: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
