//! The middle tier: the GraphQL schema executed in process (no HTTP) on the seeded demo
//! organization, fast enough to hold every demo role against every department view and every
//! id-taking mutation. The expected answer comes from the permission table itself: a role the
//! table refuses gets FORBIDDEN, one it allows gets past the gate to the missing row
//! (NOT_FOUND), so a resolver that skipped its gate, or checked a different action, fails here.

use baton_app::Actor;
use baton_domain::Role;
use baton_domain::permission::{self, Action};
use baton_tests::*;
use serde_json::Value;

/// What a query is expected to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Data and no error.
    Data,
    /// An error with this `extensions.code`.
    Code(&'static str),
}

/// Runs `query` as `actor` through the schema and compares the answer with `expected`.
async fn check(
    t: &TestApp,
    schema: &baton_api::BatonSchema,
    (role, actor): (Role, &Actor),
    query: &str,
    expected: Expect,
) {
    let app = t.app();
    let req = async_graphql::Request::new(query).data(baton_api::Auth::Actor(actor.clone()));
    let resp = schema.execute(baton_api::attach_loaders(req, app, actor.org_id)).await;
    let json: Value = serde_json::to_value(&resp).unwrap_or_default();
    let got = match resp.errors.first() {
        None => Expect::Data,
        Some(e) => {
            let code = e.extensions.as_ref().and_then(|x| x.get("code")).map(|c| c.to_string()).unwrap_or_default();
            match ["FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT", "RULE_VIOLATION", "UNAUTHENTICATED", "INTERNAL"]
                .into_iter()
                .find(|c| code.contains(c))
            {
                Some(c) => Expect::Code(c),
                None => panic!("{role:?}: {query}: unexpected error {json}"),
            }
        }
    };
    assert_eq!(got, expected, "{role:?}: {query}: {json}");
}

/// The demo users, one per built-in role, as the API sees them.
async fn demo_actors(t: &TestApp) -> Vec<(Role, Actor)> {
    let mut actors = Vec::new();
    for (email, _, role) in baton_app::admin::seed::DEMO_USERS {
        let token = t.login(email).await;
        let actor = t.app().authenticate(&token).await.unwrap_or_else(|e| panic!("{email}: {e:?}"));
        actors.push((role, actor));
    }
    actors
}

/// FORBIDDEN when the table gives `role` no scope for `action`, else `otherwise`.
fn by_table(role: Role, action: Action, otherwise: Expect) -> Expect {
    match permission::authorize(&[role], action) {
        Ok(_) => otherwise,
        Err(_) => Expect::Code("FORBIDDEN"),
    }
}

both!(every_role_against_every_view_and_id_taking_mutation_over_the_schema, |engine| async move {
    let t = spawn_app(engine).await;
    let schema = baton_api::build_schema(t.app().clone(), baton_api::Limits::default());
    let actors = demo_actors(&t).await;
    let views = [
        ("salesView", Action::SalesView),
        ("marketingView", Action::MarketingView),
        ("productView", Action::ProductView),
        ("customerSuccessView", Action::CustomerSuccessView),
        ("legalView", Action::LegalView),
        ("financeView", Action::FinanceView),
    ];
    let missing = uuid::Uuid::now_v7();
    let mutations: Vec<(String, Action)> = [
        ("assignLead(leadId: $id, ownerId: $id) { id }", Action::AssignLead),
        ("disqualifyLead(leadId: $id, reason: \"no budget\") { id }", Action::DisqualifyLead),
        ("recordLeadContact(leadId: $id) { id }", Action::RecordLeadContact),
        ("optOutOfCadence(leadId: $id) { id }", Action::OptOutOfCadence),
        ("closeOpportunityLost(opportunityId: $id, reason: \"budget cut\") { id }", Action::CloseOpportunityLost),
        ("moveOpportunity(opportunityId: $id, stage: DEMO) { id }", Action::MoveOpportunity),
        ("approveQuote(quoteId: $id) { id }", Action::ApproveQuote),
        ("acceptQuote(quoteId: $id) { id }", Action::AcceptQuote),
        ("submitContractForReview(contractId: $id) { id }", Action::SubmitContractForReview),
        ("approveContract(contractId: $id, expectedVersion: 1) { id }", Action::ApproveContract),
        ("requestContractChanges(contractId: $id, comments: \"clause 4\") { id }", Action::RequestContractChanges),
        ("voidContract(contractId: $id, reason: \"withdrawn\") { id }", Action::VoidContract),
        ("submitHandoffPackage(packageId: $id) { id }", Action::SubmitHandoffPackage),
        ("returnHandoff(packageId: $id, reason: \"incomplete\") { id }", Action::ReturnHandoff),
        ("voidInvoice(invoiceId: $id, reason: \"issued twice\") { id }", Action::VoidInvoice),
        ("recordChurn(accountId: $id, reason: \"moved to a rival\") { id }", Action::RecordChurn),
        ("setAccountTier(accountId: $id, vip: false) { id }", Action::SetAccountTier),
        ("approveGift(giftId: $id) { id }", Action::ApproveGift),
        ("rejectGift(giftId: $id) { id }", Action::RejectGift),
        ("deactivateUser(userId: $id) { id }", Action::DeactivateUser),
        ("retireRole(roleId: $id) { id }", Action::RetireRole),
        ("redeliverWebhook(deliveryId: $id) { id }", Action::RedeliverWebhook),
        ("acknowledgeReleaseNote(noteId: $id) { id }", Action::AcknowledgeReleaseNote),
    ]
    .into_iter()
    .map(|(m, a)| (format!("mutation {{ {} }}", m.replace("$id", &format!("\"{missing}\""))), a))
    .collect();
    let mut answers = std::collections::BTreeMap::new();
    for (role, actor) in &actors {
        for (field, action) in views {
            let q = format!("{{ {field} {{ __typename }} }}");
            let want = by_table(*role, action, Expect::Data);
            check(&t, &schema, (*role, actor), &q, want).await;
            *answers.entry(format!("{want:?}")).or_insert(0) += 1;
        }
        for (m, action) in &mutations {
            let want = by_table(*role, *action, Expect::Code("NOT_FOUND"));
            check(&t, &schema, (*role, actor), m, want).await;
            *answers.entry(format!("{want:?}")).or_insert(0) += 1;
        }
    }
    // Both sides of the table were exercised: views read, gates passed and gates refused.
    assert_eq!(answers.values().sum::<usize>(), actors.len() * (views.len() + mutations.len()));
    assert_eq!(answers.len(), 3, "{answers:?}");
    assert_eq!(actors.len(), Role::ALL.len(), "a demo user per role");
    t.stop().await;
});
