//! Invoices: the payment schedule a signed contract produces, payments and refunds, overdue
//! aging and dunning. SCHEDULED -> ISSUED -> PARTIALLY_PAID -> PAID, or VOID.

use crate::lead::string_enum;
use crate::money::{split_even_in, split_weighted_in};
use crate::rule::Rule;
use crate::violation::Violation;
use chrono::{Days, Months, NaiveDate};

/// Payment terms: an invoice is due this many days after it is issued.
pub const NET_DAYS: u64 = 30;

string_enum!(
    /// The status of an invoice.
    InvoiceStatus { Scheduled = "SCHEDULED", Issued = "ISSUED", PartiallyPaid = "PARTIALLY_PAID", Paid = "PAID", Void = "VOID" }
);

string_enum!(
    /// How a contract's value is invoiced.
    PaymentSchedule { Upfront = "UPFRONT", Annual = "ANNUAL", Quarterly = "QUARTERLY", Monthly = "MONTHLY", Milestones = "MILESTONES" }
);

/// One invoice of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installment {
    pub sequence: i32,
    pub issue_on: NaiveDate,
    pub due_on: NaiveDate,
    pub amount_minor: i64,
}

/// The invoices of a contract worth `total_minor` over `term_months`, starting on `start`.
/// The amounts add up exactly to the total, each a whole multiple of the currency's `unit`. Milestones are 30 % at signing, 40 % after 60 days
/// (test) and 30 % after 120 days (go-live).
pub fn schedule(
    kind: PaymentSchedule,
    total_minor: i64,
    unit: i64,
    term_months: u32,
    start: NaiveDate,
) -> Vec<Installment> {
    let term = term_months.max(1);
    let periods = |months: u32| term.div_ceil(months) as usize;
    let (amounts, offsets): (Vec<i64>, Vec<(u32, u64)>) = match kind {
        PaymentSchedule::Upfront => (vec![total_minor], vec![(0, 0)]),
        PaymentSchedule::Annual | PaymentSchedule::Quarterly | PaymentSchedule::Monthly => {
            let step = match kind {
                PaymentSchedule::Annual => 12,
                PaymentSchedule::Quarterly => 3,
                _ => 1,
            };
            let n = periods(step);
            (split_even_in(total_minor, n, unit), (0..n as u32).map(|k| (k * step, 0)).collect())
        }
        PaymentSchedule::Milestones => {
            (split_weighted_in(total_minor, &[30, 40, 30], unit), vec![(0, 0), (0, 60), (0, 120)])
        }
    };
    amounts
        .into_iter()
        .zip(offsets)
        .enumerate()
        .map(|(i, (amount, (months, days)))| {
            let issue = start
                .checked_add_months(Months::new(months))
                .unwrap_or(start)
                .checked_add_days(Days::new(days))
                .unwrap_or(start);
            Installment {
                sequence: i as i32 + 1,
                issue_on: issue,
                due_on: issue.checked_add_days(Days::new(NET_DAYS)).unwrap_or(issue),
                amount_minor: amount,
            }
        })
        .collect()
}

/// The status an invoice has with `paid_minor` of `amount_minor` paid.
pub fn status_after_payment(amount_minor: i64, paid_minor: i64) -> InvoiceStatus {
    if paid_minor <= 0 {
        InvoiceStatus::Issued
    } else if paid_minor < amount_minor {
        InvoiceStatus::PartiallyPaid
    } else {
        InvoiceStatus::Paid
    }
}

/// Payments are taken on issued, unpaid invoices.
pub fn pay(status: InvoiceStatus) -> Result<(), Vec<Violation>> {
    match status {
        InvoiceStatus::Issued | InvoiceStatus::PartiallyPaid => Ok(()),
        s => Err(vec![Violation::new(Rule::InvoiceNotPayable, format!("a {} invoice takes no payment", s.as_str()))]),
    }
}

/// An invoice is voided only while nothing has been paid on it.
pub fn void(status: InvoiceStatus, paid_minor: i64) -> Result<(), Vec<Violation>> {
    match status {
        InvoiceStatus::Void => Err(vec![Violation::new(Rule::InvalidTransition, "the invoice is already void")]),
        _ if paid_minor > 0 => Err(vec![Violation::new(
            Rule::InvalidTransition,
            "an invoice with payments cannot be voided; refund the payments first",
        )]),
        _ => Ok(()),
    }
}

/// Days past the due date (0 when not overdue).
pub fn days_overdue(due_on: NaiveDate, today: NaiveDate) -> i64 {
    (today - due_on).num_days().max(0)
}

