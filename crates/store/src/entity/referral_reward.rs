//! The `referral_rewards` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "referral_rewards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub referrer_account_id: Uuid,
    pub referred_opportunity_id: Uuid,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub applied_invoice_id: Option<Uuid>,
    pub applied_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
