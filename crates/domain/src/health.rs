//! Account health: a score from 0 to 100 built from usage, open issues, payment status and the
//! last business review, with every contributing factor shown.

/// What the score is computed from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HealthInputs {
    /// Seats under contract (0 when unknown, e.g. custom software).
    pub seats: i64,
    /// Active users in the latest usage snapshot; `None` when nothing was recorded.
    pub active_users: Option<i64>,
    /// Open issues in the latest snapshot; `None` when nothing was recorded.
    pub open_issues: Option<i64>,
    /// The most days any unpaid invoice of the account is overdue (0 when none).
    pub max_days_overdue: i64,
    /// Days since the last business review; `None` when there was none.
    pub days_since_review: Option<i64>,
}

/// One factor's contribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factor {
    pub key: &'static str,
    pub points: i64,
    pub max_points: i64,
    pub detail: String,
}

/// The score, its band and its factors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub score: i64,
    pub band: &'static str,
    pub factors: Vec<Factor>,
}

/// GOOD from 70, AT_RISK from 40, else CRITICAL.
pub fn band(score: i64) -> &'static str {
    match score {
        70.. => "GOOD",
        40..=69 => "AT_RISK",
        _ => "CRITICAL",
    }
}

/// Adoption 40 points (full at 80 % of seats active), open issues 20, payment 25, business
/// review 15 (full within a quarter).
pub fn score(i: &HealthInputs) -> Health {
    let adoption = match (i.active_users, i.seats) {
        (None, _) => Factor { key: "adoption", points: 20, max_points: 40, detail: "no usage recorded yet".into() },
        (Some(a), s) if s > 0 => {
            let pct = a.saturating_mul(100) / s;
            Factor {
                key: "adoption",
                points: (a.saturating_mul(40 * 100) / (s * 80)).clamp(0, 40),
                max_points: 40,
                detail: format!("{a} of {s} seats active ({pct} %)"),
            }
        }
        (Some(a), _) => Factor {
            key: "adoption",
            points: if a > 0 { 40 } else { 0 },
            max_points: 40,
            detail: format!("{a} active users"),
        },
    };
    let issues = match i.open_issues {
        None => Factor { key: "issues", points: 20, max_points: 20, detail: "no issues reported".into() },
        Some(n) => Factor {
            key: "issues",
            points: match n {
                i64::MIN..=0 => 20,
                1..=2 => 15,
                3..=5 => 8,
                _ => 0,
            },
            max_points: 20,
            detail: format!("{n} open issues"),
        },
    };
    let payment = Factor {
        key: "payment",
        points: match i.max_days_overdue {
            i64::MIN..=0 => 25,
            1..=30 => 15,
            31..=60 => 5,
            _ => 0,
        },
        max_points: 25,
        detail: if i.max_days_overdue > 0 {
            format!("an invoice is {} days overdue", i.max_days_overdue)
        } else {
            "no overdue invoices".into()
        },
    };
    let review = Factor {
        key: "businessReview",
        points: match i.days_since_review {
            Some(0..=92) => 15,
            Some(93..=183) => 8,
            _ => 0,
        },
        max_points: 15,
        detail: match i.days_since_review {
            Some(d) => format!("last business review {d} days ago"),
            None => "no business review held".into(),
        },
    };
    let factors = vec![adoption, issues, payment, review];
    let score = factors.iter().map(|f| f.points).sum::<i64>().clamp(0, 100);
    Health { score, band: band(score), factors }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(h: &Health) -> Vec<i64> {
        h.factors.iter().map(|f| f.points).collect()
    }

    #[test]
    fn a_thriving_account_scores_full_marks() {
        let h = score(&HealthInputs {
            seats: 20,
            active_users: Some(16),
            open_issues: Some(0),
            max_days_overdue: 0,
            days_since_review: Some(30),
        });
        assert_eq!(points(&h), [40, 20, 25, 15]);
        assert_eq!((h.score, h.band), (100, "GOOD"));
    }

    #[test]
    fn each_factor_follows_its_table() {
        // 10 of 20 seats active: 50 % / 80 % of 40 points = 25.
        let h = score(&HealthInputs {
            seats: 20,
            active_users: Some(10),
            open_issues: Some(3),
            max_days_overdue: 45,
            days_since_review: Some(120),
        });
        assert_eq!(points(&h), [25, 8, 5, 8]);
        assert_eq!((h.score, h.band), (46, "AT_RISK"));
        let h = score(&HealthInputs {
            seats: 20,
            active_users: Some(2),
            open_issues: Some(9),
            max_days_overdue: 91,
            days_since_review: None,
        });
        assert_eq!(points(&h), [5, 0, 0, 0]);
        assert_eq!(h.band, "CRITICAL");
        let unknown = score(&HealthInputs::default());
        assert_eq!(points(&unknown), [20, 20, 25, 0]);
        assert_eq!(unknown.factors[0].detail, "no usage recorded yet");
    }
}
