//! Login throttling, per account and per client address, kept in the database so that every
//! instance on one PostgreSQL counts the same attempts.
//!
//! Each attempt is counted *before* the password is checked, inside a transaction that locks
//! the key's row, so a burst of parallel guesses cannot slip past the count. Past the free
//! attempts a key is blocked for 1 s, then 2 s, 4 s, … up to 15 minutes; a blocked key is
//! answered RATE_LIMITED without checking the password (and without counting). A successful
//! login clears the account's count; the address keeps its count minus this attempt, so one
//! valid account cannot be used to reset an address that is guessing at others. Counts older
//! than the window start again from zero.

use crate::{App, AppError};
use baton_store::entity::login_throttle;
use chrono::{Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QuerySelect, Set};
use std::net::IpAddr;

/// How many failures are free before backoff starts.
#[derive(Debug, Clone, Copy)]
pub struct LoginPolicy {
    pub free_per_account: u32,
    pub free_per_address: u32,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy { free_per_account: 5, free_per_address: 20 }
    }
}

/// Failures older than this are forgotten.
const WINDOW_MINUTES: i64 = 15;
const MAX_BACKOFF_SECS: i64 = 15 * 60;

/// The block after `over` failures beyond the free ones: 1 s, 2 s, 4 s, … capped.
fn backoff_secs(over: u32) -> i64 {
    1_i64.checked_shl(over.saturating_sub(1).min(20)).unwrap_or(MAX_BACKOFF_SECS).min(MAX_BACKOFF_SECS)
}

/// The throttled keys of an attempt. They are digests: the table holds no e-mail address or
/// client address (personal data), and any input, even one with a NUL, makes a valid key.
fn keys(email: &str, client: Option<IpAddr>, p: LoginPolicy) -> Vec<(String, u32)> {
    let digest = baton_domain::chain::digest;
    let mut k = vec![(format!("account:{}", digest(&email.trim().to_lowercase())), p.free_per_account)];
    if let Some(ip) = client {
        k.push((format!("address:{}", digest(&ip.to_string())), p.free_per_address));
    }
    k
}

async fn locked_row<C: ConnectionTrait>(txn: &C, key: &str) -> Result<login_throttle::Model, AppError> {
    let fresh = login_throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(0),
        updated_at: Set(Utc::now()),
        blocked_until: Set(None),
    };
    login_throttle::Entity::insert(fresh)
        .on_conflict(OnConflict::column(login_throttle::Column::Key).do_nothing().to_owned())
        .try_insert()
        .exec(txn)
        .await?;
    login_throttle::Entity::find_by_id(key.to_owned())
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("login throttle row vanished")))
}

impl App {
    /// Counts a login attempt against every key; RATE_LIMITED while any of them is blocked.
    async fn count_login_attempt(&self, keys: &[(String, u32)]) -> Result<(), AppError> {
        let txn = self.tx().await?;
        let now = Utc::now();
        let mut wait = 0_i64;
        let mut rows = Vec::with_capacity(keys.len());
        for (key, _) in keys {
            let row = locked_row(&txn, key).await?;
            if let Some(until) = row.blocked_until.filter(|u| *u > now) {
                wait = wait.max((until - now).num_milliseconds().div_euclid(1000) + 1);
            }
            rows.push(row);
        }
        if wait > 0 {
            txn.commit().await?;
            return Err(AppError::RateLimited { retry_after_secs: wait.unsigned_abs() });
        }
        for (row, (_, free)) in rows.into_iter().zip(keys) {
            let stale = row.updated_at < now - Duration::minutes(WINDOW_MINUTES);
            let failures = if stale { 1 } else { row.failures.saturating_add(1) };
            let over = u32::try_from(failures).unwrap_or(u32::MAX).saturating_sub(*free);
            let mut am = row.into_active_model();
            am.failures = Set(failures);
            am.updated_at = Set(now);
            am.blocked_until = Set((over > 0).then(|| now + Duration::seconds(backoff_secs(over))));
            am.update(&txn).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Takes back the attempt of a login that succeeded.
    async fn forgive_login_attempt(&self, keys: &[(String, u32)]) -> Result<(), AppError> {
        let txn = self.tx().await?;
        for (i, (key, _)) in keys.iter().enumerate() {
            let row = locked_row(&txn, key).await?;
            if i == 0 {
                login_throttle::Entity::delete_by_id(row.key).exec(&txn).await?;
            } else {
                let failures = row.failures.saturating_sub(1).max(0);
                let mut am = row.into_active_model();
                am.failures = Set(failures);
                am.update(&txn).await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }

    /// `login`: throttled per account and per client address, then checks the credentials and
    /// issues a JWT.
    #[tracing::instrument(skip_all)]
    pub async fn login_from(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<(String, chrono::DateTime<Utc>, baton_store::entity::user::Model), AppError> {
        let keys = keys(email, client, self.login_policy);
        self.count_login_attempt(&keys).await?;
        let u = crate::kernel::auth::check_credentials(&self.db, email, password).await?;
        self.forgive_login_attempt(&keys).await?;
        let (token, exp) = self.jwt.issue(u.id, u.organization_id)?;
        Ok((token, exp, u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_up_to_fifteen_minutes() {
        let got: Vec<i64> = [1, 2, 3, 4, 10, 11, 40, u32::MAX].iter().map(|n| backoff_secs(*n)).collect();
        assert_eq!(got, vec![1, 2, 4, 8, 512, 900, 900, 900]);
    }

    #[test]
    fn accounts_are_keyed_case_insensitively_and_addresses_only_when_known() {
        let p = LoginPolicy::default();
        let k = keys(" AE@Demo.Test ", Some("10.0.0.7".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))), p);
        let d = baton_domain::chain::digest;
        assert_eq!(k, vec![(format!("account:{}", d("ae@demo.test")), 5), (format!("address:{}", d("10.0.0.7")), 20)]);
        assert_eq!(keys("x@y.z", None, p).len(), 1);
    }
}
