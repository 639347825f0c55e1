//! `GET /export/<list>.csv`: a department view's list, or a search, as a CSV file streamed in
//! pages (see `app::exports`). Authenticated like `/graphql` (`Authorization: Bearer …`);
//! refusals are JSON errors with the API's codes and an HTTP status to match.

use crate::http::{AppState, authenticate};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use baton_api::Auth;
use baton_app::AppError;
use baton_app::admin::exports::{Export, ExportList};
use serde_json::json;

/// The HTTP status of an error code.
fn status_of(code: &str) -> StatusCode {
    match code {
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "BAD_USER_INPUT" | "BAD_REQUEST" => StatusCode::BAD_REQUEST,
        "RATE_LIMITED" => StatusCode::TOO_MANY_REQUESTS,
        "UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
        "CONFLICT" => StatusCode::CONFLICT,
        "RULE_VIOLATION" => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An application error as the JSON body GraphQL errors have, with its status.
fn refusal(e: AppError, request_id: &str) -> Response {
    let err = baton_api::to_gql(e);
    let mut ext = serde_json::to_value(&err.extensions).unwrap_or_else(|_| json!({}));
    let code = ext["code"].as_str().unwrap_or("INTERNAL").to_owned();
    if code == "INTERNAL" {
        ext["requestId"] = json!(request_id);
    }
    let body = json!({ "errors": [{ "message": err.message, "extensions": ext }] });
    let mut r = (status_of(&code), [(header::CONTENT_TYPE, "application/json; charset=utf-8")], body.to_string())
        .into_response();
    if code == "UNAUTHENTICATED" {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    if let Some(secs) = ext["retryAfter"].as_u64()
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// `GET /export/{file}`: `file` is `<list>.csv`, the query string the list's filter.
pub async fn export_csv(
    State(st): State<AppState>,
    Path(file): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let rid = headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let actor = match authenticate(&st.app, headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())).await {
        Auth::Actor(a) => a,
        Auth::Anonymous => {
            return refusal(AppError::Unauthenticated("log in: send `Authorization: Bearer <token>`".into()), &rid);
        }
        Auth::Invalid(reason) => return refusal(AppError::Unauthenticated(reason), &rid),
        Auth::Unavailable(reason) => return refusal(AppError::Unavailable(reason), &rid),
    };
    let Some(name) = file.strip_suffix(".csv") else {
        return refusal(AppError::bad_input("list", "an export is named `<list>.csv`"), &rid);
    };
    let params = match Query::<Vec<(String, String)>>::try_from_uri(&uri) {
        Ok(Query(p)) => p,
        Err(_) => return refusal(AppError::bad_input("query", "is not a URL-encoded query string"), &rid),
    };
    let list = match ExportList::parse(name, &params) {
        Ok(l) => l,
        Err(e) => return refusal(e, &rid),
    };
    let export = match st.app.start_export(&actor, list).await {
        Ok(x) => x,
        Err(e) => return refusal(e, &rid),
    };
    let disposition = format!("attachment; filename=\"{}.csv\"", export.list.name());
    let export_id = export.id.to_string();
    let body = Body::from_stream(futures_util::stream::unfold(Some(export), |state: Option<Export>| async move {
        let mut export = state?;
        match export.next_chunk().await {
            Ok(Some(chunk)) => Some((Ok::<Bytes, std::io::Error>(Bytes::from(chunk)), Some(export))),
            Ok(None) => None,
            // The status line has gone out already: breaking the body off tells the client the
            // file is incomplete, which a well-formed but short file would not.
            Err(e) => {
                tracing::error!(error = %e, export = %export.id, "export broke off");
                Some((Err(std::io::Error::other("the export could not be completed")), None))
            }
        }
    }));
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&export_id) {
        h.insert("x-export-id", v);
    }
    r
}
