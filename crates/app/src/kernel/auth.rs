//! Identity: argon2 password hashes, HS256 JWTs, API tokens, and turning a bearer credential
//! into an [`Actor`] whose roles are read from the database on every request.

use crate::AppError;
use crate::HeldRole;
use crate::kernel::actor::{Actor, Principal};
use anyhow::Context;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use baton_domain::Role;
use baton_domain::permission::{Action, Scope};
use baton_store::entity::{api_token, role_grant, team, team_member, user};
use baton_store::entity::{custom_role, custom_role_grant};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::QueryOrder;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use uuid::Uuid;

/// API tokens start with this prefix, which tells them apart from JWTs.
pub const API_TOKEN_PREFIX: &str = "baton_";

/// What an expired JWT is told.
pub const TOKEN_EXPIRED: &str = "the token has expired; log in again";
/// What a JWT whose subject is not a user of its organization is told.
pub const BAD_SUBJECT: &str = "the token does not name a user; log in again";

/// The HS256 key and the claims every token must carry.
#[derive(Clone)]
pub struct JwtKeys {
    inner: Arc<JwtInner>,
}

struct JwtInner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    lifetime: Duration,
}

/// The claims of a Baton JWT.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub org: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

impl JwtKeys {
    pub fn new(secret: &SecretString, issuer: &str, audience: &str, lifetime: Duration) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        // Only HS256 is accepted: `alg: none`, RS/HS confusion and every other algorithm fail.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        JwtKeys {
            inner: Arc::new(JwtInner {
                encoding: EncodingKey::from_secret(bytes),
                decoding: DecodingKey::from_secret(bytes),
                validation,
                issuer: issuer.to_owned(),
                audience: audience.to_owned(),
                lifetime,
            }),
        }
    }

    /// Issues a token for a user; returns it with its expiry.
    pub fn issue(&self, user_id: Uuid, org_id: Uuid) -> Result<(String, DateTime<Utc>), AppError> {
        let now = Utc::now();
        let exp = now + self.inner.lifetime;
        let claims = Claims {
            sub: user_id.to_string(),
            org: org_id.to_string(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: exp.timestamp(),
            iss: self.inner.issuer.clone(),
            aud: self.inner.audience.clone(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.inner.encoding)
            .context("signing a token")?;
        Ok((token, exp))
    }

    /// Verifies signature, algorithm, `exp`, `nbf`, `iss` and `aud`. The message says what is
    /// wrong in the client's terms, never the library's.
    pub fn verify(&self, token: &str) -> Result<Claims, AppError> {
        use jsonwebtoken::errors::ErrorKind as K;
        jsonwebtoken::decode::<Claims>(token, &self.inner.decoding, &self.inner.validation).map(|d| d.claims).map_err(
            |e| {
                let what = match e.kind() {
                    K::ExpiredSignature => return AppError::Unauthenticated(TOKEN_EXPIRED.into()),
                    K::ImmatureSignature => "the token is not valid yet",
                    K::InvalidSignature => "the token's signature does not match",
                    K::InvalidAlgorithm | K::InvalidAlgorithmName | K::MissingAlgorithm => {
                        "the token is not signed with HS256"
                    }
                    K::InvalidIssuer | K::InvalidAudience => "the token was issued for another service",
                    K::MissingRequiredClaim(_) | K::InvalidSubject => "the token lacks a required claim",
                    _ => "the token is malformed",
                };
                AppError::Unauthenticated(format!("{what}; log in again"))
            },
        )
    }
}

/// Hashes a password with argon2id and a fresh salt.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing a password: {e}")))
}

/// Checks a password against a stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// A hash of a random password, verified against when the e-mail is unknown so that wrong
/// e-mails and wrong passwords take the same time.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password(&Uuid::new_v4().to_string()).unwrap_or_default())
}

/// Checks e-mail and password; both failures give the same answer in the same time.
pub async fn check_credentials<C: ConnectionTrait>(
    db: &C,
    email: &str,
    password: &str,
) -> Result<user::Model, AppError> {
    // A malformed e-mail belongs to nobody; it gets the answer an unknown one gets.
    let found = match baton_domain::text::Email::parse(email) {
        Ok(e) => user::Entity::find().filter(user::Column::Email.eq(e.as_str())).one(db).await?,
        Err(_) => None,
    };
    let password = password.to_owned();
    let stored = found.as_ref().map(|u| u.password_hash.clone());
    // Argon2 is CPU-bound: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || match stored {
        Some(hash) => verify_password(&password, &hash),
        None => {
            verify_password(&password, decoy_hash());
            false
        }
    })
    .await
    .context("password check")?;
    match found {
        Some(u) if ok && u.active => Ok(u),
        _ => Err(AppError::Unauthenticated("wrong e-mail or password".into())),
    }
}

