//! The HTTP surface: GraphQL over HTTP (POST and GET), GraphiQL, the `graphql-transport-ws`
//! endpoint, health, readiness and metrics.

use crate::metrics::Metrics;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use async_graphql::{BatchRequest, Data, Request};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{ConnectInfo, Path, RawQuery, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use baton_api::kernel::conform::Asked;
use baton_api::{Auth, BatonSchema, RequestInfo, Socket};
use baton_app::kernel::events::Event;
use baton_app::{App, AppError};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub schema: BatonSchema,
    pub max_batch: usize,
    pub max_body_bytes: usize,
    pub graphiql: bool,
    pub metrics: Arc<Metrics>,
    pub documents: Arc<crate::persisted::Documents>,
    /// Null propagation and request-error codes, once per response.
    pub conform: Arc<baton_api::kernel::conform::Conformance>,
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

/// A refusal of the HTTP request itself (body, content type, batch): `BAD_REQUEST`.
fn bad_request(media: Media, status: StatusCode, message: &str) -> Response {
    error_body(media, status, message, "BAD_REQUEST")
}

fn request_id(headers: &HeaderMap) -> String {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

/// The credential of an `Authorization: Bearer <token>` value.
fn bearer_token(value: &str) -> Option<&str> {
    value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).map(str::trim)
}

/// Resolves the bearer credential of a request into its [`Auth`].
pub async fn authenticate(app: &App, authorization: Option<&str>) -> Auth {
    let Some(value) = authorization else {
        return Auth::Anonymous;
    };
    match bearer_token(value) {
        Some(t) if !t.is_empty() => match app.authenticate(t).await {
            Ok(actor) => Auth::Actor(actor),
            Err(AppError::Unauthenticated(reason)) => Auth::Invalid(reason),
            Err(AppError::Unavailable(reason)) => Auth::Unavailable(reason),
            Err(e) => {
                tracing::error!(error = %baton_app::kernel::error::chain(&e), "authentication failed unexpectedly");
                Auth::Unavailable(baton_app::kernel::error::DATABASE_UNAVAILABLE.into())
            }
        },
        _ => Auth::Invalid("the Authorization header must be `Bearer <token>`".into()),
    }
}

/// Executes one or a batch of requests for a caller. The operations of a batch share one
/// [`RequestInfo`], so a batch gets one login like a single request.
async fn execute(
    st: &AppState,
    auth: Auth,
    read_only: bool,
    client: IpAddr,
    batch: BatchRequest,
) -> Vec<async_graphql::Response> {
    let org = match &auth {
        Auth::Actor(a) => Some(a.org_id),
        _ => None,
    };
    let info = RequestInfo::new(Some(client));
    let prepare = |r: Request| {
        let r = r.data(auth.clone()).data(info.clone());
        match org {
            Some(org) => baton_api::attach_loaders(r, &st.app, org),
            None => r,
        }
    };
    let rs = match batch {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(rs) => rs,
    };
    let mut out = Vec::with_capacity(rs.len());
    for mut r in rs {
        out.push(match st.documents.resolve(&st.app, &mut r).await {
            Ok(()) if read_only && is_mutation(&mut r) => async_graphql::Response::from_errors(vec![coded(
                "a request viewing as another role only reads: send mutations without `x-baton-view-as`",
                "FORBIDDEN",
            )]),
            Ok(()) => {
                let asked = Asked::of(&r);
                let mut resp = st.schema.execute(prepare(r)).await;
                st.conform.finish(&asked, &mut resp).await;
                resp
            }
            Err(e) => async_graphql::Response::from_errors(vec![e]),
        });
    }
    out
}

/// An error with a code, about the request rather than a field.
pub(crate) fn coded(message: &str, code: &str) -> async_graphql::ServerError {
    let mut e = async_graphql::ServerError::new(message, None);
    e.extensions.get_or_insert_with(Default::default).set("code", code);
    e
}

/// True when the operation a request runs is a mutation (a document that does not parse is
/// left for the schema to refuse).
fn is_mutation(req: &mut Request) -> bool {
    let name = req.operation_name.clone();
    match req.parsed_query() {
        Ok(doc) => doc.operations.iter().any(|(n, op)| {
            op.node.ty == async_graphql::parser::types::OperationType::Mutation
                && (name.is_none() || n.map(|n| n.as_str()) == name.as_deref())
        }),
        Err(_) => false,
    }
}

/// `x-baton-view-as: <role id>`: an ADMIN's request runs as the holder of that role alone,
/// read-only and audited. Callers who are not ADMIN are refused; an unauthenticated request
/// stays unauthenticated.
async fn view_as(app: &App, auth: Auth, role: &str) -> Result<Auth, async_graphql::ServerError> {
    let Auth::Actor(admin) = auth else { return Ok(auth) };
    let Ok(id) = uuid::Uuid::parse_str(role.trim()) else {
        let mut e = coded("`x-baton-view-as` must be a role id (see `roles`)", "BAD_USER_INPUT");
        e.extensions.get_or_insert_with(Default::default).set("field", "x-baton-view-as");
        return Err(e);
    };
    match app.view_as(&admin, id).await {
        Ok((actor, _)) => Ok(Auth::Actor(actor)),
        Err(e) => {
            let mut e = baton_api::to_gql(e).into_server_error(async_graphql::Pos::default());
            e.locations.clear();
            Err(e)
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

/// What the errors of one response ask of the HTTP status.
#[derive(Default)]
struct Verdict {
    request_error: bool,
    /// The largest `retryAfter` of an UNAVAILABLE error.
    unavailable: Option<u64>,
    /// The largest `retryAfter` of a RATE_LIMITED error.
    rate_limited: Option<u64>,
}

/// Gives every error a code (uncoded request errors GRAPHQL_VALIDATION_FAILED, others
/// INTERNAL), adds the request id to internal errors (and logs them under it), and notes what
/// the status must say. HTTP responses and subscription messages both go through here.
fn fill_errors(errors: &mut [Value], request_error: bool, rid: &str, metrics: &Metrics, v: &mut Verdict) {
    for e in errors {
        let message = e.get("message").and_then(Value::as_str).unwrap_or("").to_owned();
        let field = field_of_validation_error(&message);
        let path = e.get("path").cloned().unwrap_or(Value::Null);
        let ext = e.as_object_mut().map(|o| o.entry("extensions").or_insert_with(|| json!({})));
        if let Some(Value::Object(ext)) = ext {
            // A value the schema could only parse inside a resolver (a DateTime, for one) is
            // still the client's input, not a fault: it names the field it was given to.
            let parse_error = message.starts_with("Failed to parse \"");
            // A request error the schema's checks did not code (an unknown operation name, for
            // one) is about the document; a value error from a resolver is the client's input.
            let fallback = if parse_error {
                "BAD_USER_INPUT"
            } else if request_error {
                baton_api::kernel::document::request_error_code(&message)
            } else {
                "INTERNAL"
            };
            if parse_error && !ext.contains_key("field") {
                let last = path.as_array().and_then(|p| p.iter().rev().find_map(Value::as_str)).unwrap_or("query");
                ext.insert("field".into(), Value::from(last));
            }
            let code = ext.entry("code").or_insert_with(|| Value::from(fallback)).clone();
            let retry = ext.get("retryAfter").and_then(Value::as_u64).unwrap_or(1);
            match code.as_str() {
                Some("INTERNAL") => {
                    ext.insert("requestId".into(), Value::from(rid));
                    tracing::error!(request_id = %rid, %message, %path, "internal error in a response");
                }
                Some("BAD_USER_INPUT") if !ext.contains_key("field") => {
                    ext.insert("field".into(), Value::from(field.clone().unwrap_or_else(|| "query".to_owned())));
                }
                Some("UNAVAILABLE") => v.unavailable = Some(v.unavailable.unwrap_or(0).max(retry)),
                Some("RATE_LIMITED") => v.rate_limited = Some(v.rate_limited.unwrap_or(0).max(retry)),
                _ => {}
            }
            metrics.error(code.as_str().unwrap_or("UNKNOWN"));
        }
    }
}

/// Fills the errors of a response and drops `data` from request errors (parse, validation,
/// limits) as the GraphQL-over-HTTP spec asks.
fn finish_response(resp: async_graphql::Response, rid: &str, metrics: &Metrics, verdict: &mut Verdict) -> String {
    const FAILED: &str = r#"{"errors":[{"message":"internal error"}]}"#;
    if resp.errors.is_empty() {
        // Written straight from the response's own (ordered) maps.
        return serde_json::to_string(&resp).unwrap_or_else(|_| FAILED.to_owned());
    }
    let request_error = resp.data == async_graphql::Value::Null
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| e.path.is_empty());
    verdict.request_error |= request_error;
    let mut v = serde_json::to_value(&resp).unwrap_or_else(|_| json!({"errors": [{"message": "internal error"}]}));
    if let Some(errors) = v.get_mut("errors").and_then(Value::as_array_mut) {
        fill_errors(errors, request_error, rid, metrics, verdict);
    }
    if request_error && let Some(o) = v.as_object_mut() {
        o.remove("data");
    }
    v.to_string()
}

fn respond(st: &AppState, media: Media, rid: &str, single: bool, responses: Vec<async_graphql::Response>) -> Response {
    let mut verdict = Verdict::default();
    let mut bodies: Vec<String> = Vec::with_capacity(responses.len());
    for r in responses {
        bodies.push(finish_response(r, rid, &st.metrics, &mut verdict));
    }
    let body =
        if single { bodies.pop().unwrap_or_else(|| "null".to_owned()) } else { format!("[{}]", bodies.join(",")) };
    // An outage or a throttle is told by the status under either media type, so that plain
    // HTTP clients and proxies back off; the body still says which field it concerned.
    let (status, retry_after) = match (verdict.unavailable, verdict.rate_limited) {
        (Some(s), _) => (StatusCode::SERVICE_UNAVAILABLE, Some(s)),
        (None, Some(s)) => (StatusCode::TOO_MANY_REQUESTS, Some(s)),
        _ if media == Media::GraphqlResponse && verdict.request_error => (StatusCode::BAD_REQUEST, None),
        _ => (StatusCode::OK, None),
    };
    let mut r = (status, [(header::CONTENT_TYPE, media.content_type())], body).into_response();
    if let Some(s) = retry_after
        && let Ok(v) = HeaderValue::from_str(&s.to_string())
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
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

/// Authenticates the caller and executes a parsed request; both methods end here. The
/// operation names go on the request's span, which logs one line per request.
async fn run(
    st: &AppState,
    headers: &HeaderMap,
    client: IpAddr,
    media: Media,
    single: bool,
    batch: BatchRequest,
) -> Response {
    let names: Vec<&str> = match &batch {
        BatchRequest::Single(r) => vec![r.operation_name.as_deref().unwrap_or("-")],
        BatchRequest::Batch(rs) => rs.iter().map(|r| r.operation_name.as_deref().unwrap_or("-")).collect(),
    };
    tracing::Span::current().record("operation", names.join(",").as_str());
    let mut auth = authenticate(&st.app, headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())).await;
    let role = headers.get("x-baton-view-as").and_then(|v| v.to_str().ok());
    if let Some(role) = role {
        match view_as(&st.app, auth, role).await {
            Ok(a) => auth = a,
            Err(e) => {
                let n = match &batch {
                    BatchRequest::Single(_) => 1,
                    BatchRequest::Batch(rs) => rs.len(),
                };
                let refused = (0..n).map(|_| async_graphql::Response::from_errors(vec![e.clone()])).collect();
                return respond(st, media, &request_id(headers), single, refused);
            }
        }
    }
    let responses = execute(st, auth, role.is_some(), client, batch).await;
    respond(st, media, &request_id(headers), single, responses)
}

/// Checks the shape of one operation of a POST body, so that a client learns which member is
/// wrong in plain words rather than from a parser.
fn check_operation(op: &Value) -> Result<(), String> {
    let Some(o) = op.as_object() else {
        return Err("each operation must be a JSON object with a `query`".into());
    };
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let persisted = o.get("extensions").and_then(|e| e.get("persistedQuery")).is_some();
    match o.get("query") {
        Some(Value::String(_)) => {}
        None | Some(Value::Null) if persisted => {}
        None | Some(Value::Null) => {
            return Err("the request has no `query`: send the GraphQL document as `query`".into());
        }
        Some(v) => return Err(format!("`query` must be a string, not {}", kind(v))),
    }
    for (member, want) in [("variables", "object"), ("extensions", "object"), ("operationName", "string")] {
        match o.get(member) {
            None | Some(Value::Null) => {}
            Some(Value::Object(_)) if want == "object" => {}
            Some(Value::String(_)) if want == "string" => {}
            Some(v) => return Err(format!("`{member}` must be a JSON {want} or null, not {}", kind(v))),
        }
    }
    Ok(())
}

/// `POST /graphql`.
pub async fn graphql_post(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let media = match accepted(&st, &headers) {
        Ok(m) => m,
        Err(r) => return *r,
    };
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let msg = format!("the body is larger than the limit of {} bytes", st.max_body_bytes);
            return bad_request(media, StatusCode::PAYLOAD_TOO_LARGE, &msg);
        }
        Err(e) => return bad_request(media, e.status(), "the body could not be read"),
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mt = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if mt != APPLICATION_JSON && mt != GRAPHQL_RESPONSE_JSON {
        return bad_request(media, StatusCode::UNSUPPORTED_MEDIA_TYPE, "send Content-Type: application/json");
    }
    let parsed: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) if body.iter().all(u8::is_ascii_whitespace) => {
            let _ = e;
            return bad_request(media, StatusCode::BAD_REQUEST, "the body is empty: send a JSON GraphQL request");
        }
        Err(e) => {
            let msg = format!("the body is not valid JSON (line {}, column {})", e.line(), e.column());
            return bad_request(media, StatusCode::BAD_REQUEST, &msg);
        }
    };
    let single = !parsed.is_array();
    let shape = match &parsed {
        Value::Array(list) if list.is_empty() => Err("the batch is empty: send at least one operation".to_owned()),
        Value::Array(list) if list.len() > st.max_batch => {
            Err(format!("a batch may hold at most {} operations; this one has {}", st.max_batch, list.len()))
        }
        Value::Array(list) => list.iter().try_for_each(check_operation),
        op => check_operation(op),
    };
    if let Err(msg) = shape {
        return bad_request(media, StatusCode::BAD_REQUEST, &msg);
    }
    let batch: BatchRequest = match serde_json::from_value(parsed) {
        Ok(b) => b,
        Err(_) => return bad_request(media, StatusCode::BAD_REQUEST, "the body is not a GraphQL request"),
    };
    run(&st, &headers, peer.ip(), media, single, batch).await
}

