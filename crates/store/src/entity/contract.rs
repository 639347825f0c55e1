//! The `contracts` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub opportunity_id: Uuid,
    pub quote_id: Uuid,
    pub template_id: Uuid,
    pub kind: String,
    pub status: String,
    pub payment_schedule: String,
    pub value_minor: i64,
    pub currency: String,
    pub term_months: i32,
    pub created_by: Uuid,
    pub editors: String,
    pub submitted_at: Option<DateTimeUtc>,
    pub approved_version: Option<i32>,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTimeUtc>,
    pub review_note: Option<String>,
    pub changes_comments: Option<String>,
    pub signed_at: Option<DateTimeUtc>,
    pub signatory_contact_id: Option<Uuid>,
    pub void_reason: Option<String>,
    pub approved_by_policy: bool,
    pub review_reasons: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
