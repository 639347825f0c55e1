//! Apollo's persisted-query protocol over POST and GET. A client sends
//! `extensions.persistedQuery: { version: 1, sha256Hash }` and, the first time, the document
//! too; Baton keeps the document by its hash in a bounded per-instance cache, and answers
//! `PERSISTED_QUERY_NOT_FOUND` for a hash it does not know so that the client sends the text
//! once more. Operations registered with `baton persisted-queries` are found on every
//! instance. In the allow-list mode only registered operations run, sent by hash or in full.

use crate::config::PersistedQueries;
use crate::http::coded as refusal;
use async_graphql::{Request, ServerError};
use baton_app::App;
use baton_app::kernel::persisted::{hash_of, is_sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Documents kept per instance; past this the cache starts over (a client whose hash was
/// dropped is told NOT_FOUND and sends the text again, as the protocol expects).
const CACHE_MAX: usize = 10_000;

/// The persisted-query state of one instance.
pub struct Documents {
    mode: PersistedQueries,
    cache: Mutex<HashMap<String, Arc<str>>>,
}

fn not_found() -> ServerError {
    // Apollo Client recognises both the message and the code.
    refusal("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
}

fn not_in_list() -> ServerError {
    refusal("this server runs only registered operations; this one is not registered", "PERSISTED_QUERY_NOT_IN_LIST")
}

fn bad(message: &str) -> ServerError {
    refusal(message, "BAD_REQUEST")
}

impl Documents {
    pub fn new(mode: PersistedQueries) -> Self {
        Documents { mode, cache: Mutex::new(HashMap::new()) }
    }

    fn cached(&self, hash: &str) -> Option<Arc<str>> {
        self.cache.lock().ok().and_then(|c| c.get(hash).cloned())
    }

    fn keep(&self, hash: String, document: Arc<str>) {
        if let Ok(mut c) = self.cache.lock() {
            if c.len() >= CACHE_MAX {
                c.clear();
            }
            c.insert(hash, document);
        }
    }

    /// The registered document of a hash, through the cache.
    async fn registered(&self, app: &App, hash: &str) -> Result<Option<Arc<str>>, ServerError> {
        match app.persisted_document(hash).await {
            Ok(Some(doc)) => {
                let doc: Arc<str> = doc.into();
                self.keep(hash.to_owned(), doc.clone());
                Ok(Some(doc))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(refusal(&e.to_string(), "UNAVAILABLE")),
        }
    }

    /// The allow-list mode's check: the document with this hash was registered (in the
    /// allow-list mode only registered documents enter the cache).
    async fn must_be_registered(&self, app: &App, hash: &str) -> Result<(), ServerError> {
        if self.cached(hash).is_some() || self.registered(app, hash).await?.is_some() {
            return Ok(());
        }
        Err(not_in_list())
    }

    /// Puts the document a request stands for into its `query`, or says why it cannot run.
    pub async fn resolve(&self, app: &App, req: &mut Request) -> Result<(), ServerError> {
        let ext = req.extensions.0.remove("persistedQuery").map(|v| v.into_json().unwrap_or_default());
        let allow_list = self.mode == PersistedQueries::AllowList;
        let Some(ext) = ext else {
            if !allow_list {
                return Ok(());
            }
            // In the allow-list mode a document sent in full runs when it is registered.
            return self.must_be_registered(app, &hash_of(&req.query)).await;
        };
        if ext.get("version").and_then(serde_json::Value::as_i64) != Some(1) {
            return Err(bad("`extensions.persistedQuery.version` must be 1"));
        }
        let Some(hash) = ext.get("sha256Hash").and_then(serde_json::Value::as_str).filter(|h| is_sha256(h)) else {
            return Err(bad("`extensions.persistedQuery.sha256Hash` must be the hex SHA-256 of the document"));
        };
        let hash = hash.to_ascii_lowercase();
        if !req.query.is_empty() {
            if hash_of(&req.query) != hash {
                return Err(bad("`extensions.persistedQuery.sha256Hash` is not the SHA-256 of `query`"));
            }
            if allow_list {
                return self.must_be_registered(app, &hash).await;
            }
            self.keep(hash, req.query.as_str().into());
            return Ok(());
        }
        let doc = match self.cached(&hash) {
            Some(d) => d,
            None => self.registered(app, &hash).await?.ok_or_else(not_found)?,
        };
        req.query = doc.to_string();
        Ok(())
    }
}