/// `GET /graphql`: GraphiQL for browsers; with a `query` parameter, executes a query (never a
/// mutation) as GraphQL over HTTP allows.
pub async fn graphql_get(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let qs = query.unwrap_or_default();
    // A persisted query comes as a hash in `extensions`, without the document.
    let has_query = qs.split('&').any(|kv| kv.starts_with("query=") || kv.starts_with("extensions="));
    if !has_query && st.graphiql {
        return Html(GRAPHIQL_PAGE).into_response();
    }
    let media = match accepted(&st, &headers) {
        Ok(m) => m,
        Err(r) => return *r,
    };
    if !has_query {
        return bad_request(media, StatusCode::BAD_REQUEST, "send the GraphQL document in the `query` parameter");
    }
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
    if let Err(e) = st.documents.resolve(&st.app, &mut req).await {
        return respond(&st, media, &request_id(&headers), true, vec![async_graphql::Response::from_errors(vec![e])]);
    }
    if is_mutation(&mut req) {
        let mut r =
            error_body(media, StatusCode::METHOD_NOT_ALLOWED, "mutations must be sent with POST", "BAD_REQUEST");
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    run(&st, &headers, peer.ip(), media, true, BatchRequest::Single(req)).await
}

/// `GET /graphql/ws`: `graphql-transport-ws`; the token comes in `connection_init`.
pub async fn graphql_ws(State(st): State<AppState>, headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|list| list.split(',').find_map(|p| p.trim().parse::<WebSocketProtocols>().ok()));
    let Some(protocol) = protocol else {
        return bad_request(Media::Json, StatusCode::BAD_REQUEST, "send Sec-WebSocket-Protocol: graphql-transport-ws");
    };
    upgrade.protocols(ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| serve_socket(st, protocol, socket))
}

