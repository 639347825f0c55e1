//! Won revenue: the value of a deal's signed contracts, the one definition every figure uses.

use crate::AppError;
use baton_store::entity::contract;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// The contracts signed for the organization's deals; only those signed in `[from, to)` when a
/// period is given.
pub(crate) async fn signed_contracts<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    period: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<Vec<contract::Model>, AppError> {
    let mut q = contract::Entity::find()
        .filter(contract::Column::OrganizationId.eq(org))
        .filter(contract::Column::SignedAt.is_not_null());
    if let Some((from, to)) = period {
        q = q.filter(contract::Column::SignedAt.gte(from)).filter(contract::Column::SignedAt.lt(to));
    }
    Ok(q.all(db).await?)
}

/// What a won deal brought in: the value of the contract signed for it, never the opportunity's
/// estimate. Sales' revenue figures and marketing's won revenue per campaign and per source all
/// count this, so the departments report the same number for the same deal.
pub(crate) fn won_revenue(signed: &[contract::Model], deal: Uuid) -> i64 {
    signed.iter().filter(|c| c.opportunity_id == deal).map(|c| c.value_minor).sum()
}
