//! Roles as data: custom roles, grants, field rules and `explainAccess`, over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::*;
use serde_json::{Value, json};

const CREATE_ROLE: &str = "mutation($i: RoleInput!) { createRole(input: $i) { id name builtIn version grants { action scope } readableFields { type fields } } }";
const UPDATE_ROLE: &str = "mutation($r: ID!, $i: RoleInput!, $v: Int!) { updateRole(roleId: $r, input: $i, expectedVersion: $v) { version grants { action } } }";
const GRANT: &str =
    "mutation($u: ID!, $r: ID!) { grantRole(userId: $u, roleId: $r) { email roles customRoles { name } } }";
const REVOKE: &str =
    "mutation($u: ID!, $r: ID!) { revokeRole(userId: $u, roleId: $r) { email roles customRoles { name } } }";
const EXPLAIN: &str = "query($u: ID, $a: String!, $e: ID) { explainAccess(userId: $u, action: $a, entityId: $e) {
    action allowed scope roles { name builtIn scope } reasons entityReadable blockers } }";
const LEADS: &str = "{ salesView { leads(first: 5) { edges { node { id companyName contactEmail contactPhone } } } } }";

fn channel_manager() -> Value {
    json!({
        "name": "Channel manager",
        "description": "Partners, their leads and deals; no invoices; no contact phone numbers.",
        "grants": [
            { "action": "salesView", "scope": "ORG" },
            { "action": "lead", "scope": "ORG" },
            { "action": "opportunity", "scope": "ORG" },
            { "action": "account", "scope": "ORG" },
            { "action": "createPartner", "scope": "ORG" }
        ],
        "readableFields": [{ "type": "Lead", "fields": ["companyName", "contactName", "contactEmail", "status"] }]
    })
}

/// An ADMIN creates the role and a user holding only it; returns (admin, user token, user id, role id).
async fn setup(t: &TestApp) -> (String, String, String, String) {
    let admin = t.login("admin@demo.test").await;
    let r = t.gql(Some(&admin), CREATE_ROLE, json!({ "i": channel_manager() })).await;
    let role = &r["data"]["createRole"];
    assert_eq!(role["builtIn"], false, "{r}");
    assert_eq!(role["version"], 1);
    assert_eq!(role["grants"].as_array().unwrap().len(), 5, "{r}");
    let role_id = role["id"].as_str().unwrap().to_owned();
    let (user, user_id) =
        user_holding(t, &admin, (&role_id, "Channel manager"), "channel@demo.test", "channel-pass").await;
    (admin, user, user_id, role_id)
}