/// Close codes of `graphql-transport-ws`: no valid credential (at `connection_init` or later).
/// 4403, a credential that holds without the role, is sent by the subscriptions themselves.
const CLOSE_UNAUTHORIZED: u16 = 4401;
/// The credential could not be checked now (WebSocket's "try again later").
const CLOSE_TRY_AGAIN_LATER: u16 = 1013;

/// Serves one socket. Beside the protocol itself this loop keeps the caller's credential
/// honest: it re-checks it when the caller's organization announces a principal change and at
/// least every few seconds (so an expired token is noticed without any event), closing the
/// socket with 4401 when it no longer holds. Subscriptions re-check the caller for every event
/// and close with 4401 or 4403 through the same channel. Every error message gets the codes
/// HTTP responses get.
async fn serve_socket(st: AppState, protocol: WebSocketProtocols, socket: WebSocket) {
    let (mut sink, stream) = socket.split();
    let (close_tx, mut close_rx) = tokio::sync::mpsc::unbounded_channel::<(u16, String)>();
    let bearer: Arc<OnceLock<(String, uuid::Uuid)>> = Arc::new(OnceLock::new());
    // What each subscription asked, by id, so that its responses can be finished.
    let asked: Arc<std::sync::Mutex<HashMap<String, Asked>>> = Arc::default();
    let seen = asked.clone();
    let input = stream.take_while(|m| futures_util::future::ready(m.is_ok())).filter_map(move |m| {
        let bytes = match m {
            Ok(Message::Text(t)) => Some(Bytes::from(t)),
            Ok(Message::Binary(b)) => Some(b),
            _ => None,
        };
        if let Some(b) = &bytes {
            note_subscribe(&seen, b);
        }
        futures_util::future::ready(bytes)
    });
    // async-graphql closes a refused `connection_init` with 1002; the protocol's codes say why.
    let refused: Arc<OnceLock<u16>> = Arc::new(OnceLock::new());
    let (app, slot, closer, refusal) = (st.app.clone(), bearer.clone(), close_tx.clone(), refused.clone());
    let ws = async_graphql::http::WebSocket::new(st.schema.clone(), input, protocol).on_connection_init(
        move |payload| async move {
            let token = payload
                .get("Authorization")
                .or_else(|| payload.get("authorization"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            let auth = authenticate(&app, token.as_deref()).await;
            let actor = match &auth {
                Auth::Actor(actor) => actor,
                Auth::Unavailable(reason) => {
                    let _ = refusal.set(CLOSE_TRY_AGAIN_LATER);
                    return Err(async_graphql::Error::new(reason.clone()));
                }
                Auth::Invalid(reason) => {
                    let _ = refusal.set(CLOSE_UNAUTHORIZED);
                    return Err(async_graphql::Error::new(format!("connection_init was refused: {reason}")));
                }
                Auth::Anonymous => {
                    let _ = refusal.set(CLOSE_UNAUTHORIZED);
                    return Err(async_graphql::Error::new(
                        "connection_init must carry a valid `Authorization: Bearer <token>`",
                    ));
                }
            };
            let credential = token.as_deref().and_then(bearer_token).unwrap_or_default().to_owned();
            let _ = slot.set((credential.clone(), actor.org_id));
            let mut data = Data::default();
            data.insert(auth.clone());
            data.insert(Socket::new(credential, closer));
            data.insert(baton_api::kernel::loaders::Loaders::uncached(&app, actor.org_id));
            Ok(data)
        },
    );
    futures_util::pin_mut!(ws);
    let mut events = st.app.events.subscribe();
    let mut tick = tokio::time::interval(baton_app::kernel::principals::TTL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let rid = uuid::Uuid::new_v4().to_string();
    let close = |code: u16, reason: String| Message::Close(Some(CloseFrame { code, reason: reason.into() }));
    loop {
        let recheck = tokio::select! {
            msg = ws.next() => {
                let out = match msg {
                    Some(WsMessage::Text(text)) => {
                        Message::Text(finish_ws_message(&st, text, &rid, &asked).await.into())
                    }
                    Some(WsMessage::Close(code, reason)) => {
                        let code = refused.get().copied().unwrap_or(code);
                        let _ = sink.send(close(code, reason)).await;
                        return;
                    }
                    None => return,
                };
                if sink.send(out).await.is_err() {
                    return;
                }
                false
            }
            Some((code, reason)) = close_rx.recv() => {
                let _ = sink.send(close(code, reason)).await;
                return;
            }
            _ = tick.tick() => true,
            e = events.recv() => match (e, bearer.get()) {
                (Ok(Event::PrincipalsChanged { org }), Some((_, mine))) => org == *mine,
                (Ok(Event::Resync) | Err(_), _) => true,
                _ => false,
            },
        };
        if recheck
            && let Some((credential, _)) = bearer.get()
            && let Err(AppError::Unauthenticated(reason)) = st.app.authenticate(credential).await
        {
            let _ = sink.send(close(CLOSE_UNAUTHORIZED, reason)).await;
            return;
        }
    }
}

/// Records what a `subscribe` message asks (and forgets it on `complete`).
fn note_subscribe(asked: &std::sync::Mutex<HashMap<String, Asked>>, bytes: &[u8]) {
    let Ok(v) = serde_json::from_slice::<Value>(bytes) else { return };
    let Some(id) = v.get("id").and_then(Value::as_str) else { return };
    let Ok(mut map) = asked.lock() else { return };
    match v.get("type").and_then(Value::as_str) {
        Some("subscribe") => {
            let p = v.get("payload");
            let text = |k: &str| p.and_then(|p| p.get(k)).and_then(Value::as_str).map(str::to_owned);
            let variables = p.and_then(|p| p.get("variables")).cloned().unwrap_or(Value::Null);
            map.insert(
                id.to_owned(),
                Asked {
                    query: text("query").unwrap_or_default(),
                    variables: async_graphql::Variables::from_json(variables),
                    operation: text("operationName"),
                },
            );
        }
        Some("complete") => {
            map.remove(id);
        }
        _ => {}
    }
}

/// What the subscription `id` of a message asked.
fn asked_by(asked: &std::sync::Mutex<HashMap<String, Asked>>, v: &Value) -> Asked {
    let id = v.get("id").and_then(Value::as_str).unwrap_or_default();
    asked.lock().ok().and_then(|m| m.get(id).cloned()).unwrap_or_default()
}

/// Gives a `next` or `error` message what an HTTP response would carry: its nulls where its
/// field errors are, and the errors' codes.
async fn finish_ws_message(
    st: &AppState,
    text: String,
    rid: &str,
    asked: &std::sync::Mutex<HashMap<String, Asked>>,
) -> String {
    let metrics = &st.metrics;
    let Ok(mut v) = serde_json::from_str::<Value>(&text) else { return text };
    let mut verdict = Verdict::default();
    match v.get("type").and_then(Value::as_str) {
        Some("error") => {
            let errors = v.get("payload").cloned().and_then(|p| serde_json::from_value(p).ok());
            if let Some(errors) = errors {
                let errors = st.conform.finish_errors(&asked_by(asked, &v), errors).await;
                if let Ok(p) = serde_json::to_value(errors) {
                    v["payload"] = p;
                }
            }
            if let Some(errors) = v.get_mut("payload").and_then(Value::as_array_mut) {
                fill_errors(errors, true, rid, metrics, &mut verdict);
            }
        }
        Some("complete") => {
            if let (Some(id), Ok(mut m)) = (v.get("id").and_then(Value::as_str), asked.lock()) {
                m.remove(id);
            }
            return text;
        }
        Some("next" | "data") => {
            let has_errors = v.pointer("/payload/errors").and_then(Value::as_array).is_some_and(|e| !e.is_empty());
            if has_errors
                && let Some(Ok(mut resp)) =
                    v.get("payload").cloned().map(serde_json::from_value::<async_graphql::Response>)
            {
                st.conform.finish(&asked_by(asked, &v), &mut resp).await;
                if let Ok(p) = serde_json::to_value(&resp) {
                    v["payload"] = p;
                }
            }
            let Some(payload) = v.get_mut("payload") else { return text };
            // A document that does not validate comes back as a `next` without data whose
            // errors have no path: a request error, as over HTTP.
            let no_data = payload.get("data").is_none_or(Value::is_null);
            if let Some(errors) = payload.get_mut("errors").and_then(Value::as_array_mut) {
                let request_error = no_data && errors.iter().all(|e| e.get("path").is_none_or(Value::is_null));
                fill_errors(errors, request_error, rid, metrics, &mut verdict);
            }
        }
        _ => return text,
    }
    v.to_string()
}

/// GraphiQL, loading its scripts and styles from this server (see [`graphiql_asset`]), so it
/// works where no CDN can be reached.
const GRAPHIQL_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Baton · GraphiQL</title>
<link rel="stylesheet" href="/graphiql/graphiql.min.css">
</head>
<body style="margin:0">
<div id="graphiql" style="height:100vh">Loading…</div>
<script src="/graphiql/react.production.min.js"></script>
<script src="/graphiql/react-dom.production.min.js"></script>
<script src="/graphiql/graphql-ws.min.js"></script>
<script src="/graphiql/graphiql.min.js"></script>
<script>
  const ws = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql/ws";
  const fetcher = GraphiQL.createFetcher({
    url: "/graphql",
    wsClient: graphqlWs.createClient({ url: ws, lazy: true }),
  });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(GraphiQL, { fetcher }));
</script>
</body>
</html>
"#;

/// The GraphiQL page's assets, compiled into the binary (gzip-compressed).
const GRAPHIQL_ASSETS: &[(&str, &str, &[u8])] = &[
    ("graphiql.min.js", "text/javascript", include_bytes!("../assets/graphiql/graphiql.min.js.gz")),
    ("graphiql.min.css", "text/css", include_bytes!("../assets/graphiql/graphiql.min.css.gz")),
    ("react.production.min.js", "text/javascript", include_bytes!("../assets/graphiql/react.production.min.js.gz")),
    (
        "react-dom.production.min.js",
        "text/javascript",
        include_bytes!("../assets/graphiql/react-dom.production.min.js.gz"),
    ),
    ("graphql-ws.min.js", "text/javascript", include_bytes!("../assets/graphiql/graphql-ws.min.js.gz")),
];

/// `GET /graphiql/{file}`: one of GraphiQL's assets, when GraphiQL is enabled.
pub async fn graphiql_asset(State(st): State<AppState>, Path(file): Path<String>) -> Response {
    let found = GRAPHIQL_ASSETS.iter().find(|(name, _, _)| *name == file);
    match found {
        Some((_, mime, body)) if st.graphiql => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CONTENT_ENCODING, "gzip"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *body,
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok")
}

/// `GET /readyz`: the database answers, within a second.
pub async fn readyz(State(st): State<AppState>) -> impl IntoResponse {
    match tokio::time::timeout(std::time::Duration::from_secs(1), baton_store::ping(&st.app.db)).await {
        Ok(Ok(())) => (StatusCode::OK, "ready"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
        Err(_) => {
            tracing::warn!("database did not answer within a second");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(st): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], st.metrics.render())
}
