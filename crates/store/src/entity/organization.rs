//! The `organizations` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub currency: String,
    pub enterprise_threshold_minor: i64,
    pub discount_limit_rep_bp: i32,
    pub discount_limit_manager_bp: i32,
    pub first_contact_sla_hours: i32,
    pub legal_review_sla_hours: i32,
    pub round_robin_cursor: i64,
    pub invoice_counter: i64,
    pub onboarding_requires_first_payment: bool,
    pub renewal_lead_days: i32,
    pub referral_reward_minor: i64,
    pub time_zone: String,
    pub work_days: String,
    pub work_start: String,
    pub work_end: String,
    pub holidays: String,
    pub needs_analysis_sla_hours: i32,
    pub demo_sla_hours: i32,
    pub pool_follow_up_days: i32,
    pub pool_claim_limit: i32,
    pub commission_base_bp: i32,
    pub commission_retention_bp: i32,
    pub commission_big_deal_bp: i32,
    pub commission_big_deal_minor: i64,
    pub commission_team_bp: i32,
    pub audit_seq: i64,
    pub gift_threshold_minor: i64,
    pub disqualified_lead_retention_days: i32,
    pub conduct_grace_days: i32,
    pub review_all_contracts: bool,
    pub review_above_minor: Option<i64>,
    pub review_deviations: bool,
    pub review_custom_development: bool,
    pub review_clause_keys: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
