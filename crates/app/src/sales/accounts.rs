//! Accounts outside a conversion: an account executive or a sales manager brings in the
//! companies they already work with (`importAccounts`). A conversion still creates or reuses its
//! own account in `leads`.

use crate::kernel::tx::Versioned;
use crate::{Actor, AppError, kernel::audit};
use baton_domain::Role;
use baton_domain::permission::{Action, Scope};
use baton_domain::text::{self, SHORT_TEXT_MAX};
use baton_store::entity::{account, user};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

/// Raw input of an account.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub name: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub company_size: Option<i32>,
    /// The e-mail address of the account executive who works it; by default the caller, when
    /// the caller is one.
    pub account_executive_email: Option<String>,
}

/// An account that passed parsing; its account executive is not yet checked.
#[derive(Debug, Clone)]
pub(crate) struct AccountDraft {
    name: String,
    pub(crate) domain: Option<String>,
    industry: Option<String>,
    company_size: Option<i32>,
    account_executive_email: Option<String>,
}

/// A company's domain as stored: lower case, without scheme, `www.`, path or port.
pub fn normalize_domain(s: &str) -> Result<String, AppError> {
    let s = s.trim().to_lowercase();
    let s = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).unwrap_or(&s);
    let s = s.strip_prefix("www.").unwrap_or(s);
    let host = s.split(['/', ':', '?', '#']).next().unwrap_or_default().trim_end_matches('.');
    let ok = host.len() <= SHORT_TEXT_MAX
        && host.contains('.')
        && host.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    if ok { Ok(host.to_owned()) } else { Err(AppError::bad_input("domain", "is not a domain name (example.com)")) }
}

/// Parses an account's input; the error names the field.
pub(crate) fn parse_new_account(input: NewAccount) -> Result<AccountDraft, AppError> {
    let domain = match input.domain.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(normalize_domain(d)?),
    };
    if input.company_size.is_some_and(|n| n < 1) {
        return Err(AppError::bad_input("companySize", "must be at least 1"));
    }
    Ok(AccountDraft {
        name: text::required_short(&input.name).map_err(AppError::text("name"))?,
        domain,
        industry: text::optional(input.industry.as_deref(), SHORT_TEXT_MAX).map_err(AppError::text("industry"))?,
        company_size: input.company_size,
        account_executive_email: input
            .account_executive_email
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty()),
    })
}

/// Who will work an account: the named account executive, who must be active and within the
/// caller's scope for `importAccounts` (an account executive names only themselves, a manager
/// their team), or by default the caller when they are an account executive.
async fn account_executive<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    email: Option<&str>,
) -> Result<Option<Uuid>, AppError> {
    let scope = actor.authorize(Action::ImportAccounts)?;
    let Some(email) = email else {
        return Ok(actor.user_id().filter(|_| actor.has(Role::AccountExecutive)));
    };
    let not_ae = || AppError::bad_input("accountExecutiveEmail", "is not an active account executive you may assign");
    let u = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(actor.org_id))
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?
        .ok_or_else(not_ae)?;
    let in_scope = scope == Scope::Org || actor.owners(scope).contains(Some(u.id));
    if !u.active || !in_scope || !crate::kernel::auth::roles_of(db, u.id).await?.contains(&Role::AccountExecutive) {
        return Err(not_ae());
    }
    Ok(Some(u.id))
}

/// Creates an account in the caller's transaction, audited as `createAccount`.
pub(crate) async fn insert_account<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    d: AccountDraft,
) -> Result<account::Model, AppError> {
    let ae = account_executive(db, actor, d.account_executive_email.as_deref()).await?;
    let now = Utc::now();
    let a = account::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(actor.org_id),
        name: Set(d.name),
        domain: Set(d.domain),
        industry: Set(d.industry),
        company_size: Set(d.company_size),
        account_executive_id: Set(ae),
        cs_owner_id: Set(None),
        tier: Set("STANDARD".into()),
        account_manager_id: Set(None),
        health_override: Set(None),
        health_override_reason: Set(None),
        churned_at: Set(None),
        churn_reason: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    audit::record(db, actor.org_id, actor, "createAccount", "account", a.id, None::<&()>, Some(&a)).await?;
    Ok(a)
}

/// Updates an existing account's facts (name, industry, size; the domain it was found by stays)
/// through its gate for `importAccounts`, audited as `updateAccount`.
pub(crate) async fn update_account_in<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    d: AccountDraft,
) -> Result<account::Model, AppError> {
    let before = crate::kernel::gate::account(db, actor, id, Action::ImportAccounts).await?;
    let mut am = before.clone().into_active_model();
    am.name = Set(d.name);
    if d.industry.is_some() {
        am.industry = Set(d.industry);
    }
    if d.company_size.is_some() {
        am.company_size = Set(d.company_size);
    }
    am.bump(before.version, Utc::now());
    let after = am.update(db).await?;
    audit::record(db, actor.org_id, actor, "updateAccount", "account", id, Some(&before), Some(&after)).await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_stored_bare_and_lower_case() {
        for (given, want) in [
            ("Acme.example", Some("acme.example")),
            ("https://www.acme.example/about", Some("acme.example")),
            ("acme.example:443", Some("acme.example")),
            ("not a domain", None),
            ("localhost", None),
        ] {
            assert_eq!(normalize_domain(given).ok().as_deref(), want, "{given}");
        }
    }
}
