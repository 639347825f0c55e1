//! The e-mail outbox: PENDING until sent (SENT), given up after its last attempt (FAILED), or
//! CANCELLED when its consent is withdrawn or its lead erased before it leaves.

use crate::lead::string_enum;

string_enum!(
    /// Where a queued e-mail stands.
    MailStatus { Pending = "PENDING", Sent = "SENT", Failed = "FAILED", Cancelled = "CANCELLED" }
);

/// How many times an e-mail is tried before it is given up.
pub const MAX_ATTEMPTS: i32 = 5;

/// After an attempt (the `attempts`-th): SENT when it went out; otherwise FAILED after the
/// last attempt, else still PENDING, tried again after `backoff_minutes` (1, 2, 4, … minutes).
pub fn after_attempt(attempts: i32, sent: bool) -> (MailStatus, Option<i64>) {
    match (sent, attempts >= MAX_ATTEMPTS) {
        (true, _) => (MailStatus::Sent, None),
        (false, true) => (MailStatus::Failed, None),
        (false, false) => (MailStatus::Pending, Some(1 << (attempts - 1).clamp(0, 30))),
    }
}

/// Only an e-mail that has not left yet is cancelled.
pub fn cancellable(s: MailStatus) -> bool {
    s == MailStatus::Pending
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_retried_with_backoff_until_its_last_attempt() {
        assert_eq!(after_attempt(1, true), (MailStatus::Sent, None));
        assert_eq!(after_attempt(1, false), (MailStatus::Pending, Some(1)));
        assert_eq!(after_attempt(3, false), (MailStatus::Pending, Some(4)));
        assert_eq!(after_attempt(MAX_ATTEMPTS, false), (MailStatus::Failed, None));
        assert!(cancellable(MailStatus::Pending));
        assert!(MailStatus::ALL.iter().filter(|s| cancellable(**s)).count() == 1);
    }
}
