//! Won revenue: the value of a deal's signed contracts, never the opportunity's estimate. The
//! one definition every figure uses: sales' revenue figures and marketing's won revenue per
//! campaign and per source all count this, so the departments report the same number for the
//! same deal.

/// The won revenue of each of the organization's deals (`$1`) that has a signed contract: rows
/// of `opportunity_id, value_minor`, for a statement to join to its deals.
pub(crate) const PER_DEAL_SQL: &str = "SELECT opportunity_id, SUM(value_minor) AS value_minor FROM contracts \
     WHERE organization_id = $1 AND signed_at IS NOT NULL GROUP BY opportunity_id";
