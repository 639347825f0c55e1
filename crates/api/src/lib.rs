//! Baton's GraphQL API: the department views, the mutations, the subscriptions, and the one
//! mapping from application errors to `extensions.code`.
//!
//! Resolvers hold no business rule: they authenticate, parse ids, call a use case in `app`,
//! and map the result.

pub mod analytics;
pub mod audit;
pub mod automation;
pub mod compliance;
pub mod deal;
pub mod deal_mutation;
pub mod enablement;
pub mod enums;
pub mod error;
pub mod governance;
pub mod loaders;
pub mod loops;
pub mod mutation;
pub mod privacy;
pub mod query;
pub mod scalars;
pub mod subscription;
pub mod success;
pub mod types;
pub mod views;
pub mod work;

use async_graphql::{Context, SDLExportOptions, Schema};
use baton_app::{Actor, App, AppError};
pub use error::{Gql, to_gql};

pub type BatonSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// How a request authenticated, attached to each request by the server.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No credential was sent.
    Anonymous,
    /// A credential was sent and refused; the reason is kept for the error message.
    Invalid(String),
    /// A valid credential.
    Actor(Actor),
}

/// The query limits of the API contract; each is configurable.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub depth: usize,
    pub complexity: usize,
    pub introspection: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { depth: 15, complexity: 1000, introspection: true }
    }
}

/// The authenticated caller, or `UNAUTHENTICATED`.
pub fn actor<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a Actor> {
    match ctx.data_opt::<Auth>() {
        Some(Auth::Actor(a)) => Ok(a),
        Some(Auth::Invalid(reason)) => Err(to_gql(AppError::Unauthenticated(reason.clone()))),
        _ => Err(to_gql(AppError::Unauthenticated("send `Authorization: Bearer <token>`".into()))),
    }
}

/// The application handle.
pub fn app<'a>(ctx: &'a Context<'_>) -> &'a App {
    ctx.data_unchecked::<App>()
}

/// Builds the schema with its limits. Loaders are per request (see [`loaders::attach`]).
pub fn build_schema(app: App, limits: Limits) -> BatonSchema {
    let mut b = Schema::build(query::Query::default(), mutation::Mutation::default(), subscription::Subscription)
        .data(app)
        .limit_depth(limits.depth)
        .limit_complexity(limits.complexity)
        .limit_recursive_depth(32)
        .limit_directives(16);
    if !limits.introspection {
        b = b.disable_introspection();
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

pub use loaders::attach as attach_loaders;
