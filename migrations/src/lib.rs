//! Baton's schema migrations. One file per change; an applied migration never changes.
//! Migrations describe tables with plain identifiers and never import the store's entities.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_foundation;
mod m20261126_000002_backbone;
mod m20261126_000003_change_orders;
mod m20261126_000004_product_marketing;
mod m20261126_000005_success_partners_training;
mod m20261126_000006_release_notes;
mod m20261126_000007_sla_tasks;
mod m20261126_000008_win_loss;
mod m20261126_000009_pool_cadence_commission;
mod m20261126_000010_audit_chain;
mod m20261126_000011_gifts;
mod m20261126_000012_consents;
mod m20261126_000013_cadence_definitions;
mod m20261127_000014_privacy_conduct;
mod m20261127_000015_contract_policy;
mod m20261127_000016_audit_append_only;
mod m20261201_000017_login_throttle;
mod m20261201_000018_list_indexes;
mod m20261201_000019_shipped_fixes;
mod m20261201_000020_outbox_purpose;
mod m20261201_000030_referral_credits;
mod m20261201_000031_audit_sealing;
mod m20261201_000032_figure_indexes;
mod m20261202_000033_search;
mod m20261202_000034_custom_roles;
mod m20261202_000035_webhooks;
mod m20261202_000040_collections_index;
mod m20261202_000050_import_jobs;
mod m20261202_000070_persisted_queries;
mod m20261202_000071_api_token_custom_roles;
mod m20261202_000080_list_orders;
mod m20261202_000081_daily_counts;
mod m20261203_000082_kpi_covering_indexes;
mod m20261203_000083_search_words;
mod m20261203_000084_link_indexes;
mod m20261206_000085_lead_counts;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_foundation::Migration),
            Box::new(m20261126_000002_backbone::Migration),
            Box::new(m20261126_000003_change_orders::Migration),
            Box::new(m20261126_000004_product_marketing::Migration),
            Box::new(m20261126_000005_success_partners_training::Migration),
            Box::new(m20261126_000006_release_notes::Migration),
            Box::new(m20261126_000007_sla_tasks::Migration),
            Box::new(m20261126_000008_win_loss::Migration),
            Box::new(m20261126_000009_pool_cadence_commission::Migration),
            Box::new(m20261126_000010_audit_chain::Migration),
            Box::new(m20261126_000011_gifts::Migration),
            Box::new(m20261126_000012_consents::Migration),
            Box::new(m20261126_000013_cadence_definitions::Migration),
            Box::new(m20261127_000014_privacy_conduct::Migration),
            Box::new(m20261127_000015_contract_policy::Migration),
            Box::new(m20261127_000016_audit_append_only::Migration),
            Box::new(m20261201_000017_login_throttle::Migration),
            Box::new(m20261201_000018_list_indexes::Migration),
            Box::new(m20261201_000019_shipped_fixes::Migration),
            Box::new(m20261201_000020_outbox_purpose::Migration),
            Box::new(m20261201_000030_referral_credits::Migration),
            Box::new(m20261201_000031_audit_sealing::Migration),
            Box::new(m20261201_000032_figure_indexes::Migration),
            Box::new(m20261202_000033_search::Migration),
            Box::new(m20261202_000034_custom_roles::Migration),
            Box::new(m20261202_000035_webhooks::Migration),
            Box::new(m20261202_000040_collections_index::Migration),
            Box::new(m20261202_000050_import_jobs::Migration),
            Box::new(m20261202_000070_persisted_queries::Migration),
            Box::new(m20261202_000071_api_token_custom_roles::Migration),
            Box::new(m20261202_000080_list_orders::Migration),
            Box::new(m20261202_000081_daily_counts::Migration),
            Box::new(m20261203_000082_kpi_covering_indexes::Migration),
            Box::new(m20261203_000083_search_words::Migration),
            Box::new(m20261203_000084_link_indexes::Migration),
            Box::new(m20261206_000085_lead_counts::Migration),
        ]
    }
}

/// A foreign key from `table.column` to `target.id`.
pub(crate) fn fk(table: &'static str, column: &'static str, target: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// The `MigrationTrait` of a migration that only creates indexes given as (name, table,
/// columns), and drops them on the way down.
macro_rules! index_migration {
    ($indexes:expr) => {
        #[async_trait::async_trait]
        impl MigrationTrait for Migration {
            async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
                crate::create_indexes(m, $indexes).await
            }

            async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
                crate::drop_indexes(m, $indexes).await
            }
        }
    };
}
pub(crate) use index_migration;

/// Runs statements as one string, so that on SQLite they run on one connection, in order.
pub(crate) async fn run_all(m: &SchemaManager<'_>, sql: &[&str]) -> Result<(), DbErr> {
    m.get_connection().execute_unprepared(&sql.join("; ")).await.map(|_| ())
}

/// Creates plain indexes given as (name, table, columns).
pub(crate) async fn create_indexes(
    m: &SchemaManager<'_>,
    indexes: &[(&'static str, &'static str, &'static [&'static str])],
) -> Result<(), DbErr> {
    for (name, table, cols) in indexes {
        let mut i = Index::create();
        i.name(*name).table(*table);
        for c in *cols {
            i.col(*c);
        }
        m.create_index(i.to_owned()).await?;
    }
    Ok(())
}

/// Drops indexes given as (name, table, columns).
pub(crate) async fn drop_indexes(
    m: &SchemaManager<'_>,
    indexes: &[(&'static str, &'static str, &'static [&'static str])],
) -> Result<(), DbErr> {
    for (name, table, _) in indexes {
        m.drop_index(Index::drop().name(*name).table(*table).to_owned()).await?;
    }
    Ok(())
}
