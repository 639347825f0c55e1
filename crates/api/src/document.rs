//! Checks on the GraphQL document itself, before any resolver runs: each refusal gets the code
//! a client can act on. A document that does not parse is `GRAPHQL_PARSE_FAILED`; one that
//! breaks a validation rule, nests too deep or costs too much is `GRAPHQL_VALIDATION_FAILED`;
//! an argument or variable value of the wrong type stays `BAD_USER_INPUT`, like every other
//! bad value. The depth and cost limits are checked here rather than by the schema so that a
//! refusal can say what the query cost and what the limit is.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};
use std::sync::Arc;

/// The document of a request could not be parsed.
pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
/// The document parsed but is not a valid operation on this schema (or exceeds a limit).
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// The extension: the depth and cost limits of the API contract.
pub struct DocumentChecks {
    pub depth: usize,
    pub complexity: usize,
}

impl ExtensionFactory for DocumentChecks {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Checks { depth: self.depth, complexity: self.complexity })
    }
}

struct Checks {
    depth: usize,
    complexity: usize,
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
impl Extension for Checks {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|e| {
            // The parse step also checks the recursion and directive limits: those documents
            // parsed, they are refused by a rule.
            let limit =
                e.message.starts_with("The recursion depth") || e.message.starts_with("The number of directives");
            with_code(e, if limit { VALIDATION_FAILED } else { PARSE_FAILED })
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let code = if is_value_error(&e.message) { "BAD_USER_INPUT" } else { VALIDATION_FAILED };
                    with_code(e, code)
                })
                .collect::<Vec<_>>()
        })?;
        if result.depth > self.depth {
            let message =
                format!("the query is nested {} levels deep, above the limit of {}", result.depth, self.depth);
            return Err(vec![over_limit(message, "depth", result.depth, self.depth)]);
        }
        if result.complexity > self.complexity {
            let message = format!(
                "the query costs {}, above the limit of {}: a connection costs `first` times the fields \
                 selected under it; ask for fewer rows or fields, or split the query",
                result.complexity, self.complexity
            );
            return Err(vec![over_limit(message, "cost", result.complexity, self.complexity)]);
        }
        Ok(result)
    }
}