/// The ADMIN creates a user with no built-in role, grants it the custom role and logs it in; returns
/// (token, user id).
async fn user_holding(
    t: &TestApp,
    admin: &str,
    (role_id, role): (&str, &str),
    email: &str,
    password: &str,
) -> (String, String) {
    let r = t
        .gql(
            Some(admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({ "i": { "email": email, "name": "Role Holder", "password": password, "roles": [] } }),
        )
        .await;
    let user_id = r["data"]["createUser"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let r = t.gql(Some(admin), GRANT, json!({ "u": user_id, "r": role_id })).await;
    assert_eq!(r["data"]["grantRole"]["customRoles"], json!([{ "name": role }]), "{r}");
    (t.login_with(email, password).await.unwrap(), user_id)
}

both!(a_custom_role_is_followed_by_views_getters_fields_and_explain, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let i = json!({ "companyName": "Pangolin Parts", "contactName": "Ann Buyer", "contactEmail": "ann@pangolin.example", "contactPhone": "+1 555 0100", "source": "SEO" });
    let r =
        t.gql(Some(&sdr), "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", json!({ "i": i })).await;
    let lead = r["data"]["createLead"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let (admin, user, user_id, role_id) = setup(&t).await;

    // The org-wide lead scope reaches the SDR's lead; the phone is not among the readable fields.
    let r = t.gql(Some(&user), LEADS, json!({})).await;
    let node = &r["data"]["salesView"]["leads"]["edges"][0]["node"];
    assert_eq!(node["id"], json!(lead), "{r}");
    assert_eq!(node["companyName"], "Pangolin Parts");
    assert_eq!(node["contactEmail"], "ann@pangolin.example");
    assert_eq!(node["contactPhone"], Value::Null, "{r}");
    let e = &r["errors"][0];
    assert_eq!(e["extensions"]["code"], "FORBIDDEN", "{r}");
    assert_eq!(e["extensions"]["field"], "contactPhone", "{r}");
    assert_eq!(e["path"], json!(["salesView", "leads", "edges", 0, "node", "contactPhone"]), "{r}");
    assert!(!r.to_string().contains("555 0100"), "the value never appears: {r}");
    // Built-in roles read every field, as before.
    let r = t.gql(Some(&sdr), LEADS, json!({})).await;
    assert!(r["errors"].is_null(), "{r}");
    assert_eq!(r["data"]["salesView"]["leads"]["edges"][0]["node"]["contactPhone"], "+1 555 0100");

    // The same gate for getters, node and search; no invoices, no finance view.
    let q = "query($id: ID!) { lead(id: $id) { companyName } node(id: $id) { id } }";
    let r = t.gql(Some(&user), q, json!({ "id": lead })).await;
    assert_eq!(r["data"]["lead"]["companyName"], "Pangolin Parts", "{r}");
    assert_eq!(r["data"]["node"]["id"], json!(lead), "{r}");
    let r = t.gql(Some(&user), "{ search(text: \"pangolin\") { edges { node { node { id } } } } }", json!({})).await;
    assert_eq!(r["data"]["search"]["edges"][0]["node"]["node"]["id"], json!(lead), "{r}");
    let r = t.gql(Some(&user), "{ financeView { collections { collectionRate } } }", json!({})).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = t
        .gql(Some(&user), "query($e: ID!) { blockers(entityId: $e, action: \"recordPayment\") }", json!({ "e": lead }))
        .await;
    assert!(r["data"]["blockers"][0].as_str().unwrap().contains("FINANCE"), "blockers follow the role: {r}");

    // explainAccess: the ADMIN about the user, and the user about itself.
    let r = t.gql(Some(&admin), EXPLAIN, json!({ "u": user_id, "a": "salesView" })).await;
    let x = &r["data"]["explainAccess"];
    assert_eq!(x["allowed"], true, "{r}");
    assert_eq!(x["scope"], "ORG");
    assert_eq!(x["roles"], json!([{ "name": "Channel manager", "builtIn": false, "scope": "ORG" }]));
    let r = t.gql(Some(&user), EXPLAIN, json!({ "a": "recordPayment" })).await;
    let x = &r["data"]["explainAccess"];
    assert_eq!(x["allowed"], false, "{r}");
    assert!(x["reasons"][0].as_str().unwrap().contains("recordPayment"), "{r}");
    let r = t.gql(Some(&user), EXPLAIN, json!({ "a": "convertLead", "e": lead })).await;
    let x = &r["data"]["explainAccess"];
    assert_eq!(x["allowed"], false, "{r}");
    assert_eq!(x["entityReadable"], true, "{r}");
    let r =
        t.gql(Some(&user), EXPLAIN, json!({ "u": t.user_id(&admin, "sdr@demo.test").await, "a": "salesView" })).await;
    assert_eq!(code(&r), "FORBIDDEN", "only an ADMIN explains another user: {r}");
    let r = t.gql(Some(&admin), EXPLAIN, json!({ "a": "flyToTheMoon" })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");

    // A change takes effect on the next request: without readLead the list is empty.
    let mut changed = channel_manager();
    changed["grants"] = json!([{ "action": "salesView", "scope": "ORG" }]);
    let r = t.gql(Some(&admin), UPDATE_ROLE, json!({ "r": role_id, "i": changed, "v": 7 })).await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    let r = t.gql(Some(&admin), UPDATE_ROLE, json!({ "r": role_id, "i": changed, "v": 1 })).await;
    assert_eq!(r["data"]["updateRole"]["version"], 2, "{r}");
    let r = t.gql(Some(&user), "query($id: ID!) { lead(id: $id) { id } }", json!({ "id": lead })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");

    // Retired: the grants are gone; revoked: the user holds nothing.
    let r = t
        .gql(Some(&admin), "mutation($r: ID!) { retireRole(roleId: $r) { retiredAt } }", json!({ "r": role_id }))
        .await;
    assert!(r["data"]["retireRole"]["retiredAt"].is_string(), "{r}");
    let r = t.gql(Some(&user), "{ salesView { leads { totalCount } } }", json!({})).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = t.gql(Some(&admin), REVOKE, json!({ "u": user_id, "r": role_id })).await;
    assert_eq!(r["data"]["revokeRole"]["customRoles"], json!([]), "{r}");

    // Every change is an audit row.
    let r = t
        .gql(
            Some(&admin),
            "query($e: ID) { auditLog(entityId: $e) { edges { node { action } } } }",
            json!({ "e": role_id }),
        )
        .await;
    let actions: Vec<&str> = r["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["retireRole", "updateRole", "createRole"], "{r}");
});

both!(a_role_that_cannot_be_saved_changes_nothing, |engine| async move {
    let t = spawn_app(engine).await;
    let admin = t.login("admin@demo.test").await;
    let (audit, roles) = (t.count("audit_log").await, t.count("custom_roles").await);
    let cases: Vec<(Value, &str)> = vec![
        (json!([{ "action": "flyToTheMoon", "scope": "ORG" }]), "grants"),
        (json!([{ "action": "grantRole", "scope": "ORG" }]), "grants"),
        (json!([{ "action": "createLead", "scope": "DEPARTMENT" }]), "grants"),
        (json!([]), "grants"),
    ];
    for (grants, field) in cases {
        let mut i = channel_manager();
        i["grants"] = grants.clone();
        let r = t.gql(Some(&admin), CREATE_ROLE, json!({ "i": i })).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{grants}: {r}");
        assert_eq!(r["errors"][0]["extensions"]["field"], field, "{r}");
    }
    let mut i = channel_manager();
    i["readableFields"] = json!([{ "type": "Lead", "fields": ["shoeSize"] }]);
    let r = t.gql(Some(&admin), CREATE_ROLE, json!({ "i": i })).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "readableFields", "{r}");
    let mut i = channel_manager();
    i["readableFields"] = json!([{ "type": "Team", "fields": ["name"] }]);
    let r = t.gql(Some(&admin), CREATE_ROLE, json!({ "i": i })).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "readableFields", "{r}");
    let mut i = channel_manager();
    i["name"] = json!("sdr");
    let r = t.gql(Some(&admin), CREATE_ROLE, json!({ "i": i })).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "name", "{r}");
    // Not an ADMIN.
    let mgr = t.login("salesmanager@demo.test").await;
    let r = t.gql(Some(&mgr), CREATE_ROLE, json!({ "i": channel_manager() })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    assert_eq!(t.count("audit_log").await, audit);
    assert_eq!(t.count("custom_roles").await, roles);

    // The same name twice; the built-in roles are read-only; the last ADMIN stays.
    let r = t.gql(Some(&admin), CREATE_ROLE, json!({ "i": channel_manager() })).await;
    assert!(r["errors"].is_null(), "{r}");
    let r = t.gql(Some(&admin), CREATE_ROLE, json!({ "i": channel_manager() })).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "name", "{r}");
    let r = t.gql(Some(&admin), "{ roles { id name builtIn } }", json!({})).await;
    let all = r["data"]["roles"].as_array().unwrap();
    assert_eq!(all.iter().filter(|x| x["builtIn"] == true).count(), 11, "{r}");
    let admin_role = all.iter().find(|x| x["name"] == "ADMIN").unwrap()["id"].as_str().unwrap().to_owned();
    let r = t.gql(Some(&admin), UPDATE_ROLE, json!({ "r": admin_role, "i": channel_manager(), "v": 1 })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let admin_id = t.user_id(&admin, "admin@demo.test").await;
    let grants = t.count("role_grants").await;
    let r = t.gql(Some(&admin), REVOKE, json!({ "u": admin_id, "r": admin_role })).await;
    assert_eq!(r["errors"][0]["extensions"]["rule"], "LAST_ADMIN", "{r}");
    assert_eq!(t.count("role_grants").await, grants);
    // A built-in role granted through its id works like setUserRoles.
    let sdr_role = all.iter().find(|x| x["name"] == "SDR").unwrap()["id"].as_str().unwrap().to_owned();
    let mgr_id = t.user_id(&admin, "salesmanager@demo.test").await;
    let r = t.gql(Some(&admin), GRANT, json!({ "u": mgr_id, "r": sdr_role })).await;
    let held: Vec<&str> =
        r["data"]["grantRole"]["roles"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
    assert!(held.contains(&"SDR") && held.contains(&"SALES_MANAGER"), "{r}");
});

both!(a_field_a_role_does_not_read_cannot_be_written_either, |engine| async move {
    let t = spawn_app(engine).await;
    let admin = t.login("admin@demo.test").await;
    let role = json!({
        "name": "Lead desk",
        "grants": [
            { "action": "salesView", "scope": "OWN" },
            { "action": "lead", "scope": "OWN" },
            { "action": "createLead", "scope": "OWN" },
            { "action": "updateLead", "scope": "OWN" }
        ],
        "readableFields": [{ "type": "Lead", "fields": ["companyName", "contactName", "contactEmail", "status", "source"] }]
    });
    let r = t.gql(Some(&admin), CREATE_ROLE, json!({ "i": role })).await;
    let role_id = r["data"]["createRole"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let (desk, _) = user_holding(&t, &admin, (&role_id, "Lead desk"), "desk@demo.test", "desk-pass-1").await;

    let create = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id companyName } }";
    let (leads, audit) = (t.count("leads").await, t.count("audit_log").await);
    let with_phone = json!({ "companyName": "Quokka Quarries", "contactName": "Ann", "contactEmail": "ann@quokka.example", "contactPhone": "+1 555 0199", "source": "SEO" });
    let r = t.gql(Some(&desk), create, json!({ "i": with_phone })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "contactPhone", "{r}");
    assert!(!r.to_string().contains("555 0199"), "the value is never echoed: {r}");
    assert_eq!((t.count("leads").await, t.count("audit_log").await), (leads, audit), "nothing was written");

    // Without the hidden field the same lead is created.
    let mut without = with_phone.clone();
    without.as_object_mut().unwrap().remove("contactPhone");
    let r = t.gql(Some(&desk), create, json!({ "i": without })).await;
    let lead = r["data"]["createLead"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let update = "mutation($id: ID!, $i: UpdateLeadInput!) { updateLead(leadId: $id, input: $i) { companyName } }";
    let r = t.gql(Some(&desk), update, json!({ "id": lead, "i": { "contactPhone": "+1 555 0100" } })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "contactPhone", "{r}");
    // Within the readable fields the ordinary rules answer: round-robin gave the lead to an SDR.
    let r = t.gql(Some(&desk), update, json!({ "id": lead, "i": { "companyName": "Quokka Quarrying" } })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    // A built-in role writes every field, as before.
    let sdr = t.login("sdr@demo.test").await;
    let r = t.gql(Some(&sdr), create, json!({ "i": with_phone })).await;
    assert!(r["data"]["createLead"]["id"].is_string(), "{r}");
    t.stop().await;
});

/// Posts a query as `token` with `x-baton-view-as: role`.
async fn viewing_as(t: &TestApp, token: &str, role: &str, query: &str) -> Value {
    let r = t
        .http
        .post(format!("{}/graphql", t.base))
        .bearer_auth(token)
        .header("x-baton-view-as", role)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    r.json().await.unwrap()
}

both!(an_admin_views_as_a_role_read_only_and_audited, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let i = json!({ "companyName": "Wombat Works", "contactName": "Ann Buyer", "contactEmail": "ann@wombat.example", "contactPhone": "+1 555 0142", "source": "SEO" });
    t.gql(Some(&sdr), "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", json!({ "i": i })).await;
    let (admin, _user, _user_id, role_id) = setup(&t).await;
    let audit = t.count("audit_log").await;

    // As the channel manager: its lead scope and its field rules, not the ADMIN's.
    let r = viewing_as(&t, &admin, &role_id, LEADS).await;
    let node = &r["data"]["salesView"]["leads"]["edges"][0]["node"];
    assert_eq!(node["companyName"], "Wombat Works", "{r}");
    assert!(node["contactPhone"].is_null(), "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "contactPhone", "{r}");
    let r = viewing_as(&t, &admin, &role_id, "{ financeView { invoices(first: 1) { totalCount } } }").await;
    assert_eq!(code(&r), "FORBIDDEN", "no invoices for the channel manager: {r}");
    // The same ADMIN without the header reads everything.
    let r = t.gql(Some(&admin), "{ financeView { invoices(first: 1) { totalCount } } }", json!({})).await;
    assert!(r["errors"].is_null(), "{r}");

    // A built-in role works the same way.
    let roles = t.gql(Some(&admin), "{ roles { id name } }", json!({})).await;
    let legal = roles["data"]["roles"].as_array().unwrap().iter().find(|r| r["name"] == "LEGAL").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = viewing_as(&t, &admin, &legal, "{ legalView { approvalQueue(first: 1) { totalCount } } }").await;
    assert!(r["errors"].is_null(), "{r}");
    let r = viewing_as(&t, &admin, &legal, "{ salesView { leads(first: 1) { totalCount } } }").await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let views = t.count("audit_log").await - audit;
    assert_eq!(views, 4, "each of the four requests viewing as a role is an audit row");

    // Read-only: a mutation is refused and changes nothing.
    let leads = t.count("leads").await;
    let create = "mutation { createLead(input: { companyName: \"Viewed Co\", contactName: \"Ann\", contactEmail: \"ann@viewed.example\", source: SEO }) { id } }";
    let r = viewing_as(&t, &admin, &legal, create).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    assert_eq!(t.count("leads").await, leads);

    // Only an ADMIN may, with a role of its organization.
    let r = viewing_as(&t, &sdr, &legal, "{ me { email } }").await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = viewing_as(&t, &admin, "not-a-role", "{ me { email } }").await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let r = viewing_as(&t, &admin, &uuid::Uuid::new_v4().to_string(), "{ me { email } }").await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    t.stop().await;
});

both!(an_api_token_acts_with_the_custom_roles_it_is_given, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let i = json!({ "companyName": "Numbat Nets", "contactName": "Ann Buyer", "contactEmail": "ann@numbat.example", "contactPhone": "+1 555 0177", "source": "SEO" });
    t.gql(Some(&sdr), "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", json!({ "i": i })).await;
    let (admin, _user, _user_id, role_id) = setup(&t).await;
    let create =
        "mutation($r: [ID!]) { createApiToken(name: \"partner portal\", roles: [], customRoleIds: $r) { secret } }";

    // A role that is not the organization's, or no role at all: refused, no token.
    let tokens = t.count("api_tokens").await;
    let r = t.gql(Some(&admin), create, json!({ "r": [uuid::Uuid::new_v4().to_string()] })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "customRoleIds", "{r}");
    let r = t.gql(Some(&admin), create, json!({ "r": [] })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(t.count("api_tokens").await, tokens, "nothing was created");

    let r = t.gql(Some(&admin), create, json!({ "r": [role_id] })).await;
    let secret = r["data"]["createApiToken"]["secret"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    // The token reads what the role reads: leads org-wide, without the phone; no invoices.
    let r = t.gql(Some(&secret), LEADS, json!({})).await;
    let node = &r["data"]["salesView"]["leads"]["edges"][0]["node"];
    assert_eq!(node["companyName"], "Numbat Nets", "{r}");
    assert!(node["contactPhone"].is_null(), "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "contactPhone", "{r}");
    let r = t.gql(Some(&secret), "{ financeView { invoices(first: 1) { totalCount } } }", json!({})).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");

    // Retiring the role takes it from the token on the next request.
    let r = t.gql(Some(&admin), "mutation($r: ID!) { retireRole(roleId: $r) { id } }", json!({ "r": role_id })).await;
    assert!(r["errors"].is_null(), "{r}");
    let r = t.gql(Some(&secret), LEADS, json!({})).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    t.stop().await;
});

both!(an_api_token_shows_the_custom_roles_it_holds, |engine| async move {
    let t = spawn_app(engine).await;
    let (admin, _user, _user_id, role_id) = setup(&t).await;
    let create = "mutation($n: String!, $r: [ID!]) { createApiToken(name: $n, roles: [SDR], customRoleIds: $r) {
        apiToken { id customRoles { id name } } } }";
    let r = t.gql(Some(&admin), create, json!({ "n": "partner portal", "r": [role_id] })).await;
    let made = &r["data"]["createApiToken"]["apiToken"];
    assert_eq!(made["customRoles"], json!([{ "id": role_id, "name": "Channel manager" }]), "{r}");
    let with = made["id"].as_str().unwrap().to_owned();
    let r = t.gql(Some(&admin), create, json!({ "n": "plain", "r": null })).await;
    let plain = r["data"]["createApiToken"]["apiToken"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();

    // Read back through `apiTokens`: each token with its own custom roles, beside its built-in ones.
    let list = "{ apiTokens { id name roles customRoles { id name builtIn grants { action scope } } } }";
    let r = t.gql(Some(&admin), list, json!({})).await;
    let tokens = r["data"]["apiTokens"].as_array().unwrap_or_else(|| panic!("{r}"));
    let of = |id: &str| tokens.iter().find(|x| x["id"] == id).unwrap_or_else(|| panic!("{id} in {r}")).clone();
    let x = of(&with);
    assert_eq!(x["roles"], json!(["SDR"]), "{r}");
    assert_eq!(x["customRoles"][0]["id"], json!(role_id), "{r}");
    assert_eq!(x["customRoles"][0]["builtIn"], false, "{r}");
    assert_eq!(x["customRoles"][0]["grants"].as_array().unwrap().len(), 5, "{r}");
    assert_eq!(x["customRoles"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(of(&plain)["customRoles"], json!([]), "{r}");

    // A retired role no longer counts for the token, and is no longer shown as held.
    let r = t.gql(Some(&admin), "mutation($r: ID!) { retireRole(roleId: $r) { id } }", json!({ "r": role_id })).await;
    assert!(r["errors"].is_null(), "{r}");
    let r = t.gql(Some(&admin), list, json!({})).await;
    let tokens = r["data"]["apiTokens"].as_array().unwrap_or_else(|| panic!("{r}"));
    assert!(tokens.iter().all(|x| x["customRoles"] == json!([])), "{r}");
    // Only an ADMIN lists tokens.
    let r = t.gql(Some(&t.login("salesmanager@demo.test").await), list, json!({})).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    t.stop().await;
});

/// The fields of each type a role can restrict, from the schema the code serves: (type, field,
/// nullable scalar or enum without arguments).
fn restrictable_fields() -> Vec<(String, String, bool)> {
    use async_graphql::parser::types::{BaseType, TypeKind, TypeSystemDefinition};
    let doc = async_graphql::parser::parse_schema(baton_api::sdl_of_code()).expect("the SDL parses");
    let kinds: std::collections::HashMap<String, bool> = doc
        .definitions
        .iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(t) => {
                Some((t.node.name.node.to_string(), matches!(t.node.kind, TypeKind::Scalar | TypeKind::Enum(_))))
            }
            _ => None,
        })
        .collect();
    let leaf =
        |name: &str| matches!(name, "String" | "Int" | "Float" | "Boolean" | "ID") || kinds.get(name) == Some(&true);
    let mut out = vec![];
    for t in baton_app::admin::roles::FIELD_TYPES {
        let fields = doc.definitions.iter().find_map(|d| match d {
            TypeSystemDefinition::Type(x) if x.node.name.node == *t => match &x.node.kind {
                TypeKind::Object(o) => Some(&o.fields),
                _ => None,
            },
            _ => None,
        });
        let fields = fields.unwrap_or_else(|| panic!("`{t}` is a type a role restricts but not an object type"));
        for f in fields {
            let ty = &f.node.ty.node;
            let scalar = matches!(&ty.base, BaseType::Named(n) if leaf(n.as_str()));
            out.push((
                t.to_string(),
                f.node.name.node.to_string(),
                ty.nullable && scalar && f.node.arguments.is_empty(),
            ));
        }
    }
    out
}

/// A caller acting as the owner of the rows under test (so an own or team scope reaches them),
/// with built-in `roles` and custom roles `held`.
fn caller(
    org: uuid::Uuid,
    owner: uuid::Uuid,
    roles: Vec<baton_domain::Role>,
    held: Vec<baton_app::HeldRole>,
) -> baton_app::Actor {
    baton_app::Actor {
        principal: baton_app::Principal::User(owner),
        org_id: org,
        roles,
        custom_roles: vec![],
        grants: vec![],
        team_user_ids: vec![owner],
    }
    .with_custom_roles(held)
}

both!(the_gate_blockers_and_field_rules_agree_on_every_grant_the_table_allows, |engine| async move {
    use baton_app::{AppError, HeldRole};
    use baton_domain::permission::{self, Action, Scope};
    use baton_domain::{Role, Rule};
    use baton_store::entity::{lead, opportunity};
    use sea_orm::EntityTrait;
    use std::collections::{BTreeMap, BTreeSet};
    let t = spawn_app(engine).await;
    let db = &t.app().db;
    let uid = |s: &str| uuid::Uuid::parse_str(s).unwrap();
    // One object of every kind `blockers` looks at: a deal with an approved (unsigned) contract,
    // and a signed one whose hand-off package was submitted to customer success.
    let open = flow::approved(&t).await;
    let other = json!({ "companyName": "Dingo Docks", "contactName": "Ann Buyer", "contactEmail": "ann@dingo.example", "source": "SEO" });
    let (signed, _) = flow::signed_from(
        &t,
        flow::approved_from(
            &t,
            flow::submitted_from(&t, flow::quoted_from(&t, flow::converted_with(&t, other).await).await).await,
        )
        .await,
    )
    .await;
    flow::ok(&t, &signed.ae, "mutation($id: ID!) { updateHandoffPackage(packageId: $id, input: { specialRequirements: \"none\", successCriteria: \"go live\" }) { id } }", json!({ "id": signed.handoff })).await;
    flow::ok(
        &t,
        &signed.ae,
        "mutation($id: ID!) { submitHandoffPackage(packageId: $id) { status } }",
        json!({ "id": signed.handoff }),
    )
    .await;
    let l = lead::Entity::find_by_id(uid(&open.lead)).one(db).await.unwrap().unwrap();
    let org = l.organization_id;
    let owner_of = |o: opportunity::Model| o.owner_id;
    let deal_owner = owner_of(opportunity::Entity::find_by_id(uid(&open.opportunity)).one(db).await.unwrap().unwrap());
    let signed_owner =
        owner_of(opportunity::Entity::find_by_id(uid(&signed.opportunity)).one(db).await.unwrap().unwrap());
    // The rows the organization-wide and administrative actions act on.
    let admin0 = t.login("admin@demo.test").await;
    let marketing = t.login("marketing@demo.test").await;
    let product_manager = t.login("product@demo.test").await;
    flow::ok(&t, &marketing, "mutation { createCampaign(input: { name: \"Spring\", channel: SEO, budget: { amount: \"1000\", currency: \"USD\" }, startsOn: \"2026-03-01\" }) { id } }", json!({})).await;
    flow::ok(
        &t,
        &admin0,
        "mutation { createTrainingProgramme(level: NEW_HIRE, name: \"Basics\", topic: PRODUCT) { id } }",
        json!({}),
    )
    .await;
    flow::ok(&t, &product_manager, "mutation { publishReleaseNote(title: \"v2\", body: \"new\") { id } }", json!({}))
        .await;
    flow::ok(
        &t,
        &open.ae,
        "mutation($a: ID!) { fileFeatureRequest(input: { accountId: $a, title: \"SSO\" }) { id } }",
        json!({ "a": open.account }),
    )
    .await;
    flow::ok(&t, &admin0, "mutation { createApiToken(name: \"probe\", roles: [SDR]) { secret } }", json!({})).await;
    let probe = json!({ "name": "Probe", "grants": [{ "action": "lead", "scope": "ORG" }] });
    flow::ok(&t, &admin0, CREATE_ROLE, json!({ "i": probe })).await;
    let gift = json!({ "i": { "given": true, "description": "Dinner", "value": { "amount": "450", "currency": "USD" }, "accountId": signed.account, "purpose": "Kick-off dinner" } });
    flow::ok(&t, &signed.ae, "mutation($i: GiftInput!) { recordGift(input: $i) { id } }", gift).await;
    flow::ok(&t, &signed.finance, flow::PAY, json!({ "i": signed.invoices[0], "a": "4503.00", "k": "probe-pay" }))
        .await;
    // Customer success takes the signed customer over, so its account is in CS's department.
    flow::ok(
        &t,
        &signed.cs,
        "mutation($id: ID!) { acceptHandoff(packageId: $id) { status } }",
        json!({ "id": signed.handoff }),
    )
    .await;
    macro_rules! any_row {
        ($entity:ident) => {{
            use baton_store::entity::$entity;
            $entity::Entity::find()
                .one(db)
                .await
                .unwrap()
                .map(|m| m.id)
                .unwrap_or_else(|| panic!("no {}", stringify!($entity)))
        }};
    }
    let samples = vec![
        ("lead", uid(&open.lead), l.owner_id.unwrap()),
        ("opportunity", uid(&open.opportunity), deal_owner),
        ("quote", uid(&open.quote), deal_owner),
        ("contract", uid(&open.contract), deal_owner),
        ("invoice", uid(&signed.invoices[0]), signed_owner),
        ("hand-off package", uid(&signed.handoff), signed_owner),
        ("organization", org, deal_owner),
        ("account", uid(&signed.account), signed_owner),
        ("contact", uid(&open.signer), deal_owner),
        ("payment", any_row!(payment), signed_owner),
        ("user", deal_owner, deal_owner),
        ("team", any_row!(team), deal_owner),
        ("campaign", any_row!(campaign), deal_owner),
        ("feature request", any_row!(feature_request), deal_owner),
        ("training programme", any_row!(training_programme), deal_owner),
        ("release note", any_row!(release_note), deal_owner),
        ("API token", any_row!(api_token), deal_owner),
        ("role", any_row!(custom_role), deal_owner),
        ("gift", any_row!(gift), signed_owner),
    ];
    // Every action is asked with a target stage; only `moveOpportunity` reads it.
    let asked = |a: Action| format!("{}:NEGOTIATION", a.name());

    // Which object each action is checked on, as `blockers` itself answers a caller that may do
    // everything across the organization. Every action is answered: none is "not an action
    // blockers can check"; only the two whose rows this organization has none of (a data
    // subject request, a webhook delivery) are NOT_FOUND on every object.
    let everything: Vec<(Action, Scope)> = Action::ALL.iter().map(|a| (*a, Scope::Org)).collect();
    let all =
        HeldRole { id: uuid::Uuid::new_v4(), name: "all".into(), grants: everything, readable_fields: BTreeMap::new() };
    let mut checked = vec![];
    let mut nowhere = vec![];
    for a in Action::ALL {
        let mut found = false;
        for (kind, id, owner) in samples.iter().copied() {
            match t.app().blockers(&caller(org, owner, vec![], vec![all.clone()]), id, &asked(*a)).await {
                Ok(_) => {
                    checked.push((*a, kind, id, owner));
                    found = true;
                    break;
                }
                Err(AppError::NotFound(_)) => {}
                Err(e) => panic!("{a:?} on the {kind}: {e:?}"),
            }
        }
        if !found {
            nowhere.push(*a);
        }
    }
    assert_eq!(nowhere, [Action::HandleDataSubjectRequest, Action::RedeliverWebhook], "answered on no object");
    for (kind, _, _) in &samples {
        assert!(checked.iter().any(|c| c.1 == *kind), "blockers checks no action on a {kind}: {checked:?}");
    }

    // Field rules: each custom role below hides one field of one restrictable type, in turn.
    let fields = restrictable_fields();
    let hiding = |i: usize| {
        let (ty, hidden, _) = &fields[i % fields.len()];
        let readable: BTreeSet<String> =
            fields.iter().filter(|(t2, f, _)| t2 == ty && f != hidden).map(|(_, f, _)| f.clone()).collect();
        (ty.clone(), hidden.clone(), BTreeMap::from([(ty.clone(), readable)]))
    };

    // The principals: every built-in role, and a custom role per grantable (action, scope) pair.
    let mut principals: Vec<(String, Vec<Role>, Vec<HeldRole>)> =
        Role::ALL.into_iter().map(|r| (r.as_str().to_owned(), vec![r], vec![])).collect();
    for a in Action::ALL {
        for s in Scope::ALL.into_iter().filter(|s| permission::grantable(*a, *s)) {
            let (_, _, readable_fields) = hiding(principals.len());
            let name = format!("{} at {}", a.name(), s.as_str());
            principals.push((
                name.clone(),
                vec![],
                vec![HeldRole { id: uuid::Uuid::new_v4(), name, grants: vec![(*a, s)], readable_fields }],
            ));
        }
    }
    let is_rule = |reason: &str| Rule::ALL.iter().any(|r| reason.starts_with(&format!("{}: ", r.code())));
    let (mut allowed, mut refused) = (0, 0);
    for (i, (who, roles, held)) in principals.iter().enumerate() {
        for (a, kind, id, owner) in &checked {
            let actor = caller(org, *owner, roles.clone(), held.clone());
            let got = t.app().blockers(&actor, *id, &asked(*a)).await;
            match actor.permission(*a) {
                // Allowed by the table: blockers may name unmet rules, never a permission.
                Ok(scope) => {
                    allowed += 1;
                    let reasons = got.unwrap_or_else(|e| panic!("{who} may {a:?} at {scope:?} on the {kind}: {e:?}"));
                    assert!(
                        reasons.iter().all(|r| is_rule(r)),
                        "{who} may {a:?} at {scope:?}, blockers refuse: {reasons:?}"
                    );
                }
                // Refused by the table: blockers give exactly the gate's reasons.
                Err(_) => {
                    refused += 1;
                    let Err(AppError::Forbidden(want)) = actor.authorize(*a) else { unreachable!() };
                    assert!(want[0].contains(a.name()), "{want:?}");
                    assert_eq!(got.unwrap_or_else(|e| panic!("{who} {a:?}: {e:?}")), want, "{who} on {a:?}");
                }
            }
            // The field rules do not move the permission answer, and hide exactly their field.
            if let Some(h) = held.first() {
                let bare = caller(
                    org,
                    *owner,
                    roles.clone(),
                    vec![HeldRole { readable_fields: BTreeMap::new(), ..h.clone() }],
                );
                assert_eq!(actor.permission(*a), bare.permission(*a), "{who}");
            }
        }
        if !held.is_empty() {
            let (ty, hidden, _) = hiding(i);
            let actor = caller(org, samples[0].2, vec![], held.clone());
            for (t2, f, _) in &fields {
                assert_eq!(actor.may_read_field(t2, f), !(t2 == &ty && f == &hidden), "{who}: {t2}.{f}");
            }
            let with_builtin = caller(org, samples[0].2, vec![Role::Sdr], held.clone());
            assert!(with_builtin.may_read_field(&ty, &hidden), "a built-in role reads every field");
        }
    }
    // Every grant the table allows was asked on its object, and so was every refusal.
    let rows = permission::TABLE.iter().filter(|(_, a, _)| checked.iter().any(|c| c.0 == *a)).count();
    let pairs = checked
        .iter()
        .map(|c| Scope::ALL.into_iter().filter(|s| permission::grantable(c.0, *s)).count())
        .sum::<usize>();
    assert_eq!(allowed, rows + pairs, "one allowed answer per table row and per custom grant");
    assert!(refused > 0);

    // The API's field rules agree with the schema: a role may list every field of every type,
    // and a user holding one that hides every other nullable leaf field of a lead gets exactly
    // those fields refused, each named in its error, and reads the others.
    let admin = t.login("admin@demo.test").await;
    let mut lists: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (ty, f, _) in &fields {
        lists.entry(ty).or_default().push(f);
    }
    let every: Vec<Value> = lists.iter().map(|(ty, f)| json!({ "type": ty, "fields": f })).collect();
    let role = json!({ "name": "Reads every field", "grants": [{ "action": "lead", "scope": "ORG" }], "readableFields": every });
    let r = t.gql(Some(&admin), CREATE_ROLE, json!({ "i": role })).await;
    assert!(r["errors"].is_null(), "{r}");
    let leaves: Vec<&(String, String, bool)> = fields.iter().filter(|(ty, _, leaf)| ty == "Lead" && *leaf).collect();
    let hidden: Vec<&str> = leaves.iter().step_by(2).map(|(_, f, _)| f.as_str()).collect();
    let readable: Vec<&str> = fields
        .iter()
        .filter(|(ty, f, _)| ty == "Lead" && !hidden.contains(&f.as_str()))
        .map(|(_, f, _)| f.as_str())
        .collect();
    let role = json!({ "name": "Half a lead", "grants": [{ "action": "lead", "scope": "ORG" }], "readableFields": [{ "type": "Lead", "fields": readable }] });
    let r = t.gql(Some(&admin), CREATE_ROLE, json!({ "i": role })).await;
    let role_id = r["data"]["createRole"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let (half, _) = user_holding(&t, &admin, (&role_id, "Half a lead"), "half@demo.test", "half-pass-1").await;
    let mut selection: Vec<&str> = leaves.iter().map(|(_, f, _)| f.as_str()).collect();
    selection.push("companyName");
    let q = format!("query($id: ID!) {{ lead(id: $id) {{ {} }} }}", selection.join(" "));
    let r = t.gql(Some(&half), &q, json!({ "id": open.lead })).await;
    let refused: BTreeSet<&str> = r["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|e| {
            assert_eq!(e["extensions"]["code"], "FORBIDDEN", "{e}");
            assert_eq!(e["path"][0], "lead", "{e}");
            assert_eq!(e["path"][1], e["extensions"]["field"], "{e}");
            e["extensions"]["field"].as_str().unwrap()
        })
        .collect();
    assert_eq!(refused, hidden.iter().copied().collect::<BTreeSet<_>>(), "{r}");
    for f in &hidden {
        assert!(r["data"]["lead"][f].is_null(), "{f}: {r}");
    }
    assert_eq!(r["data"]["lead"]["companyName"], "Acme Retail", "{r}");
});

both!(voiding_a_signed_contract_follows_the_grants_scope_not_a_roles_name, |engine| async move {
    let t = spawn_app(engine).await;
    let (d, _) = flow::signed(&t).await;
    let admin = t.login("admin@demo.test").await;
    let void = "mutation($c: ID!) { voidContract(contractId: $c, reason: \"signed in error\") { status } }";
    // The AE voids contracts of their own deals, but not once signed.
    let r = t.gql(Some(&d.ae), void, json!({ "c": d.contract })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = t
        .gql(
            Some(&d.ae),
            "query($c: ID!, $a: String!) { blockers(entityId: $c, action: $a) }",
            json!({ "c": d.contract, "a": "voidContract" }),
        )
        .await;
    assert!(r["data"]["blockers"][0].as_str().is_some_and(|s| s.contains("organization-wide")), "{r}");
    // A custom role granted voidContract organization-wide voids it, as LEGAL does.
    let i = json!({ "name": "Contract desk", "grants": [{ "action": "voidContract", "scope": "ORG" }, { "action": "legalView", "scope": "ORG" }], "readableFields": [] });
    let r = t.gql(Some(&admin), CREATE_ROLE, json!({ "i": i })).await;
    let role = r["data"]["createRole"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let (desk, _) = user_holding(&t, &admin, (&role, "Contract desk"), "desk@demo.test", "desk-password-1").await;
    let r = t
        .gql(
            Some(&desk),
            "query($c: ID!, $a: String!) { blockers(entityId: $c, action: $a) }",
            json!({ "c": d.contract, "a": "voidContract" }),
        )
        .await;
    assert_eq!(r["data"]["blockers"], json!([]), "{r}");
    let r = t.gql(Some(&desk), void, json!({ "c": d.contract })).await;
    assert_eq!(r["data"]["voidContract"]["status"], "VOIDED", "{r}");
});

both!(a_custom_approver_role_approves_quotes_with_the_authority_of_its_grants_scope, |engine| async move {
    let t = spawn_app(engine).await;
    let d = flow::proposal_from(&t, flow::converted(&t).await).await;
    let admin = t.login("admin@demo.test").await;
    let pro = flow::product(&t, &d.ae, "PLAN-PRO").await;
    let create = "mutation($id: ID!, $p: ID!) { createQuote(opportunityId: $id, input: { lines: [{ productId: $p, quantity: 20, termMonths: 12 }], discountPercent: \"40\" }) { id status } }";
    let r = t.gql(Some(&d.ae), create, json!({ "id": d.opportunity, "p": pro })).await;
    assert_eq!(r["data"]["createQuote"]["status"], "PENDING_APPROVAL", "{r}");
    let quote = r["data"]["createQuote"]["id"].as_str().unwrap().to_owned();
    let approve = "mutation($q: ID!) { approveQuote(quoteId: $q) { status approvedBy { email } } }";
    // A role granted approveQuote organization-wide approves any discount, as FINANCE does.
    let i = json!({ "name": "Deal desk", "grants": [{ "action": "approveQuote", "scope": "ORG" }, { "action": "financeView", "scope": "ORG" }], "readableFields": [] });
    let r = t.gql(Some(&admin), CREATE_ROLE, json!({ "i": i })).await;
    let role = r["data"]["createRole"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let (desk, _) = user_holding(&t, &admin, (&role, "Deal desk"), "deals@demo.test", "deal-desk-password-1").await;
    let r = t
        .gql(
            Some(&desk),
            "query($q: ID!, $a: String!) { blockers(entityId: $q, action: $a) }",
            json!({ "q": quote, "a": "approveQuote" }),
        )
        .await;
    assert_eq!(r["data"]["blockers"], json!([]), "{r}");
    let r = t.gql(Some(&desk), approve, json!({ "q": quote })).await;
    assert_eq!(r["data"]["approveQuote"]["status"], "APPROVED", "{r}");
    assert_eq!(r["data"]["approveQuote"]["approvedBy"]["email"], "deals@demo.test");
});

both!(an_api_token_is_refused_every_people_only_action_whatever_its_roles_grant, |engine| async move {
    use baton_app::{AppError, HeldRole};
    use baton_domain::permission::{self, Action, Scope};
    use std::collections::BTreeMap;
    let t = spawn_app(engine).await;
    let admin = t.login("admin@demo.test").await;
    let role = json!({
        "name": "Campaign robot",
        "grants": [{ "action": "marketingView", "scope": "ORG" }, { "action": "createCampaign", "scope": "ORG" }],
        "readableFields": []
    });
    let r = t.gql(Some(&admin), CREATE_ROLE, json!({ "i": role })).await;
    let role_id = r["data"]["createRole"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let create = "mutation($r: [ID!]) { createApiToken(name: \"robot\", roles: [], customRoleIds: $r) { secret } }";
    let r = t.gql(Some(&admin), create, json!({ "r": [role_id] })).await;
    let secret = r["data"]["createApiToken"]["secret"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();

    // The token reads what its role grants, but a campaign is put out by a person.
    let r = t.gql(Some(&secret), "{ marketingView { campaigns { id } } }", json!({})).await;
    assert!(r["errors"].is_null(), "{r}");
    let campaigns = t.count("campaigns").await;
    let i = json!({ "name": "Robot spring", "channel": "SEO", "budget": { "amount": "100", "currency": "USD" }, "startsOn": "2026-03-01" });
    let r = t
        .gql(Some(&secret), "mutation($i: CampaignInput!) { createCampaign(input: $i) { id } }", json!({ "i": i }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let message = r["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("`createCampaign` is done by a person, not an API token"), "{r}");
    assert_eq!(t.count("campaigns").await, campaigns, "nothing was created");

    // For every action, a token granted everything is refused exactly the people-only ones,
    // with the reason a person's own check gives.
    let everything: Vec<(Action, Scope)> = Action::ALL.iter().map(|a| (*a, Scope::Org)).collect();
    let all =
        HeldRole { id: uuid::Uuid::new_v4(), name: "all".into(), grants: everything, readable_fields: BTreeMap::new() };
    let token = baton_app::Actor {
        principal: baton_app::Principal::ApiToken(uuid::Uuid::new_v4()),
        ..caller(uuid::Uuid::new_v4(), uuid::Uuid::new_v4(), vec![], vec![all])
    };
    for a in Action::ALL {
        match token.authorize(*a) {
            Ok(_) => assert!(!permission::people_only(*a), "{a:?} is people-only"),
            Err(AppError::Forbidden(why)) => {
                assert!(permission::people_only(*a), "{a:?}: {why:?}");
                assert_eq!(why, vec![permission::people_only_reason(*a)]);
                let Err(AppError::Forbidden(own)) = token.person(*a) else { panic!("{a:?}") };
                assert_eq!(own, why);
            }
            Err(e) => panic!("{a:?}: {e:?}"),
        }
    }
    t.stop().await;
});
