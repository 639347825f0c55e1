//! The `data_subject_requests` table: data-subject requests (export, erasure) and their 30-day deadline.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "data_subject_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub kind: String,
    pub subject_email: Option<String>,
    pub subject_digest: String,
    pub status: String,
    pub received_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub opened_by: Uuid,
    pub completed_at: Option<DateTimeUtc>,
    pub completed_by: Option<Uuid>,
    pub destination_jurisdiction: Option<String>,
    pub outcome: Option<String>,
    pub reminded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
