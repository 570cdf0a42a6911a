import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the operations the tests (and examples) send: each `.graphql` file in
 * test/operations becomes a `TypedDocumentNode` whose result and variables types follow
 * schema.graphql. Run `npm run codegen` after changing the schema or an operation.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/operations/*.graphql'],
  generates: {
    'test/operations/generated.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        scalars: {
          DateTime: { input: 'string', output: 'string' },
          Decimal: { input: 'string', output: 'string' },
        },
      },
    },
  },
};

export default config;
