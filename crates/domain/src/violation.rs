//! A broken business rule: a stable code plus a sentence a person can act on.

use crate::rule::Rule;

/// One unmet rule. `rule` names it in the registry (its code is shown as `extensions.rule`);
/// `reason` is the plain-words explanation (shown in `extensions.reasons`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: Rule,
    pub reason: String,
}

impl Violation {
    pub fn new(rule: Rule, reason: impl Into<String>) -> Self {
        Self { rule, reason: reason.into() }
    }
}

/// Turns a list of violations into `Ok(())` when it is empty.
pub fn check(violations: Vec<Violation>) -> Result<(), Vec<Violation>> {
    if violations.is_empty() { Ok(()) } else { Err(violations) }
}