/// A new API token secret and the hash stored for it.
pub fn new_api_token_secret() -> (String, String) {
    let secret = format!("{API_TOKEN_PREFIX}{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    let hash = hash_api_token(&secret);
    (secret, hash)
}

/// API tokens are long random secrets, so a fast hash is enough to store them safely.
pub fn hash_api_token(secret: &str) -> String {
    baton_domain::chain::digest(secret)
}

/// Parses a comma-separated role list as stored.
pub fn parse_roles(s: &str) -> Vec<Role> {
    s.split(',').filter_map(|r| r.parse().ok()).collect()
}

/// The roles a user holds now.
pub async fn roles_of<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<Vec<Role>, AppError> {
    let grants = role_grant::Entity::find().filter(role_grant::Column::UserId.eq(user_id)).all(db).await?;
    let mut roles: Vec<Role> = grants.iter().filter_map(|g| g.role.parse().ok()).collect();
    roles.sort();
    Ok(roles)
}

/// The users of `org` who hold any of the built-in `roles`, as a query the caller narrows
/// (active users only, one user left out) or orders before running it; one statement.
///
/// Custom-role holders are not counted, by design: a custom role is a set of grants, not one of
/// these roles, and every caller asks for the people a role names (the ADMINs an organization
/// must keep and that hear of a paused webhook, the lawyers who answer a review clock, the
/// privacy officers, the SDRs of the round-robin, the learners of a release note, a
/// department's members). `ADMIN` cannot be granted through a custom role at all.
pub fn holders_of(org: Uuid, roles: &[Role]) -> Select<user::Entity> {
    let granted = role_grant::Entity::find()
        .select_only()
        .column(role_grant::Column::UserId)
        .filter(role_grant::Column::OrganizationId.eq(org))
        .filter(role_grant::Column::Role.is_in(roles.iter().map(|r| r.as_str())))
        .into_query();
    user::Entity::find().filter(user::Column::OrganizationId.eq(org)).filter(user::Column::Id.in_subquery(granted))
}

/// The caller plus the members of every team the caller manages or belongs to.
async fn team_user_ids<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<Vec<Uuid>, AppError> {
    let mut team_ids: BTreeSet<Uuid> = team::Entity::find()
        .filter(team::Column::ManagerId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    team_ids.extend(
        team_member::Entity::find()
            .filter(team_member::Column::UserId.eq(user_id))
            .all(db)
            .await?
            .into_iter()
            .map(|m| m.team_id),
    );
    let mut ids: BTreeSet<Uuid> = BTreeSet::from([user_id]);
    if !team_ids.is_empty() {
        ids.extend(
            team_member::Entity::find()
                .filter(team_member::Column::TeamId.is_in(team_ids.iter().copied()))
                .all(db)
                .await?
                .into_iter()
                .map(|m| m.user_id),
        );
    }
    Ok(ids.into_iter().collect())
}

/// Builds the actor for a user that is known to exist and be active.
pub async fn actor_for_user<C: ConnectionTrait>(db: &C, u: &user::Model) -> Result<Actor, AppError> {
    Ok(Actor {
        principal: Principal::User(u.id),
        org_id: u.organization_id,
        roles: roles_of(db, u.id).await?,
        custom_roles: vec![],
        grants: vec![],
        team_user_ids: team_user_ids(db, u.id).await?,
    }
    .with_custom_roles(crate::kernel::auth::held_by(db, u.organization_id, u.id).await?))
}

/// The actor behind an API token's hash, with the token's expiry; refused when unknown,
/// revoked or expired.
pub async fn actor_for_token_hash<C: ConnectionTrait>(
    db: &C,
    hash: &str,
) -> Result<(Actor, Option<DateTime<Utc>>), AppError> {
    let token = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash))
        .one(db)
        .await?
        .ok_or_else(|| AppError::Unauthenticated("unknown API token; ask an administrator for a new one".into()))?;
    if token.revoked_at.is_some() {
        return Err(AppError::Unauthenticated("the API token was revoked".into()));
    }
    if token.expires_at.is_some_and(|e| e <= Utc::now()) {
        return Err(AppError::Unauthenticated("the API token has expired".into()));
    }
    Ok((actor_for_token(db, &token).await?, token.expires_at))
}

/// The actor of an API token (known to exist): its built-in roles and the custom roles it holds.
pub async fn actor_for_token<C: ConnectionTrait>(db: &C, token: &api_token::Model) -> Result<Actor, AppError> {
    Ok(Actor {
        principal: Principal::ApiToken(token.id),
        org_id: token.organization_id,
        roles: parse_roles(&token.roles),
        custom_roles: vec![],
        grants: vec![],
        team_user_ids: vec![],
    }
    .with_custom_roles(crate::kernel::auth::held_by_token(db, token.organization_id, token.id).await?))
}

/// The actor of an active user of an organization.
pub async fn actor_for_user_id<C: ConnectionTrait>(db: &C, user_id: Uuid, org_id: Uuid) -> Result<Actor, AppError> {
    let u = user::Entity::find_by_id(user_id)
        .filter(user::Column::OrganizationId.eq(org_id))
        .one(db)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| AppError::Unauthenticated("the user is unknown or deactivated".into()))?;
    actor_for_user(db, &u).await
}

