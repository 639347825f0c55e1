//! The lead state machine: NEW -> CONTACTED -> QUALIFIED | DISQUALIFIED -> CONVERTED.
//!
//! Qualification records BANT and derives a priority; conversion is gated by
//! `LEAD_NOT_QUALIFIED` and then `ASSIGNEE_NOT_AE`, in that order.

use crate::role::Role;
use crate::rule::Rule;
use crate::violation::Violation;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable storage and API spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stable spelling; anything else is `None`.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// Where a lead came from.
    LeadSource {
        Seo = "SEO",
        Sem = "SEM",
        Social = "SOCIAL",
        Event = "EVENT",
        Content = "CONTENT",
        Referral = "REFERRAL",
        Partner = "PARTNER",
        ColdCall = "COLD_CALL",
        SelfSignup = "SELF_SIGNUP",
    }
);

string_enum!(
    /// Where a lead stands.
    LeadStatus {
        New = "NEW",
        Contacted = "CONTACTED",
        Qualified = "QUALIFIED",
        Disqualified = "DISQUALIFIED",
        Converted = "CONVERTED",
    }
);

string_enum!(
    /// How urgently a lead is followed up.
    Priority { High = "HIGH", Medium = "MEDIUM", Low = "LOW" }
);

string_enum!(
    /// When the customer plans to buy.
    PurchaseTimeline {
        Within3Months = "WITHIN_3_MONTHS",
        Within6Months = "WITHIN_6_MONTHS",
        Within12Months = "WITHIN_12_MONTHS",
        Later = "LATER",
        Unknown = "UNKNOWN",
    }
);

impl PurchaseTimeline {
    /// The T of BANT: the purchase is planned within twelve months.
    pub fn is_met(self) -> bool {
        matches!(
            self,
            PurchaseTimeline::Within3Months | PurchaseTimeline::Within6Months | PurchaseTimeline::Within12Months
        )
    }
}

/// The four BANT facts an SDR confirms while qualifying a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bant {
    pub budget: bool,
    pub authority: bool,
    pub need: bool,
    pub timeline: PurchaseTimeline,
}

impl Bant {
    /// How many of the four criteria are met.
    pub fn met(&self) -> usize {
        [self.budget, self.authority, self.need, self.timeline.is_met()].into_iter().filter(|m| *m).count()
    }

    /// Four met -> HIGH, two or three -> MEDIUM, else LOW.
    pub fn priority(&self) -> Priority {
        match self.met() {
            4 => Priority::High,
            2 | 3 => Priority::Medium,
            _ => Priority::Low,
        }
    }
}

fn wrong_status(action: &str, status: LeadStatus, allowed: &[LeadStatus]) -> Violation {
    let allowed: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
    Violation::new(
        Rule::InvalidTransition,
        format!("a lead in status {} cannot be {action}; it must be {}", status.as_str(), allowed.join(" or ")),
    )
}

fn require_status(action: &str, status: LeadStatus, allowed: &[LeadStatus]) -> Vec<Violation> {
    if allowed.contains(&status) { vec![] } else { vec![wrong_status(action, status, allowed)] }
}

/// Recording the first contact moves NEW to CONTACTED; later contacts on an open lead are
/// logged without a status change.
pub fn contact(status: LeadStatus) -> Result<LeadStatus, Vec<Violation>> {
    match status {
        LeadStatus::New => Ok(LeadStatus::Contacted),
        LeadStatus::Contacted | LeadStatus::Qualified => Ok(status),
        _ => Err(require_status("contacted", status, &[LeadStatus::New, LeadStatus::Contacted, LeadStatus::Qualified])),
    }
}

/// Qualification happens after contact (or again, to correct a qualification).
pub fn qualify(status: LeadStatus) -> Result<LeadStatus, Vec<Violation>> {
    crate::violation::check(require_status("qualified", status, &[LeadStatus::Contacted, LeadStatus::Qualified]))
        .map(|()| LeadStatus::Qualified)
}

/// Any open lead may be disqualified, with a reason.
pub fn disqualify(status: LeadStatus) -> Result<LeadStatus, Vec<Violation>> {
    crate::violation::check(require_status(
        "disqualified",
        status,
        &[LeadStatus::New, LeadStatus::Contacted, LeadStatus::Qualified],
    ))
    .map(|()| LeadStatus::Disqualified)
}

/// Editing a lead's facts is allowed until it is converted or disqualified.
pub fn edit(status: LeadStatus) -> Result<(), Vec<Violation>> {
    crate::violation::check(require_status(
        "edited",
        status,
        &[LeadStatus::New, LeadStatus::Contacted, LeadStatus::Qualified],
    ))
}

/// The facts the conversion gates look at.
#[derive(Debug, Clone)]
pub struct ConversionFacts<'a> {
    pub status: LeadStatus,
    pub priority: Option<Priority>,
    /// The scope the caller's roles give `convertLead`: a team-wide converter (SALES_MANAGER
    /// among the built-in roles, or a custom role granted it at TEAM or wider) may convert a
    /// MEDIUM lead as an override.
    pub caller_scope: Option<crate::permission::Scope>,
    /// The roles of the account executive the opportunity goes to.
    pub assignee_roles: &'a [Role],
}

/// What a successful conversion needs to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversion {
    /// True when a SALES_MANAGER converted a MEDIUM lead; audited as an override.
    pub manager_override: bool,
}

