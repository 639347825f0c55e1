//! Security end to end: forged and stale credentials, lock-out, malformed input, tenancy, row scope and query limits.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::*;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

const ME: &str = "{ me { id } }";
const CREATE: &str = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id version } }";
const LEAD: &str = "query($id: ID!) { lead(id: $id) { id companyName version } }";
const UPDATE: &str =
    "mutation($id: ID!, $p: UpdateLeadInput!) { updateLead(leadId: $id, input: $p) { id companyName version } }";
const SALES_LEADS: &str = "{ salesView { leads { totalCount edges { node { id } } } } }";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Base64url without padding, as JWTs use it.
fn b64url(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextets = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for s in &sextets[..chunk.len() + 1] {
            out.push(char::from(ABC[*s as usize]));
        }
    }
    out
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The claims Baton issues, valid for an hour.
fn claims(sub: &str, org: &str) -> Value {
    let n = now();
    json!({ "sub": sub, "org": org, "iat": n, "nbf": n, "exp": n + 3600, "iss": "baton", "aud": "baton" })
}

/// Signs `header.claims` with HMAC-SHA256 whatever the header says (for alg-confusion tokens).
fn sign_hs256(header: &Value, claims: &Value, secret: &str) -> String {
    let msg = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
    let sig =
        jsonwebtoken::crypto::sign(msg.as_bytes(), &EncodingKey::from_secret(secret.as_bytes()), Algorithm::HS256)
            .unwrap();
    format!("{msg}.{sig}")
}