/// Turns a bearer credential (a JWT or an API token) into an actor, reading everything now.
/// Requests go through [`App::authenticate`](crate::App::authenticate), which caches this.
pub async fn authenticate<C: ConnectionTrait>(db: &C, keys: &JwtKeys, bearer: &str) -> Result<Actor, AppError> {
    if bearer.starts_with(API_TOKEN_PREFIX) {
        return actor_for_token_hash(db, &hash_api_token(bearer)).await.map(|(a, _)| a);
    }
    let claims = keys.verify(bearer)?;
    let (Ok(user_id), Ok(org_id)) = (Uuid::parse_str(&claims.sub), Uuid::parse_str(&claims.org)) else {
        return Err(AppError::Unauthenticated(BAD_SUBJECT.into()));
    };
    actor_for_user_id(db, user_id, org_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str, iss: &str, aud: &str) -> JwtKeys {
        JwtKeys::new(&SecretString::from(secret.to_owned()), iss, aud, Duration::hours(1))
    }

    #[test]
    fn a_token_verifies_only_with_its_secret_issuer_and_audience() {
        let k = keys("s3cret", "baton", "baton");
        let (t, _) = k.issue(Uuid::new_v4(), Uuid::new_v4()).unwrap();
        assert!(k.verify(&t).is_ok());
        assert!(keys("other", "baton", "baton").verify(&t).is_err());
        assert!(keys("s3cret", "other", "baton").verify(&t).is_err());
        assert!(keys("s3cret", "baton", "other").verify(&t).is_err());
        assert!(k.verify("not.a.jwt").is_err());
    }

    #[test]
    fn passwords_verify_against_their_hash_only() {
        let h = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn api_token_secrets_are_random_and_hashed() {
        let (a, ha) = new_api_token_secret();
        let (b, _) = new_api_token_secret();
        assert_ne!(a, b);
        assert!(a.starts_with(API_TOKEN_PREFIX));
        assert_eq!(hash_api_token(&a), ha);
        assert_eq!(ha.len(), 64);
    }
}

/// The custom roles (not retired) a user holds.
pub async fn held_by<C: ConnectionTrait>(db: &C, org: Uuid, user_id: Uuid) -> Result<Vec<HeldRole>, AppError> {
    let ids: Vec<Uuid> = custom_role_grant::Entity::find()
        .filter(custom_role_grant::Column::UserId.eq(user_id))
        .filter(custom_role_grant::Column::OrganizationId.eq(org))
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.role_id)
        .collect();
    held_roles(db, ids).await
}

/// The custom roles (not retired) an API token holds.
pub async fn held_by_token<C: ConnectionTrait>(db: &C, org: Uuid, token_id: Uuid) -> Result<Vec<HeldRole>, AppError> {
    let sql = "SELECT role_id FROM api_token_custom_roles WHERE token_id = $1 AND organization_id = $2";
    let rows = db.query_all_raw(crate::kernel::sql::statement(db, sql, vec![token_id.into(), org.into()])).await?;
    let ids = rows.iter().map(|r| r.try_get::<Uuid>("", "role_id")).collect::<Result<Vec<_>, _>>()?;
    held_roles(db, ids).await
}

async fn held_roles<C: ConnectionTrait>(db: &C, ids: Vec<Uuid>) -> Result<Vec<HeldRole>, AppError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let rows = custom_role::Entity::find()
        .filter(custom_role::Column::Id.is_in(ids))
        .filter(custom_role::Column::RetiredAt.is_null())
        .order_by_asc(custom_role::Column::Name)
        .all(db)
        .await?;
    rows.iter()
        .map(|m| {
            let (grants, readable_fields) = custom_grants(m)?;
            Ok(HeldRole { id: m.id, name: m.name.clone(), grants, readable_fields })
        })
        .collect()
}

/// The stored (and audited) form of a grant.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub(crate) struct StoredGrant {
    pub(crate) action: String,
    pub(crate) scope: String,
}

/// What a custom role row grants: an unknown action or scope is an error, never skipped.
pub(crate) fn custom_grants(m: &custom_role::Model) -> Result<CustomGrants, AppError> {
    let grants: Vec<StoredGrant> = serde_json::from_str(&m.grants)
        .map_err(|e| anyhow::anyhow!("custom role {} has unreadable grants: {e}", m.id))?;
    let grants = grants
        .into_iter()
        .map(|g| match (Action::from_name(&g.action), Scope::parse(&g.scope)) {
            (Some(a), Some(s)) => Ok((a, s)),
            _ => Err(anyhow::anyhow!("custom role {} grants unknown {}/{}", m.id, g.action, g.scope)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let readable_fields = serde_json::from_str(&m.readable_fields)
        .map_err(|e| anyhow::anyhow!("custom role {} has unreadable fields: {e}", m.id))?;
    Ok((grants, readable_fields))
}

/// A custom role's grants and the fields it reads, by type.
pub(crate) type CustomGrants =
    (Vec<(Action, Scope)>, std::collections::BTreeMap<String, std::collections::BTreeSet<String>>);