/// Dunning escalates with days overdue: 0 none, 1 reminder (1–14), 2 second notice (15–30),
/// 3 final notice (31–60), 4 collections (over 60).
pub fn dunning_level(days_overdue: i64) -> i32 {
    match days_overdue {
        i64::MIN..=0 => 0,
        1..=14 => 1,
        15..=30 => 2,
        31..=60 => 3,
        _ => 4,
    }
}

/// The five aging buckets, in order.
pub const AGING_BUCKETS: [&str; 5] = ["CURRENT", "DAYS_1_30", "DAYS_31_60", "DAYS_61_90", "DAYS_90_PLUS"];

/// The aging bucket (index into [`AGING_BUCKETS`]) of an outstanding invoice.
pub fn aging_bucket(days_overdue: i64) -> usize {
    match days_overdue {
        i64::MIN..=0 => 0,
        1..=30 => 1,
        31..=60 => 2,
        61..=90 => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn schedules_by_kind() {
        let s = schedule(PaymentSchedule::Quarterly, 1_000_000, 1, 12, d(2026, 1, 31));
        assert_eq!(s.len(), 4);
        assert_eq!(s.iter().map(|i| i.amount_minor).collect::<Vec<_>>(), vec![250_000; 4]);
        assert_eq!(s[1].issue_on, d(2026, 4, 30), "month arithmetic clamps to the month's end");
        assert_eq!(s[0].due_on, d(2026, 3, 2));
        assert_eq!(schedule(PaymentSchedule::Upfront, 100, 1, 24, d(2026, 1, 1)).len(), 1);
        assert_eq!(schedule(PaymentSchedule::Annual, 100, 1, 24, d(2026, 1, 1)).len(), 2);
        assert_eq!(schedule(PaymentSchedule::Monthly, 100, 1, 0, d(2026, 1, 1)).len(), 1);
        let m = schedule(PaymentSchedule::Milestones, 5_000_000, 1, 0, d(2026, 1, 1));
        assert_eq!(m.iter().map(|i| i.amount_minor).collect::<Vec<_>>(), vec![1_500_000, 2_000_000, 1_500_000]);
        assert_eq!(m[2].issue_on, d(2026, 5, 1));
    }

    proptest! {
        #[test]
        fn a_schedule_adds_up_exactly_to_the_contract_value(total in 0i64..100_000_000_000, term in 0u32..61, kind in 0usize..5) {
            let kind = PaymentSchedule::ALL[kind];
            let s = schedule(kind, total, 1, term, d(2026, 3, 31));
            prop_assert!(!s.is_empty());
            prop_assert_eq!(s.iter().map(|i| i.amount_minor).sum::<i64>(), total);
            prop_assert!(s.windows(2).all(|w| w[0].issue_on <= w[1].issue_on));
        }

        #[test]
        fn a_yen_schedule_is_whole_yen_and_adds_up(yen in 0i64..1_000_000_000, term in 0u32..61, kind in 0usize..5) {
            let kind = PaymentSchedule::ALL[kind];
            let s = schedule(kind, yen * 100, 100, term, d(2026, 3, 31));
            prop_assert_eq!(s.iter().map(|i| i.amount_minor).sum::<i64>(), yen * 100);
            prop_assert!(s.iter().all(|i| i.amount_minor % 100 == 0), "every installment is whole yen");
        }
    }

    #[test]
    fn payment_status_dunning_and_aging() {
        assert_eq!(status_after_payment(100, 0), InvoiceStatus::Issued);
        assert_eq!(status_after_payment(100, 40), InvoiceStatus::PartiallyPaid);
        assert_eq!(status_after_payment(100, 100), InvoiceStatus::Paid);
        assert!(pay(InvoiceStatus::Scheduled).is_err());
        assert!(pay(InvoiceStatus::Paid).is_err());
        assert!(void(InvoiceStatus::Issued, 0).is_ok());
        assert!(void(InvoiceStatus::PartiallyPaid, 10).is_err());
        for (days, level, bucket) in [
            (0, 0, 0),
            (1, 1, 1),
            (14, 1, 1),
            (15, 2, 1),
            (30, 2, 1),
            (31, 3, 2),
            (60, 3, 2),
            (61, 4, 3),
            (90, 4, 3),
            (91, 4, 4),
        ] {
            assert_eq!(dunning_level(days), level, "{days}");
            assert_eq!(aging_bucket(days), bucket, "{days}");
        }
        assert_eq!(days_overdue(d(2026, 1, 10), d(2026, 1, 1)), 0);
        assert_eq!(days_overdue(d(2026, 1, 1), d(2026, 1, 10)), 9);
    }
}
