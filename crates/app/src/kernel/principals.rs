//! The principal cache: who a credential belongs to, remembered for a few seconds so that a
//! caller's user, roles and teams are not read again on every request.
//!
//! Freshness is kept by invalidation, not by the clock: every use case that changes a principal
//! (roles, deactivation, teams, token revocation) calls [`App::principals_changed`] after it
//! commits. That clears this instance's entries for the organization at once and publishes
//! [`Event::PrincipalsChanged`], which every instance on the same PostgreSQL hears through
//! `LISTEN` and applies the same way. The time to live only bounds the damage of a lost
//! notification (a listener that reconnected also clears everything). Expiry is never cached:
//! a JWT is verified on every use, and an API token's expiry is checked against the clock.

use crate::kernel::actor::Actor;
use crate::kernel::auth::{self, API_TOKEN_PREFIX};
use crate::kernel::events::Event;
use crate::{App, AppError};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long an entry is trusted without any notification.
pub const TTL: Duration = Duration::from_secs(5);
/// Past this many entries the cache starts over rather than growing.
const MAX_ENTRIES: usize = 50_000;

#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    User { user: Uuid, org: Uuid },
    Token(String),
}

#[derive(Clone)]
struct Entry {
    actor: Actor,
    token_expires_at: Option<DateTime<Utc>>,
    loaded: Instant,
}

/// Shared by every clone of an [`App`].
#[derive(Clone, Default)]
pub struct PrincipalCache {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Key, Entry>,
    /// Bumped by every invalidation. A read that started before an invalidation must not
    /// store what it read: it may have seen the row before the change committed.
    generation: u64,
}

impl PrincipalCache {
    fn generation(&self) -> u64 {
        self.inner.lock().map(|i| i.generation).unwrap_or(u64::MAX)
    }

    fn get(&self, key: &Key) -> Option<Entry> {
        let inner = self.inner.lock().ok()?;
        inner.entries.get(key).filter(|e| e.loaded.elapsed() < TTL).cloned()
    }

    fn put(&self, key: Key, entry: Entry, read_at_generation: u64) {
        if let Ok(mut inner) = self.inner.lock() {
            if inner.generation != read_at_generation {
                return;
            }
            if inner.entries.len() >= MAX_ENTRIES {
                inner.entries.clear();
            }
            inner.entries.insert(key, entry);
        }
    }

    /// Forgets every principal of an organization.
    pub fn invalidate_org(&self, org: Uuid) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.generation = inner.generation.wrapping_add(1);
            inner.entries.retain(|_, e| e.actor.org_id != org);
        }
    }

    /// Forgets everything (a missed notification cannot be ruled out).
    pub fn clear(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.generation = inner.generation.wrapping_add(1);
            inner.entries.clear();
        }
    }
}

impl App {
    /// Turns a bearer credential (a JWT or an API token) into the caller as it is now.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate(&self, bearer: &str) -> Result<Actor, AppError> {
        let key = if bearer.starts_with(API_TOKEN_PREFIX) {
            Key::Token(auth::hash_api_token(bearer))
        } else {
            let claims = self.jwt.verify(bearer)?;
            let (Ok(user), Ok(org)) = (Uuid::parse_str(&claims.sub), Uuid::parse_str(&claims.org)) else {
                return Err(AppError::Unauthenticated(auth::BAD_SUBJECT.into()));
            };
            Key::User { user, org }
        };
        if let Some(e) = self.principals.get(&key) {
            if e.token_expires_at.is_some_and(|x| x <= Utc::now()) {
                return Err(AppError::Unauthenticated(auth::TOKEN_EXPIRED.into()));
            }
            return Ok(e.actor);
        }
        let generation = self.principals.generation();
        let (actor, token_expires_at) = match &key {
            Key::Token(hash) => auth::actor_for_token_hash(&self.db, hash).await?,
            Key::User { user, org } => (auth::actor_for_user_id(&self.db, *user, *org).await?, None),
        };
        self.principals.put(key, Entry { actor: actor.clone(), token_expires_at, loaded: Instant::now() }, generation);
        Ok(actor)
    }

    /// Called after a change to who a principal is has committed: this instance forgets the
    /// organization's principals now, and every other instance when the event reaches it.
    pub fn principals_changed(&self, org: Uuid) {
        self.principals.invalidate_org(org);
        self.events.publish(Event::PrincipalsChanged { org });
    }

    /// Applies principal changes announced by other instances (and by this one, through the
    /// database on PostgreSQL). Runs until the event bus closes.
    pub fn spawn_principal_watch(&self) -> tokio::task::JoinHandle<()> {
        let cache = self.principals.clone();
        let mut rx = self.events.subscribe();
        tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match rx.recv().await {
                    Ok(Event::PrincipalsChanged { org }) => cache.invalidate_org(org),
                    Ok(Event::Resync) | Err(RecvError::Lagged(_)) => cache.clear(),
                    Ok(_) => {}
                    Err(RecvError::Closed) => return,
                }
            }
        })
    }
}
