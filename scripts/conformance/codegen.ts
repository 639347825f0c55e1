// graphql-codegen's client preset over the committed SDL and the frontends' operations.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema/schema.graphql",
  documents: ["client/operations.graphql", "client/main.ts"],
  generates: {
    "client/gql/": { preset: "client", config: { useTypeImports: true } },
  },
  ignoreNoDocuments: false,
};

export default config;
