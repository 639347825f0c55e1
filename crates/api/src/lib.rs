//! Baton's GraphQL API: the department views, the mutations, the subscriptions, and the one
//! mapping from application errors to `extensions.code`.
//!
//! Resolvers hold no business rule: they authenticate, parse ids, call a use case in `app`,
//! and map the result.

// The merged root objects nest one level per member; their futures need a deeper limit.
#![recursion_limit = "256"]

pub mod admin;
pub mod customer_success;
pub mod finance;
pub mod insight;
pub mod kernel;
pub mod legal;
pub mod marketing;
pub mod mutation;
pub mod product;
pub mod query;
pub mod sales;
pub mod subscription;

use async_graphql::{Context, SDLExportOptions, Schema};
use baton_app::{Actor, App, AppError};
pub use kernel::error::{Gql, to_gql};

pub type BatonSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// How a request authenticated, attached to each request by the server.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No credential was sent.
    Anonymous,
    /// A credential was sent and refused; the reason is kept for the error message.
    Invalid(String),
    /// The credential could not be checked because the database is unreachable.
    Unavailable(String),
    /// A valid credential.
    Actor(Actor),
}

/// Facts about the HTTP request behind an operation. The operations of one batch share it.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    /// The client's address, for login throttling.
    pub client: Option<std::net::IpAddr>,
    login_tried: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl RequestInfo {
    pub fn new(client: Option<std::net::IpAddr>) -> Self {
        RequestInfo { client, login_tried: Default::default() }
    }

    /// True for the first login of the request (or batch), false for every later one.
    pub fn take_login(&self) -> bool {
        !self.login_tried.swap(true, std::sync::atomic::Ordering::SeqCst)
    }
}

/// The WebSocket a subscription runs on: the credential it was opened with, re-checked for
/// every event, and a way to close the socket with a protocol close code.
#[derive(Debug, Clone)]
pub struct Socket {
    credential: String,
    close: tokio::sync::mpsc::UnboundedSender<(u16, String)>,
}

impl Socket {
    pub fn new(credential: String, close: tokio::sync::mpsc::UnboundedSender<(u16, String)>) -> Self {
        Socket { credential, close }
    }

    /// The caller as they are now; `None` (and the socket closing with 4401) when the
    /// credential no longer holds, `None` alone while the database cannot tell.
    pub async fn caller(&self, app: &App) -> Option<Actor> {
        match app.authenticate(&self.credential).await {
            Ok(a) => Some(a),
            Err(AppError::Unauthenticated(reason)) => {
                self.close_with(4401, reason);
                None
            }
            Err(_) => None,
        }
    }

    /// Closes the socket (4401 unauthorized, 4403 forbidden).
    pub fn close_with(&self, code: u16, reason: String) {
        let _ = self.close.send((code, reason));
    }
}

/// The query limits of the API contract; each is configurable.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub depth: usize,
    pub complexity: usize,
    pub introspection: bool,
    /// "Did you mean …" in validation errors; off in production, where the schema is not public.
    pub suggestions: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { depth: 15, complexity: 20_000, introspection: true, suggestions: true }
    }
}

/// The authenticated caller, or `UNAUTHENTICATED`.
pub fn actor<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a Actor> {
    match ctx.data_opt::<Auth>() {
        Some(Auth::Actor(a)) => Ok(a),
        Some(Auth::Invalid(reason)) => Err(to_gql(AppError::Unauthenticated(reason.clone()))),
        Some(Auth::Unavailable(reason)) => Err(to_gql(AppError::Unavailable(reason.clone()))),
        _ => Err(to_gql(AppError::Unauthenticated("send `Authorization: Bearer <token>`".into()))),
    }
}

/// An `ID` argument as a UUID, or `BAD_USER_INPUT` naming `field`.
pub(crate) fn id_arg(field: &str, id: &async_graphql::ID) -> async_graphql::Result<uuid::Uuid> {
    baton_app::parse_id(field, id).gql()
}

/// The application handle.
pub fn app<'a>(ctx: &'a Context<'_>) -> &'a App {
    ctx.data_unchecked::<App>()
}

/// Builds the schema with its limits. Loaders are per request (see [`loaders::attach`]).
pub fn build_schema(app: App, limits: Limits) -> BatonSchema {
    let mut b = Schema::build(query::Query::default(), mutation::Mutation::default(), subscription::Subscription)
        .data(app)
        .limit_recursive_depth(32)
        .limit_directives(16)
        .limit_depth(limits.depth)
        .limit_complexity(limits.complexity);
    if !limits.introspection {
        b = b.disable_introspection();
    }
    if !limits.suggestions {
        b = b.disable_suggestions();
    }
    b.finish()
}

/// The SDL as committed in `schema/schema.graphql`: fields and enum values sorted.
pub fn sdl(schema: &BatonSchema) -> String {
    schema.sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_enum_items().sorted_arguments())
}

/// A schema for SDL export and tests, without a database behind it.
pub fn sdl_of_code() -> String {
    let schema =
        Schema::build(query::Query::default(), mutation::Mutation::default(), subscription::Subscription).finish();
    sdl(&schema)
}

pub use kernel::loaders::attach as attach_loaders;
