//! The `payments` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub invoice_id: Uuid,
    pub kind: String,
    pub amount_minor: i64,
    pub currency: String,
    pub received_at: DateTimeUtc,
    pub reference: Option<String>,
    pub reason: Option<String>,
    pub refund_of: Option<Uuid>,
    pub idempotency_key: String,
    pub request_hash: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
