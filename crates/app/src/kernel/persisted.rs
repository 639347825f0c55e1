//! Registered operations (persisted queries): the GraphQL documents a frontend ships, keyed by
//! the SHA-256 of their text. `baton persisted-queries` loads them from a client's manifest;
//! the HTTP layer looks a hash up here when no instance has the document cached, and in the
//! allow-list mode runs nothing else.

use crate::{App, AppError};
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};

/// One operation of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub hash: String,
    pub name: Option<String>,
    pub document: String,
}

/// The lowercase hex SHA-256 of a document's text, as Apollo's protocol computes it.
pub fn hash_of(document: &str) -> String {
    Sha256::digest(document.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// True for a lowercase or uppercase 64-digit hex string.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Reads a manifest: Apollo's persisted-query manifest (`{"format":
/// "apollo-persisted-query-manifest", "operations": [{"id", "name", "body"}]}`) or the flat map
/// of hash to document that graphql-codegen's client preset and the Relay compiler write. Every
/// id must be the SHA-256 of its document (graphql-codegen: `hashAlgorithm: "sha256"`), since
/// that is what Apollo's protocol sends; a manifest with any bad entry is refused whole.
pub fn parse_manifest(text: &str) -> Result<Vec<Operation>, AppError> {
    let bad = |m: String| AppError::bad_input("manifest", m);
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| bad(format!("is not JSON (line {}, column {})", e.line(), e.column())))?;
    let entries: Vec<(String, Option<String>, String)> = match &v {
        serde_json::Value::Object(o) if o.contains_key("operations") => {
            let Some(ops) = o.get("operations").and_then(|x| x.as_array()) else {
                return Err(bad("`operations` must be an array".into()));
            };
            let mut out = Vec::with_capacity(ops.len());
            for (i, op) in ops.iter().enumerate() {
                let field = |k: &str| op.get(k).and_then(|x| x.as_str()).map(str::to_owned);
                let (Some(id), Some(body)) = (field("id"), field("body")) else {
                    return Err(bad(format!("operation {i} needs a string `id` and `body`")));
                };
                out.push((id, field("name"), body));
            }
            out
        }
        serde_json::Value::Object(o) => {
            let mut out = Vec::with_capacity(o.len());
            for (id, body) in o {
                let Some(body) = body.as_str() else {
                    return Err(bad(format!("the document of `{id}` must be a string")));
                };
                out.push((id.clone(), None, body.to_owned()));
            }
            out
        }
        _ => return Err(bad("must be a JSON object".into())),
    };
    if entries.is_empty() {
        return Err(bad("holds no operation".into()));
    }
    let mut ops = Vec::with_capacity(entries.len());
    for (id, name, document) in entries {
        let hash = hash_of(&document);
        if !is_sha256(&id) || !id.eq_ignore_ascii_case(&hash) {
            return Err(bad(format!("the id `{id}` is not the SHA-256 of its document ({hash})")));
        }
        ops.push(Operation { hash, name, document });
    }
    Ok(ops)
}

impl App {
    /// The registered document with this hash, if any.
    #[tracing::instrument(skip_all)]
    pub async fn persisted_document(&self, hash: &str) -> Result<Option<String>, AppError> {
        let sql = "SELECT document FROM persisted_queries WHERE hash = $1";
        let stmt = crate::kernel::sql::statement(&self.db, sql, vec![hash.to_ascii_lowercase().into()]);
        match self.db.query_one_raw(stmt).await? {
            Some(row) => Ok(Some(row.try_get("", "document")?)),
            None => Ok(None),
        }
    }

    /// Registers operations (an operation already registered keeps its hash and takes the new
    /// name); answers how many the manifest held.
    #[tracing::instrument(skip_all)]
    pub async fn register_persisted(&self, ops: &[Operation]) -> Result<usize, AppError> {
        let now = chrono::Utc::now();
        let sql = "INSERT INTO persisted_queries (hash, name, document, registered_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (hash) DO UPDATE SET name = excluded.name";
        let tx = sea_orm::TransactionTrait::begin(&self.db).await?;
        for op in ops {
            let values = vec![op.hash.clone().into(), op.name.clone().into(), op.document.clone().into(), now.into()];
            tx.execute_raw(crate::kernel::sql::statement(&tx, sql, values)).await?;
        }
        tx.commit().await?;
        Ok(ops.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_manifest_shapes_are_read_and_a_wrong_hash_is_refused() {
        let doc = "query Me { me { id } }";
        let h = hash_of(doc);
        let apollo = format!(
            r#"{{"format":"apollo-persisted-query-manifest","version":1,"operations":[{{"id":"{h}","name":"Me","type":"query","body":"{doc}"}}]}}"#
        );
        let ops = parse_manifest(&apollo).unwrap();
        assert_eq!(ops, vec![Operation { hash: h.clone(), name: Some("Me".into()), document: doc.into() }]);
        let flat = format!(r#"{{"{h}":"{doc}"}}"#);
        assert_eq!(parse_manifest(&flat).unwrap()[0].hash, h);
        let wrong = format!(r#"{{"{}":"{doc}"}}"#, "0".repeat(64));
        assert!(parse_manifest(&wrong).is_err());
        assert!(parse_manifest(r#"{"md5ish":"query { me { id } }"}"#).is_err());
        assert!(parse_manifest("{}").is_err());
        assert!(parse_manifest("[]").is_err());
    }
}