/// The conversion gates in DESIGN.md's order: `LEAD_NOT_QUALIFIED`, then `ASSIGNEE_NOT_AE`.
/// All unmet gates are returned.
pub fn convert(facts: &ConversionFacts<'_>) -> Result<Conversion, Vec<Violation>> {
    let mut violations = Vec::new();
    use crate::permission::Scope;
    let is_manager = matches!(facts.caller_scope, Some(Scope::Team | Scope::Department | Scope::Org));
    let mut manager_override = false;
    match (facts.status, facts.priority) {
        (LeadStatus::Qualified, Some(Priority::High)) => {}
        (LeadStatus::Qualified, Some(Priority::Medium)) if is_manager => manager_override = true,
        (LeadStatus::Qualified, Some(p)) => violations.push(Violation::new(
            Rule::LeadNotQualified,
            format!(
                "the lead's priority is {}; only HIGH-priority leads convert{}",
                p.as_str(),
                if p == Priority::Medium { " (a sales manager may convert a MEDIUM lead)" } else { "" }
            ),
        )),
        (status, _) => violations.push(Violation::new(
            Rule::LeadNotQualified,
            format!("the lead is {}; it must be QUALIFIED before it converts", status.as_str()),
        )),
    }
    if let Err(v) = crate::assignment::Assignment::DealOwner.check(true, facts.assignee_roles) {
        violations.extend(v);
    }
    crate::violation::check(violations).map(|()| Conversion { manager_override })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bant_priority_for_every_combination() {
        for &timeline in PurchaseTimeline::ALL {
            for bits in 0..8u8 {
                let bant = Bant { budget: bits & 1 != 0, authority: bits & 2 != 0, need: bits & 4 != 0, timeline };
                let met = bits.count_ones() as usize + usize::from(timeline.is_met());
                let expected = match met {
                    4 => Priority::High,
                    2 | 3 => Priority::Medium,
                    _ => Priority::Low,
                };
                assert_eq!(bant.priority(), expected, "{bant:?}");
            }
        }
    }

    #[test]
    fn the_timeline_is_met_within_twelve_months_only() {
        let met: Vec<_> = PurchaseTimeline::ALL.iter().filter(|t| t.is_met()).collect();
        assert_eq!(
            met,
            [&PurchaseTimeline::Within3Months, &PurchaseTimeline::Within6Months, &PurchaseTimeline::Within12Months]
        );
    }

    #[test]
    fn conversion_gates_table() {
        use crate::permission::Scope;
        use LeadStatus::*;
        use Priority::*;
        let ae = [Role::AccountExecutive];
        let sdr_roles = [Role::Sdr];
        // The callers by the scope their roles give `convertLead`: an SDR's own, a manager's team.
        let (sdr, mgr) = (Some(Scope::Own), Some(Scope::Team));
        // (status, priority, caller, assignee, expected rules or Ok(override))
        type Row<'a> = (LeadStatus, Option<Priority>, Option<Scope>, &'a [Role], Result<bool, Vec<Rule>>);
        let table: Vec<Row> = vec![
            (Qualified, Some(High), sdr, &ae, Ok(false)),
            (Qualified, Some(High), mgr, &ae, Ok(false)),
            (Qualified, Some(Medium), mgr, &ae, Ok(true)),
            (Qualified, Some(Medium), sdr, &ae, Err(vec![Rule::LeadNotQualified])),
            (Qualified, Some(Low), mgr, &ae, Err(vec![Rule::LeadNotQualified])),
            (New, None, sdr, &ae, Err(vec![Rule::LeadNotQualified])),
            (Contacted, None, sdr, &ae, Err(vec![Rule::LeadNotQualified])),
            (Disqualified, Some(High), sdr, &ae, Err(vec![Rule::LeadNotQualified])),
            (Converted, Some(High), sdr, &ae, Err(vec![Rule::LeadNotQualified])),
            (Qualified, Some(High), sdr, &sdr_roles, Err(vec![Rule::AssigneeNotAe])),
            (New, None, sdr, &[], Err(vec![Rule::LeadNotQualified, Rule::AssigneeNotAe])),
        ];
        for (status, priority, caller, assignee, expected) in table {
            let got = convert(&ConversionFacts { status, priority, caller_scope: caller, assignee_roles: assignee })
                .map(|c| c.manager_override)
                .map_err(|v| v.iter().map(|v| v.rule).collect::<Vec<_>>());
            assert_eq!(got, expected, "{status:?} {priority:?} {caller:?} {assignee:?}");
        }
    }

    #[test]
    fn lead_transitions_table() {
        use LeadStatus::*;
        assert_eq!(contact(New), Ok(Contacted));
        assert_eq!(contact(Contacted), Ok(Contacted));
        assert!(contact(Converted).is_err());
        assert!(contact(Disqualified).is_err());
        assert_eq!(qualify(Contacted), Ok(Qualified));
        assert_eq!(qualify(Qualified), Ok(Qualified));
        assert!(qualify(New).is_err());
        assert!(qualify(Converted).is_err());
        assert_eq!(disqualify(New), Ok(Disqualified));
        assert_eq!(disqualify(Qualified), Ok(Disqualified));
        assert!(disqualify(Converted).is_err());
        assert!(disqualify(Disqualified).is_err());
        assert!(edit(Converted).is_err());
        assert!(edit(Contacted).is_ok());
        let err = qualify(New).err().unwrap_or_default();
        assert_eq!(err[0].rule, Rule::InvalidTransition);
    }
}
