//! What the GraphQL spec and the API contract ask of a response after the schema ran it, done
//! once per response rather than once per field:
//!
//! - **Null propagation.** async-graphql drops a field that errors from its parent object (the
//!   key disappears, so `{ me legalView }` as a sales rep would answer `me` alone). The spec
//!   asks that an errored field be `null`, and that a `null` in a non-null position make its
//!   parent `null`, up to the nearest nullable field, list item or the whole `data`. Every
//!   field error carries its path; the path, the document and the schema's field types say
//!   where each `null` goes. A response without field errors is left as it is.
//! - **Request errors get codes a client can tell apart**: a document that does not parse is
//!   `GRAPHQL_PARSE_FAILED` (see [`crate::kernel::document`]); one that breaks a rule, nests too deep
//!   or costs too much is `GRAPHQL_VALIDATION_FAILED`, and a limit refusal states what the
//!   document measured and the limit; a value of the wrong type stays `BAD_USER_INPUT`.
//!
//! The schema carries no extension: an async-graphql extension with a field hook would run
//! (and allocate) for every resolved field of every response.

use crate::BatonSchema;
use crate::Limits;
use crate::kernel::document;
use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType, Selection,
    SelectionSet, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, PathSegment, Request, Response, ServerError, Value, Variables};
use std::collections::HashMap;

/// What a request asked, kept beside the request the schema consumes, so that its response
/// can be finished. Cheap: the document's text, its variables and the operation's name.
#[derive(Clone, Debug, Default)]
pub struct Asked {
    pub query: String,
    pub variables: Variables,
    pub operation: Option<String>,
}

impl Asked {
    pub fn of(r: &Request) -> Self {
        Asked { query: r.query.clone(), variables: r.variables.clone(), operation: r.operation_name.clone() }
    }
}

/// The schema's field types (read once from its SDL) and the contract's limits.
pub struct Conformance {
    shapes: Shapes,
    limits: Limits,
}

impl Conformance {
    pub fn new(schema: &BatonSchema, limits: Limits) -> Self {
        Conformance { shapes: Shapes::from_sdl(&schema.sdl()), limits }
    }

    /// Finishes a response of `asked`: codes a document that does not parse, explains a limit
    /// refusal and places the nulls of its field errors. The codes of other request errors
    /// are given where every error gets its code (the server's error mapping), by
    /// [`document::request_error_code`].
    pub async fn finish(&self, asked: &Asked, resp: &mut Response) {
        if resp.errors.is_empty() {
            return;
        }
        let request_error = resp.data == Value::Null && resp.errors.iter().all(|e| e.path.is_empty());
        if request_error {
            if resp.errors.iter().any(|e| document::is_limit_refusal(&e.message)) {
                resp.errors = vec![document::explain_limit(&self.limits, asked).await];
            } else if async_graphql::parser::parse_query(&asked.query).is_err() {
                resp.errors = std::mem::take(&mut resp.errors).into_iter().map(document::parse_failed).collect();
            }
            return;
        }
        let paths: Vec<&[PathSegment]> =
            resp.errors.iter().map(|e| e.path.as_slice()).filter(|p| !p.is_empty()).collect();
        if paths.is_empty() {
            return;
        }
        let Ok(doc) = async_graphql::parser::parse_query(&asked.query) else { return };
        settle(&self.shapes, &doc, asked.operation.as_deref(), &mut resp.data, &paths);
    }

    /// [`Conformance::finish`] for the errors of a response that arrived without data (a
    /// WebSocket `error` message).
    pub async fn finish_errors(&self, asked: &Asked, errors: Vec<ServerError>) -> Vec<ServerError> {
        let mut resp = Response::from_errors(errors);
        self.finish(asked, &mut resp).await;
        resp.errors
    }
}

/// The type of every field of every object and interface type, by type and field name.
pub struct Shapes {
    fields: HashMap<String, HashMap<String, Type>>,
    /// The root types of queries, mutations and subscriptions.
    roots: [String; 3],
}

