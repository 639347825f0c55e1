// A typed client over the generated documents: it compiles only while the SDL still offers
// what the operations ask, with the types they expect.
import { graphql } from "./gql";
import type { ResultOf, VariablesOf } from "@graphql-typed-document-node/core";
import { LoginDocument, PipelineDocument, SdrLeadsDocument } from "./gql/graphql";

export const login: VariablesOf<typeof LoginDocument> = { email: "sdr@demo.test", password: "demo" };

export function token(r: ResultOf<typeof LoginDocument>): string {
  return r.login.token;
}

export function stages(r: ResultOf<typeof PipelineDocument>): string[] {
  return r.salesView.opportunities.edges.map((e) => e.node.stage);
}

export function nextPage(r: ResultOf<typeof SdrLeadsDocument>): string | null | undefined {
  return r.salesView.leads.pageInfo.hasNextPage ? r.salesView.leads.pageInfo.endCursor : null;
}

export const me = graphql(`
  query Me {
    me {
      id
      email
    }
  }
`);
