//! Roles a user may hold, and the departments they belong to.

use std::fmt;
use std::str::FromStr;

/// A role granted to a user or an API token. A user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Sdr,
    AccountExecutive,
    SalesManager,
    Marketing,
    Product,
    CustomerSuccess,
    CsManager,
    Legal,
    PrivacyOfficer,
    Finance,
    Admin,
}

/// The six departments of the revenue team, plus administration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Department {
    Sales,
    Marketing,
    Product,
    CustomerSuccess,
    Legal,
    Finance,
    Administration,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::Sdr,
        Role::AccountExecutive,
        Role::SalesManager,
        Role::Marketing,
        Role::Product,
        Role::CustomerSuccess,
        Role::CsManager,
        Role::Legal,
        Role::PrivacyOfficer,
        Role::Finance,
        Role::Admin,
    ];

    /// The stable storage and API spelling (`ACCOUNT_EXECUTIVE`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Sdr => "SDR",
            Role::AccountExecutive => "ACCOUNT_EXECUTIVE",
            Role::SalesManager => "SALES_MANAGER",
            Role::Marketing => "MARKETING",
            Role::Product => "PRODUCT",
            Role::CustomerSuccess => "CUSTOMER_SUCCESS",
            Role::CsManager => "CS_MANAGER",
            Role::Legal => "LEGAL",
            Role::PrivacyOfficer => "PRIVACY_OFFICER",
            Role::Finance => "FINANCE",
            Role::Admin => "ADMIN",
        }
    }

    pub fn department(self) -> Department {
        match self {
            Role::Sdr | Role::AccountExecutive | Role::SalesManager => Department::Sales,
            Role::Marketing => Department::Marketing,
            Role::Product => Department::Product,
            Role::CustomerSuccess | Role::CsManager => Department::CustomerSuccess,
            Role::Legal | Role::PrivacyOfficer => Department::Legal,
            Role::Finance => Department::Finance,
            Role::Admin => Department::Administration,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| format!("unknown role `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("sdr".parse::<Role>().is_err());
    }
}
