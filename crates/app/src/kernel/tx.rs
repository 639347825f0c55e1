//! Transactions and per-organization counters.

use crate::{App, AppError};
use baton_store::entity::organization;
use chrono::{DateTime, Utc};
use sea_orm::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use uuid::Uuid;

impl App {
    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so concurrent writers queue behind the busy timeout instead of failing when
    /// they upgrade; on PostgreSQL rows are locked where a use case reads what it will write.
    #[tracing::instrument(skip_all)]
    pub async fn tx(&self) -> Result<DatabaseTransaction, DbErr> {
        self.db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
    }
}

/// A counter column of the organization row.
#[derive(Debug, Clone, Copy)]
pub enum Counter {
    RoundRobin,
    Invoice,
}

/// Increments a counter of the organization and returns its new value. The increment is the
/// first write, so it holds the organization row's lock until the transaction ends: two
/// transactions never get the same value and a rolled-back one leaves no gap.
pub async fn next_counter<C: ConnectionTrait>(txn: &C, org_id: Uuid, counter: Counter) -> Result<i64, AppError> {
    advance_counter(txn, org_id, counter, 1).await
}

/// Moves a counter by `by` at once and returns its new value: the values after the old one up
/// to it are the caller's, as if it had called [`next_counter`] `by` times.
pub async fn advance_counter<C: ConnectionTrait>(
    txn: &C,
    org_id: Uuid,
    counter: Counter,
    by: i64,
) -> Result<i64, AppError> {
    let col = match counter {
        Counter::RoundRobin => organization::Column::RoundRobinCursor,
        Counter::Invoice => organization::Column::InvoiceCounter,
    };
    organization::Entity::update_many()
        .col_expr(col, Expr::col(col).add(by))
        .filter(organization::Column::Id.eq(org_id))
        .exec(txn)
        .await?;
    let org = load_org(txn, org_id).await?;
    Ok(match counter {
        Counter::RoundRobin => org.round_robin_cursor,
        Counter::Invoice => org.invoice_counter,
    })
}

/// The organization's row, its settings included: the one way a use case reads it.
pub(crate) async fn load_org<C: ConnectionTrait>(db: &C, org_id: Uuid) -> Result<organization::Model, AppError> {
    organization::Entity::find_by_id(org_id).one(db).await?.ok_or(AppError::NotFound("organization"))
}

/// Sets a column when a patch gives it a value, and leaves it as read otherwise.
pub(crate) fn put<T: Into<sea_orm::Value>>(column: &mut sea_orm::ActiveValue<T>, value: Option<T>) {
    if let Some(v) = value {
        *column = Set(v);
    }
}

/// A row whose every change bumps its version (the optimistic lock clients send back) and
/// stamps when it changed: one call, so no write forgets either.
pub trait Versioned {
    /// Sets the version to the one after `version` (the row's as read) and `updated_at` to `at`.
    fn bump(&mut self, version: i32, at: DateTime<Utc>);
}

macro_rules! versioned {
    ($($entity:ident),* $(,)?) => {
        $(impl Versioned for baton_store::entity::$entity::ActiveModel {
            fn bump(&mut self, version: i32, at: DateTime<Utc>) {
                self.version = Set(version + 1);
                self.updated_at = Set(at);
            }
        })*
    };
}

versioned!(
    account,
    campaign,
    contact,
    contract,
    custom_role,
    feature_request,
    handoff_package,
    invoice,
    lead,
    opportunity,
    organization,
    quote,
    user,
    webhook,
);
