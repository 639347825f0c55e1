//! A broken business rule: a stable code plus a sentence a person can act on.

/// One unmet rule. `rule` is a stable upper-case code (shown as `extensions.rule`); `reason`
/// is the plain-words explanation (shown in `extensions.reasons`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: &'static str,
    pub reason: String,
}

impl Violation {
    pub fn new(rule: &'static str, reason: impl Into<String>) -> Self {
        Self { rule, reason: reason.into() }
    }
}

/// Turns a list of violations into `Ok(())` when it is empty.
pub fn check(violations: Vec<Violation>) -> Result<(), Vec<Violation>> {
    if violations.is_empty() { Ok(()) } else { Err(violations) }
}