/// An ordinary HS256 JWT over `claims`, signed with `secret`.
fn jwt(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// HS512 over the right secret: a valid signature with an algorithm Baton does not accept.
fn jwt_hs512(claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS512),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

/// The caller's user id and organization id.
async fn ids_of(t: &TestApp, token: &str) -> (String, String) {
    let r = t.gql(Some(token), "{ me { id } orgSettings { organizationId } }", json!({})).await;
    let user = r["data"]["me"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let org = r["data"]["orgSettings"]["organizationId"].as_str().unwrap().to_owned();
    (user, org)
}

/// Asserts that `{ me { id } }` with this bearer is refused as UNAUTHENTICATED.
async fn assert_unauthenticated(t: &TestApp, token: &str, what: &str) {
    let r = t.gql(Some(token), ME, json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{what}: {r}");
    assert!(r["data"]["me"].is_null(), "{what}: no data leaks: {r}");
}

fn lead_input(company: &str) -> Value {
    json!({ "companyName": company, "contactName": "Ann Buyer", "contactEmail": "ann@acme.example", "source": "SEO", "companySize": 120 })
}

/// Creates a lead as `token` and returns its id.
async fn new_lead(t: &TestApp, token: &str, company: &str) -> String {
    let r = t.gql(Some(token), CREATE, json!({ "i": lead_input(company) })).await;
    r["data"]["createLead"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
}

/// A lead's version, read by a caller who may see it.
async fn version_of(t: &TestApp, token: &str, id: &str) -> i64 {
    let r = t.gql(Some(token), LEAD, json!({ "id": id })).await;
    r["data"]["lead"]["version"].as_i64().unwrap_or_else(|| panic!("{r}"))
}

/// Posts a raw body to /graphql and returns the status and the body text.
async fn post_raw(t: &TestApp, token: Option<&str>, accept: Option<&str>, body: String) -> (u16, String) {
    let mut req = t.http.post(format!("{}/graphql", t.base)).header("content-type", "application/json").body(body);
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

/// A selection on a `User` that is `levels` fields deep, the leaf `id` included:
/// `team { members { team { … { id } } } } }`.
fn user_selection(levels: usize) -> String {
    let open: String = (0..levels - 1).map(|i| if i % 2 == 0 { "team { " } else { "members { " }).collect();
    format!("{open}id{}", " }".repeat(levels - 1))
}

/// A query exactly `depth` fields deep: `me` plus a user selection.
fn query_of_depth(depth: usize) -> String {
    format!("{{ me {{ {} }} }}", user_selection(depth - 1))
}

/// A `createLead` mutation whose selection is exactly `depth` fields deep.
fn create_lead_of_depth(depth: usize) -> String {
    format!(
        "mutation($i: CreateLeadInput!) {{ createLead(input: $i) {{ id owner {{ {} }} }} }}",
        user_selection(depth - 2)
    )
}

// ---------------------------------------------------------------------------------------------
// 1. Credentials
// ---------------------------------------------------------------------------------------------

both!(forged_expired_and_misaddressed_tokens_are_unauthenticated, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let (sub, org) = ids_of(&t, &sdr).await;

    // Control: a token this file signs the way Baton does is accepted, so each refusal below is
    // due to the one thing that was changed.
    let good = jwt(&claims(&sub, &org), SECRET);
    let r = t.gql(Some(&good), ME, json!({})).await;
    assert_eq!(r["data"]["me"]["id"], sub.as_str(), "a well-formed self-signed token works: {r}");
    let r = t
        .gql(Some(&sign_hs256(&json!({ "alg": "HS256", "typ": "JWT" }), &claims(&sub, &org), SECRET)), ME, json!({}))
        .await;
    assert_eq!(r["data"]["me"]["id"], sub.as_str(), "the hand-built HS256 token works: {r}");

    let with = |patch: Value| {
        let mut c = claims(&sub, &org);
        for (k, v) in patch.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let n = now();
    let expired = jwt(&with(json!({ "iat": n - 7200, "nbf": n - 7200, "exp": n - 3600 })), SECRET);
    let not_yet = jwt(&with(json!({ "nbf": n + 3600, "exp": n + 7200 })), SECRET);
    let other_secret = jwt(&claims(&sub, &org), "another-secret-of-sufficient-length-0123456789");
    let wrong_iss = jwt(&with(json!({ "iss": "evil" })), SECRET);
    let wrong_aud = jwt(&with(json!({ "aud": "someone-else" })), SECRET);
    let no_exp = {
        let mut c = claims(&sub, &org);
        c.as_object_mut().unwrap().remove("exp");
        jwt(&c, SECRET)
    };
    let none_header = b64url(br#"{"alg":"none","typ":"JWT"}"#);
    let body = b64url(claims(&sub, &org).to_string().as_bytes());
    let alg_none = format!("{none_header}.{body}.");
    let alg_none_signed = sign_hs256(&json!({ "alg": "none", "typ": "JWT" }), &claims(&sub, &org), SECRET);
    let rs256 = sign_hs256(&json!({ "alg": "RS256", "typ": "JWT" }), &claims(&sub, &org), SECRET);
    let hs512 = jwt_hs512(&claims(&sub, &org));
    let garbage_header = format!("!!!not-base64!!!.{body}.{}", good.rsplit('.').next().unwrap());
    let header_not_json = {
        let h = b64url(b"this is not json");
        let msg = format!("{h}.{body}");
        let sig =
            jsonwebtoken::crypto::sign(msg.as_bytes(), &EncodingKey::from_secret(SECRET.as_bytes()), Algorithm::HS256)
                .unwrap();
        format!("{msg}.{sig}")
    };
    let tampered = {
        // Keep the SDR's signature, swap in the admin's subject.
        let parts: Vec<&str> = good.split('.').collect();
        let admin = t.login("admin@demo.test").await;
        let (admin_id, _) = ids_of(&t, &admin).await;
        format!("{}.{}.{}", parts[0], b64url(claims(&admin_id, &org).to_string().as_bytes()), parts[2])
    };
    let bad_subject = jwt(&with(json!({ "sub": "not-a-uuid" })), SECRET);
    let unknown_user = jwt(&with(json!({ "sub": uuid::Uuid::new_v4().to_string() })), SECRET);

    for (what, token) in [
        ("expired", expired.as_str()),
        ("not yet valid", not_yet.as_str()),
        ("signed with another secret", other_secret.as_str()),
        ("wrong issuer", wrong_iss.as_str()),
        ("wrong audience", wrong_aud.as_str()),
        ("without exp", no_exp.as_str()),
        ("alg none, no signature", alg_none.as_str()),
        ("alg none, with an HMAC signature", alg_none_signed.as_str()),
        ("RS256 header over an HMAC signature", rs256.as_str()),
        ("HS512 with the right secret", hs512.as_str()),
        ("garbage header", garbage_header.as_str()),
        ("header not JSON", header_not_json.as_str()),
        ("payload swapped under a valid signature", tampered.as_str()),
        ("subject not a UUID", bad_subject.as_str()),
        ("subject unknown", unknown_user.as_str()),
        ("not a JWT at all", "hello"),
        ("unknown API token", "baton_00000000000000000000000000000000"),
    ] {
        assert_unauthenticated(&t, token, what).await;
    }

    // A real token of a user the admin deactivates afterwards.
    let ae = t.login("ae@demo.test").await;
    assert!(t.gql(Some(&ae), ME, json!({})).await["data"]["me"]["id"].is_string());
    let admin = t.login("admin@demo.test").await;
    let ae_id = t.user_id(&admin, "ae@demo.test").await;
    let r =
        t.gql(Some(&admin), "mutation($u: ID!) { deactivateUser(userId: $u) { active } }", json!({ "u": ae_id })).await;
    assert_eq!(r["data"]["deactivateUser"]["active"], false, "{r}");
    assert_unauthenticated(&t, &ae, "deactivated user").await;
    t.stop().await;
});

both!(a_request_without_a_credential_is_unauthenticated_and_writes_nothing, |engine| async move {
    let t = spawn_app(engine).await;
    let r = t.gql(None, ME, json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    assert!(r["data"]["me"].is_null());

    let (leads, audit) = (t.count("leads").await, t.count("audit_log").await);
    let r = t.gql(None, CREATE, json!({ "i": lead_input("Anon Inc") })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    assert!(r["data"]["createLead"].is_null());

    // A credential in another scheme, or an empty bearer, is refused the same way.
    for header in ["Basic c2RyQGRlbW8udGVzdDpkZW1v", "Bearer ", "Token abc"] {
        let resp = t
            .http
            .post(format!("{}/graphql", t.base))
            .header("authorization", header)
            .json(&json!({ "query": CREATE, "variables": { "i": lead_input("Scheme Inc") } }))
            .send()
            .await
            .unwrap();
        let r: Value = resp.json().await.unwrap();
        assert_eq!(code(&r), "UNAUTHENTICATED", "{header:?}: {r}");
    }
    assert_eq!(t.count("leads").await, leads);
    assert_eq!(t.count("audit_log").await, audit);
    t.stop().await;
});

both!(wrong_passwords_and_unknown_emails_get_the_same_answer, |engine| async move {
    let t = spawn_app(engine).await;
    let q = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
    let wrong_pw = t.gql(None, q, json!({ "e": "sdr@demo.test", "p": "not-demo" })).await;
    let unknown = t.gql(None, q, json!({ "e": "nobody@demo.test", "p": "demo" })).await;
    assert_eq!(code(&wrong_pw), "UNAUTHENTICATED", "{wrong_pw}");
    assert_eq!(code(&unknown), "UNAUTHENTICATED", "{unknown}");
    assert_eq!(wrong_pw["errors"][0]["message"], unknown["errors"][0]["message"], "no account enumeration");
    assert_eq!(wrong_pw["errors"][0]["extensions"], unknown["errors"][0]["extensions"]);
    assert!(wrong_pw["data"].is_null() || wrong_pw["data"]["login"].is_null());
    let msg = wrong_pw["errors"][0]["message"].as_str().unwrap();
    assert!(
        !msg.to_lowercase().contains("unknown") && !msg.contains("nobody"),
        "the message names neither cause: {msg}"
    );

    // A deactivated user with the right password gets the same answer too.
    let admin = t.login("admin@demo.test").await;
    let cs_id = t.user_id(&admin, "cs@demo.test").await;
    t.gql(Some(&admin), "mutation($u: ID!) { deactivateUser(userId: $u) { id } }", json!({ "u": cs_id })).await;
    let deactivated = t.gql(None, q, json!({ "e": "cs@demo.test", "p": "demo" })).await;
    assert_eq!(deactivated["errors"][0]["message"], wrong_pw["errors"][0]["message"], "{deactivated}");
    assert_eq!(code(&deactivated), "UNAUTHENTICATED");
    // The right password of an active user still works.
    assert!(t.login_with("sdr@demo.test", "demo").await.is_some());
    t.stop().await;
});

// ---------------------------------------------------------------------------------------------
// 2. Malformed input
// ---------------------------------------------------------------------------------------------

both!(malformed_lead_input_is_refused_with_its_field_and_writes_nothing, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let (leads, audit) = (t.count("leads").await, t.count("audit_log").await);

    let base = || lead_input("Acme Retail");
    let with = |k: &str, v: Value| {
        let mut i = base();
        i[k] = v;
        i
    };
    for (input, field) in [
        (with("companyName", json!("   \t ")), "companyName"),
        (with("companyName", json!("")), "companyName"),
        (with("contactName", json!("n".repeat(201))), "contactName"),
        (with("contactEmail", json!("ann@@acme")), "contactEmail"),
        (with("contactEmail", json!("not an e-mail")), "contactEmail"),
        (with("contactEmail", json!(format!("{}@acme.example", "a".repeat(250)))), "contactEmail"),
        (with("companySize", json!(-5)), "companySize"),
        (with("companySize", json!(0)), "companySize"),
        (with("painPoints", json!("p".repeat(10_001))), "painPoints"),
        (with("industry", json!("i".repeat(201))), "industry"),
    ] {
        let r = t.gql(Some(&sdr), CREATE, json!({ "i": input })).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{field}: {r}");
        assert_eq!(r["errors"][0]["extensions"]["field"], field, "{r}");
        assert!(r["data"]["createLead"].is_null());
    }

    // An unknown enum value in a variable fails GraphQL validation before any resolver runs.
    let r = t.gql(Some(&sdr), CREATE, json!({ "i": with("source", json!("CARRIER_PIGEON")) })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert!(r.get("data").is_none_or(Value::is_null), "a request error carries no data: {r}");
    // A wrong type for companySize is also a validation error.
    let r = t.gql(Some(&sdr), CREATE, json!({ "i": with("companySize", json!("lots")) })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");

    assert_eq!(t.count("leads").await, leads, "no refused input created a lead");
    assert_eq!(t.count("audit_log").await, audit, "no refused input was audited");

    // The limits are not off by one: exactly 200 characters and a size of 1 are accepted.
    let ok = t.gql(Some(&sdr), CREATE, json!({ "i": with("contactName", json!("n".repeat(200))) })).await;
    assert!(ok["data"]["createLead"]["id"].is_string(), "{ok}");
    let ok = t.gql(Some(&sdr), CREATE, json!({ "i": with("companySize", json!(1)) })).await;
    assert!(ok["data"]["createLead"]["id"].is_string(), "{ok}");
    assert_eq!(t.count("leads").await, leads + 2);
    t.stop().await;
});

both!(malformed_ids_are_bad_user_input_naming_the_argument, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let id = new_lead(&t, &sdr, "Acme Retail").await;
    let (leads, audit) = (t.count("leads").await, t.count("audit_log").await);

    let r = t.gql(Some(&sdr), LEAD, json!({ "id": "not-a-uuid" })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "id", "{r}");
    assert!(r["data"]["lead"].is_null());

    let r = t.gql(Some(&sdr), UPDATE, json!({ "id": "x", "p": { "companyName": "Hijack" } })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "leadId", "{r}");

    let r = t.gql(Some(&sdr), "{ lead(id: \"'; DROP TABLE leads; --\") { id } }", json!({})).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "id", "{r}");

    // A well-formed id that does not exist is NOT_FOUND, not a bad input.
    let r = t.gql(Some(&sdr), LEAD, json!({ "id": uuid::Uuid::new_v4().to_string() })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");

    // A bad patch on a real lead names its field and leaves the lead as it was.
    let before = version_of(&t, &sdr, &id).await;
    let r = t.gql(Some(&sdr), UPDATE, json!({ "id": id, "p": { "contactEmail": "nope" } })).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "contactEmail", "{r}");

    assert_eq!(t.count("leads").await, leads);
    assert_eq!(t.count("audit_log").await, audit);
    assert_eq!(version_of(&t, &sdr, &id).await, before);
    let r = t.gql(Some(&sdr), LEAD, json!({ "id": id })).await;
    assert_eq!(r["data"]["lead"]["companyName"], "Acme Retail");
    t.stop().await;
});

// ---------------------------------------------------------------------------------------------
// 3. Tenancy
// ---------------------------------------------------------------------------------------------

/// Creates "Other Co" with its administrator and returns the administrator's token.
async fn other_org_admin(t: &TestApp) -> String {
    t.app().create_org("Other Co", "boss@other.test", "password123").await.unwrap();
    t.login_with("boss@other.test", "password123").await.expect("the other org's admin logs in")
}

both!(another_organization_sees_none_of_the_demo_data, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let id = new_lead(&t, &sdr, "Acme Retail").await;
    let demo_admin = t.login("admin@demo.test").await;
    let r = t.gql(Some(&demo_admin), SALES_LEADS, json!({})).await;
    assert_eq!(r["data"]["salesView"]["leads"]["totalCount"], 1, "the demo org has a lead: {r}");

    let boss = other_org_admin(&t).await;
    let r = t.gql(Some(&boss), SALES_LEADS, json!({})).await;
    assert_eq!(r["data"]["salesView"]["leads"]["totalCount"], 0, "{r}");
    assert_eq!(r["data"]["salesView"]["leads"]["edges"], json!([]));

    let r = t.gql(Some(&boss), LEAD, json!({ "id": id })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    assert!(r["data"]["lead"].is_null());

    let r = t.gql(Some(&boss), "{ marketingView { leadsBySource { source count } } }", json!({})).await;
    let total: i64 = r["data"]["marketingView"]["leadsBySource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["count"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 0, "lead counts are per organization: {r}");

    let r = t.gql(Some(&boss), "{ users { email } teams { id } }", json!({})).await;
    assert_eq!(r["data"]["users"], json!([{ "email": "boss@other.test" }]), "{r}");
    assert_eq!(r["data"]["teams"], json!([]));
    t.stop().await;
});

both!(another_organizations_sdr_cannot_touch_a_demo_lead, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let id = new_lead(&t, &sdr, "Acme Retail").await;
    let boss = other_org_admin(&t).await;

    let r = t
        .gql(
            Some(&boss),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id roles } }",
            json!({ "i": { "name": "Olly Other", "email": "sdr@other.test", "password": "password123", "roles": ["SDR"] } }),
        )
        .await;
    assert_eq!(r["data"]["createUser"]["roles"], json!(["SDR"]), "{r}");
    let other_sdr = t.login_with("sdr@other.test", "password123").await.unwrap();

    let before = version_of(&t, &sdr, &id).await;
    let (leads, audit) = (t.count("leads").await, t.count("audit_log").await);
    let r = t.gql(Some(&other_sdr), UPDATE, json!({ "id": id, "p": { "companyName": "Hijacked" } })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    for m in ["recordLeadContact(leadId: $id) { id }", "disqualifyLead(leadId: $id, reason: \"spam\") { id }"] {
        let r = t.gql(Some(&other_sdr), &format!("mutation($id: ID!) {{ {m} }}"), json!({ "id": id })).await;
        assert_eq!(code(&r), "NOT_FOUND", "{m}: {r}");
    }
    let r = t.gql(Some(&other_sdr), LEAD, json!({ "id": id })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let r = t
        .gql(
            Some(&other_sdr),
            "query($id: ID!) { blockers(entityId: $id, action: \"updateLead\") }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&r), "NOT_FOUND", "blockers does not reveal a foreign lead: {r}");

    assert_eq!(version_of(&t, &sdr, &id).await, before, "the demo lead is unchanged");
    let r = t.gql(Some(&sdr), LEAD, json!({ "id": id })).await;
    assert_eq!(r["data"]["lead"]["companyName"], "Acme Retail");
    assert_eq!(t.count("leads").await, leads);
    assert_eq!(t.count("audit_log").await, audit);

    // The other org's SDR works in its own organization, invisibly to the demo org.
    let own = new_lead(&t, &other_sdr, "Other Prospect").await;
    let r = t.gql(Some(&sdr), LEAD, json!({ "id": own })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let demo_admin = t.login("admin@demo.test").await;
    let r = t.gql(Some(&demo_admin), SALES_LEADS, json!({})).await;
    assert_eq!(r["data"]["salesView"]["leads"]["totalCount"], 1, "{r}");
    t.stop().await;
});

both!(another_organizations_admin_cannot_administer_demo_users, |engine| async move {
    let t = spawn_app(engine).await;
    let demo_admin = t.login("admin@demo.test").await;
    let sdr_id = t.user_id(&demo_admin, "sdr@demo.test").await;
    let demo_team = t.gql(Some(&demo_admin), "{ teams { id } }", json!({})).await["data"]["teams"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = t
        .gql(
            Some(&demo_admin),
            "mutation { createApiToken(name: \"crm\", roles: [MARKETING]) { apiToken { id } secret } }",
            json!({}),
        )
        .await;
    let demo_token_id =
        r["data"]["createApiToken"]["apiToken"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let demo_secret = r["data"]["createApiToken"]["secret"].as_str().unwrap().to_owned();
    let boss = other_org_admin(&t).await;
    let (audit, users, grants) = (t.count("audit_log").await, t.count("users").await, t.count("role_grants").await);

    let r =
        t.gql(Some(&boss), "mutation($id: ID!) { revokeApiToken(tokenId: $id) }", json!({ "id": demo_token_id })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let r = t.gql(Some(&boss), "{ apiTokens { id } }", json!({})).await;
    assert_eq!(r["data"]["apiTokens"], json!([]), "{r}");
    let r = t.gql(Some(&demo_secret), "{ marketingView { campaigns { id } } }", json!({})).await;
    assert!(r["errors"].is_null(), "the demo org's API token still works: {r}");

    let r = t.gql(Some(&boss), "mutation($u: ID!) { deactivateUser(userId: $u) { id } }", json!({ "u": sdr_id })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let r = t
        .gql(
            Some(&boss),
            "mutation($u: ID!) { setUserRoles(userId: $u, roles: [ADMIN]) { id } }",
            json!({ "u": sdr_id }),
        )
        .await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let r = t
        .gql(
            Some(&boss),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({ "i": { "name": "Mole", "email": "mole@other.test", "password": "password123", "roles": ["SDR"], "teamId": demo_team } }),
        )
        .await;
    assert_eq!(code(&r), "NOT_FOUND", "a user cannot be placed in another org's team: {r}");

    assert_eq!(t.count("audit_log").await, audit);
    assert_eq!(t.count("users").await, users);
    assert_eq!(t.count("role_grants").await, grants);
    let sdr = t.login("sdr@demo.test").await;
    let r = t.gql(Some(&sdr), "{ me { active roles version } }", json!({})).await;
    assert_eq!(r["data"]["me"], json!({ "active": true, "roles": ["SDR"], "version": 1 }), "{r}");
    t.stop().await;
});

both!(a_token_naming_another_organization_is_unauthenticated, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let (sdr_id, demo_org) = ids_of(&t, &sdr).await;
    let boss = other_org_admin(&t).await;
    let (boss_id, other_org) = ids_of(&t, &boss).await;
    assert_ne!(demo_org, other_org);
    // Correctly signed, but the subject does not belong to the claimed organization.
    assert_unauthenticated(&t, &jwt(&claims(&boss_id, &demo_org), SECRET), "other org's admin claiming the demo org")
        .await;
    assert_unauthenticated(&t, &jwt(&claims(&sdr_id, &other_org), SECRET), "demo SDR claiming the other org").await;
    t.stop().await;
});

// ---------------------------------------------------------------------------------------------
// 4. Lock-out
// ---------------------------------------------------------------------------------------------

both!(a_deactivated_users_token_stops_working_at_once, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let r = t.gql(Some(&sdr), ME, json!({})).await;
    assert!(r["data"]["me"]["id"].is_string(), "{r}");

    let admin = t.login("admin@demo.test").await;
    let sdr_id = t.user_id(&admin, "sdr@demo.test").await;
    let r = t
        .gql(Some(&admin), "mutation($u: ID!) { deactivateUser(userId: $u) { active } }", json!({ "u": sdr_id }))
        .await;
    assert_eq!(r["data"]["deactivateUser"]["active"], false, "{r}");

    assert_unauthenticated(&t, &sdr, "deactivated SDR").await;
    let (leads, audit) = (t.count("leads").await, t.count("audit_log").await);
    let r = t.gql(Some(&sdr), CREATE, json!({ "i": lead_input("Ghost Co") })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    assert_eq!(t.count("leads").await, leads);
    assert_eq!(t.count("audit_log").await, audit);
    assert!(t.login_with("sdr@demo.test", "demo").await.is_none(), "a deactivated user cannot log in");
    t.stop().await;
});

both!(a_role_change_applies_to_existing_tokens_at_once, |engine| async move {
    let t = spawn_app(engine).await;
    let ae = t.login("ae@demo.test").await;
    let r = t.gql(Some(&ae), SALES_LEADS, json!({})).await;
    assert!(r["data"]["salesView"]["leads"]["totalCount"].is_number(), "the AE sees the sales view: {r}");
    let r = t.gql(Some(&ae), "{ productView { featureRequests { totalCount } } }", json!({})).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");

    let admin = t.login("admin@demo.test").await;
    let ae_id = t.user_id(&admin, "ae@demo.test").await;
    let r = t
        .gql(
            Some(&admin),
            "mutation($u: ID!) { setUserRoles(userId: $u, roles: [PRODUCT]) { roles } }",
            json!({ "u": ae_id }),
        )
        .await;
    assert_eq!(r["data"]["setUserRoles"]["roles"], json!(["PRODUCT"]), "{r}");

    let r = t.gql(Some(&ae), SALES_LEADS, json!({})).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    assert!(!r["errors"][0]["extensions"]["reasons"].as_array().unwrap().is_empty(), "{r}");
    assert!(r["data"]["salesView"].is_null());
    let r = t.gql(Some(&ae), "{ productView { featureRequests { totalCount } } }", json!({})).await;
    assert_eq!(r["data"]["productView"]["featureRequests"]["totalCount"], 0, "{r}");
    assert!(r["errors"].is_null(), "{r}");
    t.stop().await;
});

both!(an_api_token_acts_with_its_roles_until_revoked, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    new_lead(&t, &sdr, "Acme Retail").await;
    let admin = t.login("admin@demo.test").await;
    let r = t
        .gql(
            Some(&admin),
            "mutation { createApiToken(name: \"Zapier\", roles: [MARKETING]) { apiToken { id roles } secret } }",
            json!({}),
        )
        .await;
    let token_id = r["data"]["createApiToken"]["apiToken"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let secret = r["data"]["createApiToken"]["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("baton_"));

    let q = "{ marketingView { leadsBySource { source count } } }";
    let r = t.gql(Some(&secret), q, json!({})).await;
    let seo = r["data"]["marketingView"]["leadsBySource"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .find(|s| s["source"] == "SEO")
        .unwrap()
        .clone();
    assert_eq!(seo["count"], 1, "{r}");
    // Only its roles: not the sales view, and it is no user.
    let r = t.gql(Some(&secret), SALES_LEADS, json!({})).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = t
        .gql(
            Some(&secret),
            "mutation($u: ID!) { deactivateUser(userId: $u) { id } }",
            json!({ "u": t.user_id(&admin, "sdr@demo.test").await }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    // A near miss of the secret is refused.
    let mut wrong = secret.clone();
    wrong.pop();
    wrong.push(if secret.ends_with('0') { '1' } else { '0' });
    assert_unauthenticated(&t, &wrong, "altered API token secret").await;

    let r = t.gql(Some(&admin), "mutation($id: ID!) { revokeApiToken(tokenId: $id) }", json!({ "id": token_id })).await;
    assert_eq!(r["data"]["revokeApiToken"], true, "{r}");
    let r = t.gql(Some(&secret), q, json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    assert!(r["data"]["marketingView"].is_null());
    t.stop().await;
});

both!(an_expired_api_token_is_unauthenticated, |engine| async move {
    let t = spawn_app(engine).await;
    let admin = t.login("admin@demo.test").await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339();
    let r = t
        .gql(
            Some(&admin),
            "mutation($e: DateTime!) { createApiToken(name: \"short\", roles: [MARKETING], expiresAt: $e) { secret } }",
            json!({ "e": soon }),
        )
        .await;
    let secret = r["data"]["createApiToken"]["secret"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let q = "{ marketingView { campaigns { id } } }";
    assert_eq!(t.gql(Some(&secret), q, json!({})).await["data"]["marketingView"]["campaigns"], json!([]));
    tokio::time::sleep(std::time::Duration::from_millis(4000)).await;
    let r = t.gql(Some(&secret), q, json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    t.stop().await;
});

both!(only_an_admin_administers_and_a_refusal_changes_nothing, |engine| async move {
    let t = spawn_app(engine).await;
    let admin = t.login("admin@demo.test").await;
    let ae_id = t.user_id(&admin, "ae@demo.test").await;
    let audit = t.count("audit_log").await;
    for who in ["sdr@demo.test", "salesmanager@demo.test", "marketing@demo.test", "finance@demo.test"] {
        let tok = t.login(who).await;
        let r =
            t.gql(Some(&tok), "mutation($u: ID!) { deactivateUser(userId: $u) { id } }", json!({ "u": ae_id })).await;
        assert_eq!(code(&r), "FORBIDDEN", "{who}: {r}");
        let r = t
            .gql(
                Some(&tok),
                "mutation($u: ID!) { setUserRoles(userId: $u, roles: [ADMIN]) { id } }",
                json!({ "u": ae_id }),
            )
            .await;
        assert_eq!(code(&r), "FORBIDDEN", "{who}: {r}");
        let r =
            t.gql(Some(&tok), "mutation { createApiToken(name: \"x\", roles: [ADMIN]) { secret } }", json!({})).await;
        assert_eq!(code(&r), "FORBIDDEN", "{who}: {r}");
    }
    // Nobody raised their own roles either.
    let sdr = t.login("sdr@demo.test").await;
    let sdr_id = t.user_id(&sdr, "sdr@demo.test").await;
    let r = t
        .gql(
            Some(&sdr),
            "mutation($u: ID!) { setUserRoles(userId: $u, roles: [ADMIN]) { id } }",
            json!({ "u": sdr_id }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");

    assert_eq!(t.count("audit_log").await, audit);
    assert_eq!(t.count("api_tokens").await, 0);
    let ae = t.login("ae@demo.test").await;
    let r = t.gql(Some(&ae), "{ me { active roles version } }", json!({})).await;
    assert_eq!(r["data"]["me"], json!({ "active": true, "roles": ["ACCOUNT_EXECUTIVE"], "version": 1 }), "{r}");
    let r = t.gql(Some(&sdr), "{ me { roles } }", json!({})).await;
    assert_eq!(r["data"]["me"]["roles"], json!(["SDR"]));
    t.stop().await;
});

// ---------------------------------------------------------------------------------------------
// 5. Query limits
// ---------------------------------------------------------------------------------------------

both!(an_over_deep_query_is_refused_without_data, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;

    // Depth 15 is the limit and passes, so the refusal below is the limit and not the shape.
    let r = t.gql(Some(&sdr), &query_of_depth(15), json!({})).await;
    assert!(r["errors"].is_null(), "a query 15 deep passes: {r}");
    assert!(r["data"]["me"]["team"]["members"].is_array(), "{r}");

    for depth in [16, 25] {
        let r = t.gql(Some(&sdr), &query_of_depth(depth), json!({})).await;
        assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "depth {depth}: {r}");
        assert!(r.get("data").is_none_or(Value::is_null), "no data for a refused query: {r}");
        assert!(r["errors"][0]["message"].as_str().unwrap().to_lowercase().contains("deep"), "{r}");
        assert_eq!(r["errors"][0]["extensions"]["depth"], depth, "{r}");
        assert_eq!(r["errors"][0]["extensions"]["limit"], 15, "{r}");
    }

    // Fragments do not hide depth: 16 levels (me, 14 team/members, id) spread over named fragments.
    let frags = "query { me { ...U1 } }
        fragment U1 on User { team { ...T1 } } fragment T1 on Team { members { ...U2 } }
        fragment U2 on User { team { ...T2 } } fragment T2 on Team { members { ...U3 } }
        fragment U3 on User { team { ...T3 } } fragment T3 on Team { members { ...U4 } }
        fragment U4 on User { team { members { team { members { team { members { team { members { id } } } } } } } } }";
    let r = t.gql(Some(&sdr), frags, json!({})).await;
    assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "{r}");
    assert!(r.get("data").is_none_or(Value::is_null), "{r}");

    // With the GraphQL-over-HTTP media type a request error is a 400.
    let body = json!({ "query": query_of_depth(16) }).to_string();
    let (status, text) = post_raw(&t, Some(&sdr), Some("application/graphql-response+json"), body).await;
    assert_eq!(status, 400, "{text}");
    t.stop().await;
});

both!(an_over_deep_mutation_is_refused_before_it_runs, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let (leads, audit) = (t.count("leads").await, t.count("audit_log").await);
    for depth in [16, 30] {
        let r = t.gql(Some(&sdr), &create_lead_of_depth(depth), json!({ "i": lead_input("Deep Co") })).await;
        assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "depth {depth}: {r}");
        assert!(r.get("data").is_none_or(Value::is_null), "{r}");
    }
    assert_eq!(t.count("leads").await, leads, "the mutation never ran");
    assert_eq!(t.count("audit_log").await, audit);

    // The same mutation at the limit runs (the refusal was the depth).
    let r = t.gql(Some(&sdr), &create_lead_of_depth(15), json!({ "i": lead_input("Shallow Co") })).await;
    assert!(r["data"]["createLead"]["id"].is_string(), "{r}");
    assert_eq!(t.count("leads").await, leads + 1);
    t.stop().await;
});

/// Every list of every department view as a frontend would ask for it at its largest page:
/// each leaf field of the row and each linked object's leaf fields, built from introspection so
/// that a field added later is covered too.
async fn every_view_list_at_its_largest_page(t: &TestApp, token: &str) -> Vec<(String, String)> {
    let q = "{ __schema { types { name kind fields { name args { type { kind } } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }";
    let r = t.gql(Some(token), q, json!({})).await;
    let types = r["data"]["__schema"]["types"].as_array().unwrap().clone();
    let by_name = |n: &str| types.iter().find(|t| t["name"] == n).cloned().unwrap_or(Value::Null);
    let base = |ty: &Value| {
        let mut at = ty.clone();
        while at["ofType"].is_object() {
            at = at["ofType"].clone();
        }
        (at["kind"].as_str().unwrap_or("").to_owned(), at["name"].as_str().unwrap_or("").to_owned())
    };
    // Fields that need no argument.
    let plain = |t: &Value| -> Vec<Value> {
        t["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|f| f["args"].as_array().unwrap().iter().all(|a| a["type"]["kind"] != "NON_NULL"))
            .collect()
    };
    let leaves = |t: &Value| -> Vec<String> {
        plain(t)
            .iter()
            .filter(|f| matches!(base(&f["type"]).0.as_str(), "SCALAR" | "ENUM"))
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut out = Vec::new();
    for view in types.iter().filter(|t| t["name"].as_str().is_some_and(|n| n.ends_with("View"))) {
        let view_name = view["name"].as_str().unwrap();
        let root = format!("{}{}", view_name[..1].to_lowercase(), &view_name[1..]);
        for list in plain(view).iter().filter(|f| base(&f["type"]).1.ends_with("Connection")) {
            let node = by_name(&base(&f_type(&by_name(&base(&list["type"]).1), "edges")).1);
            let node = by_name(&base(&f_type(&node, "node")).1);
            let mut sel = leaves(&node);
            for link in plain(&node).iter().filter(|f| base(&f["type"]).0 == "OBJECT") {
                let linked = by_name(&base(&link["type"]).1);
                let inner = leaves(&linked);
                if !inner.is_empty() && !base(&link["type"]).1.ends_with("Connection") {
                    sel.push(format!("{} {{ {} }}", link["name"].as_str().unwrap(), inner.join(" ")));
                }
            }
            let name = format!("{root}.{}", list["name"].as_str().unwrap());
            let query = format!(
                "{{ {root} {{ {}(first: 100) {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {} }} }} }} }} }}",
                list["name"].as_str().unwrap(),
                sel.join(" ")
            );
            out.push((name, query));
        }
    }
    out
}

fn f_type(t: &Value, field: &str) -> Value {
    t["fields"].as_array().unwrap().iter().find(|f| f["name"] == field).unwrap()["type"].clone()
}

both!(
    every_view_at_its_largest_page_is_within_the_cost_limit_and_a_costlier_query_is_told_its_cost,
    |engine| async move {
        let t = spawn_app(engine).await;
        let admin = t.login("admin@demo.test").await;
        let lists = every_view_list_at_its_largest_page(&t, &admin).await;
        assert!(lists.len() >= 8, "the views' lists were found: {lists:?}");
        for (name, query) in &lists {
            let r = t.gql(Some(&admin), query, json!({})).await;
            let refused = r["errors"].as_array().into_iter().flatten().find(|e| {
                matches!(e["extensions"]["code"].as_str(), Some("GRAPHQL_VALIDATION_FAILED" | "GRAPHQL_PARSE_FAILED"))
            });
            assert!(refused.is_none(), "{name} at 100 rows with its links is admitted: {r}");
        }

        // Aliases do not dodge the limit: copies of a 100-row page add up. Each costs
        // 1 + 100 × (edges 1 + node 1 + id 1) = 301, so 66 copies (19,866 plus the view) pass
        // and 67 (20,167) are refused.
        let copies = |n: usize| -> String {
            let c: String =
                (0..n).map(|i| format!("a{i}: leads(first: 100) {{ edges {{ node {{ id }} }} }} ")).collect();
            format!("{{ salesView {{ {c} }} }}")
        };
        let r = t.gql(Some(&admin), &copies(66), json!({})).await;
        assert!(r["errors"].is_null(), "{r}");
        let r = t.gql(Some(&admin), &copies(67), json!({})).await;
        assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "{r}");
        assert!(r.get("data").is_none_or(Value::is_null), "{r}");
        let e = &r["errors"][0];
        assert_eq!(e["extensions"]["limit"], 20_000, "{r}");
        let cost = e["extensions"]["cost"].as_u64().unwrap();
        assert!(cost > 20_000, "{r}");
        let message = e["message"].as_str().unwrap();
        assert!(
            message.contains(&cost.to_string()) && message.contains("20000"),
            "the refusal states cost and limit: {r}"
        );

        // A page above 100 is refused by name even when its cost is within the limit: a value.
        let r = t.gql(Some(&admin), "{ salesView { leads(first: 101) { totalCount } } }", json!({})).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
        assert_eq!(r["errors"][0]["extensions"]["field"], "first", "{r}");
        t.stop().await;
    }
);

both!(parse_and_validation_errors_have_their_own_codes_and_bad_values_stay_bad_user_input, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let leads = t.count("leads").await;
    for (query, want) in [
        ("{ me { id ", "GRAPHQL_PARSE_FAILED"),
        ("mutation { createLead(input: { companyName: }) { id } }", "GRAPHQL_PARSE_FAILED"),
        ("{ me { noSuchField } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ me }", "GRAPHQL_VALIDATION_FAILED"),
        ("query($x: Int) { me { id } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ lead(id: 5, id: 6) { id } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ salesView { leads(first: \"ten\") { totalCount } } }", "BAD_USER_INPUT"),
        ("mutation { createLead(input: { companyName: \"X\", source: CARRIER_PIGEON }) { id } }", "BAD_USER_INPUT"),
    ] {
        let r = t.gql(Some(&sdr), query, json!({})).await;
        assert_eq!(code(&r), want, "{query}: {r}");
        assert!(r.get("data").is_none_or(Value::is_null), "{query}: {r}");
        // The GraphQL-over-HTTP media type answers every one of them with 400.
        let body = json!({ "query": query }).to_string();
        let (status, text) = post_raw(&t, Some(&sdr), Some("application/graphql-response+json"), body).await;
        assert_eq!(status, 400, "{query}: {text}");
    }
    // Two operations without a name to pick one: the document, not a value.
    let r = t.gql(Some(&sdr), "query A { me { id } } query B { me { id } }", json!({})).await;
    assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "{r}");
    assert_eq!(t.count("leads").await, leads, "nothing ran");
    t.stop().await;
});

both!(a_batch_above_ten_operations_is_refused_whole, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let (leads, audit) = (t.count("leads").await, t.count("audit_log").await);
    let op = |i: usize| json!({ "query": CREATE, "variables": { "i": lead_input(&format!("Batch {i}")) } });

    let eleven: Vec<Value> = (0..11).map(op).collect();
    let (status, body) = post_raw(&t, Some(&sdr), None, Value::Array(eleven).to_string()).await;
    assert_eq!(status, 400, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(1), "exactly one error: {v}");
    assert!(v.get("data").is_none(), "{v}");
    assert_eq!(t.count("leads").await, leads, "no operation of the refused batch ran");
    assert_eq!(t.count("audit_log").await, audit);

    // Ten is allowed, and each runs.
    let ten: Vec<Value> = (0..10).map(op).collect();
    let (status, body) = post_raw(&t, Some(&sdr), None, Value::Array(ten).to_string()).await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(10), "{v}");
    assert!(v.as_array().unwrap().iter().all(|r| r["data"]["createLead"]["id"].is_string()), "{v}");
    assert_eq!(t.count("leads").await, leads + 10);
    t.stop().await;
});

both!(a_body_over_one_mebibyte_is_refused_with_413, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let (leads, audit) = (t.count("leads").await, t.count("audit_log").await);
    let body = |pad: usize| {
        json!({ "query": CREATE, "variables": { "i": lead_input("Big Co"), "pad": "x".repeat(pad) } }).to_string()
    };
    let big = body(1024 * 1024);
    assert!(big.len() > 1024 * 1024);
    let (status, text) = post_raw(&t, Some(&sdr), None, big).await;
    assert_eq!(status, 413, "{text}");
    assert_eq!(t.count("leads").await, leads);
    assert_eq!(t.count("audit_log").await, audit);

    // Just under the limit is accepted.
    let under = body(1024 * 1024 - 2048);
    assert!(under.len() < 1024 * 1024);
    let (status, text) = post_raw(&t, Some(&sdr), None, under).await;
    assert_eq!(status, 200, "{}", &text[..text.len().min(500)]);
    assert_eq!(t.count("leads").await, leads + 1);
    t.stop().await;
});

// ---------------------------------------------------------------------------------------------
// 6. Row scope
// ---------------------------------------------------------------------------------------------

both!(a_lead_is_visible_only_within_its_row_scope, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let id = new_lead(&t, &sdr, "Acme Retail").await;
    let sees = |r: &Value| r["data"]["lead"]["id"] == id.as_str();

    let ae = t.login("ae@demo.test").await;
    let r = t.gql(Some(&ae), LEAD, json!({ "id": id })).await;
    assert_eq!(code(&r), "NOT_FOUND", "another rep's lead does not exist for the AE: {r}");
    let r = t.gql(Some(&ae), SALES_LEADS, json!({})).await;
    assert_eq!(r["data"]["salesView"]["leads"]["totalCount"], 0, "{r}");

    for who in ["salesmanager@demo.test", "marketing@demo.test", "admin@demo.test"] {
        let tok = t.login(who).await;
        let r = t.gql(Some(&tok), LEAD, json!({ "id": id })).await;
        assert!(sees(&r), "{who} sees the lead: {r}");
    }
    let mgr = t.login("salesmanager@demo.test").await;
    let r = t.gql(Some(&mgr), SALES_LEADS, json!({})).await;
    assert_eq!(r["data"]["salesView"]["leads"]["totalCount"], 1, "the manager sees the team's lead: {r}");

    for who in ["product@demo.test", "cs@demo.test", "legal@demo.test", "finance@demo.test"] {
        let tok = t.login(who).await;
        let r = t.gql(Some(&tok), LEAD, json!({ "id": id })).await;
        assert_eq!(code(&r), "NOT_FOUND", "{who}: {r}");
    }

    // Out-of-scope writes change nothing.
    let before = version_of(&t, &sdr, &id).await;
    let audit = t.count("audit_log").await;
    let r = t.gql(Some(&ae), UPDATE, json!({ "id": id, "p": { "companyName": "Mine now" } })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let marketing = t.login("marketing@demo.test").await;
    let r = t.gql(Some(&marketing), UPDATE, json!({ "id": id, "p": { "companyName": "Rebranded" } })).await;
    assert_eq!(code(&r), "FORBIDDEN", "marketing reads leads but may not edit them: {r}");
    assert_eq!(version_of(&t, &sdr, &id).await, before);
    assert_eq!(t.count("audit_log").await, audit);
    t.stop().await;
});

both!(product_is_forbidden_the_sales_view_with_reasons, |engine| async move {
    let t = spawn_app(engine).await;
    let product = t.login("product@demo.test").await;
    let r = t.gql(Some(&product), SALES_LEADS, json!({})).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let reasons = r["errors"][0]["extensions"]["reasons"].as_array().unwrap_or_else(|| panic!("{r}"));
    assert!(!reasons.is_empty(), "{r}");
    assert!(r["data"]["salesView"].is_null());
    // The same caller gets its own view.
    let r = t.gql(Some(&product), "{ productView { featureRequests { totalCount } } }", json!({})).await;
    assert_eq!(r["data"]["productView"]["featureRequests"]["totalCount"], 0, "{r}");
    // And cannot create leads either.
    let leads = t.count("leads").await;
    let r = t.gql(Some(&product), CREATE, json!({ "i": lead_input("Not mine") })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    assert_eq!(t.count("leads").await, leads);
    t.stop().await;
});

both!(the_last_admin_cannot_lock_the_organization_out, |engine| async move {
    let t = spawn_app(engine).await;
    let admin = t.login("admin@demo.test").await;
    let admin_id = t.user_id(&admin, "admin@demo.test").await;
    let (audit, grants) = (t.count("audit_log").await, t.count("role_grants").await);

    let r =
        t.gql(Some(&admin), "mutation($u: ID!) { deactivateUser(userId: $u) { id } }", json!({ "u": admin_id })).await;
    assert_eq!(code(&r), "RULE_VIOLATION", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["rule"], "LAST_ADMIN", "{r}");
    let r = t
        .gql(
            Some(&admin),
            "mutation($u: ID!) { setUserRoles(userId: $u, roles: [SDR]) { id } }",
            json!({ "u": admin_id }),
        )
        .await;
    assert_eq!(code(&r), "RULE_VIOLATION", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["rule"], "LAST_ADMIN", "{r}");

    assert_eq!(t.count("audit_log").await, audit);
    assert_eq!(t.count("role_grants").await, grants);
    let r = t.gql(Some(&admin), "{ me { active roles version } }", json!({})).await;
    assert_eq!(r["data"]["me"], json!({ "active": true, "roles": ["ADMIN"], "version": 1 }), "{r}");
    t.stop().await;
});

both!(a_mutation_sent_with_get_is_refused_and_writes_nothing, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let (leads, audit) = (t.count("leads").await, t.count("audit_log").await);
    let get = |params: &[(&str, &str)]| {
        let qs: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", percent(v))).collect();
        t.http.get(format!("{}/graphql?{}", t.base, qs.join("&"))).bearer_auth(&sdr).send()
    };
    let vars = json!({ "i": lead_input("Via GET") }).to_string();
    let resp = get(&[("query", CREATE), ("variables", &vars)]).await.unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(resp.headers().get("allow").and_then(|v| v.to_str().ok()), Some("POST"));
    // Naming the mutation as the operation does not slip past the check.
    let named = "query Q { me { id } } mutation M($i: CreateLeadInput!) { createLead(input: $i) { id } }";
    let vars = json!({ "i": lead_input("Named") }).to_string();
    let resp = get(&[("query", named), ("operationName", "M"), ("variables", &vars)]).await.unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(t.count("leads").await, leads);
    assert_eq!(t.count("audit_log").await, audit);

    // A query over GET works.
    let resp = get(&[("query", ME)]).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let r: Value = resp.json().await.unwrap();
    assert!(r["data"]["me"]["id"].is_string(), "{r}");
    t.stop().await;
});

/// Percent-encodes a query-string value.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Opens a `graphql-transport-ws` connection, sends `connection_init` with the bearer, and
/// returns the socket and the server's first answer: `"ack"` or `"closed"`.
async fn ws_init(
    t: &TestApp,
    token: &str,
) -> (tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>, &'static str) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = t.ws.as_str().into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::text(init.to_string())).await.unwrap();
    let first = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
        .await
        .expect("the server answers connection_init");
    let answer = match first {
        Some(Ok(Message::Text(text))) => {
            let v: Value = serde_json::from_str(text.as_str()).unwrap();
            if v["type"] == "connection_ack" { "ack" } else { panic!("unexpected answer {v}") }
        }
        Some(Ok(Message::Close(_))) | None | Some(Err(_)) => "closed",
        Some(Ok(other)) => panic!("unexpected message {other:?}"),
    };
    (ws, answer)
}

both!(a_websocket_needs_a_valid_token_at_connection_init, |engine| async move {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let t = spawn_app(engine).await;
    let legal = t.login("legal@demo.test").await;
    let (_, answer) = ws_init(&t, &legal).await;
    assert_eq!(answer, "ack", "a valid token is acknowledged");

    let (sub, org) = ids_of(&t, &legal).await;
    for (what, token) in [
        ("forged", jwt(&claims(&sub, &org), "another-secret-of-sufficient-length-0123456789")),
        (
            "alg none",
            format!("{}.{}.", b64url(br#"{"alg":"none"}"#), b64url(claims(&sub, &org).to_string().as_bytes())),
        ),
        ("garbage", "garbage".to_owned()),
    ] {
        let (_, answer) = ws_init(&t, &token).await;
        assert_eq!(answer, "closed", "{what} token is refused at connection_init");
    }

    // A deactivated user's token no longer opens a socket.
    let admin = t.login("admin@demo.test").await;
    let legal_id = t.user_id(&admin, "legal@demo.test").await;
    t.gql(Some(&admin), "mutation($u: ID!) { deactivateUser(userId: $u) { id } }", json!({ "u": legal_id })).await;
    let (_, answer) = ws_init(&t, &legal).await;
    assert_eq!(answer, "closed", "a deactivated user's token is refused");

    // An acknowledged SDR still cannot subscribe to the legal queue.
    let sdr = t.login("sdr@demo.test").await;
    let (mut ws, answer) = ws_init(&t, &sdr).await;
    assert_eq!(answer, "ack");
    let sub =
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { legalQueueChanged { id } }" } });
    ws.send(Message::text(sub.to_string())).await.unwrap();
    let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next()).await.unwrap().unwrap().unwrap();
    let v: Value = serde_json::from_str(msg.to_text().unwrap()).unwrap();
    let payload = if v["type"] == "error" { json!({ "errors": v["payload"] }) } else { v["payload"].clone() };
    assert_eq!(code(&payload), "FORBIDDEN", "{v}");
    t.stop().await;
});

both!(quotes_and_sql_in_text_are_stored_verbatim, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let leads = t.count("leads").await;
    let evil = "Robert'); DROP TABLE leads; -- \" OR 1=1";
    let r = t.gql(Some(&sdr), CREATE, json!({ "i": lead_input(evil) })).await;
    let id = r["data"]["createLead"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let r = t.gql(Some(&sdr), LEAD, json!({ "id": id })).await;
    assert_eq!(r["data"]["lead"]["companyName"], evil, "{r}");
    assert_eq!(t.count("leads").await, leads + 1, "the table is intact and holds exactly one more row");
    t.stop().await;
});

both!(a_nul_character_in_text_input_is_bad_user_input_on_both_engines, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let (leads, audit) = (t.count("leads").await, t.count("audit_log").await);
    for (field, value) in
        [("companyName", "Nul\u{0}Co"), ("contactName", "Ann\u{0}"), ("painPoints", "slow\u{0}checkout")]
    {
        let mut i = lead_input("Acme Retail");
        i[field] = json!(value);
        let r = t.gql(Some(&sdr), CREATE, json!({ "i": i })).await;
        assert_eq!(
            code(&r),
            "BAD_USER_INPUT",
            "{field} with a NUL must be malformed input, not stored nor INTERNAL: {r}"
        );
        assert_eq!(r["errors"][0]["extensions"]["field"], field, "{r}");
    }
    assert_eq!(t.count("leads").await, leads);
    assert_eq!(t.count("audit_log").await, audit);
    t.stop().await;
});

both!(a_login_email_with_a_nul_character_gets_the_wrong_credentials_answer, |engine| async move {
    let t = spawn_app(engine).await;
    let q = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
    let wrong = t.gql(None, q, json!({ "e": "sdr@demo.test", "p": "wrong" })).await;
    let nul = t.gql(None, q, json!({ "e": "sdr\u{0}@demo.test", "p": "demo" })).await;
    assert_eq!(code(&nul), "UNAUTHENTICATED", "{nul}");
    assert_eq!(nul["errors"][0]["message"], wrong["errors"][0]["message"], "{nul}");
    t.stop().await;
});

// ---------------------------------------------------------------------------------------------
// Login throttling, production mode, and errors a client can act on
// ---------------------------------------------------------------------------------------------

const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";

/// Posts a login to `base` and returns the status, the `Retry-After` header and the body.
async fn login_at(t: &TestApp, base: &str, email: &str, password: &str) -> (u16, Option<String>, Value) {
    let body = json!({ "query": LOGIN, "variables": { "e": email, "p": password } });
    let resp = t.http.post(format!("{base}/graphql")).json(&body).send().await.unwrap();
    let status = resp.status().as_u16();
    let retry = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (status, retry, resp.json().await.unwrap())
}

both!(failed_logins_back_off_per_account_and_a_request_gets_one_login, |engine| async move {
    let t = spawn_app(engine).await;
    let base = t.base.clone();
    // Five failures are free and answered as usual.
    for i in 0..6 {
        let (status, _, r) = login_at(&t, &base, "marketing@demo.test", "wrong").await;
        assert_eq!((status, code(&r)), (200, "UNAUTHENTICATED"), "attempt {i}: {r}");
    }
    // Then the account is blocked, even for the right password, with a time to wait.
    let (status, retry, r) = login_at(&t, &base, "marketing@demo.test", "demo").await;
    assert_eq!((status, code(&r)), (429, "RATE_LIMITED"), "{r}");
    let wait = r["errors"][0]["extensions"]["retryAfter"].as_u64().unwrap();
    assert!(wait >= 1, "{r}");
    assert_eq!(retry.as_deref(), Some(wait.to_string().as_str()), "Retry-After matches retryAfter");
    // Another account from the same client is not blocked by it.
    assert!(t.login_with("sdr@demo.test", "demo").await.is_some());
    // After the wait the right password works, and the count starts over.
    tokio::time::sleep(std::time::Duration::from_secs(wait + 1)).await;
    let (status, _, r) = login_at(&t, &base, "marketing@demo.test", "demo").await;
    assert_eq!(status, 200, "{r}");
    assert!(r["data"]["login"]["token"].is_string(), "{r}");
    let (_, _, r) = login_at(&t, &base, "marketing@demo.test", "wrong").await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "a success clears the account's failures: {r}");

    // A hundred aliased logins in one request try one password, not a hundred.
    let aliased: String = (0..100)
        .map(|i| format!("a{i}: login(email: \"cs@demo.test\", password: \"guess{i}\") {{ token }} "))
        .collect();
    let r = t.gql(None, &format!("mutation {{ {aliased} }}"), json!({})).await;
    let errors = r["errors"].as_array().unwrap();
    assert_eq!(errors.iter().filter(|e| e["extensions"]["code"] == "UNAUTHENTICATED").count(), 1, "{r}");
    assert_eq!(errors.iter().filter(|e| e["extensions"]["code"] == "BAD_REQUEST").count(), 99, "{r}");
    // And a batch is one request: its second login is refused.
    let op = |p: &str| json!({ "query": LOGIN, "variables": { "e": "cs@demo.test", "p": p } });
    let (status, body) = post_raw(&t, None, None, json!([op("guess"), op("demo")]).to_string()).await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(code(&v[0]), "UNAUTHENTICATED", "{v}");
    assert_eq!(code(&v[1]), "BAD_REQUEST", "{v}");
    assert!(v[1]["data"]["login"].is_null(), "{v}");
    t.stop().await;
});

/// Two instances on one PostgreSQL count the same failures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_throttling_holds_across_instances() {
    let t = spawn_app(Engine::Postgres).await;
    let (second_base, _, second) = t.second_instance().await;
    let bases = [t.base.clone(), second_base];
    for i in 0..6 {
        let (_, _, r) = login_at(&t, &bases[i % 2], "finance@demo.test", "wrong").await;
        assert_eq!(code(&r), "UNAUTHENTICATED", "attempt {i}: {r}");
    }
    for base in &bases {
        let (status, retry, r) = login_at(&t, base, "finance@demo.test", "demo").await;
        assert_eq!((status, code(&r)), (429, "RATE_LIMITED"), "{base}: {r}");
        assert!(retry.is_some());
    }
    second.stop().await;
    t.stop().await;
}

both!(production_sends_no_suggestions_and_no_graphiql, |engine| async move {
    let t = spawn_app_with(engine, |c| {
        c.env = baton_server::config::RunEnv::Production;
        c.introspection = false;
        c.graphiql = false;
    })
    .await;
    let sdr = t.login("sdr@demo.test").await;
    let r = t.gql(Some(&sdr), "{ salesVeiw { leads { totalCount } } }", json!({})).await;
    let msg = r["errors"][0]["message"].as_str().unwrap();
    assert!(!msg.contains("Did you mean"), "{msg}");
    // A browser asking for a page gets no GraphiQL (nothing it accepts), a client a clear 400.
    let resp = t.http.get(format!("{}/graphql", t.base)).header("accept", "text/html").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 406);
    assert!(!resp.text().await.unwrap().to_lowercase().contains("graphiql"));
    let resp = t.http.get(format!("{}/graphql", t.base)).header("accept", "application/json").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body = resp.text().await.unwrap();
    assert!(!body.to_lowercase().contains("graphiql"), "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(code(&v), "BAD_REQUEST", "{v}");
    t.stop().await;

    // Development keeps both.
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let r = t.gql(Some(&sdr), "{ salesVeiw { leads { totalCount } } }", json!({})).await;
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("Did you mean"), "{r}");
    t.stop().await;
});

both!(malformed_requests_are_bad_request_with_a_plain_reason, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let (leads, audit) = (t.count("leads").await, t.count("audit_log").await);
    let cases: Vec<(String, &str)> = vec![
        ("[]".into(), "empty"),
        ("{}".into(), "no `query`"),
        (json!({ "query": 5 }).to_string(), "`query` must be a string"),
        (json!({ "query": CREATE, "variables": "{\"i\": {}}" }).to_string(), "`variables` must be a JSON object"),
        ("".into(), "empty"),
        ("{\"query\": ".into(), "not valid JSON"),
        (json!([{ "query": ME }, 7]).to_string(), "JSON object"),
    ];
    for (body, says) in cases {
        let (status, text) = post_raw(&t, Some(&sdr), Some("application/graphql-response+json"), body.clone()).await;
        assert_eq!(status, 400, "{body}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON for {body}: {text}"));
        assert_eq!(code(&v), "BAD_REQUEST", "{body}: {v}");
        let msg = v["errors"][0]["message"].as_str().unwrap();
        assert!(msg.contains(says), "{body}: {msg}");
        assert!(!msg.contains("invalid type:"), "no parser dump: {msg}");
    }
    // The body limit is answered in JSON with a code too.
    let big = json!({ "query": ME, "variables": { "pad": "x".repeat(1024 * 1024) } }).to_string();
    let (status, text) = post_raw(&t, Some(&sdr), None, big).await;
    assert_eq!(status, 413);
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON: {text}"));
    assert_eq!(code(&v), "BAD_REQUEST", "{v}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("limit"), "{v}");
    assert_eq!((t.count("leads").await, t.count("audit_log").await), (leads, audit));
    t.stop().await;
});

both!(a_malformed_token_says_what_to_do_without_library_internals, |engine| async move {
    let t = spawn_app(engine).await;
    for token in ["abc.def.ghi", "not-a-jwt", "eyJhbGciOiJIUzI1NiJ9.e30.x"] {
        let r = t.gql(Some(token), ME, json!({})).await;
        assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
        let msg = r["errors"][0]["message"].as_str().unwrap();
        assert!(msg.contains("log in again"), "{msg}");
        assert!(!msg.contains("Base64") && !msg.contains("Json"), "{msg}");
    }
    t.stop().await;
});

/// The database going away is UNAVAILABLE with 503 and Retry-After within seconds, never
/// UNAUTHENTICATED; readiness says so within a second. (A SQLite file cannot go away.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_unavailable_and_quick() {
    use sea_orm::ConnectionTrait;
    let t = spawn_app(Engine::Postgres).await;
    let token = t.login("sdr@demo.test").await;
    let name = t.database_url.rsplit('/').next().unwrap().to_owned();
    let admin_url = std::env::var("BATON_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let admin = sea_orm::Database::connect(admin_url.as_str()).await.unwrap();
    admin.execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).await.unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(6)).await; // past the principal cache

    let started = std::time::Instant::now();
    let body = json!({ "query": SALES_LEADS });
    let resp = t.http.post(format!("{}/graphql", t.base)).bearer_auth(&token).json(&body).send().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(resp.status().as_u16(), 503);
    assert!(resp.headers().get("retry-after").is_some());
    let v: Value = resp.json().await.unwrap();
    assert_eq!(code(&v), "UNAVAILABLE", "{v}");
    assert!(elapsed < std::time::Duration::from_secs(8), "answered after {elapsed:?}");
    let started = std::time::Instant::now();
    let ready = t.http.get(format!("{}/readyz", t.base)).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 503);
    assert!(started.elapsed() < std::time::Duration::from_secs(3));

    admin.execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).await.unwrap();
    admin.close().await.ok();
    // Once the database is back, the same session works again.
    let mut back = false;
    for _ in 0..20 {
        let r = t.gql(Some(&token), SALES_LEADS, json!({})).await;
        if r["errors"].is_null() {
            back = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(back, "the session survives the outage");
    t.stop().await;
}

both!(malformed_amounts_percentages_and_dates_are_bad_user_input_not_internal, |engine| async move {
    let t = spawn_app(engine).await;
    let d = baton_tests::flow::converted(&t).await;
    let (audit, opp) = (t.count("audit_log").await, t.count("opportunities").await);
    let money = "mutation($id: ID!, $a: Decimal!) { updateOpportunity(opportunityId: $id, input: { estimatedValue: { amount: $a, currency: \"USD\" } }) { version } }";
    let money_json = "mutation($id: ID!, $m: MoneyInput!) { updateOpportunity(opportunityId: $id, input: { estimatedValue: $m }) { version } }";
    let cases = [
        (money_json, json!({ "id": d.opportunity, "m": { "amount": 100, "currency": "USD" } }), "amount"),
        (money, json!({ "id": d.opportunity, "a": "abc" }), "amount"),
        (money, json!({ "id": d.opportunity, "a": "1e400" }), "amount"),
        (money, json!({ "id": d.opportunity, "a": "123456789012345678901234567890" }), "amount"),
        (
            "mutation($id: ID!) { updateOpportunity(opportunityId: $id, input: { estimatedValue: { amount: 5, currency: \"USD\" } }) { version } }",
            json!({ "id": d.opportunity }),
            "amount",
        ),
        (
            "mutation($id: ID!, $p: ID!) { createQuote(opportunityId: $id, input: { lines: [{ productId: $p, quantity: 1 }], discountPercent: 5 }) { id } }",
            json!({ "id": d.opportunity, "p": d.opportunity }),
            "discountPercent",
        ),
        (
            "mutation($id: ID!, $c: DateTime) { updateOpportunity(opportunityId: $id, input: { expectedCloseDate: $c }) { version } }",
            json!({ "id": d.opportunity, "c": "2026-13-45T99:00:00Z" }),
            "",
        ),
    ];
    for (q, vars, field) in cases {
        let r = t.gql(Some(&d.ae), q, vars.clone()).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{vars}: {r}");
        let got = r["errors"][0]["extensions"]["field"].as_str().unwrap_or_default();
        assert!(!got.is_empty(), "a field is named: {r}");
        if !field.is_empty() {
            assert_eq!(got, field, "{vars}: {r}");
        }
        assert!(r["errors"][0]["extensions"]["requestId"].is_null(), "not an internal error: {r}");
    }
    assert_eq!((t.count("audit_log").await, t.count("opportunities").await), (audit, opp), "nothing changed");
    t.stop().await;
});
