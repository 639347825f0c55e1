//! Every field's resolution passes here once: the field rules of custom roles, then the
//! GraphQL spec's null propagation. async-graphql drops a field that errors from its parent
//! object (the key disappears, so `{ me legalView }` as a sales rep would answer `me` alone);
//! the spec asks that an errored field be `null`, and that a `null` in a non-null position
//! make its parent `null`, up to the nearest nullable field, list item or the whole `data`.
//!
//! How: a field that errors records its error here and resolves to `null`. When the field is
//! non-null, its parent's position is marked; when the parent field finishes, it nulls itself
//! (or the marked item of its list) and, when it is non-null too, marks its own parent. A mark
//! that reaches the root nulls `data`. Created per request.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo};
use async_graphql::{PathSegment, QueryPathNode, QueryPathSegment, Response, ServerError, ServerResult, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The extension.
pub struct Fields;

impl ExtensionFactory for Fields {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Run::default())
    }
}

#[derive(Default)]
struct Run {
    errors: Mutex<Vec<ServerError>>,
    /// Positions that must become null: a field's path, or a field's path and a list index.
    marks: Mutex<Vec<Vec<PathSegment>>>,
    /// True while `marks` may be non-empty, so the common case takes no lock.
    marked: AtomicBool,
}

/// The response path of a field.
pub fn path_of(node: &QueryPathNode<'_>) -> Vec<PathSegment> {
    let mut path = Vec::new();
    let mut at = Some(node);
    while let Some(n) = at {
        path.push(match n.segment {
            QueryPathSegment::Name(name) => PathSegment::Field(name.to_owned()),
            QueryPathSegment::Index(i) => PathSegment::Index(i),
        });
        at = n.parent;
    }
    path.reverse();
    path
}

/// True when the items of a list type (`[T!]!`, `[T]`) are non-null.
fn items_non_null(return_type: &str) -> bool {
    return_type.trim_end_matches('!').trim_start_matches('[').trim_end_matches(']').ends_with('!')
}

impl Run {
    fn mark(&self, at: Vec<PathSegment>) {
        if let Ok(mut m) = self.marks.lock() {
            m.push(at);
            self.marked.store(true, Ordering::Release);
        }
    }

    /// A non-null position became null: mark where the null goes next, the enclosing list item
    /// or field (an empty path is `data` itself).
    fn propagate(&self, mut path: Vec<PathSegment>) {
        path.pop();
        self.mark(path);
    }

    /// Applies the marks aimed at this field (at `path`) to its value.
    fn settle(&self, path: &[PathSegment], non_null: bool, return_type: &str, value: Option<Value>) -> Option<Value> {
        if !self.marked.load(Ordering::Acquire) {
            return value;
        }
        let mine: Vec<Vec<PathSegment>> = match self.marks.lock() {
            Ok(mut m) => {
                let (mine, rest): (Vec<_>, Vec<_>) = m
                    .drain(..)
                    .partition(|p| p.starts_with(path) && (p.len() == path.len() || p.len() == path.len() + 1));
                *m = rest;
                if m.is_empty() {
                    self.marked.store(false, Ordering::Release);
                }
                mine
            }
            Err(_) => return value,
        };
        if mine.is_empty() {
            return value;
        }
        let mut value = value;
        let mut null_self = false;
        for p in mine {
            match p.get(path.len()) {
                None => null_self = true,
                Some(PathSegment::Index(i)) if !items_non_null(return_type) => {
                    if let Some(Value::List(items)) = value.as_mut()
                        && let Some(item) = items.get_mut(*i)
                    {
                        *item = Value::Null;
                    }
                }
                Some(_) => null_self = true,
            }
        }
        if null_self {
            if non_null {
                self.propagate(path.to_vec());
            }
            return Some(Value::Null);
        }
        value
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Run {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut resp = next.run(ctx, operation_name).await;
        if let Ok(mut errors) = self.errors.lock() {
            resp.errors.append(&mut errors);
        }
        // A subscription runs this once per event: what one event marked ends with it.
        if self.marked.swap(false, Ordering::AcqRel)
            && let Ok(mut marks) = self.marks.lock()
        {
            if marks.iter().any(Vec::is_empty) {
                resp.data = Value::Null;
            }
            marks.clear();
        }
        resp
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let non_null = info.return_type.ends_with('!');
        let return_type = info.return_type;
        let refused = crate::roles::field_refusal(ctx, &info);
        let path_node = info.path_node;
        let result = match refused {
            Some(e) => Err(e),
            None => next.run(ctx, info).await,
        };
        match result {
            Ok(value) => {
                if !self.marked.load(Ordering::Acquire) {
                    return Ok(value);
                }
                Ok(self.settle(&path_of(path_node), non_null, return_type, value))
            }
            Err(mut e) => {
                let path = path_of(path_node);
                if e.path.is_empty() {
                    e.path = path.clone();
                }
                if let Ok(mut errors) = self.errors.lock() {
                    errors.push(e);
                }
                if non_null {
                    self.propagate(path);
                }
                Ok(Some(Value::Null))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::items_non_null;

    #[test]
    fn list_item_nullability_is_read_from_the_type() {
        assert!(items_non_null("[LeadEdge!]!"));
        assert!(items_non_null("[LeadEdge!]"));
        assert!(!items_non_null("[Lead]!"));
        assert!(!items_non_null("[Lead]"));
    }
}
