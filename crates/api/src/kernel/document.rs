//! Checks on the GraphQL document itself, before any resolver runs: each refusal gets the code
//! a client can act on. A document that does not parse is `GRAPHQL_PARSE_FAILED` (the server
//! parses it before the schema runs it, see [`parse_failed`]); one that breaks a validation
//! rule, nests too deep or costs too much is `GRAPHQL_VALIDATION_FAILED`; an argument or
//! variable value of the wrong type stays `BAD_USER_INPUT`, like every other bad value
//! ([`request_error_code`]). The schema enforces the depth and cost limits; a refusal is then
//! explained by measuring the document once more with a schema that only measures
//! ([`explain_limit`]), so that it can say what the query cost and what the limit is.

use crate::Limits;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{Request, Schema, ServerError, ValidationResult};
use std::sync::{Arc, OnceLock};

/// The document of a request could not be parsed.
pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
/// The document parsed but is not a valid operation on this schema (or exceeds a limit).
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// The messages of async-graphql's own limit refusals.
const TOO_DEEP: &str = "Query is nested too deep.";
const TOO_COMPLEX: &str = "Query is too complex.";

/// True for the schema's refusal of a document over the depth or cost limit.
pub fn is_limit_refusal(message: &str) -> bool {
    message == TOO_DEEP || message == TOO_COMPLEX
}

/// A document the parser refused, with its code.
pub fn parse_failed(e: ServerError) -> ServerError {
    // The parse step also checks the recursion and directive limits: those documents parsed,
    // they are refused by a rule.
    let limit = e.message.starts_with("The recursion depth") || e.message.starts_with("The number of directives");
    with_code(e, if limit { VALIDATION_FAILED } else { PARSE_FAILED })
}

/// The code of a request error (about the document, not a field) that carries none.
pub fn request_error_code(message: &str) -> &'static str {
    if is_value_error(message) { "BAD_USER_INPUT" } else { VALIDATION_FAILED }
}

/// The refusal of a document over a limit, stating its depth or cost and the limit. Runs
/// the document through a schema whose only extension measures it and then refuses it, so
/// nothing executes; built on the first refusal.
pub async fn explain_limit(limits: &Limits, asked: &crate::kernel::conform::Asked) -> ServerError {
    static MEASURE: OnceLock<crate::BatonSchema> = OnceLock::new();
    let schema = MEASURE.get_or_init(|| {
        Schema::build(
            crate::query::Query::default(),
            crate::mutation::Mutation::default(),
            crate::subscription::Subscription,
        )
        .limit_recursive_depth(32)
        .limit_directives(16)
        .extension(Measure)
        .finish()
    });
    let mut req = Request::new(asked.query.clone()).variables(asked.variables.clone()).data(*limits);
    if let Some(op) = &asked.operation {
        req = req.operation_name(op.clone());
    }
    let resp = schema.execute(req).await;
    resp.errors.into_iter().next().unwrap_or_else(|| {
        with_code(ServerError::new("the query is over the depth or cost limit", None), VALIDATION_FAILED)
    })
}

/// The measuring extension of [`explain_limit`].
struct Measure;

impl ExtensionFactory for Measure {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Measure)
    }
}

fn with_code(mut e: ServerError, code: &str) -> ServerError {
    let has_code = e.extensions.as_ref().is_some_and(|x| x.get("code").is_some());
    if !has_code {
        e.extensions.get_or_insert_with(Default::default).set("code", code);
    }
    e
}

/// A limit refusal: what the document measured and what is allowed, in words and in
/// `extensions` (`measure` is `cost` or `depth`).
fn over_limit(message: String, measure: &str, value: usize, limit: usize) -> ServerError {
    let mut e = ServerError::new(message, None);
    let ext = e.extensions.get_or_insert_with(Default::default);
    ext.set("code", VALIDATION_FAILED);
    ext.set(measure, value as u64);
    ext.set("limit", limit as u64);
    e
}

/// True for a validation message about a value given to an argument (inline or by variable):
/// the document is fine, the input is not.
fn is_value_error(message: &str) -> bool {
    message.starts_with("Invalid value for argument")
}

#[async_graphql::async_trait::async_trait]
impl Extension for Measure {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let limits = ctx.data_opt::<Limits>().copied().unwrap_or_default();
        let (depth, complexity) = (limits.depth, limits.complexity);
        if result.depth > depth {
            let message = format!("the query is nested {} levels deep, above the limit of {}", result.depth, depth);
            return Err(vec![over_limit(message, "depth", result.depth, depth)]);
        }
        if result.complexity > complexity {
            let message = format!(
                "the query costs {}, above the limit of {}: a connection costs `first` times the fields \
                 selected under it; ask for fewer rows or fields, or split the query",
                result.complexity, complexity
            );
            return Err(vec![over_limit(message, "cost", result.complexity, complexity)]);
        }
        Err(vec![with_code(ServerError::new("the query is within the depth and cost limits", None), VALIDATION_FAILED)])
    }
}