impl Shapes {
    pub fn from_sdl(sdl: &str) -> Self {
        let mut shapes = Shapes {
            fields: HashMap::new(),
            roots: ["Query".to_owned(), "Mutation".to_owned(), "Subscription".to_owned()],
        };
        let Ok(doc) = async_graphql::parser::parse_schema(sdl) else { return shapes };
        for d in doc.definitions {
            match d {
                TypeSystemDefinition::Type(t) => {
                    let t = t.node;
                    let fields = match t.kind {
                        TypeKind::Object(o) => o.fields,
                        TypeKind::Interface(i) => i.fields,
                        _ => continue,
                    };
                    let fields = fields.into_iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node)).collect();
                    shapes.fields.insert(t.name.node.to_string(), fields);
                }
                TypeSystemDefinition::Schema(s) => {
                    let s = s.node;
                    for (slot, name) in [s.query, s.mutation, s.subscription].into_iter().enumerate() {
                        if let Some(name) = name {
                            shapes.roots[slot] = name.node.to_string();
                        }
                    }
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        shapes
    }

    fn field(&self, parent: &str, name: &str) -> Option<&Type> {
        self.fields.get(parent)?.get(name)
    }
}

/// The operation a request runs: the named one, or the only one.
fn operation<'d>(doc: &'d ExecutableDocument, name: Option<&str>) -> Option<&'d OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| &op.node),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// The fields of a selection set (through its fragments) answering under `key`, each with
/// the type it is selected on; and the order of every response key of the set.
fn collect<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    parent: &str,
    key: &str,
    found: &mut Vec<(&'d Field, String)>,
    order: &mut Vec<&'d str>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                let k = f.node.response_key().node.as_str();
                if !order.contains(&k) {
                    order.push(k);
                }
                if k == key {
                    found.push((&f.node, parent.to_owned()));
                }
            }
            Selection::InlineFragment(fr) => {
                let on = fr.node.type_condition.as_ref().map_or(parent, |c| c.node.on.node.as_str());
                collect(doc, &fr.node.selection_set.node, on, key, found, order, depth + 1);
            }
            Selection::FragmentSpread(s) => {
                if let Some(fd) = doc.fragments.get(&s.node.fragment_name.node) {
                    let on = fd.node.type_condition.node.on.node.as_str();
                    collect(doc, &fd.node.selection_set.node, on, key, found, order, depth + 1);
                }
            }
        }
    }
}

/// The named type under any list wrappers.
fn named(t: &Type) -> &str {
    match &t.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// One position of an error's path: whether it may be null and, for a field, the order of
/// the response keys of the object it sits in.
struct Step<'d> {
    nullable: bool,
    order: Vec<&'d str>,
}

/// The positions an error's path passes through. A position whose type cannot be found is
/// taken as nullable, so a `null` never climbs past what is known.
fn walk<'d>(
    shapes: &Shapes,
    doc: &'d ExecutableDocument,
    op: &'d OperationDefinition,
    path: &[PathSegment],
) -> Vec<Step<'d>> {
    let root = match op.ty {
        OperationType::Query => &shapes.roots[0],
        OperationType::Mutation => &shapes.roots[1],
        OperationType::Subscription => &shapes.roots[2],
    };
    let mut sets: Vec<(&'d SelectionSet, String)> = vec![(&op.selection_set.node, root.clone())];
    let mut current: Option<Type> = None;
    let mut steps = Vec::with_capacity(path.len());
    for seg in path {
        match seg {
            PathSegment::Field(key) => {
                let (mut found, mut order) = (Vec::new(), Vec::new());
                for (set, parent) in &sets {
                    collect(doc, set, parent, key, &mut found, &mut order, 0);
                }
                let ty = found.iter().find_map(|(f, parent)| shapes.field(parent, f.name.node.as_str())).cloned();
                steps.push(Step { nullable: ty.as_ref().is_none_or(|t| t.nullable), order });
                sets = match &ty {
                    Some(t) => found
                        .iter()
                        .map(|(f, _)| {
                            let f: &'d Field = f;
                            (&f.selection_set.node, named(t).to_owned())
                        })
                        .collect(),
                    None => Vec::new(),
                };
                current = ty;
            }
            PathSegment::Index(_) => {
                let item = match current.as_ref().map(|t| &t.base) {
                    Some(BaseType::List(inner)) => Some((**inner).clone()),
                    _ => None,
                };
                steps.push(Step { nullable: item.as_ref().is_none_or(|t| t.nullable), order: Vec::new() });
                current = item;
            }
        }
    }
    steps
}

