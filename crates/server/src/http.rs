//! The HTTP surface: GraphQL over HTTP (POST and GET), GraphiQL, the `graphql-transport-ws`
//! endpoint, health, readiness and metrics.

use crate::metrics::Metrics;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, GraphiQLSource};
use async_graphql::{BatchRequest, Data, Request};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::body::Bytes;
use axum::extract::{RawQuery, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use baton_api::{Auth, BatonSchema};
use baton_app::App;
use serde_json::{Value, json};
use std::sync::Arc;

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub schema: BatonSchema,
    pub max_batch: usize,
    pub metrics: Arc<Metrics>,
}

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const APPLICATION_JSON: &str = "application/json";

/// The media type the response is written in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Media {
    /// `application/graphql-response+json`: request errors get 4xx statuses.
    GraphqlResponse,
    /// Legacy `application/json`: every well-formed GraphQL answer is 200.
    Json,
}

impl Media {
    fn content_type(self) -> &'static str {
        match self {
            Media::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response media type from `Accept`; `None` when nothing acceptable is offered.
fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Media::Json);
    };
    for part in accept.split(',') {
        let mt = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match mt.as_str() {
            GRAPHQL_RESPONSE_JSON => return Some(Media::GraphqlResponse),
            APPLICATION_JSON | "*/*" | "application/*" => return Some(Media::Json),
            _ => {}
        }
    }
    None
}

fn error_body(media: Media, status: StatusCode, message: &str, code: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, [(header::CONTENT_TYPE, media.content_type())], body.to_string()).into_response()
}

fn request_id(headers: &HeaderMap) -> String {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

/// Resolves the bearer credential of a request into its [`Auth`].
pub async fn authenticate(app: &App, authorization: Option<&str>) -> Auth {
    let Some(value) = authorization else {
        return Auth::Anonymous;
    };
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).map(str::trim);
    match token {
        Some(t) if !t.is_empty() => match baton_app::auth::authenticate(&app.db, &app.jwt, t).await {
            Ok(actor) => Auth::Actor(actor),
            Err(baton_app::AppError::Unauthenticated(reason)) => Auth::Invalid(reason),
            Err(e) => {
                tracing::error!(error = %e, "authentication failed unexpectedly");
                Auth::Invalid("authentication is unavailable".into())
            }
        },
        _ => Auth::Invalid("the Authorization header must be `Bearer <token>`".into()),
    }
}

/// Executes one or a batch of requests for a caller.
async fn execute(st: &AppState, auth: Auth, batch: BatchRequest) -> Vec<async_graphql::Response> {
    let org = match &auth {
        Auth::Actor(a) => Some(a.org_id),
        _ => None,
    };
    let prepare = |r: Request| {
        let r = r.data(auth.clone());
        match org {
            Some(org) => baton_api::attach_loaders(r, &st.app, org),
            None => r,
        }
    };
    match batch {
        BatchRequest::Single(r) => vec![st.schema.execute(prepare(r)).await],
        BatchRequest::Batch(rs) => {
            let mut out = Vec::with_capacity(rs.len());
            for r in rs {
                out.push(st.schema.execute(prepare(r)).await);
            }
            out
        }
    }
}

/// The argument or variable a GraphQL validation message names (`argument "input.source"` ->
/// `source`, `variable "$i"` -> `i`), if any.
fn field_of_validation_error(message: &str) -> Option<String> {
    for marker in ["argument \"", "Variable \"$", "variable \"$"] {
        if let Some(start) = message.find(marker) {
            let rest = &message[start + marker.len()..];
            let name = rest.split('"').next()?;
            return name.rsplit('.').next().map(str::to_owned);
        }
    }
    None
}

/// Gives every error a code, adds the request id to internal errors, and drops `data` from
/// request errors (parse, validation, limits) as the GraphQL-over-HTTP spec asks.
fn finish_response(resp: async_graphql::Response, rid: &str, metrics: &Metrics) -> (Value, bool) {
    let request_error = resp.data == async_graphql::Value::Null
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| e.path.is_empty());
    let mut v = serde_json::to_value(&resp).unwrap_or_else(|_| json!({"errors": [{"message": "internal error"}]}));
    if let Some(errors) = v.get_mut("errors").and_then(Value::as_array_mut) {
        for e in errors {
            let field = e.get("message").and_then(Value::as_str).and_then(field_of_validation_error);
            let ext = e.as_object_mut().map(|o| o.entry("extensions").or_insert_with(|| json!({})));
            if let Some(Value::Object(ext)) = ext {
                let fallback = if request_error { "BAD_USER_INPUT" } else { "INTERNAL" };
                let code = ext.entry("code").or_insert_with(|| Value::from(fallback)).clone();
                if code == "INTERNAL" {
                    ext.insert("requestId".into(), Value::from(rid));
                }
                if code == "BAD_USER_INPUT" && !ext.contains_key("field") {
                    ext.insert("field".into(), Value::from(field.unwrap_or_else(|| "query".to_owned())));
                }
                metrics.error(code.as_str().unwrap_or("UNKNOWN"));
            }
        }
    }
    if request_error && let Some(o) = v.as_object_mut() {
        o.remove("data");
    }
    (v, request_error)
}

