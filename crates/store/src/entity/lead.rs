//! The `leads` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "leads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub owner_id: Option<Uuid>,
    pub company_name: String,
    pub contact_name: String,
    pub contact_email: Option<String>,
    pub email_domain: Option<String>,
    pub contact_phone: Option<String>,
    pub industry: Option<String>,
    pub company_size: Option<i32>,
    pub source: String,
    pub pain_points: Option<String>,
    pub status: String,
    pub priority: Option<String>,
    pub budget_confirmed: Option<bool>,
    pub authority_confirmed: Option<bool>,
    pub need_confirmed: Option<bool>,
    pub timeline: Option<String>,
    pub qualification_notes: Option<String>,
    pub disqualification_reason: Option<String>,
    pub first_contacted_at: Option<DateTimeUtc>,
    pub converted_at: Option<DateTimeUtc>,
    pub converted_account_id: Option<Uuid>,
    pub converted_opportunity_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub referred_by_account_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub pooled_at: Option<DateTimeUtc>,
    pub jurisdiction: Option<String>,
    pub cross_border_basis: Option<String>,
    pub erased_at: Option<DateTimeUtc>,
    pub disqualified_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