/// Places the `null` of every field error: at the errored field when it is nullable, else at
/// the nearest nullable position above it, else `data` itself.
pub fn settle(
    shapes: &Shapes,
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    data: &mut Value,
    paths: &[&[PathSegment]],
) {
    let Some(op) = operation(doc, operation_name) else { return };
    let mut targets: Vec<(&[PathSegment], Vec<&str>)> = Vec::with_capacity(paths.len());
    for path in paths {
        let mut steps = walk(shapes, doc, op, path);
        let Some(at) = steps.iter().rposition(|s| s.nullable) else {
            *data = Value::Null;
            return;
        };
        let order = std::mem::take(&mut steps[at].order);
        targets.push((&path[..=at], order));
    }
    // An ancestor that becomes null takes its descendants with it.
    targets.sort_by_key(|(p, _)| p.len());
    let mut placed: Vec<&[PathSegment]> = Vec::with_capacity(targets.len());
    for (target, order) in targets {
        if placed.iter().any(|p| target.starts_with(p)) {
            continue;
        }
        place_null(data, target, &order);
        placed.push(target);
    }
}

/// Sets the position `path` of `data` to `null`, inserting the key where the selection puts
/// it. On the way, an object async-graphql answered as `null` because every one of its
/// selected fields errored is an object again (its fields get their own nulls).
fn place_null(data: &mut Value, path: &[PathSegment], order: &[&str]) {
    let mut cur = data;
    for (i, seg) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        match seg {
            PathSegment::Field(key) => {
                if matches!(cur, Value::Null) {
                    *cur = Value::Object(Default::default());
                }
                let Value::Object(map) = cur else { return };
                if last {
                    match map.get_mut(key.as_str()) {
                        Some(v) => *v = Value::Null,
                        None => {
                            let rank = |k: &str| order.iter().position(|o| *o == k);
                            let mine = rank(key);
                            let at = map
                                .keys()
                                .filter(|k| matches!((rank(k.as_str()), mine), (Some(a), Some(b)) if a < b))
                                .count();
                            map.shift_insert(at, Name::new(key), Value::Null);
                        }
                    }
                    return;
                }
                match map.get_mut(key.as_str()) {
                    Some(v) => cur = v,
                    None => return,
                }
            }
            PathSegment::Index(n) => {
                let Value::List(items) = cur else { return };
                let Some(item) = items.get_mut(*n) else { return };
                if last {
                    *item = Value::Null;
                    return;
                }
                cur = item;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const SDL: &str = r#"
        type Query { me: User! view: View maybe: User list: [User!]! loose: [User] node: Node }
        type View { secret: String! open: String }
        type User implements Node { id: ID! name: String! phone: String friends: [User!] }
        interface Node { id: ID! }
    "#;

    fn run(query: &str, data: serde_json::Value, paths: &[serde_json::Value]) -> serde_json::Value {
        run_value(query, data, paths).into_json().unwrap()
    }

    fn run_value(query: &str, data: serde_json::Value, paths: &[serde_json::Value]) -> Value {
        let shapes = Shapes::from_sdl(SDL);
        let doc = async_graphql::parser::parse_query(query).unwrap();
        let mut data = Value::from_json(data).unwrap();
        let paths: Vec<Vec<PathSegment>> = paths.iter().map(|p| serde_json::from_value(p.clone()).unwrap()).collect();
        let refs: Vec<&[PathSegment]> = paths.iter().map(Vec::as_slice).collect();
        settle(&shapes, &doc, None, &mut data, &refs);
        data
    }

    #[test]
    fn a_nullable_field_that_errors_is_null_in_its_place() {
        let out = run(
            "{ me { id phone name } }",
            serde_json::json!({"me": {"id": "1", "name": "A"}}),
            &[serde_json::json!(["me", "phone"])],
        );
        assert_eq!(out, serde_json::json!({"me": {"id": "1", "phone": null, "name": "A"}}));
    }

    #[test]
    fn a_non_null_field_nulls_its_nearest_nullable_ancestor() {
        let out = run(
            "{ view { secret open } maybe { id } }",
            serde_json::json!({"view": {"open": "x"}, "maybe": {"id": "1"}}),
            &[serde_json::json!(["view", "secret"])],
        );
        assert_eq!(out, serde_json::json!({"view": null, "maybe": {"id": "1"}}));
    }

    #[test]
    fn a_null_that_reaches_the_root_nulls_data() {
        let out = run(
            "{ me { name } maybe { id } }",
            serde_json::json!({"maybe": {"id": "1"}}),
            &[serde_json::json!(["me"])],
        );
        assert_eq!(out, serde_json::Value::Null);
    }

    #[test]
    fn list_items_follow_their_own_nullability() {
        // Non-null items: the list itself goes (and, being non-null, its parent: data).
        let out = run(
            "{ list { name } maybe { id } }",
            serde_json::json!({"list": [{"name": "a"}, null], "maybe": {"id": "1"}}),
            &[serde_json::json!(["list", 1, "name"])],
        );
        assert_eq!(out, serde_json::Value::Null);
        // Nullable items: only the item goes.
        let out = run(
            "{ loose { name } }",
            serde_json::json!({"loose": [{"name": "a"}, null]}),
            &[serde_json::json!(["loose", 1, "name"])],
        );
        assert_eq!(out, serde_json::json!({"loose": [{"name": "a"}, null]}));
    }

    #[test]
    fn an_object_whose_every_field_errored_is_an_object_of_nulls() {
        let out =
            run("{ maybe { phone } }", serde_json::json!({"maybe": null}), &[serde_json::json!(["maybe", "phone"])]);
        assert_eq!(out, serde_json::json!({"maybe": {"phone": null}}));
    }

    #[test]
    fn aliases_and_fragments_are_followed() {
        let out = run(
            "query { who: maybe { ...F } node { ... on User { tel: phone } } } fragment F on User { id name }",
            serde_json::json!({"who": {"id": "1"}, "node": {}}),
            &[serde_json::json!(["who", "name"]), serde_json::json!(["node", "tel"])],
        );
        assert_eq!(out, serde_json::json!({"who": null, "node": {"tel": null}}));
        let out = run(
            "{ me { id name phone } }",
            serde_json::json!({"me": {"name": "A"}}),
            &[serde_json::json!(["me", "id"])],
        );
        assert_eq!(out, serde_json::Value::Null);
    }

    #[test]
    fn an_inserted_null_keeps_the_selection_order() {
        let out = run_value(
            "{ maybe { phone id name } }",
            serde_json::json!({"maybe": {"id": "1", "name": "A"}}),
            &[serde_json::json!(["maybe", "phone"])],
        );
        let Value::Object(root) = out else { panic!("data is an object") };
        let Some(Value::Object(maybe)) = root.get("maybe") else { panic!("maybe is an object") };
        let keys: Vec<&str> = maybe.keys().map(|k| k.as_str()).collect();
        assert_eq!(keys, ["phone", "id", "name"]);
    }
}