fn respond(st: &AppState, media: Media, rid: &str, single: bool, responses: Vec<async_graphql::Response>) -> Response {
    let mut any_request_error = false;
    let mut bodies: Vec<Value> = Vec::with_capacity(responses.len());
    for r in responses {
        let (v, req_err) = finish_response(r, rid, &st.metrics);
        any_request_error |= req_err;
        bodies.push(v);
    }
    let body = if single { bodies.pop().unwrap_or(Value::Null) } else { Value::Array(bodies) };
    let status =
        if media == Media::GraphqlResponse && any_request_error { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    (status, [(header::CONTENT_TYPE, media.content_type())], body.to_string()).into_response()
}

/// Counts the request and picks the response media type from `Accept`; `406` when neither
/// GraphQL-over-HTTP media type is acceptable.
fn accepted(st: &AppState, headers: &HeaderMap) -> Result<Media, Box<Response>> {
    st.metrics.request();
    negotiate(headers).ok_or_else(|| {
        Box::new(error_body(
            Media::Json,
            StatusCode::NOT_ACCEPTABLE,
            "send Accept: application/graphql-response+json or application/json",
            "BAD_REQUEST",
        ))
    })
}

/// Authenticates the caller and executes a parsed request; both methods end here.
async fn run(st: &AppState, headers: &HeaderMap, media: Media, single: bool, batch: BatchRequest) -> Response {
    let auth = authenticate(&st.app, headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())).await;
    let responses = execute(st, auth, batch).await;
    respond(st, media, &request_id(headers), single, responses)
}

/// `POST /graphql`.
pub async fn graphql_post(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let media = match accepted(&st, &headers) {
        Ok(m) => m,
        Err(r) => return *r,
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mt = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if mt != APPLICATION_JSON && mt != GRAPHQL_RESPONSE_JSON {
        return error_body(
            media,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send Content-Type: application/json",
            "BAD_REQUEST",
        );
    }
    let parsed: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return error_body(
                media,
                StatusCode::BAD_REQUEST,
                &format!("the body is not valid JSON: {e}"),
                "BAD_REQUEST",
            );
        }
    };
    let single = !parsed.is_array();
    let batch: BatchRequest = match serde_json::from_value(parsed) {
        Ok(b) => b,
        Err(e) => {
            return error_body(
                media,
                StatusCode::BAD_REQUEST,
                &format!("the body is not a GraphQL request: {e}"),
                "BAD_REQUEST",
            );
        }
    };
    if let BatchRequest::Batch(list) = &batch {
        if list.len() > st.max_batch {
            return error_body(
                media,
                StatusCode::BAD_REQUEST,
                &format!("a batch may hold at most {} operations; this one has {}", st.max_batch, list.len()),
                "BAD_USER_INPUT",
            );
        }
        if list.is_empty() {
            return error_body(media, StatusCode::BAD_REQUEST, "an empty batch", "BAD_USER_INPUT");
        }
    }
    run(&st, &headers, media, single, batch).await
}

/// `GET /graphql`: GraphiQL for browsers; with a `query` parameter, executes a query (never a
/// mutation) as GraphQL over HTTP allows.
pub async fn graphql_get(State(st): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let qs = query.unwrap_or_default();
    let has_query = qs.split('&').any(|kv| kv.starts_with("query="));
    if !has_query {
        return Html(GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/graphql/ws").finish())
            .into_response();
    }
    let media = match accepted(&st, &headers) {
        Ok(m) => m,
        Err(r) => return *r,
    };
    let mut req = match async_graphql::http::parse_query_string(&qs) {
        Ok(r) => r,
        Err(e) => {
            return error_body(
                media,
                StatusCode::BAD_REQUEST,
                &format!("invalid query parameters: {e}"),
                "BAD_REQUEST",
            );
        }
    };
    let name = req.operation_name.clone();
    let is_mutation = match req.parsed_query() {
        Ok(doc) => doc.operations.iter().any(|(n, op)| {
            op.node.ty == async_graphql::parser::types::OperationType::Mutation
                && (name.is_none() || n.map(|n| n.as_str()) == name.as_deref())
        }),
        Err(_) => false,
    };
    if is_mutation {
        let mut r =
            error_body(media, StatusCode::METHOD_NOT_ALLOWED, "mutations must be sent with POST", "BAD_REQUEST");
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    run(&st, &headers, media, true, BatchRequest::Single(req)).await
}

/// `GET /graphql/ws`: `graphql-transport-ws`; the token comes in `connection_init`.
pub async fn graphql_ws(State(st): State<AppState>, protocol: GraphQLProtocol, upgrade: WebSocketUpgrade) -> Response {
    upgrade.protocols(ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |stream| {
        let app = st.app.clone();
        GraphQLWebSocket::new(stream, st.schema.clone(), protocol)
            .on_connection_init(move |payload| async move {
                let bearer = payload
                    .get("Authorization")
                    .or_else(|| payload.get("authorization"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let auth = authenticate(&app, bearer.as_deref()).await;
                let Auth::Actor(actor) = &auth else {
                    return Err(async_graphql::Error::new(
                        "connection_init must carry a valid `Authorization: Bearer <token>`",
                    ));
                };
                let org = actor.org_id;
                let mut data = Data::default();
                data.insert(auth.clone());
                data.insert(baton_api::loaders::Loaders::uncached(&app, org));
                Ok(data)
            })
            .serve()
    })
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok")
}

/// `GET /readyz`: the database answers.
pub async fn readyz(State(st): State<AppState>) -> impl IntoResponse {
    match baton_store::ping(&st.app.db).await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(st): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], st.metrics.render())
}
